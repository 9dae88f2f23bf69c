//! Discord misbehaving: 5xx and 429 on posting and editing cards and on acknowledging a click, a
//! card deleted by hand, an interaction token that expired before the answer. The bridge keeps
//! going, tells the reviewer the truth, and the cards end up showing the truth.
//!
//! In tests serenity's own ratelimiter is off (`discord::client::http`: it would not follow the
//! fake), so a 429 reaches the bridge as an error, as a 429 that outlasts the ratelimiter would.

use std::time::Duration;

use approval_bridge::approvals::state::ApprovalState;

use super::scenario_faults::parked_run;
use crate::support::{
    app::{PROMPTLY, button, spawn_app, spawn_app_against},
    fake_discord::{DiscordFault, FakeDiscordConfig},
    fake_scenario::{Endpoint, Fault, FlowTemplate},
};

const POST: &str = "/channels/{channel_id}/messages";
const EDIT: &str = "/channels/{channel_id}/messages/{message_id}";
const CALLBACK: &str = "/interactions/{interaction_id}/{interaction_token}/callback";

#[tokio::test]
async fn a_card_post_refused_with_5xx_then_429_is_posted_once_on_a_later_pass() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    app.discord.inject("POST", POST, DiscordFault::Status(502), 1);
    app.discord.inject("POST", POST, DiscordFault::RateLimited { retry_after: 0.25, global: false }, 1);
    for expected in ["502", "429"] {
        let report = app.poll().await;
        assert_eq!(report.cards_posted, 0, "{report:?}");
        assert_eq!(report.failures.len(), 1, "{expected}: {report:?}");
        assert!(app.cards().is_empty());
    }
    let report = app.poll().await;
    assert_eq!((report.cards_posted, report.failures.len()), (1, 0), "{report:?}");
    assert_eq!(app.cards().len(), 1, "exactly one card");
    let refused: Vec<u16> = app.discord.requests().iter().filter(|r| r.injected).map(|r| r.status).collect();
    assert_eq!(refused, [502, 429]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_429_names_its_wait_in_discords_shape() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    app.discord.inject("POST", POST, DiscordFault::RateLimited { retry_after: 1.5, global: false }, 1);
    app.poll().await;
    let limited = app.discord.requests().into_iter().find(|r| r.injected).expect("the 429");
    let body = limited.response.unwrap();
    assert_eq!(
        (limited.status, body["retry_after"].as_f64(), body["global"].as_bool()),
        (429, Some(1.5), Some(false))
    );
    assert_eq!(body["message"], "You are being rate limited.");
}

#[tokio::test]
async fn a_card_edit_refused_after_a_decision_is_redone_by_the_next_pass() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.inject("PATCH", EDIT, DiscordFault::Status(500), 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved."), "the decision stands");
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(button(&card, "Approve").is_some(), "the edit failed, the card is stale: {card}");

    // A second click on the stale card is told the truth, and changes nothing.
    let again = app.click(&app.reviewer("bo"), &approval, "Approve").await;
    let answer = app.answer(&again).await;
    assert!(answer.starts_with("Already approved by <@"), "{answer}");

    let report = app.poll().await;
    assert_eq!(report.cards_updated, 1, "{report:?}");
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(crate::support::card_view::controls(&card).is_empty(), "{card}");
    assert!(card.to_string().contains("Approved by <@"), "{card}");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1, "one PUT");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_429_on_the_card_edit_is_redone_by_the_next_pass() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.inject("PATCH", EDIT, DiscordFault::RateLimited { retry_after: 0.1, global: true }, 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved."));
    assert!(!app.approval(&job, "review").await.card_current);
    assert_eq!(app.poll().await.cards_updated, 1);
    assert!(app.approval(&job, "review").await.card_current);
}

#[tokio::test]
async fn a_5xx_on_acknowledging_a_click_tells_the_reviewer_nothing_changed_and_nothing_did() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.inject("POST", CALLBACK, DiscordFault::Status(503), 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let path = click.callback_path();
    let answers = app.discord.wait_for_requests(|r| r.path == path && r.status == 204, 1, PROMPTLY).await;
    let answer = answers.expect("answered on the second try")[0].body.clone().unwrap();
    assert!(answer["data"]["content"].as_str().unwrap().contains("nothing was changed"), "{answer}");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    assert!(app.scenario.requests_to(Endpoint::UserApproval).is_empty(), "no decision was sent");
}

#[tokio::test]
async fn a_card_deleted_by_hand_is_not_posted_again_and_its_gate_still_follows_scenario() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.delete_message_by_person(app.channel, approval.message_id.unwrap().get());
    app.scenario.approve(&job, "review").expect("approved in the web app");
    let report = app.poll().await;
    assert_eq!(report.settled, 1, "{report:?}");
    let now = app.approval(&job, "review").await;
    assert_eq!((now.state, now.card_deleted), (ApprovalState::DecidedElsewhere, true));
    assert!(app.cards().is_empty(), "not posted again");
    let report = app.poll().await;
    assert_eq!((report.cards_posted, report.cards_updated), (0, 0), "left alone: {report:?}");
    let trail: Vec<String> =
        app.store().audit_of(now.id).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(trail, ["gate_found", "card_posted", "settled", "card_deleted"]);
    let refused: Vec<Option<u64>> = app.discord.rejections().iter().map(|r| r.error_code()).collect();
    assert_eq!(refused, [Some(10008)], "only the one edit of the deleted card");
}

#[tokio::test]
async fn an_interaction_token_that_expired_before_the_answer_does_not_undo_the_decision() {
    let config = FakeDiscordConfig { token_lifetime: Duration::from_secs(1), ..FakeDiscordConfig::default() };
    let app = spawn_app_against(config, |_| {}).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.inject(Endpoint::UserApproval, Fault::SlowAnswer(Duration::from_secs(2)), 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let edit = app.discord.wait_for_original_edit(&click, Duration::from_secs(10)).await.expect("tried");
    assert_eq!(edit.error_code(), Some(50027), "the token had expired: {}", edit.summary());
    let now = app.approval(&job, "review").await;
    assert_eq!(now.state, ApprovalState::Approved);
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(card.to_string().contains("Approved by <@"), "the card tells everyone: {card}");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);

    // The bridge keeps going: the next gate is decided as usual.
    let job = parked_run(&app).await;
    let next = app.approval(&job, "review").await;
    let click = app.click(&app.reviewer("ana"), &next, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved."));
}
