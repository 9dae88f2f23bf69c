//! Assets: fresh signed URLs for what a gate shows.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};
use tracing::instrument;

use super::client::{Call, ScenarioClient, field};
use super::error::ScenarioError;
use super::jobs::parse_each;
use crate::approvals::{ids::AssetId, wire::Asset};

/// Ids per `POST /assets/get-bulk` request. The SDK documents a limit of 200; 100 keeps answers
/// small (an asset record is a few KB).
pub const BULK_CHUNK: usize = 100;

const GET_ASSET: &str = "GET /assets/{assetId}";
const GET_BULK: &str = "POST /assets/get-bulk";

impl ScenarioClient {
    /// Reads one asset, with a fresh signed URL.
    #[instrument(name = "scenario.asset", skip_all, fields(asset_id = %asset_id))]
    pub async fn asset(&self, asset_id: &AssetId) -> Result<Asset, ScenarioError> {
        let mut body = self
            .execute(Call {
                endpoint: GET_ASSET,
                method: Method::GET,
                path: vec!["assets", asset_id.as_str()],
                query: Vec::new(),
                body: None,
                not_found: format!("asset {asset_id}"),
            })
            .await?;
        field(GET_ASSET, &mut body, "asset")
    }

    /// Reads many assets, with fresh signed URLs, `BULK_CHUNK` ids per request (duplicates are
    /// asked once). Ids Scenario does not return (deleted assets) are simply absent; records that
    /// cannot be read are logged and skipped.
    #[instrument(name = "scenario.assets", skip_all, fields(ids = asset_ids.len()))]
    pub async fn assets(&self, asset_ids: &[AssetId]) -> Result<Vec<Asset>, ScenarioError> {
        let mut seen = HashSet::new();
        let unique: Vec<&AssetId> = asset_ids.iter().filter(|id| seen.insert(*id)).collect();
        let mut assets = Vec::with_capacity(unique.len());
        for chunk in unique.chunks(BULK_CHUNK) {
            let mut body = self
                .execute(Call {
                    endpoint: GET_BULK,
                    method: Method::POST,
                    path: vec!["assets", "get-bulk"],
                    query: Vec::new(),
                    body: Some(json!({ "assetIds": chunk })),
                    not_found: "assets".into(),
                })
                .await?;
            let items: Vec<Value> = field(GET_BULK, &mut body, "assets")?;
            let (parsed, _skipped) = parse_each::<Asset>(items, "id", "asset");
            assets.extend(parsed);
        }
        Ok(assets)
    }
}
