//! The bridge's Prometheus metrics: one registry per running bridge.
//!
//! Each [`App`](crate::app::App) owns its own [`Metrics`] (a `prometheus-client` registry and the
//! handles into it), shared by the Scenario client and the [`Bridge`](crate::discord::bridge::Bridge) and
//! rendered by `/metrics`. There is no process-global recorder on purpose: the integration tests
//! run many bridges in one process, and with a registry each every bridge counts only what it did,
//! so a test reads exact values instead of deltas, whatever runs beside it.
//!
//! Names follow Prometheus' conventions: the `approval_bridge_` prefix, `_total` on counters
//! (added by the encoder), `_seconds` for durations, base units.

use std::{fmt, sync::Arc, time::Duration};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::{Registry, Unit},
};

/// The `Content-Type` of [`Metrics::render`]'s output (OpenMetrics text, which Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets of Scenario requests and of clicks, in seconds: 5 ms to a minute.
const REQUEST_BUCKETS: [f64; 13] =
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];
/// Buckets of the wait from a gate found to its decision, in seconds: ten seconds to a week.
const WAIT_BUCKETS: [f64; 13] =
    [10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0, 86400.0, 172800.0, 604800.0];

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// The labels of one Scenario request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    /// e.g. `GET /jobs/{jobId}`.
    endpoint: &'static str,
    /// The HTTP status, or `timeout` / `transport` when no answer came.
    status: String,
}

/// The labels of a request an HTTP listener refused.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalLabels {
    /// `interactions` or `ops`.
    listener: &'static str,
    /// One of [`crate::ops::refusals::Refusal`]'s names.
    reason: &'static str,
}

/// The kind of a refused interaction.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    /// A [`crate::discord::refusal::Refusal`]'s code: `not_reviewer`, `closed`, …
    kind: &'static str,
}

/// The budget class of a Scenario request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabels {
    /// `decision`, `person` or `polling`.
    class: &'static str,
}

/// The label of a decision's outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Handles into one bridge's registry. Cheap to clone: clones record into the same registry.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    polls: Counter,
    poll_failures: Counter,
    last_successful_poll: Gauge,
    scenario_requests: Family<RequestLabels, Counter>,
    scenario_latency: HistogramFamily<RequestLabels>,
    budget_requests: Family<ClassLabels, Counter>,
    budget_wait: HistogramFamily<ClassLabels>,
    rate_limited: Counter,
    gates_found: Counter,
    cards_posted: Counter,
    decisions: Family<OutcomeLabels, Counter>,
    gate_wait: Histogram,
    click_to_put: HistogramFamily<OutcomeLabels>,
    open_gates: Gauge,
    refusals: Family<RefusalLabels, Counter>,
    events_delivered: Counter,
    event_attempts_failed: Counter,
    events_parked: Counter,
    events_waiting: Gauge,
    refused: Family<KindLabels, Counter>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn request_histogram() -> Histogram {
    Histogram::new(REQUEST_BUCKETS)
}

impl Metrics {
    /// A new registry holding every metric of the bridge, all at zero.
    pub fn new() -> Self {
        let mut inner = Inner {
            registry: Registry::with_prefix("approval_bridge"),
            polls: Counter::default(),
            poll_failures: Counter::default(),
            last_successful_poll: Gauge::default(),
            scenario_requests: Family::default(),
            scenario_latency: Family::new_with_constructor(request_histogram as fn() -> Histogram),
            budget_requests: Family::default(),
            budget_wait: Family::new_with_constructor(request_histogram as fn() -> Histogram),
            rate_limited: Counter::default(),
            gates_found: Counter::default(),
            cards_posted: Counter::default(),
            decisions: Family::default(),
            gate_wait: Histogram::new(WAIT_BUCKETS),
            click_to_put: Family::new_with_constructor(request_histogram as fn() -> Histogram),
            open_gates: Gauge::default(),
            refusals: Family::default(),
            events_delivered: Counter::default(),
            event_attempts_failed: Counter::default(),
            events_parked: Counter::default(),
            events_waiting: Gauge::default(),
            refused: Family::default(),
        };
        let r = &mut inner.registry;
        r.register("polls", "Passes of the watcher over Scenario's workflow runs", inner.polls.clone());
        r.register("poll_failures", "Passes that failed as a whole", inner.poll_failures.clone());
        r.register_with_unit(
            "last_successful_poll_timestamp",
            "When the last pass succeeded, unix time",
            Unit::Seconds,
            inner.last_successful_poll.clone(),
        );
        r.register(
            "scenario_requests",
            "Requests sent to the Scenario API (each retry counts), by endpoint and status",
            inner.scenario_requests.clone(),
        );
        r.register_with_unit(
            "scenario_request_duration",
            "Time from sending a Scenario request to its whole answer, by endpoint and status",
            Unit::Seconds,
            inner.scenario_latency.clone(),
        );
        r.register(
            "scenario_budget_requests",
            "Scenario requests (each retry counts) granted by the request budget, by class: decision, person, polling",
            inner.budget_requests.clone(),
        );
        r.register_with_unit(
            "scenario_budget_wait",
            "Time a Scenario request waited for its turn in the request budget, by class",
            Unit::Seconds,
            inner.budget_wait.clone(),
        );
        r.register(
            "scenario_rate_limited",
            "Answers HTTP 429 from Scenario, each of which pauses every request for its Retry-After",
            inner.rate_limited.clone(),
        );
        r.register("gates_found", "Approval gates found and stored", inner.gates_found.clone());
        r.register("cards_posted", "Review cards posted in Discord", inner.cards_posted.clone());
        r.register(
            "decisions",
            "Decisions the bridge handled, by outcome: approved, rejected, lost_race, already_closed, failed",
            inner.decisions.clone(),
        );
        r.register_with_unit(
            "gate_wait",
            "Time from a gate being found to the bridge's decision on it",
            Unit::Seconds,
            inner.gate_wait.clone(),
        );
        r.register_with_unit(
            "click_to_put",
            "Time from handling a reviewer's click to Scenario's answer to the decision, by outcome",
            Unit::Seconds,
            inner.click_to_put.clone(),
        );
        r.register(
            "open_gates",
            "Gates waiting for a decision (pending or being decided)",
            inner.open_gates.clone(),
        );
        r.register(
            "http_refusals",
            "Requests an HTTP listener refused, by listener and reason: bad_signature, stale_timestamp, future_timestamp, too_big, too_slow, replay, busy",
            inner.refusals.clone(),
        );
        r.register(
            "events_delivered",
            "Events the receiver at EVENTS_URL took (2xx)",
            inner.events_delivered.clone(),
        );
        r.register(
            "event_attempts_failed",
            "Attempts to deliver an event that failed (an answer other than 2xx, a timeout, no connection)",
            inner.event_attempts_failed.clone(),
        );
        r.register(
            "events_parked",
            "Events parked after failing for EVENTS_PARK_AFTER_SECS: retried no more until the next start",
            inner.events_parked.clone(),
        );
        r.register(
            "events_waiting",
            "Events in the outbox, not delivered yet (parked ones included)",
            inner.events_waiting.clone(),
        );
        r.register(
            "interactions_refused",
            "Clicks, forms and commands the bridge turned down, by kind: not_reviewer, closed, not_admin, outside_home, …",
            inner.refused.clone(),
        );
        // Every outcome is shown from the start, at zero, so `increase()` sees its first one.
        for outcome in OUTCOMES {
            let _ = inner.decisions.get_or_create(&OutcomeLabels { outcome });
            let _ = inner.click_to_put.get_or_create(&OutcomeLabels { outcome });
        }
        Self { inner: Arc::new(inner) }
    }

    /// Counts a watcher pass; `succeeded_at_ms` is when it succeeded, `None` when it failed.
    pub fn poll(&self, succeeded_at_ms: Option<i64>) {
        self.inner.polls.inc();
        match succeeded_at_ms {
            Some(ms) => {
                self.inner.last_successful_poll.set(ms / 1000);
            }
            None => {
                self.inner.poll_failures.inc();
            }
        }
    }

    /// Counts one Scenario request (one attempt) and how long it took.
    pub fn scenario_request(&self, endpoint: &'static str, status: String, elapsed: Duration) {
        let labels = RequestLabels { endpoint, status };
        self.inner.scenario_latency.get_or_create(&labels).observe(elapsed.as_secs_f64());
        self.inner.scenario_requests.get_or_create(&labels).inc();
    }

    /// Counts a request the budget let go as `class`, after waiting `waited`.
    pub fn scenario_budget_grant(&self, class: &'static str, waited: Duration) {
        let labels = ClassLabels { class };
        self.inner.budget_requests.get_or_create(&labels).inc();
        self.inner.budget_wait.get_or_create(&labels).observe(waited.as_secs_f64());
    }

    /// Counts a 429 from Scenario.
    pub fn scenario_rate_limited(&self) {
        self.inner.rate_limited.inc();
    }

    /// Counts a gate stored for the first time.
    pub fn gate_found(&self) {
        self.inner.gates_found.inc();
    }

    /// Counts a card posted.
    pub fn card_posted(&self) {
        self.inner.cards_posted.inc();
    }

    /// Counts a decision by its `outcome` (one of [`OUTCOMES`]); a decision Scenario took also
    /// records how long its gate waited, `gate_wait_ms`.
    pub fn decision(&self, outcome: &'static str, gate_wait_ms: Option<i64>) {
        let labels = OutcomeLabels { outcome };
        self.inner.decisions.get_or_create(&labels).inc();
        if let Some(waited_ms) = gate_wait_ms {
            self.inner.gate_wait.observe(waited_ms.max(0) as f64 / 1000.0);
        }
    }

    /// Counts the decision of a click (as [`Self::decision`]) and records the time from handling
    /// the click to the end of its decision.
    pub fn click_decided(&self, outcome: &'static str, gate_wait_ms: Option<i64>, elapsed: Duration) {
        self.decision(outcome, gate_wait_ms);
        let labels = OutcomeLabels { outcome };
        self.inner.click_to_put.get_or_create(&labels).observe(elapsed.as_secs_f64());
    }

    /// Counts an interaction refused as `kind` (a [`crate::discord::refusal::Refusal`]'s code).
    pub fn refused(&self, kind: &'static str) {
        self.inner.refused.get_or_create(&KindLabels { kind }).inc();
    }

    /// How many interactions were refused as `kind` so far.
    pub fn refusals_of(&self, kind: &'static str) -> u64 {
        self.inner.refused.get_or_create(&KindLabels { kind }).get()
    }

    /// Counts a request `listener` refused for `reason`.
    pub fn http_refusal(&self, listener: &'static str, reason: &'static str) {
        self.inner.refusals.get_or_create(&RefusalLabels { listener, reason }).inc();
    }

    /// How many requests `listener` refused for `reason` so far.
    pub fn http_refusals(&self, listener: &'static str, reason: &'static str) -> u64 {
        self.inner.refusals.get_or_create(&RefusalLabels { listener, reason }).get()
    }

    /// Counts an event delivered.
    pub fn event_delivered(&self) {
        self.inner.events_delivered.inc();
    }

    /// Counts a failed attempt to deliver an event, and whether it parked the event.
    pub fn event_failed(&self, parked: bool) {
        self.inner.event_attempts_failed.inc();
        if parked {
            self.inner.events_parked.inc();
        }
    }

    /// Events delivered so far.
    pub fn events_delivered(&self) -> u64 {
        self.inner.events_delivered.get()
    }

    /// Sets the number of events in the outbox.
    pub fn set_events_waiting(&self, count: i64) {
        self.inner.events_waiting.set(count);
    }

    /// Sets the number of gates waiting for a decision.
    pub fn set_open_gates(&self, count: i64) {
        self.inner.open_gates.set(count);
    }

    /// The registry in the OpenMetrics text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail; an error would only come from a broken encoder.
        if let Err(err) = encode(&mut text, &self.inner.registry) {
            tracing::error!(error = %err, "metrics could not be encoded");
        }
        text
    }
}

/// Every value of the `outcome` label.
pub const OUTCOMES: [&str; 6] = ["approved", "rejected", "lost_race", "already_closed", "failed", "recorded"];

#[cfg(test)]
mod tests;
