//! Scenario's per-project rate limit, switched on by the tests that need it: at most `requests`
//! API calls in any `window`, counted when they arrive (refused ones too, as a real limiter
//! counts every call it sees); beyond it, 429 with the `Retry-After` (whole seconds, rounded up)
//! until the oldest counted call leaves the window. Signed CDN downloads are not API calls.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A sliding-window limit on one project's API calls.
pub struct ProjectLimit {
    requests: usize,
    window: Duration,
    arrivals: VecDeque<Instant>,
    refused: usize,
}

impl ProjectLimit {
    /// At most `requests` calls in any `window`.
    pub fn new(requests: usize, window: Duration) -> Self {
        Self { requests, window, arrivals: VecDeque::new(), refused: 0 }
    }

    /// Counts a call arriving `at`; `Some(retry after, in seconds)` when it is over the limit.
    pub fn arrive(&mut self, at: Instant) -> Option<u64> {
        while self.arrivals.front().is_some_and(|first| at.duration_since(*first) >= self.window) {
            self.arrivals.pop_front();
        }
        let over = self.arrivals.len() >= self.requests;
        self.arrivals.push_back(at);
        if !over {
            return None;
        }
        self.refused += 1;
        let oldest = self.arrivals[self.arrivals.len() - 1 - self.requests];
        let free_at = oldest + self.window;
        Some(free_at.saturating_duration_since(at).as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Calls refused so far.
    pub fn refused(&self) -> usize {
        self.refused
    }
}
