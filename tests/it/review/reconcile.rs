//! Cards following what happened outside the bridge: decisions in Scenario's web app, runs that
//! ended, cards a person deleted.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, field, has_buttons, parked_run};
use crate::support::{
    app::{TestApp, spawn_app},
    fake_scenario::Endpoint,
};

/// Polls until the card of gate `review` of `job` loses its buttons, at most `passes` times;
/// returns how many passes it took.
async fn polls_until_closed(app: &TestApp, job: &str, passes: usize) -> usize {
    for pass in 1..=passes {
        app.poll().await;
        if !has_buttons(&card_of(app, &app.approval(job, "review").await)) {
            return pass;
        }
    }
    panic!("the card of {job} still has its buttons after {passes} passes");
}

#[tokio::test]
async fn a_gate_approved_in_scenarios_web_app_closes_its_card_within_two_polls() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    app.scenario.approve(&job, "review").unwrap();

    polls_until_closed(&app, &job, 2).await;

    let closed = app.approval(&job, "review").await;
    assert_eq!(closed.state, ApprovalState::DecidedElsewhere);
    let decision = field(&card_of(&app, &closed), "Decision").unwrap();
    assert!(decision.contains("Approved in Scenario"), "{decision}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    let audit = app.store().audit_of(closed.id).await.unwrap();
    let settled = audit.iter().find(|e| e.action == "settled").expect("a settled entry");
    assert_eq!(settled.to_state.as_deref(), Some("decided_elsewhere"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_gate_rejected_in_scenarios_web_app_says_so_on_its_card() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    app.scenario.reject(&job, "review").unwrap();

    polls_until_closed(&app, &job, 2).await;

    let closed = app.approval(&job, "review").await;
    assert_eq!(closed.state, ApprovalState::DecidedElsewhere);
    assert!(field(&card_of(&app, &closed), "Decision").unwrap().contains("Rejected in Scenario"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn cancelled_and_failed_runs_close_their_cards_as_ended() {
    let app = spawn_app().await;
    let cancelled = parked_run(&app).await;
    let failed = parked_run(&app).await;
    app.scenario.cancel_run(&cancelled);
    app.scenario.fail_run(&failed, "the GPU caught fire");

    polls_until_closed(&app, &cancelled, 2).await;
    polls_until_closed(&app, &failed, 2).await;

    for (job, status) in [(&cancelled, "canceled"), (&failed, "failure")] {
        let closed = app.approval(job, "review").await;
        assert_eq!(closed.state, ApprovalState::RunEnded);
        let decision = field(&card_of(&app, &closed), "Decision").unwrap();
        assert!(decision.contains(&format!("The run ended ({status})")), "{decision}");
    }
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_card_deleted_by_a_person_is_noted_and_never_edited_again() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.delete_message_by_person(approval.channel_id.get(), approval.message_id.unwrap().get());
    // Something that needs the card edited.
    app.scenario.approve(&job, "review").unwrap();

    let report = app.poll().await;
    assert_eq!((report.settled, report.cards_updated, report.failures.len()), (1, 0, 0), "{report:?}");
    let gone = app.approval(&job, "review").await;
    assert!(gone.card_deleted);
    assert_eq!(gone.state, ApprovalState::DecidedElsewhere);
    let audit = app.store().audit_of(approval.id).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "card_deleted").count(), 1);

    app.poll().await;
    app.poll().await;
    // An edit reads the card first (to keep its attachments): that read finds it gone.
    let path = format!("/channels/{}/messages/{}", approval.channel_id, approval.message_id.unwrap().get());
    let touches: Vec<_> = app.discord.requests().into_iter().filter(|r| r.path == path).collect();
    assert_eq!(touches.len(), 1, "one request found the card gone; none after it");
    assert_eq!(touches[0].error_code(), Some(10008));
    let rejections = app.discord.rejections();
    assert_eq!(rejections.len(), 1, "only that request was refused");
}
