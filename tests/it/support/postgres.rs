//! A PostgreSQL schema of its own for one test, on the server CI runs (`TEST_POSTGRES_URL`, else
//! `postgres://postgres@127.0.0.1:5432/test`), dropped with the guard.

use sqlx::{Connection as _, Executor as _, PgConnection};

/// The test server's URL.
pub fn server_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A fresh schema; `None` (after saying so on the terminal, past the harness's capture) when no
/// PostgreSQL answers, so the calling test skips.
pub struct TempSchema {
    name: String,
}

impl TempSchema {
    /// Creates the schema, or `None` (and a note naming `test`) without a server.
    pub async fn create(test: &str) -> Option<Self> {
        let mut conn = match PgConnection::connect(&server_url()).await {
            Ok(conn) => conn,
            Err(err) => {
                use std::io::Write as _;
                let note = format!("skipped {test}: no PostgreSQL at {} ({err})\n", server_url());
                let _ = std::io::stderr().write_all(note.as_bytes());
                return None;
            }
        };
        let name = format!("it_{:016x}", fastrand::u64(..));
        conn.execute(format!("CREATE SCHEMA {name}").as_str()).await.expect("create the schema");
        Some(Self { name })
    }

    /// `DATABASE_URL` for a bridge on this schema.
    pub fn url(&self) -> String {
        format!("{}?options[search_path]={}", server_url(), self.name)
    }
}

impl Drop for TempSchema {
    fn drop(&mut self) {
        let sql = format!("DROP SCHEMA {} CASCADE", self.name);
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&server_url()).await?;
                conn.execute(sql.as_str()).await.map(drop)
            })
        })
        .join();
    }
}
