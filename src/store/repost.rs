//! A run's gates: reposting a card a person deleted by mistake (`/approvals repost`), and the
//! gates decided together (Approve all, `/approvals decide`), with the entry of such a decision.

use serenity::all::ChannelId;

use super::{
    Approval, Reviewer, Snowflake, Store, StoreError,
    approvals::{Row, into_approvals, new_card_nonce},
    audit::{self, AuditAction, NewAudit},
};
use crate::approvals::{
    ids::{ApprovalId, JobId},
    state::ApprovalState,
};

impl Store {
    /// The approvals of one run, oldest first.
    pub async fn approvals_of_job(&self, job_id: &JobId) -> Result<Vec<Approval>, StoreError> {
        let sql = "SELECT * FROM approvals WHERE job_id = $1 ORDER BY found_at, id";
        into_approvals(sqlx::query_as(sql).bind(job_id.as_str()).fetch_all(&self.pool).await?)
    }

    /// The approval gates (not selection gates) of run `job_id` waiting for a decision, in the
    /// order they were found: what Approve all and `/approvals decide` decide.
    pub async fn waiting_gates_of_run(&self, job_id: &JobId) -> Result<Vec<Approval>, StoreError> {
        let mut gates = self.approvals_of_job(job_id).await?;
        gates.retain(|a| a.state == ApprovalState::Pending && a.snapshot.selection.is_none());
        Ok(gates)
    }

    /// Marks stale the cards of the other gates of run `job_id` still waiting, so the next pass
    /// redraws their Approve all count after one of them left.
    pub async fn redraw_run_cards(&self, job_id: &JobId) -> Result<(), StoreError> {
        sqlx::query("UPDATE approvals SET card_current = 0 WHERE job_id = $1 AND state = 'pending'")
            .bind(job_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that `by` decided the gates of a run at once (`detail`: what, which gates, how
    /// it went), on the gate the decision was asked from; each gate has its own entries too.
    pub async fn run_decided(
        &self,
        approval_id: ApprovalId,
        by: &Reviewer,
        detail: String,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        audit::insert(&mut tx, &NewAudit::by(approval_id, by, AuditAction::RunDecided).detail(detail))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Makes a deleted card postable again, in `channel_id`, with a fresh nonce: Discord would
    /// answer the old one with the deleted message. `None` when the card was not deleted.
    pub async fn repost_card(
        &self,
        id: ApprovalId,
        channel_id: ChannelId,
        by: &Reviewer,
    ) -> Result<Option<Approval>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let row: Option<Row> = sqlx::query_as(
            "UPDATE approvals
             SET card_deleted_at = NULL, message_id = NULL, card_current = 0, card_attempted_at = NULL,
                 card_nonce = $1, channel_id = $2
             WHERE id = $3 AND card_deleted_at IS NOT NULL RETURNING *",
        )
        .bind(new_card_nonce())
        .bind(channel_id.column())
        .bind(id.get())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let entry = NewAudit::by(id, by, AuditAction::CardReposted).detail(format!("channel {channel_id}"));
        audit::insert(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(Some(Approval::try_from(row)?))
    }
}
