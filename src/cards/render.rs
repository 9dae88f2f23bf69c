//! Review cards as pure functions from an approval to serenity message builders.
//!
//! Discord's limits are kept by construction: at most 10 embeds (the first carries the text and
//! the first image, each further one image), every text cut to its field's limit with an
//! ellipsis, links that do not fit the 6000-character budget counted instead of sent.
//!
//! Images are shown from the message's own attachments (`attachment://` names), as
//! [`super::previews`] decides; a card never embeds a signed URL, which would expire.

use serenity::all::{
    ButtonStyle, Colour, CreateActionRow, CreateButton, CreateEmbed, CreateEmbedFooter, CreateMessage,
    EditMessage, Nonce,
};

use super::{
    custom_id::{CardAction, CardCustomId},
    inert, limits,
    previews::{AssetView, NotShown, plan::may_be_image},
};
use crate::{
    approvals::{
        review::ShownAsset,
        state::{ApprovalState, Decision},
    },
    store::{Approval, Reviewer},
};

/// Prompts shown on a card; the rest are counted.
const MAX_PROMPTS: usize = 5;
/// Characters a prompt may take (below a field's 1024, so a card stays readable on a phone).
const PROMPT_CHARS: usize = 900;

const PENDING: Colour = Colour(0xF1C40F);
const APPROVED: Colour = Colour(0x2ECC71);
const REJECTED: Colour = Colour(0xE74C3C);
const CLOSED: Colour = Colour(0x95A5A6);

/// The message that posts a new card: idempotent through the approval's nonce. `views` says how
/// each asset is shown (its files are added by the caller).
pub fn new_card(approval: &Approval, views: &[AssetView]) -> CreateMessage {
    let nonce = Nonce::String(approval.card_nonce.clone());
    let (embeds, components) = content(approval, views);
    CreateMessage::new().embeds(embeds).components(components).nonce(nonce).enforce_nonce(true)
}

/// The edit that brings a posted card up to date with its approval.
pub fn card_update(approval: &Approval, views: &[AssetView]) -> EditMessage {
    let (embeds, components) = content(approval, views);
    EditMessage::new().embeds(embeds).components(components)
}

/// A card's embeds and components: a review card, or a selection card for a selection gate.
fn content(approval: &Approval, views: &[AssetView]) -> (Vec<CreateEmbed>, Vec<CreateActionRow>) {
    match &approval.snapshot.selection {
        Some(choice) => (selection::embeds(approval, choice, views), selection::components(approval, choice)),
        None => (embeds(approval, views), buttons(approval)),
    }
}

fn buttons(approval: &Approval) -> Vec<CreateActionRow> {
    // A decision being sent is the reviewer's: nobody else may take the gate meanwhile.
    if approval.state != ApprovalState::Pending {
        return Vec::new();
    }
    let button = |action, label, style| {
        CreateButton::new(CardCustomId::new(action, approval.id).to_string()).label(label).style(style)
    };
    let mut row = vec![
        button(CardAction::Approve, "Approve", ButtonStyle::Success),
        button(CardAction::Reject, "Reject", ButtonStyle::Danger),
    ];
    if !approval.snapshot.assets.is_empty() {
        row.push(button(CardAction::FullSize, "Full size", ButtonStyle::Secondary));
    }
    vec![CreateActionRow::Buttons(row)]
}

fn embeds(approval: &Approval, views: &[AssetView]) -> Vec<CreateEmbed> {
    let snapshot = &approval.snapshot;
    let (attached, links) = shown_and_linked(&snapshot.assets, views);
    // What every card must show takes its share of the 6000 characters first (field names
    // count too); prompts and links share what is left, so the decision of a card full of
    // prompts still fits.
    let mut budget = Budget::new(limits::EMBED_TOTAL);
    let title = budget.take(&format!("Review: {}", inert::text(&snapshot.workflow_name)), limits::TITLE);
    let description = budget.take(&summary(approval), limits::DESCRIPTION);
    let footer = format!("approval #{} · gate {} · run {}", approval.id, approval.node_id, approval.job_id);
    let footer = budget.take(&footer, limits::FOOTER);
    let decision = outcome(approval).and_then(|text| budget.field("Decision", &text));
    let no_files = previews_note(views).and_then(|text| budget.field("Previews", text));
    let tally = approval.progress.tally().and_then(|text| budget.field("Approvals", &text));
    let no_assets = if snapshot.assets.is_empty() {
        budget.field("Assets", "The nodes before this gate made no asset to show.")
    } else {
        None
    };
    let mut main = CreateEmbed::new().title(title).colour(colour(approval.state)).description(description);
    // Prompts that no longer fit are left out.
    for (name, value) in prompt_fields(approval) {
        let Some((name, value)) = budget.field(&name, &value) else { break };
        main = main.field(name, value, false);
    }
    if let Some((name, value)) = tally {
        main = main.field(name, value, false);
    }
    if let Some((name, value)) = decision {
        main = main.field(name, value, false);
    }
    if let Some((name, value)) = no_files {
        main = main.field(name, value, false);
    }
    const MORE_ASSETS: &str = "More assets";
    if !links.is_empty() && budget.left >= MORE_ASSETS.len() + Budget::TAIL_ROOM {
        budget.spend(MORE_ASSETS);
        main = main.field(MORE_ASSETS, budget.links(&links, limits::FIELD_VALUE), false);
    }
    if let Some((name, value)) = no_assets {
        main = main.field(name, value, false);
    }
    main = main.footer(CreateEmbedFooter::new(footer));
    let mut embeds = vec![main];
    for (n, filename) in attached.iter().enumerate() {
        let url = format!("attachment://{filename}");
        if n == 0 {
            embeds[0] = embeds[0].clone().image(url);
        } else {
            embeds.push(CreateEmbed::new().colour(colour(approval.state)).image(url));
        }
    }
    embeds
}

fn summary(approval: &Approval) -> String {
    summary_lines(approval, "gate").join("\n")
}

/// Which run waits at which `gate` (and iteration), since when.
fn summary_lines(approval: &Approval, gate: &str) -> Vec<String> {
    let snapshot = &approval.snapshot;
    let (job, node) = (inert::code(approval.job_id.as_str()), inert::code(approval.node_id.as_str()));
    let mut lines = vec![format!("Run `{job}` is waiting at {gate} `{node}`")];
    if let Some(iteration) = snapshot.iteration {
        lines[0].push_str(&format!(" (ForEach iteration {})", iteration + 1));
    }
    lines[0].push('.');
    if let Some(started) = snapshot.run_started_at {
        lines.push(format!("Run started <t:{started}:f>."));
    }
    lines.push(format!("Waiting since <t:{}:R>.", approval.found_at / 1000));
    if let Some(deadline) = approval.progress.deadline().filter(|_| approval.state == ApprovalState::Pending)
    {
        lines.push(deadline);
    }
    lines
}

fn prompt_fields(approval: &Approval) -> Vec<(String, String)> {
    let prompts = &approval.snapshot.prompts;
    let mut fields: Vec<(String, String)> = prompts
        .iter()
        .take(MAX_PROMPTS)
        .map(|p| {
            let name = format!("{} ({})", inert::text(&p.label), inert::text(p.node_id.as_str()));
            (name, cut(&inert::text(&p.value), PROMPT_CHARS))
        })
        .collect();
    if prompts.len() > MAX_PROMPTS {
        fields.push(("More prompts".into(), format!("{} more not shown.", prompts.len() - MAX_PROMPTS)));
    }
    fields
}

fn outcome(approval: &Approval) -> Option<String> {
    let who = approval.decided_by.as_ref().map(Reviewer::mention).unwrap_or_else(|| "someone".into());
    let when = approval.decided_at.map(|ms| format!(" <t:{}:f>", ms / 1000)).unwrap_or_default();
    let reason = approval.reason.as_deref().filter(|r| !r.is_empty());
    let text = match approval.state {
        ApprovalState::Pending => return None,
        ApprovalState::Deciding => {
            let what = match approval.decision {
                Some(Decision::Reject) => "Rejection",
                _ => "Approval",
            };
            format!("⏳ {what} by {who}{when} is being sent to Scenario.")
        }
        ApprovalState::Approved => match reason {
            // Only the bridge gives a reason for an approval: the route's deadline passed.
            Some(reason) => format!("✅ Approved by {who}{when}.\nReason: {reason}"),
            None => format!("✅ Approved by {who}{when}."),
        },
        ApprovalState::Rejected => match reason {
            Some(reason) => format!("❌ Rejected by {who}{when}.\nReason: {reason}"),
            None => format!("❌ Rejected by {who}{when}."),
        },
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded => {
            format!("{}{when}.", reason.unwrap_or("Closed outside the bridge"))
        }
    };
    Some(text)
}

/// The file names of the attached previews (at most one per embed), and one line for every other
/// asset, with the reason it is not shown when it should have been, linked when its URL is one
/// Discord accepts.
fn shown_and_linked<'v>(assets: &[ShownAsset], views: &'v [AssetView]) -> (Vec<&'v str>, Vec<String>) {
    let (mut attached, mut links) = (Vec::new(), Vec::new());
    for (label, view) in labels(assets).into_iter().zip(views) {
        let (link, why) = match view {
            AssetView::Attached { filename } if attached.len() < limits::EMBEDS => {
                attached.push(filename.as_str());
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
    (attached, links)
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

fn colour(state: ApprovalState) -> Colour {
    match state {
        ApprovalState::Pending | ApprovalState::Deciding => PENDING,
        ApprovalState::Approved => APPROVED,
        ApprovalState::Rejected => REJECTED,
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded => CLOSED,
    }
}

/// Cuts `text` to at most `max` characters, ending with an ellipsis when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The characters left for a message's embeds.
struct Budget {
    left: usize,
}

impl Budget {
    /// Room kept for "…and N more" after links.
    const TAIL_ROOM: usize = 24;
    /// The least of a field's value worth showing.
    const MIN_VALUE: usize = 16;

    fn new(total: usize) -> Self {
        Self { left: total }
    }

    /// `text` cut to its field's limit and to what is left of the budget.
    fn take(&mut self, text: &str, field_max: usize) -> String {
        let out = cut(text, field_max.min(self.left));
        self.left = self.left.saturating_sub(out.chars().count());
        out
    }

    /// Counts `text`, which is sent whole (a fixed field name).
    fn spend(&mut self, text: &str) {
        self.left = self.left.saturating_sub(text.chars().count());
    }

    /// A field's name and value, cut to their limits and the budget; `None` when too little is
    /// left to show some of its value (Discord refuses an empty one).
    fn field(&mut self, name: &str, value: &str) -> Option<(String, String)> {
        let name_chars = name.chars().count().min(limits::FIELD_NAME);
        let least = name_chars + value.chars().count().min(Self::MIN_VALUE);
        if value.is_empty() || self.left < least {
            return None;
        }
        let name = self.take(name, limits::FIELD_NAME);
        Some((name, self.take(value, limits::FIELD_VALUE)))
    }

    /// As many whole links as fit, one per line, then how many did not.
    fn links(&mut self, links: &[String], field_max: usize) -> String {
        const TAIL_ROOM: usize = Budget::TAIL_ROOM;
        let room = field_max.min(self.left);
        let mut out = String::new();
        for (shown, link) in links.iter().enumerate() {
            let reserve = if shown + 1 == links.len() { 0 } else { TAIL_ROOM };
            if out.chars().count() + link.chars().count() + 1 + reserve > room {
                out.push_str(&format!("…and {} more", links.len() - shown));
                break;
            }
            out.push_str(link);
            out.push('\n');
        }
        let out = cut(out.trim_end(), room);
        self.left = self.left.saturating_sub(out.chars().count());
        out
    }
}

pub mod selection;
#[cfg(test)]
mod tests;
