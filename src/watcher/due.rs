//! The review policies' step of a pass: quorums reached under a changed policy, the reminders
//! due, the deadlines passed.
//!
//! Each step is taken in the store before it is carried out (a reminder counted, a gate claimed,
//! a gate marked overdue), guarded by the value it replaces, so a step happens once however
//! often passes run, and what fell due while the bridge was down happens once on the next pass.
//! A reminder whose message fails is not sent again: one missed reminder is better than a
//! channel pinged twice.

use tracing::{info, warn};

use super::PollReport;
use crate::{
    approvals::{
        ids::ApprovalId,
        policy::{Due, Policy, words},
        state::Decision,
    },
    decisions::{self, Outcome},
    discord::{
        bridge::Bridge,
        publish::sync_card,
        reminders::{card_gone, ping},
    },
    store::{PendingGate, Reviewer, StoreError},
};

/// Carries out what the policies have due at `now` (unix milliseconds) on every pending gate;
/// with `recount` (the routes changed), first approves the gates a lowered quorum decided.
pub(super) async fn run(
    bridge: &Bridge,
    now: i64,
    recount: bool,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    if recount {
        approve_reached(bridge, report).await?;
    }
    if !bridge.routes.policies_are_timed() {
        // No reminder and no deadline anywhere: a pass reads nothing per open gate.
        return Ok(());
    }
    for gate in bridge.store.pending_gates().await? {
        let policy = bridge.routes.policy_for(&gate.workflow_id);
        match policy.due(&gate.clock, now) {
            Due::Nothing => {}
            Due::Remind => remind(bridge, &gate, &policy, now, report).await?,
            Due::Decide(decision) => decide(bridge, &gate, &policy, decision, now, report).await?,
            Due::Overdue => overdue(bridge, &gate, &policy, now, report).await?,
        }
    }
    Ok(())
}

/// Sends the approval of gates whose counted approvals reach their policy's quorum: a route's
/// policy changed to ask for fewer. The reviewer whose approval came last decides, as if their
/// click had reached the count. Only after a route change: a click that reached the count but
/// whose decision failed was told so, and is not sent again behind the reviewer's back.
async fn approve_reached(bridge: &Bridge, report: &mut PollReport) -> Result<(), StoreError> {
    for (id, workflow_id, approvals) in bridge.store.pending_tallies().await? {
        if !bridge.routes.policy_for(&workflow_id).reached(approvals) {
            continue;
        }
        let (Some(approval), Some(last)) =
            (bridge.store.approval(id).await?, bridge.store.voters(id).await?.pop())
        else {
            continue;
        };
        let (store, scenario, claims) = (&bridge.store, &bridge.scenario, &bridge.claims);
        let outcome =
            decisions::decide(store, scenario, claims, &approval, &last, Decision::Approve, None).await?;
        bridge.metrics.decision(outcome.label(), outcome.gate_wait_ms());
        info!(
            approval_id = id.get(),
            approvals,
            outcome = outcome.label(),
            "the quorum is reached under the route's policy"
        );
        after_decision(bridge, id, &outcome, report).await;
    }
    Ok(())
}

async fn remind(
    bridge: &Bridge,
    gate: &PendingGate,
    policy: &Policy,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    // A card not posted yet is reminded once it is.
    let Some(message_id) = gate.message_id else { return Ok(()) };
    if !bridge.store.reminding(gate, now).await? {
        return Ok(());
    }
    let text = format!(
        "Reminder {} of {}: this gate has been waiting for a decision since <t:{}:R>.",
        gate.clock.reminders_sent + 1,
        policy.max_reminders,
        gate.clock.found_at / 1000
    );
    let roles = bridge.routes.reviewer_roles_for(&gate.workflow_id);
    match ping(&bridge.discord, gate.channel_id, message_id, &roles, &text).await {
        Ok(_) => {
            info!(
                approval_id = gate.id.get(),
                reminder = gate.clock.reminders_sent + 1,
                "reviewers reminded"
            );
            report.reminders += 1;
        }
        Err(err) => not_pinged(bridge, gate, &err, report).await?,
    }
    Ok(())
}

/// Sends the policy's decision through the same claim as a click, credited to the bridge.
async fn decide(
    bridge: &Bridge,
    gate: &PendingGate,
    policy: &Policy,
    decision: Decision,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    let Some(approval) = bridge.store.approval(gate.id).await? else { return Ok(()) };
    if decision == Decision::Approve && approval.snapshot.selection.is_some() {
        // Approving a selection gate means picking for its reviewers, which the bridge cannot:
        // its deadline marks the card overdue instead.
        return overdue(bridge, gate, policy, now, report).await;
    }
    let deadline = policy.deadline.map(words).unwrap_or_default();
    let reason = format!("The deadline ({deadline}) passed undecided; route policy: {policy}.");
    let (store, scenario, claims) = (&bridge.store, &bridge.scenario, &bridge.claims);
    let bridge_itself = Reviewer::bridge();
    let outcome =
        decisions::decide(store, scenario, claims, &approval, &bridge_itself, decision, Some(&reason))
            .await?;
    bridge.metrics.decision(outcome.label(), outcome.gate_wait_ms());
    info!(approval_id = gate.id.get(), %decision, outcome = outcome.label(), "deadline passed; the policy's decision handled");
    if !matches!(outcome, Outcome::Failed { .. } | Outcome::Taken(_)) {
        report.deadlines += 1;
    }
    after_decision(bridge, gate.id, &outcome, report).await;
    Ok(())
}

/// Redraws the card of a decision the bridge sent, or notes why it could not be sent (the gate
/// is pending again, and the next pass tries again).
async fn after_decision(bridge: &Bridge, id: ApprovalId, outcome: &Outcome, report: &mut PollReport) {
    match outcome {
        Outcome::Decided(current) | Outcome::Closed(current) | Outcome::Recorded(current) => {
            if let Err(err) = sync_card(&bridge.cards, current).await {
                warn!(approval_id = id.get(), error = %err, "card not updated after the policy's decision");
            }
        }
        Outcome::Failed { why, .. } => report.failures.push(format!("decision on approval {id}: {why}")),
        Outcome::Taken(_) => {}
    }
}

/// Marks the card overdue and pings the reviewers, once.
async fn overdue(
    bridge: &Bridge,
    gate: &PendingGate,
    policy: &Policy,
    now: i64,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    let Some(message_id) = gate.message_id else { return Ok(()) };
    if !bridge.store.mark_overdue(gate.id, policy, now).await? {
        return Ok(());
    }
    report.deadlines += 1;
    if let Some(approval) = bridge.store.approval(gate.id).await? {
        if let Err(err) = sync_card(&bridge.cards, &approval).await {
            warn!(approval_id = gate.id.get(), error = %err, "card not marked overdue yet; the next pass edits it");
        }
    }
    let text = "The deadline of this gate has passed and nobody has decided. The card stays open.";
    let roles = bridge.routes.reviewer_roles_for(&gate.workflow_id);
    if let Err(err) = ping(&bridge.discord, gate.channel_id, message_id, &roles, text).await {
        not_pinged(bridge, gate, &err, report).await?;
    }
    Ok(())
}

/// A reply that Discord refused: a card a person deleted is noted as such (nothing replies to it
/// again, nothing edits it), any other failure is reported.
async fn not_pinged(
    bridge: &Bridge,
    gate: &PendingGate,
    err: &serenity::Error,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    if card_gone(err) {
        warn!(approval_id = gate.id.get(), "the card was deleted; its reviewers are not pinged");
        return bridge.store.card_deleted(gate.id).await;
    }
    report.failures.push(format!("ping on the card of approval {}: {err}", gate.id));
    Ok(())
}
