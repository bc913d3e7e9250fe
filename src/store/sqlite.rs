//! SQLite: the embedded default. One connection writes (SQLite has a single writer
//! anyway, and the ingest writer batches into it); a small pool reads concurrently
//! thanks to WAL mode; a background task checkpoints the WAL so that the writer never
//! stalls on a checkpoint inside a commit.

use std::path::Path;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub struct SqliteStore {
    read: sqlx::SqlitePool,
    write: sqlx::SqlitePool,
    // Held for its Drop: the checkpoint task stops with the store.
    _checkpointer: AbortOnDrop,
}

/// How often the WAL is copied back into the database file.
const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(500);

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// PASSIVE checkpoints take no lock the writer needs, so they run beside ingest.
async fn checkpoint_forever(pool: sqlx::SqlitePool) {
    let mut ticker = tokio::time::interval(CHECKPOINT_INTERVAL);
    loop {
        ticker.tick().await;
        if let Err(error) = sqlx::query("pragma wal_checkpoint(passive)")
            .execute(&pool)
            .await
        {
            tracing::warn!(error = %error, "sqlite checkpoint failed");
        }
    }
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
        // The background checkpointer keeps the WAL short during ingest, so the writer
        // rarely pays for a checkpoint inside a commit. The writer's own, much later
        // threshold is the safety valve for back-to-back bulk transactions (seeding),
        // where the WAL can only restart once the writer itself has caught up.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone().pragma("wal_autocheckpoint", "16384"))
            .await?;
        let checkpoint = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true).create_if_missing(false))
            .await?;
        let checkpointer = AbortOnDrop(tokio::spawn(checkpoint_forever(checkpoint)));
        Ok(Self {
            read,
            write,
            _checkpointer: checkpointer,
        })
    }
}

super::account_sql::sql_account_store! {
    database: sqlx::Sqlite,
    store: SqliteStore,
    for_update: "",
}

super::drilldown_sql::sql_drilldown_store! {
    database: sqlx::Sqlite,
    store: SqliteStore,
    engine: Engine::Sqlite,
}

super::rollup_sql::sql_rollup_store! {
    database: sqlx::Sqlite,
    store: SqliteStore,
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
    conference_key_lock: "",
    // SQLite has no data-modifying CTEs.
    combine_sample_inserts: false,
}
