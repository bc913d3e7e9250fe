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

use super::StoreResult;
use crate::domain::rollup::{ConferenceInputs, Metric};
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
