//! `spawn_app()`: the real bridge, built as production builds it, against the fake Discord and the
//! fake Scenario, with a database in a temporary directory.

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicI64, Ordering},
    },
    time::Duration,
};

use approval_bridge::{
    app::App,
    config::{LogFormat, Settings},
    discord::bridge::Bridge,
    polls::{PollReport, PollStatus},
    store::{Approval, Store, now_ms},
    telemetry,
    watcher::WatcherParts,
};
use serde_json::Value;
use tokio::{sync::oneshot, task::JoinHandle};

use super::{
    fake_discord::{
        FakeDiscord, FakeDiscordConfig, GuildMember, InteractionHandle, RecordedRequest, http_delivery,
    },
    fake_scenario::{API_KEY, API_SECRET, FakeScenario},
    wait::wait_until,
};

/// How long a test waits for something the bridge should do promptly.
pub const PROMPTLY: Duration = Duration::from_secs(5);

/// A running bridge and the two fakes it talks to.
pub struct TestApp {
    /// The fake Discord.
    pub discord: FakeDiscord,
    /// The fake Scenario.
    pub scenario: FakeScenario,
    /// The channel `APPROVAL_CHANNEL_ID` names.
    pub channel: u64,
    /// The role `REVIEWER_ROLE_IDS` names.
    pub reviewer_role: u64,
    /// The environment the bridge was started with.
    pub env: HashMap<&'static str, String>,
    bridge: Option<Arc<Bridge>>,
    watcher_parts: Option<WatcherParts>,
    /// How far the bridge's wall clock runs ahead of the system's, in milliseconds.
    wall_offset: Arc<AtomicI64>,
    http_addr: Option<SocketAddr>,
    endpoint_addr: Option<SocketAddr>,
    running: Option<(oneshot::Sender<()>, JoinHandle<anyhow::Result<()>>)>,
    _dir: tempfile::TempDir,
}

/// Starts a bridge with the usual settings: a card channel, a reviewer role, commands in the
/// fake guild, and a poll interval long enough that tests drive passes with [`TestApp::poll`].
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], with the environment edited by `edit` before the start.
pub async fn spawn_app_with(edit: impl FnOnce(&mut HashMap<&'static str, String>)) -> TestApp {
    spawn_app_against(FakeDiscordConfig::default(), edit).await
}

/// Like [`spawn_app_with`], with interactions delivered by signed POST to the bridge's
/// interactions endpoint instead of over the gateway.
pub async fn spawn_app_over_http(edit: impl FnOnce(&mut HashMap<&'static str, String>)) -> TestApp {
    spawn_app_with(|env| {
        env.insert("INTERACTIONS_ADDR", "127.0.0.1:0".to_owned());
        env.insert("DISCORD_PUBLIC_KEY", http_delivery::public_key());
        edit(env);
    })
    .await
}

/// Like [`spawn_app_with`], against a fake Discord with these timings (e.g. a short token life).
pub async fn spawn_app_against(
    config: FakeDiscordConfig,
    edit: impl FnOnce(&mut HashMap<&'static str, String>),
) -> TestApp {
    init_test_logs();
    let discord = FakeDiscord::start_with(config).await;
    let scenario = FakeScenario::start().await;
    let channel = discord.add_text_channel("approvals");
    let reviewer_role = discord.add_role("Reviewers", "0");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut env = env_for(&discord, &scenario, channel, reviewer_role, &dir.path().join("bridge.db"));
    env.insert("POLL_INTERVAL_SECS", "3600".to_owned());
    edit(&mut env);
    let mut app = TestApp {
        discord,
        scenario,
        channel,
        reviewer_role,
        env,
        bridge: None,
        watcher_parts: None,
        wall_offset: Arc::default(),
        http_addr: None,
        endpoint_addr: None,
        running: None,
        _dir: dir,
    };
    app.start().await;
    app
}

/// The settings that point a bridge at the two fakes: cards in `channel`, decided by
/// `reviewer_role`, commands in the fake's guild, the database at `database`.
pub fn env_for(
    discord: &FakeDiscord,
    scenario: &FakeScenario,
    channel: u64,
    reviewer_role: u64,
    database: &Path,
) -> HashMap<&'static str, String> {
    HashMap::from([
        ("DISCORD_TOKEN", discord.bot_token().to_owned()),
        ("DISCORD_API_BASE", discord.api_base()),
        ("DISCORD_GUILD_ID", discord.guild_id().to_string()),
        ("APPROVAL_CHANNEL_ID", channel.to_string()),
        ("REVIEWER_ROLE_IDS", reviewer_role.to_string()),
        ("SCENARIO_SDK_API_KEY", API_KEY.to_owned()),
        ("SCENARIO_SDK_API_SECRET", API_SECRET.to_owned()),
        ("SCENARIO_BASE_URL", scenario.base_url().to_string()),
        ("PREVIEW_HOSTS", scenario.cdn_origin()),
        ("DATABASE_URL", format!("sqlite://{}", database.display())),
        // Far above what any test sends: the tests of the budget set their own.
        ("SCENARIO_REQUESTS_PER_MINUTE", "60000".to_owned()),
        // One cadence, POLL_INTERVAL_SECS: the tests of the idle cadence set their own.
        ("POLL_IDLE_INTERVAL_SECS", "2".to_owned()),
    ])
}

fn init_test_logs() {
    // TEST_LOG=1 shows the bridge's log; a second init in the same binary is refused, harmlessly.
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = telemetry::init(LogFormat::Pretty, std::io::stderr);
    }
}

impl TestApp {
    /// The settings the bridge runs with.
    pub fn settings(&self) -> Settings {
        Settings::from_lookup(|name| self.env.get(name).cloned()).expect("test settings are valid")
    }

    /// Starts the bridge (again, after [`TestApp::stop`]) and waits until it is connected.
    pub async fn start(&mut self) {
        assert!(self.running.is_none(), "the bridge is already running");
        let identified = self.discord.gateway_counts().identifies;
        let is_registration = |r: &RecordedRequest| r.method == "PUT" && r.path.ends_with("/commands");
        let registrations = self.discord.requests().iter().filter(|r| is_registration(r)).count();
        let offset = self.wall_offset.clone();
        let app = App::build(&self.settings()).await.expect("the bridge builds");
        let app = app.with_wall_clock(Arc::new(move || now_ms() + offset.load(Ordering::SeqCst)));
        let endpoint = app.interactions_addr();
        self.bridge = Some(app.bridge());
        self.watcher_parts = Some(app.services().watcher());
        self.http_addr = app.http_addr();
        self.endpoint_addr = endpoint;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        self.running = Some((stop, task));
        if let Some(endpoint) = endpoint {
            self.discord.deliver_interactions_to(&format!("http://{endpoint}/interactions"));
        } else {
            assert!(
                self.discord.wait_for_identifies(identified + 1, PROMPTLY).await,
                "the bridge never identified"
            );
            assert!(self.discord.wait_for_ready(PROMPTLY).await, "the bridge never got READY");
        }
        let registered = self.discord.wait_for_requests(is_registration, registrations + 1, PROMPTLY).await;
        assert!(registered.is_some(), "the bridge never registered its commands");
        // The watcher's first pass runs at start; tests begin once it is over, so it never
        // races with what they set up.
        let passed = async || self.bridge().polls.status() != PollStatus::default();
        wait_until("the start-up pass", PROMPTLY, passed).await;
    }

    /// Stops the bridge as SIGTERM would and returns how its run ended.
    pub async fn stop(&mut self) -> anyhow::Result<()> {
        let task = self.begin_stop();
        tokio::time::timeout(Duration::from_secs(30), task)
            .await
            .expect("the bridge stops in time")
            .expect("no panic")
    }

    /// Waits up to `timeout` for the bridge to stop without being asked (e.g. after losing its
    /// database lease) and returns how its run ended.
    pub async fn stopped_by_itself(&mut self, timeout: Duration) -> anyhow::Result<()> {
        let (_, task) = self.running.as_mut().expect("the bridge is running");
        let ended = tokio::time::timeout(timeout, task).await.expect("the bridge stops by itself in time");
        self.running = None;
        ended.expect("no panic")
    }

    /// Signals the stop as SIGTERM would, without waiting: the returned task ends when the bridge
    /// has stopped, so a test can act while it drains.
    pub fn begin_stop(&mut self) -> JoinHandle<anyhow::Result<()>> {
        let (stop, task) = self.running.take().expect("the bridge is running");
        let _ = stop.send(());
        task
    }

    /// Moves the wall clock the bridge measures reminders and deadlines on forward by `by`
    /// (across restarts too), as if that much time had passed.
    pub fn advance_wall_clock(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).expect("a test's time step fits");
        self.wall_offset.fetch_add(ms, Ordering::SeqCst);
    }

    /// Where the running bridge serves `/healthz` and `/metrics` (with `HTTP_ADDR` set).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr.expect("the bridge was started with HTTP_ADDR")
    }

    /// Where the running bridge serves its interactions endpoint (with `INTERACTIONS_ADDR` set).
    pub fn endpoint_addr(&self) -> SocketAddr {
        self.endpoint_addr.expect("the bridge serves the interactions endpoint")
    }

    /// The running bridge's shared state.
    pub fn bridge(&self) -> &Bridge {
        self.bridge.as_ref().expect("the bridge was started")
    }

    /// What the bridge's watcher uses, for a watcher of a test's own on the same services.
    pub fn watcher_parts(&self) -> WatcherParts {
        self.watcher_parts.clone().expect("the bridge was started")
    }

    /// The database, as the bridge sees it.
    pub fn store(&self) -> &Store {
        &self.bridge().store
    }

    /// Runs one watcher pass now and returns its report.
    pub async fn poll(&self) -> PollReport {
        self.bridge().polls.now().await.expect("the pass runs")
    }

    /// Runs one watcher pass now; `Err` says why the pass failed.
    pub async fn try_poll(&self) -> Result<PollReport, String> {
        self.bridge().polls.now().await
    }

    /// Runs `sql` on the bridge's database through a connection of its own, as another process
    /// (or a crash halfway through a write) would leave the database.
    pub async fn execute_sql(&self, sql: &str) {
        use sqlx::Connection as _;
        let url = &self.env["DATABASE_URL"];
        let mut conn = sqlx::SqliteConnection::connect(url).await.expect("the test database opens");
        sqlx::query(sql).execute(&mut conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        conn.close().await.expect("the connection closes");
    }

    /// Leaves the claim of approval `id` as a stop that outlasted a request timeout would: the PUT
    /// its claim recorded as sent, had it gone out, was answered or lost long ago, so the claim
    /// may be sent again once a fresh read shows the gate waiting.
    pub async fn claim_sent_long_ago(&self, id: impl std::fmt::Display) {
        let long_ago = approval_bridge::store::now_ms() - 3_600_000;
        self.execute_sql(&format!("UPDATE approvals SET decision_sent_at = {long_ago} WHERE id = {id}"))
            .await;
    }

    /// Leaves the database as a crash ten minutes ago would have: the card of `id` was posted,
    /// but its message id was never stored.
    pub async fn forget_card_posted_long_ago(&self, id: impl std::fmt::Display) {
        let long_ago = approval_bridge::store::now_ms() - 10 * 60 * 1000;
        self.execute_sql(&format!(
            "UPDATE approvals SET message_id = NULL, card_attempted_at = {long_ago} WHERE id = {id}"
        ))
        .await;
    }

    /// A member holding the reviewer role.
    pub fn reviewer(&self, name: &str) -> GuildMember {
        GuildMember::new(name).with_roles(&[self.reviewer_role])
    }

    /// The cards (messages) in the approval channel, oldest first.
    pub fn cards(&self) -> Vec<Value> {
        self.discord.messages_in(self.channel)
    }

    /// The stored approval of gate `node_id` of run `job_id`.
    pub async fn approval(&self, job_id: &str, node_id: &str) -> Approval {
        let found =
            self.store().approval_by_gate(&job_id.into(), &node_id.into()).await.expect("store answers");
        found.unwrap_or_else(|| panic!("no approval for gate {node_id} of {job_id}"))
    }

    /// Clicks the button labelled `label` on the card of `approval`.
    pub async fn click(&self, member: &GuildMember, approval: &Approval, label: &str) -> InteractionHandle {
        let message_id = approval.message_id.expect("the card was posted").get();
        let card = self.discord.message(approval.channel_id.get(), message_id).expect("the card exists");
        let custom_id = button(&card, label).unwrap_or_else(|| panic!("no {label} button on {card}"));
        self.discord.click_button(member, approval.channel_id.get(), message_id, &custom_id).await
    }

    /// Waits for the bridge's final answer to `interaction` (the edit of a deferred response, or
    /// the initial message) and returns its text.
    pub async fn answer(&self, interaction: &InteractionHandle) -> String {
        let callback = self.discord.wait_for_callback(interaction, PROMPTLY).await.expect("acknowledged");
        let body = callback.body.clone().unwrap_or_default();
        if body["type"] == 4 {
            return body["data"]["content"].as_str().unwrap_or_default().to_owned();
        }
        let edit = self.discord.wait_for_original_edit(interaction, PROMPTLY).await.expect("answered");
        edit.body.unwrap_or_default()["content"].as_str().unwrap_or_default().to_owned()
    }
}

/// The `custom_id` of the button labelled `label` on `message`, if it has one.
pub fn button(message: &Value, label: &str) -> Option<String> {
    let all = crate::support::fake_discord::layout::flatten(&message["components"]);
    all.into_iter().filter(|b| b["label"] == label).find_map(|b| b["custom_id"].as_str().map(str::to_owned))
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.running.take() {
            let _ = stop.send(());
            task.abort();
        }
    }
}
