//! Approvals under a quorum: each distinct reviewer's approval is counted in the store, and the
//! decision is claimed and sent only once the count is reached. When the last two approvals
//! arrive together, both see the count reached and both claim: the claim's compare-and-swap
//! lets one through, so Scenario gets one PUT.

use std::future::Future;

use tracing::{info, instrument};

use super::{Gates, LiveClaims, Outcome, decide, reload, select};
use crate::{
    approvals::{policy::Policy, state::Decision},
    store::{Approval, Reviewer, Store, StoreError, Vote},
};

/// Who may still decide a gate. An approval is recorded when it is cast, but it counts only
/// while its reviewer may still decide the gate: one whose role was taken away, or who holds only
/// the old role after the route's reviewer role changed, counts no more.
pub trait Electorate: Sync {
    /// Of `voters`, the reviewers who approved `approval`, those who may decide it now, in order.
    fn still_deciding(
        &self,
        approval: &Approval,
        voters: Vec<Reviewer>,
    ) -> impl Future<Output = Vec<Reviewer>> + Send;
}

/// The approvals of `approval` that count now: those of `voters` who may still decide it.
/// `checked` (a reviewer whose click was checked a moment ago) is not asked about again.
pub async fn counting(
    electorate: &impl Electorate,
    approval: &Approval,
    voters: Vec<Reviewer>,
    checked: Option<&Reviewer>,
) -> Vec<Reviewer> {
    let is_checked = |voter: &Reviewer| checked.is_some_and(|c| c.id == voter.id);
    let others = voters.iter().filter(|v| !is_checked(v)).cloned().collect();
    let still = electorate.still_deciding(approval, others).await;
    voters.into_iter().filter(|v| is_checked(v) || still.iter().any(|s| s.id == v.id)).collect()
}

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
/// count is reached, counting only the approvals of reviewers who may still decide
/// (`electorate`). An approval already counted is not counted again, but it still sends the
/// decision when the count stands reached (after a decision that failed and gave the gate back).
/// A `note` goes with the approval: with its vote under a quorum, and with the claim of the
/// approval that decides.
#[instrument(skip_all, fields(approval_id = approval.id.get(), reviewer = reviewer.id.get(), required = policy.approvals_required))]
pub async fn approve(
    parts: (&Store, &impl Gates, &LiveClaims),
    electorate: &impl Electorate,
    approval: &Approval,
    reviewer: &Reviewer,
    policy: &Policy,
    note: Option<&str>,
) -> Result<Approved, StoreError> {
    count(parts, electorate, (approval, reviewer, None, note), policy).await
}

/// Two-key picking: counts `reviewer`'s confirmation of `picks` (checked by the caller) on the
/// selection gate `approval` under `policy`, the way [`approve`] counts approvals, and sends the
/// picks once enough reviewers who may still decide confirmed the same picks. Confirming other
/// picks starts a new proposal: the confirmations of the earlier one no longer count.
#[instrument(skip_all, fields(approval_id = approval.id.get(), reviewer = reviewer.id.get(), required = policy.approvals_required, picks = ?picks))]
pub async fn confirm(
    parts: (&Store, &impl Gates, &LiveClaims),
    electorate: &impl Electorate,
    approval: &Approval,
    reviewer: &Reviewer,
    policy: &Policy,
    picks: &[u32],
) -> Result<Approved, StoreError> {
    count(parts, electorate, (approval, reviewer, Some(picks), None), policy).await
}

async fn count(
    (store, scenario, claims): (&Store, &impl Gates, &LiveClaims),
    electorate: &impl Electorate,
    (approval, reviewer, picks, note): (&Approval, &Reviewer, Option<&[u32]>, Option<&str>),
    policy: &Policy,
) -> Result<Approved, StoreError> {
    let send = || async {
        Ok(Approved::Decided(match picks {
            Some(picks) => select(store, scenario, claims, approval, reviewer, picks).await?,
            None => decide(store, scenario, claims, approval, reviewer, Decision::Approve, note).await?,
        }))
    };
    if policy.reached(1) {
        return send().await;
    }
    let (approvers, again) = match store.vote(approval.id, reviewer, picks, note).await? {
        Vote::Counted(approvers) => (approvers, false),
        Vote::Again(approvers) => (approvers, true),
        Vote::Closed => return Ok(Approved::Closed(reload(store, approval).await?)),
    };
    let approvers = counting(electorate, approval, approvers, Some(reviewer)).await;
    if !policy.reached(approvers.len()) {
        info!(approvals = approvers.len(), again, "approval counted; the quorum is not reached yet");
        return Ok(if again { Approved::Again(approvers) } else { Approved::Counted(approvers) });
    }
    send().await
}
