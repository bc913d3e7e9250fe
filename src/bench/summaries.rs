//! `callvitals bench summaries`: the dashboard's read path on the demo datasets at
//! 1×, 10× and 100×. For each engine and scale it seeds (or reuses) a dataset, serves
//! it on loopback, and asks every summary endpoint, the bundle and a click-to-detail
//! page, with no filter, one filter, a one-dimension list and two filters, as the
//! demo owner would over HTTP. It prints p50, p99 and the gzipped answer size of
//! each, the dataset's row counts, its size on disk and how long seeding took.
//!
//! Every request is computed from the store: the service has no answer cache yet, so
//! "cold" here means no cache of any kind above the database's own buffers.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::domain::time::now_micros;
use crate::http_client::HttpClient;
use crate::store::{ListFilter, PageRequest, Record, Resource, SharedStore};

#[derive(Debug, Clone, clap::Args)]
pub struct SummariesOptions {
    /// Dataset scales, comma-separated: 1 is the demo (~42k conferences in its
    /// largest app), 10 and 100 multiply it.
    #[arg(long, default_value = "1,10")]
    pub scales: String,
    /// Engines to measure: sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    pub engine: String,
    /// Requests per endpoint and view.
    #[arg(long, default_value_t = 25)]
    pub rounds: usize,
    /// Where datasets are kept between runs (SQLite files, and a note of each
    /// PostgreSQL dataset). Seeding 100× takes a while, so datasets are reused.
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: PathBuf,
    /// Seed the datasets again even when they exist.
    #[arg(long)]
    pub reseed: bool,
    /// PostgreSQL server that holds the `callvitals_bench_<scale>x` databases.
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
}

/// What a dataset was seeded with, kept next to it so a rerun can reuse it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DatasetNote {
    scale: u32,
    /// The end of the seeded history: the benchmark's "now".
    now: i64,
    seed_seconds: f64,
    summary_rows_only: bool,
}

/// The views every endpoint is asked for.
const VIEWS: [(&str, &str); 4] = [
    ("no filter", ""),
    ("one filter", "&browser=Chrome"),
    ("one-dimension list", "&browser=Chrome,Safari"),
    ("two filters", "&browser=Chrome&country=US"),
];

/// (name, path and parameters beyond the common ones)
const ENDPOINTS: [(&str, &str); 12] = [
    ("bundle /v1/dashboard", "/v1/dashboard?"),
    ("conferences/summary", "/v1/conferences/summary?"),
    ("issues/summary", "/v1/issues/summary?"),
    ("issues/gum-summary", "/v1/issues/gum-summary?"),
    (
        "conferences/duration-summary",
        "/v1/conferences/duration-summary?",
    ),
    (
        "connections/setup-time-summary",
        "/v1/connections/setup-time-summary?",
    ),
    (
        "conferences/participant-count-summary",
        "/v1/conferences/participant-count-summary?",
    ),
    ("connections/summary", "/v1/connections/summary?"),
    ("sessions/summary", "/v1/sessions/summary?"),
    // Lists as the dashboard asks for them: its range, and the clicked bar.
    (
        "list: a day's errors, page 1",
        "/v1/conferences?status=error&day=DAY&RANGE&",
    ),
    (
        "list: relayed, page 1",
        "/v1/conferences?connection_type=relay&RANGE&",
    ),
    (
        "list: relayed, last page",
        "/v1/conferences?connection_type=relay&RANGE&cursor=LAST&",
    ),
];

pub(super) struct Measured {
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub gzip_bytes: usize,
}

pub async fn summaries(options: SummariesOptions) -> anyhow::Result<()> {
    let engines: Vec<&'static str> = match options.engine.as_str() {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        other => anyhow::bail!("unknown engine {other:?}: use sqlite, postgres or both"),
    };
    let scales: Vec<u32> = options
        .scales
        .split(',')
        .map(|s| s.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .context("--scales is a comma-separated list of whole numbers, such as 1,10,100")?;
    std::fs::create_dir_all(&options.data_dir)?;
    for &scale in &scales {
        for engine in &engines {
            run_dataset(engine, scale, &options).await?;
        }
    }
    Ok(())
}

/// A seeded demo dataset, opened with fresh planner statistics.
pub(super) struct Dataset {
    pub name: String,
    pub store: SharedStore,
    pub maintenance: crate::store::SharedMaintenance,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    note: DatasetNote,
}

/// Seeds the dataset of an engine and scale, or reuses the one seeded before.
pub(super) async fn dataset(
    engine: &str,
    scale: u32,
    options: &SummariesOptions,
) -> anyhow::Result<Dataset> {
    let name = format!("{engine}-{scale}x");
    let note_path = options.data_dir.join(format!("{name}.json"));
    let data_dir = options.data_dir.join(&name);
    let database_url = (engine == "postgres").then(|| database_url(options, scale));
    let existing: Option<DatasetNote> = std::fs::read(&note_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let note = match existing {
        Some(note) if !options.reseed => {
            eprintln!(
                "\n== {name}: reusing the dataset seeded earlier (in {:.0} s)",
                note.seed_seconds
            );
            note
        }
        _ => {
            let _ = std::fs::remove_file(&note_path);
            let note = seed(engine, scale, &data_dir, database_url.as_deref(), options).await?;
            std::fs::write(&note_path, serde_json::to_vec_pretty(&note)?)?;
            note
        }
    };

    let (store, maintenance) =
        crate::store::open_with_maintenance(database_url.as_deref(), &data_dir).await?;
    // Fair to both engines whoever seeded the dataset: fresh planner statistics.
    maintenance.refresh_statistics().await?;
    Ok(Dataset {
        name,
        store,
        maintenance,
        data_dir,
        database_url,
        note,
    })
}

async fn run_dataset(engine: &str, scale: u32, options: &SummariesOptions) -> anyhow::Result<()> {
    let Dataset {
        name,
        store,
        maintenance,
        data_dir,
        database_url,
        note,
    } = dataset(engine, scale, options).await?;
    let counts = maintenance.table_counts().await?;
    let (app_id, app_conferences) = largest_app(&store).await?;
    let disk_bytes = match &database_url {
        Some(url) => database_size(url).await?,
        None => directory_size(&data_dir),
    };
    let (_, token) = crate::cli::demo_login(&store).await?;

    let server = super::LoopbackServer::start(&store, &data_dir).await?;
    let base = server.base.clone();

    // The dashboard's first load: the default view (today and the 29 days before
    // it, UTC, up to now), with no range parameters at all. The datasets end when
    // they were seeded, so reseed (`--reseed`) once that is weeks ago.
    let utc = crate::summary::range::Zone::utc();
    let yesterday = utc.date_of(now_micros() - 86_400_000_000);
    let first_day = utc.date_of(now_micros() - 29 * 86_400_000_000);
    let range = format!(
        "created_at_gte={first_day}&created_at_lte={}",
        utc.date_of(now_micros())
    );
    // A cursor a minute into the range: the last page, which paging to the end
    // arrives at (under 50 rows even at 100×).
    let last_page = crate::store::resource::encode_cursor((
        utc.start_of(first_day) + 60_000_000,
        uuid::Uuid::max(),
    ));
    if now_micros() - note.now > 7 * 86_400_000_000 {
        eprintln!(
            "== {name}: seeded over a week ago; the default view holds less of it (--reseed)"
        );
    }
    let common = format!("appId={app_id}");
    let client = HttpClient::default();
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("accept-encoding", "gzip"),
    ];
    let bar = ProgressBar::new((ENDPOINTS.len() * VIEWS.len() * options.rounds) as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} requests ({per_sec})")?
            .progress_chars("=> "),
    );
    bar.set_message(name.clone());
    let mut table = Vec::new();
    for (endpoint, path) in ENDPOINTS {
        let mut row = Vec::new();
        for (_, filter) in VIEWS {
            let url = format!(
                "{base}{}{common}{filter}",
                path.replace("DAY", &yesterday.to_string())
                    .replace("RANGE", &range)
                    .replace("LAST", &last_page)
            );
            row.push(measure(&client, &url, &headers, options.rounds, &bar).await?);
        }
        table.push((endpoint, row));
    }
    bar.finish_and_clear();
    server.stop().await?;
    store.close().await;

    println!(
        "\n### {engine}, {scale}×: the largest app holds {} conferences; the {} apps hold {} conferences, {} sessions, {} connections, {} issues, {} stats samples, {} events; {:.2} GB on disk; seeded in {:.0} s{}",
        app_conferences,
        counts.apps,
        counts.conferences,
        counts.sessions,
        counts.connections,
        counts.issues,
        counts.stats_samples,
        counts.events,
        disk_bytes as f64 / 1e9,
        note.seed_seconds,
        if note.summary_rows_only {
            " (summary rows only: no stats samples, events or tracks)"
        } else {
            ""
        }
    );
    println!();
    print!("| endpoint |");
    for (view, _) in VIEWS {
        print!(" {view}: p50 / p99 ms, gzip KB |");
    }
    println!();
    println!("|---|---|---|---|---|");
    for (endpoint, row) in &table {
        print!("| {endpoint} |");
        for m in row {
            print!(
                " {:.1} / {:.1}, {:.1} |",
                m.p50_ms,
                m.p99_ms,
                m.gzip_bytes as f64 / 1024.0
            );
        }
        println!();
    }
    Ok(())
}

pub(super) async fn measure(
    client: &HttpClient,
    url: &str,
    headers: &[(&str, &str)],
    rounds: usize,
    bar: &ProgressBar,
) -> anyhow::Result<Measured> {
    let mut latencies = Vec::with_capacity(rounds);
    let mut gzip_bytes = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        let response = client.get(url, headers).await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(
            response.status == 200,
            "{url} answered {}: {}",
            response.status,
            response.text()
        );
        gzip_bytes = response.body.len();
        bar.inc(1);
    }
    latencies.sort_unstable();
    let at = |p: f64| -> f64 {
        let index = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[index].as_secs_f64() * 1000.0
    };
    Ok(Measured {
        p50_ms: at(0.50),
        p99_ms: at(0.99),
        gzip_bytes,
    })
}

fn database_name(scale: u32) -> String {
    format!("callvitals_bench_{scale}x")
}

fn database_url(options: &SummariesOptions, scale: u32) -> String {
    super::database_url_on(&options.postgres_url, &database_name(scale))
}

async fn seed(
    engine: &str,
    scale: u32,
    data_dir: &Path,
    database_url: Option<&str>,
    options: &SummariesOptions,
) -> anyhow::Result<DatasetNote> {
    eprintln!("\n== {engine}-{scale}x: seeding a fresh dataset");
    if database_url.is_some() {
        let name = database_name(scale);
        super::administer(
            &options.postgres_url,
            &[
                format!("drop database if exists {name} with (force)"),
                format!("create database {name}"),
            ],
        )
        .await?;
    } else {
        let _ = std::fs::remove_dir_all(data_dir);
    }
    std::fs::create_dir_all(data_dir)?;
    let (store, maintenance) = crate::store::open_with_maintenance(database_url, data_dir).await?;
    // 100× holds what summaries read and leaves out raw samples, events and tracks.
    let summary_rows_only = scale >= 100;
    let seed_options = crate::demo::SeedOptions {
        scale,
        now: now_micros(),
        rng_seed: 42,
        conferences_override: None,
        summary_rows_only,
    };
    let started = Instant::now();
    crate::demo::seed_demo(store.as_ref(), maintenance.as_ref(), &seed_options, true).await?;
    let seed_seconds = started.elapsed().as_secs_f64();
    store.close().await;
    Ok(DatasetNote {
        scale,
        now: seed_options.now,
        seed_seconds,
        summary_rows_only,
    })
}

/// The demo's largest app ("prod") and its number of conferences.
async fn largest_app(store: &SharedStore) -> anyhow::Result<(uuid::Uuid, i64)> {
    let apps = store
        .list(
            &crate::domain::access::Visibility::Everything,
            Resource::Apps,
            &ListFilter::default(),
            &PageRequest {
                limit: 50,
                after: None,
                oldest_first: false,
                with_count: true,
            },
        )
        .await?;
    let id = apps
        .records
        .iter()
        .find_map(|record| match record {
            Record::App(app) if app.name == "prod" => Some(app.id),
            _ => None,
        })
        .context("the dataset has no prod app: run with --reseed")?;
    let conferences = store
        .list(
            &crate::domain::access::Visibility::Everything,
            Resource::Conferences,
            &ListFilter {
                app_id: Some(id),
                ..ListFilter::default()
            },
            &PageRequest {
                limit: 1,
                after: None,
                oldest_first: false,
                with_count: true,
            },
        )
        .await?
        .count
        .unwrap_or(0);
    Ok((id, conferences))
}

async fn database_size(url: &str) -> anyhow::Result<u64> {
    let pool = sqlx::PgPool::connect(url).await?;
    let size: i64 = sqlx::query_scalar("select pg_database_size(current_database())")
        .fetch_one(&pool)
        .await?;
    pool.close().await;
    Ok(size as u64)
}

fn directory_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.metadata().ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}
