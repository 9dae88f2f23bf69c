//! Events: what happened to the gates, one record each, for `approval-bridge export`,
//! `/approvals export` and the receiver at `EVENTS_URL`. Pure: records are made from what the
//! store read (`store::events`), rendered as JSON Lines or CSV (`format`), and signed (`sign`).
//!
//! DESIGN: one enum of event types ([`EventKind`]) and one mapping from stored facts to a record
//! ([`Event::from_audit`], [`Event::from_refusal`]). The export and the outbox both go through
//! that mapping, so a record exported later reads exactly as the event POSTed at the time (a
//! refusal's `attempts` aside: it keeps counting during its minute). A new kind of event is a
//! variant here, an arm in [`EventKind::of_audit`], and the audit action it is written with.

mod filter;
pub mod format;
pub mod sign;

pub use filter::{Filter, parse_instant};

use serde::Serialize;
use time::OffsetDateTime;

use crate::approvals::settle::APPROVED_IN_SCENARIO;

/// The Discord user id a decision made by the bridge itself (a deadline's) is stored under.
pub const BRIDGE_ACTOR_ID: i64 = 1;

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A gate's card was posted in Discord.
    GatePosted,
    /// A reviewer's approval (or confirmation of picks) counted towards a quorum.
    Vote,
    /// A reviewer's decision reached Scenario: approve, reject or pick.
    Decision,
    /// The gate was decided in Scenario's web app.
    DecidedInScenario,
    /// The run ended (or lost the gate) before a decision.
    RunEnded,
    /// The reviewers were reminded.
    Reminder,
    /// A deadline passed: the bridge decided as the policy says, or marked the gate overdue.
    Deadline,
    /// The gate stayed undecided past its reminders: the route's escalation role was pinged.
    Escalation,
    /// A reviewer pressed Start on a re-run: the request is recorded, its run not asked yet.
    RerunRequested,
    /// A re-run request ended: its run started (the new run in `detail`), or none did.
    Rerun,
    /// Someone without the right tried something; counted per person, attempt and minute.
    Refused,
}

impl EventKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [EventKind; 11] = [
        Self::GatePosted,
        Self::Vote,
        Self::Decision,
        Self::DecidedInScenario,
        Self::RunEnded,
        Self::Reminder,
        Self::Deadline,
        Self::Escalation,
        Self::RerunRequested,
        Self::Rerun,
        Self::Refused,
    ];

    /// The audit actions events are made of (`store::AuditAction` names); a refused attempt is
    /// read from its count instead.
    pub const AUDIT_ACTIONS: [&'static str; 9] = [
        "card_posted",
        "approval_counted",
        "decided",
        "settled",
        "reminded",
        "overdue",
        "escalated",
        "rerun_requested",
        "rerun",
    ];

    /// The kind of the audit entry `action` (moving to `to_state`, by `actor_id`), if it is an
    /// event.
    pub fn of_audit(action: &str, to_state: Option<&str>, actor_id: Option<i64>) -> Option<Self> {
        Some(match (action, to_state) {
            ("card_posted", _) => Self::GatePosted,
            ("approval_counted", _) => Self::Vote,
            ("decided", _) if actor_id == Some(BRIDGE_ACTOR_ID) => Self::Deadline,
            ("decided", _) => Self::Decision,
            ("settled", Some("decided_elsewhere")) => Self::DecidedInScenario,
            ("settled", Some("run_ended")) => Self::RunEnded,
            ("reminded", _) => Self::Reminder,
            ("overdue", _) => Self::Deadline,
            ("escalated", _) => Self::Escalation,
            ("rerun_requested", _) => Self::RerunRequested,
            ("rerun", _) => Self::Rerun,
            _ => return None,
        })
    }

    /// The name in records and in the `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GatePosted => "gate_posted",
            Self::Vote => "vote",
            Self::Decision => "decision",
            Self::DecidedInScenario => "decided_in_scenario",
            Self::RunEnded => "run_ended",
            Self::Reminder => "reminder",
            Self::Deadline => "deadline",
            Self::Escalation => "escalation",
            Self::RerunRequested => "rerun_requested",
            Self::Rerun => "rerun",
            Self::Refused => "refused",
        }
    }
}

/// What a decision was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Approved.
    Approve,
    /// Rejected.
    Reject,
    /// Candidates picked on a selection gate.
    Pick,
}

impl DecisionKind {
    /// The name in records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Reject => "reject",
            Self::Pick => "pick",
        }
    }

    /// The decision named `name` (as `--decision` takes it).
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "approve" | "approved" => Some(Self::Approve),
            "reject" | "rejected" => Some(Self::Reject),
            "pick" | "picked" => Some(Self::Pick),
            _ => None,
        }
    }
}

/// The gate an event is about, as the store holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateFacts {
    /// The approval row.
    pub approval_id: i64,
    /// The workflow.
    pub workflow_id: String,
    /// Its name, as the card showed it.
    pub workflow_name: Option<String>,
    /// The run.
    pub job_id: String,
    /// The gate's node.
    pub node_id: String,
    /// The ForEach iteration, zero-based.
    pub iteration: Option<i64>,
    /// The card's link, once posted (and the home server known).
    pub card: Option<String>,
    /// The picks of the gate's decision, zero-based, in pick order.
    pub picks: Option<Vec<u32>>,
}

/// An audit entry that may be an event, with its gate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFacts {
    /// The audit row's id.
    pub audit_id: i64,
    /// When, unix milliseconds.
    pub at: i64,
    /// The audit action.
    pub action: String,
    /// The state reached, for transitions.
    pub to_state: Option<String>,
    /// Who acted (Discord user id), and their name then.
    pub actor: Option<(i64, String)>,
    /// The reviewer's reason.
    pub reason: Option<String>,
    /// What the bridge saw or said.
    pub detail: Option<String>,
    /// The gate.
    pub gate: GateFacts,
}

/// A refusal count, with its gate when it was about a card.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RefusalFacts {
    /// The count's row id.
    pub refusal_id: i64,
    /// The first attempt of the minute, unix milliseconds.
    pub at: i64,
    /// Who tried (Discord user id), and their name then.
    pub actor: (i64, String),
    /// What was tried.
    pub attempt: String,
    /// Why it was refused.
    pub why: String,
    /// How many attempts in that minute.
    pub attempts: i64,
    /// The card it was about.
    pub gate: Option<GateFacts>,
}

/// One event, as exported and as POSTed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Stable and unique: `audit-<n>` or `refusal-<n>`; the receiver's key for de-duplication.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// When, RFC 3339 in UTC with milliseconds.
    pub at: String,
    /// The same instant in unix milliseconds.
    pub at_ms: i64,
    /// The workflow.
    pub workflow_id: Option<String>,
    /// Its name as the card showed it.
    pub workflow_name: Option<String>,
    /// The run (`job_…`).
    pub run: Option<String>,
    /// The gate's node id.
    pub gate: Option<String>,
    /// The ForEach iteration, zero-based.
    pub iteration: Option<i64>,
    /// The bridge's number for the gate (the card's `approval #n`).
    pub approval: Option<i64>,
    /// A link to the card in Discord.
    pub card: Option<String>,
    /// The Discord user who acted, as text (ids exceed what JSON numbers hold exactly).
    pub actor_id: Option<String>,
    /// Their display name at the time.
    pub actor_name: Option<String>,
    /// The decision, for decisions, votes and deadlines that decided.
    pub decision: Option<DecisionKind>,
    /// The reviewer's reason.
    pub reason: Option<String>,
    /// Picked candidates, numbered from 1 as on the card, in pick order.
    pub picks: Option<Vec<u32>>,
    /// What the bridge saw or said, in words.
    pub detail: Option<String>,
    /// For `refused`: attempts counted in that minute.
    pub attempts: Option<i64>,
}

impl Event {
    /// The event an audit entry is, if it is one.
    pub fn from_audit(facts: AuditFacts) -> Option<Self> {
        let actor_id = facts.actor.as_ref().map(|(id, _)| *id);
        let kind = EventKind::of_audit(&facts.action, facts.to_state.as_deref(), actor_id)?;
        let mut event = Self::about(format!("audit-{}", facts.audit_id), kind, facts.at, Some(&facts.gate));
        event.reason = facts.reason;
        event.detail = facts.detail;
        event.actor_id = actor_id.map(|id| id.to_string());
        event.actor_name = facts.actor.map(|(_, name)| name);
        let decided = || match facts.to_state.as_deref() {
            Some("approved") if facts.gate.picks.is_some() => Some(DecisionKind::Pick),
            Some("approved") => Some(DecisionKind::Approve),
            Some("rejected") => Some(DecisionKind::Reject),
            _ => None,
        };
        match (kind, facts.action.as_str()) {
            (EventKind::Decision, _) => {
                event.decision = decided();
                event.picks = shown(facts.gate.picks.as_deref());
            }
            (EventKind::Deadline, "decided") => {
                // The bridge decided under the route's policy: no person acted, and the name it
                // was stored under says which policy.
                event.decision = decided();
                event.detail = event.actor_name.take();
                event.actor_id = None;
            }
            (EventKind::Vote, _) => {
                let picks: Option<Vec<u32>> = event.detail.take().and_then(|d| serde_json::from_str(&d).ok());
                event.decision =
                    Some(if picks.is_some() { DecisionKind::Pick } else { DecisionKind::Approve });
                event.picks = shown(picks.as_deref());
            }
            (EventKind::DecidedInScenario, _) => {
                event.decision = Some(match event.detail.as_deref() {
                    Some(APPROVED_IN_SCENARIO) => DecisionKind::Approve,
                    _ => DecisionKind::Reject,
                });
            }
            _ => {}
        }
        Some(event)
    }

    /// The event a refusal count is.
    pub fn from_refusal(facts: RefusalFacts) -> Self {
        let mut event = Self::about(
            format!("refusal-{}", facts.refusal_id),
            EventKind::Refused,
            facts.at,
            facts.gate.as_ref(),
        );
        event.actor_id = Some(facts.actor.0.to_string());
        event.actor_name = Some(facts.actor.1);
        event.detail = Some(format!("{}: {}", facts.attempt, facts.why));
        event.attempts = Some(facts.attempts);
        event
    }

    /// An event of `kind` at `at_ms` about `gate`, with nothing else said yet.
    fn about(id: String, kind: EventKind, at_ms: i64, gate: Option<&GateFacts>) -> Self {
        Self {
            id,
            kind,
            at: rfc3339(at_ms),
            at_ms,
            workflow_id: gate.map(|g| g.workflow_id.clone()),
            workflow_name: gate.and_then(|g| g.workflow_name.clone()),
            run: gate.map(|g| g.job_id.clone()),
            gate: gate.map(|g| g.node_id.clone()),
            iteration: gate.and_then(|g| g.iteration),
            approval: gate.map(|g| g.approval_id),
            card: gate.and_then(|g| g.card.clone()),
            actor_id: None,
            actor_name: None,
            decision: None,
            reason: None,
            picks: None,
            detail: None,
            attempts: None,
        }
    }

    /// The event as one line of JSON (no newline): what is POSTed and what JSON Lines holds.
    pub fn to_json(&self) -> String {
        // A struct of strings, numbers and options: serializing it cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Picks as the card numbers them (from 1).
fn shown(picks: Option<&[u32]>) -> Option<Vec<u32>> {
    picks.map(|p| p.iter().map(|i| i + 1).collect())
}

/// Unix milliseconds as RFC 3339 in UTC, with milliseconds: `2026-12-02T10:14:03.120Z`.
pub fn rfc3339(ms: i64) -> String {
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// The link to a card's message.
pub fn card_link(guild_id: i64, channel_id: i64, message_id: i64) -> String {
    format!("https://discord.com/channels/{guild_id}/{channel_id}/{message_id}")
}

#[cfg(test)]
mod tests;
