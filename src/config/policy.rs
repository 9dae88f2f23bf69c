//! The default review policy: `APPROVALS_REQUIRED`, `REMIND_AFTER`, `MAX_REMINDERS`, `DEADLINE`
//! and `ON_DEADLINE`, for workflows whose route has no policy of its own; and the default re-run
//! policy, `RERUNS` and `RERUN_MAX_COST`; whether cards start a thread, `CARD_THREADS`; and
//! whether a linked author may approve their own run, `SELF_APPROVAL`.

use std::time::Duration;

use super::Reader;
use crate::approvals::{
    groups::Groups,
    people::SelfApproval,
    policy::{DEFAULT_REMINDERS, MAX_APPROVALS, MAX_REMINDERS, OnDeadline, Policy, parse_duration},
    rerun::RerunPolicy,
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
            each_of: Groups::default(),
            remind_after: self.duration("REMIND_AFTER"),
            max_reminders,
            deadline: self.duration("DEADLINE"),
            on_deadline,
            // Groups and escalation are a route's own: no setting names roles for every workflow.
            escalation: None,
            deadline_from: None,
        }
    }

    pub(super) fn rerun_policy(&mut self) -> RerunPolicy {
        let on = self.on_off("RERUNS", true);
        let max_cost = self.optional("RERUN_MAX_COST").and_then(|raw| match raw.trim().parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.fail(
                    "RERUN_MAX_COST",
                    format!("is {raw:?}: use a whole number of creative units above 0, e.g. 50"),
                );
                None
            }
        });
        RerunPolicy { on, max_cost }
    }

    pub(super) fn card_threads(&mut self) -> bool {
        self.on_off("CARD_THREADS", false)
    }

    /// The setting `name`, `on` or `off` in any case; `default` when unset.
    fn on_off(&mut self, name: &'static str, default: bool) -> bool {
        match self.optional(name) {
            None => default,
            Some(raw) => match raw.trim().to_ascii_lowercase().as_str() {
                "on" => true,
                "off" => false,
                _ => {
                    self.fail(name, format!("is {raw:?}: use on or off"));
                    default
                }
            },
        }
    }

    pub(super) fn self_approval(&mut self) -> SelfApproval {
        let Some(raw) = self.optional("SELF_APPROVAL") else { return SelfApproval::default() };
        SelfApproval::parse(&raw).unwrap_or_else(|| {
            self.fail("SELF_APPROVAL", format!("is {raw:?}: use refused or allowed"));
            SelfApproval::default()
        })
    }

    fn duration(&mut self, name: &'static str) -> Option<Duration> {
        let raw = self.optional(name)?;
        parse_duration(&raw).map_err(|why| self.fail(name, format!("is wrong: {why}"))).ok()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use crate::config::Settings;

    use super::*;

    fn with(extra: &[(&'static str, &str)]) -> HashMap<&'static str, String> {
        let mut vars = HashMap::from([
            ("DISCORD_TOKEN", "discord-token-value".to_owned()),
            ("DISCORD_GUILD_ID", "41".to_owned()),
            ("SCENARIO_SDK_API_KEY", "key-value".to_owned()),
            ("SCENARIO_SDK_API_SECRET", "secret-value".to_owned()),
        ]);
        vars.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        vars
    }

    #[test]
    fn the_default_policy_is_one_approval_without_reminders_or_deadline_unless_set() {
        let read = |vars: HashMap<&'static str, String>| {
            Settings::from_lookup(|name| vars.get(name).cloned()).map(|s| s.discord.default_policy)
        };
        assert_eq!(read(with(&[])).unwrap(), Policy::default());
        let set = [
            ("APPROVALS_REQUIRED", "2"),
            ("REMIND_AFTER", "4h"),
            ("MAX_REMINDERS", "5"),
            ("DEADLINE", "2d"),
            ("ON_DEADLINE", "Reject"),
        ];
        let policy = read(with(&set)).unwrap();
        assert_eq!(
            policy.to_string(),
            "2 approvals · a reminder every 4h (at most 5) · deadline 2days, then reject"
        );
    }

    #[test]
    fn re_runs_are_on_without_a_cap_unless_set_and_a_wrong_value_is_named() {
        let read = |vars: HashMap<&'static str, String>| {
            Settings::from_lookup(|name| vars.get(name).cloned()).map(|s| s.discord.default_reruns)
        };
        assert_eq!(read(with(&[])).unwrap(), RerunPolicy { on: true, max_cost: None });
        let set = read(with(&[("RERUNS", "Off"), ("RERUN_MAX_COST", "50")])).unwrap();
        assert_eq!(set, RerunPolicy { on: false, max_cost: Some(50) });
        let vars = with(&[("RERUNS", "maybe"), ("RERUN_MAX_COST", "0")]);
        let errors = Settings::from_lookup(|name| vars.get(name).cloned()).expect_err("refused").0;
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "RERUNS is \"maybe\": use on or off",
                "RERUN_MAX_COST is \"0\": use a whole number of creative units above 0, e.g. 50",
            ]
        );
    }

    #[test]
    fn card_threads_are_off_unless_set_on_and_a_wrong_value_is_named() {
        let read = |vars: HashMap<&'static str, String>| {
            Settings::from_lookup(|name| vars.get(name).cloned()).map(|s| s.discord.card_threads)
        };
        assert!(!read(with(&[])).unwrap());
        assert!(read(with(&[("CARD_THREADS", " ON ")])).unwrap());
        assert!(!read(with(&[("CARD_THREADS", "off")])).unwrap());
        let errors = read(with(&[("CARD_THREADS", "yes")])).expect_err("refused").0;
        assert_eq!(errors[0].to_string(), "CARD_THREADS is \"yes\": use on or off");
    }

    #[test]
    fn self_approval_is_refused_unless_allowed_and_a_wrong_value_is_named() {
        let read = |vars: HashMap<&'static str, String>| {
            Settings::from_lookup(|name| vars.get(name).cloned()).map(|s| s.discord.default_self_approval)
        };
        assert_eq!(read(with(&[])).unwrap(), SelfApproval::Refused);
        assert_eq!(read(with(&[("SELF_APPROVAL", "Allowed")])).unwrap(), SelfApproval::Allowed);
        let vars = with(&[("SELF_APPROVAL", "sometimes")]);
        let errors = Settings::from_lookup(|name| vars.get(name).cloned()).expect_err("refused").0;
        assert_eq!(errors[0].to_string(), "SELF_APPROVAL is \"sometimes\": use refused or allowed");
    }

    #[test]
    fn every_wrong_policy_setting_is_named_with_a_fix() {
        let wrong = [
            ("APPROVALS_REQUIRED", "6"),
            ("REMIND_AFTER", "soon"),
            ("MAX_REMINDERS", "0"),
            ("DEADLINE", "0s"),
            ("ON_DEADLINE", "escalate"),
        ];
        let vars = with(&wrong);
        let errors = Settings::from_lookup(|name| vars.get(name).cloned()).expect_err("refused").0;
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "APPROVALS_REQUIRED is \"6\": use a whole number from 1 to 5, e.g. 2",
                "MAX_REMINDERS is \"0\": use a whole number from 1 to 10, e.g. 3",
                "ON_DEADLINE is \"escalate\": use reject, approve or nothing",
                "REMIND_AFTER is wrong: `soon` is not a duration: write it like 90s, 30m, 4h or 2d",
                "DEADLINE is wrong: `0s` is out of range: use from 1s to 365d",
            ]
        );
    }
}
