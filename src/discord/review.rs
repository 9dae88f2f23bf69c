//! Clicks on review cards: Approve, Reject (which asks for a reason), and the reason's modal.

use serenity::all::{
    ActionRowComponent, ComponentInteraction, Context, CreateActionRow, CreateInputText,
    CreateInteractionResponse, CreateModal, InputTextStyle, Member, ModalInteraction, User,
};
use tracing::{info, warn};

use super::{
    custom_id::{CardAction, CardCustomId},
    full_size,
    publish::sync_card,
    reply::{Answerable, RESTARTING},
};
use crate::{
    approvals::state::ApprovalState,
    bridge::{Bridge, may_decide},
    decisions::{self, Outcome},
    scenario::Decision,
    store::{Approval, Reviewer},
};

/// The longest reason a reviewer may give for a rejection.
pub const MAX_REASON_CHARS: u16 = 500;
const REASON_INPUT: &str = "reason";

/// Handles a click on a card's button.
pub async fn on_click(bridge: &Bridge, ctx: &Context, click: &ComponentInteraction) -> anyhow::Result<()> {
    let answer = Answerable::Component(click);
    let Some(id) =
        CardCustomId::parse(&click.data.custom_id).filter(|id| id.action != CardAction::RejectReason)
    else {
        answer.say(ctx, "This button is not one approval-bridge knows; nothing was changed.").await?;
        return Ok(());
    };
    let Some(_work) = bridge.begin_work() else {
        answer.say(ctx, RESTARTING).await?;
        return Ok(());
    };
    if id.action == CardAction::FullSize {
        return full_size::on_click(bridge, ctx, click, id).await;
    }
    let card = Click {
        id,
        channel_id: click.channel_id.get(),
        message_id: click.message.id.get(),
        member: click.member.as_ref(),
        user: &click.user,
    };
    if id.action == CardAction::Approve {
        // Acknowledge before any I/O: Discord allows 3 s, Scenario may take longer.
        answer.defer(ctx).await?;
        answer.finish(ctx, decide(bridge, &card, Decision::Approve, None).await?).await?;
        return Ok(());
    }
    match check(bridge, &card).await? {
        Err(refusal) => answer.say(ctx, refusal).await?,
        Ok(approval) => click.create_response(&ctx.http, reason_modal(&approval)).await?,
    }
    Ok(())
}

/// Handles the submitted reason of a rejection.
pub async fn on_modal(bridge: &Bridge, ctx: &Context, modal: &ModalInteraction) -> anyhow::Result<()> {
    let answer = Answerable::Modal(modal);
    let id = CardCustomId::parse(&modal.data.custom_id).filter(|id| id.action == CardAction::RejectReason);
    let (Some(id), Some(card)) = (id, modal.message.as_ref()) else {
        answer.say(ctx, "This form is not one approval-bridge knows; nothing was changed.").await?;
        return Ok(());
    };
    let Some(_work) = bridge.begin_work() else {
        answer.say(ctx, RESTARTING).await?;
        return Ok(());
    };
    let reason = reason_of(modal);
    if reason.chars().count() > usize::from(MAX_REASON_CHARS) {
        let text = format!("The reason is longer than {MAX_REASON_CHARS} characters; nothing was changed.");
        answer.say(ctx, text).await?;
        return Ok(());
    }
    answer.defer(ctx).await?;
    let reason = Some(reason).filter(|r| !r.is_empty());
    let card = Click {
        id,
        channel_id: modal.channel_id.get(),
        message_id: card.id.get(),
        member: modal.member.as_ref(),
        user: &modal.user,
    };
    answer.finish(ctx, decide(bridge, &card, Decision::Reject, reason.as_deref()).await?).await?;
    Ok(())
}

/// A click (or modal submit) on a card: what it asks, where it came from, and who made it.
struct Click<'a> {
    id: CardCustomId,
    channel_id: u64,
    message_id: u64,
    member: Option<&'a Member>,
    user: &'a User,
}

/// Checks the click, claims the gate, sends the decision, updates the card, and returns what the
/// reviewer reads.
async fn decide(
    bridge: &Bridge,
    click: &Click<'_>,
    decision: Decision,
    reason: Option<&str>,
) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    let approval = match check(bridge, click).await? {
        Ok(approval) => approval,
        Err(refusal) => return Ok(refusal),
    };
    let reviewer = reviewer(click.member, click.user);
    let outcome = decisions::decide(bridge, &approval, &reviewer, decision, reason).await?;
    bridge.metrics.click_decided(&outcome, started.elapsed());
    // Only a click that closed the gate writes the card: a final state never changes again, so
    // its render cannot be stale. A lost claim or a released one left the card as it was, and
    // rendering their (possibly outdated) row could overwrite the winner's newer card.
    if let Outcome::Decided(current) | Outcome::Closed(current) = &outcome {
        if let Err(err) = sync_card(bridge, current).await {
            // The watcher edits the card on its next pass: the row says it is not current.
            warn!(approval_id = current.id, job_id = %current.job_id, node_id = %current.node_id, error = %err, "card not updated after the decision");
        }
    }
    Ok(words(&outcome, decision))
}

/// Whether the click may act on its approval: the card is the approval's own, the person is a
/// reviewer, the gate is open. `Err` holds the sentence to answer.
async fn check(bridge: &Bridge, click: &Click<'_>) -> anyhow::Result<Result<Approval, String>> {
    let (member, user) = (click.member, click.user);
    let approval = bridge.store.approval(click.id.approval_id).await?;
    // A card posted just before a crash is in the channel before its row knows its message id
    // (the next pass posts it again with the same nonce, gets the same message, and stores it):
    // such a click is on the bridge's own card, and "not one approval-bridge knows" would be
    // false. Found by the crash test; answered below, after the reviewer check.
    let Some(approval) = approval
        .filter(|a| a.channel_id == click.channel_id && a.message_id.is_none_or(|m| m == click.message_id))
    else {
        return Ok(Err("This card is not one approval-bridge knows; nothing was changed.".into()));
    };
    let required = bridge.reviewer_roles_for(&approval.workflow_id);
    let roles: Vec<u64> = member.map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default();
    if !may_decide(&required, &roles, member.and_then(|m| m.permissions)) {
        let needed = needed_roles(&required);
        bridge.store.refused(approval.id, &reviewer(member, user), &format!("lacks {needed}")).await?;
        info!(approval_id = approval.id, job_id = %approval.job_id, node_id = %approval.node_id, user_id = user.id.get(), "click refused: not a reviewer");
        return Ok(Err(format!("Only members with {needed} can decide on this gate; nothing was changed.")));
    }
    if approval.message_id.is_none() {
        let text = "This card was posted just before approval-bridge restarted and is not ready yet; \
                    nothing was changed. Try again in a moment.";
        return Ok(Err(text.into()));
    }
    if approval.state != ApprovalState::Pending {
        return Ok(Err(already(&approval)));
    }
    Ok(Ok(approval))
}

fn reason_modal(approval: &Approval) -> CreateInteractionResponse {
    let input = CreateInputText::new(InputTextStyle::Paragraph, "Reason (optional)", REASON_INPUT)
        .required(false)
        .max_length(MAX_REASON_CHARS)
        .placeholder("What should change? The card shows it.");
    let custom_id = CardCustomId::new(CardAction::RejectReason, approval.id).to_string();
    let modal =
        CreateModal::new(custom_id, "Reject this gate").components(vec![CreateActionRow::InputText(input)]);
    CreateInteractionResponse::Modal(modal)
}

fn reason_of(modal: &ModalInteraction) -> String {
    let inputs = modal.data.components.iter().flat_map(|row| &row.components);
    let mut value = inputs.filter_map(|c| match c {
        ActionRowComponent::InputText(text) if text.custom_id == REASON_INPUT => text.value.clone(),
        _ => None,
    });
    value.next_back().unwrap_or_default().trim().to_owned()
}

fn reviewer(member: Option<&Member>, user: &User) -> Reviewer {
    let name = member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone());
    Reviewer { id: user.id.get(), name }
}

fn needed_roles(required: &[u64]) -> String {
    if required.is_empty() {
        return "the Manage Server permission".into();
    }
    let roles: Vec<String> = required.iter().map(|r| format!("<@&{r}>")).collect();
    match roles.as_slice() {
        [one] => format!("the {one} role"),
        [rest @ .., last] => format!("the {} or {last} role", rest.join(", ")),
        [] => unreachable!("handled above"),
    }
}

/// What a reviewer reads about a gate they can no longer decide.
fn already(approval: &Approval) -> String {
    let by = approval.decided_by.as_ref().map(|r| format!(" by <@{}>", r.id)).unwrap_or_default();
    let when = approval.decided_at.map(|ms| format!(" <t:{}:R>", ms / 1000)).unwrap_or_default();
    match approval.state {
        ApprovalState::Deciding => format!("This gate is being decided{by} right now; nothing was changed."),
        ApprovalState::Approved => format!("Already approved{by}{when}; nothing was changed."),
        ApprovalState::Rejected => format!("Already rejected{by}{when}; nothing was changed."),
        ApprovalState::DecidedElsewhere | ApprovalState::RunEnded | ApprovalState::Pending => {
            let what = approval.reason.as_deref().unwrap_or("This gate is closed");
            format!("{what}{when}; nothing was changed.")
        }
    }
}

fn words(outcome: &Outcome, decision: Decision) -> String {
    match outcome {
        Outcome::Decided(_) if decision == Decision::Approve => "Approved. The run goes on.".into(),
        Outcome::Decided(_) => "Rejected. Scenario stops the run (or this ForEach iteration).".into(),
        Outcome::Taken(approval) | Outcome::Closed(approval) => already(approval),
        Outcome::Failed { why, .. } => format!("{why} The card is still open."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_roles_needed_are_named_as_mentions() {
        assert_eq!(needed_roles(&[]), "the Manage Server permission");
        assert_eq!(needed_roles(&[1]), "the <@&1> role");
        assert_eq!(needed_roles(&[1, 2, 3]), "the <@&1>, <@&2> or <@&3> role");
    }
}
