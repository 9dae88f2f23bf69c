use super::*;
use crate::monotonic::ManualClock;

fn budget(per_minute: u32, burst: u32) -> (Budget, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::default());
    (Budget::with_clock(BudgetSettings { per_minute, burst }, clock.clone()), clock)
}

#[tokio::test]
async fn a_request_that_stops_waiting_leaves_its_place_to_the_next() {
    let (budget, clock) = budget(60, 1);
    drop(budget.acquire(Class::Person).await);
    let given_up = budget.acquire(Class::Decision);
    // Polled once, it queues; dropped, it must not hold the queue's head for ever.
    assert!(futures_poll_once(given_up).await);
    assert_eq!(budget.usage().waiting, [0, 0, 0]);
    let next = tokio::spawn({
        let budget = budget.clone();
        async move { budget.acquire(Class::Polling).await.waited }
    });
    tokio::task::yield_now().await;
    assert_eq!(budget.usage().waiting, [0, 0, 1]);
    clock.advance(Duration::from_secs(1));
    assert_eq!(next.await.unwrap(), Duration::from_secs(1));
}

#[tokio::test]
async fn a_probe_answered_without_a_429_lets_the_rest_go() {
    let (budget, clock) = budget(600, 10);
    budget.acquire(Class::Polling).await.rate_limited(Duration::from_secs(2));
    assert_eq!(budget.usage().paused_for, Some(Duration::from_secs(2)));
    clock.advance(Duration::from_secs(2));
    let probe = budget.acquire(Class::Person).await;
    let held = tokio::spawn({
        let budget = budget.clone();
        async move { budget.acquire(Class::Decision).await.waited }
    });
    tokio::task::yield_now().await;
    assert_eq!(budget.usage().waiting, [1, 0, 0], "nobody goes beside the probe");
    drop(probe);
    clock.advance(Duration::from_secs(1));
    assert_eq!(held.await.unwrap(), Duration::from_secs(1));
    assert_eq!(budget.usage().paused_for, None);
}

#[tokio::test]
async fn polling_leaves_half_the_burst_to_the_others_outside_its_share() {
    let (budget, clock) = budget(60, 6);
    for _ in 0..3 {
        drop(budget.acquire(Class::Polling).await);
    }
    let page = tokio::spawn({
        let budget = budget.clone();
        async move { budget.acquire(Class::Polling).await.waited }
    });
    tokio::task::yield_now().await;
    assert_eq!(budget.usage().waiting, [0, 0, 1], "three tokens stay for the others");
    for _ in 0..3 {
        assert_eq!(budget.acquire(Class::Person).await.waited, Duration::ZERO);
    }
    // Three grants went to others: the fourth is not polling's share yet, so the page waits for
    // the reserve to be back, four tokens.
    clock.advance(Duration::from_millis(3_999));
    tokio::task::yield_now().await;
    assert_eq!(budget.usage().waiting, [0, 0, 1]);
    clock.advance(Duration::from_millis(1));
    assert_eq!(page.await.unwrap(), Duration::from_secs(4));
}

#[test]
fn the_reserve_is_half_the_burst_and_none_with_a_burst_of_one() {
    assert_eq!(BudgetSettings::per_minute(60).reserve(), 3);
    assert_eq!(BudgetSettings::per_minute(10).reserve(), 0);
}

/// Polls `future` once and drops it; whether it was still pending.
async fn futures_poll_once(future: impl Future<Output = Permit>) -> bool {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| std::task::Poll::Ready(future.as_mut().poll(cx).is_pending())).await
}
