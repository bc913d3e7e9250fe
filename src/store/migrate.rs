//! Embedded migrations. Most files run unchanged on both engines; the few that build
//! engine-specific indexes (text search) come as a pair. The runner records
//! applied versions in `schema_migration` with the SHA-256 of their text, so a
//! migration edited after it was applied is detected instead of silently skipped.

use sha2::{Digest, Sha256};

use super::Engine;

pub enum MigrationSql {
    Shared(&'static str),
    PerEngine {
        postgres: &'static str,
        sqlite: &'static str,
    },
}

pub struct Migration {
    pub version: &'static str,
    pub sql: MigrationSql,
}

impl Migration {
    pub fn sql(&self, engine: Engine) -> &'static str {
        match (&self.sql, engine) {
            (MigrationSql::Shared(sql), _) => sql,
            (MigrationSql::PerEngine { postgres, .. }, Engine::Postgres) => postgres,
            (MigrationSql::PerEngine { sqlite, .. }, Engine::Sqlite) => sqlite,
        }
    }

    pub fn checksum(&self, engine: Engine) -> String {
        Sha256::digest(self.sql(engine).as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: "0001_initial",
        sql: MigrationSql::Shared(include_str!("../../migrations/0001_initial.sql")),
    },
    Migration {
        version: "0002_hardening",
        sql: MigrationSql::Shared(include_str!("../../migrations/0002_hardening.sql")),
    },
    Migration {
        version: "0003_accounts",
        sql: MigrationSql::Shared(include_str!("../../migrations/0003_accounts.sql")),
    },
    Migration {
        version: "0004_rollups",
        sql: MigrationSql::Shared(include_str!("../../migrations/0004_rollups.sql")),
    },
    Migration {
        version: "0005_retention",
        sql: MigrationSql::Shared(include_str!("../../migrations/0005_retention.sql")),
    },
    Migration {
        version: "0006_search",
        sql: MigrationSql::PerEngine {
            postgres: include_str!("../../migrations/0006_search.postgres.sql"),
            sqlite: include_str!("../../migrations/0006_search.sqlite.sql"),
        },
    },
];

pub const CREATE_LEDGER: &str = "create table if not exists schema_migration (version text primary key, applied_at bigint not null)";

/// Databases created before checksums existed get the column on first start.
pub const LEDGER_HAS_CHECKSUM: &str = "select checksum from schema_migration where 1 = 0";
pub const ADD_LEDGER_CHECKSUM: &str = "alter table schema_migration add column checksum text";
