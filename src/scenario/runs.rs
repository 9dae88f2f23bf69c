//! Runs started by the bridge: a dry run's cost, one start, and the runs of a workflow that
//! changed since a moment (to find a run whose start answer was lost).
//!
//! A start is not idempotent (each accepted PUT is a new, billed job), so it goes through
//! [`ScenarioClient::execute_once`]: repeated only after a 429, which Scenario answers without
//! acting, and spent as [`super::Class::Decision`]: it is a reviewer's decision about the gate it
//! replaces, sent once, like the PUT that rejects that gate. The dry run starts nothing and is
//! repeated as any read is, in the handle's own class (a person waits for it).

use reqwest::Method;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use tracing::instrument;

use super::client::{Call, ScenarioClient, field, malformed};
use super::error::ScenarioError;
use super::jobs::JobQuery;
use crate::approvals::{ids::WorkflowId, wire::Job};

const RUN_WORKFLOW: &str = "PUT /workflows/{workflowId}/run";

/// The names Scenario's guides and SDKs give a dry run's cost, most likely first: the exact body
/// is not documented, so it is read leniently.
const COST_FIELDS: [&str; 3] = ["creativeUnitsCost", "cost", "creativeUnits"];

impl ScenarioClient {
    /// What one run of `workflow_id` with `inputs` would cost, in creative units: `PUT
    /// /workflows/{id}/run?dryRun=true` (HTTP 269), which starts nothing. Refusals (an unknown
    /// input, a workflow not ready) come back as [`ScenarioError::Rejected`].
    #[instrument(name = "scenario.run_cost", skip_all, fields(workflow_id = %workflow_id))]
    pub async fn run_cost(
        &self,
        workflow_id: &WorkflowId,
        inputs: &Map<String, Value>,
    ) -> Result<f64, ScenarioError> {
        let body = self
            .execute(Call {
                endpoint: RUN_WORKFLOW,
                method: Method::PUT,
                path: vec!["workflows", workflow_id.as_str(), "run"],
                query: vec![("dryRun", "true".to_owned())],
                body: Some(Value::Object(inputs.clone())),
                not_found: format!("workflow {workflow_id}"),
            })
            .await?;
        cost_of(&body).ok_or_else(|| malformed(RUN_WORKFLOW, "no cost in the dry run's answer".into(), &body))
    }

    /// Starts one run of `workflow_id` with `inputs`: `PUT /workflows/{id}/run`. Returns the new
    /// job. Sent once: after a lost answer (timeout, dropped connection, 5xx) the run may have
    /// started, and the caller looks for it ([`Self::runs_since`]) rather than sending again.
    #[instrument(name = "scenario.start_run", skip_all, fields(workflow_id = %workflow_id))]
    pub async fn start_run(
        &self,
        workflow_id: &WorkflowId,
        inputs: &Map<String, Value>,
    ) -> Result<Job, ScenarioError> {
        let mut body = self
            .execute_once(Call {
                endpoint: RUN_WORKFLOW,
                method: Method::PUT,
                path: vec!["workflows", workflow_id.as_str(), "run"],
                query: Vec::new(),
                body: Some(Value::Object(inputs.clone())),
                not_found: format!("workflow {workflow_id}"),
            })
            .await?;
        field(RUN_WORKFLOW, &mut body, "job")
    }

    /// The runs of `workflow_id` that changed after `since` (a run created then changed then):
    /// `GET /jobs?workflowId=…&updatedAfter=…`, every page. The API takes `createdAfter` only
    /// without `workflowId`, so the caller compares each run's `createdAt` itself.
    pub async fn runs_since(
        &self,
        workflow_id: &WorkflowId,
        since: OffsetDateTime,
    ) -> Result<Vec<Job>, ScenarioError> {
        let query = JobQuery::workflow_runs_updated_after(since).with_workflow(workflow_id.clone());
        Ok(self.list_jobs(&query).await?.jobs)
    }
}

/// A dry run's cost from its answer: the first number among [`COST_FIELDS`], at the top or
/// under `job` or `workflow`.
fn cost_of(body: &Value) -> Option<f64> {
    let places = [Some(body), body.get("job"), body.get("workflow")];
    places
        .into_iter()
        .flatten()
        .find_map(|place| COST_FIELDS.iter().find_map(|name| place.get(*name)?.as_f64()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::cost_of;

    #[test]
    fn a_dry_runs_cost_is_read_under_any_of_its_likely_names() {
        assert_eq!(cost_of(&json!({ "creativeUnitsCost": 12 })), Some(12.0));
        assert_eq!(cost_of(&json!({ "cost": 2.5 })), Some(2.5));
        assert_eq!(cost_of(&json!({ "job": { "creativeUnitsCost": 7 } })), Some(7.0));
        assert_eq!(cost_of(&json!({ "creativeUnitsCost": "12" })), None);
        assert_eq!(cost_of(&json!({})), None);
    }
}
