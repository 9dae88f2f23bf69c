//! The poll loop: finds parked gates, stores them, keeps their cards in line with Scenario.
//!
//! One pass ([`Watcher::try_poll_once`]) reads the workflow runs that [`feed`](crate::feed)
//! names: in steady state, the runs updated since the last change Scenario showed (one request
//! however many runs are parked); at start, every few minutes and as a fallback, a full sweep
//! of every non-terminal status. It looks only at runs that changed since it last saw them. A
//! changed run's gates are detected from the listed flow (the run is read on its own only when
//! the list left its flow out), new gates are stored before any card exists, and open gates that
//! Scenario shows as decided or ended are settled. After a sweep, runs with open gates that no
//! longer show in any non-terminal status are read once to learn how they ended. Last, every card
//! not yet posted or not up to date is written, and the review policies' reminders and deadlines
//! that fell due are carried out (`due`).

use std::{
    collections::{HashMap, HashSet},
    hash::{DefaultHasher, Hash, Hasher},
    sync::Arc,
    time::Duration,
};

use futures_util::{StreamExt, stream};
use serenity::all::ChannelId;
use time::OffsetDateTime;
use tokio::{sync::mpsc, task::JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, instrument, warn};

use crate::{
    approvals::{
        detect::{Flow, Gate},
        ids::{ApprovalId, AssetId, ClaimToken, JobId},
        review::ReviewSnapshot,
        settle::{Closure, Settlement, run_gone, settlement},
        state::ApprovalState,
    },
    cards::publish::{CardError, CardWriter, Synced, fetch_previews, sync_card_with},
    config::DEFAULT_FULL_SWEEP_SECS,
    decisions::{self, Resend},
    feed::{DeltaCheck, Feed, Pass, refuses_delta, sweep_queries},
    monotonic::{MonotonicClock, TokioClock},
    polls::{PollReport, PollRequest},
    scenario::{Class, Job, JobQuery, ScenarioClient, ScenarioError},
    store::{Approval, NewApproval, OpenGate, StoreError, now_ms},
};

mod cadence;
mod cards;
mod due;
mod orphans;
mod parts;
mod reruns;
mod runs;

pub use cadence::MAX_BACKOFF;
pub use parts::WatcherParts;

/// Cards of one channel whose previews are fetched at once (downloads are bounded across the
/// bridge by the previews themselves).
const FETCHING_AHEAD: usize = 8;

/// Why a pass could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// Listing the runs failed.
    #[error("listing workflow runs failed: {0}")]
    Scenario(#[from] ScenarioError),
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
}

/// Where the watcher reads the time, unix milliseconds, that reminders and deadlines are
/// measured in: the shared clock ([`now_ms`], the database's), which tests move forward. Its
/// cadence and sweeps keep to a [`MonotonicClock`], this process's own.
pub type WallClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The poller, with what it remembers between passes.
pub struct Watcher {
    parts: Arc<WatcherParts>,
    /// What each listed run looked like when it was last looked at in full.
    seen: HashMap<JobId, Seen>,
    /// Which runs the next pass reads.
    feed: Feed,
    /// What the cadence is waited on and sweeps are scheduled by.
    clock: Arc<dyn MonotonicClock>,
    wall_clock: WallClock,
    /// The routes' version when `seen` was filled: a run skipped for lack of a route is looked
    /// at again once routes change.
    routes_version: u64,
    /// Whether the routes (and so maybe a quorum) changed since the approvals counted on open
    /// gates were last compared with their policies.
    recount: bool,
    /// The failures of the last pass, so that a lasting one is logged once, not every pass.
    last_failures: Vec<String>,
    /// The claims no running decision holds that this process is finishing (each is logged once).
    orphans_seen: HashSet<ApprovalId>,
    /// The time between passes while no run is in flight; `None` polls at one cadence.
    idle_interval: Option<Duration>,
    /// Whom this pass's Scenario requests are for: polling, or a person who asked for the pass
    /// (`/approvals sync`) and waits for its report.
    pass_class: Class,
}

impl Watcher {
    /// A watcher with no memory: its first pass is a full sweep that looks at every run.
    pub fn new(parts: WatcherParts) -> Self {
        Self {
            parts: Arc::new(parts),
            seen: HashMap::new(),
            feed: Feed::new(Duration::from_secs(DEFAULT_FULL_SWEEP_SECS)),
            clock: Arc::new(TokioClock::default()),
            wall_clock: Arc::new(now_ms),
            routes_version: 0,
            recount: true,
            last_failures: Vec::new(),
            orphans_seen: HashSet::new(),
            idle_interval: None,
            pass_class: Class::Polling,
        }
    }

    /// Polls every `idle` instead of the interval while no run is in flight
    /// (`POLL_IDLE_INTERVAL_SECS`).
    pub fn with_idle_interval(mut self, idle: Duration) -> Self {
        self.idle_interval = Some(idle);
        self
    }

    /// Sweeps every non-terminal run every `every` (`FULL_SWEEP_SECS`), besides the start.
    pub fn with_full_sweep(mut self, every: Duration) -> Self {
        self.feed = Feed::new(every);
        self
    }

    /// Waits its cadence and schedules sweeps on `clock` instead of tokio's.
    pub fn with_clock(mut self, clock: Arc<dyn MonotonicClock>) -> Self {
        self.clock = clock;
        self
    }

    /// Reads the time of reminders and deadlines from `clock` instead of the shared clock.
    pub fn with_wall_clock(mut self, clock: WallClock) -> Self {
        self.wall_clock = clock;
        self
    }

    /// One pass; see the module documentation.
    #[instrument(skip_all, name = "poll")]
    pub async fn try_poll_once(&mut self) -> Result<PollReport, PollError> {
        // Read before any route is looked up: a change during this pass shows in the next one.
        self.parts.routes.refresh().await?;
        let routes_version = self.parts.routes.version();
        if routes_version != self.routes_version {
            self.seen.clear();
            self.routes_version = routes_version;
            self.feed.request_sweep();
            self.recount = true;
        }
        let mut report = PollReport::default();
        let started = self.clock.now();
        match self.feed.next_pass(started) {
            Pass::Delta { after } => match self.read_delta(after, &mut report).await {
                Ok(newest) => self.feed.advanced(started, newest),
                Err(DeltaFailure::Untrusted(why)) => {
                    if self.feed.fall_back(why.clone()) {
                        warn!(reason = %why, "the delta feed of Scenario cannot be trusted; every pass is a full sweep from now on");
                    }
                    self.sweep(started, &mut report).await?;
                }
                Err(DeltaFailure::Failed(err)) => return Err(err),
            },
            Pass::Sweep(reason) => {
                debug!(?reason, "full sweep");
                self.sweep(started, &mut report).await?;
            }
        }
        self.finish_orphaned_claims().await?;
        self.finish_reruns().await?;
        // Reminders and deadlines run beside the cards, not after them: a card waiting for a
        // slow image does not hold them back. A reminder of a card not posted yet waits for the
        // next pass.
        let mut due_report = PollReport::default();
        let (cards, due) = tokio::join!(
            self.sync_cards(&mut report),
            due::run(&self.parts, (self.wall_clock)(), self.recount, &mut due_report),
        );
        cards?;
        due?;
        report.absorb(due_report);
        self.recount = false;
        Ok(report)
    }

    /// Reads the runs updated after `after`; returns the newest `updatedAt` listed.
    async fn read_delta(
        &mut self,
        after: OffsetDateTime,
        report: &mut PollReport,
    ) -> Result<Option<OffsetDateTime>, DeltaFailure> {
        // Read only once some run changed: a quiet pass then costs no work per open gate.
        let mut open_by_job = None;
        let scenario = self.scenario();
        let query = JobQuery::workflow_runs_updated_after(after);
        let mut pages = scenario.job_pages(&query);
        let mut check = DeltaCheck::new(after);
        loop {
            let page = match pages.next().await {
                Ok(Some(page)) => page,
                Ok(None) => break,
                Err(err) if refuses_delta(&err) => return Err(DeltaFailure::Untrusted(err.to_string())),
                Err(err) => return Err(DeltaFailure::Failed(err.into())),
            };
            report.runs += page.jobs.len();
            report.unreadable += page.unreadable.len();
            for job in page.jobs {
                check.next(job.updated_at).map_err(|why| {
                    DeltaFailure::Untrusted(format!("its listing of changed runs is inconsistent: {why}"))
                })?;
                if self.seen.get(&job.job_id) == Some(&Seen::of(&job)) {
                    continue;
                }
                let open = match &mut open_by_job {
                    Some(open) => open,
                    None => open_by_job.insert(self.open_gates_by_job().await?),
                };
                self.look_at(job, open, report).await;
            }
        }
        // Ended runs can come back only while they are inside the overlap of the next query.
        self.seen.retain(|_, seen| !seen.ended || seen.updated_at.is_some_and(|at| at >= after));
        Ok(check.newest())
    }

    /// Reads every run in a non-terminal status, then learns how the runs with open gates that
    /// none of them listed ended.
    async fn sweep(&mut self, started: Duration, report: &mut PollReport) -> Result<(), PollError> {
        let mut open_by_job = self.open_gates_by_job().await?;
        let scenario = self.scenario();
        let mut listed: HashSet<JobId> = HashSet::new();
        let mut newest = None;
        for query in sweep_queries(&self.feed.sweep_statuses()) {
            // Page by page: each page's runs are handled before the next is fetched, so memory
            // holds one page of runs, not the whole listing.
            let mut pages = scenario.job_pages(&query);
            while let Some(page) = pages.next().await? {
                report.runs += page.jobs.len();
                report.unreadable += page.unreadable.len();
                for job in page.jobs {
                    newest = newest.max(job.updated_at);
                    listed.insert(job.job_id.clone());
                    self.look_at(job, &mut open_by_job, report).await;
                }
            }
        }
        // Only a complete sweep tells which runs left the non-terminal statuses.
        self.seen.retain(|job_id, _| listed.contains(job_id));
        for (job_id, open) in open_by_job {
            if let Err(err) = self.reconcile_ended(&job_id, &open, report).await {
                report.failures.push(format!("run {job_id}: {err}"));
            }
        }
        self.feed.swept(started, newest);
        Ok(())
    }

    /// The Scenario client, spending the budget as this pass's class.
    fn scenario(&self) -> ScenarioClient {
        self.parts.scenario.with_class(self.pass_class)
    }

    /// The open gates, by run.
    async fn open_gates_by_job(&self) -> Result<HashMap<JobId, Vec<OpenGate>>, StoreError> {
        let mut open_by_job: HashMap<JobId, Vec<OpenGate>> = HashMap::new();
        for gate in self.parts.store.open_gates().await? {
            open_by_job.entry(gate.job_id.clone()).or_default().push(gate);
        }
        Ok(open_by_job)
    }

    /// Inspects a listed run unless it is as it was when last inspected.
    async fn look_at(
        &mut self,
        job: Job,
        open_by_job: &mut HashMap<JobId, Vec<OpenGate>>,
        report: &mut PollReport,
    ) {
        if self.feed.saw_status(&job.status) {
            info!(status = %job.status, job_id = %job.job_id, "Scenario shows a job status this build does not know; full sweeps list it from now on");
        }
        let open = open_by_job.remove(&job.job_id).unwrap_or_default();
        let seen = Seen::of(&job);
        if self.seen.get(&job.job_id) == Some(&seen) {
            return;
        }
        report.runs_inspected += 1;
        let job_id = job.job_id.clone();
        match self.inspect(job, &open, report).await {
            Ok(()) => _ = self.seen.insert(job_id, seen),
            Err(err) => report.failures.push(format!("run {job_id}: {err}")),
        }
    }
}

/// Why a delta pass could not be completed.
enum DeltaFailure {
    /// Scenario refused the query or answered inconsistently: sweep instead, from now on.
    Untrusted(String),
    /// The pass failed as a sweep would have (Scenario unwell, the database).
    Failed(PollError),
}

impl From<StoreError> for DeltaFailure {
    fn from(err: StoreError) -> Self {
        Self::Failed(err.into())
    }
}

/// What a run looked like when it was last inspected. `updatedAt` alone is not enough: two
/// changes in the same millisecond carry the same stamp, so the run's status and its nodes'
/// statuses are compared too (as a hash, to keep one entry small).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    updated_at: Option<OffsetDateTime>,
    fingerprint: u64,
    ended: bool,
    /// Neither ended nor parked at a gate: it may park at any moment.
    in_flight: bool,
}

impl Seen {
    fn of(job: &Job) -> Self {
        let mut hasher = DefaultHasher::new();
        job.status.hash(&mut hasher);
        for node in &job.metadata.flow {
            (&node.id, &node.status, node.assets.len()).hash(&mut hasher);
        }
        let ended = job.status.is_terminal();
        let in_flight = !ended && Flow::new(job).gates_awaiting().is_empty();
        Self { updated_at: job.updated_at, fingerprint: hasher.finish(), ended, in_flight }
    }
}
