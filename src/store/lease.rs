//! Lease rows: which process may poll and post, until when; and, in the same table under other
//! names, each running replica's heartbeat and the turns replicas take to write one card.

use super::{Store, StoreError};

/// The one lease the bridge takes: a database serves one active bridge at a time.
const NAME: &str = "bridge";
/// The prefix of a replica's heartbeat row: `replica:<owner of its claims>`.
const REPLICA: &str = "replica:";
/// The prefix of the row of a card's write turn: `card:<approval id>`.
const CARD: &str = "card:";

/// Who holds the lease, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHeld {
    /// The holder's identity, as it took the lease.
    pub holder: String,
    /// When the lease ends unless renewed, unix milliseconds.
    pub expires_at: i64,
}

impl Store {
    /// Takes or renews the lease for `holder` until `until_ms`. It is taken when it is free, is
    /// already `holder`'s (a renewal), expired by `now_ms`, or held by `dead` (a holder known to
    /// have stopped). `Ok(None)` when `holder` holds it now; otherwise who does.
    pub async fn take_lease(
        &self,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
        dead: Option<&str>,
    ) -> Result<Option<LeaseHeld>, StoreError> {
        self.take_named(NAME, holder, now_ms, until_ms, dead).await
    }

    /// Gives the lease up, if `holder` still holds it, so a waiting process takes over at once.
    pub async fn release_lease(&self, holder: &str) -> Result<(), StoreError> {
        self.release_named(NAME, holder).await
    }

    /// Records that replica `owner` (whose process is `holder`) runs, until `until_ms`.
    pub async fn beat(
        &self,
        owner: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<(), StoreError> {
        let name = format!("{REPLICA}{owner}");
        // The row is the replica's own: taking it renews it.
        self.take_named(&name, holder, now_ms, until_ms, None).await.map(drop)
    }

    /// The process of replica `owner` while its heartbeat has not expired at `now_ms`.
    pub async fn replica(&self, owner: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
        let holder: Option<(String,)> =
            sqlx::query_as("SELECT holder FROM lease WHERE name = $1 AND expires_at > $2")
                .bind(format!("{REPLICA}{owner}"))
                .bind(now_ms)
                .fetch_optional(&self.pool)
                .await?;
        Ok(holder.map(|(holder,)| holder))
    }

    /// Removes the heartbeat of replica `owner` (a clean stop).
    pub async fn stop_beating(&self, owner: &str, holder: &str) -> Result<(), StoreError> {
        self.release_named(&format!("{REPLICA}{owner}"), holder).await
    }

    /// Takes the turn to write the card of approval `id` for `holder` until `until_ms`, also from
    /// `dead` (a replica known to have stopped); `Ok(None)` when taken, else whose turn runs.
    pub async fn take_card_turn(
        &self,
        id: i64,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
        dead: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        let held = self.take_named(&format!("{CARD}{id}"), holder, now_ms, until_ms, dead).await?;
        Ok(held.map(|held| held.holder))
    }

    /// Ends `holder`'s turn on the card of approval `id`.
    pub async fn end_card_turn(&self, id: i64, holder: &str) -> Result<(), StoreError> {
        self.release_named(&format!("{CARD}{id}"), holder).await
    }

    async fn take_named(
        &self,
        name: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
        dead: Option<&str>,
    ) -> Result<Option<LeaseHeld>, StoreError> {
        // One statement, so two processes racing for a free or expired lease cannot both win.
        let taken = sqlx::query(
            "INSERT INTO lease (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE lease.holder = excluded.holder OR lease.expires_at <= $4 OR lease.holder = $5",
        )
        .bind(name)
        .bind(holder)
        .bind(until_ms)
        .bind(now_ms)
        .bind(dead)
        .execute(&self.pool)
        .await?
        .rows_affected()
            == 1;
        if taken {
            return Ok(None);
        }
        let current: Option<(String, i64)> =
            sqlx::query_as("SELECT holder, expires_at FROM lease WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        // Released between the two statements: the next attempt takes it.
        let (holder, expires_at) = current.unwrap_or_default();
        Ok(Some(LeaseHeld { holder, expires_at }))
    }

    async fn release_named(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM lease WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
