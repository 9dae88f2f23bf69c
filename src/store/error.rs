//! Storage errors mapped to their meaning, in one place.

use crate::approvals::ids::ApprovalId;

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be written (read-only file system, permissions, a standby server).
    #[error("the database is read-only: check the permissions of the file behind DATABASE_URL")]
    ReadOnly(#[source] sqlx::Error),
    /// The disk holding the database is full.
    #[error("the disk holding the database is full: free some space")]
    DiskFull(#[source] sqlx::Error),
    /// The disk or file system failed a read or write (including a file made immutable).
    #[error(
        "the database file could not be read or written: check the disk and the file behind DATABASE_URL"
    )]
    Io(#[source] sqlx::Error),
    /// The database file could not be opened or created.
    #[error(
        "the database file could not be opened: check that the folder in DATABASE_URL exists and is writable"
    )]
    CantOpen(#[source] sqlx::Error),
    /// Another writer held the database for longer than the busy timeout.
    #[error("the database stayed locked by another writer: try again")]
    Busy(#[source] sqlx::Error),
    /// A stored row holds a value this version cannot read.
    #[error("approval {id} holds an unreadable {what}")]
    Corrupt {
        /// The approval's row id.
        id: ApprovalId,
        /// Which column, and what was found.
        what: String,
    },
    /// Migrations could not be applied.
    #[error("the database schema could not be brought up to date")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database failure.
    #[error("database error")]
    Other(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        let kind = match &err {
            sqlx::Error::Database(db) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                db.code().and_then(|code| sqlite_kind(&code))
            }
            sqlx::Error::Database(db) => db.code().and_then(|code| postgres_kind(&code)),
            _ => None,
        };
        match kind {
            Some(Kind::Busy) => Self::Busy(err),
            Some(Kind::ReadOnly) => Self::ReadOnly(err),
            Some(Kind::Io) => Self::Io(err),
            Some(Kind::CantOpen) => Self::CantOpen(err),
            Some(Kind::DiskFull) => Self::DiskFull(err),
            None => Self::Other(err),
        }
    }
}

enum Kind {
    Busy,
    ReadOnly,
    Io,
    CantOpen,
    DiskFull,
}

/// SQLite's primary result codes, https://www.sqlite.org/rescode.html: the extended code sqlx
/// reports carries the primary one in its low byte.
fn sqlite_kind(code: &str) -> Option<Kind> {
    match code.parse::<i32>().ok()? & 0xff {
        5 | 6 => Some(Kind::Busy),  // SQLITE_BUSY, SQLITE_LOCKED
        8 => Some(Kind::ReadOnly),  // SQLITE_READONLY
        10 => Some(Kind::Io),       // SQLITE_IOERR
        14 => Some(Kind::CantOpen), // SQLITE_CANTOPEN
        13 => Some(Kind::DiskFull), // SQLITE_FULL
        _ => None,
    }
}

/// PostgreSQL's SQLSTATE codes, https://www.postgresql.org/docs/current/errcodes-appendix.html.
fn postgres_kind(code: &str) -> Option<Kind> {
    match code {
        // serialization_failure, deadlock_detected, lock_not_available
        "40001" | "40P01" | "55P03" => Some(Kind::Busy),
        "25006" => Some(Kind::ReadOnly), // read_only_sql_transaction (a standby server)
        "53100" => Some(Kind::DiskFull), // disk_full
        "58030" => Some(Kind::Io),       // io_error
        _ => None,
    }
}
