//! Re-run requests no running Start holds: finished by the watcher, never sent again.
//!
//! A request still `requested` was never sent (the PUT goes out only after the request is marked
//! `sending`, under the Start's token): nothing started. One `sending` or `unsettled` may have
//! started its run: the runs of the workflow are read for it, and it is adopted when found; not
//! found once its PUT can no longer land (a request timeout after it was recorded as sent), it
//! started nothing. A started re-run whose gate still waits gets its rejection sent, and a gate
//! whose re-run's card was posted since has its card written again to link to it.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::{
    approvals::rerun::RerunState,
    decisions::rerun::{UNSETTLED, look_for_run, reject_old_gate},
    store::{Rerun, RerunEnd},
};

/// What the card says of a request its process never sent.
const NEVER_SENT: &str = "approval-bridge stopped before asking Scenario for the run, so nothing was started. \
                          Press Re-run again to start one.";
/// What the card says of a request whose run was looked for and is nowhere.
const NOT_FOUND: &str = "Scenario shows no run of this request, so nothing was started. Press Re-run again to \
                         start one.";

impl Watcher {
    /// Finishes the re-run requests whose Start stopped, sends the rejections still due, and
    /// marks the cards that can now link to their re-run's card.
    pub(super) async fn finish_reruns(&mut self) -> Result<(), StoreError> {
        let parts = self.parts.clone();
        parts.store.link_rerun_cards().await?;
        for orphan in parts.store.unfinished_reruns().await? {
            if !self.token_orphaned(orphan.token.as_ref()).await? {
                continue;
            }
            let held = parts.claims.hold();
            let Some(rerun) = parts.store.take_over_rerun(&orphan, held.token()).await? else { continue };
            if let Some(end) = self.rerun_end(&rerun).await {
                info!(rerun_id = rerun.id, approval_id = rerun.approval_id.get(), end = ?end, "re-run request finished");
                parts.store.rerun_ended(&rerun, &end).await?;
            }
        }
        for started in parts.store.reruns_to_reject().await? {
            if let Some(outcome) =
                reject_old_gate(&parts.store, &parts.scenario, &parts.claims, &started).await?
            {
                parts.metrics.decision(outcome.label(), outcome.gate_wait_ms());
            }
        }
        Ok(())
    }

    /// Where an orphaned request ends, as far as Scenario shows now; `None`: not known yet.
    async fn rerun_end(&self, rerun: &Rerun) -> Option<RerunEnd> {
        if rerun.state == RerunState::Requested {
            return Some(RerunEnd::NotStarted(NEVER_SENT.into()));
        }
        let timeout = i64::try_from(self.parts.scenario.request_timeout().as_millis()).unwrap_or(i64::MAX);
        let may_still_land = now_ms().saturating_sub(rerun.sent_at.unwrap_or(rerun.requested_at)) < timeout;
        match look_for_run(&self.parts.store, &self.parts.scenario, rerun).await {
            Ok(Some(job)) => Some(RerunEnd::Started(job)),
            Ok(None) if !may_still_land => Some(RerunEnd::NotStarted(NOT_FOUND.into())),
            Ok(None) => (rerun.state == RerunState::Sending).then(|| RerunEnd::Unsettled(UNSETTLED.into())),
            Err(err) => {
                warn!(error = %err, rerun_id = rerun.id, "the runs could not be read; looked at again next pass");
                (rerun.state == RerunState::Sending).then(|| RerunEnd::Unsettled(UNSETTLED.into()))
            }
        }
    }
}
