//! Clicks that meet another decision: a second reviewer, a repeated click, Scenario's web app.

use approval_bridge::approvals::state::ApprovalState;

use super::{card_of, field, has_buttons, parked_run, reject};
use crate::support::{
    app::{PROMPTLY, button, spawn_app},
    fake_discord::DiscordFault,
    fake_scenario::{Endpoint, Fault, Release},
    wait::wait_until,
};

const EDIT_MESSAGE: &str = "/channels/{channel_id}/messages/{message_id}";

#[tokio::test]
async fn two_reviewers_clicking_one_card_send_one_approval_and_the_second_hears_who_was_first() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    let (channel, message) = (approval.channel_id.get(), approval.message_id.unwrap().get());
    let approve = button(&card_of(&app, &approval), "Approve").unwrap();
    // Scenario holds the first decision until the second click is answered, so the second lands
    // while the first is in flight; and the card's edit fails, so the buttons stay for a repeated
    // click.
    let scenario_answers = Release::default();
    app.scenario.inject(Endpoint::UserApproval, Fault::Hold(scenario_answers.clone()), 1);
    app.discord.inject("PATCH", EDIT_MESSAGE, DiscordFault::Status(500), 1);

    let first = app.discord.click_button(&ana, channel, message, &approve).await;
    wait_until("ana's PUT", PROMPTLY, async || app.scenario.count(Endpoint::UserApproval) == 1).await;
    let second = app.discord.click_button(&ben, channel, message, &approve).await;
    let second_answer = app.answer(&second).await;
    scenario_answers.release();
    let answers = [app.answer(&first).await, second_answer];

    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "one PUT for two clicks");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    let winner = decided.decided_by.as_ref().unwrap().id;
    assert_eq!(winner, ana.user_id, "the click whose PUT was in flight won");
    let (won, lost) = if winner == ana.user_id { (0, 1) } else { (1, 0) };
    assert!(answers[won].starts_with("Approved"), "{answers:?}");
    let first = format!("<@{winner}>");
    assert!(answers[lost].contains(&first) && answers[lost].contains("nothing was changed"), "{answers:?}");
    let audit = app.store().audit_of(approval.id).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "claimed").count(), 1, "{audit:?}");

    // The card still shows its buttons (its edit failed): the winner clicks again.
    assert!(has_buttons(&card_of(&app, &decided)));
    let winner_member = if won == 0 { &ana } else { &ben };
    let again = app.discord.click_button(winner_member, channel, message, &approve).await;
    let answer = app.answer(&again).await;
    assert!(answer.starts_with("Already approved by") && answer.contains(&first), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "no second PUT");

    // The next pass brings the card up to date.
    let report = app.poll().await;
    assert_eq!(report.cards_updated, 1, "{report:?}");
    assert!(!has_buttons(&card_of(&app, &decided)));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_gate_approved_in_scenario_before_the_bridge_noticed_is_shown_as_decided_there() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.approve(&job, "review").unwrap();
    app.scenario.clear_requests();

    let click = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    let answer = app.answer(&click).await;

    assert!(answer.contains("Approved in Scenario") && answer.contains("nothing was changed"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "refused once, not retried");
    assert_eq!(app.scenario.count(Endpoint::GetJob), 1, "the run is read again");
    let closed = app.approval(&job, "review").await;
    assert_eq!(closed.state, ApprovalState::DecidedElsewhere);
    assert_eq!(closed.reason.as_deref(), Some("Approved in Scenario"));
    assert_eq!(closed.decided_by, None, "the reviewer's click decided nothing");
    let card = card_of(&app, &closed);
    assert!(!has_buttons(&card));
    assert!(field(&card, "Decision").unwrap().contains("Approved in Scenario"), "{card}");

    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "no retry later either");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_rejection_of_a_run_cancelled_in_scenario_tells_the_reviewer_the_run_ended() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    app.scenario.cancel_run(&job);

    let answer = reject(&app, &app.reviewer("ana"), &approval, "too dark").await;

    assert!(answer.contains("The run ended (canceled)"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let closed = app.approval(&job, "review").await;
    assert_eq!(closed.state, ApprovalState::RunEnded);
    assert!(!has_buttons(&card_of(&app, &closed)));
    app.discord.assert_no_rejections();
}
