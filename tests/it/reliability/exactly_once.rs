//! One click, one PUT, when Scenario loses answers or goes away across a restart, and when a
//! click comes before the bridge has recorded its card.

use approval_bridge::{
    approvals::{
        ids::ClaimToken,
        state::{ApprovalState, Decision},
    },
    cards::publish::sync_card,
    store::{Claim, Reviewer},
};
use serenity::all::MessageId;

use super::scenario_faults::parked_run;
use crate::support::{
    app::{PROMPTLY, button, spawn_app},
    fake_scenario::{Endpoint, Fault},
};

#[tokio::test]
async fn a_put_scenario_applies_but_whose_answer_is_lost_is_sent_exactly_once() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    app.scenario.inject(Endpoint::UserApproval, Fault::ApplyThenClose, 1);
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");
    let click = app.click(&ana, &approval, "Approve").await;
    let answer = app.answer(&click).await;

    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "the lost answer is not sent again");
    assert!(answer.starts_with("Approved."), "the PUT landed, so the reviewer is told so: {answer}");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    assert_eq!(decided.decided_by.map(|r| r.id.get()), Some(ana.user_id));
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("success"));
}

#[tokio::test]
async fn a_restart_while_scenario_is_down_past_the_retry_budget_sends_one_put_once_it_is_back() {
    let mut app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let reviewer =
        Reviewer { id: serenity::all::UserId::new(app.reviewer("ana").user_id), name: "ana".into() };
    // The click was claimed by a process that then stopped, before or after its PUT.
    let stopped = ClaimToken::from("claim-of-a-stopped-process");
    let claim = app.store().claim(approval.id, &reviewer, Decision::Approve, None, &stopped).await;
    assert!(matches!(claim, Ok(Claim::Won(_))), "{claim:?}");
    app.stop().await.unwrap();
    app.claim_sent_long_ago(approval.id).await;

    // Scenario cannot show the run, through every retry of every pass.
    app.scenario.inject(Endpoint::GetJob, Fault::status(503), usize::MAX);
    app.start().await;
    app.poll().await;
    assert!(app.scenario.count(Endpoint::GetJob) >= 6, "two passes, each through the client's retries");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "nothing is sent without reading the run");
    let waiting = app.approval(&job, "review").await;
    assert_eq!(waiting.state, ApprovalState::Deciding, "the click stays recorded");
    assert_eq!(
        (waiting.decided_by.clone(), waiting.decision),
        (Some(reviewer.clone()), Some(Decision::Approve))
    );

    app.scenario.clear_faults();
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let decided = app.approval(&job, "review").await;
    assert_eq!((decided.state, decided.decided_by.clone()), (ApprovalState::Approved, Some(reviewer)));
    let card = app.discord.message(decided.channel_id.get(), decided.message_id.unwrap().get()).unwrap();
    assert!(button(&card, "Approve").is_none(), "the card is final: {card}");
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "and it stays one");
}

#[tokio::test]
async fn a_click_on_a_card_whose_message_id_is_not_recorded_yet_is_decided() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let posted = app.approval(&job, "review").await;
    let message_id = posted.message_id.unwrap().get();
    // The card is in the channel; the row learns its message id a moment later.
    app.execute_sql(&format!("UPDATE approvals SET message_id = NULL WHERE id = {}", posted.id)).await;
    let card = app.discord.message(posted.channel_id.get(), message_id).unwrap();
    let approve = button(&card, "Approve").unwrap();

    let click =
        app.discord.click_button(&app.reviewer("ana"), posted.channel_id.get(), message_id, &approve).await;
    let answer = app.answer(&click).await;

    assert!(answer.starts_with("Approved."), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let decided = app.approval(&job, "review").await;
    assert_eq!(
        (decided.state, decided.message_id),
        (ApprovalState::Approved, Some(MessageId::new(message_id)))
    );
    app.poll().await;
    assert_eq!(app.cards().len(), 1, "the card was not posted again");
    let card = app.discord.message(posted.channel_id.get(), message_id).unwrap();
    assert!(button(&card, "Approve").is_none(), "the card is final: {card}");
}

#[tokio::test]
async fn a_card_written_from_an_older_copy_of_its_row_still_shows_the_newer_state() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    // The copy a watcher pass read just before the decision.
    let older = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &older, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved."));

    sync_card(&app.bridge().cards, &older).await.expect("the card is written");

    let card = app.discord.message(app.channel, older.message_id.unwrap().get()).unwrap();
    assert!(button(&card, "Approve").is_none(), "no live buttons on a decided gate: {card}");
    assert!(card.to_string().contains("Approved by <@"), "{card}");
}

#[tokio::test]
async fn a_decision_scenario_cannot_take_now_shows_on_the_card_as_being_sent() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.inject(Endpoint::UserApproval, Fault::status(503), 1);
    app.scenario.inject(Endpoint::GetJob, Fault::status(503), 100);
    let click = app.click(&app.reviewer("ana"), &approval, "Reject").await;
    app.discord.wait_for_callback(&click, PROMPTLY).await.expect("the reason form opens");
    let submit = app.discord.submit_modal(&click, &[("reason", "too dark")]).await;
    let answer = app.answer(&submit).await;
    assert!(answer.starts_with("Scenario did not answer. Your decision is recorded"), "{answer}");

    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(button(&card, "Approve").is_none(), "nobody else takes a recorded decision's gate: {card}");
    assert!(card.to_string().contains("Rejection by <@"), "{card}");
    assert!(card.to_string().contains("is being sent to Scenario"), "{card}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Deciding);
}
