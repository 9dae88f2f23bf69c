//! Events: exported by `approval-bridge export` and `/approvals export`, and delivered to a
//! receiver (`EVENTS_URL`) signed, at least once, in order per gate.

pub mod delivery;
mod export;

use std::process::Output;

use approval_bridge::store::Approval;
use serde_json::Value;

use crate::support::{
    app::{PROMPTLY, TestApp},
    fake_discord::GuildMember,
    fake_scenario::FlowTemplate,
};

/// A run of a new workflow `name` parked at its gate `review`; returns the run's id (its card is
/// posted at the next pass).
fn parked(app: &TestApp, name: &str) -> String {
    let workflow = app.scenario.add_workflow(name, FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow)
}

/// Clicks Reject on `approval` as `member` with `reason`; returns the bridge's answer.
async fn reject(app: &TestApp, member: &GuildMember, approval: &Approval, reason: &str) -> String {
    let click = app.click(member, approval, "Reject").await;
    app.discord.wait_for_callback(&click, PROMPTLY).await.expect("the form opens");
    let submit = app.discord.submit_modal(&click, &[("reason", reason)]).await;
    app.answer(&submit).await
}

/// Runs `approval-bridge export <args>` on the database of `app`, with nothing else in its
/// environment.
async fn export(app: &TestApp, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_approval-bridge"))
        .arg("export")
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("DATABASE_URL", &app.env["DATABASE_URL"])
        .output()
        .await
        .expect("the binary runs")
}

/// The JSON Lines of a successful export.
async fn exported(app: &TestApp, args: &[&str]) -> Vec<Value> {
    let out = export(app, args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    stdout.lines().map(|line| serde_json::from_str(line).expect("one JSON object per line")).collect()
}

/// The `type` of each record.
fn types(records: &[Value]) -> Vec<&str> {
    records.iter().map(|r| r["type"].as_str().unwrap_or_default()).collect()
}
