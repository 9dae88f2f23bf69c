//! How often the watcher polls: at `POLL_INTERVAL_SECS` while runs are in flight, at the idle
//! interval when every run is parked or ended, and back at once when a run is seen in flight.

use std::time::Duration;

use approval_bridge::{
    approvals::ids::{JobId, NodeId},
    watcher::Watcher,
};
use tokio_util::sync::CancellationToken;

use crate::support::{
    app::spawn_app,
    fake_scenario::{Endpoint, FakeScenario, FlowTemplate},
    wait::wait_until,
    watcher::WatcherRig,
};

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

#[tokio::test]
async fn the_poll_loop_sleeps_its_cadence_on_the_injected_clock() {
    let scenario = FakeScenario::start().await;
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    scenario.start_parked_run(&workflow);
    let mut rig = WatcherRig::new(&scenario, None).await;
    let watcher = rig.watcher(Duration::from_secs(600)).with_idle_interval(IDLE);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(watcher.run(INTERVAL, rig.poll_requests(), shutdown.clone()));
    let asleep_until = async |at: Duration| {
        let what = format!("the loop asleep until {at:?}");
        wait_until(&what, Duration::from_secs(10), async || rig.clock.next_alarm() == Some(at)).await;
    };

    // The start-up sweep sees only a parked run: the next pass is an idle interval later.
    asleep_until(IDLE).await;
    let sweep = scenario.count(Endpoint::ListJobs);
    let moving = scenario.start_run(&workflow);
    rig.advance(IDLE - Duration::from_millis(1));
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert_eq!(scenario.count(Endpoint::ListJobs), sweep, "no pass before the idle interval is over");
    assert_eq!(rig.clock.next_alarm(), Some(IDLE));

    // The pass at 30 s sees a run in flight: the next one comes an interval later, and finds the
    // gate it parks at.
    rig.advance(Duration::from_millis(1));
    asleep_until(IDLE + INTERVAL).await;
    assert_eq!(scenario.count(Endpoint::ListJobs), sweep + 1, "one delta pass");
    scenario.settle_run(&moving);
    rig.advance(INTERVAL);
    asleep_until(IDLE + INTERVAL + IDLE).await;
    let gate = (JobId::from(moving.as_str()), NodeId::from("review"));
    let found = rig.services.store().approval_by_gate(&gate.0, &gate.1).await.unwrap();
    assert!(found.is_some(), "the gate was found at {:?}", IDLE + INTERVAL);
    shutdown.cancel();
    running.await.unwrap();
}
