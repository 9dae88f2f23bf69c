//! Clicks on review cards: Approve, Approve with note and Reject (each of these two opens a
//! form), and the forms submitted.
//! The menus and Confirm of selection cards go on in [`super::picking`], Re-run, its form and its
//! Start and Cancel in [`super::rerun`] and [`super::rerun_start`], Approve all and its Confirm
//! and Cancel in [`super::run_decision`].

use serenity::all::{
    ActionRowComponent, ComponentInteraction, CreateActionRow, CreateInputText, CreateInteractionResponse,
    CreateModal, InputTextStyle, ModalInteraction,
};

use super::{
    click::{Click, check, reviewer, settled, tell, words},
    full_size, picking, quorum,
    refusal::{Control, Refusal},
    reply::{Answerable, Handled, refuse},
    rerun, rerun_start, run_decision,
};
use crate::{
    approvals::state::Decision,
    cards::custom_id::{CardAction, CardCustomId},
    decisions::{self, Approved},
    discord::bridge::Bridge,
    store::Approval,
};

/// The longest reason a reviewer may give for a rejection, or note for an approval.
pub const MAX_REASON_CHARS: u16 = 500;

/// A form a button opens: the reason of a rejection, or the note of an approval.
struct Form {
    /// What its submission does.
    action: CardAction,
    decision: Decision,
    /// Its text input's `custom_id`, and what the text is called in answers.
    input: &'static str,
    title: &'static str,
    label: &'static str,
    placeholder: &'static str,
    required: bool,
}

const REASON_FORM: Form = Form {
    action: CardAction::RejectReason,
    decision: Decision::Reject,
    input: "reason",
    title: "Reject this gate",
    label: "Reason (optional)",
    placeholder: "What should change? The card shows it.",
    required: false,
};

const NOTE_FORM: Form = Form {
    action: CardAction::ApprovalNote,
    decision: Decision::Approve,
    input: "note",
    title: "Approve this gate",
    label: "Note",
    placeholder: "Approved, but… The card, the history and the audit show it.",
    required: true,
};

impl Form {
    /// The form submitted as `action`, if it is one.
    fn submitted_as(action: CardAction) -> Option<&'static Form> {
        [&REASON_FORM, &NOTE_FORM].into_iter().find(|form| form.action == action)
    }
}

/// Handles a click on a card's button (or a choice in its menu).
pub async fn on_click(bridge: &Bridge, click: &ComponentInteraction, answer: &Answerable<'_>) -> Handled<()> {
    let Some(id) = CardCustomId::parse(&click.data.custom_id)
        .filter(|id| id.action != CardAction::RerunForm && Form::submitted_as(id.action).is_none())
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
        CardAction::Rerun => return rerun::on_click(bridge, &card, answer).await,
        CardAction::RerunStart => return rerun_start::on_start(bridge, click, id, answer).await,
        CardAction::RerunCancel => return rerun_start::on_cancel(bridge, click, id, answer).await,
        CardAction::ApproveRun => return run_decision::on_approve_all(bridge, &card, answer).await,
        CardAction::DecideRun(approve) => {
            return run_decision::on_confirm(bridge, click, id, approve, answer).await;
        }
        CardAction::DecideRunCancel => return run_decision::on_cancel(answer).await,
        _ => {}
    }
    if id.action == CardAction::Approve {
        // Acknowledge before any I/O: Discord allows 3 s, Scenario may take longer.
        answer.defer().await?;
        tell(answer, &decide(bridge, &card, Decision::Approve, None).await?).await;
        return Ok(());
    }
    let form = if id.action == CardAction::ApproveWithNote { &NOTE_FORM } else { &REASON_FORM };
    let approval = check(bridge, &card).await?;
    answer.respond(form_for(&approval, form)).await?;
    Ok(())
}

/// Handles a submitted form: the reason of a rejection, the note of an approval, or a re-run's
/// inputs.
pub async fn on_modal(bridge: &Bridge, modal: &ModalInteraction, answer: &Answerable<'_>) -> Handled<()> {
    let id = CardCustomId::parse(&modal.data.custom_id);
    let (Some(id), Some(card)) = (id, modal.message.as_ref()) else {
        return refuse(Refusal::Unknown(Control::Form));
    };
    let form = Form::submitted_as(id.action);
    if form.is_none() && id.action != CardAction::RerunForm {
        return refuse(Refusal::Unknown(Control::Form));
    }
    let Some(_work) = bridge.lifecycle.begin_work() else {
        return refuse(Refusal::Restarting);
    };
    let Some(form) = form else {
        let submitted = Click {
            id,
            channel_id: modal.channel_id,
            message_id: card.id,
            member: modal.member.as_ref(),
            user: &modal.user,
        };
        return rerun::on_submit(bridge, modal, &submitted, answer).await;
    };
    let reason = text_of(modal, form.input);
    if reason.chars().count() > usize::from(MAX_REASON_CHARS) {
        return refuse(Refusal::ReasonTooLong { what: form.input, max: MAX_REASON_CHARS });
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
    tell(answer, &decide(bridge, &card, form.decision, reason.as_deref()).await?).await;
    Ok(())
}

/// Checks the click, claims the gate, sends the decision, updates the card, and returns what the
/// reviewer reads. `reason` is a rejection's reason or an approval's note.
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
            match decisions::approve(parts, electorate, &approval, &reviewer, &policy, reason).await? {
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

fn form_for(approval: &Approval, form: &Form) -> CreateInteractionResponse {
    let input = CreateInputText::new(InputTextStyle::Paragraph, form.label, form.input)
        .required(form.required)
        .max_length(MAX_REASON_CHARS)
        .placeholder(form.placeholder);
    let custom_id = CardCustomId::new(form.action, approval.id).to_string();
    let modal = CreateModal::new(custom_id, form.title).components(vec![CreateActionRow::InputText(input)]);
    CreateInteractionResponse::Modal(modal)
}

fn text_of(modal: &ModalInteraction, input: &str) -> String {
    let inputs = modal.data.components.iter().flat_map(|row| &row.components);
    let mut value = inputs.filter_map(|c| match c {
        ActionRowComponent::InputText(text) if text.custom_id == input => text.value.clone(),
        _ => None,
    });
    value.next_back().unwrap_or_default().trim().to_owned()
}
