//! Escalation: a gate its reviewers left undecided through their reminders (or for a set time)
//! pings another role, once, in a reply to its card. Pure: the policy's `due` asks
//! [`Escalation::at`] when it falls due, for a gate that has not escalated yet.

use std::{fmt, time::Duration};

use super::durations::{millis, words};

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
    /// When a gate seen at `found_at`, reminded `sent` times (the last at `last`), escalates,
    /// unix milliseconds, under reminders every `remind_after` up to `max_reminders`; `None` when
    /// it never does (no set time and no reminders, or reminders still to come).
    pub fn at(
        &self,
        remind_after: Option<Duration>,
        max_reminders: u32,
        (found_at, sent, last): (i64, u32, Option<i64>),
    ) -> Option<i64> {
        if let Some(after) = self.after {
            return Some(found_at.saturating_add(millis(after)));
        }
        let every = remind_after?;
        if sent < max_reminders {
            return None;
        }
        let last = last.unwrap_or(found_at).max(found_at);
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
    fn after_the_last_reminder_it_escalates_one_interval_later() {
        let e = Escalation { role: 5, after: None };
        let every = Some(Duration::from_secs(600));
        assert_eq!(e.at(every, 2, (0, 1, Some(10 * MIN))), None, "a reminder is still to come");
        assert_eq!(e.at(every, 2, (0, 2, Some(20 * MIN))), Some(30 * MIN));
        assert_eq!(e.at(None, 2, (0, 2, Some(20 * MIN))), None, "without reminders nor a set time, never");
    }

    #[test]
    fn a_set_time_counts_from_when_the_gate_was_seen() {
        let e = Escalation { role: 5, after: Some(Duration::from_secs(3600)) };
        assert_eq!(e.at(None, 3, (5 * MIN, 0, None)), Some(65 * MIN));
        assert_eq!(e.to_string(), "escalated to <@&5> after 1h");
        assert_eq!(Escalation { after: None, ..e }.to_string(), "escalated to <@&5> after the last reminder");
    }
}
