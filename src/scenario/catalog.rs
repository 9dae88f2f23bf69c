//! The team's workflows by name, cached briefly: autocomplete asks on every keystroke, and one
//! `GET /workflows` (every page) per keystroke would hammer the API.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::Mutex;

use super::{ScenarioClient, ScenarioError, WorkflowSummary};

/// How long a fetched list is served before it is fetched again.
pub const CATALOG_TTL: Duration = Duration::from_secs(60);

/// A cached list of the team's workflows.
#[derive(Debug)]
pub struct WorkflowCatalog {
    ttl: Duration,
    // A tokio mutex held across the fetch: keystrokes arriving while the list is fetched wait
    // for that one request instead of sending their own.
    cached: Mutex<Option<(Instant, Arc<Vec<WorkflowSummary>>)>>,
}

impl WorkflowCatalog {
    /// An empty catalog whose lists live for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, cached: Mutex::new(None) }
    }

    /// Every workflow of the team, from the cache while it is fresh.
    pub async fn list(&self, client: &ScenarioClient) -> Result<Arc<Vec<WorkflowSummary>>, ScenarioError> {
        let mut cached = self.cached.lock().await;
        if let Some((at, list)) = cached.as_ref().filter(|(at, _)| at.elapsed() < self.ttl) {
            tracing::trace!(
                age_ms = u64::try_from(at.elapsed().as_millis()).unwrap_or(u64::MAX),
                "workflow list from the cache"
            );
            return Ok(list.clone());
        }
        let mut list = client.list_workflows().await?;
        list.sort_by_cached_key(|w| (w.name.to_lowercase(), w.id.clone()));
        let list = Arc::new(list);
        *cached = Some((Instant::now(), list.clone()));
        Ok(list)
    }
}

impl Default for WorkflowCatalog {
    fn default() -> Self {
        Self::new(CATALOG_TTL)
    }
}
