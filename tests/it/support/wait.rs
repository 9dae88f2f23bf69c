//! The one way a test waits: check what it waits for until it holds, for at most a timeout, and
//! fail naming what never came. Tests wait for events (a request a fake recorded, a pass that
//! ended, a row), never for a sleep hoping it is long enough.

use std::time::Duration;

use tokio::time::Instant;

/// How long between two checks.
const EVERY: Duration = Duration::from_millis(10);

/// Waits until `ready` holds, for at most `timeout`; panics naming `what` when it never does.
pub async fn wait_until(what: &str, timeout: Duration, mut ready: impl AsyncFnMut() -> bool) {
    wait_for(what, timeout, async || ready().await.then_some(())).await;
}

/// Waits until `found` gives a value, for at most `timeout`, and returns it; panics naming `what`
/// when it never does.
pub async fn wait_for<T>(what: &str, timeout: Duration, found: impl AsyncFnMut() -> Option<T>) -> T {
    match within(timeout, found).await {
        Some(value) => value,
        None => panic!("timed out after {timeout:?} waiting for {what}"),
    }
}

/// Waits until `found` gives a value, for at most `timeout`; `None` when it never does, for a
/// caller that says more than a panic would (a log tail) or reports the failure itself.
pub async fn within<T>(timeout: Duration, found: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    checking_every(EVERY, timeout, found).await
}

/// [`within`], checking every `every`: for a check that is costly (reading a whole database) or
/// that acts (a scripted person clicking again), which must not run every few milliseconds.
pub async fn checking_every<T>(
    every: Duration,
    timeout: Duration,
    mut found: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = found().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}
