//! App management for owners: create, change (name, allowed hosts, recording,
//! server secret requirement), delete, and rotate the ingest key.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::views::{AppView, CreatedAppView};
use super::{client_ip, existing_organization, path_id, visible_app};
use crate::accounts::audit::{self, Action, Entry};
use crate::accounts::{Caller, new_app};
use crate::domain::access::Role;
use crate::domain::allowed_hosts::AllowedHosts;
use crate::domain::time::now_micros;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::client_address::ClientAddress;
use crate::http::pyjson::PyJson;
use crate::store::AppRecord;
use crate::store::accounts::{AccountConflict, AppChanges};

/// Longest grace period for an old key: 30 days.
const MAX_GRACE_SECONDS: u64 = 30 * 24 * 3600;

fn valid_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name must have 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

fn stored_domains(domains: &[String]) -> ApiResult<Option<String>> {
    AllowedHosts::parse_list(domains.iter().map(String::as_str))
        .map(|hosts| hosts.to_stored())
        .map_err(|error| ApiError::invalid(format!("domains: {error}")))
}

fn duplicate_name(conflict: AccountConflict) -> ApiError {
    match conflict {
        AccountConflict::Duplicate => ApiError::with_message(
            ErrorCode::AlreadyExists,
            "the organization already has an app with this name",
        ),
        AccountConflict::LastOwner => ErrorCode::LastOwner.into(),
    }
}

/// The app in the path, if the caller holds at least `role` in its organization.
async fn app_for(
    state: &AppState,
    caller: &Caller,
    text: &str,
    role: Role,
) -> ApiResult<AppRecord> {
    visible_app(state, caller, path_id(text, ErrorCode::AppNotFound)?, role).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApp {
    pub name: String,
    /// Host patterns (`meet.example.com`, `localhost:3000`, `*.example.com`) allowed
    /// to initialize; empty or absent: any page.
    #[serde(default)]
    pub domains: Vec<String>,
    #[serde(default = "recording_by_default")]
    pub recording: bool,
}

fn recording_by_default() -> bool {
    true
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path(organization): Path<String>,
    JsonBody(body): JsonBody<NewApp>,
) -> ApiResult<Response> {
    let organization_id =
        existing_organization(&state, &caller, &organization, Role::Owner).await?;
    let name = valid_name(&body.name)?;
    let (mut app, server_secret) = new_app(organization_id, &name, stored_domains(&body.domains)?);
    app.recording = body.recording;
    state
        .store
        .accounts()
        .create_app(&app)
        .await?
        .map_err(duplicate_name)?;
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::AppCreated,
            organization_id: Some(organization_id),
            subject: Some(app.id.to_string()),
            detail: Some(json!({ "name": app.name })),
        },
    )
    .await?;
    let view = CreatedAppView {
        app: AppView::from(&app),
        server_secret,
    };
    Ok((StatusCode::CREATED, PyJson(view)).into_response())
}

/// Fields left out stay as they are; `domains: []` (or null) accepts any page.
/// An app as its settings page shows it: any member may read it (the key ships in
/// browser code anyway); only owners change it.
pub async fn show(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let app = app_for(&state, &caller, &id, Role::Member).await?;
    Ok(PyJson(AppView::from(&app)).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppUpdate {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub domains: Option<Option<Vec<String>>>,
    pub recording: Option<bool>,
    pub require_server_secret: Option<bool>,
    /// Days raw stats samples and events are kept (1 to 3650).
    pub retention_days: Option<i32>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

pub async fn update(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<AppUpdate>,
) -> ApiResult<Response> {
    let app = app_for(&state, &caller, &id, Role::Owner).await?;
    let changes = AppChanges {
        name: body.name.as_deref().map(valid_name).transpose()?,
        domain: body
            .domains
            .map(|domains| stored_domains(&domains.unwrap_or_default()))
            .transpose()?,
        recording: body.recording,
        require_server_secret: body.require_server_secret,
        retention_days: body
            .retention_days
            .map(|days| {
                crate::domain::retention::valid_retention_days(days)
                    .ok_or_else(|| ApiError::invalid("retention_days must be between 1 and 3650"))
            })
            .transpose()?,
    };
    let updated = state
        .store
        .accounts()
        .update_app(app.id, &changes)
        .await?
        .map_err(duplicate_name)?
        .ok_or(ApiError::NotFound(ErrorCode::AppNotFound))?;
    state.identities.forget_app(app.id);
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::AppChanged,
            organization_id: Some(app.organization_id),
            subject: Some(app.id.to_string()),
            detail: Some(json!({
                "name": changes.name,
                "domains": changes.domain.as_ref().map(|stored| stored.as_deref().unwrap_or_default()),
                "recording": changes.recording,
                "require_server_secret": changes.require_server_secret,
                "retention_days": changes.retention_days,
            })),
        },
    )
    .await?;
    Ok(PyJson(AppView::from(&updated)).into_response())
}

/// Deletes an app: its key stops working and its data disappears from the dashboard
/// at once. The rows themselves are left to retention.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let app = app_for(&state, &caller, &id, Role::Owner).await?;
    state
        .store
        .accounts()
        .delete_app(app.id, now_micros())
        .await?;
    state.identities.forget_app(app.id);
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::AppDeleted,
            organization_id: Some(app.organization_id),
            subject: Some(app.id.to_string()),
            detail: Some(json!({ "name": app.name })),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// Seconds the old key keeps working (at most 30 days); none or 0: it stops now.
    pub grace_seconds: Option<u64>,
}

/// A new 32-character ingest key. The old one stops now, or after the grace period.
pub async fn rotate_key(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<KeyRotation>,
) -> ApiResult<Response> {
    let app = app_for(&state, &caller, &id, Role::Owner).await?;
    let grace = body.grace_seconds.unwrap_or(0);
    if grace > MAX_GRACE_SECONDS {
        return Err(ApiError::invalid(
            "grace_seconds is at most 30 days (2592000)",
        ));
    }
    let valid_until = (grace > 0).then(|| now_micros() + grace as i64 * 1_000_000);
    let rotated = state
        .store
        .accounts()
        .rotate_app_key(app.id, &crate::accounts::generate_api_key(), valid_until)
        .await?
        .ok_or(ApiError::NotFound(ErrorCode::AppNotFound))?;
    state.identities.forget_app(app.id);
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::KeyRotated,
            organization_id: Some(app.organization_id),
            subject: Some(app.id.to_string()),
            detail: Some(json!({ "grace_seconds": grace })),
        },
    )
    .await?;
    Ok(PyJson(AppView::from(&rotated)).into_response())
}
