//! `/api/session` (log in, who am I, log out) and `/api/me/password`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::caller::{not_cross_origin, session_cookie, set_cookie};
use super::client_ip;
use super::views::SessionView;
use crate::accounts::audit::{self, Action, Entry};
use crate::accounts::{Caller, Credential, LoginError};
use crate::domain::{password, secret};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::http::AppState;
use crate::http::body::JsonBody;
use crate::http::client_address::ClientAddress;
use crate::http::pyjson::PyJson;

/// Longest email accepted (RFC 5321's path limit).
const MAX_EMAIL_LENGTH: usize = 254;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Logs in: a new session (the old one, if any, ends), its cookie, and who the user is.
pub async fn login(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<LoginRequest>,
) -> ApiResult<Response> {
    if !not_cross_origin(&headers, &state.settings) {
        return Err(ErrorCode::CsrfRejected.into());
    }
    if body.email.len() > MAX_EMAIL_LENGTH || body.password.len() > 4 * password::MAX_LENGTH {
        return Err(ErrorCode::InvalidCredentials.into());
    }
    let ip = client_ip(client);
    let user = match state
        .accounts
        .check_password(&body.email, &body.password, ip)
        .await?
    {
        Ok(user) => user,
        Err(LoginError::RateLimited) => {
            let mut response = ApiError::from(ErrorCode::TooManyLoginAttempts).into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
            return Ok(response);
        }
        Err(LoginError::BadCredentials { user_id }) => {
            audit::record_as(
                &state.store,
                user_id,
                &crate::accounts::normalize_email(&body.email),
                ip,
                Entry {
                    action: Action::LoginFailed,
                    organization_id: None,
                    subject: None,
                    detail: None,
                },
            )
            .await?;
            return Err(ErrorCode::InvalidCredentials.into());
        }
    };
    // Rotation: whatever session the browser held before is not carried over.
    if let Some(previous) = session_cookie(&headers, &state.settings) {
        state.accounts.end_session(&secret::hash(previous)).await?;
    }
    let token = state.accounts.start_session(user.id, ip).await?;
    audit::record_as(
        &state.store,
        Some(user.id),
        &user.email,
        ip,
        Entry {
            action: Action::Login,
            organization_id: None,
            subject: None,
            detail: None,
        },
    )
    .await?;
    let caller = state
        .accounts
        .caller_from_session(&token)
        .await?
        .ok_or_else(|| anyhow::anyhow!("a session just created was not found"))?;
    let mut response = PyJson(SessionView::of(&caller)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&state.settings, Some(&token)),
    );
    Ok(response)
}

pub async fn current(caller: Caller) -> ApiResult<Response> {
    Ok(PyJson(SessionView::of(&caller)).into_response())
}

/// Logs out: the session ends on every instance, and the cookie is cleared.
pub async fn logout(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
) -> ApiResult<Response> {
    if let Credential::Session { token_hash } = &caller.credential {
        state.accounts.end_session(token_hash).await?;
        audit::record(
            &state.store,
            &caller,
            client_ip(client),
            Entry {
                action: Action::Logout,
                organization_id: None,
                subject: None,
                detail: None,
            },
        )
        .await?;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, set_cookie(&state.settings, None));
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the caller's own password (the one change members may make). Every other
/// session of the user ends.
pub async fn change_password(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    client: Option<Extension<ClientAddress>>,
    JsonBody(body): JsonBody<PasswordChange>,
) -> ApiResult<Response> {
    let Some(user) = &caller.user else {
        return Err(ApiError::invalid("the operator token has no password"));
    };
    password::check_policy(&body.new_password)
        .map_err(|error| ApiError::invalid(error.to_string()))?;
    let ip = client_ip(client);
    match state
        .accounts
        .check_password(&user.email, &body.current_password, ip)
        .await?
    {
        Ok(_) => {}
        Err(LoginError::RateLimited) => return Err(ErrorCode::TooManyLoginAttempts.into()),
        Err(LoginError::BadCredentials { .. }) => {
            return Err(ApiError::with_message(
                ErrorCode::InvalidCredentials,
                "the current password is not correct",
            ));
        }
    }
    let new_password = body.new_password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
        .await
        .map_err(anyhow::Error::from)?;
    let keep = match &caller.credential {
        Credential::Session { token_hash } => Some(token_hash.as_str()),
        _ => None,
    };
    state
        .store
        .accounts()
        .set_password(user.id, &hash, keep)
        .await?;
    audit::record(
        &state.store,
        &caller,
        ip,
        Entry {
            action: Action::PasswordChanged,
            organization_id: None,
            subject: None,
            detail: None,
        },
    )
    .await?;
    Ok(PyJson(json!({ "changed": true })).into_response())
}
