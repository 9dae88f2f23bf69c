//! The approvals table: one row per gate, and its guarded transitions.

use serenity::all::{ChannelId, MessageId, UserId};
use sqlx::{Any, any::AnyArguments, query::Query};

use super::{
    CardThread, Snowflake, Store, StoreError,
    audit::{self, AuditAction, NewAudit},
    now_ms,
};
use crate::approvals::{
    ids::{ApprovalId, ClaimToken, JobId, NodeId, WorkflowId},
    progress::Progress,
    review::ReviewSnapshot,
    state::{ApprovalState, Decision},
};

/// A gate the bridge has seen, with its card and its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Approval {
    /// Row id; the card's buttons lead here.
    pub id: ApprovalId,
    /// The workflow the run belongs to.
    pub workflow_id: WorkflowId,
    /// The run (workflow job).
    pub job_id: JobId,
    /// The gate node.
    pub node_id: NodeId,
    /// Where the approval stands.
    pub state: ApprovalState,
    /// What the card shows.
    pub snapshot: ReviewSnapshot,
    /// When the bridge found the gate, unix milliseconds.
    pub found_at: i64,
    /// The channel of the card.
    pub channel_id: ChannelId,
    /// The nonce the card is posted with, so a repeated post returns the first message.
    pub card_nonce: String,
    /// The card, once posted.
    pub message_id: Option<MessageId>,
    /// Whether a person deleted the card.
    pub card_deleted: bool,
    /// Whether the card shows the current state.
    pub card_current: bool,
    /// When the bridge first tried to post the card still unknown to it, unix milliseconds.
    pub card_attempted_at: Option<i64>,
    /// What the reviewer chose (set with the claim).
    pub decision: Option<Decision>,
    /// Who decided, or is deciding.
    pub decided_by: Option<Reviewer>,
    /// When the decision (or the claim) was made, unix milliseconds.
    pub decided_at: Option<i64>,
    /// The reviewer's reason, or what happened when the bridge settled the row.
    pub reason: Option<String>,
    /// The claim a decision runs under, while the row is `deciding`.
    pub claim_token: Option<ClaimToken>,
    /// When the claim's PUT was recorded as (about to be) sent, on the shared clock; `None`
    /// while it was not.
    pub decision_sent_at: Option<i64>,
    /// What the card shows of the route's review policy (the tally, the deadline): filled in by
    /// the card writer, which knows the route; empty as read from the store.
    pub progress: Progress,
    /// For a selection gate, the picks of its claim (zero-based, in pick order): what the claim
    /// sends, and what the card shows once decided.
    pub picks: Option<Vec<u32>>,
    /// The card's thread (`CARD_THREADS`).
    pub thread: CardThread,
}

/// An open gate as the watcher needs it: which gate, and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenGate {
    /// Row id.
    pub id: ApprovalId,
    /// The run.
    pub job_id: JobId,
    /// The gate node.
    pub node_id: NodeId,
    /// Pending or deciding.
    pub state: ApprovalState,
}

/// A Discord member acting on a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    /// Discord user id.
    pub id: UserId,
    /// Display name at the time, for logs and the audit trail.
    pub name: String,
}

/// A gate about to be stored.
#[derive(Debug, Clone)]
pub struct NewApproval {
    /// The workflow the run belongs to.
    pub workflow_id: WorkflowId,
    /// The run.
    pub job_id: JobId,
    /// The gate node.
    pub node_id: NodeId,
    /// What the card will show.
    pub snapshot: ReviewSnapshot,
    /// Where the card goes.
    pub channel_id: ChannelId,
}

/// The answer to a claim.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This reviewer holds the gate now and must send the decision.
    Won(Approval),
    /// Someone else got there first (or the gate is closed); the row as it stands.
    Lost(Approval),
}

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: i64,
    workflow_id: String,
    job_id: String,
    node_id: String,
    state: String,
    gate_json: String,
    found_at: i64,
    channel_id: i64,
    card_nonce: String,
    message_id: Option<i64>,
    card_deleted_at: Option<i64>,
    // 0 or 1: both engines store flags as integers (see migrations/postgres/README.md).
    card_current: i64,
    card_attempted_at: Option<i64>,
    decision: Option<String>,
    decided_by: Option<i64>,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
    reason: Option<String>,
    claim_token: Option<String>,
    decision_sent_at: Option<i64>,
    picks: Option<String>,
    pub(super) card_writes: i64,
    thread_id: Option<i64>,
    thread_closed: i64,
    no_thread: Option<String>,
}

impl TryFrom<Row> for Approval {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt { id: ApprovalId::new(row.id), what };
        let state =
            ApprovalState::parse(&row.state).ok_or_else(|| corrupt(format!("state {:?}", row.state)))?;
        let snapshot =
            serde_json::from_str(&row.gate_json).map_err(|e| corrupt(format!("card snapshot ({e})")))?;
        let decision = match row.decision.as_deref() {
            None => None,
            Some("approve") => Some(Decision::Approve),
            Some("reject") => Some(Decision::Reject),
            Some(other) => return Err(corrupt(format!("decision {other:?}"))),
        };
        let picks = match row.picks.as_deref() {
            None => None,
            Some(json) => Some(serde_json::from_str(json).map_err(|e| corrupt(format!("picks ({e})")))?),
        };
        let decided_by = row.decided_by.map(|id| Reviewer {
            id: UserId::from_column(id),
            name: row.decided_by_name.clone().unwrap_or_default(),
        });
        Ok(Approval {
            id: ApprovalId::new(row.id),
            workflow_id: row.workflow_id.into(),
            job_id: row.job_id.into(),
            node_id: row.node_id.into(),
            state,
            snapshot,
            found_at: row.found_at,
            channel_id: ChannelId::from_column(row.channel_id),
            card_nonce: row.card_nonce,
            message_id: row.message_id.map(MessageId::from_column),
            card_deleted: row.card_deleted_at.is_some(),
            card_current: row.card_current != 0,
            card_attempted_at: row.card_attempted_at,
            decision,
            decided_by,
            decided_at: row.decided_at,
            reason: row.reason,
            claim_token: row.claim_token.map(ClaimToken::from),
            decision_sent_at: row.decision_sent_at,
            progress: Progress::default(),
            picks,
            thread: CardThread::from_columns(row.thread_id, row.thread_closed, row.no_thread),
        })
    }
}

pub(super) const OPEN: &str = "('pending', 'deciding')";

pub(super) fn into_approvals(rows: Vec<Row>) -> Result<Vec<Approval>, StoreError> {
    rows.into_iter().map(Approval::try_from).collect()
}

/// A nonce for Discord's message de-duplication: 20 random alphanumerics (Discord allows 25).
pub(super) fn new_card_nonce() -> String {
    std::iter::repeat_with(fastrand::alphanumeric).take(20).collect()
}

impl Store {
    /// Stores a newly found gate; `None` when the gate was already known.
    pub async fn insert_approval(&self, new: &NewApproval) -> Result<Option<Approval>, StoreError> {
        let gate_json = serde_json::to_string(&new.snapshot).map_err(|e| StoreError::Corrupt {
            id: ApprovalId::new(0),
            what: format!("card snapshot ({e})"),
        })?;
        let mut tx = self.pool.begin().await?;
        let row: Option<Row> = sqlx::query_as(
            "INSERT INTO approvals (workflow_id, job_id, node_id, iteration, gate_json, found_at, channel_id, card_nonce)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (job_id, node_id) DO NOTHING
             RETURNING *",
        )
        .bind(new.workflow_id.as_str())
        .bind(new.job_id.as_str())
        .bind(new.node_id.as_str())
        .bind(new.snapshot.iteration.map(i64::from))
        .bind(gate_json)
        .bind(now_ms())
        .bind(new.channel_id.column())
        .bind(new_card_nonce())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let approval = Approval::try_from(row)?;
        audit::insert(
            &mut tx,
            &NewAudit::by_bridge(approval.id, AuditAction::GateFound).to(ApprovalState::Pending),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(approval))
    }

    /// One approval by row id.
    pub async fn approval(&self, id: ApprovalId) -> Result<Option<Approval>, StoreError> {
        let row: Option<Row> = sqlx::query_as("SELECT * FROM approvals WHERE id = $1")
            .bind(id.get())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Approval::try_from).transpose()
    }

    /// One approval by row id, and the route version ([`Store::routes_version`]) read in the
    /// same statement: what a click needs before it claims, in one round trip.
    pub async fn approval_and_routes_version(
        &self,
        id: ApprovalId,
    ) -> Result<(Option<Approval>, i64), StoreError> {
        #[derive(sqlx::FromRow)]
        struct Versioned {
            #[sqlx(flatten)]
            row: Row,
            routes_version: i64,
        }
        let found: Option<Versioned> = sqlx::query_as(
            "SELECT *, (SELECT COALESCE(MAX(id), 0) FROM route_audit) AS routes_version
             FROM approvals WHERE id = $1",
        )
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await?;
        match found {
            Some(Versioned { row, routes_version }) => Ok((Some(Approval::try_from(row)?), routes_version)),
            None => Ok((None, self.routes_version().await?)),
        }
    }

    /// One approval by the gate's identity.
    pub async fn approval_by_gate(
        &self,
        job_id: &JobId,
        node_id: &NodeId,
    ) -> Result<Option<Approval>, StoreError> {
        let row: Option<Row> = sqlx::query_as("SELECT * FROM approvals WHERE job_id = $1 AND node_id = $2")
            .bind(job_id.as_str())
            .bind(node_id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Approval::try_from).transpose()
    }

    /// Every approval still open (pending or deciding), oldest first.
    pub async fn open_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let sql = format!("SELECT * FROM approvals WHERE state IN {OPEN} ORDER BY found_at, id");
        into_approvals(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
    }

    /// The open gates (pending or deciding), without what their cards show: what the watcher
    /// compares with Scenario on every pass, kept small however many gates wait.
    pub async fn open_gates(&self) -> Result<Vec<OpenGate>, StoreError> {
        let sql =
            format!("SELECT id, job_id, node_id, state FROM approvals WHERE state IN {OPEN} ORDER BY id");
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(id, job_id, node_id, state)| {
                let id = ApprovalId::new(id);
                let state = ApprovalState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt { id, what: format!("state {state:?}") })?;
                Ok(OpenGate { id, job_id: job_id.into(), node_id: node_id.into(), state })
            })
            .collect()
    }

    /// Approvals left `deciding`, e.g. by a crash in the middle of a decision.
    pub async fn deciding_approvals(&self) -> Result<Vec<Approval>, StoreError> {
        let sql = "SELECT * FROM approvals WHERE state = 'deciding' ORDER BY id";
        into_approvals(sqlx::query_as(sql).fetch_all(&self.pool).await?)
    }

    /// Moves an open gate from `from` to the state Scenario shows (decided elsewhere, run ended,
    /// or the outcome of a decision interrupted by a crash). `detail` says what the bridge saw.
    /// `false` when the gate was no longer in state `from`.
    pub async fn settle(
        &self,
        id: ApprovalId,
        from: ApprovalState,
        to: ApprovalState,
        detail: &str,
    ) -> Result<bool, StoreError> {
        if from.is_final() {
            return Ok(false);
        }
        let update = sqlx::query(
            "UPDATE approvals
             SET state = $1, reason = $2, decided_at = $3, card_current = 0,
                 decision = NULL, decided_by = NULL, decided_by_name = NULL, claim_token = NULL
             WHERE id = $4 AND state = $5 AND state <> 'deciding'",
        )
        .bind(to.as_str())
        .bind(detail)
        .bind(now_ms())
        .bind(id.get())
        .bind(from.as_str());
        let entry = NewAudit::by_bridge(id, AuditAction::Settled).from(from).to(to).detail(detail);
        self.transition(update, entry).await
    }

    /// Runs a guarded `update` (an `UPDATE … WHERE state = …` that matches one row or none) and,
    /// when it changed the row, writes `entry` to the audit in the same transaction.
    pub(super) async fn transition<'q>(
        &self,
        update: Query<'q, Any, AnyArguments<'q>>,
        entry: NewAudit,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = update.execute(&mut *tx).await?.rows_affected() == 1;
        if changed {
            audit::insert(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}
