//! Where the budget reads the time and waits for it: tokio's clock in production, a clock moved
//! by hand in tests (a 429's `Retry-After` of seconds is then waited for without sleeping, while
//! the HTTP clients keep their real timeouts).

use std::{future::Future, pin::Pin, sync::Mutex, time::Duration};

use tokio::sync::watch;

/// A future that ends at a given time of a [`BudgetClock`].
pub type Alarm = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The time the budget measures refills and pauses in: a duration since the clock's start.
pub trait BudgetClock: Send + Sync + 'static {
    /// The time now.
    fn now(&self) -> Duration;
    /// A future that ends once the time is `at` or later.
    fn alarm(&self, at: Duration) -> Alarm;
}

/// tokio's monotonic clock, started when built.
pub struct TokioClock {
    start: tokio::time::Instant,
}

impl Default for TokioClock {
    fn default() -> Self {
        Self { start: tokio::time::Instant::now() }
    }
}

impl BudgetClock for TokioClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn alarm(&self, at: Duration) -> Alarm {
        Box::pin(tokio::time::sleep_until(self.start + at))
    }
}

/// A clock that moves only when told to ([`Self::advance`]): tests prove what happens at a given
/// time without waiting for it.
pub struct ManualClock {
    now: Mutex<Duration>,
    moved: watch::Sender<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self { now: Mutex::new(Duration::ZERO), moved: watch::channel(Duration::ZERO).0 }
    }
}

impl ManualClock {
    /// Moves the time forward by `by`, ringing every alarm it passes.
    pub fn advance(&self, by: Duration) {
        // A poisoned lock only means a panic elsewhere mid-read: the value is still a time.
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
        self.moved.send_replace(*now);
    }
}

impl BudgetClock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn alarm(&self, at: Duration) -> Alarm {
        let mut moved = self.moved.subscribe();
        Box::pin(async move {
            // The sender lives as long as the clock; if it is gone, nothing will move time again.
            let _ = moved.wait_for(|now| *now >= at).await;
        })
    }
}
