//! Waiting for what the bot does, and reading what a person would see.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::FakeDiscord;
use super::interactions::InteractionHandle;
use super::record::RecordedRequest;

impl FakeDiscord {
    /// The first request (from the start of the log) matching `pred`, waiting up to `timeout`.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        self.shared.log.wait_for(pred, 1, timeout).await.map(|mut found| found.remove(0))
    }

    /// The first `count` requests matching `pred`, once there are that many.
    pub async fn wait_for_requests(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        count: usize,
        timeout: Duration,
    ) -> Option<Vec<RecordedRequest>> {
        self.shared.log.wait_for(pred, count, timeout).await
    }

    /// The first callback (`POST /interactions/{id}/{token}/callback`) of `interaction`,
    /// accepted or not.
    pub async fn wait_for_callback(
        &self,
        interaction: &InteractionHandle,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        let path = interaction.callback_path();
        // `ANSWER`: the initial response came as the answer to an interaction delivered by POST.
        self.wait_for_request(|r| (r.method == "POST" || r.method == "ANSWER") && r.path == path, timeout)
            .await
    }

    /// The first edit of the original response (`PATCH …/messages/@original`) of `interaction`.
    pub async fn wait_for_original_edit(
        &self,
        interaction: &InteractionHandle,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        let path = format!("{}/messages/@original", interaction.webhook_path());
        self.wait_for_request(|r| r.method == "PATCH" && r.path == path, timeout).await
    }

    /// The original response of `interaction` as it stands (for a deferred update, the clicked
    /// message), or `None` if there is none (yet).
    pub fn original_response(&self, interaction: &InteractionHandle) -> Option<Value> {
        let state = self.shared.state.lock().expect("state");
        let id = state.interactions.get(&interaction.id)?.original?;
        state.messages.get(&id).map(|m| m.value.clone())
    }

    /// When `interaction` was dispatched to the bot.
    pub fn dispatched_at(&self, interaction: &InteractionHandle) -> Option<Instant> {
        Some(self.shared.state.lock().expect("state").interactions.get(&interaction.id)?.dispatched_at)
    }

    /// Moves the dispatch of `interaction` `by` into the past, as if that much time had gone
    /// by: the fake's windows (initial response, token lifetime) count from it, so a test about
    /// them need not wait them out.
    pub fn age(&self, interaction: &InteractionHandle, by: Duration) {
        let mut state = self.shared.state.lock().expect("state");
        let dispatched =
            &mut state.interactions.get_mut(&interaction.id).expect("a dispatched interaction").dispatched_at;
        *dispatched = dispatched.checked_sub(by).expect("the clock reaches that far back");
    }

    /// The callback type `interaction` was acknowledged with, if it was.
    pub fn acknowledged_with(&self, interaction: &InteractionHandle) -> Option<u64> {
        self.shared.state.lock().expect("state").interactions.get(&interaction.id)?.acked_with
    }

    /// Follow-up messages of `interaction` that still exist, oldest first.
    pub fn followups(&self, interaction: &InteractionHandle) -> Vec<Value> {
        let state = self.shared.state.lock().expect("state");
        let original = state.interactions.get(&interaction.id).and_then(|i| i.original);
        let mut found: Vec<(u64, Value)> = state
            .messages
            .iter()
            .filter(|(id, m)| {
                m.token.as_deref() == Some(interaction.token.as_str()) && Some(**id) != original
            })
            .map(|(id, m)| (*id, m.value.clone()))
            .collect();
        found.sort_by_key(|(id, _)| *id);
        found.into_iter().map(|(_, m)| m).collect()
    }
}
