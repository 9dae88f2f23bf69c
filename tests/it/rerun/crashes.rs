//! A bridge that stopped in the middle of a Start: after the restart, one run or none, and the
//! card says which; never two. The stop is left in the database as a stopped process leaves it: a
//! request under the token of a process that no longer runs.

use approval_bridge::{approvals::state::ApprovalState, store::now_ms};
use serde_json::Value;

use super::{card_of, field, first_inputs, parked, run_puts};
use crate::support::{
    app::{TestApp, spawn_app},
    fake_scenario::{Endpoint, FlowTemplate},
};

/// Leaves a request of gate `approval_id` by reviewer 42 in `state`, with `inputs`, as a process
/// that stopped leaves it; `sent_ago_ms` since its PUT was recorded as about to go out.
async fn stopped_start(
    app: &TestApp,
    approval_id: i64,
    workflow: &str,
    state: &str,
    inputs: &Value,
    sent_ago_ms: i64,
) {
    let now = now_ms();
    let sent_at = if state == "requested" { "NULL".to_owned() } else { (now - sent_ago_ms).to_string() };
    app.execute_sql(&format!(
        "INSERT INTO reruns (approval_id, workflow_id, requested_by_id, requested_by_name, inputs, changed, state,
             token, requested_at, sent_at, round)
         VALUES ({approval_id}, '{workflow}', 42, 'ana', '{inputs}', '[\"prompt\"]', '{state}', 'stopped.token',
             {}, {sent_at}, 2)",
        now - sent_ago_ms - 10
    ))
    .await;
}

fn edited() -> Value {
    let mut inputs = first_inputs();
    inputs["prompt"] = "a lighthouse at dawn".into();
    inputs
}

#[tokio::test]
async fn a_start_stopped_before_its_put_starts_nothing_and_the_card_says_so() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    stopped_start(&app, approval.id.get(), &workflow, "requested", &edited(), 0).await;
    app.poll().await;
    assert!(run_puts(&app).is_empty(), "never sent after the restart");
    assert_eq!(app.scenario.runs_of(&workflow).len(), 1);
    let open = app.approval(&job, "review").await;
    assert_eq!(
        open.state,
        ApprovalState::Pending,
        "the gate stays open: the team is never left with neither"
    );
    let line = field(&card_of(&app, &open), "Re-run").unwrap();
    assert!(
        line.starts_with("🔁 Re-run by <@42> was not started: approval-bridge stopped before asking"),
        "{line}"
    );
}

#[tokio::test]
async fn a_start_stopped_after_its_put_adopts_the_run_it_made_and_rejects_the_gate() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    stopped_start(&app, approval.id.get(), &workflow, "sending", &edited(), 1_000).await;
    // The PUT of the stopped process landed.
    let made = app.scenario.start_parked_run_with(&workflow, edited());
    app.poll().await;
    assert!(run_puts(&app).is_empty(), "never sent again");
    assert_eq!(app.scenario.runs_of(&workflow).len(), 2, "one run");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1, "the gate's rejection");
    let old = app.approval(&job, "review").await;
    assert_eq!(old.state, ApprovalState::Rejected);
    app.poll().await;
    let line = field(&card_of(&app, &old), "Re-run").unwrap();
    assert!(line.contains(&format!("→ run `{made}`")), "{line}");
}

#[tokio::test]
async fn a_start_stopped_after_its_put_whose_run_never_came_started_nothing_once_it_cannot_land() {
    let app = spawn_app().await;
    let (workflow, job, approval) = parked(&app, FlowTemplate::single_gate(), "review").await;
    // Sent longer ago than a request may take (SCENARIO_TIMEOUT_SECS, 60 s by default).
    stopped_start(&app, approval.id.get(), &workflow, "sending", &edited(), 120_000).await;
    app.poll().await;
    assert!(run_puts(&app).is_empty());
    assert_eq!(app.scenario.runs_of(&workflow).len(), 1, "none");
    let open = app.approval(&job, "review").await;
    assert_eq!(open.state, ApprovalState::Pending);
    let line = field(&card_of(&app, &open), "Re-run").unwrap();
    assert!(line.contains("was not started: Scenario shows no run of this request"), "{line}");
}
