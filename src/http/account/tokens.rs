//! `/api/tokens`: personal API tokens for scripts, with the access of their user.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::{CreatedTokenView, TokenView};
use super::{client_ip, path_id};
use crate::accounts::Caller;
use crate::accounts::audit::{self, Action, Entry};
use crate::domain::time::now_micros;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::client_address::ClientAddress;
use crate::http::pyjson::PyJson;

/// Longest lifetime a token may be given: ten years.
const MAX_LIFETIME_SECONDS: u64 = 10 * 365 * 24 * 3600;

fn own_user_id(caller: &Caller) -> ApiResult<Uuid> {
    caller
        .user_id()
        .ok_or_else(|| ApiError::invalid("the operator token has no personal tokens"))
}

pub async fn list(State(state): State<Arc<AppState>>, caller: Caller) -> ApiResult<Response> {
    let tokens = state
        .store
        .accounts()
        .api_tokens(own_user_id(&caller)?)
        .await?;
    let views: Vec<TokenView> = tokens.iter().map(TokenView::from).collect();
    Ok(PyJson(views).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What the token is for (1 to 100 characters).
    pub name: String,
    /// Lifetime in seconds; none: until revoked.
    pub expires_in_seconds: Option<u64>,
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    JsonBody(body): JsonBody<NewToken>,
) -> ApiResult<Response> {
    let user_id = own_user_id(&caller)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid("name must have 1 to 100 characters"));
    }
    let expires_at = match body.expires_in_seconds {
        Some(0) => return Err(ApiError::invalid("expires_in_seconds must be positive")),
        Some(seconds) if seconds > MAX_LIFETIME_SECONDS => {
            return Err(ApiError::invalid("expires_in_seconds is at most ten years"));
        }
        Some(seconds) => Some(now_micros() + seconds as i64 * 1_000_000),
        None => None,
    };
    let (row, token) = state
        .accounts
        .create_token(user_id, name, expires_at)
        .await?;
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::TokenCreated,
            organization_id: None,
            subject: Some(row.id.to_string()),
            detail: Some(serde_json::json!({ "name": row.name })),
        },
    )
    .await?;
    let view = CreatedTokenView {
        token,
        details: TokenView::from(&row),
    };
    Ok((StatusCode::CREATED, PyJson(view)).into_response())
}

pub async fn revoke(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let user_id = own_user_id(&caller)?;
    let id = path_id(&id, ErrorCode::TokenNotFound)?;
    if !state
        .store
        .accounts()
        .revoke_api_token(user_id, id, now_micros())
        .await?
    {
        return Err(ApiError::NotFound(ErrorCode::TokenNotFound));
    }
    audit::record(
        &state.store,
        &caller,
        client_ip(client),
        Entry {
            action: Action::TokenRevoked,
            organization_id: None,
            subject: Some(id.to_string()),
            detail: None,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
