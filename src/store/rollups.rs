//! Rollup cells: pre-aggregated chart counters, so that a summary reads rows in
//! proportion to the buckets and keys of its range, never to the conferences.
//!
//! A cell is `(app, point, span, bucket, metric, key) -> n`: `n` rows (or
//! conferences) of conferences created in `[bucket, bucket + span)`, counted for the
//! filter point (`""` for every session, `browser=Chrome` for sessions with that
//! browser). What a conference adds is [`crate::domain::rollup::rollup_counts`];
//! ingest keeps cells current in the transaction that changes the conference.

use std::collections::BTreeMap;

use async_trait::async_trait;
use uuid::Uuid;

use super::{SeedBatch, StoreResult};
use crate::domain::filter::{Dimension, SessionDimensions};
use crate::domain::rollup::{
    ConferenceInputs, ConnectionInputs, IssueInputs, Metric, SessionInputs,
};
use crate::domain::time::MICROS_PER_SECOND;

/// The time spans of cells. Every metric has hour and day cells (UTC); the status of
/// conferences also has quarter-hour cells, so that local days starting on a half or
/// quarter hour (India, Nepal, Newfoundland) are read from cells too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Span {
    Quarter,
    Hour,
    Day,
}

impl Span {
    pub const ALL: [Span; 3] = [Span::Quarter, Span::Hour, Span::Day];

    pub fn code(self) -> i16 {
        match self {
            Span::Quarter => 0,
            Span::Hour => 1,
            Span::Day => 2,
        }
    }

    pub fn from_code(code: i16) -> Option<Span> {
        Span::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn micros(self) -> i64 {
        MICROS_PER_SECOND
            * match self {
                Span::Quarter => 900,
                Span::Hour => 3600,
                Span::Day => 86_400,
            }
    }

    /// The start of the cell holding `at`.
    pub fn bucket_of(self, at: i64) -> i64 {
        at.div_euclid(self.micros()) * self.micros()
    }

    /// Whether this span keeps cells of `metric`.
    pub fn keeps(self, metric: Metric) -> bool {
        self != Span::Quarter || metric == Metric::ConferenceStatus
    }
}

/// One cell, or one change to a cell (`n` is then the delta).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cell {
    pub point: String,
    pub span: Span,
    pub bucket: i64,
    pub metric: Metric,
    pub key: String,
    pub n: i64,
}

/// Which metrics a cell read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricSelection {
    All,
    Only(Metric),
}

/// Which buckets of one span a cell read returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Buckets {
    /// `from <= bucket < until`.
    Between(i64, i64),
    /// Exactly these.
    Listed(Vec<i64>),
}

#[derive(Debug, Clone)]
pub struct CellQuery<'a> {
    pub app_id: Uuid,
    pub points: &'a [String],
    pub span: Span,
    pub buckets: Buckets,
    pub metrics: MetricSelection,
    /// Whether the store sums the cells before they cross the wire.
    pub sum: CellSum,
}

/// What a cell read adds up in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellSum {
    /// Every cell as stored.
    Nothing,
    /// One cell per `(point, metric, key)` over the buckets, its `bucket` the earliest:
    /// a range's totals arrive as a few dozen rows per point, not one per bucket.
    Buckets,
    /// One cell per `(bucket, metric, key)` over the points, its `point` the least:
    /// a per-day chart over many value-set points arrives as one row per bucket.
    Points,
}

/// Reads and rebuilds of rollups. Ingest writes them through
/// [`StoreTx`](super::StoreTx) instead, inside its batch.
#[async_trait]
pub trait RollupStore: Send + Sync {
    /// Cells of one span, non-zero ones only.
    async fn cells(&self, query: &CellQuery<'_>) -> StoreResult<Vec<Cell>>;
    /// What the charts of the app's conferences created in `[from, until)` are
    /// computed from, read from the rows themselves.
    async fn conference_inputs(
        &self,
        app_id: Uuid,
        from: i64,
        until: i64,
    ) -> StoreResult<Vec<ConferenceInputs>>;
    /// The earliest and latest `created_at` of the app's conferences.
    async fn conference_span(&self, app_id: Uuid) -> StoreResult<Option<(i64, i64)>>;
    /// Every non-zero cell of an app, in key order (for `rollups rebuild --check`).
    async fn all_cells(&self, app_id: Uuid) -> StoreResult<Vec<Cell>>;
    /// Replaces every cell of an app by `cells`, in one transaction.
    async fn replace_cells(&self, app_id: Uuid, cells: &[Cell]) -> StoreResult<()>;
    /// Every app, deleted ones included (their rows are kept until retention).
    async fn app_ids(&self) -> StoreResult<Vec<Uuid>>;
    /// Deletes cells that dropped to zero; returns how many.
    async fn prune_empty_cells(&self) -> StoreResult<u64>;
}

/// Counts by cell: `(point, span, bucket, metric, key) -> n`.
pub type CellCounts = BTreeMap<(String, Span, i64, Metric, String), i64>;

/// Spreads per-conference counts (`(point, metric, key) -> n`) over the cells of
/// every span, times `sign`.
pub fn cells_of(
    conference: &ConferenceInputs,
    counts: &BTreeMap<(String, Metric, String), i64>,
    sign: i64,
    out: &mut CellCounts,
) {
    for ((point, metric, key), n) in counts {
        for span in Span::ALL {
            if !span.keeps(*metric) {
                continue;
            }
            let bucket = span.bucket_of(conference.created_at);
            *out.entry((point.clone(), span, bucket, *metric, key.clone()))
                .or_insert(0) += sign * n;
        }
    }
}

/// The non-zero entries of a cell map, as cells.
pub fn into_cells(map: CellCounts) -> Vec<Cell> {
    map.into_iter()
        .filter(|(_, n)| *n != 0)
        .map(|((point, span, bucket, metric, key), n)| Cell {
            point,
            span,
            bucket,
            metric,
            key,
            n,
        })
        .collect()
}

/// The inputs of the conferences a seed batch holds, exactly as reading the rows back
/// would give them (sessions, connections and issues in id order), so the demo seeder
/// writes its rollups with its rows instead of reading them back afterwards.
pub fn seed_batch_inputs(batch: &SeedBatch) -> Vec<ConferenceInputs> {
    let mut conferences: Vec<ConferenceInputs> = batch
        .conferences
        .iter()
        .map(|c| ConferenceInputs {
            id: c.id,
            app_id: c.app_id,
            created_at: c.created_at,
            ongoing: c.ongoing,
            duration_s: c.duration_s,
            participant_count: c.participant_count,
            ..ConferenceInputs::default()
        })
        .collect();
    let index: std::collections::HashMap<Uuid, usize> = conferences
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let mut sessions: Vec<_> = batch.sessions.iter().collect();
    sessions.sort_by_key(|s| s.id);
    for session in sessions {
        let Some(&at) = index.get(&session.conference_id) else {
            continue;
        };
        let mut dimensions = SessionDimensions::default();
        dimensions.values[Dimension::Browser.index()] = non_empty(&session.browser_name);
        dimensions.values[Dimension::Os.index()] = non_empty(&session.os_name);
        dimensions.values[Dimension::Country.index()] = non_empty(&session.country_code);
        dimensions.values[Dimension::AppVersion.index()] = non_empty(&session.app_version);
        conferences[at].sessions.push(SessionInputs {
            id: session.id,
            dimensions,
            city: session.city.clone(),
            latitude: session.latitude,
            longitude: session.longitude,
        });
    }
    let mut connections: Vec<_> = batch.connections.iter().collect();
    connections.sort_by_key(|c| c.id);
    for connection in connections {
        if let Some(&at) = index.get(&connection.conference_id) {
            conferences[at].connections.push(ConnectionInputs {
                session_id: connection.session_id,
                kind: connection.connection_type.clone(),
                setup_time_ms: connection.setup_time_ms,
            });
        }
    }
    let mut issues: Vec<_> = batch.issues.iter().collect();
    issues.sort_by_key(|i| i.id);
    for issue in issues {
        if let Some(&at) = index.get(&issue.conference_id) {
            conferences[at].issues.push(IssueInputs {
                session_id: issue.session_id,
                is_error: issue.severity == "error",
                code: issue.code.clone(),
                data: (issue.code == "getusermedia_error")
                    .then(|| issue.data.clone())
                    .flatten(),
            });
        }
    }
    conferences
}
