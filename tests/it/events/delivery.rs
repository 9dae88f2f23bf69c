//! Events delivered to a receiver: signed and verifiable, at least once and in order per gate
//! through a receiver's outage, parked and counted when it lasts too long, and never in the way
//! of clicks or the watcher when the receiver hangs.

use std::{collections::BTreeMap, time::Duration};

use approval_bridge::{events::Filter, store::Store};

use super::{parked, reject};
use crate::{
    commands::{admin, approvals, run},
    support::{
        app::{PROMPTLY, TestApp, spawn_app_with},
        fake_receiver::{FakeReceiver, Mode, SECRET},
        wait::wait_until,
    },
};

/// A bridge delivering its events to `receiver`, retrying at most every second.
async fn app_delivering_to(receiver: &FakeReceiver, park_after_secs: u64) -> TestApp {
    let url = receiver.url();
    spawn_app_with(move |env| {
        env.insert("EVENTS_URL", url);
        env.insert("EVENTS_SECRET", SECRET.into());
        env.insert("EVENTS_RETRY_MAX_SECS", "1".into());
        env.insert("EVENTS_PARK_AFTER_SECS", park_after_secs.to_string());
    })
    .await
}

/// Asserts that `receiver` took every event `store` holds, at least once, and each gate's in the
/// order they happened.
pub async fn assert_all_delivered_in_order(store: &Store, receiver: &FakeReceiver) {
    let events = store.events(&Filter::default()).await.unwrap();
    let received = receiver.received();
    let mut per_gate: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for r in &received {
        // The first arrival of each event sets its place; a repeat is the receiver's to drop.
        if seen.insert(r.id.clone()) {
            per_gate.entry(r.body["approval"].as_i64().unwrap_or(0)).or_default().push(&r.id);
        }
    }
    for event in &events {
        assert!(seen.contains(&event.id), "{} ({:?}) never arrived", event.id, event.kind);
    }
    let mut expected: BTreeMap<i64, Vec<&str>> = BTreeMap::new();
    for event in &events {
        expected.entry(event.approval.unwrap_or(0)).or_default().push(&event.id);
    }
    assert_eq!(per_gate, expected, "each gate's events arrive in the order they happened");
    assert!(receiver.refused().is_empty(), "{:?}", receiver.refused());
}

/// Waits until the outbox is empty.
async fn delivered_all(app: &TestApp, timeout: Duration) {
    wait_until("every event delivered", timeout, async || {
        app.store().outbox_counts().await.unwrap().is_some_and(|c| c.waiting == 0)
    })
    .await;
}

#[tokio::test]
async fn each_decision_arrives_signed_verifiable_and_with_its_id() {
    let receiver = FakeReceiver::start().await;
    let app = app_delivering_to(&receiver, 3600).await;
    let (approved, rejected) = (parked(&app, "Lighthouse"), parked(&app, "Harbour"));
    app.poll().await;
    let ana = app.reviewer("ana");
    app.answer(&app.click(&ana, &app.approval(&approved, "review").await, "Approve").await).await;
    reject(&app, &ana, &app.approval(&rejected, "review").await, "too dark").await;
    delivered_all(&app, PROMPTLY).await;
    let decisions: Vec<_> =
        receiver.received().into_iter().filter(|r| r.body["type"] == "decision").collect();
    assert_eq!(decisions.len(), 2, "{decisions:?}");
    assert_eq!(decisions[0].body["decision"], "approve");
    assert_eq!(
        (decisions[1].body["decision"].as_str(), decisions[1].body["reason"].as_str()),
        (Some("reject"), Some("too dark"))
    );
    assert_eq!(decisions[1].body["actor_id"], ana.user_id.to_string());
    assert_all_delivered_in_order(app.store(), &receiver).await;
    let metrics = app.bridge().metrics.render();
    assert!(metrics.contains("approval_bridge_events_delivered_total 4"), "{metrics}");
}

#[tokio::test]
async fn a_receiver_failing_for_a_while_then_back_gets_every_event_in_order_per_gate() {
    let receiver = FakeReceiver::start().await;
    receiver.set_mode(Mode::Failing);
    let app = app_delivering_to(&receiver, 3600).await;
    let jobs: Vec<String> = (0..6).map(|i| parked(&app, &format!("Workflow {i}"))).collect();
    app.poll().await;
    let (ana, bob) = (app.reviewer("ana"), app.reviewer("bob"));
    for (i, job) in jobs.iter().enumerate() {
        let gate = app.approval(job, "review").await;
        match i % 3 {
            0 => drop(app.answer(&app.click(&ana, &gate, "Approve").await).await),
            1 => drop(reject(&app, &bob, &gate, &format!("no {i}")).await),
            _ => app.scenario.cancel_run(job),
        }
    }
    app.poll().await;
    // Each gate's first event fails three times (backoff 0.5–1 s), the rest wait behind it.
    wait_until("three failed rounds", Duration::from_secs(20), async || receiver.failed() >= 3 * jobs.len())
        .await;
    assert!(receiver.received().is_empty());
    let waiting = app.store().outbox_counts().await.unwrap().unwrap();
    assert_eq!(waiting.waiting, 12, "{waiting:?}");
    let status = run(&app, &admin(), approvals("status")).await;
    assert!(status.contains("Events: 12 waiting to be delivered."), "{status}");

    receiver.set_mode(Mode::Up);
    delivered_all(&app, Duration::from_secs(20)).await;
    assert_all_delivered_in_order(app.store(), &receiver).await;
    let metrics = app.bridge().metrics.render();
    assert!(metrics.contains("approval_bridge_events_parked_total 0"), "{metrics}");
}

#[tokio::test]
async fn an_event_failing_past_the_park_limit_is_parked_counted_shown_and_retried_at_the_next_start() {
    let receiver = FakeReceiver::start().await;
    receiver.set_mode(Mode::Failing);
    let mut app = app_delivering_to(&receiver, 1).await;
    let job = parked(&app, "Lighthouse");
    app.poll().await;
    app.answer(&app.click(&app.reviewer("ana"), &app.approval(&job, "review").await, "Approve").await).await;
    wait_until("the first event parked", Duration::from_secs(20), async || {
        app.store().outbox_counts().await.unwrap().is_some_and(|c| c.parked == 1)
    })
    .await;
    let status = run(&app, &admin(), approvals("status")).await;
    assert!(status.contains("Events: 2 waiting to be delivered, 1 of them parked"), "{status}");
    assert!(app.bridge().metrics.render().contains("approval_bridge_events_parked_total 1"));
    let failed = receiver.failed();
    receiver.set_mode(Mode::Up);
    assert_eq!(receiver.failed(), failed);
    assert!(receiver.received().is_empty(), "parked: its gate's events wait until the next start");

    app.stop().await.unwrap();
    app.start().await;
    delivered_all(&app, PROMPTLY).await;
    assert_all_delivered_in_order(app.store(), &receiver).await;
}

#[tokio::test]
async fn a_receiver_that_never_answers_slows_neither_clicks_nor_the_watcher() {
    let receiver = FakeReceiver::start().await;
    receiver.set_mode(Mode::Hanging);
    let app = app_delivering_to(&receiver, 3600).await;
    let jobs: Vec<String> = (0..3).map(|i| parked(&app, &format!("Workflow {i}"))).collect();
    app.poll().await;
    wait_until("deliveries held by the receiver", PROMPTLY, async || receiver.hung() >= 3).await;
    let ana = app.reviewer("ana");
    for job in &jobs {
        let started = std::time::Instant::now();
        let answer = app.answer(&app.click(&ana, &app.approval(job, "review").await, "Approve").await).await;
        assert!(answer.starts_with("Approved"), "{answer}");
        // A delivery waits up to 10 s for the receiver; a click never waits for one.
        assert!(started.elapsed() < Duration::from_secs(3), "a click took {:?}", started.elapsed());
    }
    let started = std::time::Instant::now();
    let report = app.poll().await;
    assert!(report.failures.is_empty(), "{report:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "a pass took {:?}", started.elapsed());
    assert!(receiver.received().is_empty());
}
