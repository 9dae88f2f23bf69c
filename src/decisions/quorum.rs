//! Approvals under a quorum: each distinct reviewer's approval is counted in the store, and the
//! decision is claimed and sent only once the count is reached and, under `each_of`, every group
//! has signed ([`crate::approvals::groups`]). When the last two approvals
//! arrive together, both see the count reached and both claim: the claim's compare-and-swap
//! lets one through, so Scenario gets one PUT.

use std::future::Future;

use serenity::all::RoleId;
use tracing::{info, instrument};

use super::{Gates, LiveClaims, Outcome, decide, reload, select};
use crate::{
    approvals::{groups::sign, policy::Policy, state::Decision},
    store::{Approval, Reviewer, Store, StoreError, Vote},
};

/// Who may still decide a gate. An approval is recorded when it is cast, but it counts only
/// while its reviewer may still decide the gate: one whose role was taken away, or who holds only
/// the old role after the route's reviewer role changed, counts no more.
pub trait Electorate: Sync {
    /// Of `voters`, the reviewers who approved `approval`, those who may decide it now, in order,
    /// each with the roles they hold now.
    fn still_deciding(
        &self,
        approval: &Approval,
        voters: Vec<Reviewer>,
    ) -> impl Future<Output = Vec<(Reviewer, Vec<RoleId>)>> + Send;
}

/// The approvals of a gate that count now, and the groups they sign for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tally {
    /// The reviewers whose approvals count, in the order they came.
    pub approvers: Vec<Reviewer>,
    /// Each group of the policy (role id), with the user id of the approver signing for it.
    pub groups: Vec<(u64, Option<u64>)>,
}

impl Tally {
    /// Whether the approvals decide the gate under `policy`: enough of them, every group signed.
    pub fn reached(&self, policy: &Policy) -> bool {
        policy.reached(self.approvers.len()) && self.missing().next().is_none()
    }

    /// The groups no approval signs for yet.
    pub fn missing(&self) -> impl Iterator<Item = u64> + '_ {
        self.groups.iter().filter(|(_, by)| by.is_none()).map(|(role, _)| *role)
    }
}

/// The approvals of `approval` that count now under `policy`: those of `voters` who may still
/// decide it, and the groups they sign for. `checked` (a reviewer whose click was checked a
/// moment ago) is not asked about again, unless the policy has groups: then everyone's roles
/// are read as they are now.
pub async fn counting(
    electorate: &impl Electorate,
    approval: &Approval,
    voters: Vec<Reviewer>,
    checked: Option<&Reviewer>,
    policy: &Policy,
) -> Tally {
    let checked = checked.filter(|_| policy.each_of.is_empty());
    let is_checked = |voter: &Reviewer| checked.is_some_and(|c| c.id == voter.id);
    let others = voters.iter().filter(|v| !is_checked(v)).cloned().collect();
    let still = electorate.still_deciding(approval, others).await;
    let roles_of = |voter: &Reviewer| still.iter().find(|(s, _)| s.id == voter.id).map(|(_, roles)| roles);
    let approvers: Vec<Reviewer> =
        voters.into_iter().filter(|v| is_checked(v) || roles_of(v).is_some()).collect();
    let held: Vec<(u64, Vec<u64>)> = approvers
        .iter()
        .map(|a| (a.id.get(), roles_of(a).into_iter().flatten().map(|r| r.get()).collect()))
        .collect();
    let groups = sign(&policy.each_of, &held);
    Tally { approvers, groups }
}

/// How a reviewer's approval under a policy ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Approved {
    /// Counted; more approvals (or groups) are needed. The tally so far.
    Counted(Tally),
    /// This reviewer had approved already: nothing changed. The tally so far.
    Again(Tally),
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
    if policy.decides_alone() {
        return send().await;
    }
    let (approvers, again) = match store.vote(approval.id, reviewer, picks, note).await? {
        Vote::Counted(approvers) => (approvers, false),
        Vote::Again(approvers) => (approvers, true),
        Vote::Closed => return Ok(Approved::Closed(reload(store, approval).await?)),
    };
    let tally = counting(electorate, approval, approvers, Some(reviewer), policy).await;
    if !tally.reached(policy) {
        let approvals = tally.approvers.len();
        info!(approvals, again, "approval counted; the quorum is not reached yet");
        return Ok(if again { Approved::Again(tally) } else { Approved::Counted(tally) });
    }
    send().await
}
