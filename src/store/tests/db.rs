//! The databases the store's tests run on: a SQLite file, or a PostgreSQL schema of its own, and
//! [`on_both_engines!`], which runs a test on each.

use crate::store::Store;

/// Runs each test once per engine, as `<name>::on_sqlite` and `<name>::on_postgres`: the test's
/// `temp_store()` opens a store on that engine. Where no PostgreSQL answers, the PostgreSQL run
/// is skipped and says so on the terminal.
macro_rules! on_both_engines {
    ($($(#[doc = $doc:literal])* async fn $name:ident() $body:block)*) => {$(
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            use $crate::store::tests::db::{ENGINE, Engine, postgres_reachable};

            async fn test() $body

            #[tokio::test]
            async fn on_sqlite() {
                ENGINE.scope(Engine::Sqlite, test()).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                if postgres_reachable(module_path!()).await {
                    ENGINE.scope(Engine::Postgres, test()).await;
                }
            }
        }
    )*};
}
pub(crate) use on_both_engines;

/// The engine a test's stores are opened on.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Engine {
    Sqlite,
    Postgres,
}

tokio::task_local! {
    /// Set by `on_both_engines!` for the test it runs.
    pub(crate) static ENGINE: Engine;
}

/// The PostgreSQL server the tests use: `TEST_POSTGRES_URL`, else the local one CI runs.
fn postgres_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// Whether the test PostgreSQL answers; when not, says on the terminal (past the test harness's
/// capture) that `test` is skipped.
pub(crate) async fn postgres_reachable(test: &str) -> bool {
    use sqlx::Connection as _;
    match sqlx::PgConnection::connect(&postgres_url()).await {
        Ok(conn) => {
            let _ = conn.close().await;
            true
        }
        Err(err) => {
            use std::io::Write as _;
            let note = format!("skipped {test}::on_postgres: no PostgreSQL at {} ({err})\n", postgres_url());
            let _ = std::io::stderr().write_all(note.as_bytes());
            false
        }
    }
}

/// What keeps a test's database alive: a temporary directory holding the SQLite file, or a
/// PostgreSQL schema of its own, dropped with the guard.
pub(crate) enum TempDb {
    // Held for its `Drop`, which removes the directory.
    File(#[allow(dead_code)] tempfile::TempDir),
    Schema(String),
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let Self::Schema(schema) = self else { return };
        let sql = format!("DROP SCHEMA {schema} CASCADE");
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test schema");
            runtime.block_on(async {
                use sqlx::{Connection as _, Executor as _};
                let mut conn = sqlx::PgConnection::connect(&postgres_url()).await?;
                conn.execute(sql.as_str()).await?;
                conn.close().await
            })
        });
        if let Ok(Err(err)) = dropped.join() {
            eprintln!("the test schema could not be dropped: {err}");
        }
    }
}

/// A store on a fresh database of the test's engine (SQLite outside `on_both_engines!`): a file
/// in a temporary directory, or a schema of its own on the test PostgreSQL. Kept as long as the
/// guard.
pub(crate) async fn temp_store() -> (Store, TempDb) {
    match ENGINE.try_with(|engine| *engine).unwrap_or(Engine::Sqlite) {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("a temporary directory for the test database");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (Store::connect(&url).await.expect("the test database opens"), TempDb::File(dir))
        }
        Engine::Postgres => {
            use sqlx::{Connection as _, Executor as _};
            let schema = format!("store_test_{:016x}", fastrand::u64(..));
            let mut conn =
                sqlx::PgConnection::connect(&postgres_url()).await.expect("the test PostgreSQL answers");
            conn.execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .expect("the test schema is created");
            conn.close().await.expect("the set-up connection closes");
            let url = format!("{}?options[search_path]={schema}", postgres_url());
            (Store::connect(&url).await.expect("the test schema opens as a store"), TempDb::Schema(schema))
        }
    }
}
