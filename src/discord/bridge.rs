//! What the watcher and the interaction handlers share: the store, the two API clients, the
//! routing rules, and the shutdown state.
//!
//! Routes (the `watches` table) are read on every gate and every click, and change only through
//! `/approvals watch` and `unwatch`: the bridge keeps them in memory, loaded at start and reloaded
//! after each change, and counts changes in a version the watcher compares between passes.

use std::{
    collections::HashMap,
    sync::{
        Arc, PoisonError, RwLock,
        atomic::{AtomicU64, Ordering},
    },
};

use serenity::{
    all::{ChannelId, Permissions, RoleId},
    http::Http,
};
use tokio::sync::mpsc;
use tokio_util::{
    sync::CancellationToken,
    task::{TaskTracker, task_tracker::TaskTrackerToken},
};

use crate::{
    approvals::ids::WorkflowId,
    config::DiscordSettings,
    decisions::LiveClaims,
    discord::{home::HomeServer, previews::Previews, publish::CardTurns},
    metrics::Metrics,
    polls::{PollRequest, Polls},
    scenario::{ScenarioClient, WorkflowCatalog},
    store::{NewWatch, Reviewer, Store, StoreError, Watch},
};

/// Where the gates of one workflow go, and who decides them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The channel of the cards.
    pub channel_id: ChannelId,
    /// The roles whose members may decide; empty means members with Manage Server.
    pub reviewer_roles: Vec<RoleId>,
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
    /// The watcher's handle: passes on request, and how they have gone.
    pub polls: Polls,
    default_channel: Option<ChannelId>,
    default_reviewer_roles: Vec<RoleId>,
    routes: RwLock<HashMap<WorkflowId, Watch>>,
    routes_version: AtomicU64,
    route_writes: tokio::sync::Mutex<()>,
    shutdown: CancellationToken,
    in_flight: TaskTracker,
}

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
        let (polls, requests) = Polls::new(scenario.metrics().clone());
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
            default_channel: settings.approval_channel_id.map(ChannelId::from),
            default_reviewer_roles: settings.reviewer_role_ids.iter().copied().map(RoleId::from).collect(),
            routes: RwLock::new(HashMap::new()),
            routes_version: AtomicU64::new(0),
            route_writes: tokio::sync::Mutex::new(()),
            shutdown: CancellationToken::new(),
            in_flight: TaskTracker::new(),
            polls,
        };
        (bridge, requests)
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
    pub fn reviewer_roles_for(&self, workflow_id: &WorkflowId) -> Vec<RoleId> {
        match self.route_for(workflow_id) {
            Some(route) => route.reviewer_roles,
            None => self.default_reviewer_roles.clone(),
        }
    }

    /// The channel of workflows without a route (`APPROVAL_CHANNEL_ID`).
    pub fn default_channel(&self) -> Option<ChannelId> {
        self.default_channel
    }

    /// The roles that decide without a route's own role (`REVIEWER_ROLE_IDS`).
    pub fn default_reviewer_roles(&self) -> &[RoleId] {
        &self.default_reviewer_roles
    }

    /// (Re)reads the routes from the store; returns how many there are.
    pub async fn load_routes(&self) -> Result<usize, StoreError> {
        let watches = self.store.watches().await?;
        let count = watches.len();
        let routes = watches.into_iter().map(|w| (w.workflow_id.clone(), w)).collect();
        *self.routes.write().unwrap_or_else(PoisonError::into_inner) = routes;
        self.routes_version.fetch_add(1, Ordering::SeqCst);
        Ok(count)
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
    pub fn may_read(&self, roles: &[RoleId], permissions: Option<Permissions>) -> bool {
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
pub fn may_decide(required_roles: &[RoleId], roles: &[RoleId], permissions: Option<Permissions>) -> bool {
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

    fn roles(ids: &[u64]) -> Vec<RoleId> {
        ids.iter().copied().map(RoleId::new).collect()
    }

    #[test]
    fn a_member_with_one_of_the_roles_may_decide() {
        assert!(may_decide(&roles(&[1, 2]), &roles(&[9, 2]), None));
        assert!(
            !may_decide(&roles(&[1, 2]), &roles(&[9]), Some(Permissions::all())),
            "roles, not rank, decide"
        );
    }

    #[test]
    fn without_roles_it_takes_manage_server_or_administrator() {
        assert!(may_decide(&[], &[], Some(Permissions::MANAGE_GUILD)));
        assert!(may_decide(&[], &[], Some(Permissions::ADMINISTRATOR)));
        assert!(!may_decide(&[], &roles(&[5]), Some(Permissions::SEND_MESSAGES)));
        assert!(!may_decide(&[], &roles(&[5]), None));
    }
}
