//! The SQL implementation of [`Store`](super::Store) and [`StoreTx`](super::StoreTx),
//! written once and expanded for each engine by `sql_store!`. The statements are
//! plain SQL that PostgreSQL and SQLite both run; the engine passes in the only words
//! that differ (row locks and the name of the two-argument maximum).

/// Rows per multi-row INSERT: as many as the parameter limit allows, at most 512.
/// Each distinct row count is its own prepared statement, so the engines raise their
/// statement caches to keep every shape prepared.
pub(super) fn chunk_sizes(mut remaining: usize, columns: usize) -> impl Iterator<Item = usize> {
    // Both engines accept at least 32766 parameters per statement.
    let max_rows = (30_000 / columns.max(1)).clamp(1, 512);
    std::iter::from_fn(move || {
        if remaining == 0 {
            return None;
        }
        let size = remaining.min(max_rows);
        remaining -= size;
        Some(size)
    })
}

/// Prepared statements kept per connection: every chunk size of every bulk insert.
pub(super) const STATEMENT_CACHE: usize = 2048;

/// The per-command savepoint of a write transaction. It is taken lazily, just before
/// the command's first statement, so commands that run no statement (most stats
/// posts) cost no round trip; the previous command's savepoint is released in the
/// same round trip, which keeps PostgreSQL from piling up subtransactions.
#[derive(Debug, Default)]
pub(super) struct Savepoint {
    /// The current command has not run a statement yet.
    wanted: bool,
    /// A savepoint is established (for this command or a previous one).
    established: bool,
    /// The established savepoint belongs to the current command.
    current: bool,
}

impl Savepoint {
    pub(super) fn begin_command(&mut self) {
        self.wanted = true;
        self.current = false;
    }

    /// SQL to run before the current command's first statement, once.
    pub(super) fn take_sql(&mut self) -> Option<&'static str> {
        if !self.wanted {
            return None;
        }
        self.wanted = false;
        self.current = true;
        let sql = if self.established {
            "release savepoint command; savepoint command"
        } else {
            "savepoint command"
        };
        self.established = true;
        Some(sql)
    }

    /// SQL that undoes the current command, if it ran anything.
    pub(super) fn undo_sql(&mut self) -> Option<&'static str> {
        self.wanted = false;
        std::mem::take(&mut self.current).then_some("rollback to savepoint command")
    }

    /// Statements from now on belong to the batch, not to a command.
    pub(super) fn end_commands(&mut self) {
        self.wanted = false;
        self.current = false;
    }
}

/// A stable 64-bit key for a customer conference id, for PostgreSQL's advisory locks
/// (FNV-1a: the same on every instance and every version).
pub(super) fn conference_lock_key(app_id: uuid::Uuid, conference_id: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in app_id.as_bytes().iter().chain(conference_id.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash as i64
}

macro_rules! sql_store {
    (
        database: $db:ty,
        store: $store:ident,
        tx: $tx:ident,
        engine: $engine:expr,
        for_update: $for_update:literal,
        greatest: $greatest:literal,
        migration_lock: $migration_lock:literal,
        migration_unlock: $migration_unlock:literal,
        conference_key_lock: $conference_key_lock:literal,
        combine_sample_inserts: $combine_sample_inserts:literal $(,)?
    ) => {
        use async_trait::async_trait;
        use sqlx::{Connection as _, QueryBuilder};
        use uuid::Uuid;

        use $crate::store::engine::chunk_sizes;
        use $crate::store::models::*;
        use $crate::store::resource::{self, Bind, Condition, Fragment, ListFilter, Page, PageRequest, Record, Resource};
        use $crate::domain::access::Visibility;
        use $crate::store::{Engine, Store, StoreResult, StoreTx};

        type DbConnection = <$db as sqlx::Database>::Connection;

        pub struct $tx {
            tx: sqlx::Transaction<'static, $db>,
            savepoint: $crate::store::engine::Savepoint,
        }

        impl $tx {
            /// Takes the current command's savepoint before its first statement.
            async fn savepoint_first(&mut self) -> StoreResult<()> {
                if let Some(sql) = self.savepoint.take_sql() {
                    sqlx::Executor::execute(&mut *self.tx, sql).await?;
                }
                Ok(())
            }
        }

        /// Inserts `rows` with as few multi-row statements as the parameter limit allows.
        async fn bulk_insert<'r, T: 'r>(
            connection: &mut DbConnection,
            insert_into: &'static str,
            columns: usize,
            rows: &'r [T],
            push_row: impl Fn(sqlx::query_builder::Separated<'_, 'r, $db, &'static str>, &'r T),
        ) -> StoreResult<()> {
            let mut offset = 0;
            for size in chunk_sizes(rows.len(), columns) {
                let chunk = &rows[offset..offset + size];
                offset += size;
                let mut query = QueryBuilder::<$db>::new(insert_into);
                query.push_values(chunk, |builder, row| push_row(builder, row));
                query.build().execute(&mut *connection).await?;
            }
            Ok(())
        }

        async fn insert_conferences(connection: &mut DbConnection, rows: &[ConferenceRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into conference (id, app_id, conference_id, conference_name, created_at, start_time, \
                 call_start, end_time, ongoing, duration_s, last_activity_at, participant_count, session_count, \
                 connection_count, error_count, warning_count) ",
                16, rows, |mut row, c| {
                    row.push_bind(c.id).push_bind(c.app_id).push_bind(c.conference_id.as_str())
                        .push_bind(c.conference_name.as_deref()).push_bind(c.created_at).push_bind(c.start_time)
                        .push_bind(c.call_start).push_bind(c.end_time).push_bind(c.ongoing).push_bind(c.duration_s)
                        .push_bind(c.last_activity_at).push_bind(c.participant_count).push_bind(c.session_count)
                        .push_bind(c.connection_count).push_bind(c.error_count).push_bind(c.warning_count);
                }).await
        }

        async fn insert_participants(connection: &mut DbConnection, rows: &[ParticipantRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into participant (id, app_id, participant_id, participant_name, is_sfu, created_at) ",
                6, rows, |mut row, p| {
                    row.push_bind(p.id).push_bind(p.app_id).push_bind(p.participant_id.as_str())
                        .push_bind(p.participant_name.as_deref()).push_bind(p.is_sfu).push_bind(p.created_at);
                }).await
        }

        async fn insert_links(connection: &mut DbConnection, rows: &[(Uuid, Uuid, i64)]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into conference_participant (conference_id, participant_id, created_at) ",
                3, rows, |mut row, (conference, participant, at)| {
                    row.push_bind(*conference).push_bind(*participant).push_bind(*at);
                }).await
        }

        async fn insert_sessions(connection: &mut DbConnection, rows: &[SessionRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into session (id, app_id, conference_id, participant_id, created_at, end_time, call_start, \
                 duration_s, platform, devices, constraints, metadata, geo, browser_name, browser_version, os_name, \
                 os_version, country_code, city, latitude, longitude, app_version, webrtc_sdk, closed_at) ",
                24, rows, |mut row, s| {
                    row.push_bind(s.id).push_bind(s.app_id).push_bind(s.conference_id).push_bind(s.participant_id)
                        .push_bind(s.created_at).push_bind(s.end_time).push_bind(s.call_start).push_bind(s.duration_s)
                        .push_bind(s.platform.as_deref()).push_bind(s.devices.as_deref())
                        .push_bind(s.constraints.as_deref()).push_bind(s.metadata.as_deref())
                        .push_bind(s.geo.as_deref()).push_bind(s.browser_name.as_deref())
                        .push_bind(s.browser_version.as_deref()).push_bind(s.os_name.as_deref())
                        .push_bind(s.os_version.as_deref()).push_bind(s.country_code.as_deref())
                        .push_bind(s.city.as_deref()).push_bind(s.latitude).push_bind(s.longitude)
                        .push_bind(s.app_version.as_deref()).push_bind(s.webrtc_sdk.as_deref())
                        .push_bind(s.closed_at);
                }).await
        }

        async fn insert_connections(connection: &mut DbConnection, rows: &[ConnectionRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into connection (id, app_id, conference_id, session_id, participant_id, peer_id, type, state, \
                 negotiations, setup_time_ms, detected_tcp, detected_turn, established, start_time, end_time, \
                 duration_s, created_at) ",
                17, rows, |mut row, c| {
                    row.push_bind(c.id).push_bind(c.app_id).push_bind(c.conference_id).push_bind(c.session_id)
                        .push_bind(c.participant_id).push_bind(c.peer_id).push_bind(c.connection_type.as_deref())
                        .push_bind(c.state.as_str()).push_bind(c.negotiations.as_str()).push_bind(c.setup_time_ms)
                        .push_bind(c.detected_tcp).push_bind(c.detected_turn).push_bind(c.established)
                        .push_bind(c.start_time).push_bind(c.end_time).push_bind(c.duration_s).push_bind(c.created_at);
                }).await
        }

        async fn insert_tracks(connection: &mut DbConnection, rows: &[TrackRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into track (id, session_id, connection_id, kind, direction, track_id, label, info, created_at) ",
                9, rows, |mut row, t| {
                    row.push_bind(t.id).push_bind(t.session_id).push_bind(t.connection_id).push_bind(t.kind.as_str())
                        .push_bind(t.direction.as_str()).push_bind(t.track_id.as_str()).push_bind(t.label.as_deref())
                        .push_bind(t.info.as_str()).push_bind(t.created_at);
                }).await
        }

        async fn insert_events(connection: &mut DbConnection, rows: &[EventRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into event (id, app_id, conference_id, session_id, participant_id, peer_id, connection_id, \
                 track_id, category, type, data, created_at) ",
                12, rows, |mut row, e| {
                    row.push_bind(e.id).push_bind(e.app_id).push_bind(e.conference_id).push_bind(e.session_id)
                        .push_bind(e.participant_id).push_bind(e.peer_id).push_bind(e.connection_id)
                        .push_bind(e.track_id).push_bind(e.category.as_str()).push_bind(e.event_type.as_str())
                        .push_bind(e.data.as_deref()).push_bind(e.created_at);
                }).await
        }

        async fn insert_issues(connection: &mut DbConnection, rows: &[IssueRow]) -> StoreResult<()> {
            bulk_insert(connection,
                "insert into issue (id, app_id, conference_id, session_id, participant_id, connection_id, track_id, \
                 severity, code, data, created_at) ",
                11, rows, |mut row, i| {
                    row.push_bind(i.id).push_bind(i.app_id).push_bind(i.conference_id).push_bind(i.session_id)
                        .push_bind(i.participant_id).push_bind(i.connection_id).push_bind(i.track_id)
                        .push_bind(i.severity.as_str()).push_bind(i.code.as_str()).push_bind(i.data.as_deref())
                        .push_bind(i.created_at);
                }).await
        }

        const STATS_SAMPLE_INSERT: &str = "insert into stats_sample (connection_id, created_at, rtt_ms, bytes_sent, \
            bytes_received, packets_sent, packets_received, available_outgoing_bitrate, local_candidate_type, \
            remote_candidate_type, protocol, raw) ";
        const STATS_SAMPLE_COLUMNS: usize = 12;

        fn push_stats_sample<'r>(mut row: sqlx::query_builder::Separated<'_, 'r, $db, &'static str>, s: &'r StatsSampleRow) {
            row.push_bind(s.connection_id).push_bind(s.created_at).push_bind(s.rtt_ms)
                .push_bind(s.bytes_sent).push_bind(s.bytes_received).push_bind(s.packets_sent)
                .push_bind(s.packets_received).push_bind(s.available_outgoing_bitrate)
                .push_bind(s.local_candidate_type.as_deref()).push_bind(s.remote_candidate_type.as_deref())
                .push_bind(s.protocol.as_deref()).push_bind(s.raw.as_deref());
        }

        const TRACK_SAMPLE_INSERT: &str = "insert into track_sample (connection_id, track_id, created_at, kind, \
            direction, ssrc, bytes, packets, packets_lost, bitrate, jitter_ms, rtt_ms, frames_per_second, \
            frame_width, frame_height, audio_level, emos) ";
        const TRACK_SAMPLE_COLUMNS: usize = 17;

        fn push_track_sample<'r>(mut row: sqlx::query_builder::Separated<'_, 'r, $db, &'static str>, t: &'r TrackSampleRow) {
            row.push_bind(t.connection_id).push_bind(t.track_id).push_bind(t.created_at).push_bind(t.kind)
                .push_bind(t.direction).push_bind(t.ssrc).push_bind(t.bytes).push_bind(t.packets)
                .push_bind(t.packets_lost).push_bind(t.bitrate).push_bind(t.jitter_ms).push_bind(t.rtt_ms)
                .push_bind(t.frames_per_second).push_bind(t.frame_width).push_bind(t.frame_height)
                .push_bind(t.audio_level).push_bind(t.emos);
        }

        async fn insert_stats_samples(connection: &mut DbConnection, rows: &[StatsSampleRow]) -> StoreResult<()> {
            bulk_insert(connection, STATS_SAMPLE_INSERT, STATS_SAMPLE_COLUMNS, rows, push_stats_sample).await
        }

        async fn insert_track_samples(connection: &mut DbConnection, rows: &[TrackSampleRow]) -> StoreResult<()> {
            bulk_insert(connection, TRACK_SAMPLE_INSERT, TRACK_SAMPLE_COLUMNS, rows, push_track_sample).await
        }

        /// A group commit's batch id and samples, in one round trip where the engine
        /// allows it: data-modifying CTEs write the batch id and the stats rows, the
        /// outer statement the track rows.
        async fn insert_batch_and_samples(
            connection: &mut DbConnection,
            batch_id: Uuid,
            at: i64,
            stats: &[StatsSampleRow],
            tracks: &[TrackSampleRow],
        ) -> StoreResult<()> {
            const BATCH_INSERT: &str = "insert into ingest_batch (id, committed_at) values (";
            let fits_one_statement = stats.len() <= 512
                && tracks.len() <= 512
                && stats.len() * STATS_SAMPLE_COLUMNS + tracks.len() * TRACK_SAMPLE_COLUMNS <= 30_000;
            if !$combine_sample_inserts || !fits_one_statement {
                let mut query = QueryBuilder::<$db>::new(BATCH_INSERT);
                query.push_bind(batch_id).push(", ").push_bind(at).push(")");
                query.build().execute(&mut *connection).await?;
                insert_stats_samples(&mut *connection, stats).await?;
                return insert_track_samples(connection, tracks).await;
            }
            // The last present part is the statement; the parts before it are CTEs.
            let main_part = if !tracks.is_empty() { 2 } else if !stats.is_empty() { 1 } else { 0 };
            let mut query = QueryBuilder::<$db>::new("");
            let open = |query: &mut QueryBuilder<'_, $db>, part: usize| {
                if part < main_part {
                    query.push(if part == 0 { "with " } else { ", " });
                    query.push(format_args!("part{part} as ("));
                }
            };
            let close = |query: &mut QueryBuilder<'_, $db>, part: usize| {
                if part < main_part {
                    query.push(") ");
                }
            };
            open(&mut query, 0);
            query.push(BATCH_INSERT).push_bind(batch_id).push(", ").push_bind(at).push(")");
            close(&mut query, 0);
            if !stats.is_empty() {
                open(&mut query, 1);
                query.push(STATS_SAMPLE_INSERT).push_values(stats, push_stats_sample);
                close(&mut query, 1);
            }
            if !tracks.is_empty() {
                query.push(TRACK_SAMPLE_INSERT).push_values(tracks, push_track_sample);
            }
            query.build().execute(connection).await?;
            Ok(())
        }

        #[async_trait]
        impl StoreTx for $tx {
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                self.tx.commit().await?;
                Ok(())
            }

            async fn rollback(self: Box<Self>) -> StoreResult<()> {
                self.tx.rollback().await?;
                Ok(())
            }

            async fn upsert_organization(&mut self, name: &str, now: i64) -> StoreResult<Uuid> {
                self.savepoint_first().await?;
                // The no-op update makes RETURNING yield the existing row on conflict.
                let id = sqlx::query_scalar(
                    "insert into organization (id, name, created_at) values ($1, $2, $3) \
                     on conflict (name) do update set name = excluded.name returning id",
                )
                .bind(Uuid::new_v4()).bind(name).bind(now)
                .fetch_one(&mut *self.tx).await?;
                Ok(id)
            }

            async fn insert_app(&mut self, app: &AppRecord) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query(
                    "insert into app (id, organization_id, name, api_key, domain, recording, \
                     server_secret_hash, require_server_secret, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(app.id).bind(app.organization_id).bind(&app.name).bind(&app.api_key)
                .bind(&app.domain).bind(app.recording).bind(&app.server_secret_hash)
                .bind(app.require_server_secret).bind(app.created_at)
                .execute(&mut *self.tx).await?;
                Ok(())
            }

            fn begin_command(&mut self) {
                self.savepoint.begin_command();
            }

            fn end_commands(&mut self) {
                self.savepoint.end_commands();
            }

            async fn undo_command(&mut self) -> StoreResult<()> {
                if let Some(sql) = self.savepoint.undo_sql() {
                    sqlx::Executor::execute(&mut *self.tx, sql).await?;
                }
                Ok(())
            }

            async fn lock_conference_key(&mut self, app_id: Uuid, conference_id: &str) -> StoreResult<()> {
                self.savepoint_first().await?;
                if !$conference_key_lock.is_empty() {
                    let key = $crate::store::engine::conference_lock_key(app_id, conference_id);
                    sqlx::query($conference_key_lock).bind(key).execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn latest_conference(&mut self, app_id: Uuid, conference_id: &str) -> StoreResult<Option<ConferenceRow>> {
                self.savepoint_first().await?;
                let row = sqlx::query_as(concat!(
                    "select * from conference where app_id = $1 and conference_id = $2 \
                     order by created_at desc, id desc limit 1",
                    $for_update
                ))
                .bind(app_id).bind(conference_id)
                .fetch_optional(&mut *self.tx).await?;
                Ok(row)
            }

            async fn insert_conference(&mut self, conference: &ConferenceRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                insert_conferences(&mut *self.tx, std::slice::from_ref(conference)).await
            }

            async fn rename_conference(&mut self, conference_id: Uuid, name: &str) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query("update conference set conference_name = $2 where id = $1")
                    .bind(conference_id).bind(name)
                    .execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn load_conference(&mut self, conference_id: Uuid) -> StoreResult<Option<ConferenceRow>> {
                self.savepoint_first().await?;
                let row = sqlx::query_as(concat!("select * from conference where id = $1", $for_update))
                    .bind(conference_id)
                    .fetch_optional(&mut *self.tx).await?;
                Ok(row)
            }

            async fn save_conference(&mut self, f: &$crate::domain::conference::ConferenceFacts) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query(
                    "update conference set start_time = $2, call_start = $3, end_time = $4, ongoing = $5, \
                     duration_s = $6, last_activity_at = $7, participant_count = $8, session_count = $9, \
                     connection_count = $10, error_count = $11, warning_count = $12 where id = $1",
                )
                .bind(f.id).bind(f.start_time).bind(f.call_start).bind(f.end_time).bind(f.ongoing)
                .bind(f.duration_s).bind(f.last_activity_at).bind(f.participant_count).bind(f.session_count)
                .bind(f.connection_count).bind(f.error_count).bind(f.warning_count)
                .execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn touch_conferences(&mut self, activity: &[(Uuid, i64)]) -> StoreResult<()> {
                self.savepoint_first().await?;
                // Callers pass ids in sorted order, so concurrent instances lock the
                // same rows in the same order and cannot deadlock on them.
                for (conference_id, at) in activity {
                    sqlx::query(concat!(
                        "update conference set last_activity_at = ", $greatest,
                        "(last_activity_at, $2) where id = $1"
                    ))
                    .bind(conference_id).bind(at)
                    .execute(&mut *self.tx).await?;
                }
                Ok(())
            }

            async fn last_activity(&mut self, conference_id: Uuid) -> StoreResult<Option<i64>> {
                self.savepoint_first().await?;
                // The exact time of the latest event or stats sample; the coarse
                // column is the fallback for a conference that never sent either.
                let latest: Option<i64> = sqlx::query_scalar(
                    "select max(at) from ( \
                       select max(created_at) as at from event where conference_id = $1 \
                       union all \
                       select max(created_at) from stats_sample \
                        where connection_id in (select id from connection where conference_id = $1) \
                       union all \
                       select max(start_time) from connection where conference_id = $1 \
                     ) latest",
                )
                .bind(conference_id)
                .fetch_one(&mut *self.tx).await?;
                if latest.is_some() {
                    return Ok(latest);
                }
                let coarse = sqlx::query_scalar("select last_activity_at from conference where id = $1")
                    .bind(conference_id).fetch_optional(&mut *self.tx).await?;
                Ok(coarse)
            }

            async fn upsert_own_participant(&mut self, participant: &ParticipantUpsert<'_>) -> StoreResult<Uuid> {
                self.savepoint_first().await?;
                // The no-op-safe update makes RETURNING yield the existing row.
                let id = sqlx::query_scalar(
                    "insert into participant (id, app_id, participant_id, participant_name, is_sfu, created_at) \
                     values ($1, $2, $3, $4, false, $5) \
                     on conflict (app_id, participant_id) do update \
                     set participant_name = coalesce(excluded.participant_name, participant.participant_name), \
                         is_sfu = false \
                     returning id",
                )
                .bind(Uuid::new_v4()).bind(participant.app_id).bind(participant.participant_id)
                .bind(participant.name).bind(participant.now)
                .fetch_one(&mut *self.tx).await?;
                Ok(id)
            }

            async fn ensure_peer_participant(&mut self, participant: &ParticipantUpsert<'_>) -> StoreResult<Uuid> {
                self.savepoint_first().await?;
                sqlx::query(
                    "insert into participant (id, app_id, participant_id, participant_name, is_sfu, created_at) \
                     values ($1, $2, $3, $4, $5, $6) on conflict (app_id, participant_id) do nothing",
                )
                .bind(Uuid::new_v4()).bind(participant.app_id).bind(participant.participant_id)
                .bind(participant.name).bind(participant.is_sfu).bind(participant.now)
                .execute(&mut *self.tx).await?;
                let id = sqlx::query_scalar("select id from participant where app_id = $1 and participant_id = $2")
                    .bind(participant.app_id).bind(participant.participant_id)
                    .fetch_one(&mut *self.tx).await?;
                Ok(id)
            }

            async fn link_participant(&mut self, conference_id: Uuid, participant_id: Uuid, now: i64) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query(
                    "insert into conference_participant (conference_id, participant_id, created_at) \
                     values ($1, $2, $3) on conflict do nothing",
                )
                .bind(conference_id).bind(participant_id).bind(now)
                .execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn participant_in_conference(&mut self, conference_id: Uuid, reference: &str) -> StoreResult<Option<Uuid>> {
                self.savepoint_first().await?;
                // The SDK sends the participant uuid it was given, except for
                // removeConnection/removePeer, which send the customer's own peer id.
                if let Ok(id) = Uuid::try_parse(reference) {
                    let found = sqlx::query_scalar(
                        "select participant_id from conference_participant where conference_id = $1 and participant_id = $2",
                    )
                    .bind(conference_id).bind(id)
                    .fetch_optional(&mut *self.tx).await?;
                    if found.is_some() {
                        return Ok(found);
                    }
                }
                let found = sqlx::query_scalar(
                    "select p.id from participant p \
                     join conference_participant cp on cp.participant_id = p.id \
                     where cp.conference_id = $1 and p.participant_id = $2",
                )
                .bind(conference_id).bind(reference)
                .fetch_optional(&mut *self.tx).await?;
                Ok(found)
            }

            async fn participant_is_sfu(&mut self, participant_id: Uuid) -> StoreResult<bool> {
                self.savepoint_first().await?;
                let is_sfu: Option<bool> = sqlx::query_scalar("select is_sfu from participant where id = $1")
                    .bind(participant_id).fetch_optional(&mut *self.tx).await?;
                Ok(is_sfu.unwrap_or(false))
            }

            async fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                insert_sessions(&mut *self.tx, std::slice::from_ref(session)).await
            }

            async fn session_count(&mut self, conference_id: Uuid, participant_id: Uuid) -> StoreResult<i64> {
                self.savepoint_first().await?;
                let count = sqlx::query_scalar(
                    "select count(*) from session where conference_id = $1 and participant_id = $2",
                )
                .bind(conference_id).bind(participant_id)
                .fetch_one(&mut *self.tx).await?;
                Ok(count)
            }

            async fn lock_session(&mut self, session_id: Uuid) -> StoreResult<Option<SessionRow>> {
                self.savepoint_first().await?;
                let row = sqlx::query_as(concat!("select * from session where id = $1", $for_update))
                    .bind(session_id).fetch_optional(&mut *self.tx).await?;
                Ok(row)
            }

            async fn save_session(&mut self, s: &SessionRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query(
                    "update session set end_time = $2, call_start = $3, duration_s = $4, platform = $5, \
                     devices = $6, constraints = $7, webrtc_sdk = $8, browser_name = $9, browser_version = $10, \
                     os_name = $11, os_version = $12, closed_at = $13 where id = $1",
                )
                .bind(s.id).bind(s.end_time).bind(s.call_start).bind(s.duration_s).bind(&s.platform)
                .bind(&s.devices).bind(&s.constraints).bind(&s.webrtc_sdk).bind(&s.browser_name)
                .bind(&s.browser_version).bind(&s.os_name).bind(&s.os_version).bind(s.closed_at)
                .execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn sessions_of_conference(&mut self, conference_id: Uuid) -> StoreResult<Vec<Uuid>> {
                self.savepoint_first().await?;
                let ids = sqlx::query_scalar("select id from session where conference_id = $1 order by created_at")
                    .bind(conference_id).fetch_all(&mut *self.tx).await?;
                Ok(ids)
            }

            async fn insert_connection(&mut self, connection: &ConnectionRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                insert_connections(&mut *self.tx, std::slice::from_ref(connection)).await
            }

            async fn lock_connection(&mut self, connection_id: Uuid) -> StoreResult<Option<ConnectionRow>> {
                self.savepoint_first().await?;
                let row = sqlx::query_as(concat!("select * from connection where id = $1", $for_update))
                    .bind(connection_id).fetch_optional(&mut *self.tx).await?;
                Ok(row)
            }

            async fn save_connection(&mut self, c: &ConnectionRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query(
                    "update connection set type = $2, state = $3, negotiations = $4, setup_time_ms = $5, \
                     detected_tcp = $6, detected_turn = $7, established = $8, end_time = $9, duration_s = $10 \
                     where id = $1",
                )
                .bind(c.id).bind(&c.connection_type).bind(&c.state).bind(&c.negotiations).bind(c.setup_time_ms)
                .bind(c.detected_tcp).bind(c.detected_turn).bind(c.established).bind(c.end_time).bind(c.duration_s)
                .execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn open_connections(&mut self, scope: ConnectionScope) -> StoreResult<Vec<Uuid>> {
                self.savepoint_first().await?;
                let query = match scope {
                    ConnectionScope::Session(id) => sqlx::query_scalar(
                        "select id from connection where session_id = $1 and end_time is null order by id",
                    ).bind(id),
                    ConnectionScope::Conference(id) => sqlx::query_scalar(
                        "select id from connection where conference_id = $1 and end_time is null order by id",
                    ).bind(id),
                };
                Ok(query.fetch_all(&mut *self.tx).await?)
            }

            async fn connections_of_session(&mut self, session_id: Uuid) -> StoreResult<Vec<ConnectionRow>> {
                self.savepoint_first().await?;
                let rows = sqlx::query_as("select * from connection where session_id = $1 order by created_at, id")
                    .bind(session_id).fetch_all(&mut *self.tx).await?;
                Ok(rows)
            }

            async fn upsert_track(&mut self, t: &TrackRow) -> StoreResult<Uuid> {
                self.savepoint_first().await?;
                let id = sqlx::query_scalar(
                    "insert into track (id, session_id, connection_id, kind, direction, track_id, label, info, created_at) \
                     values ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     on conflict (session_id, direction, track_id) do update \
                     set connection_id = coalesce(track.connection_id, excluded.connection_id) \
                     returning id",
                )
                .bind(t.id).bind(t.session_id).bind(t.connection_id).bind(&t.kind).bind(&t.direction)
                .bind(&t.track_id).bind(&t.label).bind(&t.info).bind(t.created_at)
                .fetch_one(&mut *self.tx).await?;
                Ok(id)
            }

            async fn find_track(&mut self, session_id: Uuid, track_id: &str) -> StoreResult<Option<TrackRow>> {
                self.savepoint_first().await?;
                let row = sqlx::query_as(
                    "select * from track where session_id = $1 and track_id = $2 order by created_at limit 1",
                )
                .bind(session_id).bind(track_id)
                .fetch_optional(&mut *self.tx).await?;
                Ok(row)
            }

            async fn save_track_info(&mut self, id: Uuid, info: &str) -> StoreResult<()> {
                self.savepoint_first().await?;
                sqlx::query("update track set info = $2 where id = $1")
                    .bind(id).bind(info).execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn insert_event(&mut self, event: &EventRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                insert_events(&mut *self.tx, std::slice::from_ref(event)).await
            }

            async fn event_data_of_type(&mut self, session_id: Uuid, event_type: &str) -> StoreResult<Vec<Option<String>>> {
                self.savepoint_first().await?;
                let rows = sqlx::query_scalar("select data from event where session_id = $1 and type = $2")
                    .bind(session_id).bind(event_type)
                    .fetch_all(&mut *self.tx).await?;
                Ok(rows)
            }

            async fn insert_issue(&mut self, issue: &IssueRow) -> StoreResult<()> {
                self.savepoint_first().await?;
                insert_issues(&mut *self.tx, std::slice::from_ref(issue)).await
            }

            async fn issue_exists(&mut self, session_id: Uuid, code: &str) -> StoreResult<bool> {
                self.savepoint_first().await?;
                let found: Option<i64> = sqlx::query_scalar(
                    "select 1 from issue where session_id = $1 and code = $2 limit 1",
                )
                .bind(session_id).bind(code)
                .fetch_optional(&mut *self.tx).await?;
                Ok(found.is_some())
            }

            async fn emos_tally(&mut self, session_id: Uuid, low: f64, very_low: f64) -> StoreResult<EmosTallyRow> {
                self.savepoint_first().await?;
                // Inbound audio (kind 0, direction 0) of the session's connections. The
                // casts keep SQLite from answering an integer when every sum is 0.
                let row = sqlx::query_as(
                    "select \
                       coalesce(sum(case when s.emos >= $3 then 1 else 0 end), 0) as low, \
                       cast(coalesce(sum(case when s.emos >= $3 then s.emos else 0 end), 0) as double precision) as low_sum, \
                       coalesce(sum(case when s.emos < $3 then 1 else 0 end), 0) as very_low, \
                       cast(coalesce(sum(case when s.emos < $3 then s.emos else 0 end), 0) as double precision) as very_low_sum \
                     from track_sample s join connection c on c.id = s.connection_id \
                     where c.session_id = $1 and s.kind = 0 and s.direction = 0 and s.emos < $2",
                )
                .bind(session_id).bind(low).bind(very_low)
                .fetch_one(&mut *self.tx).await?;
                Ok(row)
            }

            async fn last_packet_counters(&mut self, connection_id: Uuid, ssrc: i64) -> StoreResult<Option<(i64, i64)>> {
                self.savepoint_first().await?;
                let row: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
                    "select packets, packets_lost from track_sample \
                     where connection_id = $1 and kind = 0 and direction = 0 and coalesce(ssrc, 0) = $2 \
                       and packets is not null and packets_lost is not null \
                     order by created_at desc limit 1",
                )
                .bind(connection_id).bind(ssrc)
                .fetch_optional(&mut *self.tx).await?;
                Ok(row.and_then(|(packets, lost)| Some((packets?, lost?))))
            }

            async fn conference_inputs(&mut self, conference_ids: &[Uuid]) -> StoreResult<Vec<$crate::domain::rollup::ConferenceInputs>> {
                self.savepoint_first().await?;
                rollup_sql_impl::load_inputs(&mut *self.tx, rollup_sql_impl::InputScope::Ids(conference_ids)).await
            }

            async fn conference_rows(&mut self, conferences: &mut [$crate::domain::rollup::ConferenceInputs]) -> StoreResult<()> {
                self.savepoint_first().await?;
                let ids: Vec<Uuid> = conferences.iter().map(|c| c.id).collect();
                rollup_sql_impl::attach_rows(&mut *self.tx, conferences, &rollup_sql_impl::InputScope::Ids(&ids)).await
            }

            async fn add_rollup_cells(&mut self, app_id: Uuid, cells: &[$crate::store::rollups::Cell]) -> StoreResult<()> {
                self.savepoint_first().await?;
                rollup_sql_impl::add_cells(&mut *self.tx, app_id, cells, true).await
            }

            async fn finish_batch(&mut self, batch_id: Uuid, at: i64, stats: &[StatsSampleRow], tracks: &[TrackSampleRow]) -> StoreResult<()> {
                // Batch-level statements run outside any command's savepoint.
                self.savepoint.end_commands();
                insert_batch_and_samples(&mut *self.tx, batch_id, at, stats, tracks).await
            }

        }

        /// Restricts a query to rows of live apps of the visible organizations. Every
        /// read API query passes through here, so none can return another tenant's rows.
        fn push_visibility(query: &mut QueryBuilder<'_, $db>, resource: Resource, visible: &Visibility) {
            query.push(if resource == Resource::Apps {
                " and deleted_at is null"
            } else {
                " and app_id in (select id from app where deleted_at is null"
            });
            if let Visibility::Organizations(ids) = visible {
                if ids.is_empty() {
                    query.push(" and 1 = 0");
                } else {
                    query.push(" and organization_id in (");
                    let mut list = query.separated(", ");
                    for id in ids {
                        list.push_bind(*id);
                    }
                    query.push(")");
                }
            }
            if resource != Resource::Apps {
                query.push(")");
            }
        }

        /// Runs one page query for a row type.
        async fn fetch_page<T>(
            pool: &sqlx::Pool<$db>,
            visible: &Visibility,
            resource: Resource,
            filter: &ListFilter,
            page: &PageRequest,
            position: fn(&T) -> (i64, Uuid),
            to_record: fn(T) -> Record,
        ) -> StoreResult<Page>
        where
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
        {
            let push_conditions = |query: &mut QueryBuilder<'_, $db>, conditions: &[Condition]| {
                for condition in conditions {
                    query.push(" and ");
                    for fragment in &condition.0 {
                        match fragment {
                            Fragment::Sql(text) => query.push(*text),
                            Fragment::Bind(Bind::Id(id)) => query.push_bind(*id),
                            Fragment::Bind(Bind::Int(value)) => query.push_bind(*value),
                            Fragment::Bind(Bind::Text(text)) => query.push_bind(text.clone()),
                            Fragment::Bind(Bind::Flag(flag)) => query.push_bind(*flag),
                        };
                    }
                }
            };

            let count = if page.with_count {
                let mut count_query = QueryBuilder::<$db>::new("select count(*) from ");
                count_query.push(resource.table()).push(" where 1 = 1");
                push_visibility(&mut count_query, resource, visible);
                push_conditions(&mut count_query, &resource::conditions(resource, filter));
                Some(count_query.build_query_scalar::<i64>().fetch_one(pool).await?)
            } else {
                None
            };

            // Keyset pagination: strictly past the last row already shown (older when
            // newest first, newer when oldest first). The cursor's time also becomes
            // the range's only bound on that side: given two, a planner that cannot
            // compare bound parameters (SQLite) or misjudges the OR below
            // (PostgreSQL) walks the whole range instead of what is left.
            let narrowed = page.after.map(|(created_at, _)| {
                let mut narrowed = filter.clone();
                if page.oldest_first {
                    narrowed.created_gte = Some(filter.created_gte.map_or(created_at, |gte| gte.max(created_at)));
                } else {
                    narrowed.created_lte = Some(filter.created_lte.map_or(created_at, |lte| lte.min(created_at)));
                }
                narrowed
            });
            let rows_filter = narrowed.as_ref().unwrap_or(filter);
            let (past, direction) = if page.oldest_first { (">", "asc") } else { ("<", "desc") };
            let mut rows_query = QueryBuilder::<$db>::new("select * from ");
            rows_query.push(resource.table()).push(" where 1 = 1");
            push_visibility(&mut rows_query, resource, visible);
            push_conditions(&mut rows_query, &resource::conditions(resource, rows_filter));
            if let Some((created_at, id)) = page.after {
                rows_query.push(format_args!(" and (created_at {past} ")).push_bind(created_at)
                    .push(" or (created_at = ").push_bind(created_at)
                    .push(format_args!(" and id {past} ")).push_bind(id).push("))");
            }
            rows_query
                .push(format_args!(" order by created_at {direction}, id {direction} limit "))
                .push_bind(page.limit);
            let rows: Vec<T> = rows_query.build_query_as().fetch_all(pool).await?;

            let next = if rows.len() as i64 == page.limit { rows.last().map(position) } else { None };
            Ok(Page { records: rows.into_iter().map(to_record).collect(), count, next })
        }

        async fn fetch_one_row<T>(pool: &sqlx::Pool<$db>, visible: &Visibility, resource: Resource, id: Uuid) -> StoreResult<Option<T>>
        where
            T: for<'r> sqlx::FromRow<'r, <$db as sqlx::Database>::Row> + Send + Unpin,
        {
            let mut query = QueryBuilder::<$db>::new("select * from ");
            query.push(resource.table()).push(" where id = ").push_bind(id);
            push_visibility(&mut query, resource, visible);
            Ok(query.build_query_as().fetch_optional(pool).await?)
        }

        async fn apply_migrations(connection: &mut DbConnection) -> StoreResult<()> {
            use $crate::store::migrate::{ADD_LEDGER_CHECKSUM, CREATE_LEDGER, LEDGER_HAS_CHECKSUM, MIGRATIONS};
            use $crate::store::StoreError;
            sqlx::query(CREATE_LEDGER).execute(&mut *connection).await?;
            if sqlx::query(LEDGER_HAS_CHECKSUM).execute(&mut *connection).await.is_err() {
                sqlx::query(ADD_LEDGER_CHECKSUM).execute(&mut *connection).await?;
            }
            for migration in MIGRATIONS {
                let checksum = migration.checksum($engine);
                let applied: Option<(String, Option<String>)> =
                    sqlx::query_as("select version, checksum from schema_migration where version = $1")
                        .bind(migration.version).fetch_optional(&mut *connection).await?;
                match applied {
                    Some((_, Some(recorded))) if recorded == checksum => continue,
                    Some((_, Some(_))) => {
                        return Err(StoreError::MigrationEdited { version: migration.version.to_owned() });
                    }
                    Some((_, None)) => {
                        // Applied before checksums were recorded: trust it once.
                        sqlx::query("update schema_migration set checksum = $2 where version = $1")
                            .bind(migration.version).bind(&checksum)
                            .execute(&mut *connection).await?;
                        continue;
                    }
                    None => {}
                }
                tracing::info!(version = migration.version, "applying migration");
                let mut tx = connection.begin().await?;
                sqlx::Executor::execute(&mut *tx, migration.sql($engine)).await
                    .map_err(|source| StoreError::Migration { version: migration.version.to_owned(), source })?;
                sqlx::query("insert into schema_migration (version, applied_at, checksum) values ($1, $2, $3)")
                    .bind(migration.version).bind($crate::domain::time::now_micros()).bind(&checksum)
                    .execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Ok(())
        }

        #[async_trait]
        impl Store for $store {
            fn engine(&self) -> Engine {
                $engine
            }

            async fn migrate(&self) -> StoreResult<()> {
                let mut connection = self.write.acquire().await?;
                if !$migration_lock.is_empty() {
                    sqlx::query($migration_lock).execute(&mut *connection).await?;
                }
                let outcome = apply_migrations(&mut connection).await;
                if !$migration_unlock.is_empty() {
                    sqlx::query($migration_unlock).execute(&mut *connection).await?;
                }
                outcome
            }

            async fn health(&self) -> StoreResult<()> {
                sqlx::query("select 1").execute(&self.read).await?;
                Ok(())
            }

            async fn begin(&self) -> StoreResult<Box<dyn StoreTx>> {
                let tx = self.write.begin().await?;
                Ok(Box::new($tx { tx, savepoint: Default::default() }))
            }

            async fn close(&self) {
                self.write.close().await;
                self.read.close().await;
            }

            async fn shared_secret(&self, name: &str, generated: &str) -> StoreResult<String> {
                sqlx::query("insert into server_secret (name, value) values ($1, $2) on conflict (name) do nothing")
                    .bind(name).bind(generated).execute(&self.write).await?;
                let value = sqlx::query_scalar("select value from server_secret where name = $1")
                    .bind(name).fetch_one(&self.write).await?;
                Ok(value)
            }

            async fn app_by_api_key(&self, api_key: &str, now: i64) -> StoreResult<Option<AppRecord>> {
                // Two unique indexes, one per key column; the planner takes both.
                let app = sqlx::query_as(
                    "select * from app where deleted_at is null \
                     and (api_key = $1 or (previous_api_key = $1 and previous_key_expires_at > $2))",
                )
                    .bind(api_key).bind(now).fetch_optional(&self.read).await?;
                Ok(app)
            }

            fn rollups(&self) -> &dyn $crate::store::RollupStore {
                self
            }

            fn drilldown(&self) -> &dyn $crate::store::DrillDownStore {
                self
            }

            fn accounts(&self) -> &dyn $crate::store::AccountStore {
                self
            }

            async fn session_identity(&self, session_id: Uuid) -> StoreResult<Option<SessionIdentity>> {
                let identity = sqlx::query_as(
                    "select id as session_id, app_id, conference_id, participant_id from session where id = $1",
                )
                .bind(session_id).fetch_optional(&self.read).await?;
                Ok(identity)
            }

            async fn connection_identity(&self, connection_id: Uuid) -> StoreResult<Option<ConnectionIdentity>> {
                let identity = sqlx::query_as(
                    "select id as connection_id, session_id, conference_id, peer_id, \
                     (end_time is not null) as ended from connection where id = $1",
                )
                .bind(connection_id).fetch_optional(&self.read).await?;
                Ok(identity)
            }

            async fn init_identity(&self, conference_id: Uuid, participant_id: Uuid) -> StoreResult<Option<Uuid>> {
                let app_id = sqlx::query_scalar(
                    "select c.app_id from conference c \
                     join conference_participant cp on cp.conference_id = c.id \
                     where c.id = $1 and cp.participant_id = $2",
                )
                .bind(conference_id).bind(participant_id).fetch_optional(&self.read).await?;
                Ok(app_id)
            }

            async fn batch_committed(&self, batch_id: Uuid) -> StoreResult<bool> {
                let found: Option<i64> = sqlx::query_scalar("select committed_at from ingest_batch where id = $1")
                    .bind(batch_id).fetch_optional(&self.write).await?;
                Ok(found.is_some())
            }

            async fn retention_periods(&self) -> StoreResult<Vec<(Uuid, i32)>> {
                Ok(sqlx::query_as("select id, retention_days from app order by id")
                    .fetch_all(&self.read).await?)
            }

            async fn prune_raw_rows(
                &self,
                app_id: Uuid,
                cutoff: i64,
                after: Option<(i64, Uuid)>,
                limit: i64,
            ) -> StoreResult<RawPrune> {
                let (after_at, after_id) = after.unwrap_or((i64::MIN, Uuid::nil()));
                let mut tx = self.write.begin().await?;
                // Through `conference_app_created`, then each table's own conference or
                // connection index: a batch touches only its conferences' rows.
                let conferences: Vec<(i64, Uuid)> = sqlx::query_as(
                    "select created_at, id from conference where app_id = $1 and created_at < $2 \
                     and (created_at > $3 or (created_at = $3 and id > $4)) \
                     order by created_at, id limit $5",
                )
                .bind(app_id).bind(cutoff).bind(after_at).bind(after_id).bind(limit)
                .fetch_all(&mut *tx).await?;
                let mut deleted = 0;
                if !conferences.is_empty() {
                    for (table, owner) in [
                        ("event", "conference_id in ("),
                        ("stats_sample", "connection_id in (select id from connection where conference_id in ("),
                        ("track_sample", "connection_id in (select id from connection where conference_id in ("),
                    ] {
                        let mut query = QueryBuilder::<$db>::new("delete from ");
                        query.push(table).push(" where created_at < ").push_bind(cutoff).push(" and ").push(owner);
                        let mut ids = query.separated(", ");
                        for (_, id) in &conferences {
                            ids.push_bind(*id);
                        }
                        query.push(if table == "event" { ")" } else { "))" });
                        deleted += query.build().execute(&mut *tx).await?.rows_affected();
                    }
                }
                tx.commit().await?;
                Ok(RawPrune {
                    deleted,
                    last: (conferences.len() as i64 == limit).then(|| conferences.last().copied()).flatten(),
                })
            }

            async fn prune_batches(&self, before: i64) -> StoreResult<u64> {
                let done = sqlx::query("delete from ingest_batch where committed_at < $1")
                    .bind(before).execute(&self.write).await?;
                Ok(done.rows_affected())
            }

            async fn conference_by_customer_id(&self, app_id: Uuid, conference_id: &str) -> StoreResult<Option<Uuid>> {
                let id = sqlx::query_scalar(
                    "select id from conference where app_id = $1 and conference_id = $2 \
                     order by created_at desc, id desc limit 1",
                )
                    .bind(app_id).bind(conference_id).fetch_optional(&self.read).await?;
                Ok(id)
            }

            async fn participant_by_customer_id(&self, app_id: Uuid, participant_id: &str) -> StoreResult<Option<Uuid>> {
                let id = sqlx::query_scalar("select id from participant where app_id = $1 and participant_id = $2")
                    .bind(app_id).bind(participant_id).fetch_optional(&self.read).await?;
                Ok(id)
            }

            async fn stale_conferences(&self, cutoff: i64, limit: i64) -> StoreResult<Vec<Uuid>> {
                let ids = sqlx::query_scalar(
                    "select id from conference where ongoing and last_activity_at < $1 \
                     order by last_activity_at limit $2",
                )
                .bind(cutoff).bind(limit).fetch_all(&self.read).await?;
                Ok(ids)
            }

            async fn list(&self, visible: &Visibility, resource: Resource, filter: &ListFilter, page: &PageRequest) -> StoreResult<Page> {
                let pool = &self.read;
                match resource {
                    Resource::Apps => fetch_page::<AppRecord>(pool, visible, resource, filter, page,
                        |r| (r.created_at, r.id), Record::App).await,
                    Resource::Conferences => fetch_page::<ConferenceRow>(pool, visible, resource, filter, page,
                        |r| (r.created_at, r.id), Record::Conference).await,
                    Resource::Participants => fetch_page::<ParticipantRow>(pool, visible, resource, filter, page,
                        |r| (r.created_at, r.id), Record::Participant).await,
                    Resource::Sessions => fetch_page::<SessionRow>(pool, visible, resource, filter, page,
                        |r| (r.created_at, r.id), |row| Record::Session(Box::new(row))).await,
                    Resource::Connections => fetch_page::<ConnectionRow>(pool, visible, resource, filter, page,
                        |r| (r.created_at, r.id), |row| Record::Connection(Box::new(row))).await,
                    Resource::Issues => fetch_page::<IssueRow>(pool, visible, resource, filter, page,
                        |r| (r.created_at, r.id), Record::Issue).await,
                }
            }

            async fn get(&self, visible: &Visibility, resource: Resource, id: Uuid) -> StoreResult<Option<Record>> {
                let pool = &self.read;
                Ok(match resource {
                    Resource::Apps => fetch_one_row(pool, visible, resource, id).await?.map(Record::App),
                    Resource::Conferences => fetch_one_row(pool, visible, resource, id).await?.map(Record::Conference),
                    Resource::Participants => fetch_one_row(pool, visible, resource, id).await?.map(Record::Participant),
                    Resource::Sessions => fetch_one_row(pool, visible, resource, id).await?.map(|row| Record::Session(Box::new(row))),
                    Resource::Connections => fetch_one_row(pool, visible, resource, id).await?.map(|row| Record::Connection(Box::new(row))),
                    Resource::Issues => fetch_one_row(pool, visible, resource, id).await?.map(Record::Issue),
                })
            }

        }

        #[async_trait]
        impl $crate::store::Maintenance for $store {
            async fn insert_seed(&self, batch: &SeedBatch) -> StoreResult<()> {
                let mut tx = self.write.begin().await?;
                let connection = &mut *tx;
                insert_participants(connection, &batch.participants).await?;
                insert_conferences(connection, &batch.conferences).await?;
                insert_links(connection, &batch.conference_participants).await?;
                insert_sessions(connection, &batch.sessions).await?;
                insert_connections(connection, &batch.connections).await?;
                insert_tracks(connection, &batch.tracks).await?;
                insert_events(connection, &batch.events).await?;
                insert_issues(connection, &batch.issues).await?;
                insert_stats_samples(connection, &batch.stats_samples).await?;
                insert_track_samples(connection, &batch.track_samples).await?;
                for (app_id, cells) in &batch.rollup_cells {
                    rollup_sql_impl::add_cells(connection, *app_id, cells, true).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn stats_samples(&self, connection_id: Uuid) -> StoreResult<Vec<StatsSampleRow>> {
                let rows = sqlx::query_as("select * from stats_sample where connection_id = $1 order by created_at")
                    .bind(connection_id).fetch_all(&self.read).await?;
                Ok(rows)
            }

            async fn track_samples(&self, connection_id: Uuid) -> StoreResult<Vec<TrackSampleRow>> {
                let rows = sqlx::query_as(
                    "select * from track_sample where connection_id = $1 order by created_at, kind, direction",
                )
                .bind(connection_id).fetch_all(&self.read).await?;
                Ok(rows)
            }

            async fn events(&self, conference_id: Uuid) -> StoreResult<Vec<EventRow>> {
                let rows = sqlx::query_as("select * from event where conference_id = $1 order by created_at, id")
                    .bind(conference_id).fetch_all(&self.read).await?;
                Ok(rows)
            }

            async fn refresh_statistics(&self) -> StoreResult<()> {
                // PostgreSQL samples each table; SQLite's `optimize` analyses only the
                // tables whose statistics are missing or stale.
                let statement = match $engine {
                    Engine::Postgres => "analyze",
                    Engine::Sqlite => "pragma optimize",
                };
                sqlx::raw_sql(statement).execute(&self.write).await?;
                Ok(())
            }

            async fn table_counts(&self) -> StoreResult<TableCounts> {
                let count = |table: &'static str| {
                    let mut query = QueryBuilder::<$db>::new("select count(*) from ");
                    query.push(table);
                    async move { query.build_query_scalar::<i64>().fetch_one(&self.read).await }
                };
                Ok(TableCounts {
                    organizations: count("organization").await?,
                    apps: count("app").await?,
                    conferences: count("conference").await?,
                    participants: count("participant").await?,
                    sessions: count("session").await?,
                    connections: count("connection").await?,
                    tracks: count("track").await?,
                    events: count("event").await?,
                    issues: count("issue").await?,
                    stats_samples: count("stats_sample").await?,
                    track_samples: count("track_sample").await?,
                })
            }
        }
    };
}

pub(super) use sql_store;

#[cfg(test)]
mod tests {
    use super::chunk_sizes;

    #[test]
    fn chunks_cover_every_row_with_few_statements() {
        for len in [0usize, 1, 2, 3, 7, 100, 511, 512, 513, 5000] {
            let sizes: Vec<usize> = chunk_sizes(len, 12).collect();
            assert_eq!(sizes.iter().sum::<usize>(), len);
            assert!(sizes.iter().all(|size| *size <= 512));
            assert_eq!(sizes.len(), len.div_ceil(512));
        }
    }

    #[test]
    fn wide_rows_get_smaller_chunks() {
        assert!(chunk_sizes(10_000, 100).all(|size| size <= 300));
    }
}
