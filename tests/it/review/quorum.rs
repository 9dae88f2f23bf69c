//! Several approvers: a route's policy wants that many distinct reviewers to approve.

use std::time::Duration;

use approval_bridge::approvals::state::ApprovalState;

use super::{assert_ephemeral, card_of, field, has_buttons, parked_run, reject};
use crate::support::{
    app::{button, spawn_app_with},
    fake_scenario::{Endpoint, Fault},
};

#[tokio::test]
async fn with_a_quorum_of_two_one_approval_shows_a_tally_the_same_reviewer_is_refused_and_a_second_sends_one_put()
 {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    assert_eq!(
        field(&card_of(&app, &approval), "Approvals").as_deref(),
        Some("Approved 0 of 2: no approval yet.")
    );

    let first = app.click(&ana, &approval, "Approve").await;
    let answer = app.answer(&first).await;
    assert_eq!(
        answer,
        "Your approval is counted: 1 of 2. The gate is approved once 1 more reviewer approves."
    );
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0, "no PUT before the quorum");
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Pending);
    let card = card_of(&app, &approval);
    let tally = format!("Approved 1 of 2: <@{}>", ana.user_id);
    assert_eq!(field(&card, "Approvals"), Some(tally), "{card}");
    assert!(has_buttons(&card), "the card stays open");

    let again = app.click(&ana, &approval, "Approve").await;
    let answer = app.answer(&again).await;
    assert_ephemeral(&app, &again).await;
    assert!(answer.starts_with("You have approved this gate already (1 of 2 so far)"), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);

    let second = app.click(&ben, &approval, "Approve").await;
    assert!(app.answer(&second).await.starts_with("Approved"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "one PUT once two approved");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    let card = card_of(&app, &decided);
    let tally = format!("Approved 2 of 2: <@{}>, <@{}>", ana.user_id, ben.user_id);
    assert_eq!(field(&card, "Approvals"), Some(tally), "{card}");
    assert!(!has_buttons(&card));
    let audit = app.store().audit_of(approval.id).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "approval_counted").count(), 2, "{audit:?}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn the_last_two_approvals_arriving_together_send_one_put() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "3".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben, cy) = (app.reviewer("ana"), app.reviewer("ben"), app.reviewer("cy"));
    let first = app.click(&ana, &approval, "Approve").await;
    assert!(app.answer(&first).await.starts_with("Your approval is counted: 1 of 3"));
    // Scenario takes its time, so the first decision is still in flight when the second lands.
    app.scenario.inject(Endpoint::UserApproval, Fault::Delay(Duration::from_millis(300)), 1);
    let (channel, message) = (approval.channel_id.get(), approval.message_id.unwrap().get());
    let approve = button(&card_of(&app, &approval), "Approve").unwrap();

    let clicks = [
        app.discord.click_button(&ben, channel, message, &approve).await,
        app.discord.click_button(&cy, channel, message, &approve).await,
    ];
    let answers = [app.answer(&clicks[0]).await, app.answer(&clicks[1]).await];

    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "one PUT for two last approvals: {answers:?}");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Approved);
    // Whichever way the two interleave (both see the count reached and race for the claim, or
    // one is counted before the other), one approval sends the decision.
    assert_eq!(answers.iter().filter(|a| a.starts_with("Approved.")).count(), 1, "{answers:?}");
    let other = answers.iter().find(|a| !a.starts_with("Approved.")).unwrap();
    assert!(
        other.contains("nothing was changed") || other.starts_with("Your approval is counted: 2 of 3"),
        "{answers:?}"
    );
    let audit = app.store().audit_of(approval.id).await.unwrap();
    assert_eq!(audit.iter().filter(|e| e.action == "claimed").count(), 1, "{audit:?}");
    assert_eq!(audit.iter().filter(|e| e.action == "approval_counted").count(), 3, "{audit:?}");
}

#[tokio::test]
async fn one_reject_before_the_quorum_rejects_at_once() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let counted = app.click(&app.reviewer("ana"), &approval, "Approve").await;
    assert!(app.answer(&counted).await.starts_with("Your approval is counted"));

    let answer = reject(&app, &app.reviewer("ben"), &approval, "the horizon is tilted").await;
    assert!(answer.starts_with("Rejected"), "{answer}");
    let puts = app.scenario.requests_to(Endpoint::UserApproval);
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0].body.clone().unwrap()["action"], "reject");
    let decided = app.approval(&job, "review").await;
    assert_eq!(decided.state, ApprovalState::Rejected);
    assert!(!has_buttons(&card_of(&app, &decided)), "no approval can follow");
}

#[tokio::test]
async fn a_quorum_whose_decision_failed_waits_for_a_click_and_the_next_one_decides() {
    let app = spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await;
    let job = parked_run(&app).await;
    let approval = app.approval(&job, "review").await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    assert!(
        app.answer(&app.click(&ana, &approval, "Approve").await)
            .await
            .starts_with("Your approval is counted")
    );
    app.scenario.inject(Endpoint::UserApproval, Fault::status(503), 1);
    let failed = app.answer(&app.click(&ben, &approval, "Approve").await).await;
    assert!(failed.contains("nothing was decided") && failed.contains("The card is still open"), "{failed}");

    app.poll().await;
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 1, "not sent again behind the reviewers' backs");
    let again = app.answer(&app.click(&ben, &approval, "Approve").await).await;
    assert!(again.starts_with("Approved"), "the count stands: the next click decides: {again}");
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 2);
    assert_eq!(app.approval(&job, "review").await.state, ApprovalState::Approved);
}
