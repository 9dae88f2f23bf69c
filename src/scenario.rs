//! The Scenario REST API: a client with retries and typed errors. The wire types it parses into
//! are the domain's ([`crate::approvals::wire`]).
//!
//! Everything the bridge asks of Scenario goes through [`ScenarioClient`], and every request of
//! a process through its one [`Budget`], decisions first: list workflow runs,
//! read one, approve or reject a gate, fetch fresh asset URLs, list workflows by name (cached
//! for autocomplete in [`WorkflowCatalog`]).

mod assets;
mod budget;
mod catalog;
mod client;
mod error;
mod jobs;
mod retry;
mod settings;
mod workflows;

pub use budget::{
    Alarm, Budget, BudgetClock, BudgetSettings, BudgetUsage, Class, ManualClock, POLLING_EVERY, Permit,
    TokioClock,
};
pub use catalog::{CATALOG_TTL, WorkflowCatalog};
pub use client::ScenarioClient;
pub use error::{EXCERPT_CHARS, ScenarioError};
pub use jobs::{JobListing, JobPage, JobPages, JobQuery, UnreadableItem};
pub use retry::{RetryPolicy, is_retryable_status, server_delay};
pub use settings::{DEFAULT_BASE_URL, ScenarioSettings};
// The wire types live in the domain, which reads them; they are named here too, beside the
// client that parses them.
pub use crate::approvals::{
    enums::{AssetKind, InputType, JobStatus, JobType, NodeStatus, NodeType, WorkflowStatus},
    wire::{
        Asset, AssetMetadata, AssetProperties, Job, JobMetadata, Node, NodeAsset, NodeInput, StatusChange,
        Workflow, WorkflowSummary,
    },
};
