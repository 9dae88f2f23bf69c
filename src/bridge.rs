//! What the watcher and the interaction handlers share: the store, the two API clients, the
//! routing rules, and the shutdown state.

use std::{
    num::NonZeroU64,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use serenity::{all::Permissions, http::Http};
use tokio::sync::{mpsc, oneshot};
use tokio_util::task::{TaskTracker, task_tracker::TaskTrackerToken};

use crate::{
    approvals::ids::WorkflowId,
    config::DiscordSettings,
    ops::Metrics,
    scenario::ScenarioClient,
    store::{Store, now_ms},
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
    /// The bridge's metrics: the Scenario client's registry, so one registry holds everything.
    pub metrics: Metrics,
    default_channel: Option<u64>,
    default_reviewer_roles: Vec<u64>,
    shutting_down: AtomicBool,
    in_flight: TaskTracker,
    polls: Mutex<PollStatus>,
    poll_requests: mpsc::Sender<PollRequest>,
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
    /// Assembles the shared state; the watcher serves the returned receiver's poll requests.
    pub fn new(
        store: Store,
        scenario: ScenarioClient,
        discord: Arc<Http>,
        settings: &DiscordSettings,
    ) -> (Self, mpsc::Receiver<PollRequest>) {
        let (poll_requests, requests) = mpsc::channel(8);
        let bridge = Self {
            store,
            metrics: scenario.metrics().clone(),
            scenario,
            discord,
            default_channel: settings.approval_channel_id.map(NonZeroU64::get),
            default_reviewer_roles: settings.reviewer_role_ids.iter().map(|r| r.get()).collect(),
            shutting_down: AtomicBool::new(false),
            in_flight: TaskTracker::new(),
            polls: Mutex::new(PollStatus::default()),
            poll_requests,
        };
        (bridge, requests)
    }

    /// Asks the watcher for a pass now and waits for its report.
    pub async fn poll_now(&self) -> Result<PollReport, String> {
        let (reply, report) = oneshot::channel();
        self.poll_requests.send(reply).await.map_err(|_| "the watcher is not running".to_owned())?;
        report.await.map_err(|_| "the watcher stopped".to_owned())?
    }

    /// Where the gates of `workflow_id` go; `None` when the workflow is not watched.
    pub async fn route_for(&self, _workflow_id: &WorkflowId) -> Option<Route> {
        let channel_id = self.default_channel?;
        Some(Route { channel_id, reviewer_roles: self.default_reviewer_roles.clone() })
    }

    /// The roles that may decide gates of `workflow_id` (empty: members with Manage Server).
    pub async fn reviewer_roles_for(&self, workflow_id: &WorkflowId) -> Vec<u64> {
        match self.route_for(workflow_id).await {
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

    /// Whether the bridge has anywhere to post cards.
    pub fn has_default_channel(&self) -> bool {
        self.default_channel.is_some()
    }

    /// Whether shutdown has begun: new work is turned away with a request to retry.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Marks the start of work that shutdown must wait for (a decision); the work lasts as long
    /// as the token is held. `None` once shutdown has begun.
    pub fn begin_work(&self) -> Option<TaskTrackerToken> {
        if self.is_shutting_down() { None } else { Some(self.in_flight.token()) }
    }

    /// Turns new work away and waits (up to `grace`) for in-flight work to finish.
    /// Returns whether everything finished in time.
    pub async fn drain(&self, grace: std::time::Duration) -> bool {
        self.shutting_down.store(true, Ordering::SeqCst);
        self.in_flight.close();
        tokio::time::timeout(grace, self.in_flight.wait()).await.is_ok()
    }
}

/// Whether a member with `roles` and `permissions` may decide, given the roles a route names.
/// With no role named, deciding takes Manage Server (Administrator implies it).
pub fn may_decide(required_roles: &[u64], roles: &[u64], permissions: Option<Permissions>) -> bool {
    if required_roles.is_empty() {
        let permissions = permissions.unwrap_or_else(Permissions::empty);
        permissions.contains(Permissions::MANAGE_GUILD) || permissions.contains(Permissions::ADMINISTRATOR)
    } else {
        roles.iter().any(|role| required_roles.contains(role))
    }
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
