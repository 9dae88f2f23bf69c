//! Approvals under a quorum: each distinct reviewer's approval is counted in the store, and the
//! decision is claimed and sent only once the count is reached. When the last two approvals
//! arrive together, both see the count reached and both claim: the claim's compare-and-swap
//! lets one through, so Scenario gets one PUT.

use tracing::{info, instrument};

use super::{Gates, LiveClaims, Outcome, decide, reload};
use crate::{
    approvals::{policy::Policy, state::Decision},
    store::{Approval, Reviewer, Store, StoreError, Vote},
};

/// How a reviewer's approval under a policy ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Approved {
    /// Counted; more approvals are needed. The reviewers who have approved so far.
    Counted(Vec<Reviewer>),
    /// This reviewer had approved already: nothing changed. The reviewers so far.
    Again(Vec<Reviewer>),
    /// The count was reached (or one approval decides): how the decision went.
    Decided(Outcome),
    /// The gate closed before the approval could count; the approval as it stands.
    Closed(Approval),
}

/// Counts `reviewer`'s approval of `approval` under `policy`, and sends the approval once the
/// count is reached. An approval already counted is not counted again, but it still sends the
/// decision when the count stands reached (after a decision that failed and gave the gate back).
#[instrument(skip_all, fields(approval_id = approval.id.get(), reviewer = reviewer.id.get(), required = policy.approvals_required))]
pub async fn approve(
    store: &Store,
    scenario: &impl Gates,
    claims: &LiveClaims,
    approval: &Approval,
    reviewer: &Reviewer,
    policy: &Policy,
) -> Result<Approved, StoreError> {
    if policy.reached(1) {
        let outcome = decide(store, scenario, claims, approval, reviewer, Decision::Approve, None).await?;
        return Ok(Approved::Decided(outcome));
    }
    let (approvers, again) = match store.vote(approval.id, reviewer).await? {
        Vote::Counted(approvers) => (approvers, false),
        Vote::Again(approvers) => (approvers, true),
        Vote::Closed => return Ok(Approved::Closed(reload(store, approval).await?)),
    };
    if !policy.reached(approvers.len()) {
        info!(approvals = approvers.len(), again, "approval counted; the quorum is not reached yet");
        return Ok(if again { Approved::Again(approvers) } else { Approved::Counted(approvers) });
    }
    let outcome = decide(store, scenario, claims, approval, reviewer, Decision::Approve, None).await?;
    Ok(Approved::Decided(outcome))
}
