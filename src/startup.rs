//! Building and running the server: open the store, load the shared secrets, start
//! the ingest writer and the sweeper, bind the listener (port 0 works, for tests).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::domain::token::TokenKeys;
use crate::http::{AppState, RateLimiter, router};
use crate::ingest::{IdentityCache, Writer};
use crate::metrics::HttpMetrics;
use crate::store::{SharedStore, Store};

pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    state: Arc<AppState>,
    writer_task: JoinHandle<()>,
}

fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Token secrets from the settings, or else shared through the database so that every
/// instance (and every restart) signs and verifies with the same keys.
pub async fn token_keys(store: &dyn Store, settings: &Settings) -> anyhow::Result<TokenKeys> {
    let init = match &settings.init_token_secret {
        Some(secret) => secret.expose().to_owned(),
        None => {
            store
                .shared_secret("init_token_secret", &random_secret())
                .await?
        }
    };
    let session = match &settings.session_token_secret {
        Some(secret) => secret.expose().to_owned(),
        None => {
            store
                .shared_secret("session_token_secret", &random_secret())
                .await?
        }
    };
    Ok(TokenKeys::new(&init, &session))
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let store = crate::store::open(settings.database_url(), &settings.data_dir).await?;
        Self::build_with_store(settings, store).await
    }

    pub async fn build_with_store(
        settings: Settings,
        store: SharedStore,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(settings.bind).await?;
        let metrics_listener = match settings.metrics_bind {
            Some(address) => Some(TcpListener::bind(address).await?),
            None => None,
        };
        let keys = token_keys(store.as_ref(), &settings).await?;
        let identities = Arc::new(IdentityCache::default());
        let (writer, writer_task) =
            Writer::spawn(store.clone(), identities.clone(), settings.ingest());
        let state = Arc::new(AppState {
            accounts: Arc::new(crate::accounts::Accounts::new(
                store.clone(),
                settings.accounts(),
            )),
            store,
            writer,
            identities,
            keys,
            ingest_limiter: RateLimiter::new(settings.rate_limit_per_minute),
            read_limiter: RateLimiter::new(settings.read_rate_limit_per_minute),
            trusted_proxies: settings.trusted_proxies.clone(),
            geoip: crate::geoip::open_configured(settings.geoip_database.as_deref())?,
            metrics: HttpMetrics::default(),
            settings: Arc::new(settings),
        });
        Ok(Application {
            listener,
            metrics_listener,
            state,
            writer_task,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The address of the separate metrics listener, when one is configured.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|listener| listener.local_addr().ok())
    }

    pub fn store(&self) -> SharedStore {
        self.state.store.clone()
    }

    /// The ingest writer, for tasks that run beside the server (and tests).
    pub fn writer(&self) -> Writer {
        self.state.writer.clone()
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests, commits
    /// everything the writer accepted, and closes the store.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let Application {
            listener,
            metrics_listener,
            state,
            writer_task,
        } = self;
        let sweeper = tokio::spawn(crate::sweeper::run(
            state.accounts.clone(),
            state.store.clone(),
            state.writer.clone(),
            state.settings.stale_after,
            state.settings.sweep_interval,
        ));
        let metrics_server = metrics_listener.map(|metrics_listener| {
            let metrics = crate::http::metrics_router(state.clone());
            tokio::spawn(async move {
                if let Err(error) = axum::serve(metrics_listener, metrics).await {
                    tracing::warn!(error = %error, "metrics listener failed");
                }
            })
        });
        let store = state.store.clone();
        let writer = state.writer.clone();
        let options = crate::serve::ServeOptions {
            header_timeout: state.settings.header_timeout,
            shutdown_deadline: state.settings.shutdown_deadline,
        };
        let app = router(state);
        tracing::info!(address = %listener.local_addr()?, engine = store.engine().name(), "callvitals listening");
        crate::serve::serve(listener, app, options, shutdown).await;

        // Requests have finished (or met the deadline): commit what was accepted,
        // then stop.
        sweeper.abort();
        let _ = sweeper.await;
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        writer.shut_down();
        if let Err(error) = writer_task.await {
            tracing::error!(error = %error, "ingest writer ended abnormally");
        }
        store.close().await;
        tracing::info!("callvitals stopped");
        Ok(())
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}
