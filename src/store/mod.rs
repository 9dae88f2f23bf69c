//! SQLite through sqlx: approvals, their audit trail, reviewers' choices on selection gates, the
//! routes admins set (watches), and the lease that lets one process at a time act on the database. Every query of the bridge lives in
//! this module.
//!
//! The database runs in WAL mode with a busy timeout, so the poller and many clicks can work at
//! once; each transition is one `UPDATE … WHERE state = <the state it leaves>` so two racing
//! writers can never both win, and it is written together with its audit entry in one transaction.

mod approvals;
mod audit;
mod error;
mod history;
mod lease;
mod repost;
mod selections;
mod stats;
mod watches;

use std::{num::NonZeroU64, str::FromStr, time::Duration};

use serenity::all::{ChannelId, GuildId, MessageId, RoleId, UserId};

use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub use approvals::{Approval, Claim, NewApproval, OpenGate, Reviewer};
pub use audit::{AuditAction, AuditEntry, MAX_AUDIT_TEXT, Refusal, RefusalCount};
pub use error::StoreError;
pub use history::{HistoryQuery, PastDecision};
pub use lease::LeaseHeld;
pub use watches::{NewWatch, RouteAuditEntry, Watch};

/// The bridge's database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if missing) the database at `url` and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // A write that fails with SQLITE_FULL or an I/O error inside a transaction is rolled
            // back by SQLite itself; the connection could then come back from the pool still
            // inside a transaction of its own, reading an old snapshot forever (found by the
            // full-disk test, `tests/it/reliability/database.rs`: a new gate's card was never
            // posted). A connection that cannot start a transaction is not handed out again.
            .before_acquire(|conn, _| {
                Box::pin(async move {
                    use sqlx::Executor as _;
                    match conn.execute("BEGIN").await {
                        Ok(_) => conn.execute("COMMIT").await.map(|_| true),
                        Err(_) => Ok(false),
                    }
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }

    /// Opens an existing database read-only, creating and migrating nothing: for `scan`, which
    /// only looks (and may run beside a bridge that owns the file).
    pub async fn open_read_only(url: &str) -> Result<Self, StoreError> {
        let options =
            SqliteConnectOptions::from_str(url)?.read_only(true).busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
        Ok(Self { pool })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A Discord id as a column holds it. Snowflakes fit in 63 bits, so the `INTEGER` column holds
/// the same number; these two conversions are the only place ids meet raw integers.
pub(crate) trait Snowflake: Sized {
    /// The column's value.
    fn column(self) -> i64;
    /// The id a column holds. The bridge writes only serenity ids, never 0; a 0 written by
    /// something else reads as the largest id, which names nothing, rather than a panic.
    fn from_column(column: i64) -> Self;
}

macro_rules! snowflake {
    ($($id:ty),*) => {$(
        impl Snowflake for $id {
            fn column(self) -> i64 {
                self.get() as i64
            }

            fn from_column(column: i64) -> Self {
                Self::from(NonZeroU64::new(column as u64).unwrap_or(NonZeroU64::MAX))
            }
        }
    )*};
}

snowflake!(ChannelId, GuildId, MessageId, RoleId, UserId);

/// The current time as unix milliseconds, the unit of every time column.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod lease_tests;
#[cfg(test)]
mod route_tests;
#[cfg(test)]
pub(crate) mod tests;
