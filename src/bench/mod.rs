//! Benchmarks that print figures: `callvitals bench ingest`.

mod ingest;

pub use ingest::{IngestOptions, ingest};
