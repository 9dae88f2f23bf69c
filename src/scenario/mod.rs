//! The Scenario REST API: a client with retries and typed errors, and the wire types it reads.
//!
//! Everything the bridge asks of Scenario goes through [`ScenarioClient`]: list workflow runs,
//! read one, approve or reject a gate, fetch fresh asset URLs, list workflows by name (cached
//! for autocomplete in [`WorkflowCatalog`]).

mod assets;
mod catalog;
mod client;
mod enums;
mod error;
mod jobs;
mod lenient;
mod retry;
mod settings;
mod types;
mod workflows;

pub use catalog::{CATALOG_TTL, WorkflowCatalog};
pub use client::ScenarioClient;
pub use enums::{AssetKind, InputType, JobStatus, JobType, NodeStatus, NodeType, WorkflowStatus};
pub use error::{EXCERPT_CHARS, ScenarioError};
pub use jobs::{JobListing, JobPage, JobPages, JobQuery, UnreadableItem};
pub use retry::{RetryPolicy, is_retryable_status, server_delay};
pub use settings::{DEFAULT_BASE_URL, ScenarioSettings};
pub use types::{
    Asset, AssetMetadata, AssetProperties, Job, JobMetadata, Node, NodeAsset, NodeInput, StatusChange,
    Workflow, WorkflowSummary,
};
