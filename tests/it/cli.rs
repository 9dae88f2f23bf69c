//! The binary's command line: settings errors, `--help`, and `check` against the fakes.

use std::{collections::HashMap, process::Output};

use approval_bridge::config::SETTINGS;
use tokio::process::Command;

use crate::support::{
    fake_discord::{FakeDiscord, permission},
    fake_scenario::{API_KEY, API_SECRET, Endpoint, FakeScenario, FlowTemplate},
};

/// Runs the bridge's binary with exactly `env` (nothing inherited but `PATH`), in a temp dir
/// so no `.env` file is read.
async fn bridge(args: &[&str], env: &HashMap<&str, String>) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_approval-bridge"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command.envs(env).env("NO_PROXY", "127.0.0.1,localhost");
    command.output().await.expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn missing_settings_stop_the_bridge_with_one_line_each_and_no_panic() {
    let env = HashMap::from([("POLL_INTERVAL_SECS", "1".to_owned()), ("DISCORD_TOKEN", "t".to_owned())]);
    let out = bridge(&["run"], &env).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    for line in [
        "SCENARIO_SDK_API_KEY is missing: set it to",
        "SCENARIO_SDK_API_SECRET is missing: set it to",
        "POLL_INTERVAL_SECS is 1, below the minimum of 2: use 2 or more",
    ] {
        assert!(stderr.contains(line), "{stderr}");
    }
    assert!(!stderr.contains("panicked") && !stderr.contains("backtrace"), "{stderr}");
}

#[tokio::test]
async fn help_explains_every_setting_and_the_readme_lists_them_all() {
    let out = bridge(&["--help"], &HashMap::new()).await;
    assert!(out.status.success());
    let help = text(&out.stdout);
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for setting in SETTINGS {
        assert!(help.contains(setting.name), "--help lacks {}", setting.name);
        assert!(readme.contains(&format!("`{}`", setting.name)), "README lacks {}", setting.name);
    }
}

async fn fakes_env() -> (FakeDiscord, FakeScenario, HashMap<&'static str, String>, tempfile::TempDir) {
    let discord = FakeDiscord::start().await;
    let scenario = FakeScenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let env = HashMap::from([
        ("DISCORD_TOKEN", discord.bot_token().to_owned()),
        ("DISCORD_API_BASE", discord.api_base()),
        ("DISCORD_GUILD_ID", discord.guild_id().to_string()),
        ("SCENARIO_SDK_API_KEY", API_KEY.to_owned()),
        ("SCENARIO_SDK_API_SECRET", API_SECRET.to_owned()),
        ("SCENARIO_BASE_URL", scenario.base_url().to_string()),
        ("DATABASE_URL", format!("sqlite://{}", dir.path().join("check.db").display())),
    ]);
    (discord, scenario, env, dir)
}

#[tokio::test]
async fn check_tries_each_service_once_and_says_ok() {
    let (discord, scenario, env, _dir) = fakes_env().await;
    let out = bridge(&["check"], &env).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    for line in ["settings: ok", "database: ok", "Scenario: ok", "Discord: ok (logged in as"] {
        assert!(stdout.contains(line), "{stdout}");
    }
    assert!(stdout.contains("warning: SCENARIO_PROJECT_ID is unset"), "{stdout}");
    assert_eq!(scenario.requests().len(), 1, "one request to Scenario");
    assert!(discord.requests().iter().any(|r| r.method == "GET" && r.path.ends_with("/users/@me")));
}

#[tokio::test]
async fn check_names_the_failing_service_and_what_to_fix() {
    let (_discord, _scenario, mut env, _dir) = fakes_env().await;
    env.insert("SCENARIO_SDK_API_SECRET", "wrong".into());
    env.insert("DISCORD_TOKEN", "not-the-token".into());
    let out = bridge(&["check"], &env).await;
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Scenario: FAILED") && stdout.contains("SCENARIO_SDK_API_SECRET"), "{stdout}");
    assert!(stdout.contains("Discord: FAILED") && stdout.contains("DISCORD_TOKEN"), "{stdout}");
    assert!(stdout.contains("database: ok"));
    assert!(!stdout.contains("not-the-token") && !stdout.contains("wrong)"), "{stdout}");
}

#[tokio::test]
async fn check_names_a_permission_missing_in_the_card_channel() {
    let (discord, _scenario, mut env, _dir) = fakes_env().await;
    let ok = discord.add_text_channel("approvals");
    let art = discord.add_text_channel("art-review");
    discord.deny_bot_role(art, permission::ATTACH_FILES | permission::SEND_MESSAGES);
    env.insert("APPROVAL_CHANNEL_ID", ok.to_string());
    let out = bridge(&["check"], &env).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("permissions: ok (cards can be posted in #approvals"), "{stdout}");
    assert!(stdout.contains("note: #approvals: missing Mention @everyone, @here, and All Roles"), "{stdout}");

    env.insert("APPROVAL_CHANNEL_ID", art.to_string());
    let out = bridge(&["check"], &env).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "permissions: FAILED: #art-review: missing Send Messages, Attach Files — no card can be posted; previews cannot be posted"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("grant them to the approval-bridge role or the channel"), "{stdout}");
}

#[tokio::test]
async fn check_does_not_warn_about_the_project_once_it_is_set() {
    let (_discord, _scenario, mut env, _dir) = fakes_env().await;
    env.insert("SCENARIO_PROJECT_ID", "proj_team".into());
    let out = bridge(&["check"], &env).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("warning:"), "{stdout}");
}

/// The settings `scan` needs against `scenario`: the key pair, the URL, and a database path
/// that does not exist.
fn scan_env(scenario: &FakeScenario, dir: &tempfile::TempDir) -> HashMap<&'static str, String> {
    HashMap::from([
        ("SCENARIO_SDK_API_KEY", API_KEY.to_owned()),
        ("SCENARIO_SDK_API_SECRET", API_SECRET.to_owned()),
        ("SCENARIO_BASE_URL", scenario.base_url().to_string()),
        ("DATABASE_URL", format!("sqlite://{}", dir.path().join("none.db").display())),
    ])
}

#[tokio::test]
async fn scan_prints_the_gates_it_would_post_and_the_runs_it_skips_without_a_discord_token() {
    let scenario = FakeScenario::start().await;
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let parked = scenario.start_parked_run(&workflow);
    scenario.set_run_status(&parked, "queued");
    let running = scenario.seed_runs(&workflow, 1, 0).remove(0);
    let decided = scenario.start_parked_run(&workflow);
    scenario.approve(&decided, "review").unwrap();
    scenario.set_run_status(&decided, "finalizing");
    let dir = tempfile::tempdir().unwrap();
    let mut env = scan_env(&scenario, &dir);
    env.insert("APPROVAL_CHANNEL_ID", "123".into());

    let out = bridge(&["scan"], &env).await;

    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("Gates the bridge would post (1):"), "{stdout}");
    let line = stdout.lines().find(|l| l.contains(&parked)).expect("a line for the parked run");
    for part in [
        format!("Lighthouse ({workflow})"),
        "gate review (pending)".to_owned(),
        "job status queued".to_owned(),
        "waiting since 20".to_owned(),
        "channel 123".to_owned(),
    ] {
        assert!(line.contains(&part), "{part:?} missing from {line}");
    }
    assert!(stdout.contains("Runs skipped (2):"), "{stdout}");
    assert!(
        stdout.contains(&format!("run {running} (in-progress): gate review not reached yet")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("run {decided} (finalizing): gate review already approved")),
        "{stdout}"
    );
    let requests = scenario.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "read-only: {requests:?}");
    assert_eq!(requests.iter().filter(|r| r.endpoint == Endpoint::ListJobs).count(), 5, "one per status");
    assert!(!dir.path().join("none.db").exists(), "no database is created");
}

#[tokio::test]
async fn scan_says_a_gate_without_a_channel_would_not_be_posted_and_why() {
    let scenario = FakeScenario::start().await;
    let workflow = scenario.add_workflow("Lighthouse", FlowTemplate::single_gate());
    let parked = scenario.start_parked_run(&workflow);
    let dir = tempfile::tempdir().unwrap();

    let out = bridge(&["scan"], &scan_env(&scenario, &dir)).await;

    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("Gates the bridge would post (0):"), "{stdout}");
    let expected = format!(
        "run {parked} (in-progress): gate review waits, but workflow {workflow} has no route and APPROVAL_CHANNEL_ID is unset"
    );
    assert!(stdout.contains(&expected), "{stdout}");
}

#[tokio::test]
async fn scan_with_wrong_credentials_says_so_and_fails() {
    let scenario = FakeScenario::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = scan_env(&scenario, &dir);
    env.insert("SCENARIO_SDK_API_SECRET", "wrong".into());

    let out = bridge(&["scan"], &env).await;

    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Scenario: FAILED") && stdout.contains("SCENARIO_SDK_API_SECRET"), "{stdout}");
}

#[tokio::test]
async fn a_database_password_is_printed_by_neither_check_nor_scan_nor_a_settings_error() {
    let (_discord, scenario, mut env, dir) = fakes_env().await;
    // The PostgreSQL of the tests answers at once that there is no such database (or role).
    for url in [
        "postgres://bridge:hunter2-pw@127.0.0.1:5432/no_such_database",
        "postgres://bridge@127.0.0.1:5432/no_such_database?password=hunter2-pw",
    ] {
        env.insert("DATABASE_URL", url.into());
        let check = bridge(&["check"], &env).await;
        assert!(text(&check.stdout).contains("database: FAILED"), "{}", text(&check.stdout));
        let mut scan = scan_env(&scenario, &dir);
        scan.insert("DATABASE_URL", url.into());
        let scan = bridge(&["scan"], &scan).await;
        assert!(
            text(&scan.stdout).contains("no routes read from postgres://bridge"),
            "{}",
            text(&scan.stdout)
        );
        env.insert("DATABASE_URL", url.replace("postgres:", "mysql:"));
        let wrong_scheme = bridge(&["check"], &env).await;
        assert!(
            text(&wrong_scheme.stderr).contains("DATABASE_URL must be"),
            "{}",
            text(&wrong_scheme.stderr)
        );
        for out in [check, scan, wrong_scheme] {
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            assert!(!stdout.contains("hunter2") && !stderr.contains("hunter2"), "{stdout}\n{stderr}");
        }
    }
}
