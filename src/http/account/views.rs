//! The JSON the account routes answer with. These types are the OpenAPI schemas too,
//! so the document cannot drift from what is sent.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::Caller;
use crate::domain::allowed_hosts::{AllowedHosts, StoredHosts};
use crate::domain::time::format_pm;
use crate::store::AppRecord;
use crate::store::accounts::{ApiTokenRow, AuditRow, Member};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    /// `owner` or `member`.
    pub role: String,
}

/// Who the caller is and where they belong.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Null for the operator token.
    pub user: Option<UserView>,
    pub organizations: Vec<OrganizationView>,
    /// True for `CALLVITALS_ADMIN_TOKEN`, which sees every organization.
    pub operator: bool,
}

impl SessionView {
    pub fn of(caller: &Caller) -> SessionView {
        SessionView {
            user: caller.user.as_ref().map(|user| UserView {
                id: user.id,
                email: user.email.clone(),
            }),
            organizations: caller
                .memberships
                .iter()
                .map(|membership| OrganizationView {
                    id: membership.organization_id,
                    name: membership.organization_name.clone(),
                    role: membership.role.as_str().to_owned(),
                })
                .collect(),
            operator: caller.user.is_none(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

impl From<&ApiTokenRow> for TokenView {
    fn from(row: &ApiTokenRow) -> Self {
        TokenView {
            id: row.id,
            name: row.name.clone(),
            created_at: format_pm(row.created_at),
            expires_at: row.expires_at.map(format_pm),
            revoked_at: row.revoked_at.map(format_pm),
            last_used_at: row.last_used_at.map(format_pm),
        }
    }
}

/// A new token: `token` is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTokenView {
    pub token: String,
    #[serde(flatten)]
    pub details: TokenView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: Uuid,
    pub email: String,
    pub role: String,
    pub created_at: String,
}

impl From<&Member> for MemberView {
    fn from(member: &Member) -> Self {
        MemberView {
            user_id: member.user_id,
            email: member.email.clone(),
            role: member.role.as_str().to_owned(),
            created_at: format_pm(member.created_at),
        }
    }
}

/// A member just added; `initial_password` is set (and shown this once) when the
/// email had no account yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedMemberView {
    pub member: MemberView,
    pub initial_password: Option<String>,
}

/// An app as its owners manage it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppView {
    pub id: Uuid,
    pub organization: Uuid,
    pub name: String,
    /// The public ingest key (it ships in browser code).
    pub api_key: String,
    /// Host patterns `/v1/initialize` accepts; empty: any page.
    pub domains: Vec<String>,
    pub recording: bool,
    pub require_server_secret: bool,
    /// Days raw stats samples and events are kept.
    pub retention_days: i32,
    /// Until when the key before the last rotation still works.
    pub previous_key_valid_until: Option<String>,
    pub created_at: String,
}

impl From<&AppRecord> for AppView {
    fn from(app: &AppRecord) -> Self {
        let now = crate::domain::time::now_micros();
        AppView {
            id: app.id,
            organization: app.organization_id,
            name: app.name.clone(),
            api_key: app.api_key.clone(),
            domains: match AllowedHosts::from_stored(app.domain.as_deref()) {
                StoredHosts::Anyone => Vec::new(),
                StoredHosts::Only(hosts) => hosts.patterns(),
            },
            recording: app.recording,
            require_server_secret: app.require_server_secret,
            retention_days: app.retention_days,
            previous_key_valid_until: app
                .previous_key_expires_at
                .filter(|until| *until > now && app.previous_api_key.is_some())
                .map(format_pm),
            created_at: format_pm(app.created_at),
        }
    }
}

/// A new app: `server_secret` (for `services/*`) is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAppView {
    pub app: AppView,
    pub server_secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub action: String,
    pub actor: String,
    pub actor_user_id: Option<Uuid>,
    pub organization: Option<Uuid>,
    pub subject: Option<String>,
    pub detail: Option<serde_json::Value>,
    pub client_address: Option<String>,
    pub created_at: String,
}

impl From<&AuditRow> for AuditView {
    fn from(row: &AuditRow) -> Self {
        AuditView {
            id: row.id,
            action: row.action.clone(),
            actor: row.actor.clone(),
            actor_user_id: row.actor_user_id,
            organization: row.organization_id,
            subject: row.subject.clone(),
            detail: row
                .detail
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok()),
            client_address: row.client_address.clone(),
            created_at: format_pm(row.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub results: Vec<AuditView>,
    /// Pass as `cursor` for the next (older) page; null at the end.
    pub next: Option<String>,
}
