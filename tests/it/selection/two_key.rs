//! Two-key picking: under a quorum, the picks are sent once that many reviewers confirmed the
//! same picks; other picks start a new proposal, and one Reject still rejects at once.

use approval_bridge::approvals::state::ApprovalState;
use serde_json::json;

use super::{card_of, choose, confirm, field, is_open, parked, sent};
use crate::{
    commands::{admin, approvals, run, text},
    support::{
        app::{PROMPTLY, TestApp, spawn_app, spawn_app_with},
        fake_discord::OptionValue,
        fake_scenario::{Endpoint, FlowTemplate},
    },
};

async fn two_key_app() -> TestApp {
    spawn_app_with(|env| _ = env.insert("APPROVALS_REQUIRED", "2".into())).await
}

#[tokio::test]
async fn with_a_quorum_of_two_two_reviewers_confirming_the_same_picks_send_one_put() {
    let app = two_key_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let confirmations = field(&card_of(&app, &approval), "Confirmations");
    assert_eq!(
        confirmations.as_deref(),
        Some("No picks proposed yet: 2 reviewers must confirm the same picks.")
    );
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));

    choose(&app, &ana, &approval, 0, &[2, 4]).await;
    let answer = confirm(&app, &ana, &approval).await;
    assert!(answer.starts_with("You proposed picks 2, 4: 1 of 2."), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0, "one confirmation sends nothing");
    let card = card_of(&app, &approval);
    assert!(is_open(&card), "{card}");
    let shown = field(&card, "Confirmations").unwrap();
    assert!(
        shown.starts_with(&format!("Proposed picks 2, 4: confirmed 1 of 2 by <@{}>.", ana.user_id)),
        "{shown}"
    );

    let again = confirm(&app, &ana, &approval).await;
    assert!(again.starts_with("You have confirmed picks 2, 4 already (1 of 2 so far)"), "{again}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0, "the same reviewer counts once");

    choose(&app, &ben, &approval, 0, &[2, 4]).await;
    let answer = confirm(&app, &ben, &approval).await;
    assert_eq!(answer, "Picked 2, 4. The run goes on with them.");
    assert_eq!(sent(&app), [json!([1, 3])], "one PUT, with the confirmed picks");
    let decided = app.approval(&job, "pick").await;
    assert_eq!((decided.state, decided.picks.clone()), (ApprovalState::Approved, Some(vec![1, 3])));
    let card = card_of(&app, &decided);
    assert!(!is_open(&card));
    let decision = field(&card, "Decision").unwrap();
    assert!(decision.starts_with(&format!("✅ Picked 2, 4 by <@{}>", ben.user_id)), "{decision}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn with_a_quorum_of_two_different_picks_send_nothing_and_the_card_shows_the_new_proposal_and_the_replaced_one()
 {
    let app = two_key_app().await;
    let (job, approval) =
        parked(&app, "Ideas", FlowTemplate::text_selection(&["red", "green", "blue"])).await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));

    choose(&app, &ana, &approval, 0, &[1]).await;
    confirm(&app, &ana, &approval).await;
    choose(&app, &ben, &approval, 0, &[3]).await;
    let answer = confirm(&app, &ben, &approval).await;
    assert!(answer.starts_with("You proposed picks 3: 1 of 2."), "a new proposal: {answer}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0, "no two reviewers agree");
    assert_eq!(app.approval(&job, "pick").await.state, ApprovalState::Pending);
    let card = card_of(&app, &approval);
    assert!(is_open(&card));
    let shown = field(&card, "Confirmations").unwrap();
    assert!(
        shown.starts_with(&format!("Proposed picks 3: confirmed 1 of 2 by <@{}>.", ben.user_id)),
        "{shown}"
    );
    // Ana's confirmation of other picks no longer counts, and the card tells her so.
    let (proposal, replaced) = shown.split_once(" Replaced: ").expect("the replaced proposal is shown");
    assert!(!proposal.contains(&ana.user_id.to_string()), "Ana confirmed other picks: {shown}");
    assert_eq!(replaced, format!("picks 1, confirmed by <@{}>, no longer count.", ana.user_id));

    // One Reject still rejects at once.
    let reject = app.click(&ana, &approval, "Reject").await;
    app.discord.wait_for_callback(&reject, PROMPTLY).await.expect("the reason form opens");
    let submit = app.discord.submit_modal(&reject, &[("reason", "")]).await;
    assert!(app.answer(&submit).await.starts_with("Rejected"));
    let rejected = app.approval(&job, "pick").await;
    assert_eq!(rejected.state, ApprovalState::Rejected, "{rejected:?}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 1, "one PUT: the rejection");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_routes_quorum_lowered_to_one_sends_the_proposed_picks_at_the_next_pass() {
    let app = spawn_app().await;
    let (job, approval) =
        parked(&app, "Ideas", FlowTemplate::text_selection(&["red", "green", "blue"])).await;
    let workflow = approval.workflow_id.to_string();
    let watch = approvals("watch")
        .opt("workflow", text(&workflow))
        .opt("channel", OptionValue::Channel(app.channel))
        .opt("reviewer_role", OptionValue::Role(app.reviewer_role));
    run(&app, &admin(), watch).await;
    let policy = |n: i64| {
        approvals("policy").opt("workflow", text(&workflow)).opt("approvals", OptionValue::Integer(n))
    };
    assert!(run(&app, &admin(), policy(2)).await.contains("now has its own policy"));
    let ana = app.reviewer("ana");
    choose(&app, &ana, &approval, 0, &[3]).await;
    let answer = confirm(&app, &ana, &approval).await;
    assert!(answer.starts_with("You proposed picks 3: 1 of 2."), "{answer}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0);

    run(&app, &admin(), policy(1)).await;
    app.poll().await;
    assert_eq!(sent(&app), [json!([2])], "the proposal's picks, once");
    let decided = app.approval(&job, "pick").await;
    assert_eq!(
        (decided.state, decided.decided_by.map(|r| r.id.get())),
        (ApprovalState::Approved, Some(ana.user_id))
    );
}
