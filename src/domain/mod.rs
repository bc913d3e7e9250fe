//! Validated values and pure rules shared by ingest, storage and the read API.

pub mod access;
pub mod allowed_hosts;
pub mod conference;
pub mod connection;
pub mod emos;
pub mod filter;
pub mod issue;
pub mod negotiation;
pub mod overlay;
pub mod password;
pub mod platform;
pub mod retention;
pub mod rollup;
pub mod roster;
pub mod secret;
pub mod series;
pub mod stats;
pub mod time;
pub mod token;
