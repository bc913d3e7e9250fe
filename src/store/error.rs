use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("migration {version} failed: {source}")]
    Migration {
        version: String,
        #[source]
        source: sqlx::Error,
    },
    #[error(
        "migration {version} was edited after it was applied; restore its text and add a new migration instead"
    )]
    MigrationEdited { version: String },
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    fn sql_state(&self) -> Option<Cow<'_, str>> {
        match self {
            StoreError::Database(sqlx::Error::Database(error)) => error.code(),
            _ => None,
        }
    }

    /// A unique index refused the row.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(error)) if error.is_unique_violation())
    }

    /// Errors that may succeed when the same work is tried again: lost connections,
    /// pool timeouts, PostgreSQL deadlocks and serialisation failures, SQLite's busy
    /// and locked states.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            _ => matches!(
                self.sql_state().as_deref(),
                Some("40001" | "40P01" | "57P01" | "5" | "6" | "261" | "517")
            ),
        }
    }
}
