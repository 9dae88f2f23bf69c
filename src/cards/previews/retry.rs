//! Images that failed lately: tried again after a wait that grows, then no more, so a URL that
//! never answers costs one card's time budget a few times, not one on every edit.
//!
//! Kept in memory, per asset (a fresh signed URL is another URL for the same file), on the
//! monotonic clock; a restart forgets and so tries each image once more.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use super::NotShown;
use crate::approvals::ids::AssetId;

/// The wait before each further try, after the first, second… failure; past the last, the
/// image is given up.
const WAITS: [Duration; 2] = [Duration::from_secs(60), Duration::from_secs(15 * 60)];
/// Assets remembered at most; past it, the one that failed first is forgotten.
const MAX_REMEMBERED: usize = 4096;

/// The failures of the images tried lately.
#[derive(Debug, Default)]
pub struct Retries {
    failed: HashMap<AssetId, Failed>,
}

#[derive(Debug, Clone, Copy)]
struct Failed {
    times: usize,
    first: Instant,
    last: Instant,
}

impl Retries {
    /// Whether the image of `asset` may be tried at `now`, or why not.
    pub fn check(&self, asset: &AssetId, now: Instant) -> Result<(), NotShown> {
        let Some(failed) = self.failed.get(asset) else { return Ok(()) };
        match WAITS.get(failed.times - 1) {
            None => Err(NotShown::GaveUp),
            Some(wait) if now < failed.last + *wait => Err(NotShown::RetryLater),
            Some(_) => Ok(()),
        }
    }

    /// Notes that the image of `asset` failed at `now`.
    pub fn failed(&mut self, asset: &AssetId, now: Instant) {
        if self.failed.len() >= MAX_REMEMBERED && !self.failed.contains_key(asset) {
            let oldest = self.failed.iter().min_by_key(|(_, f)| f.first).map(|(id, _)| id.clone());
            oldest.map(|id| self.failed.remove(&id));
        }
        let entry = self.failed.entry(asset.clone()).or_insert(Failed { times: 0, first: now, last: now });
        entry.times += 1;
        entry.last = now;
    }

    /// Forgets the failures of `asset`: its image was made.
    pub fn succeeded(&mut self, asset: &AssetId) {
        self.failed.remove(asset);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_image_waits_longer_after_each_failure_then_is_given_up() {
        let (mut retries, asset, start) = (Retries::default(), AssetId::from("asset_a"), Instant::now());
        assert_eq!(retries.check(&asset, start), Ok(()));
        retries.failed(&asset, start);
        assert_eq!(retries.check(&asset, start + Duration::from_secs(59)), Err(NotShown::RetryLater));
        let second = start + Duration::from_secs(60);
        assert_eq!(retries.check(&asset, second), Ok(()));
        retries.failed(&asset, second);
        assert_eq!(retries.check(&asset, second + Duration::from_secs(899)), Err(NotShown::RetryLater));
        let third = second + Duration::from_secs(900);
        assert_eq!(retries.check(&asset, third), Ok(()));
        retries.failed(&asset, third);
        assert_eq!(retries.check(&asset, third + Duration::from_secs(86_400)), Err(NotShown::GaveUp));
        assert_eq!(retries.check(&AssetId::from("asset_b"), third), Ok(()), "others are tried");
    }

    #[test]
    fn a_success_forgets_the_failures() {
        let (mut retries, asset, now) = (Retries::default(), AssetId::from("asset_a"), Instant::now());
        retries.failed(&asset, now);
        retries.succeeded(&asset);
        assert_eq!(retries.check(&asset, now), Ok(()));
    }

    #[test]
    fn memory_is_bounded_forgetting_the_earliest_failure() {
        let (mut retries, start) = (Retries::default(), Instant::now());
        for n in 0..=MAX_REMEMBERED {
            retries.failed(
                &AssetId::from(format!("asset_{n}").as_str()),
                start + Duration::from_millis(n as u64),
            );
        }
        assert_eq!(retries.failed.len(), MAX_REMEMBERED);
        assert_eq!(retries.check(&AssetId::from("asset_0"), start), Ok(()), "forgotten");
    }
}
