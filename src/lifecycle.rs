//! The lifecycle of a running bridge: one shutdown tree, and the work in flight (decisions) that
//! shutdown waits for.
//!
//! The tree has one root token. Its children stop the parts in the order shutdown needs: the
//! workers first (new clicks are turned away, the watcher ends its pass, decisions in flight
//! finish, tracked by the task tracker), then each listener once what it serves is done (the
//! interactions endpoint before the database closes, health and metrics last, so a probe sees
//! the stop). Cancelling the root stops whatever is left.

use tokio_util::{
    sync::CancellationToken,
    task::{TaskTracker, task_tracker::TaskTrackerToken},
};

/// Shutdown's tree and the tracker of work it waits for.
pub struct Lifecycle {
    root: CancellationToken,
    workers: CancellationToken,
    in_flight: TaskTracker,
}

impl Default for Lifecycle {
    fn default() -> Self {
        let root = CancellationToken::new();
        Self { workers: root.child_token(), root, in_flight: TaskTracker::new() }
    }
}

impl Lifecycle {
    /// Whether shutdown has begun: new work is turned away with a request to retry.
    pub fn is_shutting_down(&self) -> bool {
        self.workers.is_cancelled()
    }

    /// The workers' signal: cancelled when shutdown begins. Long-running steps (the watcher's
    /// passes) select on it.
    pub fn token(&self) -> CancellationToken {
        self.workers.clone()
    }

    /// A new branch of the tree for one listener, which the caller cancels when that listener
    /// is to stop; the root's end stops it too.
    pub fn listener(&self) -> CancellationToken {
        self.root.child_token()
    }

    /// Marks the start of work that shutdown must wait for (a decision); the work lasts as long
    /// as the token is held. `None` once shutdown has begun.
    pub fn begin_work(&self) -> Option<TaskTrackerToken> {
        if self.is_shutting_down() { None } else { Some(self.in_flight.token()) }
    }

    /// Turns new work away and waits (up to `grace`) for in-flight work to finish.
    /// Returns whether everything finished in time.
    pub async fn drain(&self, grace: std::time::Duration) -> bool {
        self.workers.cancel();
        self.in_flight.close();
        tokio::time::timeout(grace, self.in_flight.wait()).await.is_ok()
    }

    /// Ends the tree: everything still running on one of its tokens stops.
    pub fn end(&self) {
        self.root.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_workers_stop_first_and_the_listeners_with_the_root() {
        let lifecycle = Lifecycle::default();
        let (endpoint, ops) = (lifecycle.listener(), lifecycle.listener());
        let work = lifecycle.begin_work().expect("not shutting down");
        let drained = tokio::spawn({
            let token = lifecycle.token();
            async move { token.cancelled().await }
        });
        drop(work);
        assert!(lifecycle.drain(std::time::Duration::from_secs(5)).await, "nothing in flight");
        drained.await.expect("the workers' token was cancelled");
        assert!(lifecycle.begin_work().is_none(), "new work is turned away");
        assert!(!endpoint.is_cancelled() && !ops.is_cancelled(), "listeners outlive the workers");
        endpoint.cancel();
        assert!(!ops.is_cancelled(), "each listener stops on its own");
        lifecycle.end();
        assert!(ops.is_cancelled(), "the root stops what is left");
    }
}
