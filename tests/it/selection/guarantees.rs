//! The guarantees of approvals, kept for selections: reviewers only, one decision per gate,
//! rejections, decisions made in the web app, restarts and crashes, ForEach iterations, and the
//! `/approvals pending` and `history` listings.

use std::time::Duration;

use approval_bridge::{
    approvals::{ids::ClaimToken, state::ApprovalState},
    store::{Claim, Reviewer},
};
use serde_json::json;
use serenity::all::UserId;

use super::{card_of, choose, confirm, field, is_open, parked, sent};
use crate::{
    commands::{approvals, run},
    support::{
        app::{PROMPTLY, spawn_app},
        fake_discord::{DiscordFault, GuildMember},
        fake_scenario::{Endpoint, Fault, FlowTemplate, Release},
        wait::wait_until,
    },
};

#[tokio::test]
async fn a_member_without_the_reviewer_role_can_neither_choose_nor_confirm() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let olga = GuildMember::new("olga");
    let role = format!("<@&{}>", app.reviewer_role);
    let echo = choose(&app, &olga, &approval, 0, &[1]).await;
    assert!(echo.contains(&role) && echo.contains("nothing was changed"), "{echo}");
    let answer = confirm(&app, &olga, &approval).await;
    assert!(answer.contains(&role) && answer.contains("nothing was changed"), "{answer}");
    assert!(
        app.store().chosen(approval.id, UserId::new(olga.user_id)).await.unwrap().is_empty(),
        "no choice kept"
    );
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0);
    assert_eq!(app.approval(&job, "pick").await.state, ApprovalState::Pending);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn two_reviewers_confirming_at_once_send_one_put_and_the_second_hears_who_picked() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    choose(&app, &ana, &approval, 0, &[1]).await;
    choose(&app, &ben, &approval, 0, &[2, 3]).await;
    // Scenario holds ana's decision until ben's Confirm is answered, so his lands while hers is
    // in flight; and the card's edit fails, so Confirm stays for a repeated press.
    let scenario_answers = Release::default();
    app.scenario.inject(Endpoint::UserSelection, Fault::Hold(scenario_answers.clone()), 1);
    app.discord.inject("PATCH", "/channels/{channel_id}/messages/{message_id}", DiscordFault::Status(500), 1);
    let first = app.click(&ana, &approval, "Confirm").await;
    wait_until("ana's PUT", PROMPTLY, async || app.scenario.count(Endpoint::UserSelection) == 1).await;
    let second = app.answer(&app.click(&ben, &approval, "Confirm").await).await;
    scenario_answers.release();
    let first = app.answer(&first).await;

    assert_eq!(first, "Picked 1. The run goes on with them.");
    let ana_mention = format!("<@{}>", ana.user_id);
    assert!(second.contains(&ana_mention) && second.contains("nothing was changed"), "{second}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 1, "one PUT for two confirms");
    assert_eq!(sent(&app), [json!([0])], "the winner's own picks");
    let decided = app.approval(&job, "pick").await;
    assert_eq!(
        (decided.state, decided.decided_by.as_ref().map(|r| r.id)),
        (ApprovalState::Approved, Some(UserId::new(ana.user_id)))
    );
    let again = confirm(&app, &ben, &approval).await;
    assert!(again.starts_with(&format!("Already picked by {ana_mention}")), "{again}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 1, "no second PUT");
    assert_eq!(app.poll().await.cards_updated, 1, "the next pass brings the card up to date");
    assert!(!is_open(&card_of(&app, &decided)));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_selection_rejected_with_a_reason_stops_the_run_and_the_card_says_why() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let ana = app.reviewer("ana");
    let click = app.click(&ana, &approval, "Reject").await;
    let callback = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("acknowledged");
    assert_eq!(callback.body.unwrap_or_default()["type"], 9, "Reject opens the reason form");
    let submit = app.discord.submit_modal(&click, &[("reason", "none of them has the right light")]).await;
    assert!(app.answer(&submit).await.starts_with("Rejected"));

    let puts = app.scenario.requests_to(Endpoint::UserSelection);
    assert_eq!(puts.len(), 1);
    let body = puts[0].body.clone().unwrap();
    assert_eq!(body["action"], "reject");
    assert!(body.get("selectedIndices").is_none(), "{body}");
    assert_eq!(app.scenario.job_status(&job), "canceled");
    let decided = app.approval(&job, "pick").await;
    assert_eq!(decided.state, ApprovalState::Rejected);
    let card = card_of(&app, &decided);
    assert!(!is_open(&card));
    assert!(field(&card, "Decision").unwrap().contains("none of them has the right light"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_selection_picked_in_scenarios_web_app_closes_its_card() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    app.scenario.select(&job, "pick", &[0]).unwrap();
    app.poll().await;

    let closed = app.approval(&job, "pick").await;
    assert_eq!(closed.state, ApprovalState::DecidedElsewhere);
    let card = card_of(&app, &closed);
    assert!(!is_open(&card), "{card}");
    assert!(field(&card, "Decision").unwrap().starts_with("Picked in Scenario"), "{card}");
    let answer = confirm_refused_or_gone(&app, &approval).await;
    assert!(answer.is_none(), "the card offers nothing to press");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0);
    app.discord.assert_no_rejections();
}

/// Presses Confirm if the card still shows it; `None` when it is gone, as for a person.
async fn confirm_refused_or_gone(
    app: &crate::support::app::TestApp,
    approval: &approval_bridge::store::Approval,
) -> Option<String> {
    let card = card_of(app, approval);
    let custom_id = crate::support::app::button(&card, "Confirm")?;
    let member = app.reviewer("ana");
    let message_id = approval.message_id?.get();
    let click =
        app.discord.try_click_button(&member, approval.channel_id.get(), message_id, &custom_id).await?;
    Some(app.answer(&click).await)
}

#[tokio::test]
async fn a_reviewers_choice_survives_a_restart_and_confirm_then_sends_it() {
    let mut app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let (ana, ben) = (app.reviewer("ana"), app.reviewer("ben"));
    choose(&app, &ana, &approval, 0, &[4, 2]).await;
    choose(&app, &ben, &approval, 0, &[1]).await;
    app.stop().await.unwrap();
    app.start().await;

    assert_eq!(confirm(&app, &ana, &approval).await, "Picked 4, 2. The run goes on with them.");
    assert_eq!(sent(&app), [json!([3, 1])], "ana's own choice, in the order she picked");
    assert_eq!(app.scenario.selected(&job, "pick"), Some(vec![3, 1]));
}

#[tokio::test]
async fn a_selection_claimed_before_a_crash_is_sent_once_after_the_restart() {
    let mut app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let ana = app.reviewer("ana");
    let reviewer = Reviewer { id: UserId::new(ana.user_id), name: "ana".into() };
    // The crash: the claim was written, its PUT never went out; the restart comes a request
    // timeout later.
    let gone = ClaimToken::from("claim-of-a-stopped-process");
    let claim = app.store().claim_picks(approval.id, &reviewer, &[1, 3], &gone).await;
    assert!(matches!(claim, Ok(Claim::Won(_))), "{claim:?}");
    app.stop().await.unwrap();
    app.claim_sent_long_ago(approval.id).await;
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0);
    app.start().await;
    app.poll().await;

    assert_eq!(sent(&app), [json!([1, 3])], "one PUT, with the claimed picks");
    assert_eq!(app.scenario.selected(&job, "pick"), Some(vec![1, 3]));
    let decided = app.approval(&job, "pick").await;
    assert_eq!((decided.state, decided.decided_by.clone()), (ApprovalState::Approved, Some(reviewer)));
    let decision = field(&card_of(&app, &decided), "Decision").unwrap();
    assert!(decision.starts_with(&format!("✅ Picked 2, 4 by <@{}>", ana.user_id)), "{decision}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn selection_gates_in_foreach_iterations_get_a_card_each_and_are_decided_one_by_one() {
    let app = spawn_app().await;
    let workflow = app.scenario.add_workflow("Tiles", FlowTemplate::for_each_selection(3, 2));
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (3, 3), "{report:?}");
    let gates = ["pick_0", "pick_1", "pick_2"];
    let mut cards = Vec::new();
    for (i, gate) in gates.iter().enumerate() {
        let approval = app.approval(&job, gate).await;
        let description = crate::support::card_view::heading(&card_of(&app, &approval));
        assert!(description.contains(&format!("ForEach iteration {}", i + 1)), "{description}");
        assert_eq!(approval.snapshot.assets.len(), 2, "its own iteration's images");
        cards.push(approval);
    }
    let ana = app.reviewer("ana");
    choose(&app, &ana, &cards[0], 0, &[2]).await;
    assert!(confirm(&app, &ana, &cards[0]).await.starts_with("Picked 2."));
    let click = app.click(&ana, &cards[1], "Reject").await;
    app.discord.wait_for_callback(&click, PROMPTLY).await.expect("acknowledged");
    app.answer(&app.discord.submit_modal(&click, &[("reason", "blurry")]).await).await;
    app.poll().await;

    let puts: Vec<(String, String)> = app
        .scenario
        .requests_to(Endpoint::UserSelection)
        .iter()
        .map(|r| {
            let body = r.body.clone().unwrap();
            (body["nodeId"].as_str().unwrap().to_owned(), body["action"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        puts,
        [("pick_0".to_owned(), "select".to_owned()), ("pick_1".to_owned(), "reject".to_owned())]
    );
    assert_eq!(app.scenario.selected(&job, "pick_0"), Some(vec![1]));
    let states = [ApprovalState::Approved, ApprovalState::Rejected, ApprovalState::Pending];
    for (gate, state) in gates.iter().zip(states) {
        assert_eq!(app.approval(&job, gate).await.state, state, "{gate}");
    }
    assert!(is_open(&card_of(&app, &cards[2])), "the third card is untouched");
    assert_eq!(app.scenario.job_status(&job), "in-progress", "the third iteration still waits");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn pending_and_history_list_selection_gates_with_their_picks() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let ana = app.reviewer("ana");
    let pending = run(&app, &ana, approvals("pending")).await;
    assert!(pending.contains(&format!("run `{job}` · selection `pick` (pick 1 to 2 of 4)")), "{pending}");

    choose(&app, &ana, &approval, 0, &[2, 4]).await;
    confirm(&app, &ana, &approval).await;
    let history = run(&app, &ana, approvals("history")).await;
    assert!(
        history.contains(&format!("<@{}> picked 2, 4 · **Variants** · run `{job}`", ana.user_id)),
        "{history}"
    );
    assert!(run(&app, &ana, approvals("pending")).await.starts_with("No gate is waiting"));
}

#[tokio::test]
async fn a_selection_card_posted_before_a_long_crash_is_found_by_its_confirm_button_not_posted_again() {
    use crate::support::{app::spawn_app_against, fake_discord::FakeDiscordConfig};
    // Discord here forgets nonces at once, as it does after "a few minutes".
    let config = FakeDiscordConfig { nonce_window: Duration::ZERO, ..Default::default() };
    let mut app = spawn_app_against(config, |_| {}).await;
    let (job, posted) = parked(&app, "Variants", FlowTemplate::image_selection(2, 1, 1)).await;
    app.stop().await.unwrap();
    app.forget_card_posted_long_ago(posted.id).await;
    app.start().await;
    app.poll().await;

    assert_eq!(app.cards().len(), 1, "still exactly one card");
    let found = app.approval(&job, "pick").await;
    assert_eq!(found.message_id, posted.message_id);
    let ana = app.reviewer("ana");
    choose(&app, &ana, &found, 0, &[2]).await;
    assert!(confirm(&app, &ana, &found).await.starts_with("Picked 2."), "the found card works");
    app.discord.assert_no_rejections();
}
