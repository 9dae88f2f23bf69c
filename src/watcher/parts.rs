//! What the watcher uses of a running bridge, and nothing else. [`crate::app::Services`] hands
//! it the same services it hands the interaction handlers, so both share one store, one set of
//! claims and one card writer.

use std::sync::Arc;

use serenity::http::Http;

use crate::{
    cards::publish::CardWriter, decisions::LiveClaims, metrics::Metrics, polls::Polls, routes::Routes,
    scenario::ScenarioClient, store::Store,
};

/// The parts of a running bridge that the watcher's passes read and write.
#[derive(Clone)]
pub struct WatcherParts {
    /// The database.
    pub store: Store,
    /// The Scenario API.
    pub scenario: ScenarioClient,
    /// Discord's REST API: reminders and deadline pings reply to cards.
    pub discord: Arc<Http>,
    /// Counts gates found and the decisions the watcher sends.
    pub metrics: Metrics,
    /// The claims of the decisions running in this process, which the watcher leaves alone.
    pub claims: Arc<LiveClaims>,
    /// Posts and edits the review cards.
    pub cards: Arc<CardWriter>,
    /// The watcher's handle, where it reports how passes go.
    pub polls: Arc<Polls>,
    /// Where gates go and who decides them.
    pub routes: Arc<Routes>,
}
