//! The real binary at `RUST_LOG=trace`, with the network failing under an interaction callback:
//! the error is logged, with the URL it happened on, and never the interaction's token.

use std::{
    fs::File,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::Value;

use crate::support::{
    app::env_for,
    fake_discord::{CommandCall, DiscordFault, FakeDiscord, GuildMember},
    fake_scenario::FakeScenario,
    wait::within,
};

#[tokio::test]
async fn a_network_error_on_an_interaction_callback_logs_no_interaction_token() {
    let discord = FakeDiscord::start().await;
    let scenario = FakeScenario::start().await;
    let channel = discord.add_text_channel("approvals");
    let role = discord.add_role("Reviewers", "0");
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("bridge.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_approval-bridge"))
        .env_clear()
        .envs(env_for(&discord, &scenario, channel, role, &dir.path().join("bridge.db")))
        .envs([("LOG_FORMAT", "json"), ("RUST_LOG", "trace")])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log_path).unwrap())
        .spawn()
        .expect("the binary starts");
    assert!(discord.wait_for_ready(Duration::from_secs(15)).await, "the bridge connects");
    let registered =
        discord.wait_for_request(|r| r.path.ends_with("/commands"), Duration::from_secs(15)).await;
    assert!(registered.is_some(), "the bridge registers its commands");

    let callback = "/interactions/{interaction_id}/{interaction_token}/callback";
    discord.inject("POST", callback, DiscordFault::BrokenAnswer, 1);
    let member = GuildMember::new("ana").with_roles(&[role]);
    let asked = discord.run_command(&member, channel, CommandCall::new("approvals").sub("status")).await;
    // The failure is logged, then the bridge tries to tell the person (a second callback).
    let read_log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let logged = within(Duration::from_secs(15), async || {
        Some(read_log()).filter(|log| log.contains("interaction failed"))
    });
    let log = logged.await.unwrap_or_else(|| panic!("the failure was never logged:\n{}", read_log()));
    let _ = child.kill();
    let _ = child.wait();

    let broken = discord.requests().into_iter().find(|r| r.injected).expect("the callback was sent");
    assert!(broken.path.contains(&asked.token), "the fault hit this interaction's callback");
    for line in log.lines() {
        serde_json::from_str::<Value>(line)
            .unwrap_or_else(|e| panic!("not JSON after redaction ({e}): {line}"));
    }
    assert!(!log.contains(&asked.token), "the log shows the interaction token");
    let failed = log.lines().find(|l| l.contains("interaction failed")).unwrap();
    assert!(failed.contains(&format!("/interactions/{}/[redacted]/callback", asked.id)), "{failed}");
    assert!(!log.contains(discord.bot_token()), "the log shows the bot token");
}
