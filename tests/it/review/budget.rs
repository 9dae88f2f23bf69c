//! The watcher's passes in the request budget, on a clock the test moves: a sweep's pages spread
//! at the refill rate and leave room for decisions; a pass lists as polling, while what a new
//! gate's card shows and a pass someone asked for (`/approvals sync`) are what a person waits for.

use std::time::Duration;

use approval_bridge::{
    approvals::ids::JobId,
    metrics::Metrics,
    scenario::{BudgetSettings, Class},
};
use tokio_util::sync::CancellationToken;

use crate::support::{
    fake_scenario::{Endpoint, FakeScenario, FlowTemplate},
    wait::wait_until,
    watcher::WatcherRig,
};

const WAIT: Duration = Duration::from_secs(10);
const FULL_SWEEP: Duration = Duration::from_secs(600);

/// The requests the budget let go as `class`, from the metrics.
fn granted(metrics: &Metrics, class: Class) -> u64 {
    let prefix = format!("approval_bridge_scenario_budget_requests_total{{class=\"{}\"}} ", class.as_str());
    let text = metrics.render();
    text.lines().find_map(|line| line.strip_prefix(&prefix)).map_or(0, |n| n.parse().expect("a count"))
}

/// Lets every task woken so far run up to its next wait.
async fn let_woken_tasks_run() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_sweep_under_a_small_budget_leaves_room_for_decisions_and_a_backlogged_decision_goes_first() {
    let scenario = FakeScenario::start().await;
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    // 450 runs in progress: five pages of them, and one (empty) page for each other status.
    let runs = scenario.seed_runs(&workflow, 450, 0);
    let run = JobId::from(runs[0].clone());
    // 60 a minute, a burst of 6: polling leaves 3 tokens to the others.
    let rig = WatcherRig::new(&scenario, Some(BudgetSettings { per_minute: 60, burst: 6 })).await;
    let budget = rig.budget.clone().expect("a budget");
    let decisions = rig.scenario.with_class(Class::Decision);
    let lists = || scenario.count(Endpoint::ListJobs);

    let mut watcher = rig.watcher(FULL_SWEEP);
    let pass = tokio::spawn(async move { watcher.try_poll_once().await.map(|report| report.runs) });
    // The sweep takes pages down to the reserve, not the whole burst, then waits.
    wait_until("a page waiting for the budget", WAIT, async || budget.usage().waiting == [0, 0, 1]).await;
    assert_eq!(lists(), 3, "three pages, then the reserve is left");

    // Decisions arriving in the middle of the sweep go at once, without the clock moving.
    for _ in 0..3 {
        let read = tokio::time::timeout(WAIT, decisions.get_job(&run)).await;
        read.expect("a decision finds a token at once").expect("the run is read");
    }
    let_woken_tasks_run().await;
    assert_eq!(lists(), 3, "no page took a token from them");

    // The bucket is empty: a decision queued behind the waiting page goes first.
    let queued = tokio::spawn({
        let decisions = decisions.clone();
        let run = run.clone();
        async move { decisions.get_job(&run).await }
    });
    wait_until("the decision queued", WAIT, async || budget.usage().waiting == [1, 0, 1]).await;
    rig.advance(Duration::from_secs(1));
    queued.await.unwrap().expect("the queued decision is sent");
    let_woken_tasks_run().await;
    assert_eq!(lists(), 3, "the decision went, not the page");

    // Four grants went to others while the page waited: the next one is polling's share, which
    // needs one token, not the reserve.
    rig.advance(Duration::from_millis(999));
    let_woken_tasks_run().await;
    assert_eq!(lists(), 3, "no token yet");
    rig.advance(Duration::from_millis(1));
    wait_until("the page of polling's share", WAIT, async || lists() == 4).await;
    // Then each page waits for the reserve to be back (4 tokens at 1 a second): the sweep goes
    // on at the refill rate, one page a second, never emptying the bucket.
    rig.advance(Duration::from_millis(3_999));
    let_woken_tasks_run().await;
    assert_eq!(lists(), 4, "not before the reserve is back");
    rig.advance(Duration::from_millis(1));
    wait_until("the fifth page", WAIT, async || lists() == 5).await;
    for sent in 6..=9 {
        rig.advance(Duration::from_secs(1));
        wait_until("the next page", WAIT, async || lists() == sent).await;
    }
    let runs_listed = pass.await.unwrap().expect("the sweep ends");
    assert_eq!(runs_listed, 450);
    let metrics = rig.services.metrics();
    assert_eq!((granted(metrics, Class::Decision), granted(metrics, Class::Polling)), (4, 9));
}

#[tokio::test]
async fn a_pass_lists_as_polling_and_reads_what_a_new_gates_card_shows_as_a_person() {
    let scenario = FakeScenario::start().await;
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    scenario.start_parked_run(&workflow);
    let rig = WatcherRig::new(&scenario, Some(BudgetSettings::per_minute(60_000))).await;

    let report = rig.watcher(FULL_SWEEP).try_poll_once().await.unwrap();

    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    let lists = scenario.count(Endpoint::ListJobs);
    let card_reads = scenario.count(Endpoint::GetWorkflow) + scenario.count(Endpoint::GetBulkAssets);
    assert!(scenario.count(Endpoint::GetWorkflow) == 1 && card_reads >= 2, "{:?}", scenario.requests());
    let api_calls = scenario.requests().iter().filter(|r| r.endpoint != Endpoint::Cdn).count();
    assert_eq!(api_calls, lists + card_reads, "{:?}", scenario.requests());
    let metrics = rig.services.metrics();
    assert_eq!(granted(metrics, Class::Polling), lists as u64, "the listing is polling");
    assert_eq!(granted(metrics, Class::Person), card_reads as u64, "the new gate's card is a person's");
}

#[tokio::test]
async fn a_pass_asked_for_with_sync_spends_the_budget_as_a_person() {
    let scenario = FakeScenario::start().await;
    scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let mut rig = WatcherRig::new(&scenario, Some(BudgetSettings::per_minute(60_000))).await;
    let watcher = rig.watcher(FULL_SWEEP);
    let shutdown = CancellationToken::new();
    let running = tokio::spawn(watcher.run(Duration::from_secs(5), rig.poll_requests(), shutdown.clone()));
    let metrics = rig.services.metrics().clone();
    // The loop's own first pass (the start-up sweep) is polling.
    wait_until("the start-up sweep", WAIT, async || rig.clock.next_alarm().is_some()).await;
    let polling = granted(&metrics, Class::Polling);
    assert_eq!(polling, scenario.count(Endpoint::ListJobs) as u64);
    assert_eq!(granted(&metrics, Class::Person), 0);

    let report = rig.services.polls().now().await.expect("the pass runs");

    assert_eq!(report.runs, 0, "{report:?}");
    let listed = scenario.count(Endpoint::ListJobs) as u64 - polling;
    assert!(listed > 0);
    assert_eq!(granted(&metrics, Class::Person), listed, "the listings a person waits for");
    assert_eq!(granted(&metrics, Class::Polling), polling);
    shutdown.cancel();
    running.await.unwrap();
}
