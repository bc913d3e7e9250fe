//! Ends conferences whose clients vanished without `unload`: an ongoing conference
//! with no activity for `stale_after` is ended at its last activity. It also prunes
//! old ingest batch ids and expired dashboard sessions, and deletes raw samples and
//! events past their app's retention.

use std::time::Duration;

use crate::domain::time::now_micros;
use crate::ingest::{Command, Writer};
use crate::store::SharedStore;

/// Conferences examined per sweep; the rest wait for the next one.
const SWEEP_LIMIT: i64 = 500;

/// One sweep. Returns how many candidate conferences were examined.
pub async fn sweep_once(
    store: &SharedStore,
    writer: &Writer,
    stale_after: Duration,
) -> anyhow::Result<usize> {
    let cutoff = now_micros() - stale_after.as_micros() as i64;
    let candidates = store.stale_conferences(cutoff, SWEEP_LIMIT).await?;
    for conference_id in &candidates {
        writer
            .submit(Command::SweepStale {
                conference_id: *conference_id,
                cutoff,
            })
            .await?;
    }
    if !candidates.is_empty() {
        tracing::info!(conferences = candidates.len(), "swept stale conferences");
    }
    Ok(candidates.len())
}

/// Batch ids are only looked up right after a failed COMMIT; an hour is plenty.
const BATCH_ID_RETENTION_MICROS: i64 = 3_600_000_000;

/// Sweeps every `interval`, the first one an interval after start.
pub async fn run(
    accounts: std::sync::Arc<crate::accounts::Accounts>,
    store: SharedStore,
    writer: Writer,
    stale_after: Duration,
    interval: Duration,
) {
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut retention = crate::retention::RetentionCursor::default();
    loop {
        ticker.tick().await;
        if let Err(error) = sweep_once(&store, &writer, stale_after).await {
            tracing::warn!(error = %error, "stale conference sweep failed");
        }
        if let Err(error) = store
            .prune_batches(now_micros() - BATCH_ID_RETENTION_MICROS)
            .await
        {
            tracing::warn!(error = %error, "pruning ingest batch ids failed");
        }
        // Cells a conference left (it moved to another status) read as zero; removing
        // them only keeps the table small. An upsert racing the delete re-creates
        // the cell from zero, which is still exact.
        if let Err(error) = store.rollups().prune_empty_cells().await {
            tracing::warn!(error = %error, "pruning empty rollup cells failed");
        }
        if let Err(error) = crate::retention::prune_once(
            &store,
            &mut retention,
            now_micros(),
            crate::retention::PAUSE,
        )
        .await
        {
            tracing::warn!(error = %error, "deleting raw rows past retention failed");
        }
        // Expired sessions are refused anyway; this only keeps the table small.
        if let Err(error) = accounts.prune_sessions().await {
            tracing::warn!(error = %error, "pruning expired dashboard sessions failed");
        }
    }
}
