//! Which workflow runs a watcher pass reads: the delta feed, or a full sweep.
//!
//! A **delta pass** lists the workflow runs of any status updated after a cursor
//! (`types=workflow&updatedAfter=…`). The cursor is the newest `updatedAt` Scenario has shown,
//! never the local clock. For [`DELTA_OVERLAP`] after the cursor moved, each query reaches that
//! far back, so that a run stamped with the cursor's own millisecond, or whose write became
//! visible a little after its stamp, is not lost; once the cursor has stood still that long,
//! anything stamped before it is visible and the query starts at the cursor itself. (The local
//! clock only measures how long the cursor stood still; a burst of changes is thus read again
//! for a few passes, not forever.)
//! Runs that ended or whose gate was decided elsewhere arrive in the same feed, since it has no
//! status filter. In steady state a pass is one request, however many runs are parked.
//!
//! A **full sweep** lists every run in each non-terminal status (`status` takes one value):
//! it runs at start, every [`Feed::every`], after the routes change, and as the only kind of pass
//! once the delta feed cannot be trusted. A status Scenario shows that this build does not know
//! is learnt from the feed and swept from then on.
//!
//! Everything here is pure: the watcher asks [`Feed::next_pass`], reads what it says, and reports
//! back; time comes in as an argument, read on the watcher's [monotonic clock](crate::monotonic).

use std::{cmp::Ordering, collections::BTreeSet, time::Duration};

use time::OffsetDateTime;

use crate::scenario::{JobQuery, JobStatus, ScenarioError};

/// How far before the cursor a delta query starts while the cursor is fresh, and how long it
/// stays fresh. A run updated in the cursor's own millisecond after the last read, or one whose
/// stamp was taken before a slow write committed, is listed again within this window; runs seen
/// unchanged are skipped by the watcher.
pub const DELTA_OVERLAP: time::Duration = time::Duration::seconds(10);

/// The non-terminal statuses, in the order a run goes through them. A sweep lists them in this
/// order, so a run moving on while the sweep runs is met again in a later listing.
pub const NON_TERMINAL: [JobStatus; 5] = [
    JobStatus::Pending,
    JobStatus::Queued,
    JobStatus::WarmingUp,
    JobStatus::InProgress,
    JobStatus::Finalizing,
];

/// What the next pass reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    /// Every run in each of these statuses.
    Sweep(SweepReason),
    /// The runs updated after this instant (the cursor minus the overlap).
    Delta {
        /// The `updatedAfter` to send.
        after: OffsetDateTime,
    },
}

/// Why a pass is a full sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepReason {
    /// The first pass of the process.
    Start,
    /// [`Feed::every`] has passed since the last sweep.
    Due,
    /// The routes changed: runs skipped for lack of a route are looked at again.
    RoutesChanged,
    /// Scenario has shown no run yet, so there is no cursor to start a delta from.
    NoCursor,
    /// The delta feed was refused or inconsistent; every pass is a sweep.
    Fallback,
}

/// What a watcher remembers about the feed between passes.
#[derive(Debug, Clone)]
pub struct Feed {
    every: Duration,
    last_sweep: Option<Duration>,
    sweep_requested: bool,
    cursor: Option<OffsetDateTime>,
    /// When the cursor last moved (local, monotonic): only to close the overlap.
    cursor_moved: Option<Duration>,
    fallback: Option<String>,
    learnt: BTreeSet<String>,
}

impl Feed {
    /// A feed whose first pass is a sweep, and then one every `every`.
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            last_sweep: None,
            sweep_requested: false,
            cursor: None,
            cursor_moved: None,
            fallback: None,
            learnt: BTreeSet::new(),
        }
    }

    /// The time between two full sweeps.
    pub fn every(&self) -> Duration {
        self.every
    }

    /// What the pass starting at `now` should read.
    pub fn next_pass(&self, now: Duration) -> Pass {
        let reason = match (self.last_sweep, self.cursor) {
            _ if self.fallback.is_some() => SweepReason::Fallback,
            (None, _) => SweepReason::Start,
            _ if self.sweep_requested => SweepReason::RoutesChanged,
            (Some(last), _) if now.saturating_sub(last) >= self.every => SweepReason::Due,
            (Some(_), None) => SweepReason::NoCursor,
            (Some(_), Some(cursor)) => {
                let settled = self
                    .cursor_moved
                    .is_some_and(|moved| now.saturating_sub(moved) >= DELTA_OVERLAP.unsigned_abs());
                let after = if settled { cursor } else { cursor - DELTA_OVERLAP };
                return Pass::Delta { after };
            }
        };
        Pass::Sweep(reason)
    }

    /// The statuses a sweep lists: the known non-terminal ones, then those learnt from the feed.
    pub fn sweep_statuses(&self) -> Vec<JobStatus> {
        let learnt = self.learnt.iter().map(|s| JobStatus::Unknown(s.clone()));
        NON_TERMINAL.iter().cloned().chain(learnt).collect()
    }

    /// Notes the status of a listed run: a non-terminal one this build does not know is swept
    /// from now on. Returns whether it was new.
    pub fn saw_status(&mut self, status: &JobStatus) -> bool {
        match status {
            JobStatus::Unknown(raw) if !status.is_terminal() => self.learnt.insert(raw.clone()),
            _ => false,
        }
    }

    /// Asks for a sweep at the next pass (the routes changed).
    pub fn request_sweep(&mut self) {
        self.sweep_requested = true;
    }

    /// A sweep started at `at` has been read; `newest` is the newest `updatedAt` it listed. The
    /// cursor starts there when there was none; otherwise it stays where the feed left it, so
    /// the delta passes go on from the last change they read.
    pub fn swept(&mut self, at: Duration, newest: Option<OffsetDateTime>) {
        self.last_sweep = Some(at);
        self.sweep_requested = false;
        if self.cursor.is_none() {
            self.advanced(at, newest);
        }
    }

    /// A delta pass started at `at` has been read; `newest` is the newest `updatedAt` it listed.
    pub fn advanced(&mut self, at: Duration, newest: Option<OffsetDateTime>) {
        if newest > self.cursor {
            self.cursor = newest;
            self.cursor_moved = Some(at);
        }
    }

    /// Stops using the delta feed, for `why`. Returns whether this is the first time, so that
    /// the change is logged once.
    pub fn fall_back(&mut self, why: String) -> bool {
        let first = self.fallback.is_none();
        self.fallback.get_or_insert(why);
        first
    }

    /// Why the delta feed is no longer used, if it is not.
    pub fn fallback(&self) -> Option<&str> {
        self.fallback.as_deref()
    }

    /// The newest `updatedAt` read so far.
    pub fn cursor(&self) -> Option<OffsetDateTime> {
        self.cursor
    }
}

/// The queries of a full sweep over `statuses`.
pub fn sweep_queries(statuses: &[JobStatus]) -> Vec<JobQuery> {
    statuses.iter().map(|status| JobQuery::workflow_runs().with_status(status.clone())).collect()
}

/// Whether an error answering a delta query means Scenario does not take the query (400 or
/// 422: an unknown or badly combined parameter), rather than that it is unwell or the
/// credentials are wrong, which fail the pass as they would fail a sweep.
pub fn refuses_delta(err: &ScenarioError) -> bool {
    matches!(err, ScenarioError::Rejected { status: 400 | 422, .. })
}

/// Checks, run by run, that a delta listing is what the API documents: every run has an
/// `updatedAt`, none is older than the `updatedAfter` sent, and they come sorted by it (in
/// one direction). A listing that breaks one of these cannot be followed with a cursor.
#[derive(Debug, Clone)]
pub struct DeltaCheck {
    after: OffsetDateTime,
    previous: Option<OffsetDateTime>,
    direction: Option<Ordering>,
    newest: Option<OffsetDateTime>,
}

impl DeltaCheck {
    /// A check of the listing asked with `updatedAfter = after`.
    pub fn new(after: OffsetDateTime) -> Self {
        Self { after, previous: None, direction: None, newest: None }
    }

    /// Checks the next run of the listing; `Err` says what is inconsistent.
    pub fn next(&mut self, updated_at: Option<OffsetDateTime>) -> Result<(), String> {
        let Some(at) = updated_at else {
            return Err("a run without updatedAt".into());
        };
        if at < self.after {
            return Err(format!("a run updated at {at}, before the updatedAfter asked ({})", self.after));
        }
        if let Some(previous) = self.previous {
            let step = at.cmp(&previous);
            match self.direction {
                _ if step == Ordering::Equal => {}
                None => self.direction = Some(step),
                Some(direction) if direction != step => {
                    return Err("runs not sorted by update date".into());
                }
                Some(_) => {}
            }
        }
        self.previous = Some(at);
        self.newest = self.newest.max(Some(at));
        Ok(())
    }

    /// The newest `updatedAt` checked.
    pub fn newest(&self) -> Option<OffsetDateTime> {
        self.newest
    }
}

#[cfg(test)]
mod tests;
