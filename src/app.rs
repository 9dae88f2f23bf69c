//! Wires the pieces together and runs them until shutdown.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use anyhow::Context as _;
use secrecy::ExposeSecret;
use serenity::Client;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::{
    bridge::{Bridge, PollRequest},
    config::{ScenarioAccess, Settings},
    decisions,
    discord::{self, publish::sync_card},
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
    poll_requests: mpsc::Receiver<PollRequest>,
    connected: watch::Receiver<bool>,
}

impl App {
    /// Opens the database, builds both API clients, and asks Discord for its gateway.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database_url)
            .await
            .with_context(|| format!("opening the database at {}", settings.database_url))?;
        let scenario = ScenarioClient::new(scenario_settings(&settings.scenario))?;
        let slot = Arc::new(OnceLock::new());
        let (connected_tx, connected) = watch::channel(false);
        let http = discord::client::http(&settings.discord);
        let client = discord::client::gateway(http, slot.clone(), &settings.discord, connected_tx)
            .await
            .context("connecting to Discord")?;
        let (bridge, poll_requests) = Bridge::new(store, scenario, client.http.clone(), &settings.discord);
        let bridge = Arc::new(bridge);
        // Set before the client starts, so no interaction can arrive first.
        let _ = slot.set(bridge.clone());
        Ok(Self { client, bridge, poll_interval: settings.poll_interval, poll_requests, connected })
    }

    /// The shared state, for tests and for the health endpoint.
    pub fn bridge(&self) -> Arc<Bridge> {
        self.bridge.clone()
    }

    /// Whether the gateway connection is up, as it changes.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }

    /// Runs until `shutdown` completes (or the gateway fails for good), then stops in order:
    /// new clicks are turned away, decisions in flight finish, the poller and the gateway stop,
    /// the database closes.
    pub async fn run_until_stopped(mut self, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        finish_interrupted_decisions(&self.bridge).await?;
        if !self.bridge.has_default_channel() {
            warn!(
                "no channel to post cards in: set APPROVAL_CHANNEL_ID, or route workflows with /approvals watch"
            );
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let watcher = Watcher::new(self.bridge.clone()).run(self.poll_interval, self.poll_requests, stop_rx);
        let watcher = tokio::spawn(watcher);
        let shard_manager = self.client.shard_manager.clone();
        let ended = tokio::select! {
            ended = self.client.start() => ended.context("the Discord gateway connection failed"),
            () = shutdown => Ok(()),
        };
        info!("shutting down");
        if !self.bridge.drain(SHUTDOWN_GRACE).await {
            warn!("decisions still running after {SHUTDOWN_GRACE:?}; they resume at the next start");
        }
        let _ = stop_tx.send(true);
        let _ = watcher.await;
        shard_manager.shutdown_all().await;
        self.bridge.store.close().await;
        info!("stopped");
        ended
    }
}

/// The Scenario client's settings, from the bridge's.
pub fn scenario_settings(access: &ScenarioAccess) -> ScenarioSettings {
    let mut settings = ScenarioSettings::new(
        access.base_url.clone(),
        access.api_key.expose_secret(),
        access.api_secret.clone(),
    );
    settings.project_id = access.project_id.clone();
    settings
}

/// Completes the decisions a crash interrupted (rows left `deciding`): each is sent if the gate
/// still waits, or follows what Scenario shows, and its card is brought up to date.
async fn finish_interrupted_decisions(bridge: &Bridge) -> anyhow::Result<()> {
    for claimed in bridge.store.deciding_approvals().await? {
        info!(approval_id = claimed.id, job_id = %claimed.job_id, "finishing a decision interrupted by a stop");
        // `resume`, not `complete`: the PUT may have gone out before the stop (see its comment).
        let outcome = decisions::resume(bridge, claimed).await?;
        let now = outcome.approval();
        if let Err(err) = sync_card(bridge, now).await {
            warn!(approval_id = now.id, error = %err, "card not updated yet; the watcher retries");
        }
    }
    Ok(())
}
