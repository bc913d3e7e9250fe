//! Storage behind one interface, implemented once in SQL for both engines
//! (`sql_store!` in `engine.rs`), with SQLite and PostgreSQL supplying only their
//! connection setup and the few dialect words that differ.

mod account_sql;
pub mod accounts;
pub mod drilldown;
mod drilldown_sql;
mod engine;
mod error;
mod migrate;
pub mod models;
mod postgres;
pub mod resource;
mod rollup_sql;
pub mod rollups;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use crate::domain::access::Visibility;
use crate::domain::conference::ConferenceFacts;

pub use accounts::AccountStore;
pub use drilldown::DrillDownStore;
pub use error::{StoreError, StoreResult};
pub use models::*;
pub use resource::{ListFilter, Page, PageRequest, Record, Resource};
pub use rollups::RollupStore;

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

pub type SharedStore = Arc<dyn Store>;

/// Opens the store a configuration names: PostgreSQL for a `postgres://` URL,
/// otherwise the SQLite file `callvitals.db` in `data_dir`. Migrations run first.
pub async fn open(database_url: Option<&str>, data_dir: &Path) -> anyhow::Result<SharedStore> {
    Ok(open_with_maintenance(database_url, data_dir).await?.0)
}

/// [`open`], with the maintenance interface of the same store (seeding, inspection).
pub async fn open_with_maintenance(
    database_url: Option<&str>,
    data_dir: &Path,
) -> anyhow::Result<(SharedStore, SharedMaintenance)> {
    let opened: (SharedStore, SharedMaintenance) = match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            both(Arc::new(postgres::PgStore::connect(url).await?))
        }
        Some(url) if url.starts_with("sqlite:") => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            both(Arc::new(sqlite::SqliteStore::open(Path::new(path)).await?))
        }
        Some(other) => anyhow::bail!(
            "DATABASE_URL must start with postgres:// or sqlite: (got scheme {:?})",
            other.split(':').next().unwrap_or_default()
        ),
        None => {
            std::fs::create_dir_all(data_dir)?;
            both(Arc::new(
                sqlite::SqliteStore::open(&data_dir.join("callvitals.db")).await?,
            ))
        }
    };
    opened.0.migrate().await?;
    Ok(opened)
}

fn both<S: Store + Maintenance>(store: Arc<S>) -> (SharedStore, SharedMaintenance) {
    (store.clone(), store)
}

/// Opens PostgreSQL inside one schema of a database. Tests and benchmarks use this to
/// get a fresh, isolated store on a shared server.
pub async fn open_postgres_schema(
    url: &str,
    schema: &str,
) -> anyhow::Result<(SharedStore, SharedMaintenance)> {
    let store = Arc::new(postgres::PgStore::connect_in_schema(url, schema).await?);
    store.migrate().await?;
    Ok(both(store))
}

/// Drops a schema made by [`open_postgres_schema`].
pub async fn drop_postgres_schema(url: &str, schema: &str) -> anyhow::Result<()> {
    postgres::drop_schema(url, schema).await
}

/// The storage interface. Reads run on a pool; writes go through [`StoreTx`], which
/// the ingest writer uses to commit many requests in one transaction.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn engine(&self) -> Engine;
    async fn migrate(&self) -> StoreResult<()>;
    async fn health(&self) -> StoreResult<()>;
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>>;
    async fn close(&self);

    /// Users, sessions, tokens, apps and the audit trail.
    fn accounts(&self) -> &dyn AccountStore;

    /// Rollup cells: chart reads and rebuilds.
    fn rollups(&self) -> &dyn RollupStore;

    /// The conference page, the participant page and search.
    fn drilldown(&self) -> &dyn DrillDownStore;

    /// The value of a shared secret, created from `generated` on first use. All
    /// instances on one database read the same value.
    async fn shared_secret(&self, name: &str, generated: &str) -> StoreResult<String>;

    /// The live app with this ingest key, or whose previous key is still in its
    /// grace period at `now`.
    async fn app_by_api_key(&self, api_key: &str, now: i64) -> StoreResult<Option<AppRecord>>;
    async fn session_identity(&self, session_id: Uuid) -> StoreResult<Option<SessionIdentity>>;
    async fn connection_identity(
        &self,
        connection_id: Uuid,
    ) -> StoreResult<Option<ConnectionIdentity>>;
    /// The app of a conference, when the participant is linked to it (the checks an
    /// init token needs before a session can be created).
    async fn init_identity(
        &self,
        conference_id: Uuid,
        participant_id: Uuid,
    ) -> StoreResult<Option<Uuid>>;
    async fn conference_by_customer_id(
        &self,
        app_id: Uuid,
        conference_id: &str,
    ) -> StoreResult<Option<Uuid>>;
    async fn participant_by_customer_id(
        &self,
        app_id: Uuid,
        participant_id: &str,
    ) -> StoreResult<Option<Uuid>>;

    /// Whether the batch with this id committed (see [`StoreTx::finish_batch`]).
    async fn batch_committed(&self, batch_id: Uuid) -> StoreResult<bool>;
    /// Forgets batch ids recorded before `before`.
    async fn prune_batches(&self, before: i64) -> StoreResult<u64>;

    /// Every app with its retention period in days, deleted apps included.
    async fn retention_periods(&self) -> StoreResult<Vec<(Uuid, i32)>>;
    /// Deletes the stats samples, track samples and events older than `cutoff` of
    /// the app's next `limit` conferences created before `cutoff`, after `after`
    /// (`(created_at, id)` keyset order), in one short transaction.
    async fn prune_raw_rows(
        &self,
        app_id: Uuid,
        cutoff: i64,
        after: Option<(i64, Uuid)>,
        limit: i64,
    ) -> StoreResult<RawPrune>;

    /// Ongoing conferences whose coarse last activity is older than `cutoff`.
    async fn stale_conferences(&self, cutoff: i64, limit: i64) -> StoreResult<Vec<Uuid>>;

    /// One page of a resource, newest first, with the total count of the filter.
    /// Only rows of live apps of the visible organizations are listed or counted.
    async fn list(
        &self,
        visible: &Visibility,
        resource: Resource,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> StoreResult<Page>;
    /// One object, if it belongs to a live app of a visible organization.
    async fn get(
        &self,
        visible: &Visibility,
        resource: Resource,
        id: Uuid,
    ) -> StoreResult<Option<Record>>;
}

/// What the demo seeder, the benchmarks and the tests need beyond serving: bulk
/// loading and inspection. The server never uses it, so it is kept out of [`Store`].
#[async_trait]
pub trait Maintenance: Send + Sync + 'static {
    /// Bulk load, in one transaction: every row in as few statements as possible.
    async fn insert_seed(&self, batch: &SeedBatch) -> StoreResult<()>;
    /// Row counts of the main tables.
    async fn table_counts(&self) -> StoreResult<TableCounts>;
    /// Stored samples of one connection, oldest first.
    async fn stats_samples(&self, connection_id: Uuid) -> StoreResult<Vec<StatsSampleRow>>;
    async fn track_samples(&self, connection_id: Uuid) -> StoreResult<Vec<TrackSampleRow>>;
    /// Events of a conference, oldest first.
    async fn events(&self, conference_id: Uuid) -> StoreResult<Vec<EventRow>>;
    /// Refreshes the planner's statistics after a bulk load, so the first reads do
    /// not run on the estimates of empty tables.
    async fn refresh_statistics(&self) -> StoreResult<()>;
}

pub type SharedMaintenance = Arc<dyn Maintenance>;

/// One write transaction. Nothing is visible to readers until `commit`.
#[async_trait]
pub trait StoreTx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;
    async fn rollback(self: Box<Self>) -> StoreResult<()>;

    // Accounts and apps.
    async fn upsert_organization(&mut self, name: &str, now: i64) -> StoreResult<Uuid>;
    async fn insert_app(&mut self, app: &AppRecord) -> StoreResult<()>;

    // Commands. Each command of a batch runs under a savepoint, taken lazily just
    // before its first statement, so a command that touches nothing costs nothing.
    /// The next statements belong to a new command.
    fn begin_command(&mut self);
    /// Undoes the current command's statements (if it ran any).
    async fn undo_command(&mut self) -> StoreResult<()>;
    /// The commands are over: statements from now on belong to the batch and take no
    /// savepoint.
    fn end_commands(&mut self);

    // Conferences and participants.
    /// Serialises `initialize` for one customer conference id across instances.
    async fn lock_conference_key(&mut self, app_id: Uuid, conference_id: &str) -> StoreResult<()>;
    /// The newest conference with this customer id, locked.
    async fn latest_conference(
        &mut self,
        app_id: Uuid,
        conference_id: &str,
    ) -> StoreResult<Option<ConferenceRow>>;
    async fn insert_conference(&mut self, conference: &ConferenceRow) -> StoreResult<()>;
    async fn rename_conference(&mut self, conference_id: Uuid, name: &str) -> StoreResult<()>;
    /// A conference, locked until the transaction ends.
    async fn load_conference(&mut self, conference_id: Uuid) -> StoreResult<Option<ConferenceRow>>;
    async fn save_conference(&mut self, facts: &ConferenceFacts) -> StoreResult<()>;
    /// Moves the coarse last activity forward (never back). Ids must be sorted.
    async fn touch_conferences(&mut self, activity: &[(Uuid, i64)]) -> StoreResult<()>;
    async fn last_activity(&mut self, conference_id: Uuid) -> StoreResult<Option<i64>>;
    /// A participant naming itself (`initialize`): its name is updated, and it is no
    /// SFU, since SFUs do not run the SDK.
    async fn upsert_own_participant(
        &mut self,
        participant: &ParticipantUpsert<'_>,
    ) -> StoreResult<Uuid>;
    /// A participant another one names as its peer: created on first sight, never
    /// changed afterwards (a client may only name and change its own participant).
    async fn ensure_peer_participant(
        &mut self,
        participant: &ParticipantUpsert<'_>,
    ) -> StoreResult<Uuid>;
    async fn link_participant(
        &mut self,
        conference_id: Uuid,
        participant_id: Uuid,
        now: i64,
    ) -> StoreResult<()>;
    async fn participant_in_conference(
        &mut self,
        conference_id: Uuid,
        reference: &str,
    ) -> StoreResult<Option<Uuid>>;
    async fn participant_is_sfu(&mut self, participant_id: Uuid) -> StoreResult<bool>;

    // Sessions.
    async fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()>;
    async fn session_count(
        &mut self,
        conference_id: Uuid,
        participant_id: Uuid,
    ) -> StoreResult<i64>;
    async fn lock_session(&mut self, session_id: Uuid) -> StoreResult<Option<SessionRow>>;
    async fn save_session(&mut self, session: &SessionRow) -> StoreResult<()>;
    async fn sessions_of_conference(&mut self, conference_id: Uuid) -> StoreResult<Vec<Uuid>>;

    // Connections.
    async fn insert_connection(&mut self, connection: &ConnectionRow) -> StoreResult<()>;
    async fn lock_connection(&mut self, connection_id: Uuid) -> StoreResult<Option<ConnectionRow>>;
    async fn save_connection(&mut self, connection: &ConnectionRow) -> StoreResult<()>;
    async fn open_connections(&mut self, scope: ConnectionScope) -> StoreResult<Vec<Uuid>>;
    async fn connections_of_session(&mut self, session_id: Uuid)
    -> StoreResult<Vec<ConnectionRow>>;

    // Tracks, events, issues.
    async fn upsert_track(&mut self, track: &TrackRow) -> StoreResult<Uuid>;
    async fn find_track(
        &mut self,
        session_id: Uuid,
        track_id: &str,
    ) -> StoreResult<Option<TrackRow>>;
    async fn save_track_info(&mut self, id: Uuid, info: &str) -> StoreResult<()>;
    async fn insert_event(&mut self, event: &EventRow) -> StoreResult<()>;
    async fn event_data_of_type(
        &mut self,
        session_id: Uuid,
        event_type: &str,
    ) -> StoreResult<Vec<Option<String>>>;
    async fn insert_issue(&mut self, issue: &IssueRow) -> StoreResult<()>;
    async fn issue_exists(&mut self, session_id: Uuid, code: &str) -> StoreResult<bool>;

    // The eMOS state of a session, recomputed from stored samples when the writer's
    // memory of it is gone (a restart, a failed transaction).
    /// Stored inbound-audio eMOS scores of a session below `low`: (count, sum) of
    /// those in [very_low, low) and of those below `very_low`.
    async fn emos_tally(
        &mut self,
        session_id: Uuid,
        low: f64,
        very_low: f64,
    ) -> StoreResult<EmosTallyRow>;
    /// The newest stored (packets received, packets lost) of an inbound audio stream.
    async fn last_packet_counters(
        &mut self,
        connection_id: Uuid,
        ssrc: i64,
    ) -> StoreResult<Option<(i64, i64)>>;

    /// What the charts of these conferences are computed from, as this transaction
    /// sees them.
    async fn conference_inputs(
        &mut self,
        conference_ids: &[Uuid],
    ) -> StoreResult<Vec<crate::domain::rollup::ConferenceInputs>>;
    /// Reads the sessions, connections and issues of conferences whose own facts the
    /// caller already holds.
    async fn conference_rows(
        &mut self,
        conferences: &mut [crate::domain::rollup::ConferenceInputs],
    ) -> StoreResult<()>;
    /// Adds each cell's `n` to the app's stored cell.
    async fn add_rollup_cells(&mut self, app_id: Uuid, cells: &[rollups::Cell]) -> StoreResult<()>;

    /// Ends a batch: records its id (so that the outcome of a failed `COMMIT` can be
    /// looked up) and writes its samples in bulk, in as few round trips as possible.
    async fn finish_batch(
        &mut self,
        batch_id: Uuid,
        at: i64,
        stats: &[StatsSampleRow],
        tracks: &[TrackSampleRow],
    ) -> StoreResult<()>;
}
