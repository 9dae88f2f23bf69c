//! The lines at the top of a card (which run waits where, since when, started by whom, the
//! deadline) and the decision's text.

use super::inert;
use crate::{
    approvals::{
        people::Starter,
        state::{ApprovalState, Decision},
    },
    store::{Approval, Reviewer},
};

/// Which run waits at which `gate` (and iteration), since when.
pub(super) fn summary_lines(approval: &Approval, gate: &str) -> Vec<String> {
    let snapshot = &approval.snapshot;
    let (job, node) = (inert::code(approval.job_id.as_str()), inert::code(approval.node_id.as_str()));
    let mut lines = vec![format!("Run `{job}` is waiting at {gate} `{node}`")];
    if let Some(iteration) = snapshot.iteration {
        lines[0].push_str(&format!(" (ForEach iteration {})", iteration + 1));
    }
    lines[0].push('.');
    if let Some(started) = snapshot.run_started_at {
        lines.push(format!("Run started <t:{started}:f>."));
    }
    lines.extend(approval.progress.started_by.as_ref().map(started_by));
    lines.push(format!("Waiting since <t:{}:R>.", approval.found_at / 1000));
    if approval.state == ApprovalState::Pending {
        lines.extend(approval.progress.deadline());
        lines.extend(approval.progress.escalation());
    }
    lines
}

/// The decision's text, once there is one.
pub fn outcome(approval: &Approval) -> Option<String> {
    let who = approval.decided_by.as_ref().map(Reviewer::mention).unwrap_or_else(|| "someone".into());
    let when = approval.decided_at.map(|ms| format!(" <t:{}:f>", ms / 1000)).unwrap_or_default();
    let reason = approval.reason.as_deref().filter(|r| !r.is_empty());
    let by_bridge = approval.decided_by.as_ref().is_some_and(|r| r.id == Reviewer::BRIDGE_ID);
    let text = match approval.state {
        ApprovalState::Pending => return None,
        ApprovalState::Deciding => {
            let what = match approval.decision {
                Some(Decision::Reject) => "Rejection",
                _ => "Approval",
            };
            format!("⏳ {what} by {who}{when} is being sent to Scenario.")
        }
        ApprovalState::Approved => match reason {
            // The bridge gives a reason for an approval (the route's deadline passed); a
            // reviewer, a note.
            Some(reason) if by_bridge => format!("✅ Approved by {who}{when}.\nReason: {reason}"),
            Some(note) => format!("✅ Approved by {who}{when}.\nNote: {}", inert::text(note)),
            None => format!("✅ Approved by {who}{when}."),
        },
        ApprovalState::Rejected => match reason {
            Some(reason) => format!("❌ Rejected by {who}{when}.\nReason: {reason}"),
            None => format!("❌ Rejected by {who}{when}."),
        },
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded => {
            format!("{}{when}.", reason.unwrap_or("Closed outside the bridge"))
        }
    };
    Some(text)
}

/// Who started the run: the member linked to its Scenario user (a mention, which the card's
/// `allowed_mentions` keeps from pinging), else the Scenario user, or an API key.
fn started_by(starter: &Starter) -> String {
    match starter {
        Starter::Member(id) => format!("Started by <@{id}>."),
        Starter::ScenarioUser(id) => format!("Started by Scenario user `{}`.", inert::code(id)),
        Starter::ApiKey => "Started with an API key.".to_owned(),
    }
}
