//! What a review card shows of a gate, captured when the gate is found.
//!
//! It is stored with the approval, so the card can be rendered again (after a decision, on a
//! repost) without asking Scenario; only the asset URLs, which expire, are refreshed.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::wire::Asset;
use super::{
    detect::Gate,
    ids::{AssetId, NodeId},
    people::StartedBy,
    selection::Choice,
};

/// The content of a review card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewSnapshot {
    /// The workflow's name (its id when the name could not be read).
    pub workflow_name: String,
    /// When the run started, unix seconds.
    pub run_started_at: Option<i64>,
    /// The ForEach iteration, zero-based, when the gate is inside one.
    pub iteration: Option<u32>,
    /// The assets made by the nodes the gate depends on, in flow order.
    pub assets: Vec<ShownAsset>,
    /// The prompt-like inputs of those nodes.
    pub prompts: Vec<ShownPrompt>,
    /// For a selection gate, what may be picked (its asset candidates are `assets`, in order).
    /// Absent from the snapshots of approval gates, and of rows stored before selection gates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Choice>,
    /// Who started the run; `None` when its job did not say (and in rows stored before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<StartedBy>,
}

/// One asset of a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownAsset {
    /// The asset's id.
    pub asset_id: AssetId,
    /// A signed URL, valid for a limited time.
    pub url: String,
    /// Scenario's kind (`image`, `video`, `3d`, …) when known.
    pub kind: Option<String>,
    /// The node that made it.
    pub node_id: NodeId,
}

/// One prompt of a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShownPrompt {
    /// The node whose input it is.
    pub node_id: NodeId,
    /// The input's label or name.
    pub label: String,
    /// The text.
    pub value: String,
}

impl ReviewSnapshot {
    /// What the card of `gate` shows, in a run started by `started_by`. `fresh` holds the assets as `GET /assets` just returned
    /// them (kind and a new signed URL); an asset missing there keeps the URL of the run, with
    /// its kind guessed from the URL's file extension.
    pub fn new(
        gate: &Gate,
        workflow_name: String,
        (run_started_at, started_by): (Option<i64>, Option<StartedBy>),
        fresh: &[Asset],
    ) -> Self {
        let fresh: HashMap<&AssetId, &Asset> = fresh.iter().map(|a| (&a.id, a)).collect();
        let assets = gate
            .assets
            .iter()
            .map(|shown| {
                let known = fresh.get(&shown.asset_id);
                let url = known
                    .map(|a| a.url.clone())
                    .filter(|u| !u.is_empty())
                    .unwrap_or_else(|| shown.url.clone());
                let kind = known
                    .and_then(|a| a.kind.as_ref().map(|k| k.as_str().to_owned()))
                    .or_else(|| kind_from_url(&url).map(str::to_owned));
                ShownAsset { asset_id: shown.asset_id.clone(), url, kind, node_id: shown.node_id.clone() }
            })
            .collect();
        let prompts = gate
            .prompts
            .iter()
            .map(|p| ShownPrompt {
                node_id: p.node_id.clone(),
                label: p.label.clone().unwrap_or_else(|| p.name.clone()),
                value: p.value.clone(),
            })
            .collect();
        let selection = gate.selection.clone();
        Self {
            workflow_name,
            run_started_at,
            iteration: gate.iteration,
            assets,
            prompts,
            selection,
            started_by,
        }
    }
}

/// Scenario's asset kind for a URL whose path ends in a well-known file extension.
fn kind_from_url(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next()?;
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    let kind = match extension.as_str() {
        "png" | "jpg" | "jpeg" | "webp" | "gif" | "avif" => "image",
        "exr" | "hdr" => "image-hdr",
        "mp4" | "webm" | "mov" => "video",
        "mp3" | "wav" | "ogg" | "flac" => "audio",
        "glb" | "gltf" | "obj" | "fbx" | "usdz" | "ply" => "3d",
        "pdf" => "document",
        "json" => "json",
        "txt" | "md" => "text",
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        approvals::detect::{GateAsset, GatePrompt},
        approvals::enums::NodeStatus,
    };

    fn gate() -> Gate {
        let asset =
            |id: &str, url: &str| GateAsset { asset_id: id.into(), url: url.into(), node_id: "gen".into() };
        Gate {
            workflow_id: "wflow_1".into(),
            job_id: "job_1".into(),
            node_id: "gate".into(),
            node_status: NodeStatus::Pending,
            iteration: Some(1),
            loop_node_id: None,
            assets: vec![
                asset("asset_a", "https://cdn/a.png?sig=old"),
                asset("asset_b", "https://cdn/b.MP4?x=1"),
            ],
            prompts: vec![GatePrompt {
                node_id: "gen".into(),
                name: "prompt".into(),
                label: None,
                value: "a red fox".into(),
            }],
            selection: None,
        }
    }

    #[test]
    fn fresh_assets_give_their_kind_and_new_url() {
        let fresh: Asset = serde_json::from_value(serde_json::json!({
            "id": "asset_a", "kind": "image", "url": "https://cdn/a.png?sig=new"
        }))
        .unwrap();
        let snapshot = ReviewSnapshot::new(&gate(), "Fox".into(), (Some(5), None), &[fresh]);
        assert_eq!(snapshot.assets[0].url, "https://cdn/a.png?sig=new");
        assert_eq!(snapshot.assets[0].kind.as_deref(), Some("image"));
        assert_eq!(snapshot.iteration, Some(1));
        assert_eq!(snapshot.prompts[0].label, "prompt", "the name stands in for a missing label");
    }

    #[test]
    fn assets_missing_from_the_refresh_keep_their_url_and_a_guessed_kind() {
        let snapshot = ReviewSnapshot::new(&gate(), "Fox".into(), (None, Some(StartedBy::ApiKey)), &[]);
        assert_eq!(snapshot.assets[1].url, "https://cdn/b.MP4?x=1");
        assert_eq!(snapshot.assets[1].kind.as_deref(), Some("video"));
        assert_eq!(kind_from_url("https://cdn/file"), None);
        assert_eq!(kind_from_url("https://cdn/model.glb#x"), Some("3d"));
    }
}
