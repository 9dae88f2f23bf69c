//! Card previews: each image of a card downloaded, made small and attached to the message, so
//! the card stays readable after Scenario's signed URLs expire, before and after the decision.
//!
//! At posting, fresh URLs are read in one bulk call, then each image is downloaded (size-capped),
//! turned into a JPEG of at most [`encode::PREVIEW_SIDE`] pixels a side and attached; the embeds
//! point at `attachment://` names. An edit keeps the attachments the message has (listed by id,
//! never uploaded again) and tries again the images that could not be shown, so a card from
//! before previews (URL embeds) moves to attachments on its next edit.
//!
//! Images are handled one at a time across the whole bridge (a semaphore of one), and held to
//! a download cap and decoder limits, so memory stays bounded in a burst of cards.

mod download;
pub mod encode;
pub mod link;
pub mod plan;

use std::collections::HashMap;

use reqwest::Client;
use serenity::all::{Attachment, AttachmentId, CreateAttachment, EditAttachments};
use tokio::sync::Semaphore;
use tracing::{debug, warn};

use crate::{
    approvals::{ids::AssetId, review::ReviewSnapshot},
    scenario::ScenarioClient,
};

/// How one asset of a card is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetView {
    /// As an embed image, from the message's attachment of this name.
    Attached {
        /// The attachment's file name.
        filename: String,
    },
    /// As a link only: not an image (video, 3D, …) or past the images a message can show.
    Linked {
        /// The URL, when it is one Discord accepts.
        link: Option<String>,
    },
    /// An image that could not be shown this time; tried again on the card's next edit.
    NotShown {
        /// Why.
        why: NotShown,
        /// The URL, when it is one Discord accepts.
        link: Option<String>,
    },
}

/// Why an image is not shown on its card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotShown {
    /// Scenario gave no URL.
    #[error("no URL")]
    NoUrl,
    /// Scenario gave a URL without a host.
    #[error("relative URL")]
    RelativeUrl,
    /// The URL is longer than Discord accepts.
    #[error("URL too long")]
    UrlTooLong,
    /// The URL is not http(s).
    #[error("not a web URL")]
    NotWebUrl,
    /// The CDN refused the signed URL (403): it expired.
    #[error("link expired")]
    LinkExpired,
    /// The download failed, with the HTTP status when there was one.
    #[error("download failed{}", .0.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    DownloadFailed(Option<u16>),
    /// The download took too long.
    #[error("download timed out")]
    DownloadTimedOut,
    /// The file or the decoded image is larger than the bridge reads.
    #[error("file too large")]
    TooLarge,
    /// The file is not an image.
    #[error("not an image")]
    NotAnImage,
    /// An image format previews are not made of.
    #[error("image format not supported")]
    UnsupportedFormat,
    /// The image could not be decoded.
    #[error("image could not be read")]
    Unreadable,
    /// The message's upload budget is spent.
    #[error("over the card's upload budget")]
    OverBudget,
    /// Discord refused the upload as too large (a server limit below the budget).
    #[error("over Discord's upload limit")]
    OverDiscordLimit,
    /// Discord refused the bot's files in the card's channel: it lacks Attach Files there. The
    /// card says so once, not per image.
    #[error("no Attach Files permission in this channel")]
    AttachFilesDenied,
}

/// What a card's message shows of its assets, and the attachments that make it so.
#[derive(Debug, Default)]
pub struct CardPreviews {
    /// How each asset of the snapshot is shown, in the snapshot's order.
    pub views: Vec<AssetView>,
    /// Attachments of the message that stay.
    pub keep: Vec<AttachmentId>,
    /// Previews to upload with the message.
    pub upload: Vec<CreateAttachment>,
}

impl CardPreviews {
    /// Bytes this message uploads.
    pub fn upload_bytes(&self) -> usize {
        self.upload.iter().map(|file| file.data.len()).sum()
    }

    /// The same card without its new uploads, each not shown for `why`: what is sent after
    /// Discord refused the upload, so the card is still written.
    pub fn without_uploads(&self, why: NotShown) -> Self {
        let dropped: Vec<&str> = self.upload.iter().map(|file| file.filename.as_str()).collect();
        let views = self
            .views
            .iter()
            .map(|view| match view {
                AssetView::Attached { filename } if dropped.contains(&filename.as_str()) => {
                    AssetView::NotShown { why, link: None }
                }
                other => other.clone(),
            })
            .collect();
        Self { views, keep: self.keep.clone(), upload: Vec::new() }
    }

    /// The `attachments` of an edit: the kept ones by id and the new files. `None` when the
    /// message has none and gets none, so the edit leaves that part alone.
    pub fn edit_attachments(&mut self, had_attachments: bool) -> Option<EditAttachments> {
        if !had_attachments && self.upload.is_empty() {
            return None;
        }
        let kept = self.keep.iter().fold(EditAttachments::new(), |all, id| all.keep(*id));
        Some(self.upload.drain(..).fold(kept, EditAttachments::add))
    }
}

/// Makes the previews of cards: the CDN client, the upload budget, one image at a time.
#[derive(Debug)]
pub struct Previews {
    cdn: Client,
    budget: u64,
    one_at_a_time: Semaphore,
}

impl Previews {
    /// Previews within `budget` bytes per message.
    pub fn new(budget: u64) -> Self {
        Self { cdn: download::cdn_client(), budget, one_at_a_time: Semaphore::new(1) }
    }

    /// The previews of a card whose message has `existing` attachments (none for a new card):
    /// existing previews are kept, missing ones made, within the budget. Never fails: an image
    /// that cannot be shown is named in the views.
    pub async fn prepare(
        &self,
        scenario: &ScenarioClient,
        snapshot: &ReviewSnapshot,
        existing: &[Attachment],
    ) -> CardPreviews {
        let assets = &snapshot.assets;
        let mut card = CardPreviews::default();
        let mut used = plan::PAYLOAD_ROOM;
        let mut todo = Vec::new();
        for (n, (asset, name)) in assets.iter().zip(plan::preview_names(assets)).enumerate() {
            let Some(filename) = name else {
                card.views.push(AssetView::Linked { link: link::link(&asset.url) });
                continue;
            };
            if let Some(kept) = existing.iter().find(|a| a.filename == filename) {
                card.keep.push(kept.id);
                used += u64::from(kept.size);
                card.views.push(AssetView::Attached { filename });
            } else {
                card.views.push(AssetView::NotShown { why: NotShown::NoUrl, link: None });
                todo.push((n, filename));
            }
        }
        if todo.is_empty() {
            return card;
        }
        let ids: Vec<AssetId> = todo.iter().map(|(n, _)| assets[*n].asset_id.clone()).collect();
        let fresh = self.fresh_urls(scenario, &ids).await;
        let remaining = todo.len();
        for (done, (n, filename)) in todo.into_iter().enumerate() {
            let asset = &assets[n];
            let url = fresh.get(&asset.asset_id).unwrap_or(&asset.url);
            let room = plan::room(self.budget, used, remaining - done);
            card.views[n] = match self.preview(url, room).await {
                Ok(jpeg) => {
                    used = used.saturating_add(u64::try_from(jpeg.len()).unwrap_or(u64::MAX));
                    card.upload.push(CreateAttachment::bytes(jpeg, filename.clone()));
                    AssetView::Attached { filename }
                }
                Err(why) => {
                    warn!(asset_id = %asset.asset_id, why = %why, "image not shown on its card");
                    AssetView::NotShown { why, link: link::link(url) }
                }
            };
        }
        card
    }

    /// Signed URLs fresh from Scenario; on failure the snapshot's are used (and may have expired).
    async fn fresh_urls(&self, scenario: &ScenarioClient, ids: &[AssetId]) -> HashMap<AssetId, String> {
        match scenario.assets(ids).await {
            Ok(assets) => assets.into_iter().filter(|a| !a.url.is_empty()).map(|a| (a.id, a.url)).collect(),
            Err(err) => {
                warn!(error = %err, "fresh asset URLs unavailable; using the card's");
                HashMap::new()
            }
        }
    }

    /// One preview of at most `room` bytes: download, decode, shrink, encode, one image at a
    /// time across the bridge.
    async fn preview(&self, url: &str, room: usize) -> Result<Vec<u8>, NotShown> {
        let url = link::usable(url)?;
        if room == 0 {
            return Err(NotShown::OverBudget);
        }
        // Closed never: the semaphore lives as long as `self`.
        let _turn = self.one_at_a_time.acquire().await.map_err(|_| NotShown::Unreadable)?;
        let file = download::fetch(&self.cdn, url, download::MAX_DOWNLOAD_BYTES).await?;
        debug!(bytes = file.len(), "original downloaded");
        // Decoding is CPU work of tens of milliseconds: off the async workers.
        tokio::task::spawn_blocking(move || encode::preview(&file, room))
            .await
            .unwrap_or(Err(NotShown::Unreadable))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(name: &str) -> CreateAttachment {
        CreateAttachment::bytes(vec![0u8; 10], name)
    }

    #[test]
    fn a_card_refused_for_size_is_sent_again_with_its_uploads_named_not_kept_ones() {
        let card = CardPreviews {
            views: vec![
                AssetView::Attached { filename: "image1_a.jpg".into() },
                AssetView::Attached { filename: "image2_b.jpg".into() },
            ],
            keep: vec![AttachmentId::new(5)],
            upload: vec![attachment("image2_b.jpg")],
        };
        assert_eq!(card.upload_bytes(), 10);
        let card = card.without_uploads(NotShown::OverDiscordLimit);
        assert!(card.upload.is_empty());
        assert_eq!(card.views[0], AssetView::Attached { filename: "image1_a.jpg".into() });
        assert_eq!(card.views[1], AssetView::NotShown { why: NotShown::OverDiscordLimit, link: None });
        assert_eq!(card.keep, [AttachmentId::new(5)]);
    }

    #[test]
    fn an_edit_lists_kept_attachments_by_id_and_new_files_by_index() {
        let mut card = CardPreviews {
            views: vec![],
            keep: vec![AttachmentId::new(77)],
            upload: vec![attachment("image2_b.jpg")],
        };
        let edit = serenity::all::EditMessage::new().attachments(card.edit_attachments(true).unwrap());
        let json = serde_json::to_value(&edit).unwrap();
        assert_eq!(json["attachments"][0]["id"], "77");
        assert_eq!(json["attachments"][1]["filename"], "image2_b.jpg");
    }

    #[test]
    fn an_edit_of_a_message_without_attachments_and_nothing_new_leaves_attachments_alone() {
        assert!(CardPreviews::default().edit_attachments(false).is_none());
        assert!(CardPreviews::default().edit_attachments(true).is_some());
    }

    #[test]
    fn reasons_read_as_short_phrases() {
        assert_eq!(NotShown::DownloadFailed(Some(404)).to_string(), "download failed (HTTP 404)");
        assert_eq!(NotShown::DownloadFailed(None).to_string(), "download failed");
        assert_eq!(NotShown::LinkExpired.to_string(), "link expired");
    }
}
