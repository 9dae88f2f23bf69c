//! Workflows: read one, its (cached) name, list them, and decide a gate.

use reqwest::Method;
use serde_json::{Value, json};
use tracing::instrument;

use super::client::{Call, ScenarioClient, field, malformed};
use super::error::ScenarioError;
use super::jobs::{UnreadableItem, parse_each};
use crate::approvals::{
    ids::{JobId, NodeId, WorkflowId},
    state::Decision,
    wire::{Job, Workflow, WorkflowSummary},
};

const GET_WORKFLOW: &str = "GET /workflows/{workflowId}";
const LIST_WORKFLOWS: &str = "GET /workflows";
const USER_APPROVAL: &str = "PUT /workflows/{workflowId}/user-approval";
const USER_SELECTION: &str = "PUT /workflows/{workflowId}/user-selection";

/// A guard against a server that keeps handing out tokens.
const MAX_PAGES: u32 = 1_000;

impl ScenarioClient {
    /// Reads one workflow (5–20 KB: prefer [`Self::workflow_name`] for its name).
    #[instrument(name = "scenario.workflow", skip_all, fields(workflow_id = %workflow_id))]
    pub async fn workflow(&self, workflow_id: &WorkflowId) -> Result<Workflow, ScenarioError> {
        let mut body = self
            .execute(Call {
                endpoint: GET_WORKFLOW,
                method: Method::GET,
                path: vec!["workflows", workflow_id.as_str()],
                query: Vec::new(),
                body: None,
                not_found: format!("workflow {workflow_id}"),
            })
            .await?;
        let workflow: Workflow = field(GET_WORKFLOW, &mut body, "workflow")?;
        self.cache_name(&workflow.id, &workflow.name);
        Ok(workflow)
    }

    /// A workflow's name, from a cache kept for `workflow_name_ttl` (names change rarely).
    pub async fn workflow_name(&self, workflow_id: &WorkflowId) -> Result<String, ScenarioError> {
        if let Some(name) = self.cached_name(workflow_id) {
            return Ok(name);
        }
        let workflow = self.workflow(workflow_id).await?;
        self.cache_name(workflow_id, &workflow.name);
        Ok(workflow.name)
    }

    /// Every workflow's id and name (for autocomplete), paged with `full=false`. Items that
    /// cannot be read are logged and skipped.
    #[instrument(name = "scenario.list_workflows", skip_all, fields(pages, workflows))]
    pub async fn list_workflows(&self) -> Result<Vec<WorkflowSummary>, ScenarioError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        for page in 1..=MAX_PAGES {
            let mut query = vec![("pageSize", "100".to_owned()), ("full", "false".to_owned())];
            if let Some(token) = &token {
                query.push(("paginationToken", token.clone()));
            }
            let mut body = self
                .execute(Call {
                    endpoint: LIST_WORKFLOWS,
                    method: Method::GET,
                    path: vec!["workflows"],
                    query,
                    body: None,
                    not_found: "workflow list".into(),
                })
                .await?;
            let items: Vec<Value> = field(LIST_WORKFLOWS, &mut body, "workflows")?;
            let (summaries, _skipped): (Vec<WorkflowSummary>, Vec<UnreadableItem>) =
                parse_each(items, "id", "workflow");
            all.extend(summaries);
            let next = body
                .get("nextPaginationToken")
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match next {
                None => {
                    tracing::Span::current().record("pages", page);
                    tracing::Span::current().record("workflows", all.len());
                    return Ok(all);
                }
                Some(next) if token.as_deref() == Some(next.as_str()) => {
                    return Err(malformed(LIST_WORKFLOWS, "the same page token twice".into(), &next.into()));
                }
                Some(next) => token = Some(next),
            }
        }
        Err(malformed(LIST_WORKFLOWS, format!("more than {MAX_PAGES} pages"), &Value::Null))
    }

    /// Approves or rejects a gate: `PUT /workflows/{workflowId}/user-approval`. Returns the job
    /// as Scenario answers it. A gate that is not waiting (already decided, run ended) comes back
    /// as [`ScenarioError::Rejected`] with the API's message: re-read the job to know the truth.
    /// It is repeated only after a 429: an attempt whose answer was lost may have been carried
    /// out, so its error comes back for the caller to read the run.
    #[instrument(name = "scenario.decide", skip_all, fields(
        workflow_id = %workflow_id, job_id = %workflow_job_id, node_id = %node_id, decision = %decision
    ))]
    pub async fn decide(
        &self,
        workflow_id: &WorkflowId,
        workflow_job_id: &JobId,
        node_id: &NodeId,
        decision: Decision,
    ) -> Result<Job, ScenarioError> {
        let mut body = self
            .execute_once(Call {
                endpoint: USER_APPROVAL,
                method: Method::PUT,
                path: vec!["workflows", workflow_id.as_str(), "user-approval"],
                query: Vec::new(),
                body: Some(json!({
                    "nodeId": node_id,
                    "workflowJobId": workflow_job_id,
                    "action": decision.as_str(),
                })),
                not_found: format!("gate {node_id} in run {workflow_job_id} of workflow {workflow_id}"),
            })
            .await?;
        field(USER_APPROVAL, &mut body, "job")
    }

    /// Decides a selection gate: `PUT /workflows/{workflowId}/user-selection`, with `picks`
    /// (zero-based candidate indices, in pick order) for `Some`, or a rejection for `None`. Sent
    /// once, like [`Self::decide`], with the same errors.
    #[instrument(name = "scenario.select", skip_all, fields(
        workflow_id = %workflow_id, job_id = %workflow_job_id, node_id = %node_id, picks = ?picks
    ))]
    pub async fn select(
        &self,
        workflow_id: &WorkflowId,
        workflow_job_id: &JobId,
        node_id: &NodeId,
        picks: Option<&[u32]>,
    ) -> Result<Job, ScenarioError> {
        let body = match picks {
            Some(picks) => json!({
                "action": "select", "nodeId": node_id, "workflowJobId": workflow_job_id, "selectedIndices": picks,
            }),
            None => json!({ "action": "reject", "nodeId": node_id, "workflowJobId": workflow_job_id }),
        };
        let mut body = self
            .execute_once(Call {
                endpoint: USER_SELECTION,
                method: Method::PUT,
                path: vec!["workflows", workflow_id.as_str(), "user-selection"],
                query: Vec::new(),
                body: Some(body),
                not_found: format!("gate {node_id} in run {workflow_job_id} of workflow {workflow_id}"),
            })
            .await?;
        field(USER_SELECTION, &mut body, "job")
    }
}
