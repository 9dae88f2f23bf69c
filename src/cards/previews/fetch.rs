//! Fetching a card's missing previews before its turn to be written: several downloads at once,
//! all within the card's time budget, then one decode at a time.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
};

use futures_util::{StreamExt, stream::FuturesUnordered};
use serenity::all::Attachment;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::{NotShown, Previews, download, encode, link, plan};
use crate::{
    approvals::{ids::AssetId, review::ReviewSnapshot},
    scenario::ScenarioClient,
};

/// The least time a download is given once its turn comes, however long the turn took.
const MIN_DOWNLOAD_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// The previews made for a card, by file name: the JPEG or why there is none, with the URL it
/// was fetched from.
#[derive(Debug, Default)]
pub struct Fetched {
    made: HashMap<String, (Result<Vec<u8>, NotShown>, String)>,
}

impl Fetched {
    /// The preview of `filename` and its URL, if one was fetched (or refused).
    pub(super) fn take(&mut self, filename: &str) -> Option<(Result<Vec<u8>, NotShown>, String)> {
        self.made.remove(filename)
    }
}

/// The bytes the previews of one card have taken so far, and how many are still to be made.
struct Room {
    used: u64,
    remaining: usize,
}

impl Previews {
    /// Makes the previews a card whose message has `existing` attachments lacks: images not
    /// attached and not failed lately, each from a fresh URL, within the card's time budget.
    pub async fn fetch(
        &self,
        scenario: &ScenarioClient,
        snapshot: &ReviewSnapshot,
        existing: &[Attachment],
    ) -> Fetched {
        let (assets, now) = (&snapshot.assets, std::time::Instant::now());
        let deadline = Instant::now() + self.card_time;
        let mut fetched = Fetched::default();
        let mut used = plan::PAYLOAD_ROOM;
        let mut todo = Vec::new();
        for (asset, name) in assets.iter().zip(plan::preview_names(assets)) {
            let Some(filename) = name else { continue };
            if let Some(kept) = existing.iter().find(|a| a.filename == filename) {
                used += u64::from(kept.size);
                continue;
            }
            let retry =
                self.retries.lock().unwrap_or_else(PoisonError::into_inner).check(&asset.asset_id, now);
            match retry {
                Ok(()) => todo.push((asset, filename)),
                Err(why) => {
                    fetched.made.insert(filename, (Err(why), asset.url.clone()));
                }
            }
        }
        if todo.is_empty() {
            return fetched;
        }
        let ids: Vec<AssetId> = todo.iter().map(|(asset, _)| asset.asset_id.clone()).collect();
        let fresh =
            tokio::time::timeout_at(deadline, self.fresh_urls(scenario, &ids)).await.unwrap_or_default();
        let room = Mutex::new(Room { used, remaining: todo.len() });
        let mut running: FuturesUnordered<_> = todo
            .iter()
            .enumerate()
            .map(|(n, (asset, _))| {
                let url = fresh.get(&asset.asset_id).unwrap_or(&asset.url);
                let room = &room;
                async move { (n, self.preview(url, room, deadline).await) }
            })
            .collect();
        let mut made: Vec<Result<Vec<u8>, NotShown>> = vec![Err(NotShown::DownloadTimedOut); todo.len()];
        while let Some((n, result)) = running.next().await {
            made[n] = result;
        }
        drop(running);
        let mut retries = self.retries.lock().unwrap_or_else(PoisonError::into_inner);
        for ((asset, filename), result) in todo.into_iter().zip(made) {
            match &result {
                Ok(_) => retries.succeeded(&asset.asset_id),
                Err(why) => {
                    warn!(asset_id = %asset.asset_id, why = %why, "image not shown on its card");
                    if why.is_failure() {
                        retries.failed(&asset.asset_id, now);
                    }
                }
            }
            let url = fresh.get(&asset.asset_id).cloned().unwrap_or_else(|| asset.url.clone());
            fetched.made.insert(filename, (result, url));
        }
        fetched
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

    /// One preview, sized when its turn to be encoded comes: download (a few at a time across
    /// the bridge) by `deadline`, the card's, then decode, shrink and encode (one at a time).
    async fn preview(&self, raw: &str, room: &Mutex<Room>, deadline: Instant) -> Result<Vec<u8>, NotShown> {
        let made = self.download_and_encode(raw, room, deadline).await;
        let mut room = room.lock().unwrap_or_else(PoisonError::into_inner);
        room.remaining = room.remaining.saturating_sub(1);
        if let Ok(jpeg) = &made {
            room.used = room.used.saturating_add(jpeg.len() as u64);
        }
        made
    }

    async fn download_and_encode(
        &self,
        raw: &str,
        room: &Mutex<Room>,
        deadline: Instant,
    ) -> Result<Vec<u8>, NotShown> {
        let url = link::usable(raw)?;
        if !self.hosts.allows(&url) {
            warn!(host = url.host_str().unwrap_or_default(), "asset URL not on PREVIEW_HOSTS; not fetched");
            return Err(NotShown::HostNotAllowed);
        }
        let share = |room: &Mutex<Room>| {
            let room = room.lock().unwrap_or_else(PoisonError::into_inner);
            plan::room(self.budget, room.used, room.remaining)
        };
        if share(room) == 0 {
            return Err(NotShown::OverBudget);
        }
        // Closed never: the semaphores live as long as `self`. The download's turn is held until
        // its preview is made, so at most that many originals are in memory.
        // The time budget bounds the download, the network's part. The wait for a turn is
        // bounded by the others' budgets and by making previews, which is bounded work (decoder
        // limits), so it is not counted: a card behind busy decoders is slow, not failed.
        let _download = self.downloads.acquire().await.map_err(|_| NotShown::Unreadable)?;
        let downloaded = download::fetch(&self.cdn, url, download::MAX_DOWNLOAD_BYTES);
        let file = tokio::time::timeout_at(deadline.max(Instant::now() + MIN_DOWNLOAD_TIME), downloaded)
            .await
            .map_err(|_| NotShown::DownloadTimedOut)??;
        debug!(bytes = file.len(), "original downloaded");
        let encoding = self.encoding.clone().acquire_owned().await.map_err(|_| NotShown::Unreadable)?;
        let room = share(room);
        // Decoding is CPU work of tens of milliseconds: off the async workers, and its turn is
        // held by the blocking task itself, so a card whose time ran out frees it only when done.
        tokio::task::spawn_blocking(move || {
            let _encoding = encoding;
            encode::preview(&file, room)
        })
        .await
        .unwrap_or(Err(NotShown::Unreadable))
    }
}
