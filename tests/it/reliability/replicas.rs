//! Two replicas of the real binary on one PostgreSQL database, taking interactions by signed
//! POST behind a load balancer: the lease holder polls and posts, both decide, and when the
//! holder is killed the other takes over within the lease time, with no card or decision doubled
//! and none lost.

use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use serde_json::Value;
use sqlx::{Connection as _, PgConnection};

use approval_bridge::store::Approval;

use crate::support::{
    app::{TestApp, button},
    child::{ChildBridge, bridge_env},
    fake_discord::{FakeDiscord, GuildMember, RecordedRequest, http_delivery},
    fake_scenario::{Endpoint, FakeScenario, FlowTemplate},
    postgres::TempSchema,
    wait::wait_until,
};

/// What replicas run against: both fakes, a card channel, a reviewer role and a workflow with
/// one gate, and a reviewer.
pub(super) struct Fakes {
    pub(super) discord: FakeDiscord,
    pub(super) scenario: FakeScenario,
    pub(super) channel: u64,
    pub(super) role: u64,
    pub(super) workflow: String,
    pub(super) reviewer: GuildMember,
}

impl Fakes {
    pub(super) async fn start() -> Self {
        let discord = FakeDiscord::start().await;
        let scenario = FakeScenario::start().await;
        let channel = discord.add_text_channel("approvals");
        let role = discord.add_role("Reviewers", "0");
        let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
        let reviewer = GuildMember::new("ana").with_roles(&[role]);
        Self { discord, scenario, channel, role, workflow, reviewer }
    }
}

/// The lease: short, so the test would see a takeover by expiry as well.
pub(super) const LEASE_SECS: u64 = 3;
/// How long the test waits for what the replicas do at their pace (polls every 2 s).
pub(super) const WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_postgres_split_the_clicks_and_the_survivor_takes_over_from_a_killed_leader() {
    let Some(schema) = TempSchema::create("reliability::replicas").await else { return };
    let Fakes { discord, scenario, channel, role, workflow, reviewer } = Fakes::start().await;
    let (dir_a, dir_b) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let ports = [free_port(), free_port()];
    let replica = |dir: &std::path::Path, port: u16| {
        let mut env = replica_env((&discord, &scenario), (channel, role), &schema, dir, port);
        env.insert("SCENARIO_TIMEOUT_SECS".into(), "2".into());
        ChildBridge::new(env, dir)
    };
    let mut a = replica(dir_a.path(), ports[0]);
    let mut b = replica(dir_b.path(), ports[1]);
    a.start();
    let registered = discord.wait_for_requests(is_registration, 1, WITHIN).await;
    assert!(registered.is_some(), "the first replica took the lease and registered:\n{}", a.log_tail(30));
    b.start();
    wait_for_listener(ports[1]).await;
    let urls: Vec<String> = ports.iter().map(|p| format!("http://127.0.0.1:{p}/interactions")).collect();
    discord.deliver_interactions_to_each(&urls);

    // Gates appear (posted by the leader); clicks go to one replica and the other in turn.
    for _ in 0..4 {
        scenario.start_parked_run(&workflow);
    }
    wait_for_cards(&discord, channel, 4).await;
    click_open_cards(&discord, channel, &reviewer).await;
    wait_for_puts(&scenario, 4).await;

    // Two more gates; both are clicked, and the leader is killed while those clicks are handled.
    for _ in 0..2 {
        scenario.start_parked_run(&workflow);
    }
    wait_for_cards(&discord, channel, 6).await;
    let leader = lease_holder(&schema).await;
    click_open_cards(&discord, channel, &reviewer).await;
    a.kill();
    let killed = Instant::now();
    for _ in 0..2 {
        scenario.start_parked_run(&workflow);
    }

    // The survivor takes the lease within the lease time, posts the new gates and finishes
    // whatever the dead leader left half-decided.
    wait_until("the survivor's takeover", WITHIN, async || lease_holder(&schema).await != leader).await;
    let takeover = killed.elapsed();
    eprintln!("replicas: takeover {takeover:?} after the leader's SIGKILL (lease {LEASE_SECS} s)");
    assert!(takeover <= Duration::from_secs(LEASE_SECS), "takeover took {takeover:?}");
    wait_for_cards(&discord, channel, 8).await;
    // A click whose POST died with the leader never reached the database: the reviewer sees the
    // card still open and clicks again.
    // Once a second at most: a card stays open while its decision is being sent, and a flood of
    // refused clicks would only slow the replica down.
    let mut last_round = Instant::now();
    wait_until("a decision for each of the 8 gates", WITHIN, async || {
        if last_round.elapsed() >= Duration::from_secs(1) {
            click_open_cards(&discord, channel, &reviewer).await;
            last_round = Instant::now();
        }
        scenario.requests_to(Endpoint::UserApproval).len() >= 8
    })
    .await;

    let puts = scenario.requests_to(Endpoint::UserApproval);
    let decided: HashSet<String> =
        puts.iter().map(|p| p.body.clone().unwrap_or_default()["workflowJobId"].to_string()).collect();
    assert_eq!((puts.len(), decided.len()), (8, 8), "one PUT per gate, none twice");
    let cards = discord.messages_in(channel);
    assert_eq!(cards.len(), 8, "one card per gate, whoever posted it");
    wait_until("every card showing its decision", WITHIN, async || {
        discord.messages_in(channel).iter().all(|card| open_button(card).is_none())
    })
    .await;
    assert!(b.log().contains("serving the interactions endpoint"));
    assert_eq!(discord.gateway_counts().identifies, 0, "no replica opened a gateway connection");
}

/// The settings of a replica of the binary on `schema`, taking interactions by signed POST on
/// `port`, its cards in `channel` decided by `role`, with a lease of [`LEASE_SECS`].
pub(super) fn replica_env(
    (discord, scenario): (&FakeDiscord, &FakeScenario),
    (channel, role): (u64, u64),
    schema: &TempSchema,
    dir: &std::path::Path,
    port: u16,
) -> std::collections::BTreeMap<String, String> {
    let mut env = bridge_env(discord, scenario, channel, role, &dir.join("unused.db"));
    env.insert("DATABASE_URL".into(), schema.url());
    env.insert("INTERACTIONS_ADDR".into(), format!("127.0.0.1:{port}"));
    env.insert("DISCORD_PUBLIC_KEY".into(), http_delivery::public_key());
    env.insert("LEASE_SECS".into(), LEASE_SECS.to_string());
    env
}

pub(super) fn is_registration(r: &RecordedRequest) -> bool {
    r.method == "PUT" && r.path.ends_with("/commands") && r.status == 200
}

pub(super) fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

/// Waits until a replica listens on `port`.
pub(super) async fn wait_for_listener(port: u16) {
    let connects = async || tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok();
    wait_until(&format!("a replica listening on port {port}"), WITHIN, connects).await;
}

pub(super) async fn wait_for_cards(discord: &FakeDiscord, channel: u64, n: usize) {
    wait_until(&format!("{n} cards"), WITHIN, async || discord.messages_in(channel).len() >= n).await;
}

pub(super) async fn wait_for_puts(scenario: &FakeScenario, n: usize) {
    let sent = async || scenario.requests_to(Endpoint::UserApproval).len() >= n;
    wait_until(&format!("{n} decisions"), WITHIN, sent).await;
}

/// The Approve button of `card` while it is offered.
pub(super) fn open_button(card: &Value) -> Option<String> {
    button(card, "Approve")
}

/// Clicks Approve on every card that still offers it.
pub(super) async fn click_open_cards(discord: &FakeDiscord, channel: u64, reviewer: &GuildMember) {
    for card in discord.messages_in(channel) {
        let (Some(custom_id), Some(id)) = (open_button(&card), card["id"].as_str()) else { continue };
        let id: u64 = id.parse().expect("a snowflake");
        let _ = discord.try_click_button(reviewer, channel, id, &custom_id).await;
    }
}

/// Who holds the lease now.
pub(super) async fn lease_holder(schema: &TempSchema) -> String {
    let mut conn = PgConnection::connect(&schema.url()).await.expect("connect");
    let holder: Option<(String,)> = sqlx::query_as("SELECT holder FROM lease WHERE name = 'bridge'")
        .fetch_optional(&mut conn)
        .await
        .expect("read the lease");
    holder.map(|(h,)| h).unwrap_or_default()
}

#[tokio::test]
async fn a_claim_of_a_replica_that_still_runs_elsewhere_is_left_to_it_and_taken_over_once_it_stops() {
    let app = crate::support::app::spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    // Another replica, on another machine, claimed the gate and is sending the decision.
    let running_until = approval_bridge::store::now_ms() + 60_000;
    app.execute_sql(&format!(
        "INSERT INTO lease (name, holder, expires_at) VALUES ('replica:elsewhere', 'other-host pid=1 nonce=0', {running_until})"
    ))
    .await;
    app.execute_sql(&format!(
        "UPDATE approvals SET state = 'deciding', decision = 'approve', decided_by = 7, decided_by_name = 'olga',
         decided_at = 1, claim_token = 'elsewhere.abc', decision_sent = 0 WHERE id = {}",
        approval.id
    ))
    .await;
    app.poll().await;
    let left = app.approval(&job, "review").await;
    assert_eq!(
        (left.state, left.claim_token.as_ref().map(|t| t.as_str().to_owned())),
        (approval_bridge::approvals::state::ApprovalState::Deciding, Some("elsewhere.abc".to_owned())),
        "a running replica's claim is its own"
    );
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty());

    // Its heartbeat stops (the machine is gone): the claim is finished here, once.
    app.execute_sql("UPDATE lease SET expires_at = 0 WHERE name = 'replica:elsewhere'").await;
    app.poll().await;
    let finished = app.approval(&job, "review").await;
    assert_eq!(finished.state, approval_bridge::approvals::state::ApprovalState::Approved);
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
}

/// A bridge taking interactions over HTTP on a schema of its own, with one gate of workflow
/// "Lighthouse" posted: the schema (kept as long as the test), the app, the workflow and the
/// gate's row; `None` (the test is skipped) without PostgreSQL.
pub(super) async fn one_card_on_postgres(test: &str) -> Option<(TempSchema, TestApp, String, Approval)> {
    let schema = TempSchema::create(test).await?;
    let app =
        crate::support::app::spawn_app_over_http(|env| _ = env.insert("DATABASE_URL", schema.url())).await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    Some((schema, app, workflow, approval))
}

#[tokio::test]
async fn a_route_another_replica_set_applies_to_the_next_click_here() {
    let Some((schema, app, workflow, approval)) = one_card_on_postgres("reliability::replicas::routes").await
    else {
        return;
    };
    a_route_set_elsewhere_applies_to_the_next_click(&app, &schema.url(), &workflow, &approval).await;
}

#[tokio::test]
async fn on_sqlite_a_route_another_process_set_applies_to_the_next_click_here() {
    let app = crate::support::app::spawn_app_over_http(|_| {}).await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    app.poll().await;
    let approval = app.approval(&job, "review").await;
    let url = app.env["DATABASE_URL"].clone();
    a_route_set_elsewhere_applies_to_the_next_click(&app, &url, &workflow, &approval).await;
}

/// Another process on the database at `url` routes `workflow` to a role of its own: a member of
/// that role, who is no default reviewer, clicks on `app`, and the new route applies already.
async fn a_route_set_elsewhere_applies_to_the_next_click(
    app: &TestApp,
    url: &str,
    workflow: &str,
    approval: &Approval,
) {
    let leads = app.discord.add_role("Leads", "0");
    let other = approval_bridge::store::Store::connect(url).await.expect("the other process's store");
    let route = approval_bridge::store::NewWatch {
        workflow_id: workflow.to_owned().into(),
        workflow_name: "Lighthouse".into(),
        channel_id: app.channel.into(),
        reviewer_role_id: Some(leads.into()),
    };
    let admin = approval_bridge::store::Reviewer { id: 1.into(), name: "admin".into() };
    other.set_watch(&route, &admin).await.expect("the route is set");
    other.close().await;

    let lead = GuildMember::new("lea").with_roles(&[leads]);
    let click = app.click(&lead, approval, "Approve").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("Approved"), "{answer}");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
}

#[tokio::test]
async fn a_replica_standing_by_answers_a_click_and_says_the_active_one_polls() {
    let Some((_schema, app, _, approval)) = one_card_on_postgres("reliability::replicas::standby").await
    else {
        return;
    };

    let mut settings = app.settings();
    if let Some(endpoint) = settings.interactions.as_mut() {
        endpoint.addr = "127.0.0.1:0".parse().expect("an address");
    }
    let second = approval_bridge::app::App::build(&settings).await.expect("the second replica builds");
    let (bridge, addr) = (second.bridge(), second.interactions_addr().expect("it serves the endpoint"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(second.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    wait_for_listener(addr.port()).await;
    let why = bridge.polls.now().await.expect_err("the standby runs no watcher");
    assert!(why.contains("stands by"), "{why}");

    app.discord.deliver_interactions_to(&format!("http://{addr}/interactions"));
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    let _ = stop.send(());
    task.await.expect("no panic").expect("the standby stops cleanly");
}
