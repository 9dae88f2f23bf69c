//! Crashes: a card posted but not recorded, a card edited but not recorded, a decision claimed
//! but not finished.

use approval_bridge::{
    approvals::{
        ids::ClaimToken,
        state::{ApprovalState, Decision},
    },
    cards::publish::sync_card,
    store::{Claim, Reviewer},
};

use super::{card_of, edits_of, field, has_buttons, parked_run};
use crate::support::{
    app::{PROMPTLY, spawn_app, spawn_app_against},
    fake_discord::{DiscordFault, FakeDiscordConfig},
    fake_scenario::Endpoint,
    wait::wait_until,
};

const POST_MESSAGE: &str = "/channels/{channel_id}/messages";
const EDIT_MESSAGE: &str = "/channels/{channel_id}/messages/{message_id}";

#[tokio::test]
async fn a_card_posted_just_before_a_crash_is_found_again_not_posted_twice() {
    let mut app = spawn_app().await;
    let job = parked_run(&app).await;
    let posted = app.approval(&job, "review").await;
    // The crash: the card went out, its message id never reached the database.
    app.stop().await.unwrap();
    app.execute_sql(&format!("UPDATE approvals SET message_id = NULL WHERE id = {}", posted.id)).await;
    // The first pass after the start (it runs at once) posts the card again, with its nonce.
    app.start().await;
    let report = app.poll().await;

    assert_eq!(report.new_gates, 0, "{report:?}");
    assert_eq!(app.cards().len(), 1, "still exactly one card");
    let found = app.approval(&job, "review").await;
    assert_eq!(found.message_id, posted.message_id);
    let posts: Vec<_> =
        app.discord.requests().into_iter().filter(|r| r.route == Some(POST_MESSAGE)).collect();
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|p| p.body.as_ref().unwrap()["nonce"] == posted.card_nonce.as_str()));
    assert!(posts.iter().all(|p| p.body.as_ref().unwrap()["enforce_nonce"] == true));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_card_posted_before_a_long_crash_is_found_in_the_channel_not_posted_again() {
    // Discord here forgets nonces at once, as it does after "a few minutes".
    let config = FakeDiscordConfig { nonce_window: std::time::Duration::ZERO, ..Default::default() };
    let mut app = spawn_app_against(config, |_| {}).await;
    let job = parked_run(&app).await;
    let posted = app.approval(&job, "review").await;
    assert!(posted.card_attempted_at.is_some());
    app.stop().await.unwrap();
    app.forget_card_posted_long_ago(posted.id).await;
    app.start().await;
    app.poll().await;

    assert_eq!(app.cards().len(), 1, "still exactly one card");
    assert_eq!(app.approval(&job, "review").await.message_id, posted.message_id);
    let to_messages = |method: &str| {
        app.discord
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.route == Some(POST_MESSAGE))
            .count()
    };
    assert_eq!(to_messages("POST"), 1, "the card was looked up, not posted again");
    assert_eq!(to_messages("GET"), 1);
    let click = app.click(&app.reviewer("ana"), &app.approval(&job, "review").await, "Approve").await;
    assert!(app.answer(&click).await.starts_with("Approved"), "the found card works");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_decision_claimed_before_a_stop_is_sent_at_the_next_start_once_its_put_can_no_longer_land() {
    let mut app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");
    let reviewer = Reviewer { id: serenity::all::UserId::new(ana.user_id), name: "ana".into() };
    let claim = app.store().claim(approval.id, &reviewer, Decision::Reject, Some("too dark"), &gone()).await;
    assert!(matches!(claim, Ok(Claim::Won(_))), "{claim:?}");

    app.stop().await.unwrap();
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);
    // A claim counts as sent from the moment it is made (its PUT follows at once): the stop
    // outlasted a request timeout, so a PUT it might have sent was answered or lost by now.
    app.claim_sent_long_ago(approval.id).await;
    app.start().await;

    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body.as_ref().unwrap()["action"], "reject");
    assert_eq!(app.scenario.node_status(&job, "review").as_deref(), Some("rejected"));
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Rejected);
    assert_eq!(decided.decided_by, Some(reviewer));
    let card = card_of(&app, &decided);
    assert!(!has_buttons(&card));
    let decision = field(&card, "Decision").unwrap();
    assert!(decision.contains(&format!("Rejected by <@{}>", ana.user_id)) && decision.contains("too dark"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_decision_that_reached_scenario_before_a_stop_is_settled_without_a_second_put() {
    let mut app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let ana = app.reviewer("ana");
    let reviewer = Reviewer { id: serenity::all::UserId::new(ana.user_id), name: "ana".into() };
    let claim = app.store().claim(approval.id, &reviewer, Decision::Approve, None, &gone()).await;
    assert!(matches!(claim, Ok(Claim::Won(_))), "{claim:?}");
    // The PUT reached Scenario; the bridge stopped before it heard back.
    app.scenario.approve(&job, "review").unwrap();

    app.stop().await.unwrap();
    app.start().await;

    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "no second PUT");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    assert_eq!(decided.decided_by, Some(reviewer));
    let audit = app.store().audit_of(approval.id).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "decided" && e.actor_id == Some(ana.user_id as i64)));
    let decision = field(&card_of(&app, &decided), "Decision").unwrap();
    assert!(decision.contains(&format!("Approved by <@{}>", ana.user_id)), "{decision}");
    app.discord.assert_no_rejections();
}

/// The token of a claim made by a process that has stopped: no running decision holds it.
fn gone() -> ClaimToken {
    ClaimToken::from("claim-of-a-stopped-process")
}

#[tokio::test]
async fn a_claim_no_running_decision_holds_is_finished_by_the_next_pass_once() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let reviewer =
        Reviewer { id: serenity::all::UserId::new(app.reviewer("ana").user_id), name: "ana".into() };
    app.store().claim(approval.id, &reviewer, Decision::Approve, None, &gone()).await.unwrap();
    app.claim_sent_long_ago(approval.id).await;

    app.poll().await;
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    let decided = app.approval(&job, "review").await;
    assert_eq!((decided.state, decided.decided_by.clone()), (ApprovalState::Approved, Some(reviewer)));
    assert!(!has_buttons(&card_of(&app, &decided)));
}

#[tokio::test]
async fn a_claim_held_by_a_running_decision_is_left_alone_however_far_the_wall_clock_steps() {
    let app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let reviewer =
        Reviewer { id: serenity::all::UserId::new(app.reviewer("ana").user_id), name: "ana".into() };
    let held = app.bridge().claims.hold();
    app.store().claim(approval.id, &reviewer, Decision::Approve, None, held.token()).await.unwrap();
    // The wall clock steps a day ahead (NTP at boot, a resumed VM): the claim looks a day old.
    let a_day_ago = approval_bridge::store::now_ms() - 24 * 3600 * 1000;
    app.execute_sql(&format!("UPDATE approvals SET decided_at = {a_day_ago} WHERE id = {}", approval.id))
        .await;

    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "the decision in flight sends, nobody else");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Deciding);

    // The decision ends without finishing its claim (say, the database failed after the claim),
    // a request timeout ago: the next pass finishes it, once.
    drop(held);
    app.claim_sent_long_ago(approval.id).await;
    app.poll().await;
    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1);
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
}

#[tokio::test]
async fn a_card_edit_that_landed_just_before_a_crash_is_written_over_from_the_row_after_the_restart() {
    let mut app = spawn_app().await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    // A write of the card begins (say, its tally changed): it renders the gate open, and its
    // edit lands at Discord, whose answer is slow to come back.
    app.execute_sql(&format!("UPDATE approvals SET card_current = 0 WHERE id = {}", approval.id)).await;
    let answer_late = DiscordFault::SlowAnswer(std::time::Duration::from_secs(60));
    app.discord.inject("PATCH", EDIT_MESSAGE, answer_late, 1);
    let write = tokio::spawn({
        let (cards, approval) = (app.bridge().cards.clone(), approval.clone());
        async move { sync_card(&cards, &approval).await.map(drop).map_err(|e| e.to_string()) }
    });
    let edited = async || !card_of(&app, &approval)["edited_timestamp"].is_null();
    wait_until("the edit landed at Discord", PROMPTLY, edited).await;
    assert!(edits_of(&app, &approval).is_empty(), "its answer has not come back");
    // Meanwhile the gate is decided; then the process dies before the edit is recorded.
    let ana = app.reviewer("ana");
    let reviewer = Reviewer { id: serenity::all::UserId::new(ana.user_id), name: "ana".into() };
    let held = app.bridge().claims.hold();
    let claim = app.store().claim(approval.id, &reviewer, Decision::Approve, None, held.token()).await;
    let Ok(Claim::Won(claimed)) = claim else { panic!("the only claim wins: {claim:?}") };
    app.store().decided(&claimed).await.unwrap().expect("the claim is this decision's");
    write.abort();
    drop(held);
    assert!(has_buttons(&card_of(&app, &approval)), "the card shows the gate open, older than its row");

    app.stop().await.unwrap();
    app.start().await;

    let row = app.approval(&job, "review").await;
    assert_eq!((row.state, row.card_current), (ApprovalState::Approved, true));
    let card = card_of(&app, &row);
    assert!(!has_buttons(&card), "{card}");
    let decision = field(&card, "Decision").unwrap();
    assert!(decision.contains(&format!("Approved by <@{}>", ana.user_id)), "{decision}");
}
