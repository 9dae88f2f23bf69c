//! What a review card shows of a gate, captured when the gate is found.
//!
//! It is stored with the approval, so the card can be rendered again (after a decision, on a
//! repost) without asking Scenario; only the asset URLs, which expire, are refreshed.

use serde::{Deserialize, Serialize};

use super::ids::{AssetId, NodeId};

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
