//! What a card shows of its route's review policy: the tally (and the groups signed), the
//! notes, the deadline and the escalation, gathered from the store and Discord as they are now.

use super::CardWriter;
use crate::{
    approvals::progress::Progress,
    decisions::{Tally, counting},
    store::{Approval, StoreError},
};

/// What the card of `approval` shows of its route's review policy, as it applies now.
pub(super) async fn progress(cards: &CardWriter, approval: &Approval) -> Result<Progress, StoreError> {
    let policy = cards.routes.policy_for(&approval.workflow_id);
    let tally = if policy.decides_alone() {
        Tally::default()
    } else {
        let voters = cards.store.voters(approval.id).await?;
        counting(&cards.electorate(), approval, voters, None, &policy).await
    };
    let approved_by: Vec<u64> = tally.approvers.iter().map(|r| r.id.get()).collect();
    let overdue_at =
        if policy.deadline.is_some() { cards.store.overdue_since(approval.id).await? } else { None };
    let escalated = match policy.escalation {
        Some(escalation) => cards.store.escalated_since(approval.id).await?.map(|at| (escalation.role, at)),
        None => None,
    };
    let notes = if approved_by.is_empty() {
        Vec::new()
    } else {
        let notes = cards.store.vote_notes(approval.id).await?.into_iter();
        notes.map(|(id, note)| (id.get(), note)).filter(|(id, _)| approved_by.contains(id)).collect()
    };
    let proposal = if approval.snapshot.selection.is_some() && !approved_by.is_empty() {
        cards.store.proposal(approval.id).await?
    } else {
        None
    };
    Ok(Progress {
        required: policy.required(),
        approved_by,
        deadline_at: policy.deadline_at(approval.found_at),
        on_deadline: policy.deadline.map(|_| policy.on_deadline),
        overdue_at,
        proposal,
        notes,
        groups: tally.groups,
        escalated,
    })
}
