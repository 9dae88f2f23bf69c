//! Re-runs: the reviewer's form as priced (a draft per reviewer and gate), and the request,
//! recorded before its run is started, one per gate. Every step of a request is one guarded
//! `UPDATE` (the state it leaves and the claim token of the process sending it), written with its
//! audit entry, and marks the cards it changes (the gate's, and the new run's) for a new write.

use serde_json::{Map, Value};
use serenity::all::{ChannelId, MessageId, UserId};
use sqlx::AnyConnection;

use super::{
    Reviewer, Snowflake, Store, StoreError,
    audit::{self, AuditAction, NewAudit},
    now_ms,
};
use crate::approvals::{
    ids::{ApprovalId, ClaimToken, JobId, WorkflowId},
    rerun::RerunState,
};

/// A reviewer's re-run form, priced, waiting for Start or Cancel.
#[derive(Debug, Clone, PartialEq)]
pub struct RerunDraft {
    /// The whole body of the run PUT.
    pub inputs: Map<String, Value>,
    /// The inputs changed.
    pub changed: Vec<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// Creative units, from the dry run.
    pub cost: f64,
}

/// A re-run request.
#[derive(Debug, Clone, PartialEq)]
pub struct Rerun {
    /// Row id.
    pub id: i64,
    /// The gate re-run.
    pub approval_id: ApprovalId,
    /// The workflow run again.
    pub workflow_id: WorkflowId,
    /// Who pressed Start.
    pub requested_by: Reviewer,
    /// What was asked.
    pub draft: RerunDraft,
    /// Where it stands.
    pub state: RerunState,
    /// The claim of the process sending it.
    pub token: Option<ClaimToken>,
    /// When it was recorded, unix milliseconds on the shared clock.
    pub requested_at: i64,
    /// When its PUT was recorded as about to go out.
    pub sent_at: Option<i64>,
    /// The new run, once known.
    pub job_id: Option<JobId>,
    /// The new run's round (2 for a first re-run).
    pub round: u32,
    /// Why nothing was started, or why that is not known.
    pub why: Option<String>,
}

/// The answer to a Start.
#[derive(Debug, Clone, PartialEq)]
pub enum RerunRequest {
    /// Recorded: this Start sends the run.
    Recorded(Rerun),
    /// Another Start was recorded first; its request as it stands.
    Taken(Rerun),
}

/// Where a request that was sent ends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RerunEnd {
    /// Its run started: this job.
    Started(JobId),
    /// Nothing was started, and why.
    NotStarted(String),
    /// Not known yet, and why.
    Unsettled(String),
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    approval_id: i64,
    workflow_id: String,
    requested_by_id: i64,
    requested_by_name: String,
    inputs: String,
    changed: String,
    note: Option<String>,
    cost: Option<f64>,
    state: String,
    token: Option<String>,
    requested_at: i64,
    sent_at: Option<i64>,
    new_job_id: Option<String>,
    round: i64,
    why: Option<String>,
}

impl TryFrom<Row> for Rerun {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt { id: ApprovalId::new(row.approval_id), what };
        let state =
            RerunState::parse(&row.state).ok_or_else(|| corrupt(format!("re-run state {:?}", row.state)))?;
        let inputs =
            serde_json::from_str(&row.inputs).map_err(|e| corrupt(format!("re-run inputs ({e})")))?;
        let changed =
            serde_json::from_str(&row.changed).map_err(|e| corrupt(format!("re-run changes ({e})")))?;
        Ok(Rerun {
            id: row.id,
            approval_id: ApprovalId::new(row.approval_id),
            workflow_id: row.workflow_id.into(),
            requested_by: Reviewer {
                id: UserId::from_column(row.requested_by_id),
                name: row.requested_by_name,
            },
            draft: RerunDraft { inputs, changed, note: row.note, cost: row.cost.unwrap_or_default() },
            state,
            token: row.token.map(ClaimToken::from),
            requested_at: row.requested_at,
            sent_at: row.sent_at,
            job_id: row.new_job_id.map(JobId::from),
            round: u32::try_from(row.round).unwrap_or(2),
            why: row.why,
        })
    }
}

/// The states a request is unfinished in: a process sends it, or the watcher finishes it.
const UNFINISHED: &str = "('requested', 'sending', 'unsettled')";

impl Store {
    /// Records a re-run of gate `approval_id` (of `workflow_id`) as `reviewer` asked it, under
    /// `token`, before anything is sent: one per gate, so of two Starts one is recorded and the
    /// other told. A request that started nothing (`not_started`) makes way for a new one.
    pub async fn request_rerun(
        &self,
        approval_id: ApprovalId,
        workflow_id: &WorkflowId,
        reviewer: &Reviewer,
        draft: &RerunDraft,
        token: &ClaimToken,
        round: u32,
    ) -> Result<RerunRequest, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM reruns WHERE approval_id = $1 AND state = 'not_started'")
            .bind(approval_id.get())
            .execute(&mut *tx)
            .await?;
        let inserted = sqlx::query(
            "INSERT INTO reruns (approval_id, workflow_id, requested_by_id, requested_by_name, inputs, changed, note,
                 cost, state, token, requested_at, round)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested', $9, $10, $11)
             ON CONFLICT (approval_id) DO NOTHING",
        )
        .bind(approval_id.get())
        .bind(workflow_id.as_str())
        .bind(reviewer.id.column())
        .bind(&reviewer.name)
        .bind(Value::Object(draft.inputs.clone()).to_string())
        .bind(serde_json::json!(draft.changed).to_string())
        .bind(draft.note.as_deref())
        .bind(draft.cost)
        .bind(token.as_str())
        .bind(now_ms())
        .bind(i64::from(round))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            let detail = format!("inputs changed: {}", draft.changed.join(", "));
            audit::insert(
                &mut tx,
                &NewAudit::by(approval_id, reviewer, AuditAction::RerunRequested).detail(detail),
            )
            .await?;
            sqlx::query("DELETE FROM rerun_drafts WHERE approval_id = $1 AND reviewer_id = $2")
                .bind(approval_id.get())
                .bind(reviewer.id.column())
                .execute(&mut *tx)
                .await?;
            stale_cards(&mut tx, approval_id, None).await?;
        }
        tx.commit().await?;
        let rerun = self
            .rerun_of(approval_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt { id: approval_id, what: "re-run request vanished".into() })?;
        Ok(if inserted { RerunRequest::Recorded(rerun) } else { RerunRequest::Taken(rerun) })
    }

    /// Notes that the run of `rerun` is about to be asked for; `false` when the request moved on
    /// or another process holds it (then nothing may be sent).
    pub async fn rerun_sending(&self, rerun: &Rerun) -> Result<bool, StoreError> {
        let sent = sqlx::query(
            "UPDATE reruns SET state = 'sending', sent_at = $1
             WHERE id = $2 AND state = 'requested' AND token IS NOT DISTINCT FROM $3",
        )
        .bind(now_ms())
        .bind(rerun.id)
        .bind(rerun.token.as_ref().map(ClaimToken::as_str))
        .execute(&self.pool)
        .await?;
        Ok(sent.rows_affected() == 1)
    }

    /// Moves an unfinished `rerun` to `end`, with its audit entry; `false` when it moved on or
    /// another process holds it. A started run's card (if posted) is written again to name the
    /// run it follows.
    pub async fn rerun_ended(&self, rerun: &Rerun, end: &RerunEnd) -> Result<bool, StoreError> {
        let (state, job_id, why) = match end {
            RerunEnd::Started(job) => (RerunState::Started, Some(job.as_str()), None),
            RerunEnd::NotStarted(why) => (RerunState::NotStarted, None, Some(why.as_str())),
            RerunEnd::Unsettled(why) => (RerunState::Unsettled, None, Some(why.as_str())),
        };
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "UPDATE reruns SET state = $1, new_job_id = $2, why = $3
             WHERE id = $4 AND state IN {UNFINISHED} AND token IS NOT DISTINCT FROM $5"
        );
        let moved = sqlx::query(&sql)
            .bind(state.as_str())
            .bind(job_id)
            .bind(why)
            .bind(rerun.id)
            .bind(rerun.token.as_ref().map(ClaimToken::as_str))
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if moved {
            let detail = match end {
                RerunEnd::Started(job) => format!("run {job} started"),
                RerunEnd::NotStarted(why) => format!("nothing started: {why}"),
                RerunEnd::Unsettled(why) => format!("not known whether the run started: {why}"),
            };
            let entry =
                NewAudit::by(rerun.approval_id, &rerun.requested_by, AuditAction::Rerun).detail(detail);
            audit::insert(&mut tx, &entry).await?;
            let new_job = match end {
                RerunEnd::Started(job) => Some(job),
                _ => None,
            };
            stale_cards(&mut tx, rerun.approval_id, new_job).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    /// Takes over an unfinished request whose process stopped, under `token`; `None` when it
    /// moved on or was taken by another meanwhile.
    pub async fn take_over_rerun(
        &self,
        orphan: &Rerun,
        token: &ClaimToken,
    ) -> Result<Option<Rerun>, StoreError> {
        let sql = format!(
            "UPDATE reruns SET token = $1 WHERE id = $2 AND state IN {UNFINISHED} AND token IS NOT DISTINCT FROM $3"
        );
        let taken = sqlx::query(&sql)
            .bind(token.as_str())
            .bind(orphan.id)
            .bind(orphan.token.as_ref().map(ClaimToken::as_str))
            .execute(&self.pool)
            .await?;
        if taken.rows_affected() != 1 {
            return Ok(None);
        }
        self.rerun_of(orphan.approval_id).await
    }

    /// The re-run request of gate `approval_id`, if any.
    pub async fn rerun_of(&self, approval_id: ApprovalId) -> Result<Option<Rerun>, StoreError> {
        let row: Option<Row> = sqlx::query_as("SELECT * FROM reruns WHERE approval_id = $1")
            .bind(approval_id.get())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Rerun::try_from).transpose()
    }

    /// The request that started run `job_id`, when it is a re-run.
    pub async fn rerun_started_as(&self, job_id: &JobId) -> Result<Option<Rerun>, StoreError> {
        let row: Option<Row> =
            sqlx::query_as("SELECT * FROM reruns WHERE new_job_id = $1 AND state = 'started'")
                .bind(job_id.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(Rerun::try_from).transpose()
    }

    /// Requests no process has finished: sent or not, or whose run is not known yet.
    pub async fn unfinished_reruns(&self) -> Result<Vec<Rerun>, StoreError> {
        let sql = format!("SELECT * FROM reruns WHERE state IN {UNFINISHED} ORDER BY id");
        let rows: Vec<Row> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter().map(Rerun::try_from).collect()
    }

    /// Started re-runs whose gate still waits: its rejection is still to be sent.
    pub async fn reruns_to_reject(&self) -> Result<Vec<Rerun>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT reruns.* FROM reruns JOIN approvals ON approvals.id = reruns.approval_id
             WHERE reruns.state = 'started' AND approvals.state = 'pending' ORDER BY reruns.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Rerun::try_from).collect()
    }

    /// Marks for a new write the cards of gates whose re-run's card was posted since: they link
    /// to it. Returns how many.
    pub async fn link_rerun_cards(&self) -> Result<u64, StoreError> {
        let posted = "EXISTS (SELECT 1 FROM approvals n WHERE n.job_id = reruns.new_job_id AND n.message_id IS NOT NULL)";
        let mut tx = self.pool.begin().await?;
        let cards = format!(
            "UPDATE approvals SET card_current = 0, card_writes = card_writes + 1
             WHERE id IN (SELECT approval_id FROM reruns WHERE state = 'started' AND linked = 0 AND {posted})"
        );
        sqlx::query(&cards).execute(&mut *tx).await?;
        let linked =
            format!("UPDATE reruns SET linked = 1 WHERE state = 'started' AND linked = 0 AND {posted}");
        let count = sqlx::query(&linked).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(count)
    }

    /// Where the first posted card of a gate of run `job_id` is, if one is.
    pub async fn card_of_run(&self, job_id: &JobId) -> Result<Option<(ChannelId, MessageId)>, StoreError> {
        let found: Option<(i64, i64)> = sqlx::query_as(
            "SELECT channel_id, message_id FROM approvals WHERE job_id = $1 AND message_id IS NOT NULL ORDER BY id LIMIT 1",
        )
        .bind(job_id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.map(|(channel, message)| (ChannelId::from_column(channel), MessageId::from_column(message))))
    }

    /// Whether run `job_id` is one a re-run request already took as its own.
    pub async fn rerun_adopted(&self, job_id: &JobId) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM reruns WHERE new_job_id = $1")
            .bind(job_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(found.is_some())
    }
}

/// Marks the card of `approval_id` (and those of run `new_job`'s gates) for a new write; the
/// write count moves too, so a write rendered before this change cannot count as current.
async fn stale_cards(
    conn: &mut AnyConnection,
    approval_id: ApprovalId,
    new_job: Option<&JobId>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE approvals SET card_current = 0, card_writes = card_writes + 1 WHERE id = $1 OR job_id = $2",
    )
    .bind(approval_id.get())
    .bind(new_job.map(JobId::as_str))
    .execute(conn)
    .await?;
    Ok(())
}
