//! Benchmarks that print figures: `callvitals bench ingest`, `callvitals bench
//! summaries` and `callvitals bench drilldown`.

mod drilldown;
mod ingest;
mod summaries;

pub use drilldown::{DrillDownOptions, drilldown};
pub use ingest::{IngestOptions, ingest};
pub use summaries::{SummariesOptions, summaries};

/// The URL of database `name` on the server `server_url` names.
fn database_url_on(server_url: &str, name: &str) -> String {
    let base = server_url
        .rsplit_once('/')
        .map_or(server_url, |(base, _)| base);
    format!("{base}/{name}")
}

/// Runs administrative statements (`create database …`) on the server. The
/// benchmarks build every database name from a number or a UUID: plain identifiers.
async fn administer(server_url: &str, statements: &[String]) -> anyhow::Result<()> {
    let admin = sqlx::PgPool::connect(server_url).await?;
    for statement in statements {
        sqlx::Executor::execute(&admin, sqlx::raw_sql(statement)).await?;
    }
    admin.close().await;
    Ok(())
}

/// The server a benchmark asks: the store served on loopback without rate limits.
pub(crate) struct LoopbackServer {
    pub base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl LoopbackServer {
    pub async fn start(
        store: &crate::store::SharedStore,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<LoopbackServer> {
        let settings = crate::config::Settings::from_layer(crate::config::SettingsLayer {
            bind: Some("127.0.0.1:0".parse()?),
            data_dir: Some(data_dir.to_path_buf()),
            read_rate_limit_per_minute: Some(0),
            rate_limit_per_minute: Some(0),
            ..Default::default()
        });
        let application =
            crate::startup::Application::build_with_store(settings, store.clone()).await?;
        let base = format!("http://{}", application.address());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Ok(LoopbackServer { base, stop, server })
    }

    /// Stops it gracefully, with any error it ended with.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.server.await?
    }
}
