//! The dashboard: the Vite build of `web/`, embedded in the binary by `build.rs`.
//!
//! Hashed files under `assets/` never change, so browsers keep them for a year without
//! asking again; `index.html` names the current ones and is never cached, so a new
//! release reaches every browser on its next load. Every text file was compressed at
//! build time (gzip and brotli at their highest levels), so a request costs a lookup.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::compression::accepts;
use crate::error::{ApiError, ErrorCode};

/// One file of the build, with the precompressed variants of text files of 1 KiB and
/// more.
pub struct Asset {
    pub path: &'static str,
    pub body: &'static [u8],
    pub gzip: Option<&'static [u8]>,
    pub brotli: Option<&'static [u8]>,
}

static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Scripts only from this server, and none inline; styles only from this server (Vue
/// and the charts set styles through the CSSOM, which the policy does not govern).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NEVER: &str = "no-store";
const A_DAY: &str = "public, max-age=86400";

pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.path == path)
}

/// `GET /`: the dashboard's page.
pub async fn index(request: Request) -> Response {
    page(request.headers())
}

/// Paths that belong to the APIs and the operators' endpoints, never to the page:
/// `/metrics` moved to its own listener must not answer the dashboard instead.
const NOT_THE_PAGE: [&str; 4] = ["/api", "/v1", "/metrics", "/health"];

/// Every path no route claims. The APIs answer a JSON 404 for unknown paths, so a
/// client with a typo learns it; any other path is a client-side route of the
/// dashboard (`/apps/…`), so it gets the page, unless it names a file of the build.
pub async fn fallback(request: Request) -> Response {
    let path = request.uri().path();
    let is_api = NOT_THE_PAGE.iter().any(|root| {
        path.strip_prefix(root)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    if is_api {
        return ApiError::from(ErrorCode::NotFound).into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::from(ErrorCode::MethodNotAllowed).into_response();
    }
    match asset(path.trim_start_matches('/')) {
        Some(asset) if asset.path != "index.html" => file(asset, request.headers()),
        // A missing hashed file is an old page asking for last release's script: a
        // 404 lets it fail fast instead of parsing HTML as JavaScript.
        None if path.starts_with("/assets/") => ApiError::from(ErrorCode::NotFound).into_response(),
        _ => page(request.headers()),
    }
}

fn page(headers: &HeaderMap) -> Response {
    let index = asset("index.html").expect("the build has an index.html");
    let mut response = file(index, headers);
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    response
}

fn file(asset: &'static Asset, request: &HeaderMap) -> Response {
    let (body, encoding) = match (asset.brotli, asset.gzip) {
        (Some(brotli), _) if accepts(request, "br") => (brotli, Some("br")),
        (_, Some(gzip)) if accepts(request, "gzip") => (gzip, Some("gzip")),
        _ => (asset.body, None),
    };
    let cache = if asset.path.starts_with("assets/") {
        IMMUTABLE
    } else if asset.path == "index.html" {
        NEVER
    } else {
        // Unhashed files (the icon) may change with a release: a day at most.
        A_DAY
    };
    let mut response = (StatusCode::OK, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(asset.path)),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if asset.gzip.is_some() || asset.brotli.is_some() {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
