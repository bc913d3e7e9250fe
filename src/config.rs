//! Settings, from (highest first) command-line flags, environment variables, an
//! optional TOML file, and defaults. Secrets are wrapped so they never print.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::http::client_address::TrustedProxies;

/// A secret value: `Debug` and `Display` never show it.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Secret(value.to_owned()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The same settings as flags/env (`clap`) and as a file; every field optional so the
/// layers can be merged.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
#[serde(deny_unknown_fields)]
pub struct SettingsLayer {
    /// Address to listen on.
    #[arg(long, env = "CALLVITALS_BIND")]
    pub bind: Option<SocketAddr>,
    /// Directory for the embedded SQLite database.
    #[arg(long, env = "CALLVITALS_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL; without it callvitals uses SQLite in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,
    /// Redis URL for the shared cache tier (used by the dashboard cache).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,
    /// Bearer token that unlocks the read API. Without it, nothing can be read.
    #[arg(long, env = "CALLVITALS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<Secret>,
    /// HS256 secret of init tokens (PeerMetrics' INIT_TOKEN_SECRET). Generated and
    /// stored in the database when absent.
    #[arg(long, env = "INIT_TOKEN_SECRET", hide_env_values = true)]
    pub init_token_secret: Option<Secret>,
    /// HS256 secret of session tokens (PeerMetrics' SESSION_TOKEN_SECRET).
    #[arg(long, env = "SESSION_TOKEN_SECRET", hide_env_values = true)]
    pub session_token_secret: Option<Secret>,
    /// Public base URL of this server (for links such as services/get-url).
    #[arg(long, env = "CALLVITALS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Requests per minute per client address on the SDK endpoints; 0 disables.
    #[arg(long, env = "CALLVITALS_RATE_LIMIT_PER_MINUTE")]
    pub rate_limit_per_minute: Option<u32>,
    /// Requests per minute per client address on the read API; 0 disables.
    #[arg(long, env = "CALLVITALS_READ_RATE_LIMIT_PER_MINUTE")]
    pub read_rate_limit_per_minute: Option<u32>,
    /// Reverse proxies whose X-Forwarded-For / X-Real-IP / geography headers are
    /// believed, as comma-separated CIDRs (e.g. `10.0.0.0/8,::1`). Empty: none.
    #[arg(long, env = "CALLVITALS_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// MaxMind-format (.mmdb) city database for the country, city and coordinates of
    /// new sessions.
    #[arg(long, env = "CALLVITALS_GEOIP_DATABASE")]
    pub geoip_database: Option<PathBuf>,
    /// Serve /metrics on this address instead of the main one.
    #[arg(long, env = "CALLVITALS_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Seconds a client may take to send a request's headers.
    #[arg(long, env = "CALLVITALS_HEADER_TIMEOUT_SECONDS")]
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a client may take to send a request's body.
    #[arg(long, env = "CALLVITALS_BODY_TIMEOUT_SECONDS")]
    pub body_timeout_seconds: Option<u64>,
    /// Seconds a shutdown waits for requests in flight before dropping them (what was
    /// accepted is committed either way).
    #[arg(long, env = "CALLVITALS_SHUTDOWN_DEADLINE_SECONDS")]
    pub shutdown_deadline_seconds: Option<u64>,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "CALLVITALS_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Seconds without any event after which an ongoing conference is ended.
    #[arg(long, env = "CALLVITALS_STALE_AFTER_SECONDS")]
    pub stale_after_seconds: Option<u64>,
    /// Seconds between two sweeps for stale conferences.
    #[arg(long, env = "CALLVITALS_SWEEP_INTERVAL_SECONDS")]
    pub sweep_interval_seconds: Option<u64>,
    /// Seconds a conference must be over and idle before its customer id, used again,
    /// starts a new conference (standing rooms such as a daily "standup").
    #[arg(long, env = "CALLVITALS_CONFERENCE_REUSE_AFTER_SECONDS")]
    pub conference_reuse_after_seconds: Option<u64>,
    /// Seconds a dashboard session may go unused before it ends.
    #[arg(long, env = "CALLVITALS_SESSION_IDLE_SECONDS")]
    pub session_idle_seconds: Option<u64>,
    /// Seconds after login at which a dashboard session ends, used or not.
    #[arg(long, env = "CALLVITALS_SESSION_ABSOLUTE_SECONDS")]
    pub session_absolute_seconds: Option<u64>,
    /// Mark the session cookie Secure (HTTPS only). Default: when the public URL is https.
    #[arg(long, env = "CALLVITALS_COOKIE_SECURE")]
    pub cookie_secure: Option<bool>,
    /// Login attempts a minute per client address and per account; 0 disables.
    #[arg(long, env = "CALLVITALS_LOGIN_ATTEMPTS_PER_MINUTE")]
    pub login_attempts_per_minute: Option<u32>,
}

impl SettingsLayer {
    /// `self` wins where both are set.
    fn over(self, lower: SettingsLayer) -> SettingsLayer {
        SettingsLayer {
            bind: self.bind.or(lower.bind),
            data_dir: self.data_dir.or(lower.data_dir),
            database_url: self.database_url.or(lower.database_url),
            redis_url: self.redis_url.or(lower.redis_url),
            admin_token: self.admin_token.or(lower.admin_token),
            init_token_secret: self.init_token_secret.or(lower.init_token_secret),
            session_token_secret: self.session_token_secret.or(lower.session_token_secret),
            public_url: self.public_url.or(lower.public_url),
            rate_limit_per_minute: self.rate_limit_per_minute.or(lower.rate_limit_per_minute),
            read_rate_limit_per_minute: self
                .read_rate_limit_per_minute
                .or(lower.read_rate_limit_per_minute),
            trusted_proxies: self.trusted_proxies.or(lower.trusted_proxies),
            geoip_database: self.geoip_database.or(lower.geoip_database),
            metrics_bind: self.metrics_bind.or(lower.metrics_bind),
            header_timeout_seconds: self.header_timeout_seconds.or(lower.header_timeout_seconds),
            body_timeout_seconds: self.body_timeout_seconds.or(lower.body_timeout_seconds),
            shutdown_deadline_seconds: self
                .shutdown_deadline_seconds
                .or(lower.shutdown_deadline_seconds),
            max_body_bytes: self.max_body_bytes.or(lower.max_body_bytes),
            stale_after_seconds: self.stale_after_seconds.or(lower.stale_after_seconds),
            sweep_interval_seconds: self.sweep_interval_seconds.or(lower.sweep_interval_seconds),
            conference_reuse_after_seconds: self
                .conference_reuse_after_seconds
                .or(lower.conference_reuse_after_seconds),
            session_idle_seconds: self.session_idle_seconds.or(lower.session_idle_seconds),
            session_absolute_seconds: self
                .session_absolute_seconds
                .or(lower.session_absolute_seconds),
            cookie_secure: self.cookie_secure.or(lower.cookie_secure),
            login_attempts_per_minute: self
                .login_attempts_per_minute
                .or(lower.login_attempts_per_minute),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<Secret>,
    pub redis_url: Option<Secret>,
    pub admin_token: Option<Secret>,
    pub init_token_secret: Option<Secret>,
    pub session_token_secret: Option<Secret>,
    pub public_url: Option<String>,
    pub rate_limit_per_minute: u32,
    pub read_rate_limit_per_minute: u32,
    pub trusted_proxies: TrustedProxies,
    pub geoip_database: Option<PathBuf>,
    pub metrics_bind: Option<SocketAddr>,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub shutdown_deadline: Duration,
    pub max_body_bytes: usize,
    pub stale_after: Duration,
    pub sweep_interval: Duration,
    pub conference_reuse_after: Duration,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub cookie_secure: Option<bool>,
    pub login_attempts_per_minute: u32,
}

impl Settings {
    /// Flags and environment (`cli`) over the optional file over defaults.
    pub fn load(cli: SettingsLayer, file: Option<&Path>) -> anyhow::Result<Settings> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| {
                    anyhow::anyhow!("cannot read config file {}: {error}", path.display())
                })?;
                toml::from_str::<SettingsLayer>(&text).map_err(|error| {
                    anyhow::anyhow!("invalid config file {}: {error}", path.display())
                })?
            }
            None => SettingsLayer::default(),
        };
        let layer = cli.over(from_file);
        if let Some(proxies) = &layer.trusted_proxies {
            TrustedProxies::parse(proxies)
                .map_err(|error| anyhow::anyhow!("CALLVITALS_TRUSTED_PROXIES: {error}"))?;
        }
        Ok(Settings::from_layer(layer))
    }

    pub fn from_layer(layer: SettingsLayer) -> Settings {
        Settings {
            bind: layer
                .bind
                .unwrap_or_else(|| "127.0.0.1:8080".parse().expect("valid default")),
            data_dir: layer.data_dir.unwrap_or_else(|| PathBuf::from("data")),
            database_url: layer.database_url,
            redis_url: layer.redis_url,
            // An empty token (`CALLVITALS_ADMIN_TOKEN=`) is no token: no operator access.
            admin_token: layer.admin_token.filter(|token| !token.expose().is_empty()),
            init_token_secret: layer.init_token_secret,
            session_token_secret: layer.session_token_secret,
            public_url: layer.public_url,
            rate_limit_per_minute: layer.rate_limit_per_minute.unwrap_or(3000),
            read_rate_limit_per_minute: layer.read_rate_limit_per_minute.unwrap_or(600),
            // `load` refuses a bad list before this runs; trusting nobody is the safe
            // reading of one that slipped through.
            trusted_proxies: layer
                .trusted_proxies
                .as_deref()
                .map(|text| TrustedProxies::parse(text).unwrap_or_default())
                .unwrap_or_default(),
            geoip_database: layer.geoip_database,
            metrics_bind: layer.metrics_bind,
            header_timeout: Duration::from_secs(layer.header_timeout_seconds.unwrap_or(10)),
            body_timeout: Duration::from_secs(layer.body_timeout_seconds.unwrap_or(15)),
            shutdown_deadline: Duration::from_secs(layer.shutdown_deadline_seconds.unwrap_or(20)),
            max_body_bytes: layer.max_body_bytes.unwrap_or(1024 * 1024),
            stale_after: Duration::from_secs(layer.stale_after_seconds.unwrap_or(600)),
            sweep_interval: Duration::from_secs(layer.sweep_interval_seconds.unwrap_or(30)),
            conference_reuse_after: Duration::from_secs(
                layer.conference_reuse_after_seconds.unwrap_or(600),
            ),
            session_idle: Duration::from_secs(layer.session_idle_seconds.unwrap_or(12 * 3600)),
            session_absolute: Duration::from_secs(
                layer.session_absolute_seconds.unwrap_or(7 * 24 * 3600),
            ),
            cookie_secure: layer.cookie_secure,
            login_attempts_per_minute: layer.login_attempts_per_minute.unwrap_or(10),
        }
    }

    /// The base URL links point at, without a trailing slash.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    pub fn ingest(&self) -> crate::ingest::IngestSettings {
        crate::ingest::IngestSettings {
            conference_reuse_after_micros: self.conference_reuse_after.as_micros() as i64,
        }
    }

    pub fn accounts(&self) -> crate::accounts::AccountSettings {
        crate::accounts::AccountSettings {
            session_idle: self.session_idle,
            session_absolute: self.session_absolute,
            login_attempts_per_minute: self.login_attempts_per_minute,
        }
    }

    /// Whether the session cookie is marked Secure.
    pub fn secure_cookies(&self) -> bool {
        self.cookie_secure
            .unwrap_or_else(|| self.public_url().starts_with("https://"))
    }

    pub fn database_url(&self) -> Option<&str> {
        self.database_url.as_ref().map(Secret::expose)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let file: SettingsLayer =
            toml::from_str("bind = \"0.0.0.0:9000\"\nrate_limit_per_minute = 10\n").unwrap();
        let cli = SettingsLayer {
            rate_limit_per_minute: Some(20),
            ..Default::default()
        };
        let settings = Settings::from_layer(cli.over(file));
        assert_eq!(settings.bind.port(), 9000);
        assert_eq!(settings.rate_limit_per_minute, 20);
        assert_eq!(settings.max_body_bytes, 1024 * 1024);
    }

    #[test]
    fn secrets_do_not_print() {
        let settings = Settings::from_layer(SettingsLayer {
            admin_token: Some(Secret::new("hunter2")),
            ..Default::default()
        });
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn unknown_file_keys_are_rejected() {
        assert!(toml::from_str::<SettingsLayer>("bnd = \"x\"").is_err());
    }
}
