//! Review cards end to end: from a parked gate to a card, and from a click to one decision.

mod budget;
mod cadence;
mod deadlines;
mod deciding;
mod escalation;
mod failures;
mod feed;
mod groups;
mod notes;
mod people;
mod permissions;
mod posting;
mod quorum;
mod races;
mod reconcile;
mod reminders;
mod restart;
mod run_decision;
mod threads;
mod votes;

use approval_bridge::store::Approval;
use serde_json::Value;

use crate::support::{
    app::{PROMPTLY, TestApp},
    fake_discord::{GuildMember, InteractionHandle, RecordedRequest},
    fake_scenario::FlowTemplate,
};

/// A run of the workflow "Lighthouse" parked at its gate `review`, its card posted; returns the
/// run's id.
async fn parked_run(app: &TestApp) -> String {
    let workflow = app.scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    job
}

/// The card of `approval` as Discord shows it now.
fn card_of(app: &TestApp, approval: &Approval) -> Value {
    let message_id = approval.message_id.expect("the card was posted").get();
    app.discord.message(approval.channel_id.get(), message_id).expect("the card is in its channel")
}

/// The value of the section `name` of a card.
fn field(card: &Value, name: &str) -> Option<String> {
    crate::support::card_view::section(card, name)
}

/// Whether a card still offers its buttons.
fn has_buttons(card: &Value) -> bool {
    !crate::support::card_view::controls(card).is_empty()
}

/// The edits (PATCH) the bridge sent to the card of `approval`.
fn edits_of(app: &TestApp, approval: &Approval) -> Vec<RecordedRequest> {
    let message_id = approval.message_id.expect("the card was posted").get();
    let path = format!("/channels/{}/messages/{message_id}", approval.channel_id);
    app.discord.requests().into_iter().filter(|r| r.method == "PATCH" && r.path == path).collect()
}

/// Clicks Reject on the card of `approval` as `member`, gives `reason` in the form that opens,
/// and returns the bridge's final answer.
async fn reject(app: &TestApp, member: &GuildMember, approval: &Approval, reason: &str) -> String {
    let click = app.click(member, approval, "Reject").await;
    let callback = app.discord.wait_for_callback(&click, PROMPTLY).await.expect("acknowledged");
    assert_eq!(callback.body.unwrap_or_default()["type"], 9, "Reject opens the reason form");
    let submit = app.discord.submit_modal(&click, &[("reason", reason)]).await;
    app.answer(&submit).await
}

/// Asserts that the first answer to `interaction` only its author could see.
async fn assert_ephemeral(app: &TestApp, interaction: &InteractionHandle) {
    let callback = app.discord.wait_for_callback(interaction, PROMPTLY).await.expect("acknowledged");
    let flags = callback.body.unwrap_or_default()["data"]["flags"].as_u64().unwrap_or(0);
    assert_eq!(flags & (1 << 6), 1 << 6, "the answer is ephemeral");
}

/// The replies (reminders, overdue pings) posted to the card of `approval`, oldest first.
fn replies_to(app: &TestApp, approval: &Approval) -> Vec<Value> {
    let card = approval.message_id.expect("the card was posted").to_string();
    app.cards().into_iter().filter(|m| m["message_reference"]["message_id"] == card).collect()
}
