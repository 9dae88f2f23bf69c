//! Approvals counted towards a gate's quorum (`approval_votes`, one per reviewer and gate): a
//! vote, who voted, their notes, and on a selection gate the proposal the votes confirm and the
//! one other picks replaced.

use serenity::all::UserId;

use super::{
    Reviewer, Snowflake, Store, StoreError,
    audit::{self, AuditAction, NewAudit},
    now_ms,
};
use crate::approvals::{ids::ApprovalId, selection::Replaced};

/// How an approval towards a quorum was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vote {
    /// Counted; the reviewers who have approved so far, in order.
    Counted(Vec<Reviewer>),
    /// This reviewer had approved already: nothing counted twice.
    Again(Vec<Reviewer>),
    /// The gate is no longer pending; nothing counted.
    Closed,
}

/// The proposal that `dropped` votes (reviewer, picks, time) stood for: the picks of the latest
/// of them, confirmed by those who voted for the same picks, in order. Two proposals dropped at
/// once (confirmed at the same moment, see `voters_of`) are shown as the later one.
fn replaced(mut dropped: Vec<(i64, Option<String>, i64)>) -> Option<Replaced> {
    dropped.sort_by_key(|&(reviewer, _, at)| (at, reviewer));
    let (_, latest, _) = dropped.last()?.clone();
    let picks = serde_json::from_str(latest.as_deref()?).ok()?;
    let confirmed_by = dropped
        .into_iter()
        .filter(|(_, picks, _)| *picks == latest)
        .map(|(reviewer, ..)| UserId::from_column(reviewer).get())
        .collect();
    Some(Replaced { picks, confirmed_by })
}

impl Store {
    /// Counts `reviewer`'s approval of the pending gate `id`, once per reviewer. On a selection
    /// gate the approval confirms `picks` (the proposal): confirming other picks than the votes
    /// counted so far starts a new proposal, and drops those votes (the reviewer's own included).
    /// A `note` goes with the vote: the card's tally and the audit show it.
    pub async fn vote(
        &self,
        id: ApprovalId,
        reviewer: &Reviewer,
        picks: Option<&[u32]>,
        note: Option<&str>,
    ) -> Result<Vote, StoreError> {
        let picks = picks.map(|p| serde_json::json!(p).to_string());
        let mut tx = self.pool.begin().await?;
        if let Some(picks) = &picks {
            let dropped: Vec<(i64, Option<String>, i64)> = sqlx::query_as(
                "DELETE FROM approval_votes WHERE approval_id = $1 AND picks IS DISTINCT FROM $2
                 AND EXISTS (SELECT 1 FROM approvals WHERE id = $1 AND state = 'pending')
                 RETURNING reviewer_id, picks, at",
            )
            .bind(id.get())
            .bind(picks)
            .fetch_all(&mut *tx)
            .await?;
            if let Some(replaced) = replaced(dropped) {
                let detail = serde_json::json!(replaced).to_string();
                audit::insert(&mut tx, &NewAudit::by(id, reviewer, AuditAction::Replaced).detail(detail))
                    .await?;
            }
        }
        let counted = sqlx::query(
            "INSERT INTO approval_votes (approval_id, reviewer_id, reviewer_name, at, picks, note)
             SELECT id, $1, $2, $3, $4, $6 FROM approvals WHERE id = $5 AND state = 'pending'
             ON CONFLICT (approval_id, reviewer_id) DO NOTHING",
        )
        .bind(reviewer.id.column())
        .bind(&reviewer.name)
        .bind(now_ms())
        .bind(&picks)
        .bind(id.get())
        .bind(note)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if counted {
            // The card shows the tally: it is stale until edited.
            sqlx::query("UPDATE approvals SET card_current = 0 WHERE id = $1")
                .bind(id.get())
                .execute(&mut *tx)
                .await?;
            let entry = NewAudit::by(id, reviewer, AuditAction::Counted).reason(note);
            let entry = match &picks {
                Some(picks) => entry.detail(picks.as_str()),
                None => entry,
            };
            audit::insert(&mut tx, &entry).await?;
        }
        tx.commit().await?;
        let voters = self.voters_of(id, picks.as_deref()).await?;
        let pending: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM approvals WHERE id = $1 AND state = 'pending'")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
        Ok(match (counted, pending) {
            (true, _) => Vote::Counted(voters),
            (false, Some(_)) if voters.iter().any(|v| v.id == reviewer.id) => Vote::Again(voters),
            (false, _) => Vote::Closed,
        })
    }

    /// The reviewers whose approvals of gate `id` are counted, in the order they came; on a
    /// selection gate, those who confirmed its proposal (the picks of the latest vote).
    pub async fn voters(&self, id: ApprovalId) -> Result<Vec<Reviewer>, StoreError> {
        self.voters_of(id, None).await
    }

    /// The voters of gate `id` who confirmed `picks` (a JSON array), or with `None`, its proposal.
    /// Two confirmations of different picks made at the same moment may both be stored (neither
    /// transaction saw the other's vote to drop it): each counts only towards its own picks.
    async fn voters_of(&self, id: ApprovalId, picks: Option<&str>) -> Result<Vec<Reviewer>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT reviewer_id, reviewer_name FROM approval_votes WHERE approval_id = $1
             AND picks IS NOT DISTINCT FROM COALESCE($2, (SELECT p.picks FROM approval_votes p
                 WHERE p.approval_id = $1 ORDER BY p.at DESC, p.reviewer_id DESC LIMIT 1))
             ORDER BY at, reviewer_id",
        )
        .bind(id.get())
        .bind(picks)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, name)| Reviewer { id: UserId::from_column(id), name }).collect())
    }

    /// The notes that came with the approvals counted towards gate `id`, by reviewer, in order.
    pub async fn vote_notes(&self, id: ApprovalId) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT reviewer_id, note FROM approval_votes WHERE approval_id = $1 AND note IS NOT NULL
             ORDER BY at, reviewer_id",
        )
        .bind(id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id, note)| (UserId::from_column(id), note)).collect())
    }

    /// The picks the counted votes of selection gate `id` confirm (its proposal), if any.
    pub async fn proposal(&self, id: ApprovalId) -> Result<Option<Vec<u32>>, StoreError> {
        let picks: Option<Option<String>> = sqlx::query_scalar(
            "SELECT picks FROM approval_votes WHERE approval_id = $1
             ORDER BY at DESC, reviewer_id DESC LIMIT 1",
        )
        .bind(id.get())
        .fetch_optional(&self.pool)
        .await?;
        picks
            .flatten()
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Corrupt { id, what: format!("proposed picks ({e})") })
    }

    /// The latest proposal of selection gate `id` that a confirmation of other picks replaced.
    pub async fn replaced_proposal(&self, id: ApprovalId) -> Result<Option<Replaced>, StoreError> {
        let detail: Option<Option<String>> = sqlx::query_scalar(
            "SELECT detail FROM audit WHERE approval_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1",
        )
        .bind(id.get())
        .bind(AuditAction::Replaced.as_str())
        .fetch_optional(&self.pool)
        .await?;
        detail
            .flatten()
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| StoreError::Corrupt { id, what: format!("replaced proposal ({e})") })
    }
}
