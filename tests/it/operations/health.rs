//! `/healthz` through HTTP, a listener that cannot be opened, and `approval-bridge health`.

use std::time::{Duration, Instant};

use approval_bridge::{app::App, config::Settings};

use super::{health, run_binary, spawn_app_with_ops};
use crate::support::{
    fake_scenario::{Endpoint, Fault},
    wait::wait_for,
};

#[tokio::test]
async fn health_is_ok_on_a_fresh_start_and_after_a_poll() {
    let app = spawn_app_with_ops(|_| {}).await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");

    let before_poll = Instant::now();
    app.poll().await;
    let (status, body) = health(&app).await;
    let since_poll = i64::try_from(before_poll.elapsed().as_millis()).unwrap();
    assert_eq!((status, &body["reasons"]), (200, &serde_json::json!([])), "{body}");
    // No older than the test saw go by since it asked for the pass (+1 ms for whole milliseconds).
    let ago = body["last_successful_poll_secs_ago"].as_i64();
    assert!(ago.is_some_and(|secs| secs * 1000 <= since_poll + 1), "{body}, {since_poll} ms since the poll");
}

#[tokio::test]
async fn a_closed_database_makes_health_fail_with_the_reason() {
    let app = spawn_app_with_ops(|_| {}).await;
    app.store().close().await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "unhealthy");
    let reasons = body["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{body}");
    assert!(reasons[0].as_str().unwrap().starts_with("the database does not answer"), "{body}");
}

#[tokio::test]
async fn the_health_body_holds_no_host_name_pid_or_error_text() {
    let app = spawn_app_with_ops(|_| {}).await;
    app.store().close().await;
    let (status, body) = health(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["reasons"], serde_json::json!(["the database does not answer"]), "{body}");
    let text = body.to_string();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    assert!(host.trim().is_empty() || !text.contains(host.trim()), "{text}");
    assert!(!text.contains(&format!("{}", std::process::id())), "{text}");
    for detail in ["pool", "closed", "database error", "sqlite", ".db"] {
        assert!(!text.to_lowercase().contains(detail), "{detail} in {text}");
    }
}

#[tokio::test]
async fn health_fails_once_the_last_successful_poll_is_three_intervals_old() {
    // The shortest interval the settings accept is 2 s: three of them pass in about 6 s.
    let app = spawn_app_with_ops(|env| _ = env.insert("POLL_INTERVAL_SECS", "2".into())).await;
    let before_poll = Instant::now();
    app.poll().await;
    app.scenario.inject(Endpoint::ListJobs, Fault::status(503), 1000);
    let failing = async || Some(health(&app).await).filter(|(status, _)| *status != 200);
    let (status, body) = wait_for("health to fail", Duration::from_secs(15), failing).await;
    let since_poll = before_poll.elapsed().as_secs_f64();
    assert_eq!(status, 503, "{body}");
    let reason = body["reasons"][0].as_str().unwrap();
    let ago: f64 = reason
        .strip_prefix("the last successful poll of Scenario was ")
        .and_then(|rest| rest.split_once(" s ago"))
        .and_then(|(secs, _)| secs.parse().ok())
        .unwrap_or_else(|| panic!("no age in {reason}"));
    // Healthy until three intervals had passed, and the age told is no more than the test saw go
    // by since it asked for the pass (+0.05 s: the age is rounded to a tenth; +1 ms: whole ms).
    assert!(ago >= 6.0 && ago <= since_poll + 0.051, "{reason}, {since_poll:.3} s since the poll");
    assert!(reason.ends_with("(more than 3 poll intervals, 6 s)"), "{reason}");
    assert_eq!(body["reasons"].as_array().unwrap().len(), 1, "only the poll is at fault: {body}");
    assert!(app.bridge().polls.status().failing_streak >= 1);
}

#[tokio::test]
async fn an_address_in_use_is_a_start_error_naming_http_addr() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        ("DISCORD_TOKEN", "token".to_owned()),
        ("DISCORD_GUILD_ID", "42".to_owned()),
        ("SCENARIO_SDK_API_KEY", "key".to_owned()),
        ("SCENARIO_SDK_API_SECRET", "secret".to_owned()),
        ("DATABASE_URL", format!("sqlite://{}", dir.path().join("b.db").display())),
        ("HTTP_ADDR", addr.to_string()),
    ];
    let settings =
        Settings::from_lookup(|name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone()))
            .expect("valid settings");
    let Err(err) = App::build(&settings).await else { panic!("the bridge started on a taken port") };
    let message = format!("{err:#}");
    assert!(message.starts_with(&format!("HTTP_ADDR {addr} could not be bound")), "{message}");
}

#[tokio::test]
async fn the_health_command_exits_0_when_healthy_and_1_otherwise() {
    let app = spawn_app_with_ops(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let probe = |addr: Option<String>| {
        let dir = dir.path().to_owned();
        let env: Vec<(&str, String)> = addr.into_iter().map(|a| ("HTTP_ADDR", a)).collect();
        tokio::task::spawn_blocking(move || run_binary(&["health"], &env, &dir))
    };
    let healthy = probe(Some(app.http_addr().to_string())).await.unwrap();
    let stdout = String::from_utf8_lossy(&healthy.stdout);
    assert_eq!(healthy.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(r#""status":"ok""#), "{stdout}");

    app.store().close().await;
    let unhealthy = probe(Some(app.http_addr().to_string())).await.unwrap();
    let stdout = String::from_utf8_lossy(&unhealthy.stdout);
    assert_eq!(unhealthy.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("unhealthy (HTTP 503)") && stdout.contains("database"), "{stdout}");

    let unset = probe(None).await.unwrap();
    assert_eq!(unset.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unset.stdout).starts_with("HTTP_ADDR is not set"));

    let nobody = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = probe(Some(nobody.to_string())).await.unwrap();
    assert_eq!(unreachable.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unreachable.stdout).starts_with("no answer from"));
}
