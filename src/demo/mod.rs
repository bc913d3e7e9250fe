//! Demo data for a fresh store: a month of realistic calls in three apps.
//!
//! The demo-data generator: organization "Demo" with apps "dev", "staging" and
//! "prod", and 30 days of P2P calls with the mixes of browsers, places, connection
//! types, durations and issues a real deployment shows.
//!
//! Generation is pure and deterministic for one `rng_seed` (row ids included; only
//! app ids and api keys are truly random). Who meets whom is planned up front, so
//! the organization, apps and participants are written first; conferences then come
//! in chronological chunks of a few thousand that reference nothing outside
//! themselves. A blocking thread generates the chunks while one writer (SQLite) or
//! two concurrent writers (PostgreSQL) load them with one `insert_seed` per
//! transaction.

mod catalog;
mod conference;
mod connection;
mod generator;
pub mod live;
mod participant;
mod plan;
mod quality;
mod rng;
mod scope;
mod seed;
mod series;
mod session;
pub mod showcase;
mod units;

pub use seed::{ORGANIZATION, SeedOptions, SeedReport, seed_demo};
