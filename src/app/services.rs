//! The shared services of one bridge, each built once, and the parts of the bridge they are
//! handed to: the interaction handlers ([`Bridge`]) and the watcher ([`WatcherParts`]). Both see
//! the same store, clients, claims, card writer, routes and watcher handle, so a click and a
//! pass act on one state.

use std::sync::Arc;

use serenity::http::Http;
use tokio::sync::mpsc;

use crate::{
    cards::{previews::Previews, publish::CardWriter},
    config::DiscordSettings,
    decisions::LiveClaims,
    discord::{bridge::Bridge, full_size::limit::FullSizeLimit},
    guild::home::HomeServer,
    lifecycle::Lifecycle,
    metrics::Metrics,
    polls::{PollRequest, Polls},
    routes::Routes,
    scenario::{Class, ScenarioClient, WorkflowCatalog},
    store::Store,
    watcher::WatcherParts,
};

/// Every service the bridge's parts share.
pub struct Services {
    store: Store,
    scenario: ScenarioClient,
    discord: Arc<Http>,
    metrics: Metrics,
    home: Arc<HomeServer>,
    claims: Arc<LiveClaims>,
    cards: Arc<CardWriter>,
    polls: Arc<Polls>,
    routes: Arc<Routes>,
    lifecycle: Arc<Lifecycle>,
    upload_limit: u64,
}

impl Services {
    /// Builds the services for the server `home`, reaching Discord through `discord` (the one
    /// REST client of the bridge) and Scenario through `scenario`; the watcher serves the
    /// returned receiver's poll requests.
    pub fn build(
        store: Store,
        scenario: ScenarioClient,
        discord: Arc<Http>,
        settings: &DiscordSettings,
        home: HomeServer,
    ) -> (Self, mpsc::Receiver<PollRequest>) {
        // One registry per bridge, the Scenario client's: see `crate::metrics`.
        let metrics = scenario.metrics().clone();
        let (polls, requests) = Polls::new(metrics.clone());
        let routes = Arc::new(Routes::new(store.clone(), settings));
        let home = Arc::new(home);
        let claims = Arc::new(LiveClaims::default());
        let previews = Previews::new(settings.card_upload_budget, settings.preview_hosts.clone());
        let cards = CardWriter::new(
            store.clone(),
            discord.clone(),
            scenario.clone(),
            routes.clone(),
            home.clone(),
            previews,
        )
        .for_replica(claims.owner());
        let services = Self {
            store,
            scenario,
            discord,
            metrics,
            home,
            claims,
            cards: Arc::new(cards),
            polls: Arc::new(polls),
            routes,
            lifecycle: Arc::new(Lifecycle::default()),
            upload_limit: settings.card_upload_budget,
        };
        (services, requests)
    }

    /// The interaction handlers' state.
    pub fn bridge(&self) -> Bridge {
        Bridge {
            store: self.store.clone(),
            scenario: self.scenario.clone(),
            discord: self.discord.clone(),
            workflows: WorkflowCatalog::default(),
            metrics: self.metrics.clone(),
            home: self.home.clone(),
            claims: self.claims.clone(),
            cards: self.cards.clone(),
            polls: self.polls.clone(),
            routes: self.routes.clone(),
            lifecycle: self.lifecycle.clone(),
            full_size: FullSizeLimit::default(),
            upload_limit: self.upload_limit,
        }
    }

    /// What the watcher uses.
    pub fn watcher(&self) -> WatcherParts {
        WatcherParts {
            store: self.store.clone(),
            // Passes are polling: they give way to decisions and to what people wait for.
            scenario: self.scenario.with_class(Class::Polling),
            discord: self.discord.clone(),
            metrics: self.metrics.clone(),
            claims: self.claims.clone(),
            cards: self.cards.clone(),
            polls: self.polls.clone(),
            routes: self.routes.clone(),
        }
    }

    /// Shutdown's tree and the work it waits for.
    pub fn lifecycle(&self) -> &Arc<Lifecycle> {
        &self.lifecycle
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The bridge's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The watcher's handle.
    pub fn polls(&self) -> &Arc<Polls> {
        &self.polls
    }

    /// The routes.
    pub fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }

    /// The claims of this process, whose owner names the replica.
    pub fn claims(&self) -> &Arc<LiveClaims> {
        &self.claims
    }
}
