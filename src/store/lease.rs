//! The lease row: which process may act on the database, until when.

use super::{Store, StoreError};

/// The one lease the bridge takes: a database serves one active bridge at a time.
const NAME: &str = "bridge";

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
        // One statement, so two processes racing for a free or expired lease cannot both win.
        let taken = sqlx::query(
            "INSERT INTO lease (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE lease.holder = excluded.holder OR lease.expires_at <= $4 OR lease.holder = $5",
        )
        .bind(NAME)
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
                .bind(NAME)
                .fetch_optional(&self.pool)
                .await?;
        // Released between the two statements: the next attempt takes it.
        let (holder, expires_at) = current.unwrap_or_default();
        Ok(Some(LeaseHeld { holder, expires_at }))
    }

    /// Gives the lease up, if `holder` still holds it, so a waiting process takes over at once.
    pub async fn release_lease(&self, holder: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM lease WHERE name = $1 AND holder = $2")
            .bind(NAME)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
