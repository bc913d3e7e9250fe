//! The audit trail: logins, failed logins, key rotations, membership and role
//! changes, app changes. Each entry names the actor, the time and the client address.

use std::net::IpAddr;

use serde_json::Value;
use uuid::Uuid;

use super::Caller;
use crate::domain::time::now_micros;
use crate::store::accounts::AuditRow;
use crate::store::{SharedStore, StoreResult};

/// What happened, by name (the `action` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Login,
    LoginFailed,
    Logout,
    PasswordChanged,
    TokenCreated,
    TokenRevoked,
    OrganizationCreated,
    MemberAdded,
    RoleChanged,
    MemberRemoved,
    AppCreated,
    AppChanged,
    AppDeleted,
    KeyRotated,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::PasswordChanged => "password_changed",
            Action::TokenCreated => "token_created",
            Action::TokenRevoked => "token_revoked",
            Action::OrganizationCreated => "organization_created",
            Action::MemberAdded => "member_added",
            Action::RoleChanged => "role_changed",
            Action::MemberRemoved => "member_removed",
            Action::AppCreated => "app_created",
            Action::AppChanged => "app_changed",
            Action::AppDeleted => "app_deleted",
            Action::KeyRotated => "key_rotated",
        }
    }
}

/// One entry to write.
pub struct Entry {
    pub action: Action,
    pub organization_id: Option<Uuid>,
    pub subject: Option<String>,
    pub detail: Option<Value>,
}

/// Writes an entry acted by `caller`.
pub async fn record(
    store: &SharedStore,
    caller: &Caller,
    client: Option<IpAddr>,
    entry: Entry,
) -> StoreResult<()> {
    record_as(store, caller.user_id(), &caller.actor(), client, entry).await
}

/// Writes an entry for an actor who is not (yet) a caller: a login attempt.
pub async fn record_as(
    store: &SharedStore,
    actor_user_id: Option<Uuid>,
    actor: &str,
    client: Option<IpAddr>,
    entry: Entry,
) -> StoreResult<()> {
    store
        .accounts()
        .insert_audit(&AuditRow {
            id: Uuid::now_v7(),
            organization_id: entry.organization_id,
            actor_user_id,
            actor: actor.to_owned(),
            action: entry.action.as_str().to_owned(),
            subject: entry.subject,
            detail: entry.detail.map(|detail| detail.to_string()),
            client_address: client.map(|address| address.to_string()),
            created_at: now_micros(),
        })
        .await
}
