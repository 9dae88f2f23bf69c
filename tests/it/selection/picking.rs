//! Picking: images, text, more candidates than one menu lists, picks outside the bounds.

use approval_bridge::approvals::state::ApprovalState;
use serde_json::json;

use super::{MENU, card_of, choose, confirm, field, is_open, menus, parked, sent};
use crate::support::{
    app::spawn_app,
    card_view,
    fake_scenario::{Endpoint, FlowTemplate},
};

#[tokio::test]
async fn four_images_picked_2_and_4_send_one_put_with_indices_1_and_3() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let card = card_of(&app, &approval);
    let titles = gallery_descriptions(&card);
    assert_eq!(titles, ["Candidate 1", "Candidate 2", "Candidate 3", "Candidate 4"], "{card}");
    assert_eq!(card["attachments"].as_array().map(Vec::len), Some(4), "each image as a preview");
    let menu = &menus(&card)[0];
    assert_eq!((menu["min_values"].as_u64(), menu["max_values"].as_u64()), (Some(1), Some(2)));

    let ana = app.reviewer("ana");
    let echo = choose(&app, &ana, &approval, 0, &[2, 4]).await;
    assert!(echo.starts_with("You picked 2, 4.") && echo.contains("Confirm"), "{echo}");
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0, "choosing decides nothing");
    assert_eq!(app.approval(&job, "pick").await.state, ApprovalState::Pending);

    let answer = confirm(&app, &ana, &approval).await;
    assert_eq!(answer, "Picked 2, 4. The run goes on with them.");
    assert_eq!(sent(&app), [json!([1, 3])]);
    let put = &app.scenario.requests_to(Endpoint::UserSelection)[0];
    let body = put.body.clone().unwrap();
    assert_eq!((body["action"].as_str(), body["nodeId"].as_str()), (Some("select"), Some("pick")));
    assert_eq!(body["workflowJobId"].as_str(), Some(job.as_str()));
    assert_eq!(app.scenario.selected(&job, "pick"), Some(vec![1, 3]));
    assert_eq!(app.scenario.node_status(&job, "pick").as_deref(), Some("success"));
    assert_eq!(app.scenario.count(Endpoint::UserApproval), 0);

    let decided = app.approval(&job, "pick").await;
    assert_eq!((decided.state, decided.picks.clone()), (ApprovalState::Approved, Some(vec![1, 3])));
    let card = card_of(&app, &decided);
    assert!(!is_open(&card), "nothing left to pick: {card}");
    let decision = field(&card, "Decision").unwrap();
    assert!(decision.starts_with(&format!("✅ Picked 2, 4 by <@{}>", ana.user_id)), "{decision}");
    let titles = gallery_descriptions(&card);
    assert_eq!(titles, ["Candidate 1", "Candidate 2 ✅ picked", "Candidate 3", "Candidate 4 ✅ picked"]);
    assert_eq!(card["attachments"].as_array().map(Vec::len), Some(4), "the previews stay");
    let audit = app.store().audit_of(decided.id).await.unwrap();
    let picked = audit.iter().find(|e| e.action == "picked").unwrap();
    assert_eq!((picked.actor_id, picked.detail.as_deref()), (Some(ana.user_id as i64), Some("[1,3]")));
    let claimed = audit.iter().find(|e| e.action == "claimed").unwrap();
    assert_eq!(claimed.detail.as_deref(), Some("select [1,3]"));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn a_text_candidate_gate_lists_numbered_lines_and_sends_the_one_picked() {
    let app = spawn_app().await;
    let ideas = ["a fox at dawn", "a badger in the rain", "an owl on a gate"];
    let (job, approval) = parked(&app, "Ideas", FlowTemplate::text_selection(&ideas)).await;
    let card = card_of(&app, &approval);
    let lines = field(&card, "Candidates").unwrap();
    assert_eq!(lines, "**1.** a fox at dawn\n**2.** a badger in the rain\n**3.** an owl on a gate");
    assert!(card_view::gallery(&card).is_empty(), "no image to show");
    assert!(card_view::heading(&card).contains("Pick exactly 1 of the 3 candidates"));
    let menu = menus(&card).remove(0);
    let labels: Vec<&str> =
        menu["options"].as_array().unwrap().iter().map(|o| o["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["1. a fox at dawn", "2. a badger in the rain", "3. an owl on a gate"]);

    let bo = app.reviewer("bo");
    assert!(choose(&app, &bo, &approval, 0, &[3]).await.starts_with("You picked 3."));
    assert_eq!(confirm(&app, &bo, &approval).await, "Picked 3. The run goes on with them.");
    assert_eq!(sent(&app), [json!([2])]);
    assert_eq!(app.scenario.selected(&job, "pick"), Some(vec![2]));
    let card = card_of(&app, &app.approval(&job, "pick").await);
    assert!(field(&card, "Candidates").unwrap().contains("**3.** an owl on a gate ✅ picked"), "{card}");
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn thirty_candidates_take_two_menus_whose_picks_add_up_in_the_order_picked() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Many", FlowTemplate::image_selection(30, 1, 3)).await;
    let card = card_of(&app, &approval);
    let menus = menus(&card);
    assert_eq!(menus.len(), 2, "{card}");
    assert_eq!(menus[0]["options"].as_array().map(Vec::len), Some(MENU as usize));
    assert_eq!(menus[1]["placeholder"], "Candidates 26–30");
    assert_eq!(card_view::gallery(&card).len(), 10, "a gallery holds ten: {card}");
    let listed = field(&card, "Candidates").unwrap();
    assert!(listed.contains("**30.** [asset]("), "past the previews, links: {card}");

    let ana = app.reviewer("ana");
    assert!(choose(&app, &ana, &approval, 1, &[27]).await.starts_with("You picked 27."));
    let echo = choose(&app, &ana, &approval, 0, &[3, 1]).await;
    assert!(echo.starts_with("You picked 27, 3, 1."), "picks of both menus add up: {echo}");
    let echo = choose(&app, &ana, &approval, 0, &[5]).await;
    assert!(echo.starts_with("You picked 27, 5."), "a menu's new choice replaces its own: {echo}");
    assert_eq!(confirm(&app, &ana, &approval).await, "Picked 27, 5. The run goes on with them.");
    assert_eq!(sent(&app), [json!([26, 4])]);
    assert_eq!(app.scenario.selected(&job, "pick"), Some(vec![26, 4]));
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn picks_outside_the_bounds_are_refused_before_anything_is_sent() {
    let app = spawn_app().await;
    let (job, approval) = parked(&app, "Many", FlowTemplate::image_selection(30, 2, 3)).await;
    let ana = app.reviewer("ana");

    let answer = confirm(&app, &ana, &approval).await;
    assert_eq!(answer, "Pick 2 to 3 in the menu first, then press Confirm; nothing was sent.");
    let echo = choose(&app, &ana, &approval, 0, &[1]).await;
    assert!(echo.contains("1 picked, and this gate takes 2 to 3"), "{echo}");
    let answer = confirm(&app, &ana, &approval).await;
    assert!(
        answer.starts_with("Your picks (1) cannot be sent: 1 picked, and this gate takes 2 to 3."),
        "{answer}"
    );
    choose(&app, &ana, &approval, 0, &[1, 2]).await;
    choose(&app, &ana, &approval, 1, &[26, 28]).await;
    let answer = confirm(&app, &ana, &approval).await;
    assert!(
        answer.contains("4 picked, and this gate takes 2 to 3") && answer.contains("nothing was sent"),
        "{answer}"
    );
    assert_eq!(app.scenario.count(Endpoint::UserSelection), 0, "nothing reached Scenario");
    assert_eq!(app.approval(&job, "pick").await.state, ApprovalState::Pending);
    assert!(is_open(&card_of(&app, &approval)), "the card stays open");

    choose(&app, &ana, &approval, 1, &[]).await;
    assert_eq!(confirm(&app, &ana, &approval).await, "Picked 1, 2. The run goes on with them.");
    assert_eq!(sent(&app), [json!([0, 1])]);
    app.discord.assert_no_rejections();
}

#[tokio::test]
async fn over_http_a_menu_choice_and_confirm_delivered_by_post_pick_with_no_gateway_connection() {
    let app = crate::support::app::spawn_app_over_http(|_| {}).await;
    let (job, approval) = parked(&app, "Variants", FlowTemplate::image_selection(4, 1, 2)).await;
    let ana = app.reviewer("ana");
    assert!(choose(&app, &ana, &approval, 0, &[3]).await.starts_with("You picked 3."));
    assert_eq!(confirm(&app, &ana, &approval).await, "Picked 3. The run goes on with them.");
    assert_eq!(sent(&app), [json!([2])]);
    assert_eq!(app.approval(&job, "pick").await.state, ApprovalState::Approved);
    assert_eq!(app.discord.gateway_counts().identifies, 0, "no gateway connection was opened");
    assert!(app.discord.failed_deliveries().is_empty(), "{:?}", app.discord.failed_deliveries());
    app.discord.assert_no_rejections();
}

/// The descriptions of a card's gallery pictures: each candidate's number.
fn gallery_descriptions(card: &serde_json::Value) -> Vec<String> {
    card_view::gallery(card)
        .iter()
        .map(|i| i["description"].as_str().unwrap_or_default().to_owned())
        .collect()
}
