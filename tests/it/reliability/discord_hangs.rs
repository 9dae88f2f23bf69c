//! Discord that never answers: every REST call is bounded in time (`DISCORD_TIMEOUT_SECS`), so a
//! post, an edit or an acknowledgement lost on a half-open connection costs one timeout, never
//! the watcher, never a decision, never a stop.

use std::time::Duration;

use super::scenario_faults::parked_run;
use crate::support::{
    app::{PROMPTLY, TestApp, button, spawn_app_with},
    fake_discord::DiscordFault,
    fake_scenario::{Endpoint, FlowTemplate},
};

const POST: &str = "/channels/{channel_id}/messages";
const EDIT: &str = "/channels/{channel_id}/messages/{message_id}";
const CALLBACK: &str = "/interactions/{interaction_id}/{interaction_token}/callback";

async fn spawn_impatient_app() -> TestApp {
    spawn_app_with(|env| _ = env.insert("DISCORD_TIMEOUT_SECS", "1".into())).await
}

#[tokio::test]
async fn a_card_post_discord_never_answers_costs_one_timeout_and_the_pass_goes_on() {
    let app = spawn_impatient_app().await;
    for name in ["Lighthouse", "Harbor"] {
        let workflow = app.scenario.add_workflow(name, FlowTemplate::single_gate());
        app.scenario.start_parked_run(&workflow);
    }
    app.discord.inject("POST", POST, DiscordFault::NoAnswer, 1);
    let report = tokio::time::timeout(PROMPTLY, app.poll()).await.expect("the pass ends");
    assert_eq!((report.new_gates, report.cards_posted), (2, 1), "{report:?}");
    assert_eq!(report.failures.len(), 1, "{report:?}");

    let report = app.poll().await;
    assert_eq!((report.cards_posted, report.failures.len()), (1, 0), "{report:?}");
    assert_eq!(app.cards().len(), 2, "one card per gate");
}

#[tokio::test]
async fn a_card_post_whose_answer_never_comes_is_not_posted_twice() {
    let app = spawn_impatient_app().await;
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow);
    // Discord creates the message; its answer is lost.
    app.discord.inject("POST", POST, DiscordFault::SlowAnswer(Duration::from_secs(3600)), 1);
    let report = app.poll().await;
    assert_eq!((report.cards_posted, report.failures.len()), (0, 1), "{report:?}");
    assert_eq!(app.cards().len(), 1, "Discord made the card");

    let report = app.poll().await;
    assert_eq!((report.cards_posted, report.failures.len()), (1, 0), "{report:?}");
    assert_eq!(app.cards().len(), 1, "the nonce brought back the same card");
}

#[tokio::test]
async fn a_card_edit_discord_never_answers_is_redone_by_the_next_pass() {
    let app = spawn_impatient_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.inject("PATCH", EDIT, DiscordFault::NoAnswer, 1);
    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved."), "the decision stands");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);

    let report = app.poll().await;
    assert_eq!(report.cards_updated, 1, "{report:?}");
    let card = app.discord.message(app.channel, approval.message_id.unwrap().get()).unwrap();
    assert!(button(&card, "Approve").is_none() && card.to_string().contains("Approved by <@"), "{card}");
}

#[tokio::test]
async fn an_acknowledgement_discord_never_answers_decides_nothing_and_holds_up_nothing() {
    let mut app = spawn_impatient_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.discord.inject("POST", CALLBACK, DiscordFault::NoAnswer, 1);
    let lost = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let path = lost.callback_path();
    // The bridge gives up on the acknowledgement and tells the reviewer through a second one.
    let answered = app
        .discord
        .wait_for_request(|r| r.path == path && !r.injected, Duration::from_secs(5))
        .await
        .expect("the reviewer is told");
    assert_eq!(answered.status, 204, "{answered:?}");
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 0, "nothing was decided");
    assert_eq!(app.poll().await.failures, Vec::<String>::new());

    let again = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&again).await.starts_with("Approved."));
    assert_eq!(app.scenario.requests_to(Endpoint::UserApproval).len(), 1);
    tokio::time::timeout(Duration::from_secs(10), app.stop()).await.expect("a bounded stop").expect("clean");
}
