//! Selection cards: numbered candidates, menus within Discord's limits, picks shown after.

use serde_json::Value;
use serenity::all::UserId;

use super::super::{
    card_update,
    tests::{assert_within_limits, card, field, of_type, pending, pictures, views},
};
use super::*;
use crate::{
    approvals::{
        ids::{ApprovalId, AssetId},
        review::{ReviewSnapshot, ShownAsset},
    },
    store::Reviewer,
};

fn selection(candidates: Vec<Candidate>, min: u32, max: u32) -> Approval {
    let assets = candidates
        .iter()
        .filter_map(|c| match c {
            Candidate::Asset { asset_id } => Some(ShownAsset {
                asset_id: asset_id.clone(),
                url: format!("https://cdn.example/{asset_id}.png?sig=x"),
                kind: Some("image".into()),
                node_id: "pick".into(),
            }),
            _ => None,
        })
        .collect();
    let snapshot = ReviewSnapshot {
        workflow_name: "Variants".into(),
        run_started_at: None,
        iteration: None,
        assets,
        prompts: vec![],
        selection: Some(Choice { candidates, min, max }),
        started_by: None,
    };
    pending(ApprovalId::new(7), "pick", snapshot)
}

fn images(n: usize) -> Vec<Candidate> {
    (0..n).map(|i| Candidate::Asset { asset_id: AssetId::new(format!("asset_{i}")) }).collect()
}

fn texts(n: usize, chars: usize) -> Vec<Candidate> {
    (0..n).map(|i| Candidate::Text { text: format!("{i} {}", "é".repeat(chars)) }).collect()
}

/// The menus of a card, in order.
fn menus(message: &Value) -> Vec<Value> {
    of_type(message, 3)
}

/// The descriptions of the gallery's pictures.
fn descriptions(message: &Value) -> Vec<String> {
    let galleries = of_type(message, 12);
    let items = galleries.iter().flat_map(|g| g["items"].as_array().unwrap().clone());
    items.map(|i| i["description"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn four_images_give_one_menu_bounded_by_the_node_and_confirm_and_reject() {
    let message = card(&selection(images(4), 1, 2));
    let menus = menus(&message);
    assert_eq!(menus.len(), 1);
    let menu = &menus[0];
    assert_eq!((menu["min_values"].as_u64(), menu["max_values"].as_u64()), (Some(1), Some(2)));
    let values: Vec<&str> =
        menu["options"].as_array().unwrap().iter().map(|o| o["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["0", "1", "2", "3"], "values are zero-based indices");
    assert_eq!(menu["options"][1]["label"], "2. Image");
    assert_eq!(
        CardCustomId::parse(menu["custom_id"].as_str().unwrap()),
        Some(CardCustomId::new(CardAction::Pick(0), ApprovalId::new(7)))
    );
    let buttons = of_type(&message, 2);
    let labels: Vec<&str> = buttons.iter().map(|b| b["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Confirm", "Reject", "Full size"]);
    assert_eq!(descriptions(&message), ["Candidate 1", "Candidate 2", "Candidate 3", "Candidate 4"]);
    assert_eq!(pictures(&message)[0], "attachment://image1_asset_0.jpg");
    assert!(field(&message, "Candidates").unwrap().starts_with("**1.** picture 1 of the gallery"));
}

#[test]
fn thirty_candidates_take_two_menus_whose_picks_add_up() {
    let message = card(&selection(texts(30, 10), 2, 3));
    let menus = menus(&message);
    assert_eq!(menus.len(), 2);
    assert_eq!(menus[0]["options"].as_array().unwrap().len(), 25);
    assert_eq!(menus[1]["options"][0]["value"], "25");
    assert_eq!(menus[1]["placeholder"], "Candidates 26–30");
    for menu in &menus {
        assert_eq!(menu["min_values"], 0, "a menu alone may hold none of the picks");
        assert_eq!(menu["max_values"], 3);
    }
}

#[test]
fn the_biggest_selection_stays_within_discords_limits() {
    let mut a = selection(texts(250, 400), 1, 100);
    a.snapshot.workflow_name = "W".repeat(300);
    let message = card(&a);
    assert_eq!(of_type(&message, 1).len(), 5, "four menus and the buttons");
    for menu in menus(&message) {
        let options = menu["options"].as_array().unwrap();
        assert!(options.len() <= 25);
        assert!((1..=25).contains(&menu["max_values"].as_u64().unwrap()));
        assert!(menu["custom_id"].as_str().unwrap().len() <= 100);
        for option in options {
            assert!(option["label"].as_str().unwrap().chars().count() <= 100, "{option}");
            assert!(option["value"].as_str().unwrap().chars().count() <= 100);
        }
    }
    assert_within_limits(&message);
    let description = of_type(&message, 10)[0]["content"].as_str().unwrap().to_owned();
    assert!(description.contains("past 100"), "{description}");
    let listed = field(&message, "Candidates").unwrap();
    assert!(
        listed.ends_with("more (every candidate is in the menus)"),
        "what does not fit says where: {listed}"
    );
    let many_images = card(&selection(images(30), 1, 100));
    assert_within_limits(&many_images);
    assert_eq!(pictures(&many_images).len(), limits::GALLERY_ITEMS);
    let listed = field(&many_images, "Candidates").unwrap();
    assert!(
        listed.contains("**10.** picture 10 of the gallery") && listed.contains("**30.** [asset]("),
        "{listed}"
    );
}

#[test]
fn a_decided_selection_shows_who_picked_what_and_keeps_the_picked_previews() {
    let mut a = selection(images(4), 1, 2);
    a.state = ApprovalState::Approved;
    a.picks = Some(vec![1, 3]);
    a.decided_by = Some(Reviewer { id: UserId::new(9), name: "ana".into() });
    a.decided_at = Some(1_700_000_200_000);
    let edit = serde_json::to_value(card_update(&a, &views(&a))).unwrap();
    assert!(of_type(&edit, 1).is_empty(), "nothing left to pick: {edit}");
    let decision = field(&edit, "Decision").unwrap();
    assert!(decision.starts_with("✅ Picked 2, 4 by <@9>"), "{decision}");
    let titles = descriptions(&edit);
    assert_eq!(titles, ["Candidate 1", "Candidate 2 ✅ picked", "Candidate 3", "Candidate 4 ✅ picked"]);
    assert_eq!(edit["components"][0]["accent_color"], super::super::APPROVED);
}

#[test]
fn text_and_links_are_numbered_inert_lines_and_a_gate_picked_in_scenario_says_so() {
    let candidates = vec![
        Candidate::Text { text: "a fox in the snow".into() },
        Candidate::Link { url: "https://example.com/a".into() },
        Candidate::Text { text: "**3.** @everyone [free](https://evil.example)".into() },
    ];
    let mut a = selection(candidates, 1, 1);
    let message = card(&a);
    let lines = field(&message, "Candidates").unwrap();
    assert_eq!(
        lines,
        "**1.** a fox in the snow\n**2.** [link](https://example.com/a) (example\\.com)\n**3.** \\*\\*3\\.\\*\\* @\u{200B}everyone \\[free\\]\\(https\\://evil\\.example\\)"
    );
    assert_eq!(menus(&message)[0]["options"][1]["label"], "2. Link example.com");
    a.state = ApprovalState::DecidedElsewhere;
    a.reason = Some(settle::APPROVED_IN_SCENARIO.into());
    let edit = serde_json::to_value(card_update(&a, &[])).unwrap();
    assert!(field(&edit, "Decision").unwrap().starts_with("Picked in Scenario"));
}

#[test]
fn thirty_image_candidates_make_one_gallery_of_ten_numbered_pictures_within_every_limit() {
    let a = selection(images(30), 1, 3);
    let message = card(&a);
    assert_within_limits(&message);
    assert_eq!(of_type(&message, 12).len(), 1, "one gallery");
    let numbers: Vec<String> = (1..=10).map(|n| format!("Candidate {n}")).collect();
    assert_eq!(descriptions(&message), numbers);
    assert_eq!(menus(&message).len(), 2);
}
