//! What the interaction handlers share: the store, the two API clients, and the bridge's parts
//! that each own one concern: the routes ([`crate::routes`]), the card writer
//! ([`crate::cards::publish::CardWriter`]), the watcher's handle ([`crate::polls`]) and the lifecycle
//! ([`crate::lifecycle`]). Steps that need only a part take only that part. The services are
//! built once, in `crate::app::Services`, which hands the watcher the parts it uses.

use std::sync::Arc;

use serenity::http::Http;

use crate::{
    cards::publish::CardWriter,
    decisions::LiveClaims,
    discord::full_size::limit::FullSizeLimit,
    guild::home::HomeServer,
    lifecycle::Lifecycle,
    metrics::Metrics,
    polls::Polls,
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
    /// Discord's REST API: the one client every handler answers and calls through.
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
    /// Shutdown's tree and the work it waits for.
    pub lifecycle: Arc<Lifecycle>,
    /// Who asked for full-size links lately.
    pub full_size: FullSizeLimit,
    /// Bytes one message may upload in the home server (`CARD_UPLOAD_BUDGET_MIB`): what an
    /// export's file may weigh.
    pub upload_limit: u64,
}
