//! The Re-run button and its form: "not this one, try again with…".
//!
//! Re-run opens a form pre-filled with the run's text inputs (prompts first, at most
//! [`MAX_EDITABLE`], and a note); the other inputs are named on the answer and sent as they
//! were. Submitting prices the edited run with a dry run and answers the reviewer alone with what
//! changes (old → new), the cost, and Start and Cancel ([`super::rerun_start`]). Nothing is
//! started here; the form is kept per reviewer and gate until Start or Cancel. Only the gate's
//! reviewers may (the same check as Approve), only on a route whose policy allows re-runs, and
//! only for a workflow Scenario shows `ready`.

use serde_json::{Map, Value};
use serenity::all::{
    ActionRowComponent, ButtonStyle, CreateActionRow, CreateButton, CreateInputText,
    CreateInteractionResponse, CreateModal, EditInteractionResponse, InputTextStyle, ModalInteraction,
};
use tracing::warn;

use super::{
    click::{Click, check, reviewer},
    refusal::Refusal,
    reply::{Answerable, Handled, refuse},
};
use crate::{
    approvals::{
        enums::WorkflowStatus,
        rerun::{Editable, MAX_EDITABLE, RerunBlock, changed, edited, form_fields, units},
        wire::Workflow,
    },
    cards::{
        custom_id::{CardAction, CardCustomId},
        inert,
        render::cut,
    },
    decisions::rerun::{run_inputs, started_nothing},
    discord::bridge::Bridge,
    scenario::ScenarioError,
    store::{Approval, RerunDraft},
};

/// The note's text input.
const NOTE_INPUT: &str = "note";
/// The longest note, which goes into the rejection's reason.
const MAX_NOTE_CHARS: u16 = 400;
/// Discord's limits on a text input: its label, its value.
const LABEL_CHARS: usize = 45;
const VALUE_CHARS: u16 = 4000;
/// Characters of one value in the answer's old → new lines.
const SHOWN_CHARS: usize = 300;

/// Opens the re-run form of the card's gate.
pub(super) async fn on_click(bridge: &Bridge, card: &Click<'_>, answer: &Answerable<'_>) -> Handled<()> {
    let approval = check(bridge, card).await?;
    let (workflow, run_input) = what_runs(bridge, &approval).await?;
    let (editable, kept) = form_fields(&workflow.inputs, &run_input);
    answer.respond(form(&approval, &editable, &kept)).await?;
    Ok(())
}

/// Prices a submitted re-run form and answers with the changes, the cost, Start and Cancel.
pub(super) async fn on_submit(
    bridge: &Bridge,
    modal: &ModalInteraction,
    card: &Click<'_>,
    answer: &Answerable<'_>,
) -> Handled<()> {
    let note = typed(modal, NOTE_INPUT).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > usize::from(MAX_NOTE_CHARS)) {
        return refuse(Refusal::NoteTooLong { max: MAX_NOTE_CHARS });
    }
    answer.defer().await?;
    let approval = check(bridge, card).await?;
    let (workflow, run_input) = what_runs(bridge, &approval).await?;
    let (editable, kept) = form_fields(&workflow.inputs, &run_input);
    let edits: Vec<(String, String)> = editable
        .iter()
        .enumerate()
        .filter_map(|(n, field)| typed(modal, &format!("i{n}")).map(|value| (field.name.clone(), value)))
        .collect();
    let inputs = edited(&run_input, &edits);
    let changes = changed(&run_input, &inputs);
    let cost = match bridge.scenario.run_cost(&approval.workflow_id, &inputs).await {
        Ok(cost) => cost,
        Err(err) => {
            warn!(error = %err, approval_id = approval.id.get(), "the re-run could not be priced");
            let refused = match err {
                ScenarioError::Rejected { message, .. } => Some(message),
                other if started_nothing(&other) => Some(other.to_string()),
                _ => None,
            };
            return refuse(Refusal::NotPriced { refused });
        }
    };
    if let Some(block) = bridge.routes.rerun_policy_for(&approval.workflow_id).refusal(cost) {
        return refuse(Refusal::Rerun(block));
    }
    let text = summary(&approval, &run_input, (&inputs, &changes), &kept, cost);
    let reviewer = reviewer(card.member, card.user);
    let draft = RerunDraft { inputs, changed: changes, note, cost };
    bridge.store.save_rerun_draft(approval.id, reviewer.id, &draft).await?;
    answer
        .edit(EditInteractionResponse::new().content(text).components(vec![start_or_cancel(&approval)]))
        .await?;
    Ok(())
}

/// The workflow of `approval` and the inputs its run was started with, when it may re-run.
async fn what_runs(bridge: &Bridge, approval: &Approval) -> Handled<(Workflow, Map<String, Value>)> {
    if !bridge.routes.rerun_policy_for(&approval.workflow_id).on {
        return refuse(Refusal::Rerun(RerunBlock::Off));
    }
    let read = async {
        let workflow = bridge.scenario.workflow(&approval.workflow_id).await?;
        let job = bridge.scenario.get_job(&approval.job_id).await?;
        Ok::<_, crate::scenario::ScenarioError>((workflow, run_inputs(job.metadata.input.as_ref())))
    };
    let (workflow, run_input) = match read.await {
        Ok(read) => read,
        Err(err) => {
            warn!(error = %err, approval_id = approval.id.get(), "the run to re-run could not be read");
            return refuse(Refusal::RunUnread);
        }
    };
    if workflow.status != Some(WorkflowStatus::Ready) {
        let status = workflow.status.as_ref().map_or("not ready".to_owned(), ToString::to_string);
        return refuse(Refusal::NotReady { workflow: inert::text(&cut(&workflow.name, 100)), status });
    }
    Ok((workflow, run_input))
}

/// The form: one text input per editable input, pre-filled, and the note.
fn form(approval: &Approval, editable: &[Editable], kept: &[String]) -> CreateInteractionResponse {
    let mut rows: Vec<CreateActionRow> = editable
        .iter()
        .take(MAX_EDITABLE)
        .enumerate()
        .map(|(n, field)| {
            let mut input = CreateInputText::new(
                InputTextStyle::Paragraph,
                cut(&field.label, LABEL_CHARS),
                format!("i{n}"),
            )
            .required(false)
            .max_length(VALUE_CHARS);
            if !field.value.is_empty() {
                input = input.value(cut(&field.value, usize::from(VALUE_CHARS)));
            }
            CreateActionRow::InputText(input)
        })
        .collect();
    let placeholder = if kept.is_empty() {
        "Why a re-run? It goes with the rejection of this run.".to_owned()
    } else {
        cut(&format!("Not editable here, kept as they were: {}", kept.join(", ")), 100)
    };
    let note = CreateInputText::new(InputTextStyle::Paragraph, "Note (optional)", NOTE_INPUT)
        .required(false)
        .max_length(MAX_NOTE_CHARS)
        .placeholder(placeholder);
    rows.push(CreateActionRow::InputText(note));
    let custom_id = CardCustomId::new(CardAction::RerunForm, approval.id).to_string();
    CreateInteractionResponse::Modal(CreateModal::new(custom_id, "Re-run with changes").components(rows))
}

/// What the reviewer reads before Start: the changes, what is kept, the cost.
fn summary(
    approval: &Approval,
    old: &Map<String, Value>,
    (new, changes): (&Map<String, Value>, &[String]),
    kept: &[String],
    cost: f64,
) -> String {
    let mut lines = vec![format!("**Re-run of run `{}`**", inert::code(approval.job_id.as_str()))];
    if changes.is_empty() {
        lines.push("No input changed: the run starts again with the same inputs.".into());
    }
    let shown = |value: Option<&Value>| match value {
        Some(Value::String(text)) => format!("“{}”", inert::text(&cut(text, SHOWN_CHARS))),
        Some(other) => inert::text(&cut(&other.to_string(), SHOWN_CHARS)),
        None => "(none)".into(),
    };
    for name in changes {
        lines.push(format!("• {}: {} → {}", inert::text(name), shown(old.get(name)), shown(new.get(name))));
    }
    if !kept.is_empty() {
        let names: Vec<String> = kept.iter().map(|k| inert::text(k)).collect();
        lines.push(format!("Not editable here, kept as they were: {}.", names.join(", ")));
    }
    lines.push(format!("Estimated cost: {} creative units.", units(cost)));
    lines.push("**Start** runs it once and then rejects this run's gate; **Cancel** changes nothing.".into());
    cut(&lines.join("\n"), 2000)
}

fn start_or_cancel(approval: &Approval) -> CreateActionRow {
    let button = |action, label, style| {
        CreateButton::new(CardCustomId::new(action, approval.id).to_string()).label(label).style(style)
    };
    CreateActionRow::Buttons(vec![
        button(CardAction::RerunStart, "Start", ButtonStyle::Primary),
        button(CardAction::RerunCancel, "Cancel", ButtonStyle::Secondary),
    ])
}

/// The trimmed value typed in the text input `custom_id`, if the form had it.
fn typed(modal: &ModalInteraction, custom_id: &str) -> Option<String> {
    let inputs = modal.data.components.iter().flat_map(|row| &row.components);
    let mut values = inputs.filter_map(|c| match c {
        ActionRowComponent::InputText(text) if text.custom_id == custom_id => {
            Some(text.value.clone().unwrap_or_default())
        }
        _ => None,
    });
    values.next_back().map(|v| v.trim().to_owned())
}
