//! The HTTP boundary: shared state, the router, and the pieces every route uses.

pub mod body;
pub mod client_address;
pub mod json_guard;
mod middleware;
pub mod pyjson;
pub mod rate_limit;
pub mod read;
pub mod render;
pub mod sdk;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::config::Settings;
use crate::domain::token::TokenKeys;
use crate::error::{ApiError, ErrorCode};
use crate::ingest::{EventCategory, IdentityCache, Writer};
use crate::metrics::HttpMetrics;
use crate::store::{Resource, SharedStore};

pub use rate_limit::RateLimiter;

type ListQuery = Query<std::collections::HashMap<String, String>>;

pub struct AppState {
    pub store: SharedStore,
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
    let event = |category: EventCategory| {
        post(
            move |State(state): State<Arc<AppState>>, body: body::SdkBody| {
                sdk::post_event(category, state, body.0)
            },
        )
    };
    let ingest = Router::new()
        .route("/v1/initialize", post(sdk::initialize))
        .route(
            "/v1/sessions",
            post(sdk::create_session).put(sdk::update_session),
        )
        .route("/v1/connection", event(EventCategory::Connection))
        .route("/v1/events/browser", event(EventCategory::Browser))
        .route(
            "/v1/events/get-user-media",
            event(EventCategory::GetUserMedia),
        )
        .route("/v1/stats", post(sdk::post_stats))
        .route("/v1/tracks", post(sdk::post_track).put(sdk::put_track))
        .route("/v1/services/stop-conference", post(sdk::stop_conference))
        .route("/v1/services/get-url", post(sdk::get_url))
        .layer(axum::middleware::from_fn_with_state(
            (state.clone(), middleware::Limit::Ingest),
            middleware::rate_limit,
        ));

    let mut read = Router::new();
    for (path, resource) in [
        ("apps", Resource::Apps),
        ("conferences", Resource::Conferences),
        ("participants", Resource::Participants),
        ("sessions", Resource::Sessions),
        ("connections", Resource::Connections),
        ("issues", Resource::Issues),
    ] {
        read = read
            .route(
                &format!("/v1/{path}"),
                get(
                    move |_: read::AdminAuth, state: State<Arc<AppState>>, query: ListQuery| {
                        read::list(resource, state, query)
                    },
                ),
            )
            .route(
                &format!("/v1/{path}/{{id}}"),
                get(
                    move |_: read::AdminAuth, state: State<Arc<AppState>>, id: Path<String>| {
                        read::detail(resource, state, id)
                    },
                ),
            );
    }

    let read = read.layer(axum::middleware::from_fn_with_state(
        (state.clone(), middleware::Limit::Read),
        middleware::rate_limit,
    ));

    let mut app = Router::new()
        .merge(ingest)
        .merge(read)
        .route("/health", get(health));
    // Operators often keep metrics off the public port.
    if state.settings.metrics_bind.is_none() {
        app = app.route("/metrics", get(metrics));
    }
    app.route("/", get(home))
        .fallback(not_found)
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
async fn health(State(state): State<Arc<AppState>>) -> Response {
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

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let body = state.metrics.render(state.writer.metrics());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

async fn home(State(state): State<Arc<AppState>>) -> Response {
    let base = state.settings.public_url();
    let body = format!(
        "callvitals is running on {engine}.\n\n\
         SDK ingest:  point the PeerMetrics SDK's apiRoot at {base}/v1\n\
         Read API:    curl -H 'Authorization: Bearer $CALLVITALS_ADMIN_TOKEN' {base}/v1/apps\n\
         Health:      {base}/health\n\
         Metrics:     {base}/metrics\n",
        engine = state.store.engine().name()
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

async fn not_found() -> ApiError {
    ErrorCode::NotFound.into()
}

async fn method_not_allowed() -> ApiError {
    ErrorCode::MethodNotAllowed.into()
}
