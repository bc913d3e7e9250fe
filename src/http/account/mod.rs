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

use crate::accounts::Denied;
use crate::error::{ApiError, ErrorCode};
use crate::http::client_address::ClientAddress;

/// A refused access: invisible objects answer exactly like unknown ids.
pub fn denied(denied: Denied, not_found: ErrorCode) -> ApiError {
    match denied {
        Denied::Invisible => ApiError::NotFound(not_found),
        Denied::NeedsRole(_) => ErrorCode::PermissionDenied.into(),
    }
}

pub fn client_ip(client: Option<Extension<ClientAddress>>) -> Option<IpAddr> {
    client.map(|Extension(client)| client.address)
}
