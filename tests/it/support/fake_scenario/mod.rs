//! A stateful fake of the Scenario API on 127.0.0.1, for tests.
//!
//! Workflows have flow templates; runs built from them advance when the test calls [`step`]
//! (or on an auto-advance ticker): producers go processing → success and make assets, a gate
//! whose inputs are done waits (`pending`, or `processing` if configured) until approved or
//! rejected, through the API or the "web app" helpers. Every request is logged; faults can be
//! armed per endpoint for the next N requests.
//!
//! [`step`]: FakeScenario::step

mod cdn;
mod faults;
mod flow;
mod inspect;
mod limit;
mod ops;
mod render;
mod run;
mod server;
mod state;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use approval_bridge::scenario::{RetryPolicy, ScenarioClient, ScenarioSettings};
use axum::serve::ListenerExt;
use secrecy::SecretString;
use serde_json::Value;
use tokio::task::JoinHandle;
use url::Url;

use faults::FaultRule;
pub use faults::{Endpoint, Fault, RecordedRequest, Release};
pub use flow::{FlowTemplate, NodeSpec};
pub use state::AUTHOR;
use state::State;

/// The API key the fake accepts.
pub const API_KEY: &str = "fake-key";
/// The API secret the fake accepts.
pub const API_SECRET: &str = "fake-secret-do-not-log";

#[derive(Clone)]
struct Options {
    gate_status: &'static str,
    empty_pages: bool,
    required_project: Option<String>,
    /// Answer 400 to any `updatedAfter`, as an API that does not take it would.
    refuse_updated_after: bool,
    /// Runs left out of every `updatedAfter` listing: a change the delta feed misses.
    hidden_from_delta: HashSet<String>,
}

struct Shared {
    state: Mutex<State>,
    faults: Mutex<Vec<FaultRule>>,
    log: Mutex<Vec<RecordedRequest>>,
    options: Mutex<Options>,
    /// The per-project rate limit, when a test switched it on.
    limit: Mutex<Option<limit::ProjectLimit>>,
    port: u16,
    expected_auth: String,
}

/// A running fake Scenario. Dropping it stops the server and the ticker.
pub struct FakeScenario {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for FakeScenario {
    fn drop(&mut self) {
        self.server.abort();
        if let Some(ticker) = self.ticker.lock().unwrap().take() {
            ticker.abort();
        }
    }
}

impl FakeScenario {
    /// Starts the fake on 127.0.0.1 with a free port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("a bound address").port();
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            options: Mutex::new(Options {
                gate_status: "pending",
                empty_pages: false,
                required_project: None,
                refuse_updated_after: false,
                hidden_from_delta: HashSet::new(),
            }),
            limit: Mutex::new(None),
            port,
            expected_auth: format!("Basic {}", base64(&format!("{API_KEY}:{API_SECRET}"))),
        });
        let app = axum::Router::new().fallback(server::handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener.tap_io(no_delay), app).await.expect("the fake Scenario server runs");
        });
        Self { shared, server, ticker: Mutex::new(None) }
    }

    /// The API base URL, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> Url {
        Url::parse(&format!("http://127.0.0.1:{}/v1", self.shared.port)).expect("a valid URL")
    }

    /// The origin its CDN serves signed asset URLs from, as `PREVIEW_HOSTS` names it.
    pub fn cdn_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.shared.port)
    }

    /// Client settings for this fake: right credentials, quick retries (10–40 ms), 5 s timeout.
    pub fn settings(&self) -> ScenarioSettings {
        let mut settings = ScenarioSettings::new(
            self.base_url(),
            SecretString::from(API_KEY),
            SecretString::from(API_SECRET),
        );
        settings.retry = RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        };
        settings.request_timeout = Duration::from_secs(5);
        settings.connect_timeout = Duration::from_secs(1);
        settings
    }

    /// A client built from [`Self::settings`].
    pub fn client(&self) -> ScenarioClient {
        ScenarioClient::new(self.settings()).expect("valid settings")
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap()
    }

    fn gate_status(&self) -> &'static str {
        self.shared.options.lock().unwrap().gate_status
    }

    // ---- setup -------------------------------------------------------------------------

    /// Adds a workflow; returns its `wflow_…` id.
    pub fn add_workflow(&self, name: &str, template: FlowTemplate) -> String {
        self.state().add_workflow(name, template)
    }

    /// Renames a workflow (to test the name cache).
    pub fn rename_workflow(&self, workflow_id: &str, name: &str) {
        let mut state = self.state();
        let index = state.workflow_index[workflow_id];
        state.workflows[index].name = name.to_owned();
    }

    /// Starts a run of a workflow (status `pending`); returns its `job_…` id.
    pub fn start_run(&self, workflow_id: &str) -> String {
        self.state().start_run(workflow_id).expect("a known workflow")
    }

    /// Starts a run with these inputs (`metadata.input`, keyed by input name; a node input of
    /// the same name shows the value) and moves it until it parks at a gate (or ends).
    pub fn start_parked_run_with(&self, workflow_id: &str, input: Value) -> String {
        let Value::Object(input) = input else { panic!("inputs are an object keyed by input name") };
        let author = Some(state::AUTHOR.to_owned());
        let id = self.state().start_run_with(workflow_id, input, author).expect("a known workflow");
        self.settle_run(&id);
        id
    }

    /// Sets a workflow's input definitions (`name`, `type`, `required`, `label`, …).
    pub fn set_workflow_inputs(&self, workflow_id: &str, inputs: Value) {
        let Value::Array(inputs) = inputs else { panic!("input definitions are an array") };
        let mut state = self.state();
        let index = state.workflow_index[workflow_id];
        state.workflows[index].inputs = inputs;
    }

    /// Puts a workflow in `status` (`draft`, `ready`, `deleted`): only a ready one runs.
    pub fn set_workflow_status(&self, workflow_id: &str, status: &str) {
        let mut state = self.state();
        let index = state.workflow_index[workflow_id];
        state.workflows[index].status = status.to_owned();
    }

    /// Sets what one run of a workflow costs, in creative units (10 unless set).
    pub fn set_run_cost(&self, workflow_id: &str, cost: u32) {
        let mut state = self.state();
        let index = state.workflow_index[workflow_id];
        state.workflows[index].cost = cost;
    }

    /// Starts a run and moves it until it parks at a gate (or ends).
    pub fn start_parked_run(&self, workflow_id: &str) -> String {
        let id = self.start_run(workflow_id);
        self.settle_run(&id);
        id
    }

    /// Starts a run by `author` (a Scenario user id; `None`: an API key, shown as `authorId:
    /// null`) and moves it until it parks at a gate (or ends).
    pub fn start_parked_run_by(&self, workflow_id: &str, author: Option<&str>) -> String {
        let author = author.map(str::to_owned);
        let id = self.state().start_run_with(workflow_id, serde_json::Map::new(), author);
        let id = id.expect("a known workflow");
        self.settle_run(&id);
        id
    }

    /// Makes `count` runs quickly: every `parked_every`-th run parked at its gate, the others
    /// in progress with their first producer running (e.g. 10 000 and 100 for 1 % parked).
    pub fn seed_runs(&self, workflow_id: &str, count: usize, parked_every: usize) -> Vec<String> {
        let gate_status = self.gate_status();
        let port = self.shared.port;
        let mut state = self.state();
        (0..count)
            .map(|i| {
                let id = state.start_run(workflow_id).expect("a known workflow");
                if parked_every > 0 && i % parked_every == 0 {
                    state.settle_run(&id, gate_status, port);
                } else {
                    let index = state.job_index[&id];
                    state.advance(index, gate_status, port);
                    state.advance(index, gate_status, port);
                }
                id
            })
            .collect()
    }

    /// Adds raw JSON to the job listing, served verbatim (e.g. a malformed job).
    pub fn insert_raw_job(&self, raw: Value) {
        self.state().push_raw_job(raw);
    }

    /// Adds `count` standalone image assets; returns their ids.
    pub fn add_assets(&self, count: usize) -> Vec<String> {
        let port = self.shared.port;
        let mut state = self.state();
        (0..count).map(|i| state.add_asset(port, Some(format!("asset number {i}")))).collect()
    }

    /// From now on a waiting gate shows `processing` instead of `pending` (which of the two
    /// Scenario shows is not documented).
    pub fn gates_wait_as_processing(&self) {
        self.shared.options.lock().unwrap().gate_status = "processing";
    }

    /// Precede every page of `GET /jobs` with an empty page that still carries a token.
    pub fn set_empty_pages(&self, on: bool) {
        self.shared.options.lock().unwrap().empty_pages = on;
    }

    /// Answer 400 to every listing with `updatedAfter` (on) or take it as documented (off).
    pub fn refuse_updated_after(&self, on: bool) {
        self.shared.options.lock().unwrap().refuse_updated_after = on;
    }

    /// Leaves `job_id` out of every `updatedAfter` listing from now on, whatever it becomes:
    /// a change the delta feed misses, which only a listing by status shows.
    pub fn hide_from_delta(&self, job_id: &str) {
        self.shared.options.lock().unwrap().hidden_from_delta.insert(job_id.to_owned());
    }

    /// Answer 403 unless `projectId` is this value (`None`: accept any).
    pub fn require_project_id(&self, project_id: Option<&str>) {
        self.shared.options.lock().unwrap().required_project = project_id.map(str::to_owned);
    }

    /// From now on answers 429 (with `Retry-After`) to API calls beyond `requests` in any
    /// `window`, as Scenario does beyond a project's limit (100 a minute).
    pub fn limit_requests(&self, requests: usize, window: Duration) {
        *self.shared.limit.lock().unwrap() = Some(limit::ProjectLimit::new(requests, window));
    }

    /// API calls refused by [`Self::limit_requests`]'s limit so far.
    pub fn refused_by_limit(&self) -> usize {
        self.shared.limit.lock().unwrap().as_ref().map_or(0, limit::ProjectLimit::refused)
    }

    // ---- time passing ------------------------------------------------------------------

    /// Moves every run one stage; returns how many changed.
    pub fn step(&self) -> usize {
        let gate_status = self.gate_status();
        self.state().step(gate_status, self.shared.port)
    }

    /// Steps until nothing changes (every run parked or ended); returns the steps taken.
    pub fn settle(&self) -> usize {
        (1..=1_000).find(|_| self.step() == 0).unwrap_or(1_000)
    }

    /// Moves one run until it stops changing.
    pub fn settle_run(&self, job_id: &str) {
        let gate_status = self.gate_status();
        self.state().settle_run(job_id, gate_status, self.shared.port);
    }

    /// Steps every `interval` in the background until [`Self::stop_auto_advance`] or drop.
    pub fn start_auto_advance(&self, interval: Duration) {
        let shared = self.shared.clone();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(interval);
            loop {
                ticks.tick().await;
                let gate_status = shared.options.lock().unwrap().gate_status;
                shared.state.lock().unwrap().step(gate_status, shared.port);
            }
        });
        if let Some(old) = self.ticker.lock().unwrap().replace(task) {
            old.abort();
        }
    }

    /// Stops the auto-advance ticker.
    pub fn stop_auto_advance(&self) {
        if let Some(task) = self.ticker.lock().unwrap().take() {
            task.abort();
        }
    }
}

/// Lets small writes go at once, as real servers do: with Nagle's algorithm on, a frame or an
/// answer written in two parts can wait for the client's delayed ACK (40 ms on Linux), a delay
/// that would be charged to the bridge.
fn no_delay(stream: &mut tokio::net::TcpStream) {
    let _ = stream.set_nodelay(true);
}

/// Standard base64 with padding (enough for a Basic auth header).
fn base64(input: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.as_bytes().chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
