//! Clicks on review cards: Approve, Reject (which asks for a reason), and the reason's modal.
//! The menus and Confirm of selection cards go on in [`super::picking`].

use serenity::all::{
    ActionRowComponent, ComponentInteraction, CreateActionRow, CreateInputText, CreateInteractionResponse,
    CreateModal, InputTextStyle, ModalInteraction,
};

use super::{
    click::{Click, check, reviewer, settled, tell, words},
    full_size, picking, quorum,
    refusal::{Control, Refusal},
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::state::Decision,
    cards::custom_id::{CardAction, CardCustomId},
    decisions::{self, Approved},
    discord::bridge::Bridge,
    store::Approval,
};

/// The longest reason a reviewer may give for a rejection.
pub const MAX_REASON_CHARS: u16 = 500;
const REASON_INPUT: &str = "reason";

/// Handles a click on a card's button (or a choice in its menu).
pub async fn on_click(bridge: &Bridge, click: &ComponentInteraction, answer: &Answerable<'_>) -> Handled<()> {
    let Some(id) =
        CardCustomId::parse(&click.data.custom_id).filter(|id| id.action != CardAction::RejectReason)
    else {
        return refuse(Refusal::Unknown(Control::Button));
    };
    let Some(_work) = bridge.lifecycle.begin_work() else {
        return refuse(Refusal::Restarting);
    };
    let card = Click {
        id,
        channel_id: click.channel_id,
        message_id: click.message.id,
        member: click.member.as_ref(),
        user: &click.user,
    };
    match id.action {
        CardAction::FullSize => return full_size::on_click(bridge, &card, answer).await,
        CardAction::Pick(menu) => return picking::on_choice(bridge, click, &card, menu, answer).await,
        CardAction::Confirm => return picking::on_confirm(bridge, &card, answer).await,
        _ => {}
    }
    if id.action == CardAction::Approve {
        // Acknowledge before any I/O: Discord allows 3 s, Scenario may take longer.
        answer.defer().await?;
        tell(answer, &decide(bridge, &card, Decision::Approve, None).await?).await;
        return Ok(());
    }
    let approval = check(bridge, &card).await?;
    answer.respond(reason_modal(&approval)).await?;
    Ok(())
}

/// Handles the submitted reason of a rejection.
pub async fn on_modal(bridge: &Bridge, modal: &ModalInteraction, answer: &Answerable<'_>) -> Handled<()> {
    let id = CardCustomId::parse(&modal.data.custom_id).filter(|id| id.action == CardAction::RejectReason);
    let (Some(id), Some(card)) = (id, modal.message.as_ref()) else {
        return refuse(Refusal::Unknown(Control::Form));
    };
    let Some(_work) = bridge.lifecycle.begin_work() else {
        return refuse(Refusal::Restarting);
    };
    let reason = reason_of(modal);
    if reason.chars().count() > usize::from(MAX_REASON_CHARS) {
        return refuse(Refusal::ReasonTooLong { max: MAX_REASON_CHARS });
    }
    answer.defer().await?;
    let reason = Some(reason).filter(|r| !r.is_empty());
    let card = Click {
        id,
        channel_id: modal.channel_id,
        message_id: card.id,
        member: modal.member.as_ref(),
        user: &modal.user,
    };
    tell(answer, &decide(bridge, &card, Decision::Reject, reason.as_deref()).await?).await;
    Ok(())
}

/// Checks the click, claims the gate, sends the decision, updates the card, and returns what the
/// reviewer reads.
async fn decide(
    bridge: &Bridge,
    click: &Click<'_>,
    decision: Decision,
    reason: Option<&str>,
) -> Handled<String> {
    let started = std::time::Instant::now();
    let approval = check(bridge, click).await?;
    let reviewer = reviewer(click.member, click.user);
    let (store, scenario, claims) = (&bridge.store, &bridge.scenario, &bridge.claims);
    let outcome = match decision {
        Decision::Approve => {
            // The route's policy may want several reviewers: the approval is counted first.
            let policy = bridge.routes.policy_for(&approval.workflow_id);
            let (parts, electorate) = ((store, scenario, &**claims), &bridge.cards.electorate());
            match decisions::approve(parts, electorate, &approval, &reviewer, &policy).await? {
                Approved::Decided(outcome) => outcome,
                Approved::Counted(approvers) => {
                    return Ok(quorum::counted(bridge, &approval, &policy, &approvers).await);
                }
                Approved::Again(approvers) => return refuse(quorum::again(&policy, &approvers)),
                Approved::Closed(now) => return refuse(Refusal::Closed(Box::new(now))),
            }
        }
        Decision::Reject => {
            decisions::decide(store, scenario, claims, &approval, &reviewer, decision, reason).await?
        }
    };
    settled(bridge, started, &outcome).await;
    Ok(words(&outcome, decision))
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
