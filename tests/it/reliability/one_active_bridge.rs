//! One active bridge per database: a second process on the same database stands by (it neither
//! connects to Discord nor polls) and takes over when the first stops, vanishes, or dies, without
//! doubling a card or a decision.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use approval_bridge::{app::App, discord::bridge::Bridge, store::now_ms};
use tokio::{sync::oneshot, task::JoinHandle};

use super::scenario_faults::parked_run;
use crate::{
    operations::get,
    support::{
        app::{PROMPTLY, TestApp, spawn_app, spawn_app_with},
        child::{ChildBridge, bridge_env},
        fake_discord::FakeDiscord,
        fake_scenario::{Endpoint, FakeScenario, FlowTemplate},
        wait::{wait_for, wait_until},
    },
};

/// A second bridge built from `app`'s settings (so on its database), serving health on a free
/// port, running until the returned sender fires.
struct Second {
    bridge: Arc<Bridge>,
    http: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

async fn start_second(app: &TestApp) -> Second {
    let mut settings = app.settings();
    settings.http_addr = Some("127.0.0.1:0".parse().expect("an address"));
    let second = App::build(&settings).await.expect("the second bridge builds");
    let (bridge, http) = (second.bridge(), second.http_addr().expect("health is served"));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(second.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    Second { bridge, http, stop, task }
}

/// Waits until `/healthz` at `addr` answers with `status` in its body; returns the body.
async fn wait_for_health(addr: SocketAddr, status: &str, timeout: Duration) -> serde_json::Value {
    wait_for(&format!("health to say {status}"), timeout, async || {
        let body: serde_json::Value = serde_json::from_str(&get(addr, "/healthz").await.body).expect("JSON");
        (body["status"] == status).then_some(body)
    })
    .await
}

fn card_posts(discord: &FakeDiscord) -> usize {
    let posts = discord.requests();
    posts.iter().filter(|r| r.method == "POST" && r.path.ends_with("/messages") && r.status == 200).count()
}

fn approval_puts(scenario: &FakeScenario) -> usize {
    scenario.requests_to(Endpoint::UserApproval).len()
}

#[tokio::test]
async fn a_second_bridge_stands_by_during_a_rolling_deploy_and_takes_over_without_doubling_anything() {
    let mut first = spawn_app().await;
    let job = parked_run(&first).await;
    let identifies = first.discord.gateway_counts().identifies;

    let second = start_second(&first).await;
    let body = wait_for_health(second.http, "standby", PROMPTLY).await;
    assert!(body["reasons"][0].as_str().unwrap().contains("another bridge is active"), "{body}");

    // The first bridge keeps working: a click decides once, a new gate gets its card.
    let approval = first.approval(&job, "review").await;
    let click = first.click(&first.reviewer("ana"), &approval, "Approve").await;
    assert!(first.answer(&click).await.starts_with("Approved."));
    let workflow = first.scenario.add_workflow("Harbor", FlowTemplate::single_gate());
    first.scenario.start_parked_run(&workflow);
    assert_eq!(first.poll().await.cards_posted, 1);
    assert_eq!(first.discord.gateway_counts().identifies, identifies, "the standby never connected");

    // The first stops (SIGTERM of a rolling deploy); the second takes over at once.
    first.stop().await.expect("a clean stop");
    assert!(first.discord.wait_for_identifies(identifies + 1, PROMPTLY).await, "the second never connected");
    wait_for_health(second.http, "ok", PROMPTLY).await;
    // Health is ok before the taking-over pass ends (a fresh start has three intervals): wait
    // for that pass, so the new run below is found by the pass this test asks for.
    let polled = async || second.bridge.polls.status() != approval_bridge::polls::PollStatus::default();
    wait_until("the second bridge's first pass", PROMPTLY, polled).await;
    let third = first.scenario.add_workflow("Quay", FlowTemplate::single_gate());
    first.scenario.start_parked_run(&third);
    let report = second.bridge.polls.now().await.expect("the second bridge polls");
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");

    assert_eq!(card_posts(&first.discord), 3, "one card per gate, whoever posted it");
    assert_eq!(first.cards().len(), 3);
    assert_eq!(approval_puts(&first.scenario), 1, "one decision, sent once");
    let _ = second.stop.send(());
    second.task.await.expect("no panic").expect("the second stops cleanly");
}

#[tokio::test]
async fn a_bridge_waits_out_the_lease_of_a_process_elsewhere_then_takes_over() {
    let mut app = spawn_app().await;
    app.stop().await.expect("a clean stop");
    let expires = now_ms() + 1_500;
    app.execute_sql(&format!(
        "INSERT INTO lease (name, holder, expires_at) VALUES ('bridge', 'other-host pid=1 nonce=0', {expires})"
    ))
    .await;
    let identifies = app.discord.gateway_counts().identifies;

    let second = start_second(&app).await;
    let body = wait_for_health(second.http, "standby", PROMPTLY).await;
    let reason = body["reasons"][0].as_str().unwrap();
    assert!(reason.contains("another bridge is active"), "{body}");
    assert!(!body.to_string().contains("other-host") && !body.to_string().contains("pid"), "{body}");
    assert_eq!(app.discord.gateway_counts().identifies, identifies);

    assert!(app.discord.wait_for_identifies(identifies + 1, PROMPTLY).await, "never took over");
    assert!(now_ms() >= expires, "took over only once the other's lease had expired");
    wait_for_health(second.http, "ok", PROMPTLY).await;
    let _ = second.stop.send(());
    second.task.await.expect("no panic").expect("stops cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bridge_restarted_after_a_sigkill_takes_over_from_its_dead_self_at_once() {
    let discord = FakeDiscord::start().await;
    let scenario = FakeScenario::start().await;
    let channel = discord.add_text_channel("approvals");
    let role = discord.add_role("Reviewers", "0");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut env = bridge_env(&discord, &scenario, channel, role, &dir.path().join("bridge.db"));
    // Far longer than the test may take: only knowing the holder is dead explains a quick start.
    env.insert("LEASE_SECS".into(), "600".into());
    let mut bridge = ChildBridge::new(env, dir.path());
    bridge.start();
    assert!(discord.wait_for_identifies(1, Duration::from_secs(20)).await, "{}", bridge.log_tail(30));
    bridge.kill();
    bridge.start();
    assert!(discord.wait_for_identifies(2, Duration::from_secs(20)).await, "{}", bridge.log_tail(30));
    assert!(bridge.log().contains("the process holding the database is gone; taking over"));
}

#[tokio::test]
async fn a_bridge_whose_lease_was_taken_stops_rather_than_act_beside_another() {
    let mut app = spawn_app_with(|env| _ = env.insert("LEASE_SECS", "3".into())).await;
    let until = now_ms() + 60_000;
    app.execute_sql(&format!("UPDATE lease SET holder = 'other-host pid=1 nonce=0', expires_at = {until}"))
        .await;
    let ended = app.stopped_by_itself(PROMPTLY).await;
    let err = ended.expect_err("it stops with an error");
    assert!(format!("{err:#}").contains("another bridge took over the database"), "{err:#}");
    assert!(format!("{err:#}").contains("other-host pid=1"), "names the new holder: {err:#}");
}
