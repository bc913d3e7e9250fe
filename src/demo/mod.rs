//! Demo data for a fresh store: a month of realistic calls in three apps.

pub mod seed;

pub use seed::{SeedOptions, SeedReport, seed_demo};
