//! The review policies' step of a pass: quorums reached under a changed policy, the reminders
//! due, the deadlines passed.
//!
//! Each step is taken in the store before it is carried out (a reminder counted, a gate claimed,
//! a gate marked overdue), guarded by the value it replaces, so a step happens once however
//! often passes run, and what fell due while the bridge was down happens once on the next pass.
//! A reminder whose message fails is not sent again: one missed reminder is better than a
//! channel pinged twice.

use tracing::{info, warn};

use super::{PollReport, WatcherParts};
use crate::{
    approvals::{
        ids::ApprovalId,
        policy::{Due, Policy, words},
        state::Decision,
    },
    cards::{
        publish::sync_card,
        reminders::{card_gone, ping},
    },
    decisions::{self, Outcome, counting},
    store::{PendingGate, Reviewer, StoreError},
};

/// Carries out what the policies have due at `now` (unix milliseconds) on every pending gate;
/// with `recount` (at start, or the routes changed), first approves the gates whose counting
/// approvals reach their quorum.
pub(super) async fn run(
    parts: &WatcherParts,
    now: i64,
    recount: bool,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    if recount {
        approve_reached(parts, report).await?;
    }
    if !parts.routes.policies_are_timed() {
        // No reminder and no deadline anywhere: a pass reads nothing per open gate.
        return Ok(());
    }
    for gate in parts.store.pending_gates().await? {
        let policy = parts.routes.policy_for(&gate.workflow_id);
        match policy.due(&gate.clock, now) {
            Due::Nothing => {}
            Due::Remind => remind(parts, &gate, &policy, now, report).await?,
            Due::Decide(decision) => decide(parts, &gate, &policy, decision, now, report).await?,
            Due::Overdue => overdue(parts, &gate, &policy, now, report).await?,
            Due::Escalate => escalate(parts, &gate, &policy, now, report).await?,
        }
    }
    Ok(())
}

/// Sends the approval of gates whose counted approvals reach their policy's quorum: a route's
/// policy changed to ask for fewer (or its reviewers changed), or the bridge stopped between an
/// approval and its decision. Only approvals of reviewers who may still decide count; the one
/// whose approval came last decides, as if their click had reached the count. A gate whose
/// decision failed after the count was reached is left alone (see `Store::pending_tallies`):
/// its reviewers were told nothing was decided, and the card waits for one of them.
async fn approve_reached(parts: &WatcherParts, report: &mut PollReport) -> Result<(), StoreError> {
    let electorate = parts.cards.electorate();
    for (id, workflow_id, approvals) in parts.store.pending_tallies().await? {
        let policy = parts.routes.policy_for(&workflow_id);
        if !policy.reached(approvals) {
            continue;
        }
        let Some(approval) = parts.store.approval(id).await? else { continue };
        let tally = counting(&electorate, &approval, parts.store.voters(id).await?, None, &policy).await;
        let Some(last) = tally.approvers.last().filter(|_| tally.reached(&policy)) else { continue };
        let (store, scenario, claims) = (&parts.store, &parts.scenario, &parts.claims);
        // A selection gate's votes confirm one proposal: its picks are sent.
        let outcome = match store.proposal(id).await? {
            Some(picks) => decisions::select(store, scenario, claims, &approval, last, &picks).await?,
            None => {
                decisions::decide(store, scenario, claims, &approval, last, Decision::Approve, None).await?
            }
        };
        parts.metrics.decision(outcome.label(), outcome.gate_wait_ms());
        info!(
            approval_id = id.get(),
            approvals = tally.approvers.len(),
            outcome = outcome.label(),
            "the quorum is reached under the route's policy"
        );
        after_decision(parts, id, &outcome, report).await;
    }
    Ok(())
}

async fn remind(
    parts: &WatcherParts,
    gate: &PendingGate,
    policy: &Policy,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    // A card not posted yet is reminded once it is.
    let Some(message_id) = gate.message_id else { return Ok(()) };
    if !parts.store.reminding(gate, now).await? {
        return Ok(());
    }
    let text = format!(
        "Reminder {} of {}: this gate has been waiting for a decision since <t:{}:R>.",
        gate.clock.reminders_sent + 1,
        policy.max_reminders,
        gate.clock.found_at / 1000
    );
    let roles = parts.routes.reviewer_roles_for(&gate.workflow_id);
    match ping(&parts.discord, (gate.channel_id, message_id), gate.thread_id, &roles, &text).await {
        Ok(_) => {
            info!(
                approval_id = gate.id.get(),
                reminder = gate.clock.reminders_sent + 1,
                "reviewers reminded"
            );
            report.reminders += 1;
        }
        Err(err) => not_pinged(parts, gate, &err, report).await?,
    }
    Ok(())
}

/// Sends the policy's decision through the same claim as a click, credited to the bridge.
async fn decide(
    parts: &WatcherParts,
    gate: &PendingGate,
    policy: &Policy,
    decision: Decision,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    let Some(approval) = parts.store.approval(gate.id).await? else { return Ok(()) };
    if decision == Decision::Approve && approval.snapshot.selection.is_some() {
        // Approving a selection gate means picking for its reviewers, which the bridge cannot:
        // its deadline marks the card overdue instead.
        return overdue(parts, gate, policy, now, report).await;
    }
    let deadline = policy.deadline.map(words).unwrap_or_default();
    let reason = format!("The deadline ({deadline}) passed undecided; route policy: {policy}.");
    let (store, scenario, claims) = (&parts.store, &parts.scenario, &parts.claims);
    let bridge_itself = Reviewer::bridge();
    let outcome =
        decisions::decide(store, scenario, claims, &approval, &bridge_itself, decision, Some(&reason))
            .await?;
    parts.metrics.decision(outcome.label(), outcome.gate_wait_ms());
    info!(approval_id = gate.id.get(), %decision, outcome = outcome.label(), "deadline passed; the policy's decision handled");
    if !matches!(outcome, Outcome::Failed { .. } | Outcome::Taken(_)) {
        report.deadlines += 1;
    }
    after_decision(parts, gate.id, &outcome, report).await;
    Ok(())
}

/// Redraws the card of a decision the bridge sent, or notes why it could not be sent (the gate
/// is pending again, and the next pass tries again).
async fn after_decision(parts: &WatcherParts, id: ApprovalId, outcome: &Outcome, report: &mut PollReport) {
    match outcome {
        Outcome::Decided(current) | Outcome::Closed(current) | Outcome::Recorded(current) => {
            if let Err(err) = sync_card(&parts.cards, current).await {
                warn!(approval_id = id.get(), error = %err, "card not updated after the policy's decision");
            }
        }
        Outcome::Failed { why, .. } => report.failures.push(format!("decision on approval {id}: {why}")),
        Outcome::Taken(_) => {}
    }
}

/// Marks the card overdue and pings the reviewers, once.
async fn overdue(
    parts: &WatcherParts,
    gate: &PendingGate,
    policy: &Policy,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    let Some(message_id) = gate.message_id else { return Ok(()) };
    if !parts.store.mark_overdue(gate.id, policy, now).await? {
        return Ok(());
    }
    report.deadlines += 1;
    if let Some(approval) = parts.store.approval(gate.id).await? {
        if let Err(err) = sync_card(&parts.cards, &approval).await {
            warn!(approval_id = gate.id.get(), error = %err, "card not marked overdue yet; the next pass edits it");
        }
    }
    let text = "The deadline of this gate has passed and nobody has decided. The card stays open.";
    let roles = parts.routes.reviewer_roles_for(&gate.workflow_id);
    if let Err(err) = ping(&parts.discord, (gate.channel_id, message_id), gate.thread_id, &roles, text).await
    {
        not_pinged(parts, gate, &err, report).await?;
    }
    Ok(())
}

/// Pings the escalation role (in the card's thread, or a reply to the card), once, and shows it
/// on the card.
async fn escalate(
    parts: &WatcherParts,
    gate: &PendingGate,
    policy: &Policy,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    // A card not posted yet escalates once it is; an escalation is recorded before its ping.
    let (Some(message_id), Some(escalation)) = (gate.message_id, policy.escalation) else { return Ok(()) };
    if !parts.store.escalating(gate, escalation.role, now).await? {
        return Ok(());
    }
    report.escalations += 1;
    if let Some(approval) = parts.store.approval(gate.id).await? {
        if let Err(err) = sync_card(&parts.cards, &approval).await {
            warn!(approval_id = gate.id.get(), error = %err, "card not marked escalated yet; the next pass edits it");
        }
    }
    let text = format!(
        "This gate has been waiting for a decision since <t:{}:R>, past its reminders; escalated.",
        gate.clock.found_at / 1000
    );
    let role = [serenity::all::RoleId::new(escalation.role)];
    match ping(&parts.discord, (gate.channel_id, message_id), gate.thread_id, &role, &text).await {
        Ok(_) => info!(approval_id = gate.id.get(), role = escalation.role, "gate escalated"),
        Err(err) => not_pinged(parts, gate, &err, report).await?,
    }
    Ok(())
}

/// A reply that Discord refused: a card a person deleted is noted as such (nothing replies to it
/// again, nothing edits it), any other failure is reported.
async fn not_pinged(
    parts: &WatcherParts,
    gate: &PendingGate,
    err: &serenity::Error,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    if card_gone(err) {
        warn!(approval_id = gate.id.get(), "the card was deleted; its reviewers are not pinged");
        return parts.store.card_deleted(gate.id).await;
    }
    report.failures.push(format!("ping on the card of approval {}: {err}", gate.id));
    Ok(())
}
