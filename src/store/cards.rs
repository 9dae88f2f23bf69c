//! The card columns of the approvals table: which cards to post or edit, a card posted, seen in a
//! click, written (the fence of card writes), outdated or deleted by a person.

use serenity::all::MessageId;

use super::{
    Snowflake, Store, StoreError,
    approvals::{Approval, OPEN, Row, into_approvals},
    audit::{AuditAction, NewAudit},
    now_ms,
};
use crate::approvals::{ids::ApprovalId, state::ApprovalState};

impl Store {
    /// Cards to post or to bring up to date: open approvals without a message, and approvals
    /// whose card no longer shows their state (never for a card a person deleted).
    pub async fn cards_to_sync(&self) -> Result<Vec<Approval>, StoreError> {
        let sql = format!(
            "SELECT * FROM approvals
             WHERE card_deleted_at IS NULL
               AND ((message_id IS NULL AND state IN {OPEN}) OR (message_id IS NOT NULL AND card_current = 0))
             ORDER BY id"
        );
        into_approvals(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
    }

    /// Records the posted card; it is current only if the state did not move since rendering.
    pub async fn card_posted(
        &self,
        id: ApprovalId,
        message_id: MessageId,
        rendered: ApprovalState,
    ) -> Result<(), StoreError> {
        // A click on the card may have recorded this very message first (`card_seen`).
        let update = sqlx::query(
            "UPDATE approvals SET message_id = $1, card_current = CASE WHEN state = $2 THEN 1 ELSE 0 END
             WHERE id = $3 AND message_id IS DISTINCT FROM $4",
        )
        .bind(message_id.column())
        .bind(rendered.as_str())
        .bind(id.get())
        .bind(message_id.column());
        let entry = NewAudit::by_bridge(id, AuditAction::CardPosted).detail(format!("message {message_id}"));
        self.transition(update, entry).await?;
        Ok(())
    }

    /// Marks a posted card as not showing its row, so the watcher edits it again.
    pub async fn card_outdated(&self, id: ApprovalId) -> Result<(), StoreError> {
        sqlx::query("UPDATE approvals SET card_current = 0 WHERE id = $1")
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the message of a card the bridge posted but did not record yet, learnt from a
    /// click on it; `false` when its message id was recorded meanwhile.
    pub async fn card_seen(&self, id: ApprovalId, message_id: MessageId) -> Result<bool, StoreError> {
        // Only open gates lack a message, and their cards are posted open: the card is current
        // while the row is still pending.
        let update = sqlx::query(
            "UPDATE approvals SET message_id = $1, card_current = CASE WHEN state = 'pending' THEN 1 ELSE 0 END
             WHERE id = $2 AND message_id IS NULL",
        )
        .bind(message_id.column())
        .bind(id.get());
        let entry = NewAudit::by_bridge(id, AuditAction::CardPosted)
            .detail(format!("message {message_id}, seen in a click"));
        self.transition(update, entry).await
    }

    /// Notes that posting the card is being tried, keeping the time of the first try.
    pub async fn card_attempted(&self, id: ApprovalId) -> Result<(), StoreError> {
        sqlx::query("UPDATE approvals SET card_attempted_at = COALESCE(card_attempted_at, $1) WHERE id = $2")
            .bind(now_ms())
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Begins a write of the card of approval `id`: the row as it stands, and the write's number
    /// (see [`Store::card_updated`]); `None` when there is no such row.
    pub async fn begin_card_write(&self, id: ApprovalId) -> Result<Option<(Approval, i64)>, StoreError> {
        let row: Option<Row> =
            sqlx::query_as("UPDATE approvals SET card_writes = card_writes + 1 WHERE id = $1 RETURNING *")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|row| {
            let write = row.card_writes;
            Approval::try_from(row).map(|approval| (approval, write))
        })
        .transpose()
    }

    /// Notes that write number `write` of the card shows `rendered`: the card is current if the
    /// state did not move on and no other write began meanwhile. A write that lost that race
    /// (its edit may have landed after a newer one) begins another turn of the count, so that no
    /// write racing it counts as current either, and the next pass writes the card again.
    pub async fn card_updated(
        &self,
        id: ApprovalId,
        rendered: ApprovalState,
        write: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE approvals SET
                 card_current = CASE WHEN state = $1 AND card_writes = $2 THEN 1 ELSE 0 END,
                 card_writes = CASE WHEN card_writes = $2 THEN card_writes ELSE card_writes + 1 END
             WHERE id = $3",
        )
        .bind(rendered.as_str())
        .bind(write)
        .bind(id.get())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notes that a person deleted the card, so the bridge stops editing it.
    pub async fn card_deleted(&self, id: ApprovalId) -> Result<(), StoreError> {
        let update = sqlx::query(
            "UPDATE approvals SET card_deleted_at = $1 WHERE id = $2 AND card_deleted_at IS NULL",
        )
        .bind(now_ms())
        .bind(id.get());
        self.transition(update, NewAudit::by_bridge(id, AuditAction::CardDeleted)).await?;
        Ok(())
    }
}
