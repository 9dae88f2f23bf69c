//! The append-only audit table: every transition and every refused attempt.

use sqlx::SqliteConnection;

use super::{Reviewer, Store, StoreError, now_ms};
use crate::approvals::state::ApprovalState;

/// What happened to an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// The watcher found the gate.
    GateFound,
    /// Its card was posted.
    CardPosted,
    /// A person deleted its card.
    CardDeleted,
    /// An admin had its deleted card posted again.
    CardReposted,
    /// A reviewer claimed it.
    Claimed,
    /// Scenario accepted the reviewer's decision.
    Decided,
    /// The claim was given back because the decision could not be sent.
    Released,
    /// The bridge moved it to the state Scenario shows.
    Settled,
    /// Someone without the right tried to decide.
    Refused,
}

impl AuditAction {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GateFound => "gate_found",
            Self::CardPosted => "card_posted",
            Self::CardDeleted => "card_deleted",
            Self::CardReposted => "card_reposted",
            Self::Claimed => "claimed",
            Self::Decided => "decided",
            Self::Released => "released",
            Self::Settled => "settled",
            Self::Refused => "refused",
        }
    }
}

/// One stored audit entry.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    /// Row id, increasing with time.
    pub id: i64,
    /// The approval it is about.
    pub approval_id: i64,
    /// When, unix milliseconds.
    pub at: i64,
    /// The Discord user who acted; `None` when the bridge did.
    pub actor_id: Option<i64>,
    /// Their display name at the time.
    pub actor_name: Option<String>,
    /// What happened (an [`AuditAction`] name).
    pub action: String,
    /// The state left, for transitions.
    pub from_state: Option<String>,
    /// The state reached, for transitions.
    pub to_state: Option<String>,
    /// The reviewer's reason.
    pub reason: Option<String>,
    /// What the bridge saw or said.
    pub detail: Option<String>,
}

/// An entry about to be written.
pub(super) struct NewAudit {
    approval_id: i64,
    actor: Option<Reviewer>,
    action: AuditAction,
    from_state: Option<ApprovalState>,
    to_state: Option<ApprovalState>,
    reason: Option<String>,
    detail: Option<String>,
}

impl NewAudit {
    pub(super) fn by_bridge(approval_id: i64, action: AuditAction) -> Self {
        Self {
            approval_id,
            actor: None,
            action,
            from_state: None,
            to_state: None,
            reason: None,
            detail: None,
        }
    }

    pub(super) fn by(approval_id: i64, reviewer: &Reviewer, action: AuditAction) -> Self {
        Self { actor: Some(reviewer.clone()), ..Self::by_bridge(approval_id, action) }
    }

    pub(super) fn from(self, state: ApprovalState) -> Self {
        Self { from_state: Some(state), ..self }
    }

    pub(super) fn to(self, state: ApprovalState) -> Self {
        Self { to_state: Some(state), ..self }
    }

    pub(super) fn reason(self, reason: Option<&str>) -> Self {
        Self { reason: reason.map(str::to_owned), ..self }
    }

    pub(super) fn detail(self, detail: impl Into<String>) -> Self {
        Self { detail: Some(detail.into()), ..self }
    }
}

pub(super) async fn insert(conn: &mut SqliteConnection, entry: &NewAudit) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit (approval_id, at, actor_id, actor_name, action, from_state, to_state, reason, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.approval_id)
    .bind(now_ms())
    .bind(entry.actor.as_ref().map(|a| a.id as i64))
    .bind(entry.actor.as_ref().map(|a| a.name.as_str()))
    .bind(entry.action.as_str())
    .bind(entry.from_state.map(ApprovalState::as_str))
    .bind(entry.to_state.map(ApprovalState::as_str))
    .bind(entry.reason.as_deref())
    .bind(entry.detail.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// The audit trail of one approval, oldest first.
    pub async fn audit_of(&self, approval_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let entries = sqlx::query_as("SELECT * FROM audit WHERE approval_id = ? ORDER BY id")
            .bind(approval_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(entries)
    }
}
