//! Selection gates end to end: a card of numbered candidates, menus whose choices decide nothing,
//! and Confirm sending one `user-selection` decision.

mod guarantees;
mod picking;
mod two_key;

use approval_bridge::store::Approval;
use serde_json::Value;

use crate::support::{
    app::{PROMPTLY, TestApp, button},
    fake_discord::{GuildMember, InteractionHandle},
    fake_scenario::{Endpoint, FlowTemplate},
};

/// Options in one menu of a selection card.
const MENU: u32 = 25;

/// A run of a workflow named `name` made of `template`, parked at its selection gate `pick`
/// with its card posted; returns the run's id and its stored gate.
async fn parked(app: &TestApp, name: &str, template: FlowTemplate) -> (String, Approval) {
    let workflow = app.scenario.add_workflow(name, template);
    let job = app.scenario.start_parked_run(&workflow);
    let report = app.poll().await;
    assert_eq!((report.new_gates, report.cards_posted), (1, 1), "{report:?}");
    let approval = app.approval(&job, "pick").await;
    (job, approval)
}

/// The card of `approval` as Discord shows it now.
fn card_of(app: &TestApp, approval: &Approval) -> Value {
    let message_id = approval.message_id.expect("the card was posted").get();
    app.discord.message(approval.channel_id.get(), message_id).expect("the card is in its channel")
}

/// The menus of a card, in order.
fn menus(card: &Value) -> Vec<Value> {
    crate::support::card_view::controls(card).into_iter().filter(|c| c["type"] == 3).collect()
}

/// Chooses, in menu `menu` of the card of `approval`, the candidates numbered `numbers`
/// (one-based, as the card shows them), as `member`; returns the bridge's answer.
async fn choose(
    app: &TestApp,
    member: &GuildMember,
    approval: &Approval,
    menu: usize,
    numbers: &[u32],
) -> String {
    let card = card_of(app, approval);
    let custom_id = menus(&card)[menu]["custom_id"].as_str().expect("a menu has a custom_id").to_owned();
    let values: Vec<String> = numbers.iter().map(|n| (n - 1).to_string()).collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let message_id = approval.message_id.expect("the card was posted").get();
    let handle = app.discord.choose(member, approval.channel_id.get(), message_id, &custom_id, &values).await;
    answer_privately(app, &handle).await
}

/// The bridge's answer to `interaction`, asserting that only its author could see it.
async fn answer_privately(app: &TestApp, interaction: &InteractionHandle) -> String {
    let callback = app.discord.wait_for_callback(interaction, PROMPTLY).await.expect("acknowledged");
    let flags = callback.body.unwrap_or_default()["data"]["flags"].as_u64().unwrap_or(0);
    assert_eq!(flags & (1 << 6), 1 << 6, "the answer is ephemeral");
    app.answer(interaction).await
}

/// Presses Confirm on the card of `approval` as `member`; returns the bridge's answer.
async fn confirm(app: &TestApp, member: &GuildMember, approval: &Approval) -> String {
    let click = app.click(member, approval, "Confirm").await;
    answer_privately(app, &click).await
}

/// The `selectedIndices` of every selection PUT so far.
fn sent(app: &TestApp) -> Vec<Value> {
    let puts = app.scenario.requests_to(Endpoint::UserSelection);
    puts.into_iter().map(|r| r.body.unwrap_or_default()["selectedIndices"].clone()).collect()
}

/// The value of the section `name` of a card.
fn field(card: &Value, name: &str) -> Option<String> {
    crate::support::card_view::section(card, name)
}

/// Whether the card still offers its menus and buttons.
fn is_open(card: &Value) -> bool {
    button(card, "Confirm").is_some() && !menus(card).is_empty()
}
