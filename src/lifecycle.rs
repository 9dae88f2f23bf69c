//! The lifecycle of a running bridge: one cancellation token for shutdown, and the work in
//! flight (decisions) that shutdown waits for.

use tokio_util::{
    sync::CancellationToken,
    task::{TaskTracker, task_tracker::TaskTrackerToken},
};

/// Shutdown's one signal and the tracker of work it waits for.
#[derive(Default)]
pub struct Lifecycle {
    shutdown: CancellationToken,
    in_flight: TaskTracker,
}

impl Lifecycle {
    /// Whether shutdown has begun: new work is turned away with a request to retry.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// The one shutdown signal: cancelled when shutdown begins. Long-running steps (the
    /// watcher's passes) select on it.
    pub fn token(&self) -> CancellationToken {
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
