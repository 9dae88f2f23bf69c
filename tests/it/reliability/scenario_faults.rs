//! Scenario misbehaving while a reviewer decides or the watcher polls: 429 with `retry-after`,
//! 5xx bursts, dropped connections, a body cut in half, JSON of the wrong shape, a slow answer.
//! Each time the bridge keeps going, tells the reviewer the truth, and sends at most one decision
//! that Scenario applies.
//!
//! Timeouts: the app builds its Scenario client with the SDK's 60 s per attempt (there is no
//! setting for it), so a bridge-level timeout test would take three minutes. The client's own
//! timeout is tested in `scenario_client/failures.rs` with a short one; here a dropped connection
//! stands in for it: both are "Scenario did not answer" (`Timeout` and `Transport` take the same
//! path in `decisions::describe`), and a slow answer within the timeout is tested for Discord's
//! 3 s window.

use std::time::Duration;

use approval_bridge::approvals::state::ApprovalState;

use crate::support::{
    app::{TestApp, button, spawn_app},
    fake_scenario::{Endpoint, Fault, FlowTemplate},
};

/// A bridge with one run parked at gate `review`, its card posted; returns the run's id.
pub async fn parked_run(app: &TestApp) -> String {
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    job
}

/// The actions of the PUTs that reached Scenario's logic: not answered instead by an injected
/// status, wrong shape or reset (a slow or truncated answer comes after the work is done).
fn applied_puts(app: &TestApp) -> Vec<String> {
    let reached = |fault: Option<&str>| {
        fault.is_none_or(|f| f.starts_with("slow") || f.starts_with("delay") || f == "truncated body")
    };
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    let puts = puts.iter().filter(|r| reached(r.fault.as_deref()));
    puts.map(|r| r.body.clone().unwrap()["action"].as_str().unwrap_or("approve").to_owned()).collect()
}

/// Clicks Approve as reviewer `ana` and returns the answer.
async fn approve(app: &TestApp, job: &str) -> String {
    let approval = app.approval(job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    app.answer(&click).await
}

#[tokio::test]
async fn a_429_with_retry_after_on_the_decision_is_waited_out_and_decided_once() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    app.scenario.inject(Endpoint::UserApproval, Fault::status(429).with_retry_after("1"), 1);
    let answer = approve(&app, &job).await;
    assert!(answer.starts_with("Approved."), "{answer}");
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 2, "one refused with 429, one applied");
    assert_eq!(applied_puts(&app), ["approve"]);
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("success"));
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
}

#[tokio::test]
async fn a_5xx_on_the_decision_leaves_the_card_open_and_says_so() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    // One is enough: a decision is not retried after an answer that may have been lost.
    app.scenario.inject(Endpoint::UserApproval, Fault::status(503), 1);
    let answer = approve(&app, &job).await;
    assert!(answer.contains("server error (HTTP 503)") && answer.contains("nothing was decided"), "{answer}");
    assert!(answer.ends_with("The card is still open."), "{answer}");
    let approval = app.approval(&job, "review").await;
    assert_eq!(approval.state, ApprovalState::Pending);
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("pending"));
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(button(&card, "Approve").is_some(), "the card stays live: {card}");
    let trail: Vec<String> =
        app.store().audit_of(approval.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(trail, ["gate_found", "card_posted", "claimed", "released"]);

    // Scenario is back: the next click decides, with exactly one applied PUT.
    assert!(approve(&app, &job).await.starts_with("Approved."));
    assert_eq!(applied_puts(&app), ["approve"]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_connection_dropped_on_every_attempt_says_scenario_did_not_answer() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    app.scenario.inject(Endpoint::UserApproval, Fault::CloseConnection, 1);
    let answer = approve(&app, &job).await;
    assert!(answer.starts_with("Scenario did not answer; nothing was decided."), "{answer}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("pending"));
    assert!(applied_puts(&app).is_empty());
}

#[tokio::test]
async fn a_decision_whose_answer_is_cut_in_half_follows_what_scenario_shows() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    // Scenario applies the decision; only its answer is broken. The run is read again.
    app.scenario.inject(Endpoint::UserApproval, Fault::TruncatedBody, 1);
    let answer = approve(&app, &job).await;
    assert!(answer.starts_with("Approved."), "{answer}");
    assert_eq!(applied_puts(&app), ["approve"], "not sent again");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
}

#[tokio::test]
async fn a_decision_answered_with_json_of_the_wrong_shape_is_not_reported_as_made() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    // A 200 whose body is not a job: the bridge cannot know, reads the run, finds it waiting.
    app.scenario.inject(Endpoint::UserApproval, Fault::wrong_shape(), 1);
    let answer = approve(&app, &job).await;
    assert!(answer.contains("nothing was decided") || answer.contains("could not be sent"), "{answer}");
    assert!(!answer.starts_with("Approved"), "{answer}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("pending"));
}

#[tokio::test]
async fn a_decision_slower_than_discords_three_seconds_is_acknowledged_in_time_and_answered() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    app.scenario.inject(Endpoint::UserApproval, Fault::SlowAnswer(Duration::from_secs(4)), 1);
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let ack = app.discord.wait_for_callback(&click, Duration::from_secs(3)).await.expect("acknowledged");
    assert_eq!((ack.status, ack.body.unwrap()["type"].as_u64()), (204, Some(5)), "deferred at once");
    let edit = app.discord.wait_for_original_edit(&click, Duration::from_secs(10)).await.expect("answered");
    assert!(edit.body.unwrap()["content"].as_str().unwrap().starts_with("Approved."));
    assert_eq!(applied_puts(&app), ["approve"]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn polls_survive_429_5xx_resets_and_broken_json_then_post_the_card() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    let faults = [
        (Fault::status(429).with_retry_after("0"), 3, "rate limit"),
        (Fault::status(502), 3, "502"),
        (Fault::CloseConnection, 3, ""),
        (Fault::TruncatedBody, 1, ""),
        (Fault::wrong_shape(), 1, ""),
    ];
    for (fault, times, words) in faults {
        let name = fault.name();
        app.scenario.inject(Endpoint::ListJobs, fault, times);
        let failed = app.bridge().polls.now().await.expect_err(&name);
        assert!(
            failed.contains("listing workflow runs failed") && failed.contains(words),
            "{name}: {failed}"
        );
        assert!(app.cards().is_empty(), "nothing posted on a failed pass");
    }
    assert_eq!(app.bridge().polls.status().failing_streak, 5);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    assert_eq!(app.bridge().polls.status().failing_streak, 0);
    assert_eq!(app.cards().len(), 1);
    app.discord.assert_no_rejections();
}
