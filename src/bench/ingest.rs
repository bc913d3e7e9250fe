//! Placeholder while the ingest benchmark is written.

#[derive(Debug, Clone, clap::Args)]
pub struct IngestOptions {
    /// Seconds of load per engine.
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
}

pub async fn ingest(_options: IngestOptions) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
