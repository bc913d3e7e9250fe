//! Deletes raw stats samples, track samples and events older than each app's
//! retention period, in small batches of conferences (one short transaction each,
//! with a pause between them), so neither ingest nor the dashboard waits on it.
//!
//! Each app's position is kept in memory, in `(created_at, id)` order of the
//! conferences before the cutoff. A pass restarts two days behind the cutoff, so a
//! call that was still sending samples when its conference was first visited is
//! visited again once those samples are old. After a restart, the first pass walks
//! every old conference once.

use std::collections::HashMap;
use std::time::Duration;

use uuid::Uuid;

use crate::domain::time::MICROS_PER_SECOND;
use crate::store::{SharedStore, StoreResult};

/// Conferences per transaction: a few thousand rows at most.
const CONFERENCES_PER_BATCH: i64 = 20;
/// The pause between two batches, which leaves the database to ingest.
pub const PAUSE: Duration = Duration::from_millis(20);
const DAY: i64 = 86_400 * MICROS_PER_SECOND;
/// How far behind the cutoff each pass starts again.
const REVISIT: i64 = 2 * DAY;

/// Where each app's last pass stopped.
#[derive(Debug, Default)]
pub struct RetentionCursor {
    done_until: HashMap<Uuid, (i64, Uuid)>,
}

/// One pass over every app; returns the rows deleted.
pub async fn prune_once(
    store: &SharedStore,
    cursor: &mut RetentionCursor,
    now: i64,
    pause: Duration,
) -> StoreResult<u64> {
    let mut deleted = 0;
    for (app_id, days) in store.retention_periods().await? {
        let cutoff = now - i64::from(days) * DAY;
        let mut after = cursor
            .done_until
            .get(&app_id)
            .copied()
            .filter(|(at, _)| *at < cutoff - REVISIT);
        loop {
            let batch = store
                .prune_raw_rows(app_id, cutoff, after, CONFERENCES_PER_BATCH)
                .await?;
            deleted += batch.deleted;
            if let Some(position) = batch.last.or(after) {
                cursor.done_until.insert(app_id, position);
            }
            let Some(next) = batch.last else { break };
            after = Some(next);
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
    }
    if deleted > 0 {
        tracing::info!(
            rows = deleted,
            "deleted raw samples and events past retention"
        );
    }
    Ok(deleted)
}
