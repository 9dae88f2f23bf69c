//! Events POSTed to `EVENTS_URL`: at least once, in order per gate, by the lease holder only.
//!
//! DESIGN: an event is written to the `event_outbox` table in the transaction of the audit
//! entry (or refusal count) it is made of (`store::events`), so nothing can be recorded without
//! its event, whatever stops the process. This task, run by the process holding the lease
//! beside the watcher, reads the outbox and POSTs each event, signed; a row is deleted only
//! after a 2xx answer. A crash between the answer and the delete sends that event again: the
//! receiver de-duplicates by its `id`. Only the oldest event left of each gate is ever sent,
//! so a gate's events arrive in the order they were written; events of different gates are sent
//! side by side. A failed attempt is retried after a backoff doubling from 1 s up to
//! `EVENTS_RETRY_MAX_SECS`, with jitter (half to all of the wait) so that a receiver back from
//! an outage is not hit by every event at once; after `EVENTS_PARK_AFTER_SECS` of failures the
//! event is parked (counted, shown by `/approvals status`) and its gate's later events wait with
//! it, until the next start gives it a new round. Every request is bounded by
//! [`REQUEST_TIMEOUT`] and runs in this task alone, so a receiver that hangs delays only events.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{StreamExt as _, stream};
use secrecy::ExposeSecret as _;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use url::Url;

use crate::{
    config::EventsSettings,
    events::sign::{EVENT_ID_HEADER, SIGNATURE_HEADER, header_value},
    metrics::Metrics,
    store::{OutboxEvent, Store, StoreError, now_ms},
};

/// The longest one delivery may take, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an idle outbox is looked at: the longest an event waits before its first attempt.
const IDLE_LOOK: Duration = Duration::from_millis(200);
/// Events read from the outbox at once.
const BATCH: i64 = 64;
/// Events of different gates in flight at once.
const IN_FLIGHT: usize = 8;

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    /// Events the receiver took.
    pub delivered: usize,
    /// Attempts that failed (and will be retried).
    pub failed: usize,
    /// Events parked by this pass.
    pub parked: usize,
}

/// Delivers the outbox's events to one receiver.
pub struct Deliverer {
    store: Store,
    client: reqwest::Client,
    url: Url,
    settings: EventsSettings,
    metrics: Metrics,
}

impl Deliverer {
    /// A deliverer of `store`'s outbox to the receiver `settings` name.
    pub fn new(store: Store, settings: &EventsSettings, metrics: Metrics) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            // A signed event goes only where EVENTS_URL says: a redirect is a failed attempt.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("approval-bridge/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { store, client, url: settings.url.clone(), settings: settings.clone(), metrics })
    }

    /// Runs passes until `shutdown`: at once while events are due, every [`IDLE_LOOK`]
    /// otherwise. Parked events get a new round first.
    pub async fn run(self, shutdown: CancellationToken) {
        match self.store.unpark_events().await {
            Ok(0) => {}
            Ok(n) => info!(events = n, "parked events are tried again"),
            Err(err) => warn!(error = %err, "parked events could not be taken up again"),
        }
        info!(receiver = %self.url.origin().ascii_serialization(), "delivering events");
        loop {
            let pass = tokio::select! {
                () = shutdown.cancelled() => return,
                pass = self.try_deliver_once() => pass,
            };
            let busy = match pass {
                Ok(pass) => pass.delivered > 0,
                Err(err) => {
                    warn!(error = %err, "the event outbox could not be read; trying again");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(IDLE_LOOK) => {}
                }
            }
        }
    }

    /// One pass: the due events, the oldest left of each gate, sent side by side; each one's
    /// outcome written back.
    pub async fn try_deliver_once(&self) -> Result<DeliveryPass, StoreError> {
        let due = self.store.due_events(BATCH).await?;
        let sent: Vec<(OutboxEvent, Result<(), String>)> = stream::iter(due)
            .map(|event| async move {
                let outcome = self.post(&event).await;
                (event, outcome)
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        let mut pass = DeliveryPass::default();
        let mut delivered = Vec::new();
        for (event, outcome) in &sent {
            match outcome {
                Ok(()) => delivered.push(event.id),
                Err(why) => {
                    let parked = self.failed(event, why).await?;
                    pass.failed += 1;
                    pass.parked += usize::from(parked);
                }
            }
        }
        self.store.events_delivered(&delivered).await?;
        for _ in &delivered {
            self.metrics.event_delivered();
        }
        pass.delivered = delivered.len();
        if !sent.is_empty() {
            if let Some(counts) = self.store.outbox_counts().await? {
                self.metrics.set_events_waiting(counts.waiting);
            }
        }
        Ok(pass)
    }

    /// Notes a failed attempt: retried after a backoff, or parked once it failed long enough.
    async fn failed(&self, event: &OutboxEvent, why: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let failing_for = now - event.first_failed_at.unwrap_or(now);
        let park = failing_for >= millis(self.settings.park_after);
        if park {
            self.store.event_parked(event, why).await?;
            warn!(event_id = %event.event_id, attempts = event.attempts + 1, error = why, "an event could not be delivered and is parked");
        } else {
            let wait = backoff(event.attempts, self.settings.retry_max, fastrand::f64());
            self.store.event_failed(event, now.saturating_add(millis(wait)), why).await?;
            if event.attempts == 0 {
                warn!(event_id = %event.event_id, error = why, "an event could not be delivered; retrying");
            }
        }
        self.metrics.event_failed(park);
        Ok(park)
    }

    /// POSTs one event, signed; `Err` says why it was not taken, without the URL (its path or
    /// query may hold a receiver's token).
    async fn post(&self, event: &OutboxEvent) -> Result<(), String> {
        let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let signature =
            header_value(self.settings.secret.expose_secret().as_bytes(), timestamp, event.body.as_bytes());
        let answer = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(EVENT_ID_HEADER, &event.event_id)
            .body(event.body.clone())
            .send()
            .await
            .map_err(|err| match err {
                err if err.is_timeout() => format!("no answer within {} s", REQUEST_TIMEOUT.as_secs()),
                err if err.is_connect() => "the receiver could not be reached".to_owned(),
                err => format!("the request failed ({})", err.without_url()),
            })?;
        let status = answer.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered HTTP {}", status.as_u16()))
        }
    }
}

/// The wait before the next attempt of an event that failed `attempts` times before:
/// 1 s doubled at each failure up to `max`, then between half and all of it (`jitter` in 0..1).
pub fn backoff(attempts: i64, max: Duration, jitter: f64) -> Duration {
    let doubled = Duration::from_secs(1u64 << attempts.clamp(0, 20)).min(max);
    doubled.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_a_second_up_to_the_bound_with_jitter_of_half() {
        let max = Duration::from_secs(300);
        assert_eq!(backoff(0, max, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(0, max, 0.0), Duration::from_millis(500));
        assert_eq!(backoff(3, max, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(20, max, 1.0), max);
        assert_eq!(backoff(i64::MAX, max, 0.0), max / 2);
        assert_eq!(backoff(-1, max, 1.0), Duration::from_secs(1));
    }
}
