//! Cross-cutting request handling: CORS as PeerMetrics answers it, the client's
//! address, per-client rate limits, and per-route metrics.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::client_address::{ClientAddress, peer_of};
use crate::error::{ApiError, ErrorCode};

/// Whether a request is the SDK's: the SDK only ever POSTs and PUTs under `/v1/`
/// (preflights included), while every `/v1/` GET is the dashboard's read API.
fn is_sdk_request(request: &Request) -> bool {
    let sdk_method = |method: &[u8]| method == b"POST" || method == b"PUT";
    request.uri().path().starts_with("/v1/")
        && match *request.method() {
            Method::POST | Method::PUT => true,
            Method::OPTIONS => request
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                .is_some_and(|method| sdk_method(method.as_bytes())),
            _ => false,
        }
}

/// For the SDK's routes, django-cors-headers with `CORS_ORIGIN_ALLOW_ALL` and
/// credentials, as PeerMetrics answers: echo the origin, allow credentials, answer
/// preflights with 200. The dashboard's routes send no CORS headers at all, so no
/// other site's script can read them with a visitor's session.
pub async fn cors(request: Request, next: Next) -> Response {
    if !is_sdk_request(&request) {
        return next.run(request).await;
    }
    let origin = request.headers().get(header::ORIGIN).cloned();
    let is_preflight = request.method() == Method::OPTIONS;
    let mut response = if is_preflight {
        let mut preflight = StatusCode::OK.into_response();
        let headers = preflight.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("DELETE, GET, OPTIONS, PATCH, POST, PUT"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with",
            ),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
        preflight
    } else {
        next.run(request).await
    };
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// Works out the client's address once per request (see `client_address`) and keeps
/// it in the request's extensions for the limiter, geography and logs.
pub async fn resolve_client(
    State(state): State<Arc<AppState>>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(peer) = peer_of(&request) {
        let trusted = state.trusted_proxies.trusts(peer.ip());
        let address = state
            .trusted_proxies
            .client_address(request.headers(), peer.ip());
        request.extensions_mut().insert(ClientAddress {
            address,
            via_trusted_proxy: trusted,
        });
    }
    next.run(request).await
}

/// Which budget a route draws from.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    Ingest,
    Read,
}

pub async fn rate_limit(
    State((state, limit)): State<(Arc<AppState>, Limit)>,
    request: Request,
    next: Next,
) -> Response {
    let limiter = match limit {
        Limit::Ingest => &state.ingest_limiter,
        Limit::Read => &state.read_limiter,
    };
    if let Some(client) = request.extensions().get::<ClientAddress>()
        && !limiter.allow(client.address)
    {
        return ApiError::from(ErrorCode::RateLimited).into_response();
    }
    next.run(request).await
}

pub async fn record_metrics(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    // Cheap clones: the matched path is reference-counted, standard methods are inline.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    state.metrics.record(
        route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
