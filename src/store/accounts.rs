//! Accounts, in the store so that every instance sees the same users, sessions and
//! tokens: users and their memberships, dashboard sessions, personal API tokens,
//! app management and the audit trail. Implemented once in SQL for both engines by
//! `sql_account_store!` (`account_sql.rs`).

use async_trait::async_trait;
use uuid::Uuid;

use super::{AppRecord, StoreResult};
use crate::domain::access::Role;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UserRecord {
    pub id: Uuid,
    /// Lower-cased.
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrganizationRecord {
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
}

/// One organization a user belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub role: Role,
}

/// One member of an organization.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
}

/// A dashboard session. The cookie holds a random token; the store keeps its hash.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LoginSessionRow {
    pub token_hash: String,
    pub user_id: Uuid,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub client_address: Option<String>,
}

/// A personal API token. Only its hash is stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

impl ApiTokenRow {
    pub fn usable_at(&self, now: i64) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expires| now < expires)
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub actor_user_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub subject: Option<String>,
    /// JSON text.
    pub detail: Option<String>,
    pub client_address: Option<String>,
    pub created_at: i64,
}

/// What an owner may change about an app (`None`: unchanged).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppChanges {
    pub name: Option<String>,
    /// The stored allow-list; `Some(None)` clears it.
    pub domain: Option<Option<String>>,
    pub recording: Option<bool>,
    pub require_server_secret: Option<bool>,
    pub retention_days: Option<i32>,
}

/// Why an account change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountConflict {
    /// The email, app name or organization name is taken.
    Duplicate,
    /// The change would leave an organization without an owner.
    LastOwner,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    // Users and organizations.
    /// Creates a user; `Duplicate` when the email is taken.
    async fn create_user(&self, user: &UserRecord) -> StoreResult<Result<(), AccountConflict>>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;
    /// Sets a password and ends the user's other sessions (all but `keep_session`).
    async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> StoreResult<()>;
    /// Creates an organization; `Duplicate` when the name is taken.
    async fn create_organization(
        &self,
        organization: &OrganizationRecord,
        owner: Uuid,
    ) -> StoreResult<Result<(), AccountConflict>>;
    async fn organization_by_name(&self, name: &str) -> StoreResult<Option<OrganizationRecord>>;
    async fn organization(&self, id: Uuid) -> StoreResult<Option<OrganizationRecord>>;
    async fn memberships(&self, user_id: Uuid) -> StoreResult<Vec<Membership>>;
    async fn members(&self, organization_id: Uuid) -> StoreResult<Vec<Member>>;
    /// Adds a member or changes their role. Demoting the last owner is `LastOwner`.
    async fn set_membership(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
        role: Role,
        now: i64,
    ) -> StoreResult<Result<(), AccountConflict>>;
    /// Removes a member: `Ok(false)` when they were none, `LastOwner` for the last owner.
    async fn remove_membership(
        &self,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Result<bool, AccountConflict>>;

    // Dashboard sessions.
    async fn insert_login_session(&self, session: &LoginSessionRow) -> StoreResult<()>;
    async fn login_session(&self, token_hash: &str) -> StoreResult<Option<LoginSessionRow>>;
    async fn touch_login_session(&self, token_hash: &str, at: i64) -> StoreResult<()>;
    async fn delete_login_session(&self, token_hash: &str) -> StoreResult<()>;
    /// Deletes sessions idle since before `idle_before` or created before
    /// `created_before`.
    async fn prune_login_sessions(&self, idle_before: i64, created_before: i64)
    -> StoreResult<u64>;

    // Personal API tokens.
    async fn insert_api_token(&self, token: &ApiTokenRow) -> StoreResult<()>;
    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiTokenRow>>;
    async fn api_tokens(&self, user_id: Uuid) -> StoreResult<Vec<ApiTokenRow>>;
    /// Revokes one of the user's tokens; false when they have no such live token.
    async fn revoke_api_token(&self, user_id: Uuid, token_id: Uuid, at: i64) -> StoreResult<bool>;
    async fn touch_api_token(&self, token_id: Uuid, at: i64) -> StoreResult<()>;

    // Apps.
    /// Creates an app; `Duplicate` when its organization has an app of that name.
    async fn create_app(&self, app: &AppRecord) -> StoreResult<Result<(), AccountConflict>>;
    /// A live (not deleted) app.
    async fn app(&self, id: Uuid) -> StoreResult<Option<AppRecord>>;
    async fn update_app(
        &self,
        id: Uuid,
        changes: &AppChanges,
    ) -> StoreResult<Result<Option<AppRecord>, AccountConflict>>;
    /// Replaces the ingest key. The old one keeps working until `previous_valid_until`
    /// (none: it stops at once); a key still in its grace period from an earlier
    /// rotation stops now.
    async fn rotate_app_key(
        &self,
        id: Uuid,
        new_key: &str,
        previous_valid_until: Option<i64>,
    ) -> StoreResult<Option<AppRecord>>;
    async fn delete_app(&self, id: Uuid, at: i64) -> StoreResult<bool>;

    // Audit.
    async fn insert_audit(&self, row: &AuditRow) -> StoreResult<()>;
    /// The organization's trail, newest first, and the logins of its members.
    async fn audit(
        &self,
        organization_id: Uuid,
        before: Option<(i64, Uuid)>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRow>>;
}
