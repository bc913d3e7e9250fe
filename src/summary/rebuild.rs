//! `callvitals rollups rebuild [--app ID] [--check]`: recomputes an app's rollup cells
//! from its rows, a day of conferences at a time, with the same rules ingest applies.
//! With `--check` it compares instead of writing, and reports every cell that drifted.
//!
//! Rebuild while the app's ingest is quiet: a change committed between the read of a
//! day and the write of the cells would be lost from them (a later `--check` shows it).

use std::collections::BTreeMap;

use indicatif::ProgressBar;
use uuid::Uuid;

use crate::domain::rollup::rollup_counts;
use crate::store::rollups::{Cell, CellCounts, Span, cells_of, into_cells};
use crate::store::{RollupStore, StoreResult};

/// A cell whose stored count differs from the count its rows give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub cell: Cell,
    pub stored: i64,
}

#[derive(Debug, Default, Clone)]
pub struct RebuildReport {
    pub conferences: u64,
    pub cells: usize,
    pub drift: Vec<Drift>,
}

/// Every cell of an app, computed from its rows.
pub async fn expected_cells(
    store: &dyn RollupStore,
    app_id: Uuid,
    progress: &ProgressBar,
) -> StoreResult<(Vec<Cell>, u64)> {
    let mut cells = CellCounts::new();
    let mut conferences = 0;
    if let Some((first, last)) = store.conference_span(app_id).await? {
        let length = Span::Day.micros();
        let mut day = Span::Day.bucket_of(first);
        progress.set_length(((last - day) / length + 1) as u64);
        while day <= last {
            for conference in store.conference_inputs(app_id, day, day + length).await? {
                cells_of(&conference, &rollup_counts(&conference), 1, &mut cells);
                conferences += 1;
            }
            day += length;
            progress.inc(1);
        }
    }
    Ok((into_cells(cells), conferences))
}

pub async fn rebuild_app(
    store: &dyn RollupStore,
    app_id: Uuid,
    check_only: bool,
    progress: &ProgressBar,
) -> StoreResult<RebuildReport> {
    let (expected, conferences) = expected_cells(store, app_id, progress).await?;
    let mut report = RebuildReport {
        conferences,
        cells: expected.len(),
        drift: Vec::new(),
    };
    if !check_only {
        store.replace_cells(app_id, &expected).await?;
        return Ok(report);
    }
    report.drift = compare(&expected, &store.all_cells(app_id).await?);
    Ok(report)
}

/// Cells whose stored count is not the expected one (missing ones count as 0).
pub fn compare(expected: &[Cell], stored: &[Cell]) -> Vec<Drift> {
    type Key = (
        String,
        crate::store::rollups::Span,
        i64,
        crate::domain::rollup::Metric,
        String,
    );
    let key = |cell: &Cell| -> Key {
        (
            cell.point.clone(),
            cell.span,
            cell.bucket,
            cell.metric,
            cell.key.clone(),
        )
    };
    let mut counts: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    for cell in expected {
        counts.entry(key(cell)).or_default().0 += cell.n;
    }
    for cell in stored {
        counts.entry(key(cell)).or_default().1 += cell.n;
    }
    counts
        .into_iter()
        .filter(|(_, (want, have))| want != have)
        .map(|((point, span, bucket, metric, key), (want, have))| Drift {
            cell: Cell {
                point,
                span,
                bucket,
                metric,
                key,
                n: want,
            },
            stored: have,
        })
        .collect()
}
