//! The database through sqlx: approvals, their audit trail, reviewers' choices on selection gates,
//! the routes admins set (watches) with their review policies, the approvals counted towards a
//! quorum, re-run requests and the forms they come from, the lease that lets one process at a time poll and post, and the ids of interactions
//! the endpoint has taken. Every query of the bridge
//! lives in this module.
//!
//! Two engines behind one set of queries, through sqlx's `Any` driver: SQLite (the default: one
//! process, one file) and PostgreSQL (`DATABASE_URL=postgres://…`, shared by several replicas).
//! The SQL is written to mean the same on both (`$1` parameters, 0/1 integer flags, `IS [NOT]
//! DISTINCT FROM`); each engine has its own migrations, the PostgreSQL ones in
//! `migrations/postgres/` beside their SQLite twins (see the README there).
//!
//! SQLite runs in WAL mode with a busy timeout, so the poller and many clicks can work at once.
//! On both engines each transition is one `UPDATE … WHERE state = <the state it leaves>`, so two
//! racing writers (two tasks, or two replicas) can never both win, and it is written together with
//! its audit entry in one transaction.

mod approvals;
mod audit;
mod cards;
mod claims;
mod clock;
mod error;
mod events;
mod history;
mod interactions;
mod lease;
mod outbox;
mod people;
mod policy;
mod repost;
mod rerun_drafts;
mod reruns;
mod selections;
mod stats;
mod threads;
mod votes;
mod watches;

use std::{num::NonZeroU64, str::FromStr};

use serenity::all::{ChannelId, GuildId, MessageId, RoleId, UserId};

use sqlx::{
    AnyPool, ConnectOptions as _, Connection as _, Executor as _,
    any::AnyPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode},
};

pub use approvals::{Approval, Claim, NewApproval, OpenGate, Reviewer};
pub use audit::{AuditAction, AuditEntry, MAX_AUDIT_TEXT, RefusalCount, RefusedAttempt};
pub use clock::{TEST_CLOCK_SKEW_FILE, now_ms};
pub use error::StoreError;
pub use history::{HistoryQuery, PastDecision};
pub use lease::LeaseHeld;
pub use outbox::{OutboxCounts, OutboxEvent};
pub use people::{PeopleAuditEntry, Person};
pub use policy::PendingGate;
pub use reruns::{Rerun, RerunDraft, RerunEnd, RerunRequest};
pub use threads::CardThread;
pub use votes::Vote;
pub use watches::{NewWatch, RouteAuditEntry, Watch};

/// How long a PostgreSQL connection may sit in the pool before it is checked again when taken.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// The bridge's database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    shared: bool,
}

/// Whether `url` names a PostgreSQL database (else it is SQLite).
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with its password hidden (in the userinfo or a `password=` parameter), for messages
/// and logs.
pub fn shown_url(url: &str) -> String {
    crate::redact::redact(url).into_owned()
}

impl Store {
    /// Opens (creating if missing, for SQLite) the database at `url` and applies pending
    /// migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        if is_postgres(url) {
            let pool = AnyPoolOptions::new()
                .max_connections(8)
                // sqlx checks a connection with a round trip every time it is taken from the
                // pool; a click takes one per statement, so only a connection idle for a while
                // (which a server restart or a firewall may have cut) is checked.
                .test_before_acquire(false)
                .before_acquire(|conn, meta| {
                    Box::pin(async move {
                        if meta.idle_for >= IDLE_CHECK {
                            conn.ping().await?;
                        }
                        Ok(true)
                    })
                })
                .connect(url)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            let store = Self { pool, shared: true };
            store.sync_clock().await?;
            return Ok(store);
        }
        // `Any` opens SQLite from the URL alone: the file is created, and put in WAL mode (which
        // the file keeps), by one native connection first.
        let options =
            SqliteConnectOptions::from_str(url)?.create_if_missing(true).journal_mode(SqliteJournalMode::Wal);
        options.connect().await?.close().await?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            // SQLite opens a file it may not write read-only, silently, and such a connection
            // stays read-only after the file is writable again (found by the read-only database
            // test, `tests/it/reliability/database.rs`): a connection that cannot take the write
            // lock once is refused at connect, so the pool opens a writable one later.
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("BEGIN IMMEDIATE").await?;
                    conn.execute("ROLLBACK").await.map(drop)
                })
            })
            // A write that fails with SQLITE_FULL or an I/O error inside a transaction is rolled
            // back by SQLite itself; the connection could then come back from the pool still
            // inside a transaction of its own, reading an old snapshot forever (found by the
            // full-disk test, `tests/it/reliability/database.rs`: a new gate's card was never
            // posted). A connection that cannot start a transaction is not handed out again.
            .before_acquire(|conn, _| {
                Box::pin(async move {
                    match conn.execute("BEGIN").await {
                        Ok(_) => conn.execute("COMMIT").await.map(|_| true),
                        Err(_) => Ok(false),
                    }
                })
            })
            .connect(url)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        let store = Self { pool, shared: false };
        store.sync_clock().await?;
        Ok(store)
    }

    /// Opens an existing database read-only, creating and migrating nothing: for `scan` and
    /// `export`, which only look (and may run beside a bridge that owns the file). A PostgreSQL
    /// session is made read-only, so a write would be refused by the server.
    pub async fn open_read_only(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let url = if is_postgres(url) {
            url.to_owned()
        } else {
            // sqlx reads the URL's last `mode`: this one wins over any the setting had.
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}mode=ro")
        };
        let shared = is_postgres(&url);
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if shared {
                        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Self { pool, shared })
    }

    /// Whether several processes may share this database at once (PostgreSQL): then what one
    /// process keeps in memory (routes, card turns) is checked against the database.
    pub fn is_shared(&self) -> bool {
        self.shared
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Reads the database's clock into the shared time ([`now_ms`]): PostgreSQL's, or on SQLite
    /// this machine's. Read at the moment halfway through the round trip.
    pub async fn sync_clock(&self) -> Result<(), StoreError> {
        let asked = std::time::Instant::now();
        let shared_ms = if self.shared {
            let (ms,): (i64,) =
                sqlx::query_as("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)")
                    .fetch_one(&self.pool)
                    .await?;
            ms
        } else {
            clock::wall_ms()
        };
        clock::set(shared_ms, asked + asked.elapsed() / 2);
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

#[cfg(test)]
pub(crate) mod tests;
