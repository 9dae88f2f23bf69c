//! Two replicas of the real binary on one PostgreSQL database, one of them with its wall clock an
//! hour ahead or behind (or stepped a day ahead while it runs): leases, heartbeats, claims and
//! deadlines are judged on the database's clock, so nothing changes. The skewed replica starts
//! first and holds the lease; every click goes to the other one, whose decision is held at
//! Scenario while the holder passes, so a claim that looked orphaned would be taken over.

use std::path::Path;

use crate::support::{
    child::ChildBridge,
    fake_scenario::{Endpoint, FakeScenario, Fault, Release},
    postgres::TempSchema,
    wait::wait_until,
};

use super::replicas::{
    Fakes, WITHIN, click_open_cards, free_port, is_registration, lease_holder, replica_env, wait_for_cards,
    wait_for_listener, wait_for_puts,
};

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_an_hour_ahead_takes_no_claim_of_a_live_one_and_a_day_step_fires_no_deadline() {
    replicas_with_a_skewed_lease_holder("reliability::clock_skew::ahead", HOUR, Some(DAY)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_holder_an_hour_behind_keeps_its_lease_and_nothing_flaps() {
    replicas_with_a_skewed_lease_holder("reliability::clock_skew::behind", -HOUR, None).await;
}

/// The scenario of the module: the lease holder's wall clock off by `skew` seconds, and once a
/// click's decision is in flight, stepped by `step` more.
async fn replicas_with_a_skewed_lease_holder(test: &str, skew: i64, step: Option<i64>) {
    let Some(schema) = TempSchema::create(test).await else { return };
    let Fakes { discord, scenario, channel, role, workflow, reviewer } = Fakes::start().await;
    let (dir_s, dir_n) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let skew_file = dir_s.path().join("clock-skew");
    std::fs::write(&skew_file, skew.to_string()).expect("write the skew");
    let ports = [free_port(), free_port()];
    let replica = |dir: &Path, port: u16, skewed: bool| {
        let mut env = replica_env((&discord, &scenario), (channel, role), &schema, dir, port);
        // Long enough that a held decision is still in flight while the holder passes.
        env.insert("SCENARIO_TIMEOUT_SECS".into(), "30".into());
        // An hour: a clock compared across replicas, or stepped, would bring it forward.
        env.insert("DEADLINE".into(), "30m".into());
        env.insert("ON_DEADLINE".into(), "reject".into());
        if skewed {
            let file = skew_file.to_string_lossy().into_owned();
            env.insert(approval_bridge::store::TEST_CLOCK_SKEW_FILE.into(), file);
        }
        ChildBridge::new(env, dir)
    };
    let (mut skewed, mut normal) =
        (replica(dir_s.path(), ports[0], true), replica(dir_n.path(), ports[1], false));
    skewed.start();
    let registered = discord.wait_for_requests(is_registration, 1, WITHIN).await;
    assert!(registered.is_some(), "the skewed replica took the lease:\n{}", skewed.log_tail(30));
    let holder = lease_holder(&schema).await;
    normal.start();
    wait_for_listener(ports[1]).await;
    discord.deliver_interactions_to(&format!("http://127.0.0.1:{}/interactions", ports[1]));

    for _ in 0..3 {
        scenario.start_parked_run(&workflow);
    }
    wait_for_cards(&discord, channel, 3).await;
    // One click on the replica with the right time; its PUT is held at Scenario.
    let release = Release::default();
    scenario.inject(Endpoint::UserApproval, Fault::Hold(release.clone()), 1);
    let card = discord.messages_in(channel).remove(0);
    let (custom_id, id) = (super::replicas::open_button(&card).expect("open"), card["id"].clone());
    let id: u64 = id.as_str().expect("an id").parse().expect("a snowflake");
    discord.click_button(&reviewer, channel, id, &custom_id).await;
    wait_for_puts(&scenario, 1).await;
    // The holder passes several times over a few lease lengths (and, stepped, a few more).
    passes(&scenario, 4).await;
    if let Some(step) = step {
        std::fs::write(&skew_file, (skew + step).to_string()).expect("step the clock");
        passes(&scenario, 4).await;
    }
    let (s_log, n_log) = (skewed.log(), normal.log());
    assert!(skewed.is_running() && normal.is_running(), "both run:\n{s_log}\n{n_log}");
    assert_eq!(lease_holder(&schema).await, holder, "the lease never moved:\n{n_log}");
    assert!(!s_log.contains("finishing a recorded decision"), "a live claim was taken:\n{s_log}");
    assert!(!s_log.contains("deadline passed"), "a deadline fired early:\n{s_log}");
    assert_eq!(scenario.requests_to(Endpoint::UserApproval).len(), 1, "only the held decision");
    // The held decision lands; the other gates are decided by clicks, once each.
    release.release();
    click_open_cards(&discord, channel, &reviewer).await;
    wait_for_puts(&scenario, 3).await;
    wait_until("every card decided", WITHIN, async || {
        discord.messages_in(channel).iter().all(|card| super::replicas::open_button(card).is_none())
    })
    .await;
    let puts = scenario.requests_to(Endpoint::UserApproval);
    let actions: Vec<String> =
        puts.iter().map(|p| p.body.clone().unwrap_or_default()["action"].to_string()).collect();
    assert_eq!(actions, vec!["\"approve\""; 3], "one PUT per gate, each a reviewer's approval");
    assert!(skewed.is_running() && normal.is_running());
}

/// Waits until the lease holder has listed Scenario's runs `n` more times (one listing a pass).
async fn passes(scenario: &FakeScenario, n: usize) {
    let before = scenario.requests_to(Endpoint::ListJobs).len();
    let passed = async || scenario.requests_to(Endpoint::ListJobs).len() >= before + n;
    wait_until(&format!("{n} passes of the lease holder"), WITHIN, passed).await;
}
