//! Validated values and pure rules shared by ingest, storage and the read API.

pub mod conference;
pub mod connection;
pub mod emos;
pub mod issue;
pub mod negotiation;
pub mod platform;
pub mod secret;
pub mod stats;
pub mod time;
pub mod token;
