//! The SQL of [`DrillDownStore`](super::drilldown::DrillDownStore), expanded for each
//! engine by `sql_drilldown_store!`. Everything but text search runs unchanged on
//! both engines; search asks PostgreSQL's trigram indexes or SQLite's FTS5 tables
//! (migration `0006_search`).

macro_rules! sql_drilldown_store {
    (
        database: $db:ty,
        store: $store:ident,
        engine: $engine:expr $(,)?
    ) => {
        pub(super) mod drilldown_sql_impl {
            use async_trait::async_trait;
            use sqlx::QueryBuilder;
            use uuid::Uuid;

            use super::$store;
            use $crate::domain::access::Visibility;
            use $crate::domain::series::{PairPoint, TrackPoint};
            use $crate::domain::stats::{Direction, MediaKind};
            use $crate::store::drilldown::*;
            use $crate::store::models::*;
            use $crate::store::{Engine, StoreResult};

            #[derive(sqlx::FromRow)]
            struct PairRow {
                created_at: i64,
                rtt_ms: Option<f64>,
                bytes_sent: Option<i64>,
                bytes_received: Option<i64>,
                available_outgoing_bitrate: Option<f64>,
                local_candidate_type: Option<String>,
                remote_candidate_type: Option<String>,
                protocol: Option<String>,
            }

            /// One track sample: a row, or an element of the JSON array SQLite's
            /// window query builds (the track's uuid as text either way).
            #[derive(sqlx::FromRow, serde::Deserialize)]
            struct TrackPointRow(
                i64,
                i16,
                i16,
                Option<String>,
                Option<i64>,
                Option<i64>,
                Option<i64>,
                Option<i64>,
                Option<f64>,
                Option<f64>,
                Option<f64>,
                Option<i64>,
                Option<i64>,
                Option<f64>,
                Option<f64>,
            );

            impl From<PairRow> for PairPoint {
                fn from(row: PairRow) -> Self {
                    PairPoint {
                        at: row.created_at,
                        rtt_ms: row.rtt_ms,
                        bytes_sent: row.bytes_sent,
                        bytes_received: row.bytes_received,
                        available_outgoing_bitrate: row.available_outgoing_bitrate,
                        local_candidate_type: row.local_candidate_type,
                        remote_candidate_type: row.remote_candidate_type,
                        protocol: row.protocol,
                    }
                }
            }

            impl From<TrackPointRow> for TrackPoint {
                fn from(row: TrackPointRow) -> Self {
                    TrackPoint {
                        at: row.0,
                        kind: if row.1 == 1 { MediaKind::Video } else { MediaKind::Audio },
                        direction: if row.2 == 1 { Direction::Outbound } else { Direction::Inbound },
                        track_id: row.3.as_deref().and_then(|id| Uuid::try_parse(id).ok()),
                        ssrc: row.4,
                        bytes: row.5,
                        packets: row.6,
                        packets_lost: row.7,
                        jitter_ms: row.8,
                        rtt_ms: row.9,
                        frames_per_second: row.10,
                        frame_width: row.11,
                        frame_height: row.12,
                        audio_level: row.13,
                        emos: row.14,
                    }
                }
            }

            /// Events with small payloads only (see [`EVENT_DATA_LIMIT`]).
            const EVENT_BRIEF_COLUMNS: &str = "select id, session_id, participant_id, peer_id, connection_id, track_id, \
                category, type, case when length(data) <= 2048 then data end as data, \
                cast(length(data) as bigint) as data_length, created_at from event";

            /// `text` as a LIKE pattern that matches it literally.
            fn like_literal(text: &str) -> String {
                text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
            }

            #[async_trait]
            impl DrillDownStore for $store {
                async fn conference_parts(&self, conference_id: Uuid, event_limit: i64) -> StoreResult<ConferenceParts> {
                    let pool = &self.read;
                    let participants = sqlx::query_as(
                        "select p.* from participant p join conference_participant cp on cp.participant_id = p.id \
                         where cp.conference_id = $1 order by cp.created_at, p.id",
                    ).bind(conference_id).fetch_all(pool).await?;
                    let sessions = sqlx::query_as("select * from session where conference_id = $1 order by created_at, id")
                        .bind(conference_id).fetch_all(pool).await?;
                    let connections = sqlx::query_as("select * from connection where conference_id = $1 order by created_at, id")
                        .bind(conference_id).fetch_all(pool).await?;
                    let issues = sqlx::query_as("select * from issue where conference_id = $1 order by created_at, id")
                        .bind(conference_id).fetch_all(pool).await?;
                    let mut events: Vec<EventBrief> = sqlx::query_as(&format!(
                        "{EVENT_BRIEF_COLUMNS} where conference_id = $1 order by created_at, id limit $2"
                    )).bind(conference_id).bind(event_limit + 1).fetch_all(pool).await?;
                    let events_truncated = events.len() as i64 > event_limit;
                    events.truncate(event_limit as usize);
                    Ok(ConferenceParts {
                        participants,
                        sessions,
                        connections,
                        issues,
                        events,
                        events_truncated,
                    })
                }

                async fn connection_samples(&self, connection_id: Uuid, window: SampleWindow) -> StoreResult<ConnectionSamples> {
                    let pool = &self.read;
                    // The whole history's size and bounds, read beside the window's
                    // bounds (the pool's connections work in parallel).
                    let history = async {
                        sqlx::query_as::<_, (i64, Option<i64>, Option<i64>)>(
                            "select count(*), min(created_at), max(created_at) from stats_sample where connection_id = $1",
                        ).bind(connection_id).fetch_one(pool).await
                    };
                    let point_before = |before: i64| async move {
                        sqlx::query_scalar::<_, Option<i64>>(
                            "select max(created_at) from stats_sample where connection_id = $1 and created_at < $2",
                        ).bind(connection_id).bind(before).fetch_one(pool).await
                    };
                    // The window's first time (`low`), its last (`high`), and the point
                    // just before it, whose counters the first deltas start from.
                    let bounds = async {
                        Ok::<_, sqlx::Error>(match window {
                            SampleWindow::Last(count) => {
                                // The N-th newest point and the one before it: two rows.
                                let times: Vec<i64> = sqlx::query_scalar(
                                    "select created_at from stats_sample where connection_id = $1 \
                                     order by created_at desc limit 2 offset $2",
                                ).bind(connection_id).bind(count - 1).fetch_all(pool).await?;
                                match times.first() {
                                    Some(&low) => (low, i64::MAX, times.get(1).copied()),
                                    // Fewer than N points: the window is the whole history.
                                    None => (i64::MIN, i64::MAX, None),
                                }
                            }
                            SampleWindow::Range { from, to } => {
                                let previous = match from {
                                    Some(from) => point_before(from).await?,
                                    None => None,
                                };
                                (from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX), previous)
                            }
                            SampleWindow::After(after) => {
                                (after.saturating_add(1), i64::MAX, point_before(after.saturating_add(1)).await?)
                            }
                            SampleWindow::Full => (i64::MIN, i64::MAX, None),
                        })
                    };
                    let ((total, first, last), (low, high, previous)) = tokio::try_join!(history, bounds)?;
                    let start = previous.unwrap_or(low);
                    let pairs = sqlx::query_as::<_, PairRow>(
                        "select created_at, rtt_ms, bytes_sent, bytes_received, available_outgoing_bitrate, \
                             local_candidate_type, remote_candidate_type, protocol \
                         from stats_sample where connection_id = $1 and created_at >= $2 and created_at <= $3 \
                         order by created_at",
                    ).bind(connection_id).bind(start).bind(high).fetch_all(pool);
                    let tracks = async {
                        let mut rows: Vec<TrackPointRow> = match $engine {
                            Engine::Postgres => sqlx::query_as(
                                "select created_at, kind, direction, track_id::text, ssrc, bytes, packets, packets_lost, \
                                     jitter_ms, rtt_ms, frames_per_second, frame_width, frame_height, audio_level, emos \
                                 from track_sample where connection_id = $1 and created_at >= $2 and created_at <= $3 \
                                 order by created_at",
                            ).bind(connection_id).bind(start).bind(high).fetch_all(pool).await?,
                            // On SQLite the samples come back as one JSON array in one row:
                            // a window holds four rows per point, and handing each row over
                            // on its own cost more than reading them (PostgreSQL is the other
                            // way round: building the JSON costs it ten times the rows).
                            // Blobs cannot be JSON: the track's uuid goes as hex.
                            Engine::Sqlite => {
                                let packed: Option<String> = sqlx::query_scalar(
                                    "select json_group_array(json_array(created_at, kind, direction, hex(track_id), ssrc, \
                                         bytes, packets, packets_lost, jitter_ms, rtt_ms, frames_per_second, frame_width, \
                                         frame_height, audio_level, emos)) \
                                     from track_sample where connection_id = $1 and created_at >= $2 and created_at <= $3",
                                ).bind(connection_id).bind(start).bind(high).fetch_one(pool).await?;
                                serde_json::from_str(packed.as_deref().unwrap_or("[]"))
                                    .map_err(|error| sqlx::Error::Decode(Box::new(error)))?
                            }
                        };
                        rows.sort_by_key(|row| row.0);
                        Ok::<_, sqlx::Error>(rows)
                    };
                    let (pairs, tracks) = tokio::try_join!(pairs, tracks)?;
                    let inside = pairs.iter().map(|p| p.created_at).filter(|at| *at >= low);
                    let window = inside.clone().min().zip(inside.max());
                    Ok(ConnectionSamples {
                        pairs: pairs.into_iter().map(PairPoint::from).collect(),
                        tracks: tracks.into_iter().map(TrackPoint::from).collect(),
                        window,
                        total,
                        first,
                        last,
                    })
                }

                async fn connection_overlay(&self, connection: &ConnectionRow, from: i64, to: i64) -> StoreResult<OverlayRows> {
                    let pool = &self.read;
                    // Through `event_conference_created`: the conference's events in the
                    // range, then this connection's and its session's own.
                    let events_query = format!(
                        "{EVENT_BRIEF_COLUMNS} where conference_id = $1 and created_at >= $2 and created_at <= $3 \
                         and (connection_id = $4 or (session_id = $5 and connection_id is null and category <> 'connection')) \
                         order by created_at, id limit 2000"
                    );
                    let events = sqlx::query_as::<_, EventBrief>(&events_query)
                        .bind(connection.conference_id).bind(from).bind(to).bind(connection.id).bind(connection.session_id)
                        .fetch_all(pool);
                    let issues = sqlx::query_as::<_, IssueRow>(
                        "select * from issue where conference_id = $1 and created_at >= $2 and created_at <= $3 \
                         and (connection_id = $4 or (session_id = $5 and connection_id is null)) \
                         order by created_at, id limit 1000",
                    )
                    .bind(connection.conference_id).bind(from).bind(to).bind(connection.id).bind(connection.session_id)
                    .fetch_all(pool);
                    let (events, issues) = tokio::try_join!(events, issues)?;
                    Ok(OverlayRows { events, issues })
                }

                async fn search(&self, visible: &Visibility, kind: SearchKind, text: &str, limit: i64) -> StoreResult<Vec<SearchHit>> {
                    let (table, alias, id_column, name_column, ongoing) = match kind {
                        SearchKind::Conference => ("conference", "conference_search", "conference_id", "conference_name", "t.ongoing"),
                        SearchKind::Participant => ("participant", "participant_search", "participant_id", "participant_name", "cast(null as boolean)"),
                    };
                    // Case is folded here, once, so both engines compare lowercase text.
                    let folded = text.to_lowercase();
                    let literal = like_literal(&folded);
                    let prefix = format!("{literal}%");
                    // Trigram indexes need three characters; shorter text matches ids
                    // by prefix only.
                    let short = text.chars().count() < 3;

                    let mut query = QueryBuilder::<$db>::new(format!(
                        "select t.id, t.app_id, a.name as app_name, t.{id_column} as customer_id, t.{name_column} as name, \
                             t.created_at, {ongoing} as ongoing, cast(case when lower(t.{id_column}) = "
                    ));
                    query.push_bind(folded.clone())
                        .push(format_args!(" then 0 when lower(t.{id_column}) like ")).push_bind(prefix.clone())
                        .push(format_args!(" escape '\\' then 1 when lower(t.{name_column}) like ")).push_bind(prefix.clone())
                        .push(format_args!(" escape '\\' or lower(t.{name_column}) like ")).push_bind(format!("% {literal}%"))
                        .push(format_args!(" escape '\\' then 2 else 3 end as bigint) as search_rank \
                             from {table} t join app a on a.id = t.app_id where "));
                    match ($engine, short) {
                        // `search_text` is `lower(id || ' ' || name)`, trigram-indexed.
                        (Engine::Postgres, true) => {
                            query.push("t.search_text like ").push_bind(prefix).push(" escape '\\'");
                        }
                        (Engine::Postgres, false) => {
                            query.push("t.search_text like ").push_bind(format!("%{literal}%")).push(" escape '\\'");
                        }
                        // A range on the `(app_id, lower(id))` index: every text that
                        // starts with the prefix sorts between it and it + U+10FFFF.
                        (Engine::Sqlite, true) => {
                            query.push(format_args!("lower(t.{id_column}) >= ")).push_bind(folded.clone())
                                .push(format_args!(" and lower(t.{id_column}) < ")).push_bind(format!("{folded}{}", char::MAX));
                        }
                        (Engine::Sqlite, false) => {
                            // A quoted phrase (quotes doubled): any substring, any case.
                            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
                            query.push(format_args!("t.rowid in (select rowid from {alias} where {alias} match "))
                                .push_bind(phrase).push(")");
                        }
                    }
                    // Rows of live apps of the visible organizations, as every read.
                    super::push_visibility(&mut query, $crate::store::Resource::Conferences, visible);
                    query.push(" order by search_rank, t.created_at desc, t.id limit ").push_bind(limit);
                    Ok(query.build_query_as().fetch_all(&self.read).await?)
                }

                async fn participant_conferences(
                    &self,
                    participant_id: Uuid,
                    after: Option<(i64, Uuid)>,
                    limit: i64,
                ) -> StoreResult<(Vec<ConferenceRow>, Vec<IssueCount>)> {
                    let pool = &self.read;
                    let mut query = QueryBuilder::<$db>::new(
                        "select c.* from conference c join conference_participant cp on cp.conference_id = c.id \
                         where cp.participant_id = ",
                    );
                    query.push_bind(participant_id);
                    if let Some((created_at, id)) = after {
                        query.push(" and (c.created_at < ").push_bind(created_at)
                            .push(" or (c.created_at = ").push_bind(created_at)
                            .push(" and c.id < ").push_bind(id).push("))");
                    }
                    query.push(" order by c.created_at desc, c.id desc limit ").push_bind(limit);
                    let conferences: Vec<ConferenceRow> = query.build_query_as().fetch_all(pool).await?;
                    if conferences.is_empty() {
                        return Ok((conferences, Vec::new()));
                    }
                    let mut counts = QueryBuilder::<$db>::new(
                        "select conference_id, code, severity, count(*) as count from issue where participant_id = ",
                    );
                    counts.push_bind(participant_id).push(" and conference_id in (");
                    let mut list = counts.separated(", ");
                    for conference in &conferences {
                        list.push_bind(conference.id);
                    }
                    counts.push(") group by conference_id, code, severity order by conference_id, code");
                    let issues = counts.build_query_as().fetch_all(pool).await?;
                    Ok((conferences, issues))
                }

                async fn participant_sessions(&self, participant_id: Uuid, limit: i64) -> StoreResult<Vec<SessionRow>> {
                    Ok(sqlx::query_as("select * from session where participant_id = $1 order by created_at desc, id desc limit $2")
                        .bind(participant_id).bind(limit).fetch_all(&self.read).await?)
                }
            }
        }
    };
}

pub(super) use sql_drilldown_store;
