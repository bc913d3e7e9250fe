//! Resolving the caller of a dashboard route: the one place that reads credentials.
//!
//! - `Authorization: Bearer <token>`: the operator token (`CALLVITALS_ADMIN_TOKEN`),
//!   or a personal API token (`cvt_…`).
//! - Otherwise the session cookie. Requests that change something with a cookie must
//!   come from a page of this server (the CSRF defence: see [`same_origin`]).
//!
//! Handlers take a [`Caller`] argument; a route without one is public.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};

use crate::accounts::Caller;
use crate::config::Settings;
use crate::domain::secret::constant_time_eq;
use crate::error::{ApiError, ErrorCode};
use crate::http::AppState;

const COOKIE_NAME: &str = "callvitals_session";
/// Browsers only accept a `__Host-` cookie that is Secure, host-only and for `/`, so
/// no sibling subdomain can plant or shadow it.
const SECURE_COOKIE_NAME: &str = "__Host-callvitals_session";

pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies() {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie<'a>(headers: &'a HeaderMap, settings: &Settings) -> Option<&'a str> {
    let name = cookie_name(settings);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// `Set-Cookie` for a new session, or (with `None`) one that deletes it.
pub fn set_cookie(settings: &Settings, token: Option<&str>) -> HeaderValue {
    let max_age = match token {
        Some(_) => settings.session_absolute.as_secs(),
        None => 0,
    };
    let secure = if settings.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let value = format!(
        "{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(settings),
        token.unwrap_or_default()
    );
    HeaderValue::from_str(&value).expect("a cookie of hex digits is a valid header")
}

/// The `scheme://host[:port]` a request came from: its `Origin`, or else the origin of
/// its `Referer`.
fn request_origin(headers: &HeaderMap) -> Option<&str> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        return origin.to_str().ok();
    }
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let (scheme, rest) = referer.split_once("://")?;
    let authority_end = rest.find('/').unwrap_or(rest.len());
    Some(&referer[..scheme.len() + 3 + authority_end])
}

fn authority(origin: &str) -> Option<&str> {
    origin.split_once("://").map(|(_, rest)| rest)
}

/// The CSRF defence is a strict origin check: a state-changing request carrying the
/// session cookie must name its origin (`Origin`, or `Referer` where a browser omits
/// it), and that origin must be this server: the request's own `Host`, or the
/// configured public URL. Browsers always send `Origin` on cross-origin requests and
/// pages cannot forge it, and SameSite=Lax already keeps the cookie off cross-site
/// subrequests; this check also covers sibling subdomains, which count as same-site.
pub fn same_origin(headers: &HeaderMap, settings: &Settings) -> bool {
    let Some(origin) = request_origin(headers).and_then(authority) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    let public = settings.public_url.as_deref().and_then(authority);
    host.is_some_and(|host| host.eq_ignore_ascii_case(origin))
        || public.is_some_and(|public| public.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// Login: a request that names a foreign origin is refused (login CSRF); one that
/// names none comes from a script, which no page can make a browser send.
pub fn not_cross_origin(headers: &HeaderMap, settings: &Settings) -> bool {
    request_origin(headers).is_none() || same_origin(headers, settings)
}

fn unauthenticated(message: &'static str) -> ApiError {
    ApiError::with_message(ErrorCode::NotAuthenticated, message)
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        if let Some(authorization) = parts.headers.get(header::AUTHORIZATION) {
            let token = authorization
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or_else(|| {
                    unauthenticated("the Authorization header must be Bearer <token>")
                })?;
            if let Some(operator) = state.settings.admin_token.as_ref()
                && constant_time_eq(token.as_bytes(), operator.expose().as_bytes())
            {
                return Ok(Caller::operator());
            }
            return state
                .accounts
                .caller_from_token(token)
                .await?
                .ok_or_else(|| {
                    unauthenticated("the bearer token is not valid, has expired or was revoked")
                });
        }
        let Some(token) = session_cookie(&parts.headers, &state.settings) else {
            return Err(unauthenticated(
                "log in (POST /api/session) or send Authorization: Bearer <token>",
            ));
        };
        let caller = state
            .accounts
            .caller_from_session(token)
            .await?
            .ok_or_else(|| unauthenticated("the session has ended; log in again"))?;
        if !parts.method.is_safe() && !same_origin(&parts.headers, &state.settings) {
            return Err(ErrorCode::CsrfRejected.into());
        }
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingsLayer;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_origin_must_be_this_server() {
        let settings = Settings::from_layer(SettingsLayer {
            public_url: Some("https://calls.example.com".into()),
            ..Default::default()
        });
        let ok = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "http://10.0.0.5:8080"),
        ]);
        assert!(same_origin(&ok, &settings));
        let public = headers(&[
            ("host", "internal:8080"),
            ("origin", "https://calls.example.com"),
        ]);
        assert!(same_origin(&public, &settings));
        let referer = headers(&[
            ("host", "10.0.0.5:8080"),
            ("referer", "http://10.0.0.5:8080/apps/1"),
        ]);
        assert!(same_origin(&referer, &settings));
        let foreign = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!same_origin(&foreign, &settings));
        let sibling = headers(&[
            ("host", "calls.example.com"),
            ("origin", "https://x.calls.example.com"),
        ]);
        assert!(!same_origin(&sibling, &settings));
        assert!(!same_origin(
            &headers(&[("host", "10.0.0.5:8080")]),
            &settings
        ));
        assert!(!same_origin(
            &headers(&[("host", "a"), ("origin", "null")]),
            &settings
        ));
        assert!(not_cross_origin(&headers(&[("host", "a")]), &settings));
        assert!(!not_cross_origin(&foreign, &settings));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let settings = Settings::from_layer(SettingsLayer::default());
        let map = headers(&[("cookie", "a=1; callvitals_session=abc; b=2")]);
        assert_eq!(session_cookie(&map, &settings), Some("abc"));
        assert_eq!(
            session_cookie(&headers(&[("cookie", "callvitals_session=")]), &settings),
            None
        );
        let cookie = set_cookie(&settings, Some("abc"));
        let text = cookie.to_str().unwrap();
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax"));
        assert!(!text.contains("Secure"));
        let secure = Settings::from_layer(SettingsLayer {
            public_url: Some("https://calls.example.com".into()),
            ..Default::default()
        });
        let text = set_cookie(&secure, None).to_str().unwrap().to_owned();
        assert!(
            text.starts_with("__Host-callvitals_session=;")
                && text.contains("Secure")
                && text.contains("Max-Age=0")
        );
    }
}
