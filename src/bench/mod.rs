//! Benchmarks that print figures: `callvitals bench ingest` and
//! `callvitals bench summaries`.

mod ingest;
mod summaries;

pub use ingest::{IngestOptions, ingest};
pub use summaries::{SummariesOptions, summaries};
