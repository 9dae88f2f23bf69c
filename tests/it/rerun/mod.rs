//! Re-runs end to end: Re-run on a card, the form, the priced answer, Start, and exactly one new
//! run, through the real serenity and reqwest clients against the fakes.

mod crashes;
mod refusals;
mod starting;

use approval_bridge::store::Approval;
use serde_json::{Value, json};

use crate::support::{
    app::{PROMPTLY, TestApp, button},
    fake_discord::{GuildMember, InteractionHandle},
    fake_scenario::{Endpoint, FlowTemplate, RecordedRequest},
};

/// The inputs the first run of "Lighthouse" was started with.
fn first_inputs() -> Value {
    json!({ "prompt": "a lighthouse at dusk", "style": "ink", "steps": 30 })
}

/// A run of "Lighthouse" (inputs `prompt`, `style`, `steps`) started with [`first_inputs`],
/// parked at its gate with its card posted; returns the workflow, the run and its approval.
async fn parked(app: &TestApp, template: FlowTemplate, gate: &str) -> (String, String, Approval) {
    let workflow = app.scenario.add_workflow("Lighthouse", template);
    app.scenario.set_workflow_inputs(
        &workflow,
        json!([
            { "name": "prompt", "type": "string", "prompt": true, "label": "Prompt", "required": { "always": true } },
            { "name": "style", "type": "string", "label": "Style" },
            { "name": "steps", "type": "number", "label": "Steps" },
        ]),
    );
    let job = app.scenario.start_parked_run_with(&workflow, first_inputs());
    let report = app.poll().await;
    assert_eq!(report.cards_posted, 1, "{report:?}");
    let approval = app.approval(&job, gate).await;
    (workflow, job, approval)
}

/// Opens the re-run form of `approval` as `member` and submits `values`; returns the submission,
/// once its priced answer is written, and that answer's text.
async fn submit_form(
    app: &TestApp,
    member: &GuildMember,
    approval: &Approval,
    values: &[(&str, &str)],
) -> (InteractionHandle, String) {
    let click = app.click(member, approval, "Re-run").await;
    let callback = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("acknowledged");
    assert_eq!(callback.body.unwrap_or_default()["type"], 9, "Re-run opens the form");
    let submit = app.discord.submit_modal(&click, values).await;
    let answer = app.answer(&submit).await;
    (submit, answer)
}

/// Presses `label` (Start or Cancel) under the priced answer of `submit`, as its reviewer.
async fn press(app: &TestApp, submit: &InteractionHandle, label: &str) -> InteractionHandle {
    let answer = app.discord.original_response(submit).expect("the priced answer");
    let custom_id = button(&answer, label).unwrap_or_else(|| panic!("no {label} under {answer}"));
    app.discord.click_ephemeral_button(submit, &custom_id).await
}

/// The run PUTs that were not dry runs.
fn run_puts(app: &TestApp) -> Vec<RecordedRequest> {
    let puts = app.scenario.requests_to(Endpoint::RunWorkflow);
    puts.into_iter().filter(|r| r.param("dryRun").is_none()).collect()
}

/// The card of `approval` as Discord shows it now.
fn card_of(app: &TestApp, approval: &Approval) -> Value {
    let message_id = approval.message_id.expect("the card was posted").get();
    app.discord.message(approval.channel_id.get(), message_id).expect("the card is in its channel")
}

/// The value of the section titled `name` on a card.
fn field(card: &Value, name: &str) -> Option<String> {
    crate::support::card_view::section(card, name)
}
