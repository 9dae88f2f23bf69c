//! How often the watcher polls: at `POLL_INTERVAL_SECS` while runs are in flight, at the idle
//! interval when every run is parked or ended, and back at once when a run is seen in flight.

use std::time::Duration;

use approval_bridge::watcher::Watcher;

use crate::support::{app::spawn_app, fake_scenario::FlowTemplate};

const INTERVAL: Duration = Duration::from_secs(5);
const IDLE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn polling_slows_while_nothing_is_in_flight_and_speeds_up_at_the_first_run_in_flight() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    let mut watcher = Watcher::new(app.watcher_parts()).with_idle_interval(IDLE);

    watcher.try_poll_once().await.unwrap();
    assert!(!watcher.runs_in_flight(), "a parked run is not in flight");
    assert_eq!(watcher.cadence(INTERVAL), IDLE);

    let moving = app.scenario.start_run(&workflow);
    watcher.try_poll_once().await.unwrap();
    assert!(watcher.runs_in_flight(), "a new run that has not parked is in flight");
    assert_eq!(watcher.cadence(INTERVAL), INTERVAL, "the pass that saw it brings the interval back");

    app.scenario.settle_run(&moving);
    let parked = watcher.try_poll_once().await.unwrap();
    assert_eq!(parked.new_gates, 1, "{parked:?}");
    assert_eq!(watcher.cadence(INTERVAL), IDLE, "parked again: idle");

    let ended = app.scenario.start_run(&workflow);
    watcher.try_poll_once().await.unwrap();
    app.scenario.cancel_run(&ended);
    watcher.try_poll_once().await.unwrap();
    assert_eq!(watcher.cadence(INTERVAL), IDLE, "an ended run is not in flight");
}

#[tokio::test]
async fn without_an_idle_interval_the_cadence_never_changes() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    let mut watcher = Watcher::new(app.watcher_parts());
    watcher.try_poll_once().await.unwrap();
    assert_eq!(watcher.cadence(INTERVAL), INTERVAL);
}
