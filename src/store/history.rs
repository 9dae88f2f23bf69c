//! Recent decisions, read from the audit trail for `/approvals history`, with the chain of
//! re-runs: the run a gate's re-run started, and the run a re-run follows.

use serenity::all::UserId;

use super::{Reviewer, Snowflake, Store, StoreError};
use crate::approvals::ids::{JobId, NodeId, WorkflowId};

/// A decision as the audit trail recorded it: by a reviewer through a card, or seen in Scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastDecision {
    /// When, unix milliseconds.
    pub at: i64,
    /// The reviewer; `None` when the gate was decided in Scenario's web app.
    pub by: Option<Reviewer>,
    /// The state reached: `approved`, `rejected` or `decided_elsewhere`.
    pub outcome: String,
    /// The reviewer's reason.
    pub reason: Option<String>,
    /// What the bridge saw (for decisions made elsewhere: "Approved in Scenario").
    pub detail: Option<String>,
    /// The workflow.
    pub workflow_id: WorkflowId,
    /// Its name, as the card showed it.
    pub workflow_name: String,
    /// The run.
    pub job_id: JobId,
    /// The gate.
    pub node_id: NodeId,
    /// For a selection gate a reviewer picked: the picks sent (zero-based, in pick order).
    pub picks: Option<Vec<u32>>,
    /// The run a re-run asked from this gate started.
    pub rerun: Option<JobId>,
    /// When this run is a re-run: its round, and the run it re-runs.
    pub follows: Option<(u32, JobId)>,
}

/// What to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only this workflow.
    pub workflow_id: Option<WorkflowId>,
    /// Only this reviewer (Discord user id).
    pub reviewer_id: Option<UserId>,
    /// At most this many, newest first.
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
struct Row {
    at: i64,
    actor_id: Option<i64>,
    actor_name: Option<String>,
    to_state: Option<String>,
    reason: Option<String>,
    detail: Option<String>,
    workflow_id: String,
    gate_json: String,
    job_id: String,
    node_id: String,
    picks: Option<String>,
    rerun_job: Option<String>,
    round: Option<i64>,
    follows_job: Option<String>,
}

impl Store {
    /// Recent decisions, newest first: reviewers' decisions, and gates seen decided in Scenario.
    pub async fn decision_history(&self, query: &HistoryQuery) -> Result<Vec<PastDecision>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT au.at, au.actor_id, au.actor_name, au.to_state, au.reason, au.detail,
                    ap.workflow_id, ap.gate_json,
                    ap.job_id, ap.node_id, CASE WHEN au.action = 'decided' THEN ap.picks END AS picks,
                    asked.new_job_id AS rerun_job, followed.round, earlier.job_id AS follows_job
             FROM audit au JOIN approvals ap ON ap.id = au.approval_id
             LEFT JOIN reruns asked ON asked.approval_id = ap.id AND asked.state = 'started'
             LEFT JOIN reruns followed ON followed.new_job_id = ap.job_id AND followed.state = 'started'
             LEFT JOIN approvals earlier ON earlier.id = followed.approval_id
             WHERE (au.action = 'decided' OR (au.action = 'settled' AND au.to_state = 'decided_elsewhere'))
               AND ($1 IS NULL OR ap.workflow_id = $1)
               AND ($2 IS NULL OR au.actor_id = $2)
             ORDER BY au.id DESC LIMIT $3",
        )
        .bind(query.workflow_id.as_ref().map(WorkflowId::as_str))
        .bind(query.reviewer_id.map(Snowflake::column))
        .bind(i64::from(query.limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(PastDecision::from).collect())
    }
}

impl From<Row> for PastDecision {
    fn from(row: Row) -> Self {
        let by = row
            .actor_id
            .map(|id| Reviewer { id: UserId::from_column(id), name: row.actor_name.unwrap_or_default() });
        Self {
            at: row.at,
            by,
            outcome: row.to_state.unwrap_or_default(),
            reason: row.reason,
            detail: row.detail,
            workflow_name: workflow_name(&row.gate_json).unwrap_or_else(|| row.workflow_id.clone()),
            workflow_id: row.workflow_id.into(),
            job_id: row.job_id.into(),
            node_id: row.node_id.into(),
            // Written by the bridge from a `Vec<u32>`; unreadable picks are left out, not fatal.
            picks: row.picks.and_then(|p| serde_json::from_str(&p).ok()),
            rerun: row.rerun_job.map(JobId::from),
            follows: row
                .follows_job
                .map(|job| (row.round.and_then(|r| u32::try_from(r).ok()).unwrap_or(2), JobId::from(job))),
        }
    }
}

/// The workflow's name in a stored card snapshot, read in Rust rather than in SQL: SQLite and
/// PostgreSQL spell JSON access differently.
fn workflow_name(gate_json: &str) -> Option<String> {
    let snapshot: serde_json::Value = serde_json::from_str(gate_json).ok()?;
    snapshot.get("workflow_name")?.as_str().map(str::to_owned)
}
