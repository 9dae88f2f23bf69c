//! What every click on a card goes through, whichever card and button: who clicked, whether they
//! may act on the gate (a reviewer, and not approving their own run where the route refuses it), what they read afterwards, and the card written after a decision. Review
//! clicks ([`super::review`]) and picking ([`super::picking`]) both build on it.

use serenity::all::{ChannelId, Member, MessageId, User, UserId};
use tracing::{info, warn};

use super::{
    refusal::{Control, Refusal, already},
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::state::{ApprovalState, Decision},
    cards::{
        custom_id::{CardAction, CardCustomId},
        publish::sync_card,
    },
    decisions::Outcome,
    discord::bridge::Bridge,
    routes::may_decide,
    store::{Approval, RefusedAttempt, Reviewer},
};

/// How many times the reviewer's answer is tried before the card is left to tell the outcome.
const ANSWER_TRIES: u32 = 3;

/// Gives the reviewer the outcome of their decision in place of the deferred answer. Once the
/// decision is made, a failed edit is tried again, and never turned into a failure answer: the
/// generic "nothing was changed" would be false (the card shows the outcome either way).
pub(super) async fn tell(answer: &Answerable<'_>, words: &str) {
    for attempt in 1..=ANSWER_TRIES {
        match answer.finish(words).await {
            Ok(()) => return,
            Err(err) => warn!(attempt, error = %err, "the reviewer's answer could not be written"),
        }
        if attempt < ANSWER_TRIES {
            tokio::time::sleep(std::time::Duration::from_millis(250) * attempt).await;
        }
    }
}

/// A click (or modal submit) on a card: what it asks, where it came from, and who made it.
pub(super) struct Click<'a> {
    pub(super) id: CardCustomId,
    pub(super) channel_id: ChannelId,
    pub(super) message_id: MessageId,
    pub(super) member: Option<&'a Member>,
    pub(super) user: &'a User,
}

/// After a click's decision: counts it, and writes the card when the click closed the gate or
/// its decision waits for Scenario.
pub(super) async fn settled(bridge: &Bridge, started: std::time::Instant, outcome: &Outcome) {
    bridge.metrics.click_decided(outcome.label(), outcome.gate_wait_ms(), started.elapsed());
    // A click that closed the gate, or whose decision waits for Scenario, writes the card (as the
    // row stands then: see `sync_card`). A lost claim left the card to its winner, and a released
    // one to the watcher, which edits every card that does not show its row.
    if let Outcome::Decided(current) | Outcome::Closed(current) | Outcome::Recorded(current) = &outcome {
        if let Err(err) = sync_card(&bridge.cards, current).await {
            // The watcher edits the card on its next pass: the row says it is not current.
            warn!(approval_id = current.id.get(), job_id = %current.job_id, node_id = %current.node_id, error = %err, "card not updated after the decision");
        }
        // The run's other waiting cards count one gate fewer in their Approve all.
        if let Err(err) = bridge.store.redraw_run_cards(&current.job_id).await {
            warn!(job_id = %current.job_id, error = %err, "the run's other cards not marked for a redraw");
        }
    }
}

/// Whether the click may act on its approval: the card is the approval's own, the person is a
/// reviewer, the gate is open.
pub(super) async fn check(bridge: &Bridge, click: &Click<'_>) -> Handled<Approval> {
    let (member, user) = (click.member, click.user);
    // A route another process changed applies to this click already (its version is read with
    // the approval, in one round trip).
    let (approval, routes_version) = bridge.store.approval_and_routes_version(click.id.approval_id).await?;
    bridge.routes.catch_up(routes_version).await?;
    // A card is in the channel a moment before its row knows its message id (and longer after
    // a crash between the post and the write). Discord sends a component interaction only to
    // the application that posted the message, so a click with the bridge's custom_id in the
    // approval's own channel is on its card: the message id is recorded from the click, after
    // the reviewer check.
    let Some(mut approval) = approval
        .filter(|a| a.channel_id == click.channel_id && a.message_id.is_none_or(|m| m == click.message_id))
    else {
        return refuse(Refusal::Unknown(Control::Card));
    };
    let required = bridge.routes.reviewer_roles_for(&approval.workflow_id);
    let roles = member.map_or(&[][..], |m| &m.roles[..]);
    if !may_decide(&required, roles, member.and_then(|m| m.permissions)) {
        info!(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id, user_id = user.id.get(), "click refused: not a reviewer");
        return refused(bridge, click, &approval, Refusal::NotReviewer { needed: required }).await;
    }
    if approval.message_id.is_none() {
        bridge.store.card_seen(approval.id, click.message_id).await?;
        approval.message_id = Some(click.message_id);
    }
    if approval.state != ApprovalState::Pending {
        return refuse(Refusal::Closed(Box::new(approval)));
    }
    let approves = matches!(
        click.id.action,
        CardAction::Approve
            | CardAction::ApproveWithNote
            | CardAction::ApprovalNote
            | CardAction::Confirm
            | CardAction::ApproveRun
    );
    if approves && is_own_run(bridge, &approval, user.id).await? {
        info!(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id, user_id = user.id.get(), "click refused: an approval of one's own run");
        return refused(bridge, click, &approval, Refusal::OwnRun { needed: required }).await;
    }
    Ok(approval)
}

/// Whether `user` is the member linked to the author of the run of `approval`, on a route that
/// refuses self-approval: then they may not approve it (they may still reject it).
pub(super) async fn is_own_run(bridge: &Bridge, approval: &Approval, user: UserId) -> Handled<bool> {
    let rule = bridge.routes.self_approval_for(&approval.workflow_id);
    let author = bridge.store.linked_author(approval).await?;
    Ok(rule.refuses(author.map(UserId::get), user.get()))
}

/// Counts the refusal of `click` on `approval` (per person, card, attempt and minute, so a flood
/// of clicks stays a few rows), then refuses it.
async fn refused<T>(bridge: &Bridge, click: &Click<'_>, approval: &Approval, refusal: Refusal) -> Handled<T> {
    let attempt = RefusedAttempt {
        actor: &reviewer(click.member, click.user),
        guild_id: Some(bridge.home.id()),
        approval_id: Some(approval.id),
        attempt: attempt(click.id.action),
        why: refusal.code(),
    };
    bridge.store.refused(&attempt).await?;
    refuse(refusal)
}

/// What a click tried, as the refusal count names it.
fn attempt(action: CardAction) -> &'static str {
    match action {
        CardAction::Approve => "approve",
        CardAction::ApproveWithNote => "approve with note",
        CardAction::ApprovalNote => "approve with note",
        CardAction::Reject => "reject",
        CardAction::RejectReason => "reject with reason",
        CardAction::FullSize => "full size",
        CardAction::Pick(_) => "pick",
        CardAction::Confirm => "confirm picks",
        CardAction::Rerun | CardAction::RerunForm => "re-run",
        CardAction::RerunStart => "start a re-run",
        CardAction::RerunCancel => "cancel a re-run",
        CardAction::ApproveRun | CardAction::DecideRun(true) => "approve a run's gates",
        CardAction::DecideRun(false) => "reject a run's gates",
        CardAction::DecideRunCancel => "cancel a run's decision",
    }
}

/// Who clicked, as the store records them: their server nickname, else their display name.
pub(super) fn reviewer(member: Option<&Member>, user: &User) -> Reviewer {
    let name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Reviewer { id: user.id, name }
}

pub(super) fn words(outcome: &Outcome, decision: Decision) -> String {
    match outcome {
        Outcome::Decided(_) if decision == Decision::Approve => "Approved. The run goes on.".into(),
        Outcome::Decided(_) => "Rejected. Scenario stops the run (or this ForEach iteration).".into(),
        Outcome::Taken(approval) | Outcome::Closed(approval) => already(approval),
        Outcome::Failed { why, .. } => format!("{why} The card is still open."),
        Outcome::Recorded(_) => "Scenario did not answer. Your decision is recorded and is sent as soon as \
                                 Scenario answers; the card shows the result."
            .into(),
    }
}
