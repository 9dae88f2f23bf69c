//! How often one person may ask for full-size links: a few answers per person and minute, since
//! each answer reads fresh links from Scenario and spends the team's quota.

use std::{
    collections::HashMap,
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use serenity::all::UserId;

/// Answers one person may have within [`WINDOW`].
pub const PER_PERSON: usize = 3;
/// The window [`PER_PERSON`] counts in.
const WINDOW: Duration = Duration::from_secs(60);

/// Who asked for full-size links lately: a few answers per person and minute.
#[derive(Debug, Default)]
pub struct FullSizeLimit {
    asked: Mutex<HashMap<UserId, Vec<Instant>>>,
}

impl FullSizeLimit {
    /// Whether `user` may have an answer at `now`; counts it when so.
    pub fn allow(&self, user: UserId, now: Instant) -> bool {
        let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        // Forgets what is out of the window, so the map holds only the last minute's askers.
        asked.retain(|_, times| {
            times.retain(|at| now.saturating_duration_since(*at) < WINDOW);
            !times.is_empty()
        });
        let times = asked.entry(user).or_default();
        if times.len() >= PER_PERSON {
            return false;
        }
        times.push(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_gets_a_few_answers_a_minute_and_others_are_counted_apart() {
        let (limit, start) = (FullSizeLimit::default(), Instant::now());
        let (ana, bo) = (UserId::new(1), UserId::new(2));
        for n in 0..PER_PERSON {
            assert!(limit.allow(ana, start + Duration::from_secs(n as u64)), "answer {n}");
        }
        assert!(!limit.allow(ana, start + Duration::from_secs(30)));
        assert!(limit.allow(bo, start + Duration::from_secs(30)), "another person");
        assert!(limit.allow(ana, start + WINDOW), "the first answer left the window");
        assert!(!limit.allow(ana, start + WINDOW));
    }
}
