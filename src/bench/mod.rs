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
