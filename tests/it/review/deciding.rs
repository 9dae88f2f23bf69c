//! Approving and rejecting through a card.

use approval_bridge::approvals::state::ApprovalState;

use crate::support::{
    app::{TestApp, spawn_app},
    fake_scenario::{Endpoint, FlowTemplate},
};

/// A bridge and one run parked at gate `review`, its card posted; returns the run's id.
async fn parked_run(app: &TestApp) -> String {
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    job
}

#[tokio::test]
async fn a_reviewer_approves_a_gate_with_one_click() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let answer = app.answer(&click).await;
    assert!(answer.starts_with("Approved"), "{answer}");

    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    let body = puts[0].body.clone().unwrap();
    assert_eq!((body["action"].as_str(), body["nodeId"].as_str()), (Some("approve"), Some("review")));
    assert_eq!(body["workflowJobId"].as_str(), Some(job.as_str()));
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("success"));

    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    let card = app.discord.message(app.channel, decided.message_id.unwrap()).unwrap();
    assert_eq!(card["components"].as_array().map(Vec::len), Some(0), "buttons gone: {card}");
    let decision =
        card["embeds"][0]["fields"].as_array().unwrap().iter().find(|f| f["name"] == "Decision").unwrap();
    assert!(decision["value"].as_str().unwrap().contains("Approved by <@"), "{decision}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_reviewer_rejects_with_a_reason_that_the_card_shows() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &approval, "Reject").await;
    assert_eq!(
        app.discord.wait_for_callback(&click, crate::support::app::PROMPTLY).await.unwrap().body.unwrap()["type"],
        9
    );
    let submit = app.discord.submit_modal(&click, &[("reason", "the sky is too green")]).await;
    let answer = app.answer(&submit).await;
    assert!(answer.starts_with("Rejected"), "{answer}");

    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body.clone().unwrap()["action"], "reject");
    assert_eq!(app.scenario.job_status(&job), "canceled");
    let decided = app.approval(&job, "review").await;
    assert_eq!(
        (decided.state, decided.reason.as_deref()),
        (ApprovalState::Rejected, Some("the sky is too green"))
    );
    let card = app.discord.message(app.channel, decided.message_id.unwrap()).unwrap();
    assert!(card.to_string().contains("the sky is too green"));
    app.discord.assert_no_rejections();
}
