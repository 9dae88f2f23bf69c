//! The log of a whole run of the real binary (`LOG_FORMAT=json`, `RUST_LOG=trace`: every level
//! of every library, the bridge's own debug lines included), captured from its stderr: one JSON
//! object per line, the ids of the approval on every line about it, and no secret anywhere. The
//! run ends with a real SIGTERM while a decision is on the wire.

use std::{
    fs::File,
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

use serde_json::Value;

use super::get;
use crate::support::{
    app::{PROMPTLY, button, env_for},
    fake_discord::{FakeDiscord, GuildMember, InteractionHandle},
    fake_scenario::{API_KEY, API_SECRET, Endpoint, FakeScenario, Fault, FlowTemplate, Release},
    wait::{wait_for, wait_until},
};

/// Standard base64 with padding, enough to spell the Basic credentials a leak would show.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            let sextet = (n >> (18 - 6 * i)) & 63;
            out.push(if i <= chunk.len() { char::from(ALPHABET[sextet as usize]) } else { '=' });
        }
    }
    out
}

/// The text of the bridge's final answer to `interaction`.
async fn answer(discord: &FakeDiscord, interaction: &InteractionHandle) -> String {
    let edit = discord.wait_for_original_edit(interaction, Duration::from_secs(10)).await.expect("answered");
    edit.body.unwrap_or_default()["content"].as_str().unwrap_or_default().to_owned()
}

async fn wait_for_exit(child: &mut Child) -> ExitStatus {
    wait_for("the bridge to stop after SIGTERM", Duration::from_secs(30), async || {
        child.try_wait().expect("wait")
    })
    .await
}

/// Every field of a line: the event's and those of its spans.
fn all_fields(line: &Value) -> Vec<&serde_json::Map<String, Value>> {
    let spans = line["spans"].as_array().into_iter().flatten();
    spans.chain([&line["fields"]]).filter_map(Value::as_object).collect()
}

#[tokio::test]
async fn a_whole_run_logs_json_with_ids_and_no_secret() {
    let discord = FakeDiscord::start().await;
    let scenario = FakeScenario::start().await;
    let channel = discord.add_text_channel("approvals");
    let role = discord.add_role("Reviewers", "0");
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let job = scenario.start_parked_run(&workflow);
    let dir = tempfile::tempdir().unwrap();
    let http_addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let log_path = dir.path().join("bridge.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_approval-bridge"))
        .env_clear()
        .envs(env_for(&discord, &scenario, channel, role, &dir.path().join("bridge.db")))
        .envs([
            ("POLL_INTERVAL_SECS", "2".to_owned()),
            ("HTTP_ADDR", http_addr.to_string()),
            ("LOG_FORMAT", "json".to_owned()),
            ("RUST_LOG", "trace".to_owned()),
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(File::create(&log_path).unwrap())
        .spawn()
        .expect("the binary starts");

    wait_until("the card", Duration::from_secs(15), async || !discord.messages_in(channel).is_empty()).await;
    wait_until("health", PROMPTLY, async || get(http_addr, "/healthz").await.status == 200).await;
    let card = discord.messages_in(channel).remove(0);
    let message_id: u64 = card["id"].as_str().unwrap().parse().unwrap();
    let custom_id = button(&card, "Approve").expect("an Approve button");
    // Scenario holds the decision until the bridge has begun to stop.
    let scenario_answers = Release::default();
    scenario.inject(Endpoint::UserApproval, Fault::Hold(scenario_answers.clone()), 1);
    let member = GuildMember::new("ana").with_roles(&[role]);
    let click = discord.click_button(&member, channel, message_id, &custom_id).await;
    wait_until("the PUT", PROMPTLY, async || scenario.count(Endpoint::UserApproval) == 1).await;
    // The shell's own `kill`, so no procps is needed.
    let kill = format!("kill -TERM {}", child.id());
    let killed = Command::new("sh").args(["-c", &kill]).status().expect("sh runs");
    assert!(killed.success());
    let stopping =
        async || std::fs::read_to_string(&log_path).unwrap().contains(r#""message":"shutting down""#);
    wait_until("the bridge to log that it is shutting down", PROMPTLY, stopping).await;
    scenario_answers.release();
    assert!(answer(&discord, &click).await.starts_with("Approved"));
    let status = wait_for_exit(&mut child).await;
    assert!(status.success(), "exit status {status}");
    assert_eq!(scenario.node_status(&job, "review").as_deref(), Some("success"));

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(lines.iter().any(|l| l["level"] == "TRACE"), "RUST_LOG=trace was applied");
    let basic = base64(format!("{API_KEY}:{API_SECRET}").as_bytes());
    for secret in [discord.bot_token(), API_KEY, API_SECRET, basic.as_str()] {
        assert!(!log.contains(secret), "the log shows a secret ({secret})");
    }
    let line = |message: &str| {
        let line = lines.iter().find(|l| l["fields"]["message"] == message);
        line.unwrap_or_else(|| panic!("no {message:?} line in the log"))
    };
    for message in ["gate found", "card posted", "decision sent"] {
        let fields = all_fields(line(message));
        for id in ["approval_id", "job_id", "node_id"] {
            assert!(fields.iter().any(|f| f.contains_key(id)), "{message:?} lacks {id}");
        }
    }
    // The stop came while the decision was on the wire: it was sent before the bridge stopped.
    let at = |message: &str| lines.iter().position(|l| l["fields"]["message"] == message).unwrap();
    assert!(at("shutting down") < at("decision sent") && at("decision sent") < at("stopped"));
}

#[test]
fn base64_spells_basic_credentials() {
    assert_eq!(base64(b"Aladdin:open sesame"), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
    assert_eq!(base64(b"ab"), "YWI=");
}
