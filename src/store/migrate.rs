//! Embedded migrations. Each file runs unchanged on both engines; the runner records
//! applied versions in `schema_migration`.

pub struct Migration {
    pub version: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[Migration {
    version: "0001_initial",
    sql: include_str!("../../migrations/0001_initial.sql"),
}];

pub const CREATE_LEDGER: &str = "create table if not exists schema_migration (version text primary key, applied_at bigint not null)";
