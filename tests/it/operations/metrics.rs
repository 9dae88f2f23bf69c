//! `/metrics` counts a scripted run exactly: each bridge has its own registry, and the
//! differences between two scrapes are compared with what the fakes saw happen.

use std::collections::HashMap;

use super::{parked_run, scrape, spawn_app_with_ops};
use crate::support::fake_scenario::{Endpoint, Fault};

/// The `endpoint` label of each call the bridge makes.
const ENDPOINTS: [(Endpoint, &str); 7] = [
    (Endpoint::ListJobs, "GET /jobs"),
    (Endpoint::GetJob, "GET /jobs/{jobId}"),
    (Endpoint::ListWorkflows, "GET /workflows"),
    (Endpoint::GetWorkflow, "GET /workflows/{workflowId}"),
    (Endpoint::UserApproval, "PUT /workflows/{workflowId}/user-approval"),
    (Endpoint::GetAsset, "GET /assets/{assetId}"),
    (Endpoint::GetBulkAssets, "POST /assets/get-bulk"),
];

/// How much each series moved from `before` to `after` (series absent before count from 0).
fn moved(before: &HashMap<String, f64>, after: &HashMap<String, f64>) -> HashMap<String, f64> {
    let delta = |(series, value): (&String, &f64)| {
        let change = value - before.get(series).copied().unwrap_or(0.0);
        (change != 0.0).then(|| (series.clone(), change))
    };
    after.iter().filter_map(delta).collect()
}

fn scenario_requests(delta: &HashMap<String, f64>, endpoint: &str, status: &str) -> f64 {
    let series =
        format!(r#"approval_bridge_scenario_requests_total{{endpoint="{endpoint}",status="{status}"}}"#);
    delta.get(&series).copied().unwrap_or(0.0)
}

#[tokio::test]
async fn a_gate_found_posted_and_approved_moves_each_metric_by_exactly_that() {
    let app = spawn_app_with_ops(|_| {}).await;
    app.poll().await; // the pass at start is over: from here on only the script moves anything
    let job = parked_run(&app, "Lighthouse");
    app.scenario.clear_requests();
    let before = scrape(&app).await;

    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    assert_eq!(app.cards().len(), 1);
    let polled = scrape(&app).await;
    assert_eq!(polled["approval_bridge_open_gates"], 1.0);
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"));
    let after = scrape(&app).await;
    let delta = moved(&before, &after);

    let count = |series: &str| delta.get(series).copied().unwrap_or(0.0);
    assert_eq!(count("approval_bridge_polls_total"), 1.0, "{delta:#?}");
    assert_eq!(count("approval_bridge_poll_failures_total"), 0.0);
    assert_eq!(count("approval_bridge_gates_found_total"), 1.0);
    assert_eq!(count("approval_bridge_cards_posted_total"), 1.0);
    assert_eq!(count(r#"approval_bridge_decisions_total{outcome="approved"}"#), 1.0);
    assert_eq!(count("approval_bridge_gate_wait_seconds_count"), 1.0);
    assert_eq!(count(r#"approval_bridge_click_to_put_seconds_count{outcome="approved"}"#), 1.0);
    assert_eq!(after["approval_bridge_open_gates"], 0.0);

    // Every request the fake saw is counted once, under its endpoint and status, and timed.
    let seen = app.scenario.requests();
    for (endpoint, label) in ENDPOINTS {
        let sent = seen.iter().filter(|r| r.endpoint == endpoint).count() as f64;
        assert_eq!(scenario_requests(&delta, label, "200"), sent, "{label}: {delta:#?}");
        let timed = format!(
            r#"approval_bridge_scenario_request_duration_seconds_count{{endpoint="{label}",status="200"}}"#
        );
        assert_eq!(count(&timed), sent, "{label}");
    }
    assert_eq!(scenario_requests(&delta, "PUT /workflows/{workflowId}/user-approval", "200"), 1.0);
    let counted: f64 = delta
        .iter()
        .filter(|(s, _)| s.starts_with("approval_bridge_scenario_requests_total"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(counted, seen.iter().filter(|r| r.endpoint != Endpoint::Cdn).count() as f64);
}

#[tokio::test]
async fn a_failed_poll_counts_each_attempt_and_one_failure() {
    let app = spawn_app_with_ops(|_| {}).await;
    app.poll().await;
    let before = scrape(&app).await;
    // Two retries after the first attempt: three 503s fail the pass.
    app.scenario.inject(Endpoint::ListJobs, Fault::status(503), 3);
    assert!(app.bridge().polls.now().await.is_err());
    let delta = moved(&before, &scrape(&app).await);
    assert_eq!(delta.get("approval_bridge_polls_total"), Some(&1.0), "{delta:#?}");
    assert_eq!(delta.get("approval_bridge_poll_failures_total"), Some(&1.0));
    assert_eq!(scenario_requests(&delta, "GET /jobs", "503"), 3.0);
    assert_eq!(scenario_requests(&delta, "GET /jobs", "200"), 0.0);
    assert!(!delta.contains_key("approval_bridge_last_successful_poll_timestamp_seconds"));
}

#[tokio::test]
async fn two_bridges_in_one_process_count_separately() {
    let (one, two) = tokio::join!(spawn_app_with_ops(|_| {}), spawn_app_with_ops(|_| {}));
    one.poll().await;
    one.poll().await;
    two.poll().await;
    let (one, two) = (scrape(&one).await, scrape(&two).await);
    // Each also ran one pass of its own at start.
    assert_eq!(one["approval_bridge_polls_total"], 3.0);
    assert_eq!(two["approval_bridge_polls_total"], 2.0);
}
