//! When Scenario or Discord fail: retries, released claims, failed passes, cards posted later.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, has_buttons, parked_run};
use crate::support::{
    app::spawn_app,
    fake_discord::DiscordFault,
    fake_scenario::{Endpoint, Fault, FlowTemplate},
};

#[tokio::test]
async fn a_503_on_the_decision_is_not_sent_again_blind_the_run_is_read_instead() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.inject(Endpoint::UserApproval, Fault::status(503), 1);
    let reads_before = app.scenario.count(Endpoint::GetJob);

    let answer = app.answer(&app.click(&app.reviewer("ana"), &approval, "Approve").await).await;

    // A 503 may hide a decision carried out: the run is read, and it shows the gate waiting.
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    let faults: Vec<Option<String>> = puts.iter().map(|r| r.fault.clone()).collect();
    assert_eq!(faults, [Some("status 503".to_owned())], "no second PUT");
    assert_eq!(app.scenario.count(Endpoint::GetJob), reads_before + 1, "the run was read once");
    assert!(answer.contains("server error (HTTP 503)") && answer.contains("nothing was decided"), "{answer}");
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("pending"));
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn when_scenario_keeps_failing_the_claim_is_released_and_the_next_click_decides() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");
    // The decision is not retried after a 5xx (its answer may have been lost).
    app.scenario.inject(Endpoint::UserApproval, Fault::status(503), 1);

    let answer = app.answer(&app.click(&ana, &approval, "Approve").await).await;

    assert!(answer.contains("server error (HTTP 503)") && answer.contains("nothing was decided"), "{answer}");
    assert!(answer.contains("card is still open"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let released = app.approval(&job, "review").await;
    assert_eq!((released.state, released.decided_by.as_ref()), (ApprovalState::Pending, None));
    assert!(has_buttons(&card_of(&app, &released)));
    let audit = app.store().audit_of(approval.id).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["gate_found", "card_posted", "claimed", "released"]);

    let answer = app.answer(&app.click(&ana, &approval, "Approve").await).await;
    assert!(answer.starts_with("Approved"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 2);
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_failing_job_list_fails_the_pass_and_polling_goes_on() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    // Two passes' worth: each pass tries three times.
    app.scenario.inject(Endpoint::ListJobs, Fault::status(500), 6);

    let started = app.bridge().polls.status().last_success_ms;
    for streak in 1..=2 {
        let failed = app.try_poll().await.expect_err("the pass fails");
        assert!(failed.contains("HTTP 500"), "{failed}");
        let status = app.bridge().polls.status();
        assert_eq!(status.failing_streak, streak);
        assert_eq!(status.last_success_ms, started, "the start-up pass is the last success");
    }
    assert!(app.cards().is_empty());

    let report = app.poll().await;
    assert_eq!(report.cards_posted, 1, "{report:?}");
    let status = app.bridge().polls.status();
    assert_eq!(status.failing_streak, 0);
    assert!(status.last_success_ms > started && status.recent_errors.len() == 2, "{status:?}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_card_discord_failed_to_post_is_posted_by_the_next_pass() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    app.discord.inject("POST", "/channels/{channel_id}/messages", DiscordFault::Status(500), 1);

    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted, report.failures.len()), (1, 0, 1), "{report:?}");
    assert_eq!(app.approval(&job, "review").await.message_id, None);
    assert!(app.cards().is_empty());

    let report = app.poll().await;
    assert_eq!((report.cards_posted, report.failures.len()), (1, 0), "{report:?}");
    let posted = app.approval(&job, "review").await;
    assert_eq!(app.cards().len(), 1);
    assert!(has_buttons(&card_of(&app, &posted)));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_decision_refused_for_the_project_names_the_setting_to_fix_and_leaves_the_card_open() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    // The key may only act in a project the bridge does not name (SCENARIO_PROJECT_ID unset).
    app.scenario.require_project_id(Some("proj_team"));

    let answer = app.answer(&app.click(&app.reviewer("ana"), &approval, "Approve").await).await;

    assert!(answer.contains("HTTP 403") && answer.contains("SCENARIO_PROJECT_ID"), "{answer}");
    assert!(answer.contains("nothing was decided"), "{answer}");
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("pending"));
    let released = app.approval(&job, "review").await;
    assert_eq!(released.state, ApprovalState::Pending);
    assert!(has_buttons(&card_of(&app, &released)));
}
