//! Ingest: the PeerMetrics SDK protocol turned into commands, applied by one writer
//! per instance that commits many requests per transaction (group commit).

mod apply;
mod command;
pub mod identity;
mod journal;
mod ledger;
mod lifecycle;
mod samples;
mod writer;

pub use apply::IngestSettings;
pub use command::*;
pub use identity::IdentityCache;
pub use writer::{Writer, WriterMetrics, WriterStatus};

/// The getStats interval the SDK is told to use, in milliseconds.
pub const STATS_INTERVAL_MS: i64 = 10_000;
