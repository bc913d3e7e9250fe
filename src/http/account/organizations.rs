//! `/api/organizations`: creating one, its members and their roles, its audit trail.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::{AddedMemberView, AuditPage, AuditView, MemberView, OrganizationView};
use super::{client_ip, existing_organization, organization_for, path_id};
use crate::accounts::audit::{self, Action, Entry};
use crate::accounts::{Caller, normalize_email};
use crate::domain::access::Role;
use crate::domain::{password, secret, time::now_micros};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::client_address::ClientAddress;
use crate::http::pyjson::PyJson;
use crate::store::accounts::{AccountConflict, OrganizationRecord, UserRecord};
use crate::store::resource::{decode_cursor, encode_cursor};

fn conflict(conflict: AccountConflict) -> ApiError {
    match conflict {
        AccountConflict::Duplicate => ErrorCode::AlreadyExists.into(),
        AccountConflict::LastOwner => ErrorCode::LastOwner.into(),
    }
}

fn parse_role(text: &str) -> ApiResult<Role> {
    Role::parse(text).ok_or_else(|| ApiError::invalid("role must be owner or member"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub name: String,
}

/// Any user may start an organization; they become its owner.
pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    JsonBody(body): JsonBody<NewOrganization>,
) -> ApiResult<Response> {
    let Some(user_id) = caller.user_id() else {
        return Err(ApiError::invalid(
            "the operator token belongs to no user; create organizations with `callvitals user create`",
        ));
    };
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name must have 1 to 100 characters"));
    }
    let organization = OrganizationRecord {
        id: Uuid::new_v4(),
        name: name.to_owned(),
        created_at: now_micros(),
    };
    state
        .store
        .accounts()
        .create_organization(&organization, user_id)
        .await?
        .map_err(conflict)?;
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::OrganizationCreated,
            organization_id: Some(organization.id),
            subject: Some(organization.id.to_string()),
            detail: Some(json!({ "name": organization.name })),
        },
    )
    .await?;
    let view = OrganizationView {
        id: organization.id,
        name: organization.name,
        role: Role::Owner.as_str().to_owned(),
    };
    Ok((StatusCode::CREATED, PyJson(view)).into_response())
}

pub async fn members(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(organization): Path<String>,
) -> ApiResult<Response> {
    let organization_id = organization_for(&caller, &organization, Role::Member)?;
    let members = state.store.accounts().members(organization_id).await?;
    if members.is_empty()
        && state
            .store
            .accounts()
            .organization(organization_id)
            .await?
            .is_none()
    {
        // Only the operator gets here for an organization that does not exist.
        return Err(ApiError::NotFound(ErrorCode::OrganizationNotFound));
    }
    let views: Vec<MemberView> = members.iter().map(MemberView::from).collect();
    Ok(PyJson(views).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub email: String,
    /// `owner` or `member`.
    pub role: String,
}

/// Adds a member. An email without an account gets one, with a random password
/// returned once, for the owner to hand over; there is no default password.
pub async fn add_member(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path(organization): Path<String>,
    JsonBody(body): JsonBody<NewMember>,
) -> ApiResult<Response> {
    let organization_id =
        existing_organization(&state, &caller, &organization, Role::Owner).await?;
    let role = parse_role(&body.role)?;
    let email = normalize_email(&body.email);
    if !valid_email(&email) {
        return Err(ApiError::invalid("email is not a valid address"));
    }
    let accounts = state.store.accounts();
    let (user, initial_password) = match accounts.user_by_email(&email).await? {
        Some(user) => (user, None),
        None => {
            let initial = secret::generate()[..20].to_owned();
            let hashed = {
                let initial = initial.clone();
                tokio::task::spawn_blocking(move || password::hash(&initial))
                    .await
                    .map_err(anyhow::Error::from)?
            };
            let user = UserRecord {
                id: Uuid::new_v4(),
                email: email.clone(),
                password_hash: hashed,
                created_at: now_micros(),
            };
            accounts.create_user(&user).await?.map_err(conflict)?;
            (user, Some(initial))
        }
    };
    let already = accounts
        .members(organization_id)
        .await?
        .into_iter()
        .any(|member| member.user_id == user.id);
    if already {
        return Err(ApiError::with_message(
            ErrorCode::AlreadyExists,
            "this user is already a member; change their role instead",
        ));
    }
    accounts
        .set_membership(organization_id, user.id, role, now_micros())
        .await?
        .map_err(conflict)?;
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::MemberAdded,
            organization_id: Some(organization_id),
            subject: Some(user.email.clone()),
            detail: Some(json!({ "user_id": user.id, "role": role.as_str() })),
        },
    )
    .await?;
    let view = AddedMemberView {
        member: MemberView {
            user_id: user.id,
            email: user.email,
            role: role.as_str().to_owned(),
            created_at: crate::domain::time::format_pm(now_micros()),
        },
        initial_password,
    };
    Ok((StatusCode::CREATED, PyJson(view)).into_response())
}

fn valid_email(email: &str) -> bool {
    email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !email.chars().any(char::is_whitespace)
        })
}

/// The member in the path, who must belong to the organization.
async fn member_of(state: &AppState, organization_id: Uuid, text: &str) -> ApiResult<Uuid> {
    let user_id = path_id(text, ErrorCode::UserNotFound)?;
    let is_member = state
        .store
        .accounts()
        .members(organization_id)
        .await?
        .iter()
        .any(|member| member.user_id == user_id);
    if !is_member {
        return Err(ApiError::NotFound(ErrorCode::UserNotFound));
    }
    Ok(user_id)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    /// `owner` or `member`.
    pub role: String,
}

pub async fn change_role(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path((organization, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<RoleChange>,
) -> ApiResult<Response> {
    let organization_id = organization_for(&caller, &organization, Role::Owner)?;
    let role = parse_role(&body.role)?;
    let user_id = member_of(&state, organization_id, &user).await?;
    state
        .store
        .accounts()
        .set_membership(organization_id, user_id, role, now_micros())
        .await?
        .map_err(conflict)?;
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::RoleChanged,
            organization_id: Some(organization_id),
            subject: Some(user_id.to_string()),
            detail: Some(json!({ "role": role.as_str() })),
        },
    )
    .await?;
    Ok(PyJson(json!({ "user_id": user_id, "role": role.as_str() })).into_response())
}

pub async fn remove_member(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path((organization, user)): Path<(String, String)>,
) -> ApiResult<Response> {
    let organization_id = organization_for(&caller, &organization, Role::Owner)?;
    let user_id = path_id(&user, ErrorCode::UserNotFound)?;
    let removed = state
        .store
        .accounts()
        .remove_membership(organization_id, user_id)
        .await?
        .map_err(conflict)?;
    if !removed {
        return Err(ApiError::NotFound(ErrorCode::UserNotFound));
    }
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::MemberRemoved,
            organization_id: Some(organization_id),
            subject: Some(user_id.to_string()),
            detail: None,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The audit trail, newest first, 50 a page (`limit` up to 200, `cursor` for more).
pub async fn audit_trail(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(organization): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let organization_id = organization_for(&caller, &organization, Role::Owner)?;
    let limit = match params.get("limit") {
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|limit| (1..=200).contains(limit))
            .ok_or_else(|| ApiError::invalid("limit must be between 1 and 200"))?,
        None => 50,
    };
    let before = params
        .get("cursor")
        .map(|cursor| decode_cursor(cursor).ok_or_else(|| ApiError::invalid("cursor is not valid")))
        .transpose()?;
    let rows = state
        .store
        .accounts()
        .audit(organization_id, before, limit)
        .await?;
    let next = (rows.len() as i64 == limit)
        .then(|| {
            rows.last()
                .map(|row| encode_cursor((row.created_at, row.id)))
        })
        .flatten();
    Ok(PyJson(AuditPage {
        results: rows.iter().map(AuditView::from).collect(),
        next,
    })
    .into_response())
}
