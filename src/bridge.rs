//! What the watcher and the interaction handlers share: the store, the two API clients, the
//! routing rules, and the shutdown state.
//!
//! Routes (the `watches` table) are read on every gate and every click, and change only through
//! `/approvals watch` and `unwatch`: the bridge keeps them in memory, loaded at start and reloaded
//! after each change, and counts changes in a version the watcher compares between passes. On a
//! database several replicas share, a change made by another replica is seen through the route
//! audit: each click and each pass compares its newest row with the one last loaded.

use std::{
    collections::HashMap,
    num::NonZeroU64,
    sync::{
        Arc, Mutex, PoisonError, RwLock,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
};

use serenity::{all::Permissions, http::Http};
use tokio::sync::{mpsc, oneshot};
use tokio_util::{
    sync::CancellationToken,
    task::{TaskTracker, task_tracker::TaskTrackerToken},
};

use crate::{
    approvals::ids::WorkflowId,
    config::DiscordSettings,
    decisions::LiveClaims,
    discord::{home::HomeServer, publish::CardTurns},
    ops::Metrics,
    previews::Previews,
    scenario::{ScenarioClient, WorkflowCatalog},
    store::{NewWatch, Reviewer, Store, StoreError, Watch, now_ms},
    watcher::PollReport,
};

/// Where the gates of one workflow go, and who decides them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The channel of the cards.
    pub channel_id: u64,
    /// The roles whose members may decide; empty means members with Manage Server.
    pub reviewer_roles: Vec<u64>,
}

/// The shared state of one running bridge.
pub struct Bridge {
    /// The database.
    pub store: Store,
    /// The Scenario API.
    pub scenario: ScenarioClient,
    /// Discord's REST API.
    pub discord: Arc<Http>,
    /// The team's workflows, cached for autocomplete.
    pub workflows: WorkflowCatalog,
    /// The bridge's metrics: the Scenario client's registry, so one registry holds everything.
    pub metrics: Metrics,
    /// The one server the bridge serves.
    pub home: HomeServer,
    /// The claims of the decisions running in this process.
    pub claims: LiveClaims,
    /// Whose turn it is to write each card.
    pub card_turns: CardTurns,
    /// Makes the previews attached to cards.
    pub previews: Previews,
    default_channel: Option<u64>,
    default_reviewer_roles: Vec<u64>,
    routes: RwLock<HashMap<WorkflowId, Watch>>,
    routes_version: AtomicU64,
    routes_loaded: AtomicI64,
    route_writes: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
    in_flight: TaskTracker,
    polls: Mutex<PollStatus>,
    poll_requests: mpsc::Sender<PollRequest>,
    watching: AtomicBool,
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
}

/// How many recent poll errors are kept.
pub const KEPT_ERRORS: usize = 5;

impl Bridge {
    /// Assembles the shared state for the server `home`; the watcher serves the returned
    /// receiver's poll requests.
    pub fn new(
        store: Store,
        scenario: ScenarioClient,
        discord: Arc<Http>,
        settings: &DiscordSettings,
        home: HomeServer,
    ) -> (Self, mpsc::Receiver<PollRequest>) {
        let (poll_requests, requests) = mpsc::channel(8);
        let bridge = Self {
            store,
            metrics: scenario.metrics().clone(),
            scenario,
            discord,
            workflows: WorkflowCatalog::default(),
            home,
            claims: LiveClaims::default(),
            card_turns: CardTurns::default(),
            previews: Previews::new(settings.card_upload_budget),
            default_channel: settings.approval_channel_id.map(NonZeroU64::get),
            default_reviewer_roles: settings.reviewer_role_ids.iter().map(|r| r.get()).collect(),
            routes: RwLock::new(HashMap::new()),
            routes_version: AtomicU64::new(0),
            routes_loaded: AtomicI64::new(-1),
            route_writes: tokio::sync::Mutex::new(()),
            shutdown: CancellationToken::new(),
            in_flight: TaskTracker::new(),
            polls: Mutex::new(PollStatus::default()),
            poll_requests,
            watching: AtomicBool::new(false),
        };
        (bridge, requests)
    }

    /// Notes that this process runs the watcher (it holds the lease).
    pub fn watching(&self) {
        self.watching.store(true, Ordering::SeqCst);
    }

    /// Asks the watcher for a pass now and waits for its report. A replica standing by (another
    /// one holds the lease and polls) runs no watcher, and says so rather than wait.
    pub async fn poll_now(&self) -> Result<PollReport, String> {
        if !self.watching.load(Ordering::SeqCst) {
            return Err(
                "this replica stands by while another one polls Scenario; its passes run every poll interval"
                    .to_owned(),
            );
        }
        let (reply, report) = oneshot::channel();
        self.poll_requests.send(reply).await.map_err(|_| "the watcher is not running".to_owned())?;
        report.await.map_err(|_| "the watcher stopped".to_owned())?
    }

    /// Where the gates of `workflow_id` go: its route, else the default channel with the default
    /// reviewers; `None` when neither exists.
    pub fn route_for(&self, workflow_id: &WorkflowId) -> Option<Route> {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(watch) = routes.get(workflow_id) {
            let reviewer_roles = match watch.reviewer_role_id {
                Some(role) => vec![role],
                None => self.default_reviewer_roles.clone(),
            };
            return Some(Route { channel_id: watch.channel_id, reviewer_roles });
        }
        let channel_id = self.default_channel?;
        Some(Route { channel_id, reviewer_roles: self.default_reviewer_roles.clone() })
    }

    /// The roles that may decide gates of `workflow_id` (empty: members with Manage Server).
    pub fn reviewer_roles_for(&self, workflow_id: &WorkflowId) -> Vec<u64> {
        match self.route_for(workflow_id) {
            Some(route) => route.reviewer_roles,
            None => self.default_reviewer_roles.clone(),
        }
    }

    /// Notes a successful pass; returns how many failed passes it ends.
    pub fn poll_succeeded(&self) -> u32 {
        let mut polls = self.polls.lock().unwrap_or_else(PoisonError::into_inner);
        polls.last_success_ms = Some(now_ms());
        self.metrics.poll(polls.last_success_ms);
        std::mem::take(&mut polls.failing_streak)
    }

    /// Notes a failed pass and why; returns how many passes in a row have failed.
    pub fn poll_failed(&self, why: String) -> u32 {
        let mut polls = self.polls.lock().unwrap_or_else(PoisonError::into_inner);
        polls.failing_streak += 1;
        self.metrics.poll(None);
        polls.recent_errors.push((now_ms(), why));
        let excess = polls.recent_errors.len().saturating_sub(KEPT_ERRORS);
        polls.recent_errors.drain(..excess);
        polls.failing_streak
    }

    /// How polling has gone lately.
    pub fn poll_status(&self) -> PollStatus {
        self.polls.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The channel of workflows without a route (`APPROVAL_CHANNEL_ID`).
    pub fn default_channel(&self) -> Option<u64> {
        self.default_channel
    }

    /// The roles that decide without a route's own role (`REVIEWER_ROLE_IDS`).
    pub fn default_reviewer_roles(&self) -> &[u64] {
        &self.default_reviewer_roles
    }

    /// (Re)reads the routes from the store; returns how many there are.
    pub async fn load_routes(&self) -> Result<usize, StoreError> {
        // Read before the routes: a change landing in between is seen (and loaded) next time.
        let loaded = self.store.routes_version().await?;
        let watches = self.store.watches().await?;
        let count = watches.len();
        let routes = watches.into_iter().map(|w| (w.workflow_id.clone(), w)).collect();
        *self.routes.write().unwrap_or_else(PoisonError::into_inner) = routes;
        self.routes_loaded.store(loaded, Ordering::SeqCst);
        self.routes_version.fetch_add(1, Ordering::SeqCst);
        Ok(count)
    }

    /// Reloads the routes when another process sharing the database changed one since they were
    /// loaded; nothing to check on a database of one process.
    pub async fn refresh_routes(&self) -> Result<(), StoreError> {
        if !self.store.is_shared() {
            return Ok(());
        }
        if self.store.routes_version().await? != self.routes_loaded.load(Ordering::SeqCst) {
            let _one_at_a_time = self.route_writes.lock().await;
            self.load_routes().await?;
        }
        Ok(())
    }

    /// Sets the route of a workflow (recorded in the route audit); it applies from the next pass.
    pub async fn set_route(&self, new: &NewWatch, by: &Reviewer) -> Result<Watch, StoreError> {
        // One change at a time, so the memory always ends as the table does.
        let _one_at_a_time = self.route_writes.lock().await;
        let watch = self.store.set_watch(new, by).await?;
        self.load_routes().await?;
        Ok(watch)
    }

    /// Removes the route of a workflow; the route removed, if there was one.
    pub async fn remove_route(
        &self,
        workflow_id: &WorkflowId,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let _one_at_a_time = self.route_writes.lock().await;
        let removed = self.store.remove_watch(workflow_id, by).await?;
        self.load_routes().await?;
        Ok(removed)
    }

    /// Every route, by workflow name.
    pub fn routes(&self) -> Vec<Watch> {
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<Watch> = routes.values().cloned().collect();
        all.sort_by_cached_key(|w| (w.workflow_name.to_lowercase(), w.workflow_id.clone()));
        all
    }

    /// Counts route changes: the watcher looks again at runs it skipped when this moves.
    pub fn routes_version(&self) -> u64 {
        self.routes_version.load(Ordering::SeqCst)
    }

    /// Whether a member with `roles` may read the bridge's state (`/approvals pending`, …): a
    /// reviewer of some route or of the defaults, or an admin.
    pub fn may_read(&self, roles: &[u64], permissions: Option<Permissions>) -> bool {
        if is_admin(permissions) || roles.iter().any(|r| self.default_reviewer_roles.contains(r)) {
            return true;
        }
        let routes = self.routes.read().unwrap_or_else(PoisonError::into_inner);
        routes.values().filter_map(|w| w.reviewer_role_id).any(|role| roles.contains(&role))
    }

    /// Whether shutdown has begun: new work is turned away with a request to retry.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// The one shutdown signal: cancelled when shutdown begins. Long-running steps (the
    /// watcher's passes) select on it.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Marks the start of work that shutdown must wait for (a decision); the work lasts as long
    /// as the token is held. `None` once shutdown has begun.
    pub fn begin_work(&self) -> Option<TaskTrackerToken> {
        if self.is_shutting_down() { None } else { Some(self.in_flight.token()) }
    }

    /// Turns new work away and waits (up to `grace`) for in-flight work to finish.
    /// Returns whether everything finished in time.
    pub async fn drain(&self, grace: std::time::Duration) -> bool {
        self.shutdown.cancel();
        self.in_flight.close();
        tokio::time::timeout(grace, self.in_flight.wait()).await.is_ok()
    }
}

/// Whether a member with `roles` and `permissions` may decide, given the roles a route names.
/// With no role named, deciding takes Manage Server (Administrator implies it).
pub fn may_decide(required_roles: &[u64], roles: &[u64], permissions: Option<Permissions>) -> bool {
    if required_roles.is_empty() {
        is_admin(permissions)
    } else {
        roles.iter().any(|role| required_roles.contains(role))
    }
}

/// Whether a member with `permissions` is an admin of the bridge: Manage Server (Administrator
/// implies it).
pub fn is_admin(permissions: Option<Permissions>) -> bool {
    let permissions = permissions.unwrap_or_else(Permissions::empty);
    permissions.contains(Permissions::MANAGE_GUILD) || permissions.contains(Permissions::ADMINISTRATOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_with_one_of_the_roles_may_decide() {
        assert!(may_decide(&[1, 2], &[9, 2], None));
        assert!(!may_decide(&[1, 2], &[9], Some(Permissions::all())), "roles, not rank, decide");
    }

    #[test]
    fn without_roles_it_takes_manage_server_or_administrator() {
        assert!(may_decide(&[], &[], Some(Permissions::MANAGE_GUILD)));
        assert!(may_decide(&[], &[], Some(Permissions::ADMINISTRATOR)));
        assert!(!may_decide(&[], &[5], Some(Permissions::SEND_MESSAGES)));
        assert!(!may_decide(&[], &[5], None));
    }
}
