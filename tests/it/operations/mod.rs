//! Operations: `/healthz`, `/metrics`, the log, `approval-bridge health`, and stopping while a
//! decision is in flight.

mod health;
mod logs;
mod metrics;
mod shutdown;

use std::{collections::HashMap, net::SocketAddr, path::Path, process::Output};

use crate::support::{
    app::{TestApp, spawn_app_with},
    fake_scenario::FlowTemplate,
};

/// A bridge serving health and metrics on a free loopback port, with `edit` applied to its
/// environment.
pub async fn spawn_app_with_ops(edit: impl FnOnce(&mut HashMap<&'static str, String>)) -> TestApp {
    spawn_app_with(|env| {
        env.insert("HTTP_ADDR", "127.0.0.1:0".to_owned());
        edit(env);
    })
    .await
}

/// A run of a new workflow parked at gate `review`; returns the run's id.
pub fn parked_run(app: &TestApp, name: &str) -> String {
    let workflow = app.scenario.add_workflow(name, FlowTemplate::single_gate());
    app.scenario.start_parked_run(&workflow)
}

/// An answer of the operations listener.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// `GET http://addr{path}`.
pub async fn get(addr: SocketAddr, path: &str) -> Answer {
    let client = reqwest::Client::builder().no_proxy().build().expect("client");
    let response = client.get(format!("http://{addr}{path}")).send().await.expect("the listener answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Answer { status, content_type, body: response.text().await.expect("a body") }
}

/// `/healthz` as status and JSON.
pub async fn health(app: &TestApp) -> (u16, serde_json::Value) {
    let answer = get(app.http_addr(), "/healthz").await;
    assert!(answer.content_type.starts_with("application/json"), "{}", answer.content_type);
    (answer.status, serde_json::from_str(&answer.body).expect("JSON"))
}

/// `/metrics`, parsed: each sample line's series (name and labels, as written) to its value.
pub async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let answer = get(app.http_addr(), "/metrics").await;
    assert_eq!(answer.status, 200);
    assert!(answer.content_type.starts_with("application/openmetrics-text"), "{}", answer.content_type);
    assert!(answer.body.ends_with("# EOF\n"), "{}", answer.body);
    let samples = answer.body.lines().filter(|line| !line.starts_with('#') && !line.is_empty());
    samples
        .map(|line| {
            // Label values may hold spaces (`GET /jobs`); the value is after the last one.
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample: {line}"));
            (series.to_owned(), value.parse().unwrap_or_else(|_| panic!("a number: {line}")))
        })
        .collect()
}

/// Runs the real binary with exactly `env` (nothing inherited), in `dir` (so no `.env` is read).
pub fn run_binary(args: &[&str], env: &[(&str, String)], dir: &Path) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_approval-bridge"))
        .args(args)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}
