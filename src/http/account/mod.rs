//! The dashboard's account routes: sessions, personal tokens, organizations and their
//! members, apps and keys, and the audit trail. Every handler but login takes a
//! [`Caller`](crate::accounts::Caller) (resolved in `caller.rs`) and checks the
//! organization that owns what it touches with `Caller::require`.

pub mod apps;
pub mod caller;
pub mod organizations;
pub mod session;
pub mod tokens;
pub mod views;

use std::net::IpAddr;

use axum::Extension;
use uuid::Uuid;

use crate::accounts::{Caller, Denied};
use crate::domain::access::Role;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::AppState;
use crate::http::client_address::ClientAddress;
use crate::store::AppRecord;

/// A refused access: invisible objects answer exactly like unknown ids.
pub fn denied(denied: Denied, not_found: ErrorCode) -> ApiError {
    match denied {
        Denied::Invisible => ApiError::NotFound(not_found),
        Denied::NeedsRole(_) => ErrorCode::PermissionDenied.into(),
    }
}

/// An id from the path; one that is not a UUID is not found, like an unknown one.
pub fn path_id(text: &str, not_found: ErrorCode) -> ApiResult<Uuid> {
    Uuid::try_parse(text).map_err(|_| ApiError::NotFound(not_found))
}

/// The organization in the path, if the caller holds at least `role` in it.
pub fn organization_for(caller: &Caller, text: &str, role: Role) -> ApiResult<Uuid> {
    let id = path_id(text, ErrorCode::OrganizationNotFound)?;
    caller
        .require(id, role)
        .map_err(|reason| denied(reason, ErrorCode::OrganizationNotFound))?;
    Ok(id)
}

/// As [`organization_for`], and the organization exists (the operator may name one
/// that does not).
pub async fn existing_organization(
    state: &AppState,
    caller: &Caller,
    text: &str,
    role: Role,
) -> ApiResult<Uuid> {
    let id = organization_for(caller, text, role)?;
    state
        .store
        .accounts()
        .organization(id)
        .await?
        .ok_or(ApiError::NotFound(ErrorCode::OrganizationNotFound))?;
    Ok(id)
}

/// A live app, if the caller holds at least `role` in its organization. An app of
/// another organization is not found, exactly like one that never existed.
pub async fn visible_app(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    role: Role,
) -> ApiResult<AppRecord> {
    let app = state
        .store
        .accounts()
        .app(id)
        .await?
        .ok_or(ApiError::NotFound(ErrorCode::AppNotFound))?;
    caller
        .require(app.organization_id, role)
        .map_err(|reason| denied(reason, ErrorCode::AppNotFound))?;
    Ok(app)
}

pub fn client_ip(client: Option<Extension<ClientAddress>>) -> Option<IpAddr> {
    client.map(|Extension(client)| client.address)
}
