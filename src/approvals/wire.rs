//! Wire types of the Scenario API, as its JSON Schemas describe them (camelCase keys): the runs,
//! nodes and assets the domain reads, parsed once by [`crate::scenario`]'s client. Parsing is
//! forgiving: optional fields may be absent or `null`, unknown enum values are kept, extra fields
//! are ignored. Only what the bridge needs is modelled; the rest of a record is skipped.

use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::enums::{AssetKind, InputType, JobStatus, JobType, NodeStatus, NodeType, WorkflowStatus};
use super::ids::{AssetId, JobId, NodeId, WorkflowId};
use super::lenient::{
    f64_or_zero, null_as_default, nullable_string, opt_f64, opt_rfc3339, opt_string, opt_u32,
};
use super::people::StartedBy;

/// A job (`GET /jobs/{id}` → `{"job": Job}`); a workflow run is a job of type `workflow`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    /// `job_…`; for a workflow run, the `workflowJobId` of the approval endpoint.
    pub job_id: JobId,
    /// `workflow` for a workflow run.
    pub job_type: JobType,
    /// Where the job is; see [`JobStatus::is_terminal`].
    pub status: JobStatus,
    /// Between 0 and 1.
    #[serde(default, deserialize_with = "f64_or_zero")]
    pub progress: f64,
    /// The statuses the job went through, oldest first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status_history: Vec<StatusChange>,
    /// When the job was created.
    #[serde(default, deserialize_with = "opt_rfc3339")]
    pub created_at: Option<OffsetDateTime>,
    /// When the job last changed.
    #[serde(default, deserialize_with = "opt_rfc3339")]
    pub updated_at: Option<OffsetDateTime>,
    /// The user who started the job: `null` for a job started with an API key; absent (or
    /// unreadable) when unknown. See [`Job::started_by`].
    #[serde(default, deserialize_with = "nullable_string")]
    pub author_id: Option<Option<String>>,
    /// The team or project that owns the job.
    #[serde(default, deserialize_with = "opt_string")]
    pub owner_id: Option<String>,
    /// Workflow id, flow, assets, error.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: JobMetadata,
}

impl Job {
    /// Who started the job: a person, an API key, or `None` when the job does not say.
    pub fn started_by(&self) -> Option<StartedBy> {
        self.author_id.as_ref().map(|id| id.clone().map_or(StartedBy::ApiKey, StartedBy::Person))
    }
}

/// One entry of a job's `statusHistory`.
#[derive(Clone, Debug, Deserialize)]
pub struct StatusChange {
    /// When the job reached `status`.
    #[serde(default, deserialize_with = "opt_rfc3339")]
    pub date: Option<OffsetDateTime>,
    /// The status reached.
    pub status: JobStatus,
}

/// A job's `metadata`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobMetadata {
    /// The workflow this run belongs to (the `workflowId` of the approval endpoint).
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// For a job started by a workflow node: the run it belongs to.
    #[serde(default)]
    pub workflow_job_id: Option<JobId>,
    /// The run's nodes (workflow jobs only).
    #[serde(default, deserialize_with = "null_as_default")]
    pub flow: Vec<Node>,
    /// Assets the job produced.
    #[serde(default, deserialize_with = "null_as_default")]
    pub asset_ids: Vec<AssetId>,
    /// Why the job failed, if it did.
    #[serde(default, deserialize_with = "opt_string")]
    pub error: Option<String>,
    /// What to do about `error`.
    #[serde(default, deserialize_with = "opt_string")]
    pub hint: Option<String>,
    /// The job's inputs, as sent.
    #[serde(default)]
    pub input: Option<Value>,
    /// Non-asset outputs (e.g. LLM text).
    #[serde(default)]
    pub output: Option<Value>,
}

/// A node of a flow (`metadata.flow[]` of a run, `flow[]` of a workflow).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// Unique within the run; the `nodeId` of the approval endpoint.
    pub id: NodeId,
    /// What the node does; `user-approval` for a gate.
    #[serde(rename = "type")]
    pub node_type: NodeType,
    /// Where the node is. Absent in a workflow's template flow.
    #[serde(default)]
    pub status: Option<NodeStatus>,
    /// The nodes this one waits for; for a gate, the nodes whose output it gates.
    #[serde(default, deserialize_with = "null_as_default")]
    pub depends_on: Vec<NodeId>,
    /// Assets the node produced.
    #[serde(default, deserialize_with = "null_as_default")]
    pub assets: Vec<NodeAsset>,
    /// The node's own job, once started.
    #[serde(default)]
    pub job_id: Option<JobId>,
    /// The model a model node runs.
    #[serde(default, deserialize_with = "opt_string")]
    pub model_id: Option<String>,
    /// The workflow a workflow node runs.
    #[serde(default)]
    pub workflow_id: Option<WorkflowId>,
    /// The node's inputs, with their values in a run.
    #[serde(default, deserialize_with = "null_as_default")]
    pub inputs: Vec<NodeInput>,
    /// Fixed items of a list node (strings, numbers or asset ids).
    #[serde(default, deserialize_with = "null_as_default")]
    pub items: Vec<Value>,
    /// Fixed number of iterations of a ForEach node.
    #[serde(default, deserialize_with = "opt_u32")]
    pub count: Option<u32>,
    /// The body template nodes of a ForEach node (cloned per iteration, marked skipped).
    #[serde(default, deserialize_with = "null_as_default")]
    pub loop_body_node_ids: Vec<NodeId>,
    /// On a per-iteration copy: the ForEach node that made it.
    #[serde(default)]
    pub loop_node_id: Option<NodeId>,
    /// On a per-iteration copy: the zero-based iteration.
    #[serde(default, deserialize_with = "opt_u32")]
    pub iteration_index: Option<u32>,
}

/// An asset a node produced: `{assetId, url}`; the URL is signed and expires.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeAsset {
    /// The asset's id.
    pub asset_id: AssetId,
    /// A signed CDN URL that expires: refresh it through the assets endpoints before showing it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub url: String,
}

/// An input of a node (or of a workflow).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeInput {
    /// The input's name in the API.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// The input's data type.
    #[serde(rename = "type", default)]
    pub input_type: Option<InputType>,
    /// The label shown in Scenario's UI.
    #[serde(default, deserialize_with = "opt_string")]
    pub label: Option<String>,
    /// Help text.
    #[serde(default, deserialize_with = "opt_string")]
    pub description: Option<String>,
    /// Whether a string input is a prompt.
    #[serde(default)]
    pub prompt: Option<bool>,
    /// The value used in a run.
    #[serde(default)]
    pub value: Option<Value>,
    /// The least value (or, for an array input, the fewest items).
    #[serde(default, deserialize_with = "opt_f64")]
    pub min: Option<f64>,
    /// The greatest value (or, for an array input, the most items).
    #[serde(default, deserialize_with = "opt_f64")]
    pub max: Option<f64>,
}

/// A workflow (`GET /workflows/{id}` → `{"workflow": Workflow}`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Workflow {
    /// `wflow_…`.
    pub id: WorkflowId,
    /// The name people know it by.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// What it does.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// draft, ready or deleted.
    #[serde(default)]
    pub status: Option<WorkflowStatus>,
    /// The template flow (no statuses).
    #[serde(default, deserialize_with = "null_as_default")]
    pub flow: Vec<Node>,
    /// The inputs a run takes (`name`, `type`, label): what `PUT /workflows/{id}/run` is keyed by.
    #[serde(default, deserialize_with = "null_as_default")]
    pub inputs: Vec<NodeInput>,
    /// Its thumbnail, if any.
    #[serde(default)]
    pub thumbnail: Option<NodeAsset>,
    /// When it was created.
    #[serde(default, deserialize_with = "opt_rfc3339")]
    pub created_at: Option<OffsetDateTime>,
    /// When it last changed.
    #[serde(default, deserialize_with = "opt_rfc3339")]
    pub updated_at: Option<OffsetDateTime>,
}

/// A workflow as listed for autocomplete: id and name.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct WorkflowSummary {
    /// `wflow_…`.
    pub id: WorkflowId,
    /// The name people know it by.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// draft, ready or deleted.
    #[serde(default)]
    pub status: Option<WorkflowStatus>,
}

/// An asset (`GET /assets/{id}` → `{"asset": Asset}`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// `asset_…`.
    pub id: AssetId,
    /// image, video, 3d, …
    #[serde(default)]
    pub kind: Option<AssetKind>,
    /// e.g. `image/png`.
    #[serde(default, deserialize_with = "opt_string")]
    pub mime_type: Option<String>,
    /// A fresh signed CDN URL; it expires.
    #[serde(default, deserialize_with = "null_as_default")]
    pub url: String,
    /// Size and dimensions.
    #[serde(default, deserialize_with = "null_as_default")]
    pub properties: AssetProperties,
    /// How the asset was made.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: AssetMetadata,
    /// pending, success or error.
    #[serde(default, deserialize_with = "opt_string")]
    pub status: Option<String>,
    /// When it was created.
    #[serde(default, deserialize_with = "opt_rfc3339")]
    pub created_at: Option<OffsetDateTime>,
}

/// An asset's `properties`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AssetProperties {
    /// Bytes.
    #[serde(default, deserialize_with = "opt_f64")]
    pub size: Option<f64>,
    /// Pixels.
    #[serde(default, deserialize_with = "opt_f64")]
    pub width: Option<f64>,
    /// Pixels.
    #[serde(default, deserialize_with = "opt_f64")]
    pub height: Option<f64>,
}

/// An asset's `metadata` (the part the bridge shows).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMetadata {
    /// The prompt that made it.
    #[serde(default, deserialize_with = "opt_string")]
    pub prompt: Option<String>,
    /// The seed (a string or a number, depending on the model).
    #[serde(default)]
    pub seed: Option<Value>,
    /// The model that made it.
    #[serde(default, deserialize_with = "opt_string")]
    pub model_id: Option<String>,
}
