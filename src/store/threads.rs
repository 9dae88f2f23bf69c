//! The thread columns: a route's `threads` option (on `watches`), and each card's thread (on
//! `approvals`): started, closed, or why there is none. See `cards::threads`.

use serenity::all::ChannelId;

use super::{Reviewer, Snowflake, Store, StoreError, Watch};
use crate::approvals::{ids::ApprovalId, ids::WorkflowId};

/// A card's thread, as the store knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardThread {
    /// The thread, once started (its id is the card's message id).
    pub id: Option<ChannelId>,
    /// Whether its closing message was sent and it was archived (or that was tried).
    pub closed: bool,
    /// Why the card has no thread, shown on the card: a permission the bot lacks.
    pub missing: Option<String>,
}

impl CardThread {
    /// From the columns `thread_id`, `thread_closed`, `no_thread`.
    pub(super) fn from_columns(id: Option<i64>, closed: i64, missing: Option<String>) -> Self {
        Self { id: id.map(ChannelId::from_column), closed: closed != 0, missing }
    }

    /// The thread pings go to: started and not closed.
    pub fn open(&self) -> Option<ChannelId> {
        self.id.filter(|_| !self.closed)
    }
}

impl Store {
    /// Gives the route of `workflow_id` its thread setting (`threads`: on or off, `None` the
    /// default), audited as a `watch` of the route (`shown_as`: the setting in words); `None`
    /// when the workflow has no route. Cards posted from then on follow it.
    pub async fn set_route_threads(
        &self,
        workflow_id: &WorkflowId,
        threads: Option<bool>,
        shown_as: &str,
        by: &Reviewer,
    ) -> Result<Option<Watch>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query("UPDATE watches SET threads = $1 WHERE workflow_id = $2")
            .bind(threads.map(i64::from))
            .bind(workflow_id.as_str())
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(None);
        }
        let watch = Self::watch_in(&mut tx, workflow_id).await?;
        super::watches::audit_route(&mut tx, "watch", &watch, Some(shown_as), by).await?;
        tx.commit().await?;
        Ok(Some(watch))
    }

    /// Records the thread started from the card of approval `id`.
    pub async fn thread_started(&self, id: ApprovalId, thread: ChannelId) -> Result<(), StoreError> {
        sqlx::query("UPDATE approvals SET thread_id = $1, no_thread = NULL WHERE id = $2")
            .bind(thread.column())
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records why the card of approval `id` has no thread, and marks the card stale so the next
    /// pass shows it.
    pub async fn no_thread(&self, id: ApprovalId, why: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE approvals SET no_thread = $1, card_current = 0 WHERE id = $2")
            .bind(why)
            .bind(id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Takes the closing of the thread of approval `id`; `false` when it was taken already (a
    /// thread gets one closing message, however often its card is written).
    pub async fn closing_thread(&self, id: ApprovalId) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE approvals SET thread_closed = 1
             WHERE id = $1 AND thread_id IS NOT NULL AND thread_closed = 0",
        )
        .bind(id.get())
        .execute(&self.pool)
        .await?;
        Ok(updated.rows_affected() == 1)
    }
}
