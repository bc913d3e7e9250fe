//! callvitals: self-hosted WebRTC call-quality monitoring, wire-compatible with the
//! PeerMetrics browser SDK.

/// Users, sessions, personal tokens and the audit trail.
pub mod accounts;
/// The `bench` subcommand: load generators that print figures.
pub mod bench;
/// Command-line interface and subcommands.
pub mod cli;
/// Settings from flags, environment and file.
pub mod config;
/// The demo dataset.
pub mod demo;
/// Validated values and pure rules (tokens, times, stats, issues, eMOS).
pub mod domain;
/// The error type every HTTP answer maps from.
pub mod error;
/// Where clients are, from a MaxMind-format database.
pub mod geoip;
/// Routes, extractors and middleware.
pub mod http;
/// A small HTTP/1 client for benchmarks and tests.
pub mod http_client;
/// The SDK protocol turned into group-committed writes.
pub mod ingest;
/// Prometheus metrics.
pub mod metrics;
/// Deletes raw samples and events past each app's retention.
pub mod retention;
/// The HTTP/1 accept loop, with header timeouts and a shutdown deadline.
pub mod serve;
/// Server construction and lifecycle.
pub mod startup;
/// Storage on SQLite and PostgreSQL behind one interface.
pub mod store;
/// The dashboard's charts, from rollup cells.
pub mod summary;
/// Ends conferences whose clients vanished.
pub mod sweeper;
/// Logging setup.
pub mod telemetry;
