//! Embedded migrations. Each file runs unchanged on both engines; the runner records
//! applied versions in `schema_migration` with the SHA-256 of their text, so a
//! migration edited after it was applied is detected instead of silently skipped.

use sha2::{Digest, Sha256};

pub struct Migration {
    pub version: &'static str,
    pub sql: &'static str,
}

impl Migration {
    pub fn checksum(&self) -> String {
        Sha256::digest(self.sql.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: "0001_initial",
        sql: include_str!("../../migrations/0001_initial.sql"),
    },
    Migration {
        version: "0002_hardening",
        sql: include_str!("../../migrations/0002_hardening.sql"),
    },
    Migration {
        version: "0003_accounts",
        sql: include_str!("../../migrations/0003_accounts.sql"),
    },
    Migration {
        version: "0004_rollups",
        sql: include_str!("../../migrations/0004_rollups.sql"),
    },
    Migration {
        version: "0005_retention",
        sql: include_str!("../../migrations/0005_retention.sql"),
    },
];

pub const CREATE_LEDGER: &str = "create table if not exists schema_migration (version text primary key, applied_at bigint not null)";

/// Databases created before checksums existed get the column on first start.
pub const LEDGER_HAS_CHECKSUM: &str = "select checksum from schema_migration where 1 = 0";
pub const ADD_LEDGER_CHECKSUM: &str = "alter table schema_migration add column checksum text";
