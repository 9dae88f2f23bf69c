//! Claims no running decision holds (their process stopped mid-decision): finished by the
//! watcher, once each PUT that may still be in flight can no longer land.

#[allow(clippy::wildcard_imports)]
use super::*;

impl Watcher {
    /// Finishes the decisions whose claim no running decision holds: those a stop interrupted
    /// (the first pass after a start finds them) and those left waiting for Scenario to answer.
    /// A failing pass is retried with backoff, so a long outage is retried as long as it lasts.
    /// A claim is sent again only a request timeout after its PUT was recorded as sent (with the
    /// claim itself, or by the last resend; on the shared clock, whichever replica sent it), so a
    /// PUT still in flight lands first.
    pub(super) async fn finish_orphaned_claims(&mut self) -> Result<(), StoreError> {
        let parts = self.parts.clone();
        let deciding = parts.store.deciding_approvals().await?;
        self.orphans_seen.retain(|id| deciding.iter().any(|a| a.id == *id));
        let timeout = i64::try_from(parts.scenario.request_timeout().as_millis()).unwrap_or(i64::MAX);
        for claimed in deciding {
            if !self.is_orphan(&claimed).await? {
                self.orphans_seen.remove(&claimed.id);
                continue;
            }
            if self.orphans_seen.insert(claimed.id) {
                info!(approval_id = claimed.id.get(), job_id = %claimed.job_id, node_id = %claimed.node_id, "finishing a recorded decision");
            }
            let in_flight = claimed.decision_sent_at.is_some_and(|at| now_ms().saturating_sub(at) < timeout);
            let resend = if in_flight { Resend::NotYet } else { Resend::Allowed };
            let (store, scenario, claims) = (&parts.store, &parts.scenario, &parts.claims);
            let resumed = decisions::resume(store, scenario, claims, &claimed, resend).await?;
            if let Some(outcome) = resumed {
                parts.metrics.decision(outcome.label(), outcome.gate_wait_ms());
            }
        }
        Ok(())
    }

    /// Whether no running decision holds the claim of `claimed`: not one of this process, nor
    /// (for a token another replica made) one of a replica that still runs.
    async fn is_orphan(&self, claimed: &Approval) -> Result<bool, StoreError> {
        self.token_orphaned(claimed.claim_token.as_ref()).await
    }

    /// Whether no running decision or re-run holds `token`: not one of this process, nor (for a
    /// token another replica made) one of a replica that still runs.
    pub(super) async fn token_orphaned(&self, token: Option<&ClaimToken>) -> Result<bool, StoreError> {
        let Some(token) = token else { return Ok(true) };
        let claims = &self.parts.claims;
        if claims.is_held(token) {
            return Ok(false);
        }
        match decisions::owner_of(token) {
            Some(owner) if owner != claims.owner() => {
                Ok(!crate::lease::replica_runs(&self.parts.store, owner).await?)
            }
            _ => Ok(true),
        }
    }
}
