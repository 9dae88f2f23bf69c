//! Card syncing in a pass: one task per channel, so a channel that waits (Discord's rate limit,
//! a slow image, a missing permission) holds back no other.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Watcher {
    /// Posts the cards not yet posted and edits those that do not show their state: one task per
    /// channel, in row order within a channel, so a channel waiting out Discord's per-channel
    /// rate limit does not hold back the cards of the others.
    pub(super) async fn sync_cards(&self, report: &mut PollReport) -> Result<(), StoreError> {
        let mut by_channel: HashMap<ChannelId, Vec<Approval>> = HashMap::new();
        for approval in self.parts.store.cards_to_sync().await? {
            by_channel.entry(approval.channel_id).or_default().push(approval);
        }
        let mut channels = JoinSet::new();
        for cards in by_channel.into_values() {
            channels.spawn(sync_channel(self.parts.cards.clone(), cards));
        }
        let mut store_error = None;
        while let Some(done) = channels.join_next().await {
            match done {
                Ok(Ok(channel)) => report.absorb(channel),
                Ok(Err(err)) => store_error = Some(err),
                Err(panicked) => report.failures.push(format!("card sync task: {panicked}")),
            }
        }
        store_error.map_or(Ok(()), Err)
    }
}

/// Brings the cards of one channel up to date; stops at a database error, and at a card Discord
/// refuses for want of a permission in the channel.
///
/// The previews of several cards are fetched at once, and each card is written as soon as its
/// previews are ready, one write at a time: a card whose image is slow is written when its time
/// budget ends and does not hold back the cards after it (which then come before it).
async fn sync_channel(writer: Arc<CardWriter>, cards: Vec<Approval>) -> Result<PollReport, StoreError> {
    let (ready, mut fetched) = mpsc::channel(FETCHING_AHEAD);
    let fetcher = writer.clone();
    let fetching = async move {
        let mut cards = stream::iter(cards)
            .map(|approval| {
                let fetcher = &fetcher;
                async move { (fetch_previews(fetcher, &approval).await, approval) }
            })
            .buffer_unordered(FETCHING_AHEAD);
        while let Some(card) = cards.next().await {
            // Fails only once the writing below stopped (a database error, a missing permission).
            if ready.send(card).await.is_err() {
                break;
            }
        }
    };
    let writing = async move {
        let mut report = PollReport::default();
        while let Some((previews, approval)) = fetched.recv().await {
            match sync_card_with(&writer, &approval, previews).await {
                Ok(Synced::Posted) => report.cards_posted += 1,
                Ok(Synced::Updated) => report.cards_updated += 1,
                Ok(Synced::Deleted | Synced::Unchanged) => {}
                Err(CardError::Store(err)) => return Err(err),
                // Every card of the channel would be refused the same: they wait for the next
                // pass, named once (the failures are logged when they change, not every pass).
                Err(CardError::NoPermission { line, .. }) => {
                    report.failures.push(format!("cards wait: {line}"));
                    break;
                }
                Err(err) => report.failures.push(format!("card of approval {}: {err}", approval.id)),
            }
        }
        Ok(report)
    };
    tokio::join!(fetching, writing).1
}
