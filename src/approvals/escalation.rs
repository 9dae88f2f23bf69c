//! Escalation: a gate its reviewers left undecided through their reminders (or for a set time)
//! pings another role, once, in a reply to its card. Pure: [`super::policy::Policy::due`] asks
//! [`Escalation::at`] when it falls due.

use std::{fmt, time::Duration};

use super::policy::{GateClock, millis, words};

/// Whom a gate escalates to, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Escalation {
    /// The role pinged (a Discord role id).
    pub role: u64,
    /// From when the gate was seen; `None`: one reminder interval after the last reminder (when
    /// another would have come).
    pub after: Option<Duration>,
}

impl Escalation {
    /// When the gate escalates, unix milliseconds, under reminders every `remind_after` up to
    /// `max_reminders`; `None` when it escalated already, or when it never does (no set time and
    /// no reminders, or reminders still to come).
    pub fn at(&self, remind_after: Option<Duration>, max_reminders: u32, gate: &GateClock) -> Option<i64> {
        if gate.escalated_at.is_some() {
            return None;
        }
        if let Some(after) = self.after {
            return Some(gate.found_at.saturating_add(millis(after)));
        }
        let every = remind_after?;
        if gate.reminders_sent < max_reminders {
            return None;
        }
        let last = gate.last_reminded_at.unwrap_or(gate.found_at).max(gate.found_at);
        Some(last.saturating_add(millis(every)))
    }
}

impl fmt::Display for Escalation {
    /// `escalated to <@&5> after the last reminder`, or `… after 2days`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.after {
            Some(after) => write!(f, "escalated to <@&{}> after {}", self.role, words(after)),
            None => write!(f, "escalated to <@&{}> after the last reminder", self.role),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn after_the_last_reminder_it_escalates_one_interval_later_once() {
        let e = Escalation { role: 5, after: None };
        let every = Some(Duration::from_secs(600));
        let mut gate = GateClock {
            found_at: 0,
            reminders_sent: 1,
            last_reminded_at: Some(10 * MIN),
            ..GateClock::default()
        };
        assert_eq!(e.at(every, 2, &gate), None, "a reminder is still to come");
        gate.reminders_sent = 2;
        gate.last_reminded_at = Some(20 * MIN);
        assert_eq!(e.at(every, 2, &gate), Some(30 * MIN));
        assert_eq!(e.at(None, 2, &gate), None, "without reminders nor a set time, never");
        gate.escalated_at = Some(30 * MIN);
        assert_eq!(e.at(every, 2, &gate), None, "once");
    }

    #[test]
    fn a_set_time_counts_from_when_the_gate_was_seen() {
        let e = Escalation { role: 5, after: Some(Duration::from_secs(3600)) };
        let gate = GateClock { found_at: 5 * MIN, ..GateClock::default() };
        assert_eq!(e.at(None, 3, &gate), Some(65 * MIN));
        assert_eq!(e.to_string(), "escalated to <@&5> after 1h");
        assert_eq!(Escalation { after: None, ..e }.to_string(), "escalated to <@&5> after the last reminder");
    }
}
