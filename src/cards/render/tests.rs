use serde_json::Value;
use serenity::all::{ChannelId, UserId};

use super::*;
use crate::cards::layout::measure;
use crate::cards::previews::NotShown;
use crate::{
    approvals::{
        ids::ApprovalId,
        review::{ReviewSnapshot, ShownPrompt},
    },
    store::Reviewer,
};

fn approval(assets: Vec<ShownAsset>, prompts: Vec<ShownPrompt>) -> Approval {
    let snapshot = ReviewSnapshot {
        workflow_name: "Hero shots".into(),
        run_started_at: Some(1_700_000_000),
        iteration: None,
        assets,
        prompts,
        selection: None,
        started_by: None,
    };
    pending(ApprovalId::new(42), "gate", snapshot)
}

/// A pending gate `node_id` of run `job_1`, its card not posted yet: the cards' tests vary only
/// what it shows.
pub(super) fn pending(id: ApprovalId, node_id: &str, snapshot: ReviewSnapshot) -> Approval {
    Approval {
        id,
        workflow_id: "wflow_1".into(),
        job_id: "job_1".into(),
        node_id: node_id.into(),
        state: ApprovalState::Pending,
        snapshot,
        found_at: 1_700_000_100_000,
        channel_id: ChannelId::new(10),
        card_nonce: "n0nce".into(),
        message_id: None,
        card_deleted: false,
        card_current: false,
        card_attempted_at: None,
        decision: None,
        decided_by: None,
        decided_at: None,
        reason: None,
        claim_token: None,
        decision_sent_at: None,
        progress: Default::default(),
        picks: None,
        thread: Default::default(),
    }
}

fn asset(n: usize, kind: &str, url_len: usize) -> ShownAsset {
    let url = format!("https://cdn.example/{n}?sig={}", "x".repeat(url_len));
    ShownAsset { asset_id: format!("asset_{n}").into(), url, kind: Some(kind.into()), node_id: "gen".into() }
}

/// How each asset is shown when every preview could be made.
pub(super) fn views(a: &Approval) -> Vec<AssetView> {
    let names = crate::cards::previews::plan::preview_names(&a.snapshot.assets);
    a.snapshot
        .assets
        .iter()
        .zip(names)
        .map(|(asset, name)| match name {
            Some(filename) => AssetView::Attached { filename },
            None => AssetView::Linked { link: Some(asset.url.clone()) },
        })
        .collect()
}

pub(super) fn card(a: &Approval) -> Value {
    serde_json::to_value(new_card(a, &views(a))).unwrap()
}

fn update(a: &Approval) -> Value {
    serde_json::to_value(card_update(a, &views(a))).unwrap()
}

/// Every component of a card of `kind`, nested ones included.
pub(super) fn of_type(message: &Value, kind: u64) -> Vec<Value> {
    measure::of_type(message["components"].as_array().unwrap(), kind)
}

/// The gallery pictures' `attachment://` URLs.
pub(super) fn pictures(message: &Value) -> Vec<String> {
    let galleries = of_type(message, 12);
    let items = galleries.iter().flat_map(|g| g["items"].as_array().unwrap().clone());
    items.map(|i| i["media"]["url"].as_str().unwrap().to_owned()).collect()
}

/// Asserts that a card keeps every one of Discord's limits on a message in the layout.
pub(super) fn assert_within_limits(message: &Value) {
    let components = message["components"].as_array().unwrap();
    assert_eq!(message["flags"], IS_COMPONENTS_V2, "{message}");
    assert!(
        measure::components(components) <= limits::COMPONENTS,
        "{} components",
        measure::components(components)
    );
    assert!(
        measure::text_chars(components) <= limits::TEXT_TOTAL,
        "{} chars",
        measure::text_chars(components)
    );
    for gallery in of_type(message, 12) {
        assert!((1..=limits::GALLERY_ITEMS).contains(&gallery["items"].as_array().unwrap().len()));
    }
    for text in of_type(message, 10) {
        assert!(!text["content"].as_str().unwrap().is_empty(), "an empty text display: {message}");
    }
    for row in of_type(message, 1) {
        assert!((1..=5).contains(&row["components"].as_array().unwrap().len()), "{row}");
    }
}

/// The value of the section `name`.
pub(super) fn field(message: &Value, name: &str) -> Option<String> {
    let head = format!("**{name}**\n");
    of_type(message, 10).iter().find_map(|t| t["content"].as_str()?.strip_prefix(&head).map(str::to_owned))
}

/// The title line and summary.
fn heading(message: &Value) -> String {
    of_type(message, 10)[0]["content"].as_str().unwrap().to_owned()
}

#[test]
fn a_pending_card_offers_approve_and_reject_leading_back_to_its_row() {
    let message = card(&approval(vec![asset(1, "image", 10)], vec![]));
    let buttons = of_type(&message, 2);
    let labels: Vec<_> = buttons.iter().map(|b| b["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["Approve", "Approve with note", "Reject", "Full size"]);
    let ids: Vec<_> =
        buttons.iter().map(|b| CardCustomId::parse(b["custom_id"].as_str().unwrap()).unwrap()).collect();
    let expected =
        [CardAction::Approve, CardAction::ApproveWithNote, CardAction::Reject, CardAction::FullSize]
            .map(|a| CardCustomId::new(a, ApprovalId::new(42)));
    assert_eq!(ids, expected);
    assert_eq!((message["nonce"].as_str(), message["enforce_nonce"].as_bool()), (Some("n0nce"), Some(true)));
    assert_eq!(pictures(&message), ["attachment://image1_asset_1.jpg"]);
    assert!(message.get("embeds").is_none() && message.get("content").is_none(), "{message}");
    assert_eq!(message["allowed_mentions"]["parse"], Value::Array(vec![]), "the card pings nobody");
}

#[test]
fn a_card_never_embeds_a_signed_url_only_its_own_attachments() {
    let a = approval((1..=4).map(|n| asset(n, "image", 40)).collect(), vec![]);
    let message = card(&a);
    let urls = pictures(&message);
    assert_eq!(urls.len(), 4);
    assert_eq!(of_type(&message, 12).len(), 1, "one gallery");
    assert!(!message.to_string().contains("sig="), "no signed URL anywhere: {message}");
    assert!(urls.iter().all(|u| u.starts_with("attachment://image")), "{urls:?}");
}

#[test]
fn images_not_shown_are_named_unavailable_and_linked_with_their_host_only_when_the_link_is_usable() {
    let a = approval((1..=3).map(|n| asset(n, "image", 10)).collect(), vec![]);
    let views = vec![
        AssetView::Attached { filename: "image1_asset_1.jpg".into() },
        AssetView::NotShown {
            why: NotShown::DownloadFailed(Some(404)),
            link: Some(a.snapshot.assets[1].url.clone()),
        },
        AssetView::NotShown { why: NotShown::RelativeUrl, link: None },
    ];
    let message = serde_json::to_value(new_card(&a, &views)).unwrap();
    assert_eq!(pictures(&message).len(), 1);
    let links = field(&message, "More assets").unwrap();
    assert!(
        links.contains(
            "[Image 2](https://cdn.example/2?sig=xxxxxxxxxx) (cdn\\.example) (preview unavailable)"
        ),
        "{links}"
    );
    assert!(links.contains("Image 3 (not shown: relative URL)"), "{links}");
    assert!(!links.contains("[Image 3]"), "{links}");
    assert!(!links.contains("404"), "no status from a fetch: {links}");
}

#[test]
fn another_kind_without_a_usable_url_is_listed_without_a_link() {
    let mut a = approval(vec![asset(1, "video", 10)], vec![]);
    let views = vec![AssetView::Linked { link: None }];
    a.snapshot.assets[0].url = String::new();
    let message = serde_json::to_value(new_card(&a, &views)).unwrap();
    assert_eq!(field(&message, "More assets").as_deref(), Some("Video 1 (no usable link)"));
}

#[test]
fn a_card_without_assets_offers_no_full_size_button() {
    let message = card(&approval(vec![], vec![]));
    assert_eq!(of_type(&message, 2).len(), 3);
}

#[test]
fn the_card_names_the_workflow_run_gate_iteration_and_times() {
    let mut a = approval(vec![], vec![]);
    a.snapshot.iteration = Some(2);
    let message = card(&a);
    let description = heading(&message);
    assert_eq!(description.lines().next(), Some("## Review: Hero shots"));
    assert!(description.contains("`job_1`") && description.contains("`gate`"), "{description}");
    assert!(description.contains("ForEach iteration 3"), "{description}");
    assert!(description.contains("<t:1700000000:f>") && description.contains("<t:1700000100:R>"));
}

#[test]
fn more_images_than_a_gallery_holds_become_numbered_links() {
    let assets = (1..=15).map(|n| asset(n, "image", 40)).collect();
    let message = card(&approval(assets, vec![]));
    assert_eq!(pictures(&message).len(), limits::GALLERY_ITEMS);
    let links = field(&message, "More assets").unwrap();
    assert_eq!(links.lines().count(), 5);
    assert!(links.starts_with("[Image 11](https://cdn.example/11?"), "{links}");
}

#[test]
fn other_kinds_are_labelled_links_and_never_images() {
    let assets =
        vec![asset(1, "video", 10), asset(2, "3d", 10), asset(3, "audio", 10), asset(4, "document", 10)];
    let message = card(&approval(assets, vec![]));
    assert!(of_type(&message, 12).is_empty(), "no gallery: {message}");
    let links = field(&message, "More assets").unwrap();
    for label in ["[Video 1]", "[3D model 2]", "[Audio 3]", "[Document 4]"] {
        assert!(links.contains(label), "{links}");
    }
}

#[test]
fn a_card_without_assets_says_so() {
    let message = card(&approval(vec![], vec![]));
    assert!(field(&message, "Assets").unwrap().contains("no asset"));
}

#[test]
fn long_texts_are_cut_with_an_ellipsis_and_the_card_stays_within_discord_limits() {
    let prompts = (0..8)
        .map(|n| ShownPrompt {
            node_id: format!("gen{n}").into(),
            label: "prompt".into(),
            value: "word ".repeat(900),
        })
        .collect();
    let assets =
        (0..40).map(|n| asset(n, "video", 900)).chain((0..12).map(|n| asset(n, "image", 900))).collect();
    let mut a = approval(assets, prompts);
    a.snapshot.workflow_name = "N".repeat(400);
    let message = card(&a);
    let title = heading(&message).lines().next().unwrap().to_owned();
    assert_eq!(title.chars().count(), "## Review: ".len() + TITLE_CHARS, "{title}");
    assert!(title.ends_with('…'));
    assert_within_limits(&message);
    for prompt in
        of_type(&message, 10).iter().filter(|t| t["content"].as_str().unwrap().starts_with("**prompt"))
    {
        assert!(prompt["content"].as_str().unwrap().chars().count() <= PROMPT_NAME_CHARS + PROMPT_CHARS + 5);
    }
    let text: String =
        of_type(&message, 10).iter().map(|t| t["content"].as_str().unwrap().to_owned()).collect();
    assert!(
        text.contains("more prompts: see the run in Scenario") || text.contains("3 more: see the run"),
        "{text}"
    );
    assert!(
        text.contains("more (Full size lists them all)"),
        "the links that did not fit are counted: {text}"
    );
}

#[test]
fn a_decided_card_has_no_buttons_and_shows_who_decided_what_and_when() {
    let mut a = approval(vec![asset(1, "image", 10)], vec![]);
    a.state = ApprovalState::Rejected;
    a.decided_by = Some(Reviewer { id: UserId::new(7), name: "ana".into() });
    a.decided_at = Some(1_700_000_200_000);
    a.reason = Some("wrong palette".into());
    let edit = update(&a);
    assert!(of_type(&edit, 2).is_empty() && of_type(&edit, 1).is_empty(), "{edit}");
    assert_eq!(pictures(&edit), ["attachment://image1_asset_1.jpg"], "the decided card keeps its gallery");
    assert_eq!(edit["components"][0]["accent_color"], REJECTED);
    let decision = field(&edit, "Decision").unwrap();
    assert!(decision.contains("Rejected by <@7> <t:1700000200:f>"), "{decision}");
    assert!(decision.contains("wrong palette"));
}

#[test]
fn a_card_closed_outside_the_bridge_says_what_happened() {
    let mut a = approval(vec![], vec![]);
    a.state = ApprovalState::RunEnded;
    a.reason = Some("The run was canceled in Scenario".into());
    let edit = update(&a);
    assert!(field(&edit, "Decision").unwrap().starts_with("The run was canceled in Scenario"));
    assert!(of_type(&edit, 2).is_empty(), "{edit}");
    assert_eq!(edit["components"][0]["accent_color"], ENDED);
}

#[test]
fn a_decided_card_full_to_the_brim_keeps_its_decision_within_discord_limits() {
    // Labels at the field-name limit, prompts past the cut, links past the field, a reason at
    // its limit: the budget runs out, and nothing may be cut below zero or left uncounted.
    for label_chars in [10, 256, 600] {
        let prompts = (0..8)
            .map(|n| ShownPrompt {
                node_id: format!("gen{n}").into(),
                label: "L".repeat(label_chars),
                value: "é".repeat(2_000),
            })
            .collect();
        let assets = (0..30).map(|n| asset(n, "image", 300)).collect();
        let mut a = approval(assets, prompts);
        a.snapshot.workflow_name = "W".repeat(300);
        a.state = ApprovalState::Rejected;
        a.decided_by = Some(Reviewer { id: UserId::new(7), name: "ana".into() });
        a.decided_at = Some(1_700_000_200_000);
        a.reason = Some("r".repeat(500));
        let edit = update(&a);
        assert_within_limits(&edit);
        assert!(field(&edit, "Decision").unwrap().ends_with(&"r".repeat(500)), "the reason is whole");
        assert_eq!(pictures(&edit).len(), limits::GALLERY_ITEMS, "the decided card keeps its gallery");
        let texts = of_type(&edit, 10);
        assert!(texts.last().unwrap()["content"].as_str().unwrap().starts_with("-# approval #42"));
    }
}

#[test]
fn ten_images_make_one_gallery_of_ten_attachment_references_and_no_embeds() {
    let a = approval((1..=10).map(|n| asset(n, "image", 40)).collect(), vec![]);
    let message = card(&a);
    assert_within_limits(&message);
    assert_eq!(of_type(&message, 12).len(), 1, "one gallery");
    let expected: Vec<String> = (1..=10).map(|n| format!("attachment://image{n}_asset_{n}.jpg")).collect();
    assert_eq!(pictures(&message), expected);
    assert!(message.get("embeds").is_none(), "{message}");
    assert_eq!(message["components"].as_array().unwrap().len(), 1, "one container");
}

#[test]
fn the_fullest_card_longest_prompt_most_assets_full_tally_keeps_every_limit_and_says_where_the_rest_is() {
    let prompts = (0..MAX_PROMPTS + 3)
        .map(|n| ShownPrompt {
            node_id: format!("gen{n}").into(),
            label: "L".repeat(300),
            value: "é".repeat(5_000),
        })
        .collect();
    let assets =
        (0..60).map(|n| asset(n, "image", 1_500)).chain((0..40).map(|n| asset(n, "video", 1_500))).collect();
    let mut a = approval(assets, prompts);
    a.snapshot.workflow_name = "W".repeat(500);
    a.progress.required = 10;
    a.progress.approved_by = (1..=9).collect();
    a.progress.deadline_at = Some(1_700_000_900_000);
    a.progress.overdue_at = Some(1_700_000_950_000);
    let message = card(&a);
    assert_within_limits(&message);
    assert_eq!(pictures(&message).len(), limits::GALLERY_ITEMS);
    assert!(field(&message, "Approvals").is_some(), "the tally is shown: {message}");
    let links = field(&message, "More assets").unwrap();
    assert!(links.ends_with("more (Full size lists them all)"), "{links}");
    assert_eq!(message["components"][0]["accent_color"], OVERDUE);
    let components = message["components"].as_array().unwrap();
    assert!(measure::components(components) <= MOST_COMPONENTS);
}

#[test]
fn the_accent_colour_says_the_state() {
    let mut a = approval(vec![], vec![]);
    let accent = |a: &Approval| card(a)["components"][0]["accent_color"].clone();
    assert_eq!(accent(&a), WAITING);
    for (state, colour) in [
        (ApprovalState::Approved, APPROVED),
        (ApprovalState::Rejected, REJECTED),
        (ApprovalState::RunEnded, ENDED),
        (ApprovalState::DecidedElsewhere, ENDED),
    ] {
        a.state = state;
        assert_eq!(accent(&a), colour, "{state:?}");
    }
}

#[test]
fn the_placeholder_a_cards_previews_go_up_with_is_found_by_its_button_and_idempotent() {
    let a = approval(vec![asset(1, "image", 10)], vec![]);
    let message = serde_json::to_value(placeholder(&a)).unwrap();
    assert_eq!((message["nonce"].as_str(), message["enforce_nonce"].as_bool()), (Some("n0nce"), Some(true)));
    let button = &message["components"][0]["components"][0];
    assert_eq!(
        CardCustomId::parse(button["custom_id"].as_str().unwrap()),
        Some(CardCustomId::new(CardAction::Approve, a.id))
    );
    assert_eq!(message["content"], "-# approval #42 · gate gate · run job_1");
}
