//! Selection cards: the numbered candidates of a `user-selection` gate, menus to pick from, and
//! Confirm / Reject (and Re-run where the route offers it). Pure, like review cards, in the same frame, and within Discord's limits by
//! construction.
//!
//! The candidates' pictures are one gallery, each described by its candidate's number, and each
//! candidate's line says where its picture is in the gallery. A string select lists at most 25
//! options, so the candidates are listed 25 to a menu ("Candidates 1–25", "Candidates 26–50", …)
//! in up to four menus, above one row of buttons. Picks made in several menus add up; Confirm
//! sends them. Candidates past the hundredth cannot be listed: the card says so.

use serde_json::Value;

use super::{
    Budget, DECISION_CHARS, buttons, cut, footer, gallery, inert, kind_label, limits, may_be_image,
    previews_note, prompts, reruns, title,
};
use crate::{
    approvals::{
        selection::{Candidate, Choice, numbers},
        settle,
        state::ApprovalState,
    },
    cards::{
        custom_id::{CardAction, CardCustomId},
        layout,
        previews::AssetView,
    },
    store::Approval,
};

/// Options in one string select.
pub const MENU_OPTIONS: usize = 25;
/// Menus on one card: with the buttons' row, five action rows.
pub const MENUS: usize = 4;
/// Characters of a select option's label and value.
const OPTION_CHARS: usize = 100;
/// Characters of one candidate's line on the card.
const LINE_CHARS: usize = 150;

/// What a selection card shows, top to bottom.
pub(super) fn body(approval: &Approval, choice: &Choice, views: &[AssetView]) -> Vec<Value> {
    let mut budget = Budget::new(limits::TEXT_TOTAL);
    let picked = approval.picks.as_deref().filter(|_| shows_picks(approval.state)).unwrap_or_default();
    let (lines, pictures) = candidate_lines(choice, views, picked);
    let title =
        budget.text(&format!("{}{}", title("Pick", approval), instructions(approval, choice)), usize::MAX);
    let footer = budget.text(&footer("selection", approval), usize::MAX);
    let decision = outcome(approval).and_then(|text| budget.section("Decision", &text, DECISION_CHARS));
    let tally = (approval.state == ApprovalState::Pending)
        .then(|| approval.progress.proposal_tally())
        .flatten()
        .and_then(|text| budget.section("Confirmations", &text, usize::MAX));
    let reruns = reruns(approval, &mut budget);
    let note = previews_note(views).and_then(|text| budget.section("Previews", text, usize::MAX));
    let candidates = budget.lines("Candidates", &lines, "(every candidate is in the menus)");
    let prompts = prompts(approval, &mut budget);
    let mut out: Vec<Value> = [title, decision].into_iter().flatten().collect();
    out.extend(reruns);
    out.extend([tally, note, candidates].into_iter().flatten());
    out.extend(gallery(&pictures));
    out.extend(prompts);
    out.push(layout::separator());
    out.extend(footer);
    out.extend(menus(approval, choice));
    out.extend(buttons(approval, CardAction::Confirm, "Confirm"));
    out
}

/// The menus of a selection card, one action row each; none once the gate is no longer pending.
fn menus(approval: &Approval, choice: &Choice) -> Vec<Value> {
    if approval.state != ApprovalState::Pending {
        return Vec::new();
    }
    let chunks: Vec<&[Candidate]> = choice.candidates.chunks(MENU_OPTIONS).take(MENUS).collect();
    let single = chunks.len() == 1;
    let labels = short_labels(approval, choice);
    chunks
        .iter()
        .enumerate()
        .map(|(menu, chunk)| {
            let first = menu * MENU_OPTIONS;
            let options = (first..first + chunk.len()).map(|index| option(index, &labels[index])).collect();
            let len = chunk.len() as u32;
            // One menu holds every candidate: Discord itself keeps the picks within bounds.
            // Several menus add up, so each takes from none to the most, and Confirm checks the sum.
            let (fewest, most) = if single { (choice.fewest(), choice.most()) } else { (0, choice.most()) };
            let placeholder = if single {
                format!("Pick {} (nothing is sent until Confirm)", choice.bounds_text())
            } else {
                format!("Candidates {}–{}", first + 1, first + chunk.len())
            };
            let custom_id = CardCustomId::new(CardAction::Pick(menu as u8), approval.id).to_string();
            let (min, max) = (fewest.min(len) as u8, most.clamp(1, len) as u8);
            layout::row(vec![layout::string_select(&custom_id, &placeholder, options, min, max)])
        })
        .collect()
}

/// One menu option: the candidate's number and a short label; its value is its index.
fn option(index: usize, short: &str) -> Value {
    layout::option(&cut(&format!("{}. {short}", index + 1), OPTION_CHARS), &index.to_string())
}

/// What the menu calls each candidate after its number: an asset's kind ("Image", "Video"), a
/// link's host, the text itself on one line.
fn short_labels(approval: &Approval, choice: &Choice) -> Vec<String> {
    let mut assets = approval.snapshot.assets.iter();
    let candidates = choice.candidates.iter();
    candidates
        .map(|candidate| match candidate {
            Candidate::Asset { .. } => match assets.next() {
                Some(asset) if may_be_image(asset) => "Image".to_owned(),
                Some(asset) => asset.kind.as_deref().map_or("Asset", kind_label).to_owned(),
                None => "Asset".to_owned(),
            },
            Candidate::Link { url } => format!("Link {}", host(url)),
            Candidate::Text { text } => text.split_whitespace().collect::<Vec<_>>().join(" "),
        })
        .collect()
}

fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Whether the card shows the claim's picks: while they are sent, and once Scenario took them.
fn shows_picks(state: ApprovalState) -> bool {
    matches!(state, ApprovalState::Deciding | ApprovalState::Approved)
}

/// One line per candidate, and the (description, file name) of each picture in the gallery:
/// at most a gallery's ten, each described by its candidate's number.
fn candidate_lines<'v>(
    choice: &Choice,
    views: &'v [AssetView],
    picked: &[u32],
) -> (Vec<String>, Vec<(String, &'v str)>) {
    let (mut lines, mut pictures, mut assets) = (Vec::new(), Vec::new(), views.iter());
    for (index, candidate) in choice.candidates.iter().enumerate() {
        let number = index + 1;
        let mark = if picked.contains(&(index as u32)) { " ✅ picked" } else { "" };
        let what = match candidate {
            Candidate::Asset { .. } => match assets.next() {
                Some(AssetView::Attached { filename }) if pictures.len() < limits::GALLERY_ITEMS => {
                    pictures.push((format!("Candidate {number}{mark}"), filename.as_str()));
                    format!("picture {} of the gallery", pictures.len())
                }
                Some(AssetView::Linked { link: Some(url) } | AssetView::NotShown { link: Some(url), .. }) => {
                    shown_link("asset", url)
                }
                _ => "asset (no usable link)".to_owned(),
            },
            Candidate::Link { url } => shown_link("link", url),
            Candidate::Text { text } => cut(&inert::text(text), LINE_CHARS),
        };
        lines.push(format!("**{number}.** {what}{mark}"));
    }
    (lines, pictures)
}

/// A candidate's link, with its host shown; a URL that is not http(s) is shown as text.
fn shown_link(label: &str, url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => inert::link(label, &parsed),
        _ => format!("{label} {}", inert::text(url)),
    }
}

/// What to do, under the title, while the gate is open.
fn instructions(approval: &Approval, choice: &Choice) -> String {
    if approval.state != ApprovalState::Pending {
        return String::new();
    }
    let mut lines = vec![String::new(), String::new()];
    {
        let count = choice.candidates.len();
        lines.push(format!(
            "Pick {} of the {count} candidates in the menu{} below, then press **Confirm**. \
             Choosing in a menu sends nothing.",
            choice.bounds_text(),
            if count > MENU_OPTIONS { "s" } else { "" }
        ));
        let listed = MENUS * MENU_OPTIONS;
        if count > listed {
            lines.push(format!(
                "Candidates past {listed} cannot be listed in Discord: pick them in Scenario's web app."
            ));
        }
    }
    lines.join("\n")
}

fn outcome(approval: &Approval) -> Option<String> {
    let who =
        approval.decided_by.as_ref().map(|r| format!("<@{}>", r.id)).unwrap_or_else(|| "someone".into());
    let when = approval.decided_at.map(|ms| format!(" <t:{}:f>", ms / 1000)).unwrap_or_default();
    let picks = numbers(approval.picks.as_deref().unwrap_or_default());
    let reason = approval.reason.as_deref().filter(|r| !r.is_empty());
    let text = match approval.state {
        ApprovalState::Pending => return None,
        ApprovalState::Deciding if approval.picks.is_some() => {
            format!("⏳ Picks {picks} by {who}{when} are being sent to Scenario.")
        }
        ApprovalState::Deciding => format!("⏳ Rejection by {who}{when} is being sent to Scenario."),
        ApprovalState::Approved => format!("✅ Picked {picks} by {who}{when}."),
        ApprovalState::Rejected => match reason {
            Some(reason) => format!("❌ Rejected by {who}{when}.\nReason: {reason}"),
            None => format!("❌ Rejected by {who}{when}."),
        },
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded => {
            // The settlement rule speaks of approvals; a selection node that went on was picked.
            let what = match reason {
                Some(settle::APPROVED_IN_SCENARIO) => "Picked in Scenario",
                Some(reason) => reason,
                None => "Closed outside the bridge",
            };
            format!("{what}{when}.")
        }
    };
    Some(text)
}

#[cfg(test)]
mod tests;
