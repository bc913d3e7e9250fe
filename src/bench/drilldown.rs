//! `callvitals bench drilldown`: the conference page's reads on the 1× demo dataset
//! of each engine (shared with `bench summaries`), which holds the showcase
//! all-hands: a one-hour six-person mesh, 30 directed connections of 360 points. It
//! prints p50, p99 and the gzipped size of a connection's latest window, its full
//! history and a live refresh, of the conference and participant details, and of
//! searches.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::summaries::{Dataset, SummariesOptions, dataset, measure};
use crate::demo::showcase::{SHOWCASE_ROOM, showcase_batch};
use crate::domain::access::Visibility;
use crate::domain::time::now_micros;
use crate::http_client::HttpClient;
use crate::store::drilldown::SampleWindow;
use crate::store::{ListFilter, PageRequest, Record, Resource, SharedStore};

#[derive(Debug, Clone, clap::Args)]
pub struct DrillDownOptions {
    /// Engines to measure: sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    pub engine: String,
    /// Requests per endpoint.
    #[arg(long, default_value_t = 200)]
    pub rounds: usize,
    /// Where `bench summaries` keeps its datasets (reused here).
    #[arg(long, default_value = "target/bench-data")]
    pub data_dir: PathBuf,
    #[arg(
        long,
        env = "BENCH_DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pub postgres_url: String,
}

pub async fn drilldown(options: DrillDownOptions) -> anyhow::Result<()> {
    let engines: Vec<&str> = match options.engine.as_str() {
        "both" => vec!["sqlite", "postgres"],
        "sqlite" | "postgres" => vec![options.engine.as_str()],
        other => anyhow::bail!("unknown engine {other:?}: use sqlite, postgres or both"),
    };
    let shared = SummariesOptions {
        scales: "1".into(),
        engine: options.engine.clone(),
        rounds: options.rounds,
        data_dir: options.data_dir.clone(),
        reseed: false,
        postgres_url: options.postgres_url.clone(),
    };
    std::fs::create_dir_all(&options.data_dir)?;
    for engine in engines {
        let dataset = dataset(engine, 1, &shared).await?;
        run(&dataset, options.rounds).await?;
    }
    Ok(())
}

/// The records of a list (its first 200), whatever their organization.
async fn records(
    store: &SharedStore,
    resource: Resource,
    filter: ListFilter,
) -> anyhow::Result<Vec<Record>> {
    let page = PageRequest {
        limit: 200,
        ..Default::default()
    };
    Ok(store
        .list(&Visibility::Everything, resource, &filter, &page)
        .await?
        .records)
}

async fn run(dataset: &Dataset, rounds: usize) -> anyhow::Result<()> {
    let store = &dataset.store;
    let prod = records(store, Resource::Apps, ListFilter::default())
        .await?
        .into_iter()
        .find_map(|record| match record {
            Record::App(app) if app.name == "prod" => Some(app.id),
            _ => None,
        })
        .ok_or_else(|| anyhow::anyhow!("the dataset has no prod app"))?;
    // Datasets seeded before the showcase existed get it now.
    let conference = match store.conference_by_customer_id(prod, SHOWCASE_ROOM).await? {
        Some(id) => id,
        None => {
            dataset
                .maintenance
                .insert_seed(&showcase_batch(prod, now_micros(), 42))
                .await?;
            store
                .conference_by_customer_id(prod, SHOWCASE_ROOM)
                .await?
                .expect("just inserted")
        }
    };
    let of_conference = || ListFilter {
        conference_id: Some(conference),
        ..Default::default()
    };
    let connection = records(store, Resource::Connections, of_conference())
        .await?
        .into_iter()
        .find_map(|record| match record {
            Record::Connection(connection) => Some(connection.id),
            _ => None,
        })
        .expect("the showcase has connections");
    let samples = store
        .drilldown()
        .connection_samples(connection, SampleWindow::Last(1))
        .await?;
    let newest_ms = samples.last.unwrap_or_default() / 1000;
    let participant = records(store, Resource::Participants, of_conference())
        .await?
        .into_iter()
        .find_map(|record| match record {
            Record::Participant(participant) => Some(participant.id),
            _ => None,
        })
        .expect("the showcase has participants");

    let (_, token) = crate::cli::demo_login(store).await?;
    let server = super::LoopbackServer::start(store, &dataset.data_dir).await?;
    let base = server.base.clone();

    let series = format!("/v1/connections/{connection}/series");
    let requests: Vec<(&str, String)> = vec![
        ("series: latest 120 points", format!("{series}?last=120")),
        ("series: full history (360)", format!("{series}?full=true")),
        (
            "series: live refresh (after)",
            format!("{series}?after={}", newest_ms - 15_000),
        ),
        (
            "conference detail (6 people)",
            format!("/v1/conferences/{conference}"),
        ),
        (
            "participant detail",
            format!("/v1/participants/{participant}"),
        ),
        ("search: 'weekly' (names)", "/v1/search?q=weekly".to_owned()),
        (
            "search: 'all-hands' (rare)",
            "/v1/search?q=all-hands".to_owned(),
        ),
        ("search: 'zz' (short prefix)", "/v1/search?q=zz".to_owned()),
        (
            "search: 'maya' (participant)",
            "/v1/search?q=maya".to_owned(),
        ),
    ];
    let client = HttpClient::default();
    let auth = format!("Bearer {token}");
    let headers = [
        ("authorization", auth.as_str()),
        ("accept-encoding", "gzip"),
    ];
    let plain = [("authorization", auth.as_str())];
    let bar = ProgressBar::new((requests.len() * rounds) as u64).with_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} requests ({per_sec})")?
            .progress_chars("=> "),
    );
    bar.set_message(dataset.name.clone());
    let mut rows = Vec::new();
    for (name, path) in &requests {
        let url = format!("{base}{path}");
        // One untimed request first: the first read of a page from disk is not the
        // figure this measures.
        client.get(&url, &headers).await?;
        let measured = measure(&client, &url, &headers, rounds, &bar).await?;
        let raw = client.get(&url, &plain).await?.body.len();
        rows.push((name, measured, raw));
    }
    bar.finish_and_clear();
    println!(
        "\n== {}: conference drill-down ({rounds} requests each)",
        dataset.name
    );
    println!("| request | p50 ms | p99 ms | gzip KB | raw KB |");
    println!("|---|---|---|---|---|");
    for (name, measured, raw) in rows {
        println!(
            "| {name} | {:.2} | {:.2} | {:.1} | {:.1} |",
            measured.p50_ms,
            measured.p99_ms,
            measured.gzip_bytes as f64 / 1024.0,
            raw as f64 / 1024.0
        );
    }
    server.stop().await?;
    Ok(())
}
