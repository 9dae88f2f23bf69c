//! What the interaction handlers share: the store, the two API clients, and the bridge's parts
//! that each own one concern: the routes ([`crate::routes`]), the card writer
//! ([`crate::cards::publish::CardWriter`]), the watcher's handle ([`crate::polls`]) and the lifecycle
//! ([`crate::lifecycle`]). Steps that need only a part take only that part; the watcher takes
//! only the parts it uses (`crate::watcher::WatcherParts`, built from these in `crate::app`).

use std::sync::Arc;

use serenity::http::Http;
use tokio::sync::mpsc;

use crate::{
    cards::{previews::Previews, publish::CardWriter},
    config::DiscordSettings,
    decisions::LiveClaims,
    discord::full_size::limit::FullSizeLimit,
    guild::home::HomeServer,
    lifecycle::Lifecycle,
    metrics::Metrics,
    polls::{PollRequest, Polls},
    routes::Routes,
    scenario::{ScenarioClient, WorkflowCatalog},
    store::Store,
};

/// The shared state of one running bridge.
pub struct Bridge {
    /// The database.
    pub store: Store,
    /// The Scenario API.
    pub scenario: ScenarioClient,
    /// Discord's REST API.
    pub discord: Arc<Http>,
    /// The team's workflows, cached for autocomplete.
    pub workflows: WorkflowCatalog,
    /// The bridge's metrics: the Scenario client's registry, so one registry holds everything.
    pub metrics: Metrics,
    /// The one server the bridge serves.
    pub home: Arc<HomeServer>,
    /// The claims of the decisions running in this process.
    pub claims: Arc<LiveClaims>,
    /// Posts and edits the review cards.
    pub cards: Arc<CardWriter>,
    /// The watcher's handle: passes on request, and how they have gone.
    pub polls: Arc<Polls>,
    /// Where gates go and who decides them; the only way to change the routes.
    pub routes: Arc<Routes>,
    /// Shutdown's signal and the work it waits for.
    pub lifecycle: Lifecycle,
    /// Who asked for full-size links lately.
    pub full_size: FullSizeLimit,
}

impl Bridge {
    /// Assembles the shared state for the server `home`; the watcher serves the returned
    /// receiver's poll requests.
    pub fn new(
        store: Store,
        scenario: ScenarioClient,
        discord: Arc<Http>,
        settings: &DiscordSettings,
        home: HomeServer,
    ) -> (Self, mpsc::Receiver<PollRequest>) {
        let (polls, requests) = Polls::new(scenario.metrics().clone());
        let routes = Arc::new(Routes::new(store.clone(), settings));
        let home = Arc::new(home);
        let previews = Previews::new(settings.card_upload_budget, settings.preview_hosts.clone());
        let writer = (routes.clone(), home.clone());
        let claims = Arc::new(LiveClaims::default());
        let cards =
            CardWriter::new(store.clone(), discord.clone(), scenario.clone(), writer.0, writer.1, previews)
                .for_replica(claims.owner());
        let bridge = Self {
            routes,
            lifecycle: Lifecycle::default(),
            full_size: FullSizeLimit::default(),
            store,
            metrics: scenario.metrics().clone(),
            scenario,
            discord,
            workflows: WorkflowCatalog::default(),
            home,
            claims,
            cards: Arc::new(cards),
            polls: Arc::new(polls),
        };
        (bridge, requests)
    }
}
