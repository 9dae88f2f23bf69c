//! The watcher's handle: ask for a pass now and hear its report, and how passes have gone lately
//! (for `/approvals status`, `/healthz` and the metrics). The watcher serves the requests; the
//! rest of the bridge holds only this handle, so nothing here depends back on the watcher.

use std::{
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::sync::{mpsc, oneshot};

use crate::{metrics::Metrics, store::now_ms};

/// What one pass saw and did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollReport {
    /// Workflow runs listed (by the delta feed or the sweep).
    pub runs: usize,
    /// Runs looked at because they changed.
    pub runs_inspected: usize,
    /// List items that could not be read (logged and skipped).
    pub unreadable: usize,
    /// Gates stored for the first time.
    pub new_gates: usize,
    /// Open gates closed because Scenario shows them decided or ended.
    pub settled: usize,
    /// Cards posted.
    pub cards_posted: usize,
    /// Cards edited.
    pub cards_updated: usize,
    /// Reminders sent (route policies' `remind_after`).
    pub reminders: usize,
    /// Deadlines handled: the policy's decision sent, or the card marked overdue.
    pub deadlines: usize,
    /// Gates escalated (route policies' `escalate_to`).
    pub escalations: usize,
    /// Cards or runs that could not be handled this pass, with the reason; retried next pass.
    pub failures: Vec<String>,
}

impl PollReport {
    /// Adds what `other`, a part of the same pass, did.
    pub fn absorb(&mut self, other: PollReport) {
        self.cards_posted += other.cards_posted;
        self.cards_updated += other.cards_updated;
        self.reminders += other.reminders;
        self.deadlines += other.deadlines;
        self.escalations += other.escalations;
        self.settled += other.settled;
        self.failures.extend(other.failures);
    }
}

/// A request for an immediate pass, answered with its report (or why it failed).
pub type PollRequest = oneshot::Sender<Result<PollReport, String>>;

/// How polling has gone lately, for `/approvals status` and health checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollStatus {
    /// When the last pass succeeded, unix milliseconds.
    pub last_success_ms: Option<i64>,
    /// The last failures (newest last), with when they happened; at most [`KEPT_ERRORS`].
    pub recent_errors: Vec<(i64, String)>,
    /// Failed passes since the last success.
    pub failing_streak: u32,
    /// The wait between passes after the last success, and whether runs were in flight then.
    pub cadence: Option<(Duration, bool)>,
}

/// How many recent poll errors are kept.
pub const KEPT_ERRORS: usize = 5;

/// The handle on the watcher: its requests' queue and the status of its passes.
pub struct Polls {
    status: Mutex<PollStatus>,
    requests: mpsc::Sender<PollRequest>,
    metrics: Metrics,
    watching: AtomicBool,
}

impl Polls {
    /// A handle whose passes count into `metrics`; the watcher serves the returned receiver.
    pub fn new(metrics: Metrics) -> (Self, mpsc::Receiver<PollRequest>) {
        let (requests, receiver) = mpsc::channel(8);
        let watching = AtomicBool::new(false);
        (Self { status: Mutex::new(PollStatus::default()), requests, metrics, watching }, receiver)
    }

    /// Notes that this process runs the watcher (it holds the lease).
    pub fn watching(&self) {
        self.watching.store(true, Ordering::SeqCst);
    }

    /// Asks the watcher for a pass now and waits for its report. A replica standing by (another
    /// one holds the lease and polls) runs no watcher, and says so rather than wait.
    pub async fn now(&self) -> Result<PollReport, String> {
        if !self.watching.load(Ordering::SeqCst) {
            return Err(
                "this replica stands by while another one polls Scenario; its passes run every poll interval"
                    .to_owned(),
            );
        }
        let (reply, report) = oneshot::channel();
        self.requests.send(reply).await.map_err(|_| "the watcher is not running".to_owned())?;
        report.await.map_err(|_| "the watcher stopped".to_owned())?
    }

    /// Notes a successful pass; returns how many failed passes it ends.
    pub fn succeeded(&self) -> u32 {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        status.last_success_ms = Some(now_ms());
        self.metrics.poll(status.last_success_ms);
        std::mem::take(&mut status.failing_streak)
    }

    /// Notes a failed pass and why; returns how many passes in a row have failed.
    pub fn failed(&self, why: String) -> u32 {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        status.failing_streak += 1;
        self.metrics.poll(None);
        status.recent_errors.push((now_ms(), why));
        let excess = status.recent_errors.len().saturating_sub(KEPT_ERRORS);
        status.recent_errors.drain(..excess);
        status.failing_streak
    }

    /// Notes the wait before the next pass, `every`, and whether runs are in flight.
    pub fn cadence(&self, every: Duration, runs_in_flight: bool) {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        status.cadence = Some((every, runs_in_flight));
    }

    /// How polling has gone lately.
    pub fn status(&self) -> PollStatus {
        self.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}
