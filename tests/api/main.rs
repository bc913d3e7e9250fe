//! Black-box tests of the HTTP API. Every test runs twice, on SQLite and on
//! PostgreSQL (a fresh schema per test), through `engine_tests!`.

mod helpers;

mod hostile_input;

mod access;
mod accounts;
mod bad_input;
mod call_replay;
mod concurrency;
mod drilldown;
mod edge;
mod faults;
mod ingest_rules;
mod operations;
mod read_api;
mod retention;
mod store_conformance;
mod summaries;
mod sweeper;
mod web;
