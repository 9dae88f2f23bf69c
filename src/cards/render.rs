//! Review cards as pure functions from an approval to a message in Discord's component layout
//! (see [`super::layout`]): one container whose accent colour says the state, the text (workflow,
//! run, gate, prompts, tally, deadline, decision), the previews as one media gallery, other
//! assets as links, and the buttons below. Selection cards ([`selection`]) share the frame.
//!
//! Discord's limits are kept by construction: a fixed, small number of components (see
//! [`MOST_COMPONENTS`]), at most [`limits::GALLERY_ITEMS`] pictures, and the text within
//! [`limits::TEXT_TOTAL`] characters ([`text::Budget`]): what must show is measured first, and
//! what does not fit is counted, with where to see it.
//!
//! Pictures are the message's own attachments (`attachment://` names), as [`super::previews`]
//! decides; a card never shows a signed URL, which would expire.

use serde_json::{Value, json};
use serenity::all::{CreateActionRow, CreateAllowedMentions, CreateButton, CreateMessage, Nonce};

use super::{
    custom_id::{CardAction, CardCustomId},
    inert,
    layout::{self, IS_COMPONENTS_V2, Style},
    limits,
    previews::{AssetView, NotShown, plan::may_be_image},
};
use crate::{
    approvals::{review::ShownAsset, state::ApprovalState},
    store::Approval,
};

pub use summary::outcome;
use summary::summary_lines;
use text::Budget;
pub use text::cut;

/// Prompts shown on a card; the rest are counted.
const MAX_PROMPTS: usize = 5;
/// Characters a prompt may take, so a card stays readable on a phone.
const PROMPT_CHARS: usize = 900;
/// Characters of a prompt's name (its label and node).
const PROMPT_NAME_CHARS: usize = 200;
/// Characters of the title line's workflow name.
const TITLE_CHARS: usize = 200;
/// Characters of the text kept for the links to assets not in the gallery, whatever the prompts.
const LINKS_ROOM: usize = 600;
/// Characters kept for a line counting what did not fit.
const REST_ROOM: usize = 60;
/// Characters of the decision's text (a reason is at most 500).
const DECISION_CHARS: usize = 700;
/// Characters one approval's note takes in the tally's notes (all of it is in the audit).
const NOTE_CHARS: usize = 180;

/// The most components a card holds, nested ones counted: the container, up to 15 text
/// displays (title, decision, tally, notes, two re-run lines, previews note, prompts and the
/// line counting the rest, candidates or links, footer), a separator, a gallery, and up to six
/// action rows holding four menus and six buttons (a review card's five, and Approve all in a
/// row of its own). Within Discord's 40.
pub const MOST_COMPONENTS: usize = 1 + 15 + 1 + 1 + 6 + 4 + 6;
const _: () = assert!(MOST_COMPONENTS <= limits::COMPONENTS);

const WAITING: u32 = 0xF1C40F;
const OVERDUE: u32 = 0xE67E22;
const APPROVED: u32 = 0x2ECC71;
const REJECTED: u32 = 0xE74C3C;
const ENDED: u32 = 0x95A5A6;

/// The body that posts a new card: idempotent through the approval's nonce. `views` says how
/// each asset is shown (its files are added by the caller).
pub fn new_card(approval: &Approval, views: &[AssetView]) -> Value {
    json!({
        "flags": IS_COMPONENTS_V2,
        "components": components(approval, views),
        "nonce": approval.card_nonce,
        "enforce_nonce": true,
        "allowed_mentions": { "parse": [] },
    })
}

/// The message a card's previews are uploaded with, drawn as the card by the edit that follows
/// (see [`super::attach`]): the nonce makes it idempotent, its line names the gate, and its one
/// button carries the `custom_id` a card is found by in its channel.
pub fn placeholder(approval: &Approval) -> CreateMessage {
    let (first, label, kind) = match approval.snapshot.selection {
        Some(_) => (CardAction::Confirm, "Confirm", "selection"),
        None => (CardAction::Approve, "Approve", "approval"),
    };
    let button = CreateButton::new(CardCustomId::new(first, approval.id).to_string()).label(label);
    CreateMessage::new()
        .content(footer(kind, approval))
        .components(vec![CreateActionRow::Buttons(vec![button])])
        .nonce(Nonce::String(approval.card_nonce.clone()))
        .enforce_nonce(true)
        .allowed_mentions(CreateAllowedMentions::new())
}

/// The edit that brings a posted card up to date with its approval. A card posted with embeds
/// before the component layout is moved over by the same edit: its text and embeds are cleared,
/// which the layout requires (its attachments are kept by the caller).
pub fn card_update(approval: &Approval, views: &[AssetView]) -> Value {
    json!({
        "flags": IS_COMPONENTS_V2,
        "content": null,
        "embeds": [],
        "components": components(approval, views),
        "allowed_mentions": { "parse": [] },
    })
}

/// A card's one container: a review card, or a selection card for a selection gate.
fn components(approval: &Approval, views: &[AssetView]) -> Vec<Value> {
    let inner = match &approval.snapshot.selection {
        Some(choice) => selection::body(approval, choice, views),
        None => body(approval, views),
    };
    vec![layout::container(accent(approval), inner)]
}

/// What a review card shows, top to bottom.
fn body(approval: &Approval, views: &[AssetView]) -> Vec<Value> {
    let snapshot = &approval.snapshot;
    let (pictures, links) = shown_and_linked(&snapshot.assets, views);
    let mut budget = Budget::new(limits::TEXT_TOTAL);
    // What every card must show is measured first; prompts and links share what is left.
    let title = budget.text(&title("Review", approval), usize::MAX);
    let footer = budget.text(&footer("approval", approval), usize::MAX);
    let decision = outcome(approval).and_then(|text| budget.section("Decision", &text, DECISION_CHARS));
    let tally = approval.progress.tally().and_then(|text| budget.section("Approvals", &text, usize::MAX));
    let notes = notes(approval).and_then(|text| budget.section("Notes", &text, usize::MAX));
    let reruns = reruns(approval, &mut budget);
    let note = previews_note(views).and_then(|text| budget.section("Previews", text, usize::MAX));
    let no_assets = snapshot
        .assets
        .is_empty()
        .then(|| budget.section("Assets", "The nodes before this gate made no asset to show.", usize::MAX));
    // Prompts leave room for some links: a card full of prompts still says where its assets are.
    let held = budget.hold(if links.is_empty() { 0 } else { LINKS_ROOM });
    let prompts = prompts(approval, &mut budget);
    budget.give_back(held);
    let links =
        (!links.is_empty()).then(|| budget.lines("More assets", &links, elsewhere(approval))).flatten();
    let mut out: Vec<Value> = [title, decision, tally, notes].into_iter().flatten().collect();
    out.extend(reruns);
    out.extend(prompts);
    out.extend(gallery(&pictures));
    out.extend([note, links, no_assets.flatten()].into_iter().flatten());
    out.push(layout::separator());
    out.extend(footer);
    out.extend(buttons(approval, CardAction::Approve, "Approve"));
    out.extend(approve_all(approval));
    out
}

/// Approve all, in a row of its own (a row holds five buttons), on an open card whose run has
/// other approval gates waiting too (ForEach iterations): it asks to confirm, listing them.
fn approve_all(approval: &Approval) -> Option<Value> {
    let n = approval.progress.run_gates;
    (approval.state == ApprovalState::Pending && n >= 2).then(|| {
        let id = CardCustomId::new(CardAction::ApproveRun, approval.id).to_string();
        layout::row(vec![layout::button(&id, &format!("Approve all {n}"), Style::Success)])
    })
}

/// The card's re-run lines: the run it follows, the re-run asked from it.
fn reruns(approval: &Approval, budget: &mut Budget) -> Vec<Value> {
    let fields = rerun::fields(&approval.progress.rerun);
    fields.into_iter().filter_map(|(name, text)| budget.section(name, &text, usize::MAX)).collect()
}

/// The notes that came with the approvals counted so far, one line each, shown as written.
fn notes(approval: &Approval) -> Option<String> {
    let lines: Vec<String> = approval
        .progress
        .notes
        .iter()
        .map(|(id, note)| format!("<@{id}>: {}", cut(&inert::text(note), NOTE_CHARS)))
        .collect();
    Some(lines.join("\n")).filter(|text| !text.is_empty())
}

/// The title line and the summary below it: `kind` ("Review", "Pick") and the workflow.
fn title(kind: &str, approval: &Approval) -> String {
    let gate = if approval.snapshot.selection.is_some() { "selection gate" } else { "gate" };
    let name = cut(&inert::text(&approval.snapshot.workflow_name), TITLE_CHARS);
    let mut lines = vec![format!("## {kind}: {name}")];
    lines.extend(summary_lines(approval, gate));
    lines.join("\n")
}

/// The small print at the bottom: the row, gate and run, for an admin looking it up; and why the
/// card has no thread, when threads are on and it could not start one.
fn footer(kind: &str, approval: &Approval) -> String {
    let line = format!("-# {kind} #{} · gate {} · run {}", approval.id, approval.node_id, approval.job_id);
    approval.thread.missing.as_ref().map_or_else(|| line.clone(), |why| format!("{line}\n-# {why}"))
}

/// Where the assets that did not fit are seen: Full size while the card is open.
fn elsewhere(approval: &Approval) -> &'static str {
    if approval.state == ApprovalState::Pending { "(Full size lists them all)" } else { "in Scenario" }
}

/// The previews as one gallery, each described by its label; none without previews.
fn gallery(pictures: &[(String, &str)]) -> Option<Value> {
    let items: Vec<Value> = pictures
        .iter()
        .take(limits::GALLERY_ITEMS)
        .map(|(label, filename)| layout::gallery_item(filename, &cut(label, limits::GALLERY_DESCRIPTION)))
        .collect();
    (!items.is_empty()).then(|| layout::gallery(items))
}

/// The buttons of an open card: `first` (Approve, or Confirm on a selection card), Approve with
/// note on a review card, Reject, Full size when there are assets, and Re-run when the route
/// offers it; none once the gate is no longer pending.
fn buttons(approval: &Approval, first: CardAction, label: &str) -> Option<Value> {
    // A decision being sent is the reviewer's: nobody else may take the gate meanwhile.
    if approval.state != ApprovalState::Pending {
        return None;
    }
    let button = |action, label, style| {
        layout::button(&CardCustomId::new(action, approval.id).to_string(), label, style)
    };
    let mut row = vec![button(first, label, Style::Success)];
    if first == CardAction::Approve {
        row.push(button(CardAction::ApproveWithNote, "Approve with note", Style::Success));
    }
    row.push(button(CardAction::Reject, "Reject", Style::Danger));
    if !approval.snapshot.assets.is_empty() {
        row.push(button(CardAction::FullSize, "Full size", Style::Secondary));
    }
    if approval.progress.rerun.offer {
        row.push(button(CardAction::Rerun, "Re-run", Style::Secondary));
    }
    Some(layout::row(row))
}

/// The prompts as sections, as many as the budget leaves room for, and a line counting the rest.
fn prompts(approval: &Approval, budget: &mut Budget) -> Vec<Value> {
    let fields = prompt_fields(approval);
    // Room for the line that counts what did not fit, whatever the prompts take.
    let held = budget.hold(REST_ROOM);
    let mut out = Vec::new();
    for (name, value) in &fields {
        let Some(section) = budget.section(name, value, PROMPT_CHARS) else { break };
        out.push(section);
    }
    budget.give_back(held);
    if out.len() < fields.len() {
        let rest = format!("-# {} more prompts: see the run in Scenario.", fields.len() - out.len());
        out.extend(budget.text(&rest, usize::MAX));
    }
    out
}

/// The prompts as (name, value), at most [`MAX_PROMPTS`], then one counting the rest.
fn prompt_fields(approval: &Approval) -> Vec<(String, String)> {
    let prompts = &approval.snapshot.prompts;
    let mut fields: Vec<(String, String)> = prompts
        .iter()
        .take(MAX_PROMPTS)
        .map(|p| {
            let name = format!("{} ({})", inert::text(&p.label), inert::text(p.node_id.as_str()));
            let name = cut(&name, PROMPT_NAME_CHARS);
            (name, cut(&inert::text(&p.value), PROMPT_CHARS))
        })
        .collect();
    if prompts.len() > MAX_PROMPTS {
        fields.push((
            "More prompts".into(),
            format!("{} more: see the run in Scenario.", prompts.len() - MAX_PROMPTS),
        ));
    }
    fields
}

/// The (label, file name) of each attached preview, and one line for every other asset, with
/// the reason it is not shown when it should have been, linked when its URL is one Discord
/// accepts.
fn shown_and_linked<'v>(
    assets: &[ShownAsset],
    views: &'v [AssetView],
) -> (Vec<(String, &'v str)>, Vec<String>) {
    let (mut pictures, mut links) = (Vec::new(), Vec::new());
    for (label, view) in labels(assets).into_iter().zip(views) {
        let (link, why) = match view {
            AssetView::Attached { filename } if pictures.len() < limits::GALLERY_ITEMS => {
                pictures.push((label, filename.as_str()));
                continue;
            }
            AssetView::Attached { .. } => (None, None),
            AssetView::Linked { link } => (link.as_deref(), None),
            AssetView::NotShown { why, link } => (link.as_deref(), Some(why)),
        };
        let url = link.and_then(|url| url::Url::parse(url).ok());
        let mut line = match &url {
            Some(url) => inert::link(&label, url),
            None => label,
        };
        match why {
            // Said once for the whole card, by `previews_note`.
            Some(NotShown::AttachFilesDenied) => {}
            Some(why) => line.push_str(&format!(" ({})", why.on_card())),
            None if url.is_none() => line.push_str(" (no usable link)"),
            None => {}
        }
        links.push(line);
    }
    (pictures, links)
}

/// The card's one line about previews Discord refused for want of Attach Files, if it did.
fn previews_note(views: &[AssetView]) -> Option<&'static str> {
    let refused = |v: &AssetView| matches!(v, AssetView::NotShown { why: NotShown::AttachFilesDenied, .. });
    views.iter().any(refused).then_some(
        "Not shown: approval-bridge may not attach files in this channel. Grant its role Attach Files here (server or channel settings) and the previews appear at the next update.",
    )
}

/// What a card calls each asset: images numbered among images ("Image 3"), other kinds among
/// themselves ("Video 1").
pub fn labels(assets: &[ShownAsset]) -> Vec<String> {
    let (mut images, mut others) = (0, 0);
    assets
        .iter()
        .map(|asset| {
            if may_be_image(asset) {
                images += 1;
                format!("Image {images}")
            } else {
                others += 1;
                format!("{} {others}", asset.kind.as_deref().map(kind_label).unwrap_or("Asset"))
            }
        })
        .collect()
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "video" => "Video",
        "audio" => "Audio",
        "3d" => "3D model",
        "document" => "Document",
        "json" => "JSON",
        "text" => "Text",
        _ => "Asset",
    }
}

/// The accent colour of the card: waiting, overdue, approved, rejected or ended.
fn accent(approval: &Approval) -> u32 {
    match approval.state {
        ApprovalState::Pending | ApprovalState::Deciding if approval.progress.overdue_at.is_some() => OVERDUE,
        ApprovalState::Pending | ApprovalState::Deciding => WAITING,
        ApprovalState::Approved => APPROVED,
        ApprovalState::Rejected => REJECTED,
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded => ENDED,
    }
}

pub mod rerun;
pub mod selection;
mod summary;
#[cfg(test)]
mod tests;
mod text;
