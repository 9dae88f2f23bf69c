//! The default review policy: `APPROVALS_REQUIRED`, `REMIND_AFTER`, `MAX_REMINDERS`, `DEADLINE`
//! and `ON_DEADLINE`, for workflows whose route has no policy of its own.

use std::time::Duration;

use super::Reader;
use crate::approvals::policy::{
    DEFAULT_REMINDERS, MAX_APPROVALS, MAX_REMINDERS, OnDeadline, Policy, parse_duration,
};

impl Reader<'_> {
    pub(super) fn policy(&mut self) -> Policy {
        let approvals_required = match self.optional("APPROVALS_REQUIRED") {
            None => 1,
            Some(raw) => match raw.parse::<u8>() {
                Ok(n) if (1..=MAX_APPROVALS).contains(&n) => n,
                _ => {
                    self.fail(
                        "APPROVALS_REQUIRED",
                        format!("is {raw:?}: use a whole number from 1 to {MAX_APPROVALS}, e.g. 2"),
                    );
                    1
                }
            },
        };
        let max_reminders = match self.optional("MAX_REMINDERS") {
            None => DEFAULT_REMINDERS,
            Some(raw) => match raw.parse::<u32>() {
                Ok(n) if (1..=MAX_REMINDERS).contains(&n) => n,
                _ => {
                    self.fail(
                        "MAX_REMINDERS",
                        format!("is {raw:?}: use a whole number from 1 to {MAX_REMINDERS}, e.g. 3"),
                    );
                    DEFAULT_REMINDERS
                }
            },
        };
        let on_deadline = match self.optional("ON_DEADLINE") {
            None => OnDeadline::Nothing,
            Some(raw) => OnDeadline::parse(&raw).unwrap_or_else(|| {
                self.fail("ON_DEADLINE", format!("is {raw:?}: use reject, approve or nothing"));
                OnDeadline::Nothing
            }),
        };
        Policy {
            approvals_required,
            remind_after: self.duration("REMIND_AFTER"),
            max_reminders,
            deadline: self.duration("DEADLINE"),
            on_deadline,
        }
    }

    fn duration(&mut self, name: &'static str) -> Option<Duration> {
        let raw = self.optional(name)?;
        parse_duration(&raw).map_err(|why| self.fail(name, format!("is wrong: {why}"))).ok()
    }
}
