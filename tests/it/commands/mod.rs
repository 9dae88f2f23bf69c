//! The `/approvals` commands end to end, typed by admins, reviewers and plain members in the
//! fake Discord, against the real bridge.

mod auto_approval;
mod autocomplete;
mod history;
mod maintenance;
mod pending;
mod people;
mod policy;
mod routes;
mod watch;

use serde_json::Value;

use crate::support::{
    app::{PROMPTLY, TestApp},
    fake_discord::{CommandCall, GuildMember, InteractionHandle, OptionValue},
    fake_scenario::FlowTemplate,
};

/// The Manage Server permission bit, as Discord sends it.
pub const MANAGE_SERVER: &str = "32";

/// A member with Manage Server and no reviewer role.
pub fn admin() -> GuildMember {
    GuildMember::new("ada").with_permissions(MANAGE_SERVER)
}

/// A member with neither a reviewer role nor Manage Server.
pub fn stranger() -> GuildMember {
    GuildMember::new("sam")
}

/// `/approvals <sub>`.
pub fn approvals(sub: &str) -> CommandCall {
    CommandCall::new("approvals").sub(sub)
}

/// A string option value.
pub fn text(value: &str) -> OptionValue {
    OptionValue::String(value.to_owned())
}

/// Types `call` as `member` in the approval channel and returns the bridge's answer, which must
/// be ephemeral and within Discord's limits.
pub async fn run(app: &TestApp, member: &GuildMember, call: CommandCall) -> String {
    let handle = app.discord.run_command(member, app.channel, call).await;
    let answer = app.answer(&handle).await;
    assert_ephemeral(app, &handle).await;
    assert!(answer.chars().count() <= 2000, "{} characters: {answer}", answer.chars().count());
    answer
}

async fn assert_ephemeral(app: &TestApp, handle: &InteractionHandle) {
    let callback = app.discord.wait_for_callback(handle, PROMPTLY).await.expect("acknowledged");
    let flags = callback.body.clone().unwrap_or_default()["data"]["flags"].as_u64().unwrap_or(0);
    assert_ne!(flags & (1 << 6), 0, "the answer must be ephemeral: {:?}", callback.body);
}

/// The choices the bridge offers while `member` types `typed` in the workflow option of `sub`.
pub async fn choices(app: &TestApp, member: &GuildMember, sub: &str, typed: &str) -> Vec<(String, String)> {
    let call = approvals(sub).focus("workflow", typed);
    let handle = app.discord.autocomplete(member, app.channel, call).await;
    let callback = app.discord.wait_for_callback(&handle, PROMPTLY).await.expect("answered");
    assert!(!callback.is_rejected(), "{:?}", callback.response);
    let body = callback.body.unwrap_or_default();
    assert_eq!(body["type"], 8, "{body}");
    let listed = body["data"]["choices"].as_array().cloned().unwrap_or_default();
    let field = |c: &Value, k: &str| c[k].as_str().unwrap_or_default().to_owned();
    listed.iter().map(|c| (field(c, "name"), field(c, "value"))).collect()
}

/// A workflow with one gate, and a run of it parked there; returns (workflow id, run id).
pub fn parked(app: &TestApp, name: &str) -> (String, String) {
    let workflow = app.scenario.add_workflow(name, FlowTemplate::single_gate());
    let job = app.scenario.start_parked_run(&workflow);
    (workflow, job)
}
