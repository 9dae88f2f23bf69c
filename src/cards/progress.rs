//! What a card shows beyond its row, read when it is written: who started the run (the member
//! linked to its Scenario user), its route's review policy as it
//! applies now (the tally and the groups signed, the notes, the proposal, the deadline, the
//! escalation), and re-runs (whether the card offers one, the one asked from it, the run it
//! follows), with links between the two cards.

use serenity::all::{ChannelId, MessageId};

use crate::{
    approvals::{
        people::Starter,
        progress::Progress,
        rerun::{AskedRerun, FollowedRun, RerunShown},
        state::ApprovalState,
    },
    decisions::{Tally, counting},
    guild::electorate::Members,
    routes::Routes,
    store::Store,
    store::{Approval, StoreError},
};

/// What a card's writer reads with: the store, the routes, the home server's id (for links to
/// cards) and who may still decide.
pub(super) struct Sources<'a> {
    pub(super) store: &'a Store,
    pub(super) routes: &'a Routes,
    pub(super) home: serenity::all::GuildId,
    pub(super) electorate: Members,
}

/// What the card of `approval` shows of its route's review policy, as it applies now.
pub(super) async fn progress(cards: &Sources<'_>, approval: &Approval) -> Result<Progress, StoreError> {
    let policy = cards.routes.policy_for(&approval.workflow_id);
    let tally = if policy.decides_alone() {
        Tally::default()
    } else {
        let voters = cards.store.voters(approval.id).await?;
        counting(&cards.electorate, approval, voters, None, &policy).await
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
    let two_key = approval.snapshot.selection.is_some() && !policy.decides_alone();
    let proposal =
        if two_key && !approved_by.is_empty() { cards.store.proposal(approval.id).await? } else { None };
    let replaced = if two_key { cards.store.replaced_proposal(approval.id).await? } else { None };
    Ok(Progress {
        required: policy.required(),
        approved_by,
        deadline_at: policy.deadline_at(approval.found_at),
        on_deadline: policy.deadline.map(|_| policy.on_deadline),
        overdue_at,
        proposal,
        replaced,
        notes,
        groups: tally.groups,
        escalated,
        rerun: rerun_shown(cards, approval).await?,
        run_gates: if approval.state == ApprovalState::Pending && approval.snapshot.selection.is_none() {
            cards.store.waiting_gates_of_run(&approval.job_id).await?.len()
        } else {
            0
        },
        started_by: match &approval.snapshot.started_by {
            Some(started_by) => {
                let member = cards.store.linked_author(approval).await?.map(|m| m.get());
                Some(Starter::new(started_by, member))
            }
            None => None,
        },
    })
}

/// What the card of `approval` shows of re-runs: whether it offers one, the one asked from it,
/// and the run its run re-runs, each with a link to the other card once it exists.
async fn rerun_shown(cards: &Sources<'_>, approval: &Approval) -> Result<RerunShown, StoreError> {
    let link = |channel: ChannelId, message: MessageId| {
        format!("https://discord.com/channels/{}/{channel}/{message}", cards.home)
    };
    let asked = match cards.store.rerun_of(approval.id).await? {
        Some(rerun) => {
            let card = match &rerun.job_id {
                Some(job) => cards.store.card_of_run(job).await?.map(|(c, m)| link(c, m)),
                None => None,
            };
            Some(AskedRerun {
                by: rerun.requested_by.id.get(),
                state: rerun.state,
                job_id: rerun.job_id,
                changed: rerun.draft.changed,
                why: rerun.why,
                card,
            })
        }
        None => None,
    };
    let follows = match cards.store.rerun_started_as(&approval.job_id).await? {
        Some(rerun) => {
            let old = cards.store.approval(rerun.approval_id).await?;
            old.map(|old| FollowedRun {
                round: rerun.round,
                card: old.message_id.map(|m| link(old.channel_id, m)),
                job_id: old.job_id,
            })
        }
        None => None,
    };
    let offer = cards.routes.rerun_policy_for(&approval.workflow_id).on;
    Ok(RerunShown { asked, follows, offer })
}
