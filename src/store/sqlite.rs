//! SQLite: the embedded default. One connection writes (SQLite has a single writer
//! anyway, and the ingest writer batches into it); a small pool reads concurrently
//! thanks to WAL mode.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub struct SqliteStore {
    read: sqlx::SqlitePool,
    write: sqlx::SqlitePool,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit is on disk before ingest acknowledges it.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            .statement_cache_capacity(super::engine::STATEMENT_CACHE)
            .pragma("temp_store", "memory");
        // The default page cache on purpose: SQLite walks the whole cache at every
        // commit, so a large one costs more per transaction than it saves.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true).create_if_missing(false))
            .await?;
        Ok(Self { read, write })
    }
}

super::engine::sql_store! {
    database: sqlx::Sqlite,
    store: SqliteStore,
    tx: SqliteTx,
    engine: Engine::Sqlite,
    // A single writer connection serialises writes; there is nothing to lock.
    for_update: "",
    greatest: "max",
    migration_lock: "",
    migration_unlock: "",
}
