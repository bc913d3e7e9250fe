//! The SQL of [`RollupStore`](super::rollups::RollupStore) and of the rollup writes of
//! an ingest batch, expanded for each engine by `sql_rollup_store!`. The statements
//! run unchanged on PostgreSQL and SQLite.

macro_rules! sql_rollup_store {
    (
        database: $db:ty,
        store: $store:ident $(,)?
    ) => {
        pub(super) mod rollup_sql_impl {
            use std::collections::HashMap;

            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use super::$store;
            use $crate::domain::filter::{Dimension, SessionDimensions};
            use $crate::domain::rollup::{
                ConferenceInputs, ConnectionInputs, IssueInputs, Metric, SessionInputs,
            };
            use $crate::store::engine::chunk_sizes;
            use $crate::store::rollups::*;
            use $crate::store::StoreResult;

            type DbConnection = <$db as sqlx::Database>::Connection;

            /// Which conferences' inputs to read.
            pub(crate) enum InputScope<'a> {
                /// The app's conferences created in `[from, until)`.
                Range { app_id: Uuid, from: i64, until: i64 },
                Ids(&'a [Uuid]),
            }

            fn push_scope<'a>(query: &mut QueryBuilder<'a, $db>, scope: &InputScope<'a>) {
                match scope {
                    InputScope::Range { app_id, from, until } => {
                        query
                            .push(" where c.app_id = ")
                            .push_bind(*app_id)
                            .push(" and c.created_at >= ")
                            .push_bind(*from)
                            .push(" and c.created_at < ")
                            .push_bind(*until);
                    }
                    InputScope::Ids(ids) => {
                        query.push(" where c.id in (");
                        let mut list = query.separated(", ");
                        for id in ids.iter() {
                            list.push_bind(*id);
                        }
                        list.push_unseparated(")");
                    }
                }
            }

            /// Two reads: the conferences, then their rows of three tables in one
            /// statement, each through the conference's own index
            /// (`conference_app_created`, then `session_conference`,
            /// `connection_conference` and `issue_conference`), rows in id order so
            /// that two reads of unchanged rows compare equal.
            pub(crate) async fn load_inputs(
                connection: &mut DbConnection,
                scope: InputScope<'_>,
            ) -> StoreResult<Vec<ConferenceInputs>> {
                if let InputScope::Ids(ids) = &scope {
                    if ids.is_empty() {
                        return Ok(Vec::new());
                    }
                }
                let mut query = QueryBuilder::<$db>::new(
                    "select c.id, c.app_id, c.created_at, c.ongoing, c.duration_s, c.participant_count from conference c",
                );
                push_scope(&mut query, &scope);
                let mut conferences: Vec<ConferenceInputs> = Vec::new();
                for row in query.build().fetch_all(&mut *connection).await? {
                    conferences.push(ConferenceInputs {
                        id: row.try_get(0)?,
                        app_id: row.try_get(1)?,
                        created_at: row.try_get(2)?,
                        ongoing: row.try_get(3)?,
                        duration_s: row.try_get(4)?,
                        participant_count: row.try_get(5)?,
                        ..Default::default()
                    });
                }
                attach_rows(connection, &mut conferences, &scope).await?;
                Ok(conferences)
            }

            /// Reads the sessions, connections and issues of `conferences` (whose own
            /// facts are already known), in `scope`, which must select exactly them.
            pub(crate) async fn attach_rows(
                connection: &mut DbConnection,
                conferences: &mut [ConferenceInputs],
                scope: &InputScope<'_>,
            ) -> StoreResult<()> {
                if conferences.is_empty() {
                    return Ok(());
                }
                let index: HashMap<Uuid, usize> = conferences
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.id, i))
                    .collect();

                // One statement for the three tables (a round trip is most of a small
                // read's cost): `kind` 0 sessions, 1 connections, 2 issues, each in id
                // order; the columns a table lacks are typed nulls.
                let mut query = QueryBuilder::<$db>::new(
                    "select 0, s.id, s.conference_id, s.id, s.browser_name, s.os_name, s.country_code, \
                     s.app_version, s.city, s.latitude, s.longitude, cast(null as bigint) \
                     from session s join conference c on c.id = s.conference_id",
                );
                push_scope(&mut query, scope);
                query.push(
                    " union all select 1, x.id, x.conference_id, x.session_id, x.type, cast(null as text), \
                     cast(null as text), cast(null as text), cast(null as text), \
                     cast(null as double precision), cast(null as double precision), x.setup_time_ms \
                     from connection x join conference c on c.id = x.conference_id",
                );
                push_scope(&mut query, scope);
                // Only getUserMedia errors need their data (the error's name).
                query.push(
                    " union all select 2, i.id, i.conference_id, i.session_id, i.severity, i.code, \
                     case when i.code = 'getusermedia_error' then i.data end, cast(null as text), \
                     cast(null as text), cast(null as double precision), cast(null as double precision), \
                     cast(null as bigint) \
                     from issue i join conference c on c.id = i.conference_id",
                );
                push_scope(&mut query, scope);
                query.push(" order by 1, 2");
                for row in query.build().fetch_all(&mut *connection).await? {
                    let Some(&at) = index.get(&row.try_get::<Uuid, _>(2)?) else { continue };
                    let conference = &mut conferences[at];
                    match row.try_get::<i32, _>(0)? {
                        0 => {
                            let mut dimensions = SessionDimensions::default();
                            for (column, dimension) in [
                                (4, Dimension::Browser),
                                (5, Dimension::Os),
                                (6, Dimension::Country),
                                (7, Dimension::AppVersion),
                            ] {
                                dimensions.values[dimension.index()] = row
                                    .try_get::<Option<String>, _>(column)?
                                    .filter(|value| !value.is_empty());
                            }
                            conference.sessions.push(SessionInputs {
                                id: row.try_get(3)?,
                                dimensions,
                                city: row.try_get(8)?,
                                latitude: row.try_get(9)?,
                                longitude: row.try_get(10)?,
                            });
                        }
                        1 => conference.connections.push(ConnectionInputs {
                            session_id: row.try_get(3)?,
                            kind: row.try_get(4)?,
                            setup_time_ms: row.try_get(11)?,
                        }),
                        _ => conference.issues.push(IssueInputs {
                            session_id: row.try_get(3)?,
                            is_error: row.try_get::<String, _>(4)? == "error",
                            code: row.try_get(5)?,
                            data: row.try_get(6)?,
                        }),
                    }
                }
                Ok(())
            }

            /// Adds each cell's `n` to the stored one (deltas from an ingest batch).
            pub(crate) async fn add_cells(
                connection: &mut DbConnection,
                app_id: Uuid,
                cells: &[Cell],
                upsert: bool,
            ) -> StoreResult<()> {
                let mut offset = 0;
                for size in chunk_sizes(cells.len(), 7) {
                    let chunk = &cells[offset..offset + size];
                    offset += size;
                    let mut query = QueryBuilder::<$db>::new(
                        "insert into rollup_cell (app_id, point, span, bucket, metric, key, n) ",
                    );
                    query.push_values(chunk, |mut row, cell| {
                        row.push_bind(app_id)
                            .push_bind(cell.point.as_str())
                            .push_bind(cell.span.code())
                            .push_bind(cell.bucket)
                            .push_bind(cell.metric.code())
                            .push_bind(cell.key.as_str())
                            .push_bind(cell.n);
                    });
                    if upsert {
                        query.push(
                            " on conflict (app_id, point, span, bucket, metric, key) \
                             do update set n = rollup_cell.n + excluded.n",
                        );
                    }
                    query.build().execute(&mut *connection).await?;
                }
                Ok(())
            }

            fn cell_of(row: &<$db as sqlx::Database>::Row) -> StoreResult<Option<Cell>> {
                let (Some(span), Some(metric)) = (
                    Span::from_code(row.try_get(1)?),
                    Metric::from_code(row.try_get(3)?),
                ) else {
                    // A metric this version does not know (written by a newer one).
                    return Ok(None);
                };
                Ok(Some(Cell {
                    point: row.try_get(0)?,
                    span,
                    bucket: row.try_get(2)?,
                    metric,
                    key: row.try_get(4)?,
                    n: row.try_get(5)?,
                }))
            }

            #[async_trait]
            impl RollupStore for $store {
                async fn cells(&self, request: &CellQuery<'_>) -> StoreResult<Vec<Cell>> {
                    if request.points.is_empty() {
                        return Ok(Vec::new());
                    }
                    // What is selected and how it is grouped, kept side by side.
                    let (columns, grouping) = match request.sum {
                        CellSum::Nothing => ("point, span, bucket, metric, key, n", ""),
                        CellSum::Buckets => (
                            "point, span, min(bucket), metric, key, cast(sum(n) as bigint)",
                            " group by point, span, metric, key having sum(n) <> 0",
                        ),
                        CellSum::Points => (
                            "min(point), span, bucket, metric, key, cast(sum(n) as bigint)",
                            " group by span, bucket, metric, key having sum(n) <> 0",
                        ),
                    };
                    let mut query = QueryBuilder::<$db>::new("select ");
                    query.push(columns).push(" from rollup_cell where app_id = ");
                    query.push_bind(request.app_id).push(" and point in (");
                    let mut points = query.separated(", ");
                    for point in request.points {
                        points.push_bind(point.as_str());
                    }
                    points.push_unseparated(")");
                    query.push(" and span = ").push_bind(request.span.code());
                    match &request.buckets {
                        Buckets::Between(from, until) => {
                            query
                                .push(" and bucket >= ")
                                .push_bind(*from)
                                .push(" and bucket < ")
                                .push_bind(*until);
                        }
                        Buckets::Listed(buckets) => {
                            if buckets.is_empty() {
                                return Ok(Vec::new());
                            }
                            query.push(" and bucket in (");
                            let mut list = query.separated(", ");
                            for bucket in buckets {
                                list.push_bind(*bucket);
                            }
                            list.push_unseparated(")");
                        }
                    }
                    if let MetricSelection::Only(metric) = request.metrics {
                        query.push(" and metric = ").push_bind(metric.code());
                    }
                    query.push(" and n <> 0").push(grouping);
                    let rows = query.build().fetch_all(&self.read).await?;
                    let mut cells = Vec::with_capacity(rows.len());
                    for row in &rows {
                        cells.extend(cell_of(row)?);
                    }
                    Ok(cells)
                }

                async fn conference_inputs(
                    &self,
                    app_id: Uuid,
                    from: i64,
                    until: i64,
                ) -> StoreResult<Vec<ConferenceInputs>> {
                    let mut connection = self.read.acquire().await?;
                    load_inputs(&mut connection, InputScope::Range { app_id, from, until }).await
                }

                async fn conference_span(&self, app_id: Uuid) -> StoreResult<Option<(i64, i64)>> {
                    let row: (Option<i64>, Option<i64>) = sqlx::query_as(
                        "select min(created_at), max(created_at) from conference where app_id = $1",
                    )
                    .bind(app_id)
                    .fetch_one(&self.read)
                    .await?;
                    Ok(row.0.zip(row.1))
                }

                async fn all_cells(&self, app_id: Uuid) -> StoreResult<Vec<Cell>> {
                    let rows = sqlx::query(
                        "select point, span, bucket, metric, key, n from rollup_cell where app_id = $1 and n <> 0",
                    )
                    .bind(app_id)
                    .fetch_all(&self.read)
                    .await?;
                    let mut cells = Vec::with_capacity(rows.len());
                    for row in &rows {
                        cells.extend(cell_of(row)?);
                    }
                    // Sorted here: the engines collate text differently.
                    cells.sort();
                    Ok(cells)
                }

                async fn replace_cells(&self, app_id: Uuid, cells: &[Cell]) -> StoreResult<()> {
                    let mut tx = self.write.begin().await?;
                    sqlx::query("delete from rollup_cell where app_id = $1")
                        .bind(app_id)
                        .execute(&mut *tx)
                        .await?;
                    add_cells(&mut tx, app_id, cells, false).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn app_ids(&self) -> StoreResult<Vec<Uuid>> {
                    Ok(sqlx::query_scalar("select id from app order by created_at, id")
                        .fetch_all(&self.read)
                        .await?)
                }

                async fn prune_empty_cells(&self) -> StoreResult<u64> {
                    let done = sqlx::query("delete from rollup_cell where n = 0")
                        .execute(&self.write)
                        .await?;
                    Ok(done.rows_affected())
                }
            }
        }
    };
}

pub(super) use sql_rollup_store;
