//! The process's own monotonic time, read and waited on through one injectable clock: the
//! request budget's refills and pauses, and the watcher's cadence and sweep schedule. In
//! production it is tokio's clock; tests move a [`ManualClock`] by hand, so that an hour of
//! polling or a 429's `Retry-After` of seconds is waited for without sleeping, while the HTTP
//! clients keep their real timeouts. (Time that processes share, stamped in the database, is
//! [`crate::store::now_ms`]'s.)

use std::{
    collections::BTreeMap,
    future::Future,
    pin::Pin,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::sync::watch;

/// A future that ends at a given time of a [`MonotonicClock`].
pub type Alarm = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A monotonic time: a duration since the clock's start, and alarms at a time of it.
pub trait MonotonicClock: Send + Sync + 'static {
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

impl MonotonicClock for TokioClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn alarm(&self, at: Duration) -> Alarm {
        Box::pin(tokio::time::sleep_until(self.start + at))
    }
}

/// A clock that moves only when told to ([`Self::advance`]): tests prove what happens at a given
/// time without waiting for it, and see who waits for which time ([`Self::next_alarm`]).
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<Manual>,
}

struct Manual {
    now: Mutex<Duration>,
    moved: watch::Sender<Duration>,
    /// The alarms being waited for, by number: a time each.
    alarms: Mutex<BTreeMap<u64, Duration>>,
    /// The number the next alarm waited for gets.
    numbers: AtomicU64,
}

impl Default for ManualClock {
    fn default() -> Self {
        let inner = Manual {
            now: Mutex::new(Duration::ZERO),
            moved: watch::channel(Duration::ZERO).0,
            alarms: Mutex::new(BTreeMap::new()),
            numbers: AtomicU64::new(0),
        };
        Self { inner: Arc::new(inner) }
    }
}

/// Locks `mutex`; a poisoned lock only means a panic elsewhere between two plain assignments.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl ManualClock {
    /// Moves the time forward by `by`, ringing every alarm it passes.
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.inner.now);
        *now += by;
        self.inner.moved.send_replace(*now);
    }

    /// Moves the time forward to `at`, if it is later than now.
    pub fn advance_to(&self, at: Duration) {
        let now = self.now();
        self.advance(at.saturating_sub(now));
    }

    /// The earliest time an alarm is being waited for: whoever waits for it sleeps until then.
    pub fn next_alarm(&self) -> Option<Duration> {
        lock(&self.inner.alarms).values().min().copied()
    }
}

impl MonotonicClock for ManualClock {
    fn now(&self) -> Duration {
        *lock(&self.inner.now)
    }

    fn alarm(&self, at: Duration) -> Alarm {
        let inner = self.inner.clone();
        Box::pin(async move {
            let mut moved = inner.moved.subscribe();
            if *moved.borrow() >= at {
                return;
            }
            let number = inner.numbers.fetch_add(1, Ordering::Relaxed);
            lock(&inner.alarms).insert(number, at);
            // Forgotten when rung, and when the waiter stops waiting.
            let _waiting = Forget { inner: &inner, number };
            // The sender lives as long as the clock; if it is gone, nothing will move time again.
            let _ = moved.wait_for(|now| *now >= at).await;
        })
    }
}

/// Removes an alarm from those being waited for when dropped.
struct Forget<'a> {
    inner: &'a Manual,
    number: u64,
}

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        lock(&self.inner.alarms).remove(&self.number);
    }
}
