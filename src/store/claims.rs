//! Claims on approvals: the compare-and-swap from `pending` that lets one decision through, and
//! the writes that finish, give back or settle it, each guarded by the claim's token.
//!
//! A click waits on the claim, so it is one statement: the row moves to `deciding` with who, what
//! and why, and its PUT is recorded as sent (the claim is made only to be sent at once), while a
//! trigger (migration 0020) writes its audit entry in the same statement. The decision Scenario
//! took is one statement as well, returning the row as it then stands.

use super::Snowflake;
use super::{
    Store, StoreError,
    approvals::{Approval, Claim, Reviewer, Row},
    audit::{AuditAction, NewAudit},
    events, now_ms,
};
use crate::approvals::{
    ids::{ApprovalId, ClaimToken},
    state::{ApprovalState, Decision},
};

impl Store {
    /// Claims a pending gate for `reviewer` under `token` (compare-and-swap from `pending`),
    /// recording what they chose and why, and that its PUT is about to be sent.
    pub async fn claim(
        &self,
        id: ApprovalId,
        reviewer: &Reviewer,
        decision: Decision,
        reason: Option<&str>,
        token: &ClaimToken,
    ) -> Result<Claim, StoreError> {
        self.claim_with(id, reviewer, (decision, reason, None), token).await
    }

    /// Claims a pending selection gate for `reviewer` under `token`, to send `picks`.
    pub async fn claim_picks(
        &self,
        id: ApprovalId,
        reviewer: &Reviewer,
        picks: &[u32],
        token: &ClaimToken,
    ) -> Result<Claim, StoreError> {
        self.claim_with(id, reviewer, (Decision::Approve, None, Some(picks)), token).await
    }

    /// The claim itself: what is claimed is a decision, its reason, and for a selection its picks.
    /// Its PUT counts as sent from the claim on (`decision_sent_at`): a claim no running decision
    /// holds any more is then sent again only a request timeout later, since its PUT may be in
    /// flight.
    async fn claim_with(
        &self,
        id: ApprovalId,
        reviewer: &Reviewer,
        (decision, reason, picks): (Decision, Option<&str>, Option<&[u32]>),
        token: &ClaimToken,
    ) -> Result<Claim, StoreError> {
        let picks_json = picks.map(|p| serde_json::json!(p).to_string());
        let now = now_ms();
        let won: Option<Row> = sqlx::query_as(
            "UPDATE approvals SET state = 'deciding', decision = $1, reason = $2, picks = $3, decided_by = $4, decided_by_name = $5, decided_at = $6, claim_token = $7, decision_sent = 1, decision_sent_at = $6
             WHERE id = $8 AND state = 'pending' RETURNING *",
        )
        .bind(decision.as_str())
        .bind(reason)
        .bind(&picks_json)
        .bind(reviewer.id.column())
        .bind(&reviewer.name)
        .bind(now)
        .bind(token.as_str())
        .bind(id.get())
        // Stepped to its end, not stopped at the row: a write SQLite cannot commit (a full disk)
        // fails there, and must fail the claim.
        .fetch_all(&self.pool)
        .await?
        .pop();
        match won {
            Some(row) => Ok(Claim::Won(Approval::try_from(row)?)),
            None => {
                let current = self
                    .approval(id)
                    .await?
                    .ok_or_else(|| StoreError::Corrupt { id, what: "row vanished".into() })?;
                Ok(Claim::Lost(current))
            }
        }
    }

    /// Hands a claim that no decision holds any more (interrupted by a stop, or left waiting for
    /// Scenario) to a new decision under `token`; `None` when the claim moved on meanwhile.
    pub async fn take_over(
        &self,
        claimed: &Approval,
        token: &ClaimToken,
    ) -> Result<Option<Approval>, StoreError> {
        let row: Option<Row> = sqlx::query_as(
            "UPDATE approvals SET claim_token = $1
             WHERE id = $2 AND state = 'deciding' AND claim_token IS NOT DISTINCT FROM $3 RETURNING *",
        )
        .bind(token.as_str())
        .bind(claimed.id.get())
        .bind(claimed.claim_token.as_ref().map(ClaimToken::as_str))
        .fetch_optional(&self.pool)
        .await?;
        row.map(Approval::try_from).transpose()
    }

    /// Notes that a claim is kept while Scenario cannot be reached, so its card is edited to say
    /// the decision is being sent.
    pub async fn card_shows_sending(&self, id: ApprovalId) -> Result<(), StoreError> {
        sqlx::query("UPDATE approvals SET card_current = 0 WHERE id = $1 AND state = 'deciding'")
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Notes that the PUT of a claim taken over is about to be sent again; `false` when the claim
    /// is no longer the one given (and then nothing may be sent).
    pub async fn sending(&self, claimed: &Approval) -> Result<bool, StoreError> {
        let sent = sqlx::query(
            "UPDATE approvals SET decision_sent = 1, decision_sent_at = $1
             WHERE id = $2 AND state = 'deciding' AND claim_token IS NOT DISTINCT FROM $3",
        )
        .bind(now_ms())
        .bind(claimed.id.get())
        .bind(claimed.claim_token.as_ref().map(ClaimToken::as_str))
        .execute(&self.pool)
        .await?;
        Ok(sent.rows_affected() == 1)
    }

    /// Completes a claimed decision that Scenario accepted (its audit entry written by the same
    /// statement, migration 0020, and its event by the same transaction): the row as it then
    /// stands, or `None` when the claim is no longer the one given.
    pub async fn decided(&self, claimed: &Approval) -> Result<Option<Approval>, StoreError> {
        let (Some(decision), Some(_)) = (claimed.decision, claimed.decided_by.as_ref()) else {
            return Ok(None);
        };
        let mut tx = self.pool.begin().await?;
        let row: Option<Row> = sqlx::query_as(
            "UPDATE approvals SET state = $1, decided_at = $2, card_current = 0, claim_token = NULL
             WHERE id = $3 AND state = 'deciding' AND claim_token IS NOT DISTINCT FROM $4 RETURNING *",
        )
        .bind(ApprovalState::from(decision).as_str())
        .bind(now_ms())
        .bind(claimed.id.get())
        .bind(claimed.claim_token.as_ref().map(ClaimToken::as_str))
        .fetch_all(&mut *tx)
        .await?
        .pop();
        if row.is_some() {
            events::audited_by_trigger(&mut tx, claimed.id, AuditAction::Decided.as_str()).await?;
        }
        tx.commit().await?;
        row.map(Approval::try_from).transpose()
    }

    /// Gives a claimed gate back (the decision could not be sent); the card stays live. `false`
    /// when the claim is no longer the one given.
    pub async fn release(&self, claimed: &Approval, why: &str) -> Result<bool, StoreError> {
        let id = claimed.id;
        let update = sqlx::query(
            "UPDATE approvals
             SET state = 'pending', decision = NULL, reason = NULL, decided_by = NULL, decided_by_name = NULL, decided_at = NULL, claim_token = NULL,
                 card_current = 0
             WHERE id = $1 AND state = 'deciding' AND claim_token IS NOT DISTINCT FROM $2",
        )
        .bind(id.get())
        .bind(claimed.claim_token.as_ref().map(ClaimToken::as_str));
        let entry = match &claimed.decided_by {
            Some(reviewer) => NewAudit::by(id, reviewer, AuditAction::Released),
            None => NewAudit::by_bridge(id, AuditAction::Released),
        };
        let entry = entry.from(ApprovalState::Deciding).to(ApprovalState::Pending).detail(why);
        self.transition(update, entry).await
    }

    /// Moves a claimed gate to the state Scenario shows (closed by someone else, or its run
    /// ended); `false` when the claim is no longer the one given.
    pub async fn settle_claim(
        &self,
        claimed: &Approval,
        to: ApprovalState,
        detail: &str,
    ) -> Result<bool, StoreError> {
        let id = claimed.id;
        let update = sqlx::query(
            "UPDATE approvals
             SET state = $1, reason = $2, decided_at = $3, card_current = 0,
                 decision = NULL, decided_by = NULL, decided_by_name = NULL, claim_token = NULL
             WHERE id = $4 AND state = 'deciding' AND claim_token IS NOT DISTINCT FROM $5",
        )
        .bind(to.as_str())
        .bind(detail)
        .bind(now_ms())
        .bind(id.get())
        .bind(claimed.claim_token.as_ref().map(ClaimToken::as_str));
        let entry =
            NewAudit::by_bridge(id, AuditAction::Settled).from(ApprovalState::Deciding).to(to).detail(detail);
        self.transition(update, entry).await
    }
}
