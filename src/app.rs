//! Wires the pieces together and runs them until shutdown: [`App::build`] opens what the bridge
//! talks to and builds every shared service once ([`Services`]); [`App::run_until_stopped`]
//! runs the parts and stops them in order along one shutdown tree ([`crate::lifecycle`]).

mod services;

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use serenity::Client;
use tokio::{
    net::TcpListener,
    sync::{mpsc, watch},
    task::JoinHandle,
};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

pub use self::services::Services;
use crate::{
    config::{EventsSettings, ScenarioAccess, Settings},
    discord::{self, bridge::Bridge, endpoint::EndpointState},
    guild,
    lease::Lease,
    metrics::Metrics,
    ops,
    outbox::Deliverer,
    polls::PollRequest,
    scenario::{Budget, BudgetSettings, ScenarioClient, ScenarioSettings},
    store::{self, Store},
    watcher::{WallClock, Watcher},
};

/// How long shutdown waits for decisions in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// How interactions reach the bridge.
enum Front {
    /// A gateway connection (the default), opened by the process holding the lease.
    Gateway(Client),
    /// Discord POSTs them to the interactions endpoint, served by every replica at once; the
    /// listener until it is served, and what one client may cost it.
    Endpoint(Option<TcpListener>, Box<EndpointState>, ops::http::Limits),
}

/// A bridge ready to run.
pub struct App {
    front: Front,
    services: Services,
    bridge: Arc<Bridge>,
    poll_interval: Duration,
    poll_idle_interval: Duration,
    full_sweep: Duration,
    /// Taken by the watcher when the bridge runs.
    poll_requests: Option<mpsc::Receiver<PollRequest>>,
    connected: watch::Receiver<bool>,
    ops_listener: Option<TcpListener>,
    lease: Lease,
    wall_clock: WallClock,
    events: Option<EventsSettings>,
}

impl App {
    /// Opens the database, builds both API clients, asks Discord for its gateway (or opens the
    /// interactions endpoint when `INTERACTIONS_ADDR` is set), and opens the health and metrics
    /// listener when `HTTP_ADDR` is set.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let ops_listener = match settings.http_addr {
            Some(addr) => Some(bind("HTTP_ADDR", addr).await?),
            None => None,
        };
        let endpoint_listener = match &settings.interactions {
            Some(endpoint) => Some(bind("INTERACTIONS_ADDR", endpoint.addr).await?),
            None => None,
        };
        let store = Store::connect(&settings.database_url).await.with_context(|| {
            format!("opening the database at {}", store::shown_url(&settings.database_url))
        })?;
        // One registry per bridge, shared by the client and the bridge: see `crate::metrics`.
        let scenario = ScenarioClient::with_metrics(scenario_settings(&settings.scenario), Metrics::new())?;
        let (connected_tx, connected) = watch::channel(false);
        let http = discord::client::http(&settings.discord).context("building the Discord client")?;
        let home = guild::home::resolve(&http, &settings.discord).await?;
        info!(guild_id = home.id().get(), "serving one Discord server");
        // From here on, every event is written to the outbox with its audit entry, or none is.
        store
            .set_event_setup(settings.events.is_some(), home.id().get() as i64)
            .await
            .context("recording whether events are delivered")?;
        // Answers to interactions are edited through the application's webhook: its id is
        // needed before the first interaction, whichever way interactions come.
        let application = http.get_current_application_info().await.context("reading the application")?;
        http.set_application_id(application.id);
        let lease = Lease::new(store.clone(), settings.lease);
        let (services, poll_requests) =
            Services::build(store, scenario, Arc::new(http), &settings.discord, home);
        let bridge = Arc::new(services.bridge());
        let front = match (&settings.interactions, endpoint_listener) {
            (Some(endpoint), Some(listener)) => {
                let state = EndpointState::new(bridge.clone(), endpoint.public_key)?;
                let limits = discord::endpoint::limits(endpoint);
                Front::Endpoint(Some(listener), Box::new(state), limits)
            }
            _ => {
                let client = discord::client::gateway(&settings.discord, bridge.clone(), connected_tx)
                    .await
                    .context("connecting to Discord")?;
                Front::Gateway(client)
            }
        };
        Ok(Self {
            front,
            services,
            bridge,
            poll_interval: settings.poll_interval,
            poll_idle_interval: settings.poll_idle_interval,
            full_sweep: settings.full_sweep,
            poll_requests: Some(poll_requests),
            connected,
            ops_listener,
            lease,
            wall_clock: Arc::new(crate::store::now_ms),
            events: settings.events.clone(),
        })
    }

    /// Measures reminders and deadlines on `clock` (unix milliseconds) instead of the shared
    /// clock (the database's, see [`crate::store::now_ms`]): tests move time forward with it.
    pub fn with_wall_clock(mut self, clock: WallClock) -> Self {
        self.wall_clock = clock;
        self
    }

    /// Where `/healthz` and `/metrics` are served (the port chosen when `HTTP_ADDR` asked for 0).
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.ops_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// The interaction handlers' state.
    pub fn bridge(&self) -> Arc<Bridge> {
        self.bridge.clone()
    }

    /// The shared services, built once: tests run a watcher of their own on them.
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// Where the interactions endpoint is served, when `INTERACTIONS_ADDR` is set.
    pub fn interactions_addr(&self) -> Option<SocketAddr> {
        match &self.front {
            Front::Endpoint(listener, ..) => listener.as_ref().and_then(|l| l.local_addr().ok()),
            Front::Gateway(_) => None,
        }
    }

    /// Whether the gateway connection is up, as it changes.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// Runs until `shutdown` completes (or the gateway fails for good, or another process takes
    /// the database over), then stops in order: new clicks are turned away, decisions in flight
    /// finish, the poller and the gateway stop, the interactions endpoint stops, the database
    /// lease is given up, the database closes, and health and metrics stop last. Nothing polls
    /// or posts before this process holds its lease (see [`crate::lease`]): a second bridge on
    /// the same database waits here. With the interactions endpoint, every replica serves clicks
    /// and commands while it waits.
    pub async fn run_until_stopped(mut self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        let lifecycle = self.services.lifecycle().clone();
        let (ops_stop, endpoint_stop) = (lifecycle.listener(), lifecycle.listener());
        let ops_server = self.serve_ops(ops_stop.clone());
        tokio::pin!(shutdown);
        // From before the first click until the stop: this replica's claims are its own.
        let owner = self.services.claims().owner().to_owned();
        if let Err(err) = self.lease.beat(&owner).await {
            warn!(error = %err, "this replica's heartbeat could not be written; trying again");
        }
        let endpoint = self.serve_endpoint(endpoint_stop.clone()).await?;
        let held = tokio::select! {
            () = self.lease.acquire() => true,
            () = &mut shutdown => false,
            () = self.lease.keep_beating(&owner) => false,
        };
        let ended = if held {
            self.run_holding_the_lease(shutdown, &owner).await
        } else {
            self.drain().await;
            Ok(())
        };
        endpoint_stop.cancel();
        finish(endpoint).await;
        self.lease.stop_beating(&owner).await;
        self.services.store().close().await;
        ops_stop.cancel();
        finish(ops_server).await;
        lifecycle.end();
        info!("stopped");
        ended
    }

    async fn run_holding_the_lease(
        &mut self,
        shutdown: impl Future<Output = ()>,
        owner: &str,
    ) -> anyhow::Result<()> {
        let routes = self.services.routes().load().await.context("reading the routes")?;
        if self.services.routes().default_channel().is_none() && routes == 0 {
            warn!(
                "no channel to post cards in: set APPROVAL_CHANNEL_ID, or route workflows with /approvals watch"
            );
        }
        let Some(poll_requests) = self.poll_requests.take() else {
            anyhow::bail!("the bridge was already run once")
        };
        let watcher = Watcher::new(self.services.watcher())
            .with_full_sweep(self.full_sweep)
            .with_idle_interval(self.poll_idle_interval)
            .with_wall_clock(self.wall_clock.clone());
        let watcher = watcher.run(self.poll_interval, poll_requests, self.services.lifecycle().token());
        let mut watcher = tokio::spawn(watcher);
        // Events are delivered by the lease holder alone, in a task of their own: a receiver
        // that hangs never holds up the watcher or a click.
        let deliverer = match &self.events {
            Some(events) => {
                let bridge = &self.bridge;
                let deliverer = Deliverer::new(bridge.store.clone(), events, bridge.metrics.clone())
                    .context("building the events client")?;
                Some(tokio::spawn(deliverer.run(bridge.lifecycle.token())))
            }
            None => None,
        };
        let (front, lease, bridge) = (&mut self.front, &self.lease, &self.bridge);
        let shard_manager = match front {
            Front::Gateway(client) => Some(client.shard_manager.clone()),
            Front::Endpoint(..) => None,
        };
        let front = async {
            match front {
                Front::Gateway(client) => {
                    client.start().await.context("the Discord gateway connection failed")
                }
                Front::Endpoint(..) => {
                    // No gateway connection tells the holder to register: it does so on taking over.
                    discord::handler::register_commands(bridge).await;
                    std::future::pending().await
                }
            }
        };
        let (mut ended, watcher_ended) = tokio::select! {
            ended = front => (ended, false),
            lost = lease.keep() => (Err(lost.into()), false),
            () = lease.keep_beating(owner) => (Ok(()), false),
            () = shutdown => (Ok(()), false),
            // The watcher only ends at shutdown: ending before is a panic, and the process ends
            // with it rather than serve clicks while no card is posted or kept up to date.
            stopped = &mut watcher => (Err(watcher_end(stopped)), true),
        };
        info!("shutting down");
        self.drain().await;
        if !watcher_ended {
            if let Err(panicked) = watcher.await {
                ended = ended.and(Err(watcher_end(Err(panicked))));
            }
        }
        if let Some(deliverer) = deliverer {
            if let Err(panicked) = deliverer.await {
                ended = ended.and(Err(anyhow::anyhow!("the event delivery panicked: {panicked}")));
            }
        }
        if let Some(shard_manager) = shard_manager {
            shard_manager.shutdown_all().await;
        }
        self.lease.release().await;
        ended
    }

    /// Turns new work away and lets decisions in flight finish.
    async fn drain(&self) {
        if !self.services.lifecycle().drain(SHUTDOWN_GRACE).await {
            warn!("decisions still running after {SHUTDOWN_GRACE:?}; they resume at the next start");
        }
    }

    /// Starts serving the interactions endpoint when there is one, with the routes loaded first,
    /// until `stop` is cancelled.
    async fn serve_endpoint(&mut self, stop: CancellationToken) -> anyhow::Result<Option<JoinHandle<()>>> {
        let Front::Endpoint(listener, state, limits) = &mut self.front else { return Ok(None) };
        let Some(listener) = listener.take() else { return Ok(None) };
        self.services.routes().load().await.context("reading the routes")?;
        info!(addr = ?listener.local_addr().ok(), "serving the interactions endpoint");
        let limits = limits.clone();
        let router = discord::endpoint::router((**state).clone());
        let refusals = state.refusals.clone();
        let server = ops::http::serve_with_limits(listener, router, limits, refusals, stop);
        Ok(Some(tokio::spawn(server)))
    }

    /// Starts serving `/healthz` and `/metrics` if a listener was opened, until `stop` is
    /// cancelled.
    fn serve_ops(&mut self, stop: CancellationToken) -> Option<JoinHandle<()>> {
        let shards = match &self.front {
            Front::Gateway(client) => Some(client.shard_manager.clone()),
            Front::Endpoint(..) => None,
        };
        self.ops_listener.take().map(|listener| {
            let state = ops::http::OpsState {
                store: self.services.store().clone(),
                metrics: self.services.metrics().clone(),
                polls: self.services.polls().clone(),
                shutdown: self.services.lifecycle().token(),
                connected: self.connected.clone(),
                shards,
                started_ms: crate::store::now_ms(),
                // The longest wait between two passes: health must not call an idle bridge stale.
                poll_interval: self.poll_idle_interval,
                standby: self.lease.standby(),
            };
            tokio::spawn(ops::http::serve(listener, state, stop))
        })
    }
}

/// Waits for a listener's task to end, if it was started.
async fn finish(task: Option<JoinHandle<()>>) {
    if let Some(task) = task {
        let _ = task.await;
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
    settings.budget = (access.requests_per_minute > 0)
        .then(|| Budget::new(BudgetSettings::per_minute(access.requests_per_minute)));
    settings
}

/// A listener (`HTTP_ADDR`, `INTERACTIONS_ADDR`) could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{setting} {addr} could not be bound ({source}): choose a free address and port, or unset {setting}")]
pub struct BindError {
    /// The setting that asked for the address.
    pub setting: &'static str,
    /// The address asked for.
    pub addr: SocketAddr,
    /// Why it failed.
    #[source]
    pub source: std::io::Error,
}

/// Opens the listener `setting` asks for on `addr`.
async fn bind(setting: &'static str, addr: SocketAddr) -> Result<TcpListener, BindError> {
    TcpListener::bind(addr).await.map_err(|source| BindError { setting, addr, source })
}
