//! Wires the pieces together and runs them until shutdown.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use anyhow::Context as _;
use serenity::Client;
use tokio::{
    net::TcpListener,
    sync::{mpsc, watch},
};
use tracing::{info, warn};

use crate::{
    config::{ScenarioAccess, Settings},
    discord,
    discord::bridge::Bridge,
    lease::Lease,
    metrics::Metrics,
    ops,
    polls::PollRequest,
    scenario::{ScenarioClient, ScenarioSettings},
    store::Store,
    watcher::Watcher,
};

/// How long shutdown waits for decisions in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// A bridge ready to run.
pub struct App {
    client: Client,
    bridge: Arc<Bridge>,
    poll_interval: Duration,
    full_sweep: Duration,
    /// Taken by the watcher when the bridge runs.
    poll_requests: Option<mpsc::Receiver<PollRequest>>,
    connected: watch::Receiver<bool>,
    ops_listener: Option<TcpListener>,
    lease: Lease,
}

impl App {
    /// Opens the database, builds both API clients, asks Discord for its gateway, and opens the
    /// health and metrics listener when `HTTP_ADDR` is set.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let ops_listener = match settings.http_addr {
            Some(addr) => Some(ops::http::bind(addr).await?),
            None => None,
        };
        let store = Store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening the database at {}", settings.database_url))?;
        // One registry per bridge, shared by the client and the bridge: see `crate::metrics`.
        let scenario = ScenarioClient::with_metrics(scenario_settings(&settings.scenario), Metrics::new())?;
        let slot = Arc::new(OnceLock::new());
        let (connected_tx, connected) = watch::channel(false);
        let http = discord::client::http(&settings.discord).context("building the Discord client")?;
        let home = discord::home::resolve(&http, &settings.discord).await?;
        info!(guild_id = home.id().get(), "serving one Discord server");
        let client = discord::client::gateway(http, slot.clone(), connected_tx)
            .await
            .context("connecting to Discord")?;
        let lease = Lease::new(store.clone(), settings.lease);
        let (bridge, poll_requests) =
            Bridge::new(store, scenario, client.http.clone(), &settings.discord, home);
        let bridge = Arc::new(bridge);
        // Set before the client starts, so no interaction can arrive first.
        let _ = slot.set(bridge.clone());
        Ok(Self {
            client,
            bridge,
            poll_interval: settings.poll_interval,
            full_sweep: settings.full_sweep,
            poll_requests: Some(poll_requests),
            connected,
            ops_listener,
            lease,
        })
    }

    /// Where `/healthz` and `/metrics` are served (the port chosen when `HTTP_ADDR` asked for 0).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.ops_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// The shared state, for tests and for the health endpoint.
    pub fn bridge(&self) -> Arc<Bridge> {
        self.bridge.clone()
    }

    /// Whether the gateway connection is up, as it changes.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// Runs until `shutdown` completes (or the gateway fails for good, or another process takes
    /// the database over), then stops in order: new clicks are turned away, decisions in flight
    /// finish, the poller and the gateway stop, the database lease is given up, the database
    /// closes. Nothing acts on the database before this process holds its lease (see
    /// [`crate::lease`]): a second bridge on the same database waits here.
    pub async fn run_until_stopped(mut self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let (ops_stop, ops_server) = self.serve_ops();
        tokio::pin!(shutdown);
        let held = tokio::select! {
            () = self.lease.acquire() => true,
            () = &mut shutdown => false,
        };
        let ended = if held { self.run_holding_the_lease(shutdown).await } else { Ok(()) };
        self.bridge.store.close().await;
        let _ = ops_stop.send(true);
        if let Some(server) = ops_server {
            let _ = server.await;
        }
        info!("stopped");
        ended
    }

    async fn run_holding_the_lease(&mut self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let routes = self.bridge.routes.load().await.context("reading the routes")?;
        if self.bridge.routes.default_channel().is_none() && routes == 0 {
            warn!(
                "no channel to post cards in: set APPROVAL_CHANNEL_ID, or route workflows with /approvals watch"
            );
        }
        let Some(poll_requests) = self.poll_requests.take() else {
            anyhow::bail!("the bridge was already run once")
        };
        let watcher = Watcher::new(self.bridge.clone()).with_full_sweep(self.full_sweep);
        let watcher = watcher.run(self.poll_interval, poll_requests, self.bridge.lifecycle.token());
        let mut watcher = tokio::spawn(watcher);
        let shard_manager = self.client.shard_manager.clone();
        let (mut ended, watcher_ended) = tokio::select! {
            ended = self.client.start() => (ended.context("the Discord gateway connection failed"), false),
            lost = self.lease.keep() => (Err(lost.into()), false),
            () = shutdown => (Ok(()), false),
            // The watcher only ends at shutdown: ending before is a panic, and the process ends
            // with it rather than serve clicks while no card is posted or kept up to date.
            stopped = &mut watcher => (Err(watcher_end(stopped)), true),
        };
        info!("shutting down");
        if !self.bridge.lifecycle.drain(SHUTDOWN_GRACE).await {
            warn!("decisions still running after {SHUTDOWN_GRACE:?}; they resume at the next start");
        }
        if !watcher_ended {
            if let Err(panicked) = watcher.await {
                ended = ended.and(Err(watcher_end(Err(panicked))));
            }
        }
        shard_manager.shutdown_all().await;
        self.lease.release().await;
        ended
    }

    /// Starts serving `/healthz` and `/metrics` if a listener was opened; returns the switch that
    /// stops it and its task.
    fn serve_ops(&mut self) -> (watch::Sender<bool>, Option<tokio::task::JoinHandle<()>>) {
        let (stop, stopped) = watch::channel(false);
        let server = self.ops_listener.take().map(|listener| {
            let state = ops::http::OpsState {
                store: self.bridge.store.clone(),
                metrics: self.bridge.metrics.clone(),
                polls: self.bridge.polls.clone(),
                shutdown: self.bridge.lifecycle.token(),
                connected: self.connected.clone(),
                shards: self.client.shard_manager.clone(),
                started_ms: crate::store::now_ms(),
                poll_interval: self.poll_interval,
                standby: self.lease.standby(),
            };
            tokio::spawn(ops::http::serve(listener, state, stopped))
        });
        (stop, server)
    }
}

/// Why the watcher's task ended before shutdown.
fn watcher_end(stopped: Result<(), tokio::task::JoinError>) -> anyhow::Error {
    match stopped {
        Err(err) if err.is_panic() => anyhow::anyhow!("the watcher panicked: {err}"),
        Err(err) => anyhow::anyhow!("the watcher was stopped: {err}"),
        Ok(()) => anyhow::anyhow!("the watcher stopped before shutdown"),
    }
}

/// The Scenario client's settings, from the bridge's.
pub fn scenario_settings(access: &ScenarioAccess) -> ScenarioSettings {
    let mut settings =
        ScenarioSettings::new(access.base_url.clone(), access.api_key.clone(), access.api_secret.clone());
    settings.project_id = access.project_id.clone();
    settings.request_timeout = access.request_timeout;
    settings
}
