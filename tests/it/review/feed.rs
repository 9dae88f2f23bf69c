//! Which runs a pass reads: parked runs in any non-terminal status, the delta feed from
//! Scenario's own `updatedAt`, the full sweep behind it, and the fallback when the feed cannot
//! be used.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use approval_bridge::{
    app::Services,
    approvals::state::ApprovalState,
    config::Settings,
    discord, guild,
    scenario::ScenarioClient,
    store::Store,
    watcher::{Clock, Watcher},
};
use serde_json::json;
use serenity::all::GuildId;

use super::{card_of, has_buttons, parked_run};
use crate::support::{
    app::{env_for, spawn_app},
    fake_discord::FakeDiscord,
    fake_scenario::{Endpoint, FakeScenario, Fault, FlowTemplate, RecordedRequest},
};

/// Whether a listing asked for runs updated after a cursor.
fn is_delta(request: &RecordedRequest) -> bool {
    request.param("updatedAfter").is_some()
}

#[tokio::test]
async fn gates_in_runs_pending_queued_or_in_an_unknown_status_get_their_cards() {
    let app = spawn_app().await;
    parked_run(&app).await;
    let workflow = app.scenario.add_workflow("Statuses", FlowTemplate::single_gate());
    let runs: Vec<String> = ["pending", "queued", "paused-for-review"]
        .into_iter()
        .map(|status| {
            let job = app.scenario.start_parked_run(&workflow);
            app.scenario.set_run_status(&job, status);
            job
        })
        .collect();
    app.scenario.clear_requests();

    let report = app.poll().await;

    assert_eq!((report.new_gates, report.cards_posted), (3, 3), "{report:?}");
    for job in &runs {
        assert!(has_buttons(&card_of(&app, &app.approval(job, "review").await)));
    }
    let lists = app.scenario.requests_to(Endpoint::ListJobs);
    assert_eq!(lists.len(), 1, "one delta request: {lists:?}");
    assert!(is_delta(&lists[0]) && lists[0].param("status").is_none(), "{lists:?}");
    assert_eq!(lists[0].param("types"), Some("workflow"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_start_up_sweep_lists_every_non_terminal_status_and_finds_the_gates_there() {
    let mut app = spawn_app().await;
    app.stop().await.unwrap();
    let workflow = app.scenario.add_workflow("Statuses", FlowTemplate::single_gate());
    let runs: Vec<String> = ["pending", "queued", "warming-up", "in-progress", "finalizing"]
        .into_iter()
        .map(|status| {
            let job = app.scenario.start_parked_run(&workflow);
            app.scenario.set_run_status(&job, status);
            job
        })
        .collect();
    let ended = app.scenario.start_parked_run(&workflow);
    app.scenario.cancel_run(&ended);
    app.scenario.clear_requests();

    app.start().await;

    for job in &runs {
        assert!(has_buttons(&card_of(&app, &app.approval(job, "review").await)), "{job}");
    }
    let no_gate = app.store().approval_by_gate(&ended.as_str().into(), &"review".into()).await.unwrap();
    assert!(no_gate.is_none(), "a cancelled run has no gate to post");
    let statuses: Vec<String> = app
        .scenario
        .requests_to(Endpoint::ListJobs)
        .iter()
        .map(|r| r.param("status").unwrap_or("none").to_owned())
        .collect();
    assert_eq!(statuses, ["pending", "queued", "warming-up", "in-progress", "finalizing"]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn one_delta_request_sees_a_run_that_ended_a_gate_decided_in_the_web_app_and_a_new_gate() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let decided = app.scenario.start_parked_run(&workflow);
    let cancelled = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!(report.cards_posted, 2, "{report:?}");
    app.poll().await;

    app.scenario.approve(&decided, "review").unwrap();
    app.scenario.cancel_run(&cancelled);
    let new = app.scenario.start_parked_run(&workflow);
    app.scenario.clear_requests();
    let report = app.poll().await;

    assert_eq!((report.settled, report.new_gates, report.cards_posted), (2, 1, 1), "{report:?}");
    assert_eq!(app.approval(&decided, "review").await.state, ApprovalState::DecidedElsewhere);
    assert_eq!(app.approval(&cancelled, "review").await.state, ApprovalState::RunEnded);
    assert!(has_buttons(&card_of(&app, &app.approval(&new, "review").await)));
    let requests = app.scenario.requests();
    let lists: Vec<_> = requests.iter().filter(|r| r.endpoint == Endpoint::ListJobs).collect();
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert!(is_delta(lists[0]));
    assert_eq!(app.scenario.count(Endpoint::GetJob), 0, "the feed carries how the runs ended");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_delta_cursor_is_scenarios_newest_update_less_the_overlap() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let newest = app.scenario.job_json(&job)["updatedAt"].as_str().unwrap().to_owned();
    app.scenario.clear_requests();

    app.poll().await;

    let lists = app.scenario.requests_to(Endpoint::ListJobs);
    let parse = |s: &str| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339);
    let sent = parse(lists[0].param("updatedAfter").expect("a delta query")).unwrap();
    assert_eq!(sent, parse(&newest).unwrap() - approval_bridge::feed::DELTA_OVERLAP);
}

#[tokio::test]
async fn quiet_delta_passes_cost_one_request_and_inspect_nothing() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    for _ in 0..3 {
        app.scenario.start_parked_run(&workflow);
    }
    app.poll().await;
    app.scenario.clear_requests();

    for _ in 0..3 {
        let report = app.poll().await;
        assert_eq!((report.runs_inspected, report.new_gates, report.cards_posted), (0, 0, 0), "{report:?}");
    }

    let requests = app.scenario.requests();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert!(requests.iter().all(|r| r.endpoint == Endpoint::ListJobs && is_delta(r)));
}

#[tokio::test]
async fn when_scenario_refuses_updated_after_every_pass_is_a_full_sweep_and_nothing_is_lost() {
    let app = spawn_app().await;
    app.scenario.refuse_updated_after(true);
    let first = parked_run(&app).await;
    app.scenario.clear_requests();

    let report = app.poll().await;
    assert!(report.failures.is_empty(), "{report:?}");
    let workflow = app.scenario.add_workflow("Later", FlowTemplate::single_gate());
    let later = app.scenario.start_parked_run(&workflow);
    app.scenario.approve(&first, "review").unwrap();
    let report = app.poll().await;
    app.poll().await;

    assert_eq!((report.new_gates, report.settled), (1, 1), "{report:?}");
    assert_eq!(app.approval(&first, "review").await.state, ApprovalState::DecidedElsewhere);
    assert!(has_buttons(&card_of(&app, &app.approval(&later, "review").await)));
    let lists = app.scenario.requests_to(Endpoint::ListJobs);
    let deltas: Vec<_> = lists.iter().filter(|r| is_delta(r)).collect();
    assert_eq!(deltas.len(), 1, "the refused query is not asked again: {deltas:?}");
    assert_eq!(lists.len(), 1 + 3 * 5, "then three sweeps of five statuses");
}

#[tokio::test]
async fn an_inconsistent_delta_listing_makes_the_bridge_fall_back_to_full_sweeps() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let mut stale = app.scenario.job_json(&job);
    stale["updatedAt"] = json!("2020-01-01T00:00:00.000Z");
    app.scenario.inject(Endpoint::ListJobs, Fault::WrongShape(json!({ "jobs": [stale] })), 1);
    app.scenario.clear_requests();

    let report = app.poll().await;
    app.scenario.approve(&job, "review").unwrap();
    let settled = app.poll().await;

    assert!(report.failures.is_empty(), "{report:?}");
    assert_eq!(settled.settled, 1, "{settled:?}");
    let lists = app.scenario.requests_to(Endpoint::ListJobs);
    assert_eq!(lists.iter().filter(|r| is_delta(r)).count(), 1, "{lists:?}");
    assert!(lists[1..].iter().all(|r| r.param("status").is_some()), "{lists:?}");
}

/// A watcher of its own (not the app's), with a clock the test moves.
struct ClockedWatcher {
    watcher: Watcher,
    now: Arc<Mutex<Instant>>,
    _discord: FakeDiscord,
    _dir: tempfile::TempDir,
}

impl ClockedWatcher {
    async fn new(scenario: &FakeScenario, full_sweep: Duration) -> Self {
        let discord = FakeDiscord::start().await;
        let channel = discord.add_text_channel("approvals");
        let role = discord.add_role("Reviewers", "0");
        let dir = tempfile::tempdir().unwrap();
        let env = env_for(&discord, scenario, channel, role, &dir.path().join("bridge.db"));
        let settings = Settings::from_lookup(|name| env.get(name).cloned()).unwrap();
        let store = Store::connect(&settings.database_url).await.unwrap();
        let client = ScenarioClient::new(scenario.settings()).unwrap();
        let http = Arc::new(discord::client::http(&settings.discord).unwrap());
        let home = guild::home::HomeServer::new(GuildId::new(discord.guild_id()));
        let (services, _requests) = Services::build(store, client, http, &settings.discord, home);
        let now = Arc::new(Mutex::new(Instant::now()));
        let read = now.clone();
        let clock: Clock = Arc::new(move || *read.lock().unwrap());
        let watcher = Watcher::new(services.watcher()).with_full_sweep(full_sweep).with_clock(clock);
        Self { watcher, now, _discord: discord, _dir: dir }
    }

    fn advance(&self, by: Duration) {
        *self.now.lock().unwrap() += by;
    }
}

#[tokio::test]
async fn a_change_hidden_from_the_delta_feed_is_caught_by_the_next_full_sweep() {
    let scenario = FakeScenario::start().await;
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    scenario.start_parked_run(&workflow);
    let mut rig = ClockedWatcher::new(&scenario, Duration::from_secs(600)).await;
    let start = rig.watcher.try_poll_once().await.unwrap();
    assert_eq!(start.new_gates, 1, "{start:?}");

    let hidden = scenario.start_run(&workflow);
    scenario.hide_from_delta(&hidden);
    scenario.settle_run(&hidden);
    rig.advance(Duration::from_secs(599));
    let delta = rig.watcher.try_poll_once().await.unwrap();
    rig.advance(Duration::from_secs(1));
    scenario.clear_requests();
    let sweep = rig.watcher.try_poll_once().await.unwrap();

    assert_eq!(delta.new_gates, 0, "the delta feed never shows it: {delta:?}");
    assert_eq!((sweep.new_gates, sweep.cards_posted), (1, 1), "{sweep:?}");
    let lists = scenario.requests_to(Endpoint::ListJobs);
    assert!(lists.iter().all(|r| !is_delta(r) && r.param("status").is_some()), "{lists:?}");
    let after = rig.watcher.try_poll_once().await.unwrap();
    assert_eq!(after.new_gates, 0, "{after:?}");
    assert!(scenario.requests_to(Endpoint::ListJobs).last().is_some_and(is_delta), "back to deltas");
}
