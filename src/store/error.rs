//! Storage errors mapped to their meaning, in one place.

use crate::approvals::ids::ApprovalId;

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file cannot be written (read-only file system, permissions).
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
        // SQLite's primary result codes, https://www.sqlite.org/rescode.html: the extended code
        // sqlx reports carries the primary one in its low byte.
        let primary = match &err {
            sqlx::Error::Database(db) => db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff),
            _ => None,
        };
        match primary {
            Some(5 | 6) => Self::Busy(err),  // SQLITE_BUSY, SQLITE_LOCKED
            Some(8) => Self::ReadOnly(err),  // SQLITE_READONLY
            Some(10) => Self::Io(err),       // SQLITE_IOERR
            Some(14) => Self::CantOpen(err), // SQLITE_CANTOPEN
            Some(13) => Self::DiskFull(err), // SQLITE_FULL
            _ => Self::Other(err),
        }
    }
}
