//! The request budget under pressure, at the Scenario client: a fake allowing 100 requests a
//! minute, with time compressed ten times (100 in any 6 s; the client's budget at 600 a minute
//! with a burst of 6 stands for the default 60 a minute with its burst). In one such minute a
//! sweep lists the parked runs (polling) and fetches fresh asset URLs for each gate (as a pass
//! carding new gates does, a person's), reviewers send decisions (a read of the run and the PUT,
//! each) and Full size clicks fetch asset URLs. Once with the budget, once without it (each request waits out its
//! own 429s with the SDK's retries).

use std::time::{Duration, Instant};

use approval_bridge::approvals::ids::{AssetId, JobId, NodeId, WorkflowId};
use approval_bridge::approvals::state::Decision;
use approval_bridge::scenario::{Budget, BudgetSettings, Class, JobQuery, RetryPolicy, ScenarioClient};
use tokio::task::JoinSet;

use super::Scale;
use super::report::{Row, Samples, secs};
use crate::support::fake_scenario::{Endpoint, FakeScenario, FlowTemplate};

/// The fake's limit: Scenario's 100 a minute, ten times faster.
const LIMIT: usize = 100;
const WINDOW: Duration = Duration::from_secs(6);

/// What one round saw.
struct Round {
    click_to_put: Samples,
    decisions_failed: usize,
    puts_applied: usize,
    refused: usize,
    gates_carded: usize,
    took: Duration,
}

async fn round(scale: &Scale, with_budget: bool) -> Round {
    let fake = FakeScenario::start().await;
    let workflow = fake.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let runs = fake.seed_runs(&workflow, scale.budget_runs, 1);
    let assets: Vec<AssetId> = fake.add_assets(4).into_iter().map(AssetId::from).collect();
    fake.limit_requests(LIMIT, WINDOW);
    let mut settings = fake.settings();
    settings.retry = RetryPolicy::default();
    settings.budget = with_budget.then(|| Budget::new(BudgetSettings { per_minute: 600, burst: 6 }));
    let client = ScenarioClient::new(settings).expect("valid settings");
    let started = Instant::now();

    let sweep = tokio::spawn({
        let (polling, person, assets) = (client.with_class(Class::Polling), client.clone(), assets.clone());
        async move {
            let (query, mut carded) = (JobQuery::workflow_runs(), 0);
            let mut pages = polling.job_pages(&query);
            while let Ok(Some(page)) = pages.next().await {
                for _job in page.jobs {
                    // What a new gate's card shows is read as a person's, as the watcher does.
                    carded += usize::from(person.assets(&assets[..1]).await.is_ok());
                }
            }
            carded
        }
    });
    let mut clicks = JoinSet::new();
    for run in runs.iter().take(scale.budget_clicks) {
        let (client, workflow, run) =
            (client.clone(), WorkflowId::from(workflow.clone()), JobId::from(run.clone()));
        clicks.spawn(async move {
            let clicked = Instant::now();
            client.with_class(Class::Decision).get_job(&run).await.ok()?;
            client.decide(&workflow, &run, &NodeId::from("review"), Decision::Approve).await.ok()?;
            Some(clicked.elapsed())
        });
    }
    let mut full_size = JoinSet::new();
    for _ in 0..scale.budget_full_size {
        let (client, assets) = (client.clone(), assets.clone());
        full_size.spawn(async move { client.assets(&assets).await.is_ok() });
    }
    let (mut latencies, mut decisions_failed) = (Vec::new(), 0);
    while let Some(click) = clicks.join_next().await {
        match click.expect("a click task ends") {
            Some(latency) => latencies.push(latency),
            None => decisions_failed += 1,
        }
    }
    while full_size.join_next().await.is_some() {}
    let gates_carded = sweep.await.expect("the sweep ends");
    let puts_applied = fake.requests_to(Endpoint::UserApproval).iter().filter(|r| r.reached).count();
    Round {
        click_to_put: Samples::new(latencies),
        decisions_failed,
        puts_applied,
        refused: fake.refused_by_limit(),
        gates_carded,
        took: started.elapsed(),
    }
}

/// The rows: the same load with the budget on and off.
pub async fn run(scale: &Scale) -> Vec<Row> {
    let on = round(scale, true).await;
    let off = round(scale, false).await;
    let (runs, clicks) = (scale.budget_runs, scale.budget_clicks);
    let load = format!(
        "{runs} parked runs swept and carded, {clicks} decisions, {} Full size, 100 requests a minute allowed (time ×10)",
        scale.budget_full_size
    );
    let mut rows = Vec::new();
    for (name, r) in [("budget on", &on), ("budget off", &off)] {
        rows.push(Row::new(
            format!("Budget, {load}, {name}: 429s / decisions sent once / gates carded"),
            format!(
                "{} 429s; {} of {clicks} decisions applied once, {} failed; {} of {runs} carded; in {}",
                r.refused,
                r.puts_applied,
                r.decisions_failed,
                r.gates_carded,
                secs(r.took)
            ),
            if name == "budget on" {
                "zero 429s, every decision once, every gate carded"
            } else {
                "(for comparison)"
            },
            (name == "budget on").then_some(
                r.refused == 0
                    && r.puts_applied == clicks
                    && r.decisions_failed == 0
                    && r.gates_carded == runs,
            ),
        ));
        rows.push(Row::new(
            format!("Budget, {name}: click → PUT answered (compressed time)"),
            r.click_to_put.summary(),
            "decisions ahead of the sweep",
            None,
        ));
    }
    rows
}
