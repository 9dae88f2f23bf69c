//! Review policies: how many distinct reviewers must approve a gate (and from which groups), when its reviewers are
//! reminded, and what happens when its deadline passes. Pure: the watcher asks [`Policy::due`]
//! what a gate needs now, and cards show a [`Progress`].
//!
//! Times are unix milliseconds on the shared clock (the database's), as the store keeps them: a
//! deadline counts from the moment the bridge first saw the gate. What fell due while the bridge was down is due once:
//! the next reminder counts from the last one sent, not from the missed ones.

use std::{fmt, time::Duration};

pub use super::durations::{MAX_DURATION, MIN_DURATION, millis, parse_duration, words};
use super::{escalation::Escalation, groups::Groups, state::Decision};

/// The most approvals a policy may require.
pub const MAX_APPROVALS: u8 = 5;
/// The most reminders a policy may send for one gate.
pub const MAX_REMINDERS: u32 = 10;
/// Reminders sent for one gate when no number is set.
pub const DEFAULT_REMINDERS: u32 = 3;

/// What the bridge does when a gate's deadline passes undecided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OnDeadline {
    /// Reject the gate, as a reviewer's Reject would.
    Reject,
    /// Approve the gate, whatever the tally.
    Approve,
    /// Decide nothing: mark the card overdue and ping the reviewers once.
    Nothing,
}

impl OnDeadline {
    /// The name used in settings, commands and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reject => "reject",
            Self::Approve => "approve",
            Self::Nothing => "nothing",
        }
    }

    /// The outcome named `name` (any case); `None` for another word.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "reject" => Some(Self::Reject),
            "approve" => Some(Self::Approve),
            "nothing" => Some(Self::Nothing),
            _ => None,
        }
    }

    /// The decision the bridge sends, if any.
    pub fn decision(self) -> Option<Decision> {
        match self {
            Self::Reject => Some(Decision::Reject),
            Self::Approve => Some(Decision::Approve),
            Self::Nothing => None,
        }
    }
}

/// The review policy of a route (or the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Distinct reviewers who must approve, 1 to [`MAX_APPROVALS`]; one reject rejects at once.
    pub approvals_required: u8,
    /// Roles of which each must sign with an approval (see [`super::groups`]); with or instead
    /// of a count.
    pub each_of: Groups,
    /// Time between reminders; `None`: no reminders.
    pub remind_after: Option<Duration>,
    /// The most reminders sent for one gate.
    pub max_reminders: u32,
    /// Time from the gate being seen to its deadline; `None`: no deadline.
    pub deadline: Option<Duration>,
    /// What happens at the deadline.
    pub on_deadline: OnDeadline,
    /// Whom an undecided gate escalates to, and when; `None`: it does not.
    pub escalation: Option<Escalation>,
    /// For the gates already waiting when the deadline was set or shortened: the moment it
    /// counts from (the change); `None`: from when each gate was seen.
    pub deadline_from: Option<i64>,
}

impl Default for Policy {
    /// One approval decides; no reminders, no deadline.
    fn default() -> Self {
        Self {
            approvals_required: 1,
            each_of: Groups::default(),
            remind_after: None,
            max_reminders: DEFAULT_REMINDERS,
            deadline: None,
            on_deadline: OnDeadline::Nothing,
            escalation: None,
            deadline_from: None,
        }
    }
}

/// What the store remembers of a gate's time: when it was seen, its reminders, its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GateClock {
    /// When the bridge first saw the gate, unix milliseconds.
    pub found_at: i64,
    /// Reminders sent so far.
    pub reminders_sent: u32,
    /// When the last reminder went out.
    pub last_reminded_at: Option<i64>,
    /// When the deadline was found passed with nothing decided (`on_deadline = nothing`).
    pub overdue_at: Option<i64>,
    /// When the gate escalated.
    pub escalated_at: Option<i64>,
}

/// What an open gate needs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing yet.
    Nothing,
    /// A reminder to its reviewers.
    Remind,
    /// The deadline passed: send this decision on the bridge's behalf.
    Decide(Decision),
    /// The deadline passed and the policy decides nothing: mark the card overdue, ping once.
    Overdue,
    /// Its reviewers left it undecided: ping the escalation role, once.
    Escalate,
}

impl Policy {
    /// When the deadline of a gate seen at `found_at` falls, if it has one: counted from when
    /// the gate was seen, or from the change that set or shortened the deadline, if later.
    pub fn deadline_at(&self, found_at: i64) -> Option<i64> {
        let from = found_at.max(self.deadline_from.unwrap_or(found_at));
        self.deadline.map(|d| from.saturating_add(millis(d)))
    }

    /// Whether going from this policy to `next` sets or shortens the deadline: then, for the
    /// gates already waiting, it counts from the change, so no change decides a gate at once.
    pub fn deadline_restarts(&self, next: &Policy) -> bool {
        next.deadline.is_some_and(|new| self.deadline.is_none_or(|old| new < old))
    }

    /// Whether going from this policy to `next` sets an automatic approval: a deadline that
    /// approves, newly, or sooner than before. Setting one is approving, so it takes the right
    /// to approve.
    pub fn approves_anew(&self, next: &Policy) -> bool {
        let approves = |p: &Policy| p.on_deadline == OnDeadline::Approve && p.deadline.is_some();
        approves(next) && (!approves(self) || self.deadline_restarts(next))
    }

    /// What a pending gate needs at `now`. The deadline comes first; a gate marked overdue gets
    /// no more reminders nor an escalation (its overdue ping was the last word). A reminder due
    /// goes before an escalation due (the next pass escalates).
    pub fn due(&self, gate: &GateClock, now: i64) -> Due {
        if self.deadline_at(gate.found_at).is_some_and(|at| now >= at) {
            return match (self.on_deadline.decision(), gate.overdue_at) {
                (Some(decision), _) => Due::Decide(decision),
                (None, None) => Due::Overdue,
                (None, Some(_)) => Due::Nothing,
            };
        }
        if gate.overdue_at.is_some() {
            return Due::Nothing;
        }
        if let Some(every) = self.remind_after.filter(|_| gate.reminders_sent < self.max_reminders) {
            let since = gate.last_reminded_at.unwrap_or(gate.found_at).max(gate.found_at);
            if now >= since.saturating_add(millis(every)) {
                return Due::Remind;
            }
        }
        let reminded = (gate.found_at, gate.reminders_sent, gate.last_reminded_at);
        let escalation = self.escalation.filter(|_| gate.escalated_at.is_none());
        let escalates = escalation.and_then(|e| e.at(self.remind_after, self.max_reminders, reminded));
        if escalates.is_some_and(|at| now >= at) { Due::Escalate } else { Due::Nothing }
    }

    /// Distinct approvals needed: the count, or as many as there are groups if that is more
    /// (each approval signs for one group).
    pub fn required(&self) -> u8 {
        let groups = u8::try_from(self.each_of.len()).unwrap_or(u8::MAX);
        self.approvals_required.max(groups).max(1)
    }

    /// Whether one approval decides: no count above one, no group to sign.
    pub fn decides_alone(&self) -> bool {
        self.approvals_required <= 1 && self.each_of.is_empty()
    }

    /// Whether `approvals` distinct approvals are enough by number (the groups, if any, must
    /// still all have signed).
    pub fn reached(&self, approvals: usize) -> bool {
        approvals >= usize::from(self.required())
    }
}

impl fmt::Display for Policy {
    /// The policy in words: `2 approvals · a reminder every 4h (at most 3) · deadline 2d, then reject`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.approvals_required {
            0 | 1 => f.write_str("1 approval")?,
            n => write!(f, "{n} approvals")?,
        }
        if !self.each_of.is_empty() {
            write!(f, " · each of {}", self.each_of)?;
        }
        match self.remind_after {
            Some(every) => {
                write!(f, " · a reminder every {} (at most {})", words(every), self.max_reminders)?
            }
            None => f.write_str(" · no reminders")?,
        }
        match self.deadline {
            Some(deadline) => {
                write!(f, " · deadline {}, then {}", words(deadline), self.on_deadline.as_str())?
            }
            None => f.write_str(" · no deadline")?,
        }
        match self.escalation {
            Some(escalation) => write!(f, " · {escalation}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn policy(remind: Option<u64>, deadline: Option<u64>, on_deadline: OnDeadline) -> Policy {
        Policy {
            approvals_required: 2,
            each_of: Groups::default(),
            remind_after: remind.map(|m| Duration::from_secs(m * 60)),
            max_reminders: 2,
            deadline: deadline.map(|m| Duration::from_secs(m * 60)),
            on_deadline,
            escalation: None,
            deadline_from: None,
        }
    }

    #[test]
    fn reminders_fall_due_every_interval_up_to_the_limit() {
        let p = policy(Some(10), None, OnDeadline::Nothing);
        let mut gate = GateClock { found_at: 0, ..GateClock::default() };
        assert_eq!(p.due(&gate, 9 * MIN), Due::Nothing);
        assert_eq!(p.due(&gate, 10 * MIN), Due::Remind);
        gate = GateClock { reminders_sent: 1, last_reminded_at: Some(10 * MIN), ..gate };
        assert_eq!(p.due(&gate, 19 * MIN), Due::Nothing);
        assert_eq!(p.due(&gate, 20 * MIN), Due::Remind);
        gate = GateClock { reminders_sent: 2, last_reminded_at: Some(20 * MIN), ..gate };
        assert_eq!(p.due(&gate, 100 * MIN), Due::Nothing, "at most two");
    }

    #[test]
    fn reminders_missed_while_down_are_due_once_then_count_from_the_one_sent() {
        let p = policy(Some(10), None, OnDeadline::Nothing);
        let gate = GateClock { found_at: 0, ..GateClock::default() };
        assert_eq!(p.due(&gate, 55 * MIN), Due::Remind);
        let after = GateClock { reminders_sent: 1, last_reminded_at: Some(55 * MIN), ..gate };
        assert_eq!(p.due(&after, 56 * MIN), Due::Nothing, "not one per missed interval");
        assert_eq!(p.due(&after, 65 * MIN), Due::Remind);
    }

    #[test]
    fn the_deadline_decides_or_marks_overdue_once_and_ends_reminders() {
        let gate = GateClock { found_at: 0, ..GateClock::default() };
        for (on, due) in [
            (OnDeadline::Reject, Due::Decide(Decision::Reject)),
            (OnDeadline::Approve, Due::Decide(Decision::Approve)),
            (OnDeadline::Nothing, Due::Overdue),
        ] {
            let p = policy(Some(10), Some(30), on);
            assert_eq!(p.due(&gate, 29 * MIN), Due::Remind);
            assert_eq!(p.due(&gate, 30 * MIN), due, "{on:?}");
        }
        let p = policy(Some(10), Some(30), OnDeadline::Nothing);
        let overdue = GateClock { overdue_at: Some(30 * MIN), ..gate };
        assert_eq!(p.due(&overdue, 90 * MIN), Due::Nothing, "pinged once, then quiet");
    }

    #[test]
    fn a_deadline_set_or_shortened_counts_from_the_change_for_waiting_gates() {
        let (none, long, short) = (
            policy(None, None, OnDeadline::Approve),
            policy(None, Some(60), OnDeadline::Approve),
            policy(None, Some(1), OnDeadline::Approve),
        );
        assert!(none.deadline_restarts(&short), "set");
        assert!(long.deadline_restarts(&short), "shortened");
        assert!(!short.deadline_restarts(&long), "lengthened: still from when the gate was seen");
        assert!(!long.deadline_restarts(&long) && !long.deadline_restarts(&none));
        // A gate seen at 0, the one-minute deadline set at 100 minutes: due at 101, not at once.
        let changed = Policy { deadline_from: Some(100 * MIN), ..short };
        let gate = GateClock { found_at: 0, ..GateClock::default() };
        assert_eq!(changed.due(&gate, 100 * MIN), Due::Nothing);
        assert_eq!(changed.due(&gate, 101 * MIN), Due::Decide(Decision::Approve));
        // A gate seen after the change counts from when it was seen.
        let later = GateClock { found_at: 200 * MIN, ..gate };
        assert_eq!(changed.deadline_at(later.found_at), Some(201 * MIN));
    }

    #[test]
    fn the_quorum_counts_distinct_approvals() {
        let p = policy(None, None, OnDeadline::Nothing);
        assert!(!p.reached(1));
        assert!(p.reached(2));
        assert!(Policy::default().reached(1));
    }

    #[test]
    fn an_escalation_falls_due_after_the_last_reminder_once_and_not_after_an_overdue_ping() {
        let escalation = Some(Escalation { role: 5, after: None });
        let p = Policy { escalation, ..policy(Some(10), None, OnDeadline::Nothing) };
        let gate = GateClock {
            found_at: 0,
            reminders_sent: 2,
            last_reminded_at: Some(20 * MIN),
            ..GateClock::default()
        };
        assert_eq!(p.due(&gate, 29 * MIN), Due::Nothing);
        assert_eq!(p.due(&gate, 30 * MIN), Due::Escalate);
        assert_eq!(
            p.due(&GateClock { escalated_at: Some(30 * MIN), ..gate }, 90 * MIN),
            Due::Nothing,
            "once"
        );
        assert_eq!(p.due(&GateClock { overdue_at: Some(25 * MIN), ..gate }, 90 * MIN), Due::Nothing);
    }

    #[test]
    fn a_policy_reads_as_words() {
        let p = policy(Some(240), Some(2 * 1440), OnDeadline::Reject);
        assert_eq!(
            p.to_string(),
            "2 approvals · a reminder every 4h (at most 2) · deadline 2days, then reject"
        );
        assert_eq!(Policy::default().to_string(), "1 approval · no reminders · no deadline");
        let groups = Policy { each_of: Groups::new(&[11, 12]).unwrap(), ..Policy::default() };
        assert_eq!(groups.to_string(), "1 approval · each of <@&11>, <@&12> · no reminders · no deadline");
        assert!(!groups.decides_alone() && !groups.reached(1) && groups.reached(2));
    }
}
