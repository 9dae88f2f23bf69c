//! Faults a test arms on a route for its next N requests: a 5xx, or a 429 as Discord sends it.
//!
//! Shapes from <https://discord.com/developers/docs/topics/rate-limits#exceeding-a-rate-limit>:
//! a 429 carries `{"message", "retry_after" (seconds, float), "global"}` with the `Retry-After`
//! and `X-RateLimit-*` headers; a 5xx carries `{"message": "500: Internal Server Error",
//! "code": 0}`. A faulted request is answered before the route's handler runs, so it changes
//! nothing, and it is recorded with `injected` set. [`DiscordFault::SlowAnswer`] is the one
//! exception: the request is handled, and only its answer is late; [`DiscordFault::NoAnswer`]
//! is never answered at all.

use std::sync::Mutex;

use serde_json::{Value, json};

/// What to answer instead of the route's handler.
#[derive(Debug, Clone, PartialEq)]
pub enum DiscordFault {
    /// A server error with this status (500, 502, 503, 504).
    Status(u16),
    /// 429 Too Many Requests, asking to wait `retry_after` seconds; `global` for the global limit.
    RateLimited {
        /// Seconds to wait, as Discord writes them (e.g. 0.35).
        retry_after: f64,
        /// Whether the global limit was hit (else the route's bucket).
        global: bool,
    },
    /// Handled as usual (a message is created), but answered only after this wait: the answer
    /// is late, or lost if the client is gone by then.
    SlowAnswer(std::time::Duration),
    /// Not handled: the answer's body fails as it is written, so the connection breaks before a
    /// complete answer, as a network failure would leave it. The client's error carries the URL.
    BrokenAnswer,
    /// Never handled and never answered, as over a half-open connection: the request is recorded
    /// (status 0) and the connection held until the client gives up.
    NoAnswer,
    /// Held, not yet handled, until the test releases it; then handled and answered as usual (a
    /// slow network or a busy Discord): the test decides what happens while it is in flight.
    Hold(crate::support::fake_scenario::Release),
}

impl DiscordFault {
    /// The status, JSON body and headers of the answer.
    ///
    /// # Panics
    /// For [`Self::SlowAnswer`] and [`Self::NoAnswer`], which are not error answers.
    pub(super) fn answer(&self) -> (u16, Value, Vec<(&'static str, String)>) {
        match *self {
            Self::SlowAnswer(_) | Self::NoAnswer | Self::Hold(_) => unreachable!("not an error answer"),
            Self::BrokenAnswer => {
                (500, json!({ "message": "500: Internal Server Error", "code": 0 }), vec![])
            }
            Self::Status(status) => {
                let reason = axum::http::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Server Error");
                (status, json!({ "message": format!("{status}: {reason}"), "code": 0 }), vec![])
            }
            Self::RateLimited { retry_after, global } => {
                let body = json!({ "message": "You are being rate limited.", "retry_after": retry_after, "global": global });
                let reset = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64()
                    + retry_after;
                let mut headers = vec![
                    ("retry-after", format!("{}", retry_after.ceil() as u64)),
                    ("x-ratelimit-scope", if global { "global" } else { "user" }.to_owned()),
                ];
                if !global {
                    headers.extend([
                        ("x-ratelimit-limit", "5".to_owned()),
                        ("x-ratelimit-remaining", "0".to_owned()),
                        ("x-ratelimit-reset", format!("{reset:.3}")),
                        ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                        ("x-ratelimit-bucket", "fakebucket0123456789abcdef".to_owned()),
                    ]);
                } else {
                    headers.push(("x-ratelimit-global", "true".to_owned()));
                }
                (429, body, headers)
            }
        }
    }
}

struct Rule {
    method: String,
    route: String,
    fault: DiscordFault,
    remaining: usize,
}

/// Armed faults, by method and OpenAPI route template.
#[derive(Default)]
pub(super) struct Faults {
    rules: Mutex<Vec<Rule>>,
    /// How many requests a [`DiscordFault::Hold`] has held so far (released or not).
    pub(super) held: std::sync::atomic::AtomicUsize,
}

impl Faults {
    pub(super) fn arm(&self, method: &str, route: &str, fault: DiscordFault, times: usize) {
        let rule = Rule { method: method.to_owned(), route: route.to_owned(), fault, remaining: times };
        self.rules.lock().expect("faults").push(rule);
    }

    /// The hold armed for this request, if any (and counts it down).
    pub(super) fn take_hold(
        &self,
        method: &str,
        route: &str,
    ) -> Option<crate::support::fake_scenario::Release> {
        let mut rules = self.rules.lock().expect("faults");
        let is_hold = |r: &Rule| matches!(r.fault, DiscordFault::Hold(_));
        let rule = rules
            .iter_mut()
            .find(|r| is_hold(r) && r.remaining > 0 && r.method == method && r.route == route)?;
        rule.remaining -= 1;
        let DiscordFault::Hold(release) = rule.fault.clone() else { return None };
        rules.retain(|r| r.remaining > 0);
        self.held.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Some(release)
    }

    /// The fault for this request, if one is armed (and counts it down); holds are taken before.
    pub(super) fn take(&self, method: &str, route: &str) -> Option<DiscordFault> {
        let mut rules = self.rules.lock().expect("faults");
        let is_hold = |r: &Rule| matches!(r.fault, DiscordFault::Hold(_));
        let rule = rules
            .iter_mut()
            .find(|r| !is_hold(r) && r.remaining > 0 && r.method == method && r.route == route)?;
        rule.remaining -= 1;
        let fault = rule.fault.clone();
        rules.retain(|r| r.remaining > 0);
        Some(fault)
    }
}
