//! Selection cards: the numbered candidates of a `user-selection` gate, menus to pick from, and
//! Confirm / Reject. Pure, like approval cards, and within Discord's limits by construction.
//!
//! A string select lists at most 25 options and a message holds at most 5 action rows, so the
//! candidates are listed 25 to a menu ("Candidates 1–25", "Candidates 26–50", …) in up to four
//! menus, above one row of buttons. Picks made in several menus add up; Confirm sends them.
//! Candidates past the hundredth cannot be listed: the card says so.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption,
};

use super::{
    Budget, colour, cut, inert, kind_label, limits, may_be_image, previews_note, prompt_fields, summary_lines,
};
use crate::{
    approvals::{
        selection::{Candidate, Choice, numbers},
        settle,
        state::ApprovalState,
    },
    cards::custom_id::{CardAction, CardCustomId},
    cards::previews::AssetView,
    store::Approval,
};

/// Options in one string select.
pub const MENU_OPTIONS: usize = 25;
/// Menus on one card: five action rows, one of them for the buttons.
pub const MENUS: usize = 4;
/// Characters of a select option's label and value.
const OPTION_CHARS: usize = 100;
/// Characters of one candidate's line on the card.
const LINE_CHARS: usize = 150;

/// The menus and buttons of a selection card; none once the gate is no longer pending.
pub fn components(approval: &Approval, choice: &Choice) -> Vec<CreateActionRow> {
    if approval.state != ApprovalState::Pending {
        return Vec::new();
    }
    let chunks: Vec<&[Candidate]> = choice.candidates.chunks(MENU_OPTIONS).take(MENUS).collect();
    let single = chunks.len() == 1;
    let labels = short_labels(approval, choice);
    let mut rows: Vec<CreateActionRow> = chunks
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
            let menu = CreateSelectMenu::new(custom_id, CreateSelectMenuKind::String { options })
                .placeholder(placeholder)
                .min_values(fewest.min(len) as u8)
                .max_values(most.clamp(1, len) as u8);
            CreateActionRow::SelectMenu(menu)
        })
        .collect();
    let button = |action, label, style| {
        CreateButton::new(CardCustomId::new(action, approval.id).to_string()).label(label).style(style)
    };
    let mut buttons = vec![
        button(CardAction::Confirm, "Confirm", ButtonStyle::Success),
        button(CardAction::Reject, "Reject", ButtonStyle::Danger),
    ];
    if !approval.snapshot.assets.is_empty() {
        buttons.push(button(CardAction::FullSize, "Full size", ButtonStyle::Secondary));
    }
    rows.push(CreateActionRow::Buttons(buttons));
    rows
}

/// One menu option: the candidate's number and a short label; its value is its index.
fn option(index: usize, short: &str) -> CreateSelectMenuOption {
    CreateSelectMenuOption::new(cut(&format!("{}. {short}", index + 1), OPTION_CHARS), index.to_string())
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

/// The embeds of a selection card: the text (what to do, the candidates by number, the outcome)
/// and one embed per attached preview, titled with its candidate's number.
pub fn embeds(approval: &Approval, choice: &Choice, views: &[AssetView]) -> Vec<CreateEmbed> {
    let snapshot = &approval.snapshot;
    let mut budget = Budget::new(limits::EMBED_TOTAL);
    let picked = approval.picks.as_deref().filter(|_| shows_picks(approval.state)).unwrap_or_default();
    let (lines, previews) = candidate_lines(choice, views, picked);
    let title = budget.take(&format!("Pick: {}", inert::text(&snapshot.workflow_name)), limits::TITLE);
    let preview_titles: Vec<String> =
        previews.iter().map(|(title, _)| budget.take(title, limits::TITLE)).collect();
    let description = budget.take(&description(approval, choice), limits::DESCRIPTION);
    let footer = format!("selection #{} · gate {} · run {}", approval.id, approval.node_id, approval.job_id);
    let footer = budget.take(&footer, limits::FOOTER);
    let decision = outcome(approval).and_then(|text| budget.field("Decision", &text));
    let no_files = previews_note(views).and_then(|text| budget.field("Previews", text));
    let tally = (approval.state == ApprovalState::Pending)
        .then(|| approval.progress.proposal_tally())
        .flatten()
        .and_then(|text| budget.field("Confirmations", &text));
    let colour = colour(approval.state);
    let mut main = CreateEmbed::new().title(title).colour(colour).description(description);
    for (name, value) in decision.into_iter().chain(tally).chain(no_files) {
        main = main.field(name, value, false);
    }
    for (name, value) in candidate_fields(&lines) {
        let Some((name, value)) = budget.field(&name, &value) else { break };
        main = main.field(name, value, false);
    }
    for (name, value) in prompt_fields(approval) {
        let Some((name, value)) = budget.field(&name, &value) else { break };
        main = main.field(name, value, false);
    }
    let mut embeds = vec![main.footer(CreateEmbedFooter::new(footer))];
    for (title, (_, filename)) in preview_titles.into_iter().zip(previews) {
        embeds.push(CreateEmbed::new().colour(colour).title(title).image(format!("attachment://{filename}")));
    }
    embeds
}

/// Whether the card shows the claim's picks: while they are sent, and once Scenario took them.
fn shows_picks(state: ApprovalState) -> bool {
    matches!(state, ApprovalState::Deciding | ApprovalState::Approved)
}

/// One line per candidate, and the (title, file name) of each preview shown in an embed of its
/// own: at most one less than a message's embeds, the first embed holding the text.
fn candidate_lines<'v>(
    choice: &Choice,
    views: &'v [AssetView],
    picked: &[u32],
) -> (Vec<String>, Vec<(String, &'v str)>) {
    let (mut lines, mut previews, mut assets) = (Vec::new(), Vec::new(), views.iter());
    for (index, candidate) in choice.candidates.iter().enumerate() {
        let number = index + 1;
        let mark = if picked.contains(&(index as u32)) { " ✅ picked" } else { "" };
        let what = match candidate {
            Candidate::Asset { .. } => match assets.next() {
                Some(AssetView::Attached { filename }) if previews.len() < limits::EMBEDS - 1 => {
                    previews.push((format!("Candidate {number}{mark}"), filename.as_str()));
                    "image below".to_owned()
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
    (lines, previews)
}

/// A candidate's link, with its host shown; a URL that is not http(s) is shown as text.
fn shown_link(label: &str, url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => inert::link(label, &parsed),
        _ => format!("{label} {}", inert::text(url)),
    }
}

/// The candidate lines grouped into fields of at most a field's characters, whole lines each.
fn candidate_fields(lines: &[String]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in lines {
        match fields.last_mut() {
            Some((_, value)) if value.chars().count() + 1 + line.chars().count() <= limits::FIELD_VALUE => {
                value.push('\n');
                value.push_str(line);
            }
            _ => {
                let name = if fields.is_empty() { "Candidates" } else { "More candidates" };
                fields.push((name.to_owned(), line.clone()));
            }
        }
    }
    fields
}

fn description(approval: &Approval, choice: &Choice) -> String {
    let mut lines = summary_lines(approval, "selection gate");
    if approval.state == ApprovalState::Pending {
        let count = choice.candidates.len();
        lines.push(String::new());
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
