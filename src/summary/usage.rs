//! An app's usage figure, `durations_days` (PeerMetrics' "participant minutes"
//! source): the active seconds of the conferences created on each of the 31 UTC days
//! that end yesterday, read from the day cells of [`Metric::ActiveSeconds`].

use std::collections::BTreeMap;

use uuid::Uuid;

use super::range::Zone;
use crate::domain::rollup::Metric;
use crate::store::rollups::{Buckets, CellQuery, CellSum, MetricSelection, Span};
use crate::store::{RollupStore, StoreResult};

const DAYS: i64 = 31;

/// `YYYY-MM-DD -> seconds` for each of the 31 days, zero ones included.
pub async fn durations_days(
    store: &dyn RollupStore,
    app_id: Uuid,
    now: i64,
) -> StoreResult<BTreeMap<String, i64>> {
    let day = Span::Day.micros();
    let today = Span::Day.bucket_of(now);
    let from = today - DAYS * day;
    let utc = Zone::utc();
    let mut days: BTreeMap<String, i64> = (0..DAYS)
        .map(|index| (utc.date_of(from + index * day).to_string(), 0))
        .collect();
    let cells = store
        .cells(&CellQuery {
            app_id,
            points: &[String::new()],
            span: Span::Day,
            buckets: Buckets::Between(from, today),
            metrics: MetricSelection::Only(Metric::ActiveSeconds),
            sum: CellSum::Nothing,
        })
        .await?;
    for cell in cells {
        *days
            .entry(utc.date_of(cell.bucket).to_string())
            .or_insert(0) += cell.n;
    }
    Ok(days)
}
