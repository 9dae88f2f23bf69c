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
    time::{Duration, Instant},
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
        ids::{ApprovalId, AssetId, JobId},
        review::ReviewSnapshot,
        settle::{Closure, Settlement, run_gone, settlement},
        state::ApprovalState,
    },
    config::DEFAULT_FULL_SWEEP_SECS,
    decisions::{self, Resend},
    discord::publish::{CardError, CardWriter, Synced, fetch_previews, sync_card_with},
    feed::{DeltaCheck, Feed, Pass, refuses_delta, sweep_queries},
    polls::{PollReport, PollRequest},
    scenario::{Job, JobQuery, ScenarioError},
    store::{Approval, NewApproval, OpenGate, StoreError, now_ms},
};

mod due;
mod parts;

pub use parts::WatcherParts;

/// Cards of one channel whose previews are fetched at once (downloads are bounded across the
/// bridge by the previews themselves).
const FETCHING_AHEAD: usize = 8;

/// The longest wait between two polls while they keep failing.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

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

/// Where the watcher reads the time that schedules full sweeps (tests move it by hand).
pub type Clock = Arc<dyn Fn() -> Instant + Send + Sync>;

/// Where the watcher reads the time, unix milliseconds, that reminders and deadlines are
/// measured in: the shared clock ([`now_ms`], the database's), which tests move forward. Sweeps
/// keep to [`Clock`], this process's own.
pub type WallClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The poller, with what it remembers between passes.
pub struct Watcher {
    parts: Arc<WatcherParts>,
    /// What each listed run looked like when it was last looked at in full.
    seen: HashMap<JobId, Seen>,
    /// Which runs the next pass reads.
    feed: Feed,
    clock: Clock,
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
}

impl Watcher {
    /// A watcher with no memory: its first pass is a full sweep that looks at every run.
    pub fn new(parts: WatcherParts) -> Self {
        Self {
            parts: Arc::new(parts),
            seen: HashMap::new(),
            feed: Feed::new(Duration::from_secs(DEFAULT_FULL_SWEEP_SECS)),
            clock: Arc::new(Instant::now),
            wall_clock: Arc::new(now_ms),
            routes_version: 0,
            recount: true,
            last_failures: Vec::new(),
            orphans_seen: HashSet::new(),
            idle_interval: None,
        }
    }

    /// Polls every `idle` instead of the interval while no run is in flight
    /// (`POLL_IDLE_INTERVAL_SECS`).
    pub fn with_idle_interval(mut self, idle: Duration) -> Self {
        self.idle_interval = Some(idle);
        self
    }

    /// Whether a run was last seen moving on its own: not ended and not parked at a gate. Only
    /// such a run can park at a new gate without first showing up as changed, so only then is
    /// the in-flight cadence worth its requests.
    pub fn runs_in_flight(&self) -> bool {
        self.seen.values().any(|seen| seen.in_flight)
    }

    /// The wait before the next pass after a successful one: the interval while runs are in
    /// flight, the idle interval otherwise. A run seen in flight for the first time brings the
    /// interval back at the end of the pass that saw it.
    pub fn cadence(&self, interval: Duration) -> Duration {
        match self.idle_interval {
            Some(idle) if !self.runs_in_flight() => idle.max(interval),
            _ => interval,
        }
    }

    /// Sweeps every non-terminal run every `every` (`FULL_SWEEP_SECS`), besides the start.
    pub fn with_full_sweep(mut self, every: Duration) -> Self {
        self.feed = Feed::new(every);
        self
    }

    /// Reads the time from `clock` instead of the system's monotonic clock.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Reads the time of reminders and deadlines from `clock` instead of the shared clock.
    pub fn with_wall_clock(mut self, clock: WallClock) -> Self {
        self.wall_clock = clock;
        self
    }

    /// Polls until `shutdown` is cancelled: every `interval` while passes succeed, backing off
    /// (doubling, up to [`MAX_BACKOFF`]) while they fail, logging a failure once per streak.
    /// A request on `requests` runs a pass at once and gets its report. A pass in progress is
    /// dropped at shutdown: every step of it is written so that a stop anywhere is a crash the
    /// next start recovers from, so nothing waits for it.
    pub async fn run(
        mut self,
        interval: Duration,
        mut requests: mpsc::Receiver<PollRequest>,
        shutdown: CancellationToken,
    ) {
        let mut reply: Option<PollRequest> = None;
        self.parts.polls.watching();
        while !shutdown.is_cancelled() {
            let outcome = tokio::select! {
                outcome = self.try_poll_once() => outcome,
                () = shutdown.cancelled() => break,
            };
            let delay = match &outcome {
                Ok(report) => {
                    let ended = self.parts.polls.succeeded();
                    if ended > 0 {
                        info!(failed_polls = ended, "polling Scenario works again");
                    }
                    debug!(?report, "poll done");
                    // Per-run failures (a full disk, a card Discord refused) do not fail the
                    // pass; they are logged when they change, like a failing pass once a streak.
                    if report.failures != self.last_failures {
                        if report.failures.is_empty() {
                            info!("the parts of the poll that failed work again");
                        } else {
                            warn!(failures = ?report.failures, "part of the poll failed; retried every pass");
                        }
                        self.last_failures.clone_from(&report.failures);
                    }
                    let every = self.cadence(interval);
                    self.parts.polls.cadence(every, self.runs_in_flight());
                    every
                }
                Err(err) => {
                    let failures = self.parts.polls.failed(err.to_string());
                    if failures == 1 {
                        warn!(error = %err, "poll failed; retrying with backoff, logged again once it recovers");
                    }
                    backoff(interval, failures)
                }
            };
            if let Some(reply) = reply.take() {
                let _ = reply.send(outcome.map_err(|err| err.to_string()));
            }
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                request = requests.recv() => reply = request,
                () = shutdown.cancelled() => {}
            }
        }
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
        let started = (self.clock)();
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
        let parts = self.parts.clone();
        let query = JobQuery::workflow_runs_updated_after(after);
        let mut pages = parts.scenario.job_pages(&query);
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
    async fn sweep(&mut self, started: Instant, report: &mut PollReport) -> Result<(), PollError> {
        let mut open_by_job = self.open_gates_by_job().await?;
        let parts = self.parts.clone();
        let mut listed: HashSet<JobId> = HashSet::new();
        let mut newest = None;
        for query in sweep_queries(&self.feed.sweep_statuses()) {
            // Page by page: each page's runs are handled before the next is fetched, so memory
            // holds one page of runs, not the whole listing.
            let mut pages = parts.scenario.job_pages(&query);
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

    /// Finishes the decisions whose claim no running decision holds: those a stop interrupted
    /// (the first pass after a start finds them) and those left waiting for Scenario to answer.
    /// A failing pass is retried with backoff, so a long outage is retried as long as it lasts.
    /// A claim whose PUT went out is sent again only a request timeout after that PUT was
    /// recorded as sent (on the shared clock, whichever replica sent it), so a PUT still in
    /// flight lands first.
    async fn finish_orphaned_claims(&mut self) -> Result<(), StoreError> {
        let parts = self.parts.clone();
        let deciding = parts.store.deciding_approvals().await?;
        self.orphans_seen.retain(|id| deciding.iter().any(|a| a.id == *id));
        let timeout = i64::try_from(parts.scenario.request_timeout().as_millis()).unwrap_or(i64::MAX);
        for claimed in deciding {
            if !self.is_orphan(&claimed).await? {
                self.orphans_seen.remove(&claimed.id);
                continue;
            }
            if self.orphans_seen.insert(claimed.id) {
                info!(approval_id = claimed.id.get(), job_id = %claimed.job_id, node_id = %claimed.node_id, "finishing a recorded decision");
            }
            let in_flight = claimed.decision_sent_at.is_some_and(|at| now_ms().saturating_sub(at) < timeout);
            let resend = if in_flight { Resend::NotYet } else { Resend::Allowed };
            let (store, scenario, claims) = (&parts.store, &parts.scenario, &parts.claims);
            let resumed = decisions::resume(store, scenario, claims, &claimed, resend).await?;
            if let Some(outcome) = resumed {
                parts.metrics.decision(outcome.label(), outcome.gate_wait_ms());
            }
        }
        Ok(())
    }

    /// Whether no running decision holds the claim of `claimed`: not one of this process, nor
    /// (for a token another replica made) one of a replica that still runs.
    async fn is_orphan(&self, claimed: &Approval) -> Result<bool, StoreError> {
        let Some(token) = &claimed.claim_token else { return Ok(true) };
        let claims = &self.parts.claims;
        if claims.is_held(token) {
            return Ok(false);
        }
        match decisions::owner_of(token) {
            Some(owner) if owner != claims.owner() => {
                Ok(!crate::lease::replica_runs(&self.parts.store, owner).await?)
            }
            _ => Ok(true),
        }
    }

    /// Stores the new gates of a changed run and settles its open gates that are closed.
    async fn inspect(&self, job: Job, open: &[OpenGate], report: &mut PollReport) -> Result<(), PollError> {
        // The list may leave a run's flow out: then read the run itself.
        let job =
            if job.metadata.flow.is_empty() { self.parts.scenario.get_job(&job.job_id).await? } else { job };
        for gate in Flow::new(&job).gates_awaiting() {
            if open.iter().any(|a| a.node_id == gate.node_id) {
                continue;
            }
            if self.record(&job, &gate).await? {
                report.new_gates += 1;
            }
        }
        report.settled += self.settle_closed(&job, open).await?;
        Ok(())
    }

    /// Stores a gate seen for the first time, if its workflow is routed somewhere.
    async fn record(&self, job: &Job, gate: &Gate) -> Result<bool, PollError> {
        let Some(route) = self.parts.routes.route_for(&gate.workflow_id) else {
            debug!(workflow_id = %gate.workflow_id, "gate of a workflow with no route; not posted");
            return Ok(false);
        };
        if self.parts.store.approval_by_gate(&gate.job_id, &gate.node_id).await?.is_some() {
            return Ok(false);
        }
        let scenario = &self.parts.scenario;
        let workflow_name = match scenario.workflow_name(&gate.workflow_id).await {
            Ok(name) if !name.is_empty() => name,
            Ok(_) => gate.workflow_id.to_string(),
            Err(err) => {
                warn!(job_id = %gate.job_id, node_id = %gate.node_id, workflow_id = %gate.workflow_id, error = %err, "workflow name unavailable; showing its id");
                gate.workflow_id.to_string()
            }
        };
        let ids: Vec<AssetId> = gate.assets.iter().map(|a| a.asset_id.clone()).collect();
        let fresh = if ids.is_empty() { Ok(Vec::new()) } else { scenario.assets(&ids).await };
        let fresh = fresh.unwrap_or_else(|err| {
            warn!(job_id = %gate.job_id, node_id = %gate.node_id, error = %err, "fresh asset URLs unavailable; using the run's");
            Vec::new()
        });
        let started = job.created_at.map(OffsetDateTime::unix_timestamp);
        let snapshot = ReviewSnapshot::new(gate, workflow_name, started, &fresh);
        let new = NewApproval {
            workflow_id: gate.workflow_id.clone(),
            job_id: gate.job_id.clone(),
            node_id: gate.node_id.clone(),
            snapshot,
            channel_id: route.channel_id,
        };
        let stored = self.parts.store.insert_approval(&new).await?;
        if let Some(approval) = &stored {
            self.parts.metrics.gate_found();
            // The job status is logged because which one Scenario shows for a parked run is not
            // documented: operators learn it here.
            info!(approval_id = approval.id.get(), job_id = %gate.job_id, node_id = %gate.node_id, status = %gate.node_status, job_status = %job.status, "gate found");
        }
        Ok(stored.is_some())
    }

    /// Settles the pending gates of `job` that Scenario shows as decided or ended. Gates being
    /// decided are left to their decision, which reads the run itself.
    async fn settle_closed(&self, job: &Job, open: &[OpenGate]) -> Result<usize, StoreError> {
        let (flow, mut settled) = (Flow::new(job), 0);
        for approval in open.iter().filter(|a| a.state == ApprovalState::Pending) {
            let Settlement::Closed(Closure { to, what }) =
                settlement(&flow.gate_state(&approval.node_id), None)
            else {
                continue;
            };
            if self.parts.store.settle(approval.id, approval.state, to, &what).await? {
                info!(approval_id = approval.id.get(), job_id = %approval.job_id, node_id = %approval.node_id, state = %to, what, "gate closed outside the bridge");
                settled += 1;
            }
        }
        Ok(settled)
    }

    /// Open gates of a run no sweep listed: read it once to learn how it ended.
    async fn reconcile_ended(
        &self,
        job_id: &JobId,
        open: &[OpenGate],
        report: &mut PollReport,
    ) -> Result<(), PollError> {
        match self.parts.scenario.get_job(job_id).await {
            Ok(job) => report.settled += self.settle_closed(&job, open).await?,
            Err(ScenarioError::NotFound { .. }) => {
                let Closure { to, what } = run_gone();
                for approval in open.iter().filter(|a| a.state == ApprovalState::Pending) {
                    let settled = self.parts.store.settle(approval.id, approval.state, to, &what);
                    report.settled += usize::from(settled.await?);
                }
            }
            Err(err) => return Err(err.into()),
        }
        Ok(())
    }

    /// Posts the cards not yet posted and edits those that do not show their state: one task per
    /// channel, in row order within a channel, so a channel waiting out Discord's per-channel
    /// rate limit does not hold back the cards of the others.
    async fn sync_cards(&self, report: &mut PollReport) -> Result<(), StoreError> {
        let mut by_channel: HashMap<ChannelId, Vec<Approval>> = HashMap::new();
        for approval in self.parts.store.cards_to_sync().await? {
            by_channel.entry(approval.channel_id).or_default().push(approval);
        }
        let mut channels = JoinSet::new();
        for cards in by_channel.into_values() {
            channels.spawn(sync_channel(self.parts.cards.clone(), cards));
        }
        let mut store_error = None;
        while let Some(done) = channels.join_next().await {
            match done {
                Ok(Ok(channel)) => report.absorb(channel),
                Ok(Err(err)) => store_error = Some(err),
                Err(panicked) => report.failures.push(format!("card sync task: {panicked}")),
            }
        }
        store_error.map_or(Ok(()), Err)
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

/// Brings the cards of one channel up to date; stops at a database error, and at a card Discord
/// refuses for want of a permission in the channel.
///
/// The previews of several cards are fetched at once, and each card is written as soon as its
/// previews are ready, one write at a time: a card whose image is slow is written when its time
/// budget ends and does not hold back the cards after it (which then come before it).
async fn sync_channel(writer: Arc<CardWriter>, cards: Vec<Approval>) -> Result<PollReport, StoreError> {
    let (ready, mut fetched) = mpsc::channel(FETCHING_AHEAD);
    let fetcher = writer.clone();
    let fetching = async move {
        let mut cards = stream::iter(cards)
            .map(|approval| {
                let fetcher = &fetcher;
                async move { (fetch_previews(fetcher, &approval).await, approval) }
            })
            .buffer_unordered(FETCHING_AHEAD);
        while let Some(card) = cards.next().await {
            // Fails only once the writing below stopped (a database error, a missing permission).
            if ready.send(card).await.is_err() {
                break;
            }
        }
    };
    let writing = async move {
        let mut report = PollReport::default();
        while let Some((previews, approval)) = fetched.recv().await {
            match sync_card_with(&writer, &approval, previews).await {
                Ok(Synced::Posted) => report.cards_posted += 1,
                Ok(Synced::Updated) => report.cards_updated += 1,
                Ok(Synced::Deleted | Synced::Unchanged) => {}
                Err(CardError::Store(err)) => return Err(err),
                // Every card of the channel would be refused the same: they wait for the next
                // pass, named once (the failures are logged when they change, not every pass).
                Err(CardError::NoPermission { line, .. }) => {
                    report.failures.push(format!("cards wait: {line}"));
                    break;
                }
                Err(err) => report.failures.push(format!("card of approval {}: {err}", approval.id)),
            }
        }
        Ok(report)
    };
    tokio::join!(fetching, writing).1
}

/// The wait after `failures` failed passes in a row: the interval doubled per failure, capped.
fn backoff(interval: Duration, failures: u32) -> Duration {
    interval.saturating_mul(1 << failures.min(16)).min(MAX_BACKOFF).max(interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_failure_up_to_the_cap() {
        let interval = Duration::from_secs(15);
        assert_eq!(backoff(interval, 1), Duration::from_secs(30));
        assert_eq!(backoff(interval, 2), Duration::from_secs(60));
        assert_eq!(backoff(interval, 10), MAX_BACKOFF);
        assert_eq!(
            backoff(Duration::from_secs(600), 3),
            Duration::from_secs(600),
            "never below the interval"
        );
    }
}
