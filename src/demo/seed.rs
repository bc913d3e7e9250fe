//! The entry point: writes the organization, apps and participants, then the
//! conference chunks generated on a blocking thread.

use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use uuid::Uuid;

use super::generator::{Chunk, Generator};
use super::plan::{APP_SPECS, HISTORY};
use super::units::DAY;
use crate::domain::time::now_micros;
use crate::store::{AppRecord, Engine, Maintenance, SeedBatch, Store};

pub const ORGANIZATION: &str = "Demo";

pub struct SeedOptions {
    /// Multiplies every app's conference count and participant pool; 1 is the default.
    pub scale: u32,
    /// The end of the generated history, unix microseconds.
    pub now: i64,
    pub rng_seed: u64,
    /// Tests only: the prod conference count (dev and staging get a tenth of it each),
    /// replacing the scaled defaults.
    pub conferences_override: Option<u32>,
    /// Write only the rows the summaries read: conferences, participants, sessions
    /// (without the browser's platform, devices and constraints blobs),
    /// connections and issues; no stats samples, events or tracks. The 100×
    /// benchmark dataset is built so, to fit on one disk.
    pub summary_rows_only: bool,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            scale: 1,
            now: now_micros(),
            rng_seed: 0x5eed_ca11,
            conferences_override: None,
            summary_rows_only: false,
        }
    }
}

#[derive(Debug)]
pub struct SeedReport {
    /// (name, api_key, app id) of every created app.
    pub apps: Vec<(String, String, Uuid)>,
    pub conferences: u64,
    /// Every row written, the organization and apps included.
    pub rows: u64,
    pub elapsed: Duration,
}

/// Creates the demo organization and apps and fills them with generated history.
/// Meant for a fresh store: the app names are unique per organization, so seeding
/// the same store twice fails on the first app insert.
pub async fn seed_demo(
    store: &dyn Store,
    maintenance: &dyn Maintenance,
    options: &SeedOptions,
    progress: bool,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let app_ids: Vec<Uuid> = APP_SPECS.iter().map(|_| Uuid::new_v4()).collect();
    let mut generator = Generator::new(options, &app_ids);

    // The organization, the apps and every participant first, in one transaction:
    // once they are committed, chunks depend on nothing but themselves and may be
    // written in any order or concurrently.
    let created_at = options.now - HISTORY - 7 * DAY; // the apps predate their history
    let mut tx = store.begin().await?;
    let organization_id = tx.upsert_organization(ORGANIZATION, created_at).await?;
    let mut apps = Vec::with_capacity(APP_SPECS.len());
    for (spec, &id) in APP_SPECS.iter().zip(&app_ids) {
        let app = AppRecord {
            id,
            organization_id,
            name: spec.name.to_string(),
            // 32 chars of [a-z0-9], like PeerMetrics' uuid4().hex.
            api_key: Uuid::new_v4().simple().to_string(),
            domain: None,
            recording: true,
            server_secret_hash: None,
            require_server_secret: true,
            created_at,
            previous_api_key: None,
            previous_key_expires_at: None,
            deleted_at: None,
            retention_days: crate::domain::retention::DEFAULT_RETENTION_DAYS,
        };
        tx.insert_app(&app).await.with_context(|| {
            format!(
                "creating demo app {:?} (is the store already seeded?)",
                spec.name
            )
        })?;
        apps.push((app.name, app.api_key, app.id));
    }
    let participants = SeedBatch {
        participants: generator.take_participants(),
        ..SeedBatch::default()
    };
    tx.commit().await?;
    maintenance.insert_seed(&participants).await?;

    let conferences = generator.total_conferences();
    let bar = progress_bar(progress, conferences);
    // Generate on a blocking thread, a couple of chunks ahead of the writers.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Chunk>(2);
    let producer = tokio::task::spawn_blocking(move || {
        while let Some(chunk) = generator.next_chunk() {
            if sender.blocking_send(chunk).is_err() {
                break; // a writer failed and the receiver is gone
            }
        }
    });
    let receiver = tokio::sync::Mutex::new(receiver);
    let writer = || write_chunks(maintenance, &receiver, &bar);
    // SQLite has a single writer anyway. On PostgreSQL most of the cost is server
    // work (FK checks, index upkeep), so two transactions on two backends keep both
    // cores busy instead of one.
    let written = match store.engine() {
        Engine::Sqlite => writer().await?,
        Engine::Postgres => {
            let (first, second) = tokio::try_join!(writer(), writer())?;
            first + second
        }
    };
    // The chunks carried their rollup cells, so the dashboard is ready the moment
    // the server serves.
    producer.await.context("the demo generator panicked")?;
    // The showcase all-hands, in the production app.
    let (mut written, mut conferences) = (written, conferences);
    if let Some((_, _, prod)) = apps.iter().find(|(name, _, _)| *name == super::plan::PROD) {
        let showcase = super::showcase::showcase_batch(*prod, options.now, options.rng_seed);
        maintenance.insert_seed(&showcase).await?;
        written += showcase.row_count() as u64;
        conferences += 1;
    }
    bar.set_message("statistics");
    maintenance.refresh_statistics().await?;
    let rows = 1 + apps.len() as u64 + participants.row_count() as u64 + written;

    let elapsed = started.elapsed();
    bar.finish_with_message(format!(
        "done: {rows} rows in {:.1}s,",
        elapsed.as_secs_f64()
    ));
    tracing::info!(
        conferences,
        rows,
        elapsed_ms = elapsed.as_millis() as u64,
        "demo data seeded"
    );
    Ok(SeedReport {
        apps,
        conferences,
        rows,
        elapsed,
    })
}

fn progress_bar(visible: bool, conferences: u64) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{spinner} seeding {msg} [{bar:40}] {pos}/{len} conferences ({per_sec}, eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let bar = ProgressBar::new(conferences).with_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Writes chunks from the generator, one transaction each, until it is done;
/// returns the rows written.
async fn write_chunks(
    maintenance: &dyn Maintenance,
    chunks: &tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Chunk>>,
    bar: &ProgressBar,
) -> anyhow::Result<u64> {
    let mut rows = 0;
    loop {
        let Some(chunk) = chunks.lock().await.recv().await else {
            return Ok(rows);
        };
        bar.set_message(chunk.app);
        maintenance.insert_seed(&chunk.batch).await?;
        rows += chunk.batch.row_count() as u64;
        bar.inc(chunk.conferences as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn seeds_a_sqlite_store() {
        let directory = std::env::temp_dir().join(format!("callvitals-seed-{}", Uuid::new_v4()));
        let (store, maintenance) = crate::store::open_with_maintenance(None, &directory)
            .await
            .expect("open store");
        let options = SeedOptions {
            scale: 1,
            now: 1_778_000_000_000_000, // 2026-05-05
            rng_seed: 7,
            conferences_override: Some(400),
            summary_rows_only: false,
        };
        let report = seed_demo(store.as_ref(), maintenance.as_ref(), &options, false)
            .await
            .expect("seed");
        assert_eq!(report.apps.len(), 3);
        // 480 generated, and the showcase all-hands.
        assert_eq!(report.conferences, 481);
        assert!(report.apps.iter().all(|(_, key, _)| key.len() == 32));
        let counts = maintenance.table_counts().await.expect("counts");
        assert_eq!(counts.conferences, 481);
        // The cells written with the chunks (and the showcase's) are exactly what a
        // rebuild computes.
        for (_, _, app_id) in &report.apps {
            let rebuilt = crate::summary::rebuild::rebuild_app(
                store.rollups(),
                *app_id,
                true,
                &ProgressBar::hidden(),
            )
            .await
            .expect("check rollups");
            assert!(rebuilt.cells > 0);
            assert_eq!(rebuilt.drift, Vec::new());
        }
        assert_eq!(counts.apps, 3);
        // The report also counts conference links, which table_counts leaves out.
        assert!(
            counts.total_rows() as u64 <= report.rows
                && counts.sessions > 0
                && counts.stats_samples > 0
        );
        store.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }
}
