//! PostgreSQL: one pool for reads and writes. Read-modify-write paths lock rows with
//! `FOR UPDATE`, because several instances may write to the same database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Executor;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

pub struct PgStore {
    read: sqlx::PgPool,
    write: sqlx::PgPool,
}

impl PgStore {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        Self::connect_with(PgConnectOptions::from_str(url)?, None).await
    }

    pub async fn connect_in_schema(url: &str, schema: &str) -> anyhow::Result<Self> {
        anyhow::ensure!(
            schema
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "schema names are restricted to [A-Za-z0-9_]"
        );
        Self::connect_with(PgConnectOptions::from_str(url)?, Some(schema.to_owned())).await
    }

    async fn connect_with(
        options: PgConnectOptions,
        schema: Option<String>,
    ) -> anyhow::Result<Self> {
        let options = options
            .application_name("callvitals")
            .statement_cache_capacity(super::engine::STATEMENT_CACHE);
        if let Some(schema) = &schema {
            let admin = sqlx::PgPool::connect_with(options.clone()).await?;
            // The name was checked to be a plain identifier above.
            let create = format!("create schema if not exists {schema}");
            admin.execute(sqlx::raw_sql(&create)).await?;
            admin.close().await;
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |connection, _| {
                let schema = schema.clone();
                Box::pin(async move {
                    if let Some(schema) = schema {
                        connection
                            .execute(sqlx::raw_sql(&format!("set search_path to {schema}")))
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
        })
    }
}

pub async fn drop_schema(url: &str, schema: &str) -> anyhow::Result<()> {
    anyhow::ensure!(
        schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    );
    let pool = sqlx::PgPool::connect_with(PgConnectOptions::from_str(url)?).await?;
    pool.execute(sqlx::raw_sql(&format!(
        "drop schema if exists {schema} cascade"
    )))
    .await?;
    pool.close().await;
    Ok(())
}

super::account_sql::sql_account_store! {
    database: sqlx::Postgres,
    store: PgStore,
    for_update: "for update",
}

super::drilldown_sql::sql_drilldown_store! {
    database: sqlx::Postgres,
    store: PgStore,
    engine: Engine::Postgres,
}

super::rollup_sql::sql_rollup_store! {
    database: sqlx::Postgres,
    store: PgStore,
}

super::engine::sql_store! {
    database: sqlx::Postgres,
    store: PgStore,
    tx: PgTx,
    engine: Engine::Postgres,
    for_update: " for update",
    greatest: "greatest",
    // Instances starting together must not apply the same migration twice.
    migration_lock: "select pg_advisory_lock(7351001)",
    migration_unlock: "select pg_advisory_unlock(7351001)",
    // Two instances initialising the same new room must not create it twice.
    conference_key_lock: "select pg_advisory_xact_lock($1)",
    // Data-modifying CTEs: both sample inserts in one round trip.
    combine_sample_inserts: true,
}
