//! Validated values and pure rules shared by ingest, storage and the read API.

pub mod emos;
pub mod issue;
pub mod platform;
pub mod stats;
pub mod time;
pub mod token;
