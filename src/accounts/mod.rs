//! Accounts as a service for the HTTP layer: password logins with rate limits,
//! server-side sessions with idle and absolute lifetimes, personal API tokens, and
//! the audit trail. Nothing here knows HTTP; `http::account` maps it to routes.

pub mod audit;
pub mod caller;

use std::net::IpAddr;
use std::time::Duration;

use sha2::{Digest, Sha256};
use uuid::Uuid;

pub use caller::{Caller, Credential, Denied, UserIdentity};

use crate::domain::{password, secret, time::now_micros};
use crate::http::RateLimiter;
use crate::store::accounts::{ApiTokenRow, LoginSessionRow, UserRecord};
use crate::store::{SharedStore, StoreResult};

/// Personal API tokens start with this, so a leaked one is recognisable (secret
/// scanners) and never mistaken for the operator token.
pub const PERSONAL_TOKEN_PREFIX: &str = "cvt_";

#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// A session unused this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, used or not.
    pub session_absolute: Duration,
    /// Login attempts a minute per client address and per account; 0 disables.
    pub login_attempts_per_minute: u32,
}

impl AccountSettings {
    /// How stale `last_seen_at` may get before a request writes it again: a fraction
    /// of the idle lifetime, so idle expiry stays accurate without a write per request.
    fn touch_after_micros(&self) -> i64 {
        (self.session_idle.as_micros() as i64 / 8).min(60_000_000)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// Too many attempts from this address or for this account.
    RateLimited,
    /// Unknown email or wrong password: deliberately one answer to the client. The
    /// user is named (when the email is known) for the audit trail only.
    BadCredentials { user_id: Option<Uuid> },
}

pub struct Accounts {
    store: SharedStore,
    settings: AccountSettings,
    by_address: RateLimiter,
    by_account: RateLimiter,
}

fn account_key(email: &str) -> u128 {
    let digest = Sha256::digest(email.as_bytes());
    u128::from_be_bytes(digest[..16].try_into().expect("16 bytes"))
}

/// A new ingest key: 32 characters of `[a-z0-9]`, as PeerMetrics keys are (its own
/// reset made 36-character keys that its validation then refused).
pub fn generate_api_key() -> String {
    Uuid::new_v4().simple().to_string()
}

/// A new app with its server secret, which is stored only hashed and returned here
/// once. New apps require the secret on `services/*`.
pub fn new_app(
    organization_id: Uuid,
    name: &str,
    domain: Option<String>,
) -> (crate::store::AppRecord, String) {
    let server_secret = secret::generate();
    let app = crate::store::AppRecord {
        id: Uuid::new_v4(),
        organization_id,
        name: name.to_owned(),
        api_key: generate_api_key(),
        domain,
        recording: true,
        server_secret_hash: Some(secret::hash(&server_secret)),
        require_server_secret: true,
        created_at: now_micros(),
        previous_api_key: None,
        previous_key_expires_at: None,
        deleted_at: None,
        retention_days: crate::domain::retention::DEFAULT_RETENTION_DAYS,
    };
    (app, server_secret)
}

/// Emails compare case-insensitively and without surrounding blanks.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Accounts {
    pub fn new(store: SharedStore, settings: AccountSettings) -> Accounts {
        let per_minute = settings.login_attempts_per_minute;
        Accounts {
            store,
            by_address: RateLimiter::new(per_minute),
            by_account: RateLimiter::new(per_minute),
            settings,
        }
    }

    pub fn settings(&self) -> &AccountSettings {
        &self.settings
    }

    /// Checks an email and password. Every attempt counts against both the client's
    /// and the account's budget, whether the account exists or not, and an unknown
    /// email costs the same argon2 work as a wrong password.
    pub async fn check_password(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> StoreResult<Result<UserRecord, LoginError>> {
        let email = normalize_email(email);
        let address_allowed = client.is_none_or(|address| self.by_address.allow(address));
        let account_allowed = self.by_account.allow_key(account_key(&email));
        if !address_allowed || !account_allowed {
            return Ok(Err(LoginError::RateLimited));
        }
        let user = self.store.accounts().user_by_email(&email).await?;
        let stored = user.as_ref().map(|user| user.password_hash.clone());
        let password = password.to_owned();
        let matches =
            tokio::task::spawn_blocking(move || password::verify(&password, stored.as_deref()))
                .await
                .unwrap_or(false);
        Ok(match user {
            Some(user) if matches => Ok(user),
            other => Err(LoginError::BadCredentials {
                user_id: other.map(|user| user.id),
            }),
        })
    }

    /// Starts a session and returns its token (the cookie's value). A new token on
    /// every login: a session id planted before login is never promoted.
    pub async fn start_session(
        &self,
        user_id: Uuid,
        client: Option<IpAddr>,
    ) -> StoreResult<String> {
        let token = secret::generate();
        let now = now_micros();
        self.store
            .accounts()
            .insert_login_session(&LoginSessionRow {
                token_hash: secret::hash(&token),
                user_id,
                created_at: now,
                last_seen_at: now,
                client_address: client.map(|address| address.to_string()),
            })
            .await?;
        Ok(token)
    }

    pub async fn end_session(&self, token_hash: &str) -> StoreResult<()> {
        self.store.accounts().delete_login_session(token_hash).await
    }

    /// The caller a session cookie stands for, if the session is alive. An expired
    /// session is deleted on sight.
    pub async fn caller_from_session(&self, token: &str) -> StoreResult<Option<Caller>> {
        let token_hash = secret::hash(token);
        let accounts = self.store.accounts();
        let Some(session) = accounts.login_session(&token_hash).await? else {
            return Ok(None);
        };
        let now = now_micros();
        let idle = self.settings.session_idle.as_micros() as i64;
        let absolute = self.settings.session_absolute.as_micros() as i64;
        if now - session.last_seen_at >= idle || now - session.created_at >= absolute {
            accounts.delete_login_session(&token_hash).await?;
            return Ok(None);
        }
        if now - session.last_seen_at >= self.settings.touch_after_micros() {
            accounts.touch_login_session(&token_hash, now).await?;
        }
        self.caller_for(session.user_id, Credential::Session { token_hash })
            .await
    }

    /// The caller a personal token stands for, if it is live.
    pub async fn caller_from_token(&self, token: &str) -> StoreResult<Option<Caller>> {
        if !token.starts_with(PERSONAL_TOKEN_PREFIX) {
            return Ok(None);
        }
        let accounts = self.store.accounts();
        let Some(row) = accounts.api_token_by_hash(&secret::hash(token)).await? else {
            return Ok(None);
        };
        let now = now_micros();
        if !row.usable_at(now) {
            return Ok(None);
        }
        // Coarse, like sessions: "last used" to the minute costs one write a minute.
        if row.last_used_at.is_none_or(|at| now - at >= 60_000_000) {
            accounts.touch_api_token(row.id, now).await?;
        }
        self.caller_for(row.user_id, Credential::PersonalToken { token_id: row.id })
            .await
    }

    async fn caller_for(
        &self,
        user_id: Uuid,
        credential: Credential,
    ) -> StoreResult<Option<Caller>> {
        let accounts = self.store.accounts();
        let Some(user) = accounts.user_by_id(user_id).await? else {
            return Ok(None);
        };
        let memberships = accounts.memberships(user_id).await?;
        Ok(Some(Caller {
            user: Some(UserIdentity {
                id: user.id,
                email: user.email,
            }),
            memberships,
            credential,
        }))
    }

    /// Creates a personal token; the token itself is returned once and never stored.
    pub async fn create_token(
        &self,
        user_id: Uuid,
        name: &str,
        expires_at: Option<i64>,
    ) -> StoreResult<(ApiTokenRow, String)> {
        let token = format!("{PERSONAL_TOKEN_PREFIX}{}", secret::generate());
        let row = ApiTokenRow {
            id: Uuid::now_v7(),
            user_id,
            name: name.to_owned(),
            token_hash: secret::hash(&token),
            created_at: now_micros(),
            expires_at,
            revoked_at: None,
            last_used_at: None,
        };
        self.store.accounts().insert_api_token(&row).await?;
        Ok((row, token))
    }

    /// Deletes sessions past either lifetime (the sweeper calls this).
    pub async fn prune_sessions(&self) -> StoreResult<u64> {
        let now = now_micros();
        self.store
            .accounts()
            .prune_login_sessions(
                now - self.settings.session_idle.as_micros() as i64,
                now - self.settings.session_absolute.as_micros() as i64,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_keyed_case_insensitively() {
        assert_eq!(normalize_email("  Ada@Example.COM "), "ada@example.com");
        assert_eq!(
            account_key(&normalize_email("Ada@example.com")),
            account_key(&normalize_email("ada@EXAMPLE.com"))
        );
        assert_ne!(account_key("a@example.com"), account_key("b@example.com"));
    }

    #[test]
    fn sessions_are_touched_a_few_times_per_idle_lifetime() {
        let settings = AccountSettings {
            session_idle: Duration::from_secs(8),
            session_absolute: Duration::from_secs(60),
            login_attempts_per_minute: 10,
        };
        assert_eq!(settings.touch_after_micros(), 1_000_000);
        let long = AccountSettings {
            session_idle: Duration::from_secs(86_400),
            ..settings
        };
        assert_eq!(long.touch_after_micros(), 60_000_000);
    }
}
