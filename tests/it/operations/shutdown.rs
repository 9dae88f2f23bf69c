//! Stopping (what SIGTERM triggers) while a decision is in flight loses nothing.

use std::time::Duration;

use approval_bridge::{approvals::state::ApprovalState, discord::refusal::Refusal, store::Store};

use super::parked_run;
use crate::support::{
    app::{PROMPTLY, spawn_app, spawn_app_with},
    fake_scenario::{Endpoint, Fault, Release},
    wait::wait_until,
};

#[tokio::test]
async fn a_stop_during_a_decision_lets_it_finish_and_turns_new_clicks_away() {
    let mut app = spawn_app().await;
    let first = parked_run(&app, "Lighthouse");
    let second = parked_run(&app, "Harbour");
    let report = app.poll().await;
    assert_eq!(report.cards_posted, 2, "{report:?}");
    let (first_gate, second_gate) =
        (app.approval(&first, "review").await, app.approval(&second, "review").await);

    // Scenario holds the decision until the test lets it go: the stop arrives while it is on
    // the wire.
    let scenario_answers = Release::default();
    app.scenario.inject(Endpoint::UserApproval, Fault::Hold(scenario_answers.clone()), 1);
    let click = app.click(&app.reviewer("ana"), &first_gate, "Approve").await;
    wait_until("the PUT", PROMPTLY, async || app.scenario.count(Endpoint::UserApproval) == 1).await;
    assert_eq!(app.approval(&first, "review").await.state, ApprovalState::Deciding);
    let stopping = app.begin_stop();
    wait_until("shutdown to begin", PROMPTLY, async || app.bridge().lifecycle.is_shutting_down()).await;
    assert_eq!(
        app.scenario.node_status(&first, "review").as_deref(),
        Some("pending"),
        "the PUT is in flight"
    );

    // A click during the drain is answered at once, and changes nothing.
    let late = app.click(&app.reviewer("bo"), &second_gate, "Approve").await;
    assert_eq!(app.answer(&late).await, Refusal::Restarting.to_string());
    assert!(Refusal::Restarting.to_string().contains("Try again in a moment"));

    // The decision in flight completes before the bridge stops.
    scenario_answers.release();
    assert!(app.answer(&click).await.starts_with("Approved"));
    tokio::time::timeout(Duration::from_secs(30), stopping).await.expect("stops").expect("no panic").unwrap();
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "one PUT, for the first gate only");
    assert_eq!(app.scenario.node_status(&first, "review").as_deref(), Some("success"));
    assert_eq!(app.scenario.node_status(&second, "review").as_deref(), Some("pending"));

    let store = Store::connect(&app.settings().database_url).await.unwrap();
    let decided = store.approval(first_gate.id).await.unwrap().unwrap();
    assert_eq!((decided.state, decided.card_current), (ApprovalState::Approved, true));
    let untouched = store.approval(second_gate.id).await.unwrap().unwrap();
    assert_eq!((untouched.state, untouched.decided_by), (ApprovalState::Pending, None));
    let card = app.discord.message(app.channel, decided.message_id.unwrap().get()).unwrap();
    assert!(crate::support::card_view::controls(&card).is_empty(), "buttons gone: {card}");
    let live = app.discord.message(app.channel, untouched.message_id.unwrap().get()).unwrap();
    assert!(!crate::support::card_view::controls(&live).is_empty(), "still live: {live}");
    store.close().await;
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_stop_during_a_pass_stuck_on_scenario_does_not_wait_for_the_pass() {
    let mut app = spawn_app_with(|env| {
        env.insert("POLL_INTERVAL_SECS", "2".to_owned());
    })
    .await;
    // The next listing is never answered: the watcher's next pass hangs on it.
    app.scenario.inject(Endpoint::ListJobs, Fault::Hold(Release::default()), 1);
    let stuck = async || {
        let listings = app.scenario.requests_to(Endpoint::ListJobs);
        listings.iter().any(|r| r.fault.as_deref() == Some("held"))
    };
    wait_until("the watcher's next pass", PROMPTLY, stuck).await;

    let stopping = app.begin_stop();
    let stopped = tokio::time::timeout(Duration::from_secs(20), stopping).await;
    stopped.expect("the stop did not wait for the pass").expect("no panic").unwrap();
}
