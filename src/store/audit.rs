//! The append-only audit table: every transition and every refused attempt; and the refusal
//! counts, which keep a flood of refused attempts to one row per person, attempt and minute.

use sqlx::AnyConnection;

use serenity::all::GuildId;

use super::{Reviewer, Snowflake, Store, StoreError, events, now_ms};
use crate::approvals::{ids::ApprovalId, state::ApprovalState};

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
    /// A reviewer claimed it (written by the claim's own statement: migration 0020).
    Claimed,
    /// Scenario accepted the reviewer's decision (written by the transition's own statement).
    Decided,
    /// The claim was given back because the decision could not be sent.
    Released,
    /// The bridge moved it to the state Scenario shows.
    Settled,
    /// Someone without the right tried to decide.
    Refused,
    /// A reviewer's approval was counted towards the quorum of the route's policy.
    Counted,
    /// The bridge reminded the reviewers (route policy `remind_after`).
    Reminded,
    /// The deadline passed with nothing decided (route policy `on_deadline = nothing`).
    Overdue,
    /// The gate escalated to its route's escalation role.
    Escalated,
    /// A reviewer chose candidates in a selection card's menu (which decides nothing).
    Picked,
    /// A reviewer's confirmation of other picks replaced a gate's proposal; the detail names
    /// the picks replaced and who had confirmed them, as JSON.
    Replaced,
    /// A reviewer pressed Start in a re-run form: the request is recorded, its run not asked yet.
    RerunRequested,
    /// A re-run request ended: its run started, nothing was started, or that is not known yet.
    Rerun,
    /// A reviewer decided the waiting gates of a run at once (Approve all, `/approvals decide`).
    RunDecided,
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
            Self::Counted => "approval_counted",
            Self::Reminded => "reminded",
            Self::Overdue => "overdue",
            Self::Escalated => "escalated",
            Self::Picked => "picked",
            Self::Replaced => "proposal_replaced",
            Self::RerunRequested => "rerun_requested",
            Self::Rerun => "rerun",
            Self::RunDecided => "run_decided",
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
    approval_id: ApprovalId,
    actor: Option<Reviewer>,
    action: AuditAction,
    from_state: Option<ApprovalState>,
    to_state: Option<ApprovalState>,
    reason: Option<String>,
    detail: Option<String>,
}

impl NewAudit {
    pub(super) fn by_bridge(approval_id: ApprovalId, action: AuditAction) -> Self {
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

    pub(super) fn by(approval_id: ApprovalId, reviewer: &Reviewer, action: AuditAction) -> Self {
        Self { actor: Some(reviewer.clone()), ..Self::by_bridge(approval_id, action) }
    }

    pub(super) fn from(self, state: ApprovalState) -> Self {
        Self { from_state: Some(state), ..self }
    }

    pub(super) fn to(self, state: ApprovalState) -> Self {
        Self { to_state: Some(state), ..self }
    }

    /// The reviewer's own words: an approval's note.
    pub(super) fn reason(self, reason: Option<&str>) -> Self {
        Self { reason: reason.map(|r| bounded(r.to_owned())), ..self }
    }

    pub(super) fn detail(self, detail: impl Into<String>) -> Self {
        Self { detail: Some(bounded(detail.into())), ..self }
    }
}

/// The most characters of outside text (an error's words, a reason) one audit entry keeps; the
/// triggers of migration 0020 cut a claimed reason to the same.
pub const MAX_AUDIT_TEXT: usize = 1_000;

/// `text` cut to [`MAX_AUDIT_TEXT`] characters, never inside a character.
fn bounded(mut text: String) -> String {
    if let Some((end, _)) = text.char_indices().nth(MAX_AUDIT_TEXT) {
        text.truncate(end);
    }
    text
}

/// Writes `entry`, and the event it is (if it is one) to the outbox, in the caller's transaction:
/// the one place audit entries and events are written.
pub(super) async fn insert(conn: &mut AnyConnection, entry: &NewAudit) -> Result<(), StoreError> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO audit (approval_id, at, actor_id, actor_name, action, from_state, to_state, reason, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(entry.approval_id.get())
    .bind(now_ms())
    .bind(entry.actor.as_ref().map(|a| a.id.column()))
    .bind(entry.actor.as_ref().map(|a| a.name.as_str()))
    .bind(entry.action.as_str())
    .bind(entry.from_state.map(ApprovalState::as_str))
    .bind(entry.to_state.map(ApprovalState::as_str))
    .bind(entry.reason.as_deref())
    .bind(entry.detail.as_deref())
    .fetch_one(&mut *conn)
    .await?;
    events::audited(conn, id, entry.action.as_str()).await
}

/// A refused attempt, about to be counted.
#[derive(Debug, Clone)]
pub struct RefusedAttempt<'a> {
    /// Who tried.
    pub actor: &'a Reviewer,
    /// The server it came from; `None` for a DM or a user-installed context.
    pub guild_id: Option<GuildId>,
    /// The card it was about, when a card of this bridge in the home server.
    pub approval_id: Option<ApprovalId>,
    /// What was tried, e.g. `approve` or `/approvals watch`.
    pub attempt: &'a str,
    /// Why it was refused: the refusal's code (`not_reviewer`, `outside_home`, …), which the
    /// audit entry of the card stores too.
    pub why: &'a str,
}

/// The refused attempts of one person, server, card, attempt and minute.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RefusalCount {
    /// Unix minutes.
    pub minute: i64,
    /// The Discord user who tried.
    pub actor_id: i64,
    /// Their display name at the first attempt.
    pub actor_name: String,
    /// The server it came from; 0 for none.
    pub guild_id: i64,
    /// The card, or 0.
    pub approval_id: i64,
    /// What was tried.
    pub attempt: String,
    /// Why the first attempt was refused: the refusal's code.
    pub why: String,
    /// When the first and the last attempt came, unix milliseconds.
    pub first_at: i64,
    /// See `first_at`.
    pub last_at: i64,
    /// How many attempts.
    pub attempts: i64,
}

impl Store {
    /// Records a refused attempt, bounded: each (person, server, card, attempt, minute) is one
    /// row whose count grows, and the first refusal of a minute on a card also writes its audit
    /// entry. Returns whether this attempt was the first of its minute.
    pub async fn refused(&self, refusal: &RefusedAttempt<'_>) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let (refusal_id, attempts): (i64, i64) = sqlx::query_as(
            "INSERT INTO refusals (minute, actor_id, actor_name, guild_id, approval_id, attempt, why, first_at, last_at, attempts)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)
             ON CONFLICT (minute, actor_id, guild_id, approval_id, attempt)
             DO UPDATE SET attempts = refusals.attempts + 1,
                 last_at = CASE WHEN excluded.last_at > refusals.last_at THEN excluded.last_at ELSE refusals.last_at END
             RETURNING id, attempts",
        )
        .bind(now / 60_000)
        .bind(refusal.actor.id.column())
        .bind(bounded(refusal.actor.name.clone()))
        .bind(refusal.guild_id.map_or(0, Snowflake::column))
        .bind(refusal.approval_id.map_or(0, ApprovalId::get))
        .bind(bounded(refusal.attempt.to_owned()))
        .bind(bounded(refusal.why.to_owned()))
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let first = attempts == 1;
        if let (true, Some(approval_id)) = (first, refusal.approval_id) {
            let entry = NewAudit::by(approval_id, refusal.actor, AuditAction::Refused).detail(refusal.why);
            insert(&mut tx, &entry).await?;
        }
        if first {
            events::refused(&mut tx, refusal_id).await?;
        }
        tx.commit().await?;
        Ok(first)
    }

    /// Every refusal count, oldest first.
    pub async fn refusals(&self) -> Result<Vec<RefusalCount>, StoreError> {
        let rows = sqlx::query_as(
            "SELECT minute, actor_id, actor_name, guild_id, approval_id, attempt, why, first_at, last_at, attempts
             FROM refusals ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    /// The audit trail of one approval, oldest first.
    pub async fn audit_of(&self, approval_id: ApprovalId) -> Result<Vec<AuditEntry>, StoreError> {
        let entries = sqlx::query_as("SELECT * FROM audit WHERE approval_id = $1 ORDER BY id")
            .bind(approval_id.get())
            .fetch_all(&self.pool)
            .await?;
        Ok(entries)
    }
}
