//! The request budget of the real `ScenarioClient` against the fake Scenario, on a clock the
//! test moves: a 429 pauses every class, and the most urgent class goes first.

use std::sync::Arc;
use std::time::Duration;

use approval_bridge::approvals::ids::JobId;
use approval_bridge::monotonic::ManualClock;
use approval_bridge::scenario::{
    Budget, BudgetSettings, Class, JobQuery, RetryPolicy, ScenarioClient, ScenarioError,
};

use crate::support::fake_scenario::{Endpoint, FakeScenario, Fault, FlowTemplate, Release};
use crate::support::wait::wait_until;

const WAIT: Duration = Duration::from_secs(5);

/// A fake with one parked run, and a client whose budget runs on a clock the test moves.
async fn budgeted(
    settings: BudgetSettings,
) -> (FakeScenario, JobId, ScenarioClient, Budget, Arc<ManualClock>) {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = JobId::from(fake.start_parked_run(&wf));
    let clock = Arc::new(ManualClock::default());
    let budget = Budget::with_clock(settings, clock.clone());
    let mut client_settings = fake.settings();
    client_settings.budget = Some(budget.clone());
    let client = ScenarioClient::new(client_settings).expect("valid settings");
    (fake, run, client, budget, clock)
}

/// Lets every task woken so far run up to its next wait (the test runtime has one thread, so
/// a woken waiter runs its grant check before this returns).
async fn let_woken_tasks_run() {
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_429_with_retry_after_7_pauses_every_class_for_7_seconds_and_nothing_retries_in_between() {
    let (fake, run, client, budget, clock) = budgeted(BudgetSettings::per_minute(600)).await;
    fake.inject(Endpoint::GetJob, Fault::status(429).with_retry_after("7"), 1);

    let person = tokio::spawn({
        let (client, run) = (client.clone(), run.clone());
        async move { client.get_job(&run).await }
    });
    wait_until("the 429 and the pause it starts", WAIT, async || {
        budget.usage().paused_for == Some(Duration::from_secs(7))
    })
    .await;
    let decision = tokio::spawn({
        let (client, run) = (client.with_class(Class::Decision), run.clone());
        async move { client.get_job(&run).await }
    });
    let polling = tokio::spawn({
        let client = client.with_class(Class::Polling);
        async move { client.list_jobs_page(&JobQuery::workflow_runs(), None).await }
    });
    wait_until("every class waiting", WAIT, async || budget.usage().waiting == [1, 1, 1]).await;

    clock.advance(Duration::from_millis(6_999));
    let_woken_tasks_run().await;
    assert_eq!(fake.requests().len(), 1, "nothing may go during the pause: {:?}", fake.requests());
    assert_eq!(budget.usage().waiting, [1, 1, 1]);
    assert_eq!(budget.usage().paused_for, Some(Duration::from_millis(1)));

    // At 7 s one probe goes alone, the most urgent request; the rest wait for its answer.
    let release = Release::default();
    fake.inject(Endpoint::GetJob, Fault::Hold(release.clone()), 1);
    clock.advance(Duration::from_millis(1));
    wait_until("the probe", WAIT, async || fake.requests().len() == 2).await;
    let_woken_tasks_run().await;
    assert_eq!(budget.usage().waiting, [0, 1, 1], "only the decision's read goes as the probe");
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(fake.requests()[1].endpoint, Endpoint::GetJob);

    release.release();
    // The probe spent the one token the pause left; the rest go as the budget refills, polling
    // once the bucket holds its reserve for the others again (31 tokens at 10 a second).
    clock.advance(Duration::from_secs(1));
    decision.await.unwrap().expect("the decision's read succeeds");
    person.await.unwrap().expect("the person's read succeeds after the pause");
    let_woken_tasks_run().await;
    assert_eq!(budget.usage().waiting, [0, 0, 1], "the listing waits for the reserve");
    clock.advance(Duration::from_secs(3));
    polling.await.unwrap().expect("the listing succeeds after the pause");
    let endpoints: Vec<Endpoint> = fake.requests().iter().map(|r| r.endpoint).collect();
    assert_eq!(endpoints, [Endpoint::GetJob, Endpoint::GetJob, Endpoint::GetJob, Endpoint::ListJobs]);
    assert!(client.metrics().render().contains("approval_bridge_scenario_rate_limited_total 1\n"));
}

#[tokio::test]
async fn a_decision_queued_behind_listing_pages_goes_first() {
    // One request a second, no burst: every grant after the first waits for the clock.
    let (fake, run, client, budget, clock) = budgeted(BudgetSettings { per_minute: 60, burst: 1 }).await;
    client.get_job(&run).await.expect("the first request spends the only token");

    let polling = client.with_class(Class::Polling);
    let mut pages = Vec::new();
    for queued in 1..=3 {
        let polling = polling.clone();
        pages.push(tokio::spawn(
            async move { polling.list_jobs_page(&JobQuery::workflow_runs(), None).await },
        ));
        wait_until("a listing page queued", WAIT, async || budget.usage().waiting[2] == queued).await;
    }
    let decision = tokio::spawn({
        let (client, run) = (client.with_class(Class::Decision), run.clone());
        async move { client.get_job(&run).await }
    });
    wait_until("the decision queued last", WAIT, async || budget.usage().waiting == [1, 0, 3]).await;

    clock.advance(Duration::from_secs(1));
    decision.await.unwrap().expect("the decision's read succeeds");
    assert_eq!(budget.usage().waiting, [0, 0, 3], "the pages still wait for their tokens");
    for (page, sent) in pages.into_iter().zip(3..) {
        clock.advance(Duration::from_secs(1));
        page.await.unwrap().expect("a page succeeds");
        assert_eq!(fake.requests().len(), sent);
    }
    let endpoints: Vec<Endpoint> = fake.requests().iter().map(|r| r.endpoint).collect();
    assert_eq!(endpoints[..2], [Endpoint::GetJob, Endpoint::GetJob], "the decision went before any page");
    let metrics = client.metrics().render();
    assert!(
        metrics.contains("approval_bridge_scenario_budget_requests_total{class=\"decision\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("approval_bridge_scenario_budget_requests_total{class=\"polling\"} 3\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn polling_keeps_its_share_under_a_flood_of_clicks() {
    let (fake, run, client, budget, clock) = budgeted(BudgetSettings { per_minute: 60, burst: 1 }).await;
    client.get_job(&run).await.expect("the first request spends the only token");
    let page = tokio::spawn({
        let polling = client.with_class(Class::Polling);
        async move { polling.list_jobs_page(&JobQuery::workflow_runs(), None).await }
    });
    wait_until("the page queued", WAIT, async || budget.usage().waiting[2] == 1).await;
    let mut clicks = Vec::new();
    for queued in 1..=8 {
        let (client, run) = (client.with_class(Class::Decision), run.clone());
        clicks.push(tokio::spawn(async move { client.get_job(&run).await }));
        wait_until("a decision queued", WAIT, async || budget.usage().waiting[0] == queued).await;
    }

    for sent in 2..=10 {
        clock.advance(Duration::from_secs(1));
        wait_until("the next grant's request", WAIT, async || fake.requests().len() == sent).await;
    }
    page.await.unwrap().expect("the page succeeds");
    for click in clicks {
        click.await.unwrap().expect("a decision's read succeeds");
    }
    let position = fake.requests().iter().position(|r| r.endpoint == Endpoint::ListJobs);
    // The first request had the only token; then three decisions, then polling's turn.
    assert_eq!(position, Some(4), "{:?}", fake.requests().iter().map(|r| r.endpoint).collect::<Vec<_>>());
}

#[tokio::test]
async fn without_a_budget_a_429_is_waited_out_by_its_own_request_alone() {
    let fake = FakeScenario::start().await;
    let wf = fake.add_workflow("Posters", FlowTemplate::single_gate());
    let run = JobId::from(fake.start_parked_run(&wf));
    fake.inject(Endpoint::GetJob, Fault::status(429).with_retry_after("30"), 1);
    let client = fake.client();
    assert!(client.budget().is_none());

    let held = tokio::spawn({
        let (client, run) = (client.clone(), run.clone());
        async move { client.get_job(&run).await }
    });
    wait_until("the 429", WAIT, async || fake.count(Endpoint::GetJob) == 1).await;
    // The old behaviour, kept when the budget is off: other requests do not wait.
    client.list_jobs_page(&JobQuery::workflow_runs(), None).await.expect("a listing goes at once");
    held.abort();
}

#[tokio::test]
async fn the_fake_answers_429_with_retry_after_beyond_the_project_limit() {
    let fake = FakeScenario::start().await;
    fake.limit_requests(5, Duration::from_secs(60));
    let mut settings = fake.settings();
    settings.retry = RetryPolicy::none();
    let client = ScenarioClient::new(settings).expect("valid settings");
    for _ in 0..5 {
        client.check_connection().await.expect("within the limit");
    }

    let refused = client.check_connection().await.unwrap_err();

    assert!(matches!(refused, ScenarioError::RateLimited { attempts: 1 }), "{refused:?}");
    assert_eq!(fake.refused_by_limit(), 1);
    let fault = fake.requests().last().and_then(|r| r.fault.clone());
    assert_eq!(fault.as_deref(), Some("status 429"));
}
