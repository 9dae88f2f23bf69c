//! Where gates go, who decides them and under which review policy: the routes admins set (the
//! `watches` table) over the defaults from the settings, and the rules of who may decide and read.
//!
//! Routes are read on every gate and every click, and change only through `/approvals watch` and
//! `unwatch`: they are kept in memory, loaded at start and reloaded after each change, and counted
//! in a version the watcher compares between passes. Every route write goes through [`Routes`],
//! so nothing can change the table without the memory following. On a database several replicas
//! share, a change made by another replica is seen through the route audit: each click and each
//! pass compares its newest row with the one last loaded ([`Routes::refresh`]).

use std::{
    collections::HashMap,
    sync::{
        PoisonError, RwLock,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
};

use serenity::all::{ChannelId, Permissions, RoleId};

use crate::{
    approvals::{ids::WorkflowId, people::SelfApproval, policy::Policy, rerun::RerunPolicy},
    config::DiscordSettings,
    store::{NewWatch, Reviewer, Store, StoreError, Watch, now_ms},
};

/// Where the gates of one workflow go, and who decides them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The channel of the cards.
    pub channel_id: ChannelId,
    /// The roles whose members may decide (the route's reviewer role or the default ones, and
    /// the groups of its policy's `each_of`); empty means members with Manage Server.
    pub reviewer_roles: Vec<RoleId>,
}

/// A thread setting as `/approvals policy` and the route audit show it.
pub fn threads_in_words(on: bool) -> &'static str {
    if on { "a thread per card" } else { "no threads" }
}

/// The routes in memory, and the only way to change them.
pub struct Routes {
    store: Store,
    default_channel: Option<ChannelId>,
    default_reviewer_roles: Vec<RoleId>,
    default_policy: Policy,
    default_reruns: RerunPolicy,
    default_threads: bool,
    default_self_approval: SelfApproval,
    by_workflow: RwLock<HashMap<WorkflowId, Watch>>,
    /// For workflows without a route: the moment their deadline counts from, when removing
    /// their route would otherwise have shortened it (`unrouted_deadlines`).
    unrouted_from: RwLock<HashMap<WorkflowId, i64>>,
    version: AtomicU64,
    loaded: AtomicI64,
    writes: tokio::sync::Mutex<()>,
}

impl Routes {
    /// No routes yet (see [`Routes::load`]), over the defaults of `settings`.
    pub fn new(store: Store, settings: &DiscordSettings) -> Self {
        Self {
            store,
            default_channel: settings.approval_channel_id.map(ChannelId::from),
            default_reviewer_roles: settings.reviewer_role_ids.iter().copied().map(RoleId::from).collect(),
            default_policy: settings.default_policy,
            default_reruns: settings.default_reruns,
            default_threads: settings.card_threads,
            default_self_approval: settings.default_self_approval,
            by_workflow: RwLock::new(HashMap::new()),
            unrouted_from: RwLock::new(HashMap::new()),
            version: AtomicU64::new(0),
            loaded: AtomicI64::new(-1),
            writes: tokio::sync::Mutex::new(()),
        }
    }

    /// Where the gates of `workflow_id` go: its route, else the default channel with the default
    /// reviewers; `None` when neither exists.
    pub fn route_for(&self, workflow_id: &WorkflowId) -> Option<Route> {
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(watch) = routes.get(workflow_id) {
            let mut reviewer_roles = match watch.reviewer_role_id {
                Some(role) => vec![role],
                None => self.default_reviewer_roles.clone(),
            };
            // The groups that must each sign may decide too (and where the route names no role,
            // they, not Manage Server, decide).
            let groups = watch.policy.iter().flat_map(|p| p.each_of.roles().to_vec());
            for group in groups.map(RoleId::new) {
                if !reviewer_roles.contains(&group) {
                    reviewer_roles.push(group);
                }
            }
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

    /// The review policy of the gates of `workflow_id`: its route's own, else the defaults.
    pub fn policy_for(&self, workflow_id: &WorkflowId) -> Policy {
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        let Some(route) = routes.get(workflow_id) else {
            let unrouted = self.unrouted_from.read().unwrap_or_else(PoisonError::into_inner);
            return Policy { deadline_from: unrouted.get(workflow_id).copied(), ..self.default_policy };
        };
        Policy { deadline_from: route.deadline_from, ..route.policy.unwrap_or(self.default_policy) }
    }

    /// The re-run policy of the gates of `workflow_id`: its route's own settings over the
    /// defaults (`RERUNS`, `RERUN_MAX_COST`).
    pub fn rerun_policy_for(&self, workflow_id: &WorkflowId) -> RerunPolicy {
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        let Some(route) = routes.get(workflow_id) else { return self.default_reruns };
        self.default_reruns.overridden(route.reruns, route.rerun_max_cost)
    }

    /// Gives the route of `workflow_id` its re-run setting and cost cap (see
    /// [`Store::set_rerun_policy`]); `None` when it has no route.
    pub async fn set_rerun_policy(
        &self,
        workflow_id: &WorkflowId,
        (reruns, max_cost): (Option<bool>, Option<u32>),
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let _one_at_a_time = self.writes.lock().await;
        let shown = self.default_reruns.overridden(reruns, max_cost).to_string();
        let saved = self.store.set_rerun_policy(workflow_id, (reruns, max_cost), &shown, by).await?;
        self.load().await?;
        Ok(saved)
    }

    /// Whether cards of `workflow_id` start a thread: its route's setting, else the default
    /// (`CARD_THREADS`).
    pub fn threads_for(&self, workflow_id: &WorkflowId) -> bool {
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        routes.get(workflow_id).and_then(|route| route.threads).unwrap_or(self.default_threads)
    }

    /// Gives the route of `workflow_id` its thread setting (`None`: the default); `None` when
    /// it has no route.
    pub async fn set_threads(
        &self,
        workflow_id: &WorkflowId,
        threads: Option<bool>,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let _one_at_a_time = self.writes.lock().await;
        let shown = threads_in_words(threads.unwrap_or(self.default_threads));
        let saved = self.store.set_route_threads(workflow_id, threads, shown, by).await?;
        self.load().await?;
        Ok(saved)
    }

    /// Whether a linked author may approve their own run of `workflow_id`: its route's rule,
    /// else the default (`SELF_APPROVAL`).
    pub fn self_approval_for(&self, workflow_id: &WorkflowId) -> SelfApproval {
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        routes.get(workflow_id).and_then(|route| route.self_approval).unwrap_or(self.default_self_approval)
    }

    /// Gives the route of `workflow_id` its own rule on self-approval (`None`: the default); `None`
    /// when it has no route.
    pub async fn set_self_approval(
        &self,
        workflow_id: &WorkflowId,
        rule: Option<SelfApproval>,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let _one_at_a_time = self.writes.lock().await;
        let shown = rule.unwrap_or(self.default_self_approval).to_string();
        let saved = self.store.set_self_approval(workflow_id, rule, &shown, by).await?;
        self.load().await?;
        Ok(saved)
    }

    /// Whether any policy (a route's, or the defaults) has reminders or a deadline.
    pub fn policies_are_timed(&self) -> bool {
        let timed = |p: &Policy| p.remind_after.is_some() || p.deadline.is_some() || p.escalation.is_some();
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        timed(&self.default_policy) || routes.values().filter_map(|w| w.policy.as_ref()).any(timed)
    }

    /// The review policy of workflows without one of their own (`APPROVALS_REQUIRED`, …).
    pub fn default_policy(&self) -> Policy {
        self.default_policy
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
    pub async fn load(&self) -> Result<usize, StoreError> {
        // Read before the routes: a change landing in between is seen (and loaded) next time.
        let loaded = self.store.routes_version().await?;
        let watches = self.store.watches().await?;
        let unrouted = self.store.unrouted_deadlines().await?.into_iter().collect();
        let count = watches.len();
        let routes = watches.into_iter().map(|w| (w.workflow_id.clone(), w)).collect();
        *self.by_workflow.write().unwrap_or_else(PoisonError::into_inner) = routes;
        *self.unrouted_from.write().unwrap_or_else(PoisonError::into_inner) = unrouted;
        self.loaded.store(loaded, Ordering::SeqCst);
        self.version.fetch_add(1, Ordering::SeqCst);
        Ok(count)
    }

    /// Reloads the routes when another process sharing the database changed one since they were
    /// loaded: a replica on PostgreSQL, or, on SQLite, a standby serving the interactions endpoint
    /// beside the active bridge (one cheap read, on either engine).
    pub async fn refresh(&self) -> Result<(), StoreError> {
        self.catch_up(self.store.routes_version().await?).await
    }

    /// Reloads the routes when `version` (a route version just read, see
    /// [`Store::routes_version`]) is not the one last loaded: for a click, which reads it with
    /// its approval.
    pub async fn catch_up(&self, version: i64) -> Result<(), StoreError> {
        if version != self.loaded.load(Ordering::SeqCst) {
            let _one_at_a_time = self.writes.lock().await;
            self.load().await?;
        }
        Ok(())
    }

    /// Sets the route of a workflow (recorded in the route audit); it applies from the next pass.
    pub async fn set(&self, new: &NewWatch, by: &Reviewer) -> Result<Watch, StoreError> {
        // One change at a time, so the memory always ends as the table does.
        let _one_at_a_time = self.writes.lock().await;
        let watch = self.store.set_watch(new, by).await?;
        self.load().await?;
        Ok(watch)
    }

    /// Removes the route of a workflow; the route removed, if there was one. Its waiting gates
    /// follow the defaults from then on: a deadline the defaults set or shorten counts from now,
    /// as for any policy change.
    pub async fn remove(&self, workflow_id: &WorkflowId, by: &Reviewer) -> Result<Option<Watch>, StoreError> {
        let _one_at_a_time = self.writes.lock().await;
        let current = self.policy_for(workflow_id);
        let from = if current.deadline_restarts(&self.default_policy) {
            Some(now_ms())
        } else {
            current.deadline_from
        };
        let removed = self.store.remove_watch(workflow_id, from, by).await?;
        self.load().await?;
        Ok(removed)
    }

    /// Gives the route of a workflow its own review policy (`None`: the defaults again), recorded
    /// in the route audit; it applies to its open gates from the next pass. `None` when the
    /// workflow has no route.
    pub async fn set_policy(
        &self,
        workflow_id: &WorkflowId,
        policy: Option<&Policy>,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let _one_at_a_time = self.writes.lock().await;
        let (current, next) = (self.policy_for(workflow_id), policy.copied().unwrap_or(self.default_policy));
        // A deadline set or shortened counts from now for the gates already waiting.
        let from = if current.deadline_restarts(&next) { Some(now_ms()) } else { current.deadline_from };
        let saved = self.store.set_policy(workflow_id, (policy, from), &next.to_string(), by).await?;
        self.load().await?;
        Ok(saved)
    }

    /// Every route, by workflow name.
    pub fn all(&self) -> Vec<Watch> {
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<Watch> = routes.values().cloned().collect();
        all.sort_by_cached_key(|w| (w.workflow_name.to_lowercase(), w.workflow_id.clone()));
        all
    }

    /// Counts route changes: the watcher looks again at runs it skipped when this moves.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::SeqCst)
    }

    /// Whether a member with `roles` may read the bridge's state (`/approvals pending`, …): a
    /// reviewer of some route or of the defaults, or an admin.
    pub fn may_read(&self, roles: &[RoleId], permissions: Option<Permissions>) -> bool {
        if is_admin(permissions) || roles.iter().any(|r| self.default_reviewer_roles.contains(r)) {
            return true;
        }
        let routes = self.by_workflow.read().unwrap_or_else(PoisonError::into_inner);
        let holds = |role: RoleId| roles.contains(&role);
        routes.values().any(|w| {
            w.reviewer_role_id.is_some_and(holds)
                || w.policy.is_some_and(|p| p.each_of.roles().iter().any(|&g| holds(RoleId::new(g))))
        })
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
