//! Requests an HTTP listener turned away: counted in `approval_bridge_http_refusals_total` by
//! listener and reason, and logged at warn, at most once per reason every [`WARN_EVERY`] (a flood
//! of refusals must not become a flood of log lines; the count says how many were folded in).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use tracing::warn;

use crate::metrics::Metrics;

/// The shortest time between two warnings for the same reason.
pub const WARN_EVERY: Duration = Duration::from_secs(10);

/// Why a request was turned away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// The Ed25519 signature is missing or does not verify.
    BadSignature,
    /// The signed timestamp is older than the window (or unreadable).
    StaleTimestamp,
    /// The signed timestamp is ahead of this machine's clock by more than the allowed skew.
    FutureTimestamp,
    /// The body is (or announces itself) over the size limit, or of unknown length.
    TooBig,
    /// The request's head and body did not arrive within the request deadline.
    TooSlow,
    /// The interaction's id was seen before: a signed request sent again.
    Replay,
    /// Too many connections (or requests in flight) from one address, or in all.
    Busy,
}

impl Refusal {
    /// Every reason, for the metric's series at zero.
    pub const ALL: [Refusal; 7] = [
        Self::BadSignature,
        Self::StaleTimestamp,
        Self::FutureTimestamp,
        Self::TooBig,
        Self::TooSlow,
        Self::Replay,
        Self::Busy,
    ];

    /// The `reason` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadSignature => "bad_signature",
            Self::StaleTimestamp => "stale_timestamp",
            Self::FutureTimestamp => "future_timestamp",
            Self::TooBig => "too_big",
            Self::TooSlow => "too_slow",
            Self::Replay => "replay",
            Self::Busy => "busy",
        }
    }
}

/// Counts and logs one listener's refusals. Cheap to clone: clones share the count and the log
/// budget.
#[derive(Clone)]
pub struct Refusals {
    listener: &'static str,
    metrics: Metrics,
    warned: Arc<Mutex<HashMap<Refusal, WarnGate>>>,
}

impl Refusals {
    /// The refusals of `listener` (`interactions` or `ops`), counted in `metrics`, every reason
    /// shown at zero from the start.
    pub fn new(listener: &'static str, metrics: Metrics) -> Self {
        for reason in Refusal::ALL {
            metrics.http_refusals(listener, reason.as_str());
        }
        Self { listener, metrics, warned: Arc::default() }
    }

    /// Counts a refusal of a request from `client`, and warns unless this reason warned lately.
    pub fn refused(&self, reason: Refusal, client: IpAddr) {
        self.metrics.http_refusal(self.listener, reason.as_str());
        // A poisoned lock only means a panic elsewhere mid-update: the budget is still usable.
        let mut warned = self.warned.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(folded) = warned.entry(reason).or_default().admit(Instant::now()) {
            let (listener, reason) = (self.listener, reason.as_str());
            warn!(listener, reason, %client, folded, "request refused");
        }
    }
}

/// When one reason last warned, and how many refusals were folded in since.
#[derive(Debug, Default)]
struct WarnGate {
    last: Option<Instant>,
    folded: u64,
}

impl WarnGate {
    /// `Some(refusals folded in since the last warning)` when this one may warn at `now`.
    fn admit(&mut self, now: Instant) -> Option<u64> {
        if self.last.is_some_and(|last| now.duration_since(last) < WARN_EVERY) {
            self.folded += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.folded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_warns_once_per_period_and_then_says_how_many_it_folded_in() {
        let mut gate = WarnGate::default();
        let start = Instant::now();
        assert_eq!(gate.admit(start), Some(0));
        assert_eq!(gate.admit(start + Duration::from_secs(1)), None);
        assert_eq!(gate.admit(start + WARN_EVERY - Duration::from_millis(1)), None);
        assert_eq!(gate.admit(start + WARN_EVERY), Some(2));
        assert_eq!(gate.admit(start + WARN_EVERY), None);
    }

    #[test]
    fn each_refusal_is_counted_by_listener_and_reason() {
        let metrics = Metrics::new();
        let refusals = Refusals::new("interactions", metrics.clone());
        let client = IpAddr::from([203, 0, 113, 7]);
        for _ in 0..3 {
            refusals.refused(Refusal::TooSlow, client);
        }
        refusals.refused(Refusal::Replay, client);
        assert_eq!(metrics.http_refusals("interactions", "too_slow"), 3);
        assert_eq!(metrics.http_refusals("interactions", "replay"), 1);
        let text = metrics.render();
        let zero = r#"approval_bridge_http_refusals_total{listener="interactions",reason="bad_signature"} 0"#;
        assert!(text.contains(zero), "{text}");
    }
}
