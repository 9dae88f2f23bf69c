//! Approving and rejecting through a card.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, edits_of, has_buttons, parked_run, reject};
use crate::support::{
    app::spawn_app,
    card_view,
    fake_scenario::{Endpoint, FlowTemplate},
};

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
    let card = app.discord.message(app.channel, decided.message_id.unwrap().get()).unwrap();
    assert!(card_view::controls(&card).is_empty(), "buttons gone: {card}");
    let decision = card_view::section(&card, "Decision").unwrap();
    assert!(decision.contains("Approved by <@"), "{decision}");
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
    let card = app.discord.message(app.channel, decided.message_id.unwrap().get()).unwrap();
    assert!(card.to_string().contains("the sky is too green"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_gates_of_a_foreach_run_get_a_card_each_and_are_decided_one_by_one() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Tiles", FlowTemplate::for_each_gate(3));
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (3, 3), "{report:?}");
    let gates = ["check_0", "check_1", "check_2"];
    let mut approvals = Vec::new();
    for (i, gate) in gates.iter().enumerate() {
        let approval = app.approval(&job, gate).await;
        let card = card_of(&app, &approval);
        let description = card_view::heading(&card);
        assert!(description.contains(&format!("ForEach iteration {}", i + 1)), "{description}");
        approvals.push(approval);
    }

    let ana = app.reviewer("ana");
    let answer = app.answer(&app.click(&ana, &approvals[0], "Approve").await).await;
    assert!(answer.starts_with("Approved"), "{answer}");
    let answer = reject(&app, &ana, &approvals[1], "wrong colours").await;
    assert!(answer.starts_with("Rejected"), "{answer}");
    app.poll().await;

    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    let sent: Vec<(String, String)> = puts
        .iter()
        .map(|r| {
            let body = r.body.clone().unwrap();
            (body["nodeId"].as_str().unwrap().to_owned(), body["action"].as_str().unwrap().to_owned())
        })
        .collect();
    let expected = [("check_0", "approve"), ("check_1", "reject")];
    assert_eq!(sent, expected.map(|(n, a)| (n.to_owned(), a.to_owned())));
    let states = [ApprovalState::Approved, ApprovalState::Rejected, ApprovalState::Pending];
    for (gate, state) in gates.iter().zip(states) {
        assert_eq!(app.approval(&job, gate).await.state, state, "{gate}");
    }
    assert_eq!(app.approval(&job, "check_1").await.reason.as_deref(), Some("wrong colours"));
    assert_eq!(edits_of(&app, &approvals[0]).len(), 1);
    assert_eq!(edits_of(&app, &approvals[1]).len(), 1);
    // The third card, alone waiting now, is redrawn without Approve all; its buttons stay.
    assert_eq!(edits_of(&app, &approvals[2]).len(), 1);
    let third = card_of(&app, &approvals[2]);
    assert!(has_buttons(&third));
    assert!(!third.to_string().contains("Approve all"), "{third}");
    assert_eq!(app.scenario.job_status(&job), "in-progress", "the third iteration still waits");
    app.discord.assert_no_rejections();
}
