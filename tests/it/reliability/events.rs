//! Events through crashes and failovers: the real binary SIGKILLed while it delivers, then
//! started again; two replicas on PostgreSQL, the delivering one killed. Every event the
//! database holds reaches the receiver, each gate's in order.

use std::time::Duration;

use approval_bridge::{events::EventKind, store::Store};

use super::replicas::{
    Fakes, LEASE_SECS, free_port, is_registration, lease_holder, replica_env, wait_for_cards,
    wait_for_listener,
};
use crate::{
    events::delivery::assert_all_delivered_in_order,
    support::{
        child::{ChildBridge, bridge_env},
        fake_receiver::{FakeReceiver, SECRET},
        postgres::TempSchema,
        wait::{wait_until, within},
    },
};

/// How long the test waits for what the binary does at its pace (polls every 2 s).
const WITHIN: Duration = Duration::from_secs(40);

fn with_events(env: &mut std::collections::BTreeMap<String, String>, receiver: &FakeReceiver) {
    env.insert("EVENTS_URL".into(), receiver.url());
    env.insert("EVENTS_SECRET".into(), SECRET.into());
    env.insert("EVENTS_RETRY_MAX_SECS".into(), "1".into());
}

/// Waits until the outbox of the database at `url` is empty.
async fn outbox_drained(url: &str, bridge: &ChildBridge) {
    let drained = within(WITHIN, async || {
        let store = Store::open_read_only(url).await.ok()?;
        let counts = store.outbox_counts().await.ok().flatten();
        store.close().await;
        counts.filter(|c| c.waiting == 0)
    })
    .await;
    assert!(drained.is_some(), "events left in the outbox:\n{}", bridge.log_tail(40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_sigkilled_while_delivering_and_started_again_loses_no_event() {
    let Fakes { discord, scenario, channel, role, workflow, .. } = Fakes::start().await;
    let receiver = FakeReceiver::start().await;
    // Each answer comes 150 ms after the event was taken: kills land between the two.
    receiver.set_delay(Duration::from_millis(150));
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("bridge.db");
    let mut env = bridge_env(&discord, &scenario, channel, role, &database);
    with_events(&mut env, &receiver);
    let url = env["DATABASE_URL"].clone();
    let mut bridge = ChildBridge::new(env, dir.path());
    let mut runs = Vec::new();
    for life in 0..4 {
        for _ in 0..4 {
            runs.push(scenario.start_parked_run(&workflow));
        }
        // Gates the last life posted close in Scenario: more events, written by the watcher.
        if life > 0 {
            scenario.approve(&runs[4 * life - 4], "review").unwrap();
            scenario.cancel_run(&runs[4 * life - 3]);
        }
        bridge.start();
        let seen = receiver.received().len();
        wait_for_cards(&discord, channel, runs.len()).await;
        wait_until("deliveries under way", WITHIN, async || receiver.received().len() > seen).await;
        bridge.kill();
    }
    bridge.start();
    // The last life sees the gates closed before it started: three approved, three ended.
    let closed = within(WITHIN, async || {
        let store = Store::open_read_only(&url).await.ok()?;
        let events = store.events(&Default::default()).await.ok();
        store.close().await;
        let count = |kind| events.iter().flatten().filter(|e| e.kind == kind).count();
        (count(EventKind::DecidedInScenario) == 3 && count(EventKind::RunEnded) == 3).then_some(())
    })
    .await;
    assert!(closed.is_some(), "{}", bridge.log_tail(40));
    outbox_drained(&url, &bridge).await;
    let store = Store::open_read_only(&url).await.unwrap();
    assert_all_delivered_in_order(&store, &receiver).await;
    assert!(!bridge.log().contains(SECRET), "the signing secret is never logged");
    let events = store.events(&Default::default()).await.unwrap();
    eprintln!(
        "events: {} recorded, {} deliveries over {} kills ({} repeats)",
        events.len(),
        receiver.received().len(),
        bridge.kills,
        receiver.received().len() - events.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_replicas_the_lease_holder_delivers_and_the_other_takes_over_after_a_kill() {
    let Some(schema) = TempSchema::create("reliability::events").await else { return };
    let Fakes { discord, scenario, channel, role, workflow, .. } = Fakes::start().await;
    let receiver = FakeReceiver::start().await;
    receiver.set_delay(Duration::from_millis(100));
    let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let ports = [free_port(), free_port()];
    let replica = |dir: &std::path::Path, port: u16| {
        let mut env = replica_env((&discord, &scenario), (channel, role), &schema, dir, port);
        with_events(&mut env, &receiver);
        ChildBridge::new(env, dir)
    };
    let (mut a, mut b) = (replica(dir_a.path(), ports[0]), replica(dir_b.path(), ports[1]));
    a.start();
    let registered = discord.wait_for_requests(is_registration, 1, WITHIN).await;
    assert!(registered.is_some(), "the first replica took the lease:\n{}", a.log_tail(30));
    b.start();
    wait_for_listener(ports[1]).await;
    for _ in 0..4 {
        scenario.start_parked_run(&workflow);
    }
    wait_for_cards(&discord, channel, 4).await;
    wait_until("deliveries under way", WITHIN, async || !receiver.received().is_empty()).await;
    assert!(a.log().contains("delivering events"), "{}", a.log_tail(30));
    assert!(!b.log().contains("delivering events"), "the standby delivers nothing:\n{}", b.log_tail(30));
    let leader = lease_holder(&schema).await;
    a.kill();
    for _ in 0..4 {
        scenario.start_parked_run(&workflow);
    }
    wait_until("the survivor's takeover", WITHIN, async || lease_holder(&schema).await != leader).await;
    wait_for_cards(&discord, channel, 8).await;
    outbox_drained(&schema.url(), &b).await;
    assert!(b.log().contains("delivering events"), "{}", b.log_tail(30));
    let store = Store::open_read_only(&schema.url()).await.unwrap();
    assert_all_delivered_in_order(&store, &receiver).await;
    eprintln!("replicas: lease {LEASE_SECS} s, {} deliveries", receiver.received().len());
}
