//! The HTTP boundary: shared state, the router, and the pieces every route uses.

pub mod account;
pub mod body;
pub mod client_address;
pub mod compression;
pub mod conference;
pub mod json_guard;
mod middleware;
mod openapi;
pub mod participant;
pub mod pyjson;
pub mod rate_limit;
pub mod read;
pub mod render;
pub mod routes;
pub mod sdk;
pub mod search;
pub mod series;
pub mod summary;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::config::Settings;
use crate::domain::token::TokenKeys;
use crate::error::{ApiError, ErrorCode};
use crate::ingest::{IdentityCache, Writer};
use crate::metrics::HttpMetrics;
use crate::store::SharedStore;

pub use rate_limit::RateLimiter;
use routes::Group;

pub struct AppState {
    pub store: SharedStore,
    pub accounts: Arc<crate::accounts::Accounts>,
    pub writer: Writer,
    pub identities: Arc<IdentityCache>,
    pub keys: TokenKeys,
    pub settings: Arc<Settings>,
    pub metrics: HttpMetrics,
    /// SDK ingest and the read API draw from separate budgets.
    pub ingest_limiter: RateLimiter,
    pub read_limiter: RateLimiter,
    pub trusted_proxies: client_address::TrustedProxies,
    pub geoip: Option<crate::geoip::GeoIp>,
}

pub fn router(state: Arc<AppState>) -> Router {
    let mut groups: std::collections::HashMap<Group, Router<Arc<AppState>>> = Default::default();
    for route in routes::routes() {
        // Operators often keep metrics off the public port.
        if route.doc.path == "/metrics" && state.settings.metrics_bind.is_some() {
            continue;
        }
        let group = groups.remove(&route.doc.group).unwrap_or_default();
        groups.insert(route.doc.group, group.route(&route.doc.path, route.handler));
    }
    let mut group = |name: Group| groups.remove(&name).unwrap_or_default();
    let ingest = group(Group::Ingest).layer(axum::middleware::from_fn_with_state(
        (state.clone(), middleware::Limit::Ingest),
        middleware::rate_limit,
    ));
    let dashboard = group(Group::Dashboard)
        .layer(axum::middleware::from_fn(compression::gzip_json))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), middleware::Limit::Read),
            middleware::rate_limit,
        ));
    Router::new()
        .merge(ingest)
        .merge(dashboard)
        .merge(group(Group::Operations))
        .fallback(web::fallback)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::record_metrics,
        ))
        .layer(axum::middleware::from_fn(middleware::cors))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_client,
        ))
        .with_state(state)
}

/// The router of the separate metrics listener (`CALLVITALS_METRICS_BIND`).
pub fn metrics_router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(state)
}

/// 200 when the store answers and every ingest writer shard is running; 503 otherwise,
/// with the reason, so a load balancer stops sending SDK traffic to a dead writer.
pub(crate) async fn health(State(state): State<Arc<AppState>>) -> Response {
    let writer = state.writer.status();
    let store = state.store.health().await;
    if let Err(error) = &store {
        tracing::warn!(error = %error, "health check: store unreachable");
    }
    let healthy = store.is_ok() && writer.problem.is_none();
    let body = serde_json::json!({
        "status": if healthy { "ok" } else { "unavailable" },
        "store": if store.is_ok() { "ok" } else { "unreachable" },
        "engine": state.store.engine().name(),
        "ingest": {
            "status": writer.problem.unwrap_or("ok"),
            "shards": writer.shards,
            "panics": writer.panics,
        },
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, pyjson::PyJson(body)).into_response()
}

pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let body = state.metrics.render(state.writer.metrics());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn not_found() -> ApiError {
    ErrorCode::NotFound.into()
}

async fn method_not_allowed() -> ApiError {
    ErrorCode::MethodNotAllowed.into()
}
