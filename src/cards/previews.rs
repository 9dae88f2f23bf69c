//! Card previews: each image of a card downloaded, made small and attached to the message, so
//! the card stays readable after Scenario's signed URLs expire, before and after the decision.
//!
//! A card is written in two steps. [`Previews::fetch`] runs before the card's turn to be written:
//! fresh URLs are read in one bulk call, then each missing image is downloaded (size-capped,
//! only from `PREVIEW_HOSTS`: [`guard`]), turned into a JPEG of at most
//! [`encode::PREVIEW_SIDE`] pixels a side; the downloads are held to the card's time budget. Then, in its turn,
//! [`Previews::assemble`] puts what was fetched on the card without any I/O: an edit keeps the
//! attachments the message has (listed by id, never uploaded again) and adds the new ones. So
//! nothing waits for a download while holding a card's turn, and a decision's card (which fetches
//! nothing) never waits for one.
//!
//! Downloads run a few at a time across the bridge, decoding one at a time (memory stays bounded
//! in a burst of cards); an image that failed is not tried again on every edit ([`retry`]).

mod download;
pub mod encode;
mod fetch;
pub mod guard;
pub mod link;
pub mod plan;
mod retry;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use reqwest::Client;
use serde_json::{Value, json};
use serenity::all::{Attachment, AttachmentId, CreateAttachment};
use tokio::sync::Semaphore;

pub use fetch::Fetched;

use crate::{approvals::review::ReviewSnapshot, config::PreviewHosts};

/// Downloads in flight at once across the bridge: one slow host holds one of them, not the
/// others' cards. Each holds at most [`download::MAX_DOWNLOAD_BYTES`] until its preview is made.
const DOWNLOADS_AT_ONCE: usize = 4;
/// How long the previews of one card may wait for the network, from the fresh URLs to the last
/// byte downloaded: an image not downloaded by then is named unavailable, and the card is written
/// without it.
pub const CARD_PREVIEW_TIME: Duration = Duration::from_secs(10);

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
    /// The download took too long, or did not end within the card's time budget.
    #[error("download timed out")]
    DownloadTimedOut,
    /// The URL's host is not in `PREVIEW_HOSTS`: nothing was requested.
    #[error("host not in PREVIEW_HOSTS")]
    HostNotAllowed,
    /// The image failed lately and is tried again later, not on this write.
    #[error("failed lately; tried again later")]
    RetryLater,
    /// The image failed every try; it is not tried again.
    #[error("failed every try; not tried again")]
    GaveUp,
    /// Not fetched for this write (a decision's card downloads nothing).
    #[error("not fetched for this write")]
    NotFetched,
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

impl NotShown {
    /// What the card says: the URL's shape, which comes from Scenario, or the budget; of a fetch
    /// only that the preview is unavailable, never a status, a host or an error (the log has them).
    pub fn on_card(self) -> &'static str {
        match self {
            Self::NoUrl => "not shown: no URL",
            Self::RelativeUrl => "not shown: relative URL",
            Self::UrlTooLong => "not shown: URL too long",
            Self::NotWebUrl => "not shown: not a web URL",
            Self::OverBudget => "not shown: over the card's upload budget",
            Self::OverDiscordLimit => "not shown: over Discord's upload limit",
            Self::AttachFilesDenied => "not shown: no Attach Files permission in this channel",
            Self::GaveUp => "preview unavailable; not tried again",
            Self::LinkExpired
            | Self::DownloadFailed(_)
            | Self::DownloadTimedOut
            | Self::HostNotAllowed
            | Self::RetryLater
            | Self::NotFetched
            | Self::TooLarge
            | Self::NotAnImage
            | Self::UnsupportedFormat
            | Self::Unreadable => "preview unavailable",
        }
    }

    /// Whether the image failed in a way a try soon after would repeat: counted towards giving up.
    fn is_failure(self) -> bool {
        matches!(
            self,
            Self::LinkExpired
                | Self::DownloadFailed(_)
                | Self::DownloadTimedOut
                | Self::TooLarge
                | Self::NotAnImage
                | Self::UnsupportedFormat
                | Self::Unreadable
        )
    }
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

    /// The `attachments` of a message body: the kept ones by id and the new files by their
    /// index among the request's files (`files[n]`, in [`Self::upload`]'s order). `None` when
    /// the message has none and gets none, so an edit leaves that part alone.
    pub fn attachments(&self, had_attachments: bool) -> Option<Value> {
        if !had_attachments && self.upload.is_empty() {
            return None;
        }
        let kept = self.keep.iter().map(|id| json!({ "id": id.to_string() }));
        let new =
            self.upload.iter().enumerate().map(|(n, file)| json!({ "id": n, "filename": file.filename }));
        Some(kept.chain(new).collect())
    }
}

/// Makes the previews of cards: the CDN client, the allowed hosts, the upload budget, the
/// bounds on downloads, and what failed lately.
#[derive(Debug)]
pub struct Previews {
    cdn: Client,
    hosts: Arc<PreviewHosts>,
    budget: u64,
    card_time: Duration,
    downloads: Semaphore,
    encoding: Arc<Semaphore>,
    retries: Mutex<retry::Retries>,
}

impl Previews {
    /// Previews from `hosts` within `budget` bytes per message.
    pub fn new(budget: u64, hosts: PreviewHosts) -> Self {
        let hosts = Arc::new(hosts);
        Self {
            cdn: download::cdn_client(hosts.clone()),
            hosts,
            budget,
            card_time: CARD_PREVIEW_TIME,
            downloads: Semaphore::new(DOWNLOADS_AT_ONCE),
            encoding: Arc::new(Semaphore::new(1)),
            retries: Mutex::default(),
        }
    }

    /// The hosts previews and links may come from.
    pub fn hosts(&self) -> &PreviewHosts {
        &self.hosts
    }

    /// `raw` when it may be shown as a link: a URL Discord accepts, on one of the hosts.
    pub fn link(&self, raw: &str) -> Option<String> {
        link::usable(raw).ok().filter(|url| self.hosts.allows(url)).map(String::from)
    }

    /// The previews of a card whose message has `existing` attachments (none for a new card):
    /// existing previews are kept, the fetched ones added within the budget. No I/O: an image
    /// that cannot be shown is named in the views.
    pub fn assemble(
        &self,
        snapshot: &ReviewSnapshot,
        existing: &[Attachment],
        mut fetched: Fetched,
    ) -> CardPreviews {
        let assets = &snapshot.assets;
        let mut card = CardPreviews::default();
        let mut used = plan::PAYLOAD_ROOM;
        for (asset, name) in assets.iter().zip(plan::preview_names(assets)) {
            let Some(filename) = name else {
                card.views.push(AssetView::Linked { link: self.link(&asset.url) });
                continue;
            };
            if let Some(kept) = existing.iter().find(|a| a.filename == filename) {
                card.keep.push(kept.id);
                used += u64::from(kept.size);
                card.views.push(AssetView::Attached { filename });
                continue;
            }
            let (made, url) =
                fetched.take(&filename).unwrap_or((Err(NotShown::NotFetched), asset.url.clone()));
            card.views.push(match made {
                Ok(jpeg) if used + jpeg.len() as u64 <= self.budget => {
                    used += jpeg.len() as u64;
                    card.upload.push(CreateAttachment::bytes(jpeg, filename.clone()));
                    AssetView::Attached { filename }
                }
                Ok(_) => AssetView::NotShown { why: NotShown::OverBudget, link: self.link(&url) },
                // Of a fetch that failed, the card says only that the preview is unavailable: no
                // link either, whose host would say where the bridge tried (Full size has links).
                Err(why) => AssetView::NotShown { why, link: None },
            });
        }
        card
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
        let card = CardPreviews {
            views: vec![],
            keep: vec![AttachmentId::new(77)],
            upload: vec![attachment("image2_b.jpg")],
        };
        let listed = card.attachments(true).unwrap();
        assert_eq!(listed, json!([{ "id": "77" }, { "id": 0, "filename": "image2_b.jpg" }]));
    }

    #[test]
    fn an_edit_of_a_message_without_attachments_and_nothing_new_leaves_attachments_alone() {
        assert!(CardPreviews::default().attachments(false).is_none());
        assert!(CardPreviews::default().attachments(true).is_some());
    }

    #[test]
    fn reasons_read_as_short_phrases_in_the_log_and_a_fetch_is_only_unavailable_on_the_card() {
        assert_eq!(NotShown::DownloadFailed(Some(404)).to_string(), "download failed (HTTP 404)");
        assert_eq!(NotShown::DownloadFailed(None).to_string(), "download failed");
        assert_eq!(NotShown::LinkExpired.to_string(), "link expired");
        for why in [
            NotShown::DownloadFailed(Some(404)),
            NotShown::DownloadTimedOut,
            NotShown::HostNotAllowed,
            NotShown::NotAnImage,
            NotShown::RetryLater,
        ] {
            assert_eq!(why.on_card(), "preview unavailable", "{why}");
        }
        assert_eq!(NotShown::GaveUp.on_card(), "preview unavailable; not tried again");
        assert_eq!(NotShown::NoUrl.on_card(), "not shown: no URL");
    }
}
