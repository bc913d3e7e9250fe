//! The ingest endpoints the PeerMetrics browser SDK calls (`peermetrics-api.md` §2),
//! byte-compatible on the wire, with their authorisation and ownership bugs fixed.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;

use super::AppState;
use super::body::{SdkBody, event_time, parse_object, token_text, truncate};
use super::client_address::ClientAddress;
use super::pyjson::PyJson;
use crate::domain::allowed_hosts::AllowedHosts;
use crate::domain::platform::PlatformDimensions;
use crate::domain::stats::StatsPayload;
use crate::domain::time::now_micros;
use crate::domain::token::{InitClaims, SessionClaims};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::geoip::Location;
use crate::ingest::{
    Command, EventCategory, EventCommand, InitializeCommand, Reply, STATS_INTERVAL_MS,
    SessionUpdate, StatsCommand, TrackAction, TrackCommand,
};
use crate::store::{ConnectionIdentity, SessionIdentity, SessionRow};

/// Acknowledgement body of most SDK calls: the JSON string `""`.
fn empty_ack() -> Response {
    PyJson("").into_response()
}

fn now_seconds() -> f64 {
    now_micros() as f64 / 1e6
}

/// Distinguishes a field that is absent (`None`) from one that is `null`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// Size limits of the free-form JSON fields, in bytes of JSON text. Real SDK payloads
/// stay far below them (a platform is about 400 bytes, a device list a few KB).
pub const MAX_PLATFORM_BYTES: usize = 8 * 1024;
pub const MAX_CONSTRAINTS_BYTES: usize = 16 * 1024;
pub const MAX_DEVICES_BYTES: usize = 32 * 1024;
pub const MAX_EVENT_DATA_BYTES: usize = 32 * 1024;
pub const MAX_TRACK_DATA_BYTES: usize = 8 * 1024;
/// RTP reports (inbound and outbound, audio and video) in one stats post, and distinct
/// tracks among them. A browser with many remote tracks sends a few dozen.
pub const MAX_REPORTS_PER_POST: usize = 64;
pub const MAX_TRACKS_PER_POST: usize = 32;

/// A free-form JSON field as text, refused when over `max` bytes.
fn limited_text(field: &str, raw: Option<&RawValue>, max: usize) -> ApiResult<Option<String>> {
    if let Some(raw) = raw
        && raw.get().len() > max
    {
        return Err(ApiError::with_message(
            ErrorCode::FieldTooLarge,
            format!("{field} is larger than {max} bytes"),
        ));
    }
    Ok(raw_text(raw))
}

fn raw_text(raw: Option<&RawValue>) -> Option<String> {
    raw.map(|raw| raw.get().to_owned())
        .filter(|text| text != "null")
}

impl AppState {
    async fn session_of(&self, token: Option<&Value>) -> ApiResult<SessionIdentity> {
        let claims = self
            .keys
            .verify_session(token_text(token)?, now_seconds())?;
        let session = self
            .identities
            .session(self.store.as_ref(), claims.session)
            .await?
            .ok_or(ErrorCode::InvalidToken)?;
        self.require_recording(session.app_id).await?;
        Ok(session)
    }

    /// Pages that initialized before their app stopped recording (or was deleted)
    /// still hold tokens: they get the answer `/initialize` now gives, which the SDK
    /// treats as final, and nothing of theirs is stored.
    async fn require_recording(&self, app_id: Uuid) -> ApiResult<()> {
        match self
            .identities
            .app_by_id(self.store.as_ref(), app_id)
            .await?
        {
            Some(app) if app.recording => Ok(()),
            Some(_) => Err(ErrorCode::AppNotRecording.into()),
            None => Err(ErrorCode::InvalidApiKey.into()),
        }
    }

    /// A connection named in a request, which must belong to the caller's session.
    async fn owned_connection(
        &self,
        session: &SessionIdentity,
        connection_id: &str,
    ) -> ApiResult<ConnectionIdentity> {
        let id = Uuid::try_parse(connection_id).map_err(|_| ErrorCode::ConnectionNotFound)?;
        match self.identities.connection(self.store.as_ref(), id).await? {
            Some(connection) if connection.session_id == session.session_id => Ok(connection),
            _ => Err(ErrorCode::ConnectionNotFound.into()),
        }
    }
}

// ---------------------------------------------------------------------------------
// POST /v1/initialize

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InitializeBody {
    conference_id: Option<String>,
    conference_name: Option<String>,
    user_id: Option<String>,
    user_name: Option<String>,
    api_key: Option<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InitializeAnswer {
    token: String,
    get_stats_interval: i64,
    batch_connection_events: bool,
    time: f64,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|text| !text.is_empty())
}

fn valid_api_key(value: &Value) -> ApiResult<&str> {
    match value.as_str() {
        Some(key)
            if key.len() == 32
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) =>
        {
            Ok(key)
        }
        _ => Err(ErrorCode::InvalidApiKey.into()),
    }
}

pub async fn initialize(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    let body: InitializeBody = parse_object(&bytes)?;
    let (Some(conference_id), Some(user_id), Some(api_key)) = (
        non_empty(&body.conference_id),
        non_empty(&body.user_id),
        body.api_key.as_ref().filter(|k| *k != "" && !k.is_null()),
    ) else {
        return Err(ErrorCode::MissingParameters.into());
    };
    let api_key = valid_api_key(api_key)?;
    let app = state
        .identities
        .app(state.store.as_ref(), api_key)
        .await?
        .ok_or(ErrorCode::InvalidApiKey)?;
    if !app.recording {
        return Err(ErrorCode::AppNotRecording.into());
    }
    let origin = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|value| value.to_str().ok());
    if !AllowedHosts::from_stored(app.domain.as_deref()).allows(origin) {
        return Err(ErrorCode::DomainNotAllowed.into());
    }
    let conference_id = truncate(conference_id, 64);
    // The conference it will most likely join decides the writer shard, so that
    // every command of a conference goes through the same one.
    let conference_hint = state
        .store
        .conference_by_customer_id(app.id, &conference_id)
        .await?;
    let command = Command::Initialize(InitializeCommand {
        app_id: app.id,
        conference_hint,
        conference_id,
        conference_name: body
            .conference_name
            .as_deref()
            .map(|name| truncate(name, 64)),
        user_id: truncate(user_id, 64),
        user_name: body.user_name.as_deref().map(|name| truncate(name, 64)),
        at: now_micros(),
    });
    let Reply::Initialized {
        participant_id,
        conference_id,
    } = state.writer.submit(command).await?
    else {
        unreachable!("initialize answers with Initialized");
    };
    let time = now_seconds();
    let token = state.keys.mint_init(&InitClaims {
        participant: participant_id,
        conference: conference_id,
        issued_at: time,
    });
    Ok(PyJson(InitializeAnswer {
        token,
        get_stats_interval: STATS_INTERVAL_MS,
        // The SDK's batch mode is broken on its own side (§2.9): never turn it on.
        batch_connection_events: false,
        time,
    })
    .into_response())
}

// ---------------------------------------------------------------------------------
// POST and PUT /v1/sessions

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateSessionBody<'a> {
    token: Option<Value>,
    #[serde(borrow)]
    platform: Option<&'a RawValue>,
    #[serde(borrow)]
    constraints: Option<&'a RawValue>,
    #[serde(borrow)]
    devices: Option<&'a RawValue>,
    app_version: Option<String>,
    meta: Option<Value>,
    webrtc_sdk: Option<String>,
    delta: Option<Value>,
}

/// `meta`: at most 5 keys of at most 64 characters; values are strings shorter than
/// 128 characters, numbers (floats too, which PeerMetrics wrongly refused) or booleans.
fn validate_meta(meta: Option<Value>) -> ApiResult<Option<String>> {
    let meta = match meta {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(None),
        Some(Value::String(text)) if text.is_empty() => return Ok(None),
        Some(Value::Object(map)) if map.is_empty() => return Ok(None),
        Some(Value::Object(map)) => map,
        Some(_) => return Err(ErrorCode::InvalidMeta.into()),
    };
    let valid_value = |value: &Value| match value {
        Value::String(text) => text.chars().count() < 128,
        Value::Number(_) | Value::Bool(_) => true,
        _ => false,
    };
    if meta.len() > 5
        || meta
            .iter()
            .any(|(key, value)| key.chars().count() > 64 || !valid_value(value))
    {
        return Err(ErrorCode::InvalidMeta.into());
    }
    Ok(Some(Value::Object(meta).to_string()))
}

/// Location from App Engine's headers (PeerMetrics' only geo source), believed only
/// from a trusted proxy: anyone else can send them.
fn location_from_headers(headers: &HeaderMap) -> Location {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let (latitude, longitude) = header("x-appengine-citylatlong")
        .and_then(|pair| {
            let (lat, long) = pair.split_once(',')?;
            Some((
                lat.trim().parse::<f64>().ok()?,
                long.trim().parse::<f64>().ok()?,
            ))
        })
        .map_or((None, None), |(lat, long)| (Some(lat), Some(long)));
    Location {
        country_code: header("x-appengine-country").filter(|country| country != "ZZ"),
        region_code: header("x-appengine-region"),
        city: header("x-appengine-city"),
        latitude,
        longitude,
    }
}

/// The client's location: the GeoIP database first, then a trusted proxy's headers.
fn client_location(
    state: &AppState,
    headers: &HeaderMap,
    client: Option<ClientAddress>,
) -> Location {
    let Some(client) = client else {
        return Location::default();
    };
    let looked_up = state
        .geoip
        .as_ref()
        .map(|geoip| geoip.lookup(client.address))
        .unwrap_or_default();
    if looked_up.is_empty() && client.via_trusted_proxy {
        return location_from_headers(headers);
    }
    looked_up
}

pub async fn create_session(
    State(state): State<Arc<AppState>>,
    client: Option<Extension<ClientAddress>>,
    headers: HeaderMap,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    let body: CreateSessionBody = parse_object(&bytes)?;
    let claims = state
        .keys
        .verify_init(token_text(body.token.as_ref())?, now_seconds())?;
    let app_id = state
        .store
        .init_identity(claims.conference, claims.participant)
        .await?
        .ok_or(ErrorCode::InvalidToken)?;
    state.require_recording(app_id).await?;
    let metadata = validate_meta(body.meta)?;
    let created_at = event_time(body.delta.as_ref())?;
    let platform = limited_text("platform", body.platform, MAX_PLATFORM_BYTES)?;
    let devices = limited_text("devices", body.devices, MAX_DEVICES_BYTES)?;
    let constraints = limited_text("constraints", body.constraints, MAX_CONSTRAINTS_BYTES)?;
    let dimensions = platform
        .as_deref()
        .map(PlatformDimensions::of)
        .unwrap_or_default();
    let location = client_location(&state, &headers, client.map(|Extension(client)| client));
    // The PeerMetrics `geo_ip` shape, kept for dashboards that read it.
    let geo = serde_json::json!({
        "country_code": location.country_code,
        "region_code": location.region_code,
        "city": location.city,
        "latitude": location.latitude,
        "longitude": location.longitude,
    });
    let session = SessionRow {
        id: Uuid::new_v4(),
        app_id,
        conference_id: claims.conference,
        participant_id: claims.participant,
        created_at,
        platform,
        devices,
        constraints,
        metadata,
        geo: Some(geo.to_string()),
        country_code: location.country_code,
        city: location.city,
        latitude: location.latitude,
        longitude: location.longitude,
        browser_name: dimensions.browser_name,
        browser_version: dimensions.browser_version,
        os_name: dimensions.os_name,
        os_version: dimensions.os_version,
        app_version: body
            .app_version
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| truncate(v, 16)),
        webrtc_sdk: body
            .webrtc_sdk
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| truncate(v, 16)),
        ..Default::default()
    };
    let Reply::SessionCreated { session_id } = state
        .writer
        .submit(Command::CreateSession(Box::new(session)))
        .await?
    else {
        unreachable!("create_session answers with SessionCreated");
    };
    let token = state.keys.mint_session(&SessionClaims {
        session: session_id,
        issued_at: now_seconds(),
    });
    Ok(PyJson(serde_json::json!({ "token": token })).into_response())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateSessionBody<'a> {
    token: Option<Value>,
    #[serde(borrow)]
    platform: Option<&'a RawValue>,
    #[serde(borrow)]
    constraints: Option<&'a RawValue>,
    #[serde(borrow)]
    devices: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "present")]
    webrtc_sdk: Option<Option<String>>,
}

pub async fn update_session(
    State(state): State<Arc<AppState>>,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    let body: UpdateSessionBody = parse_object(&bytes)?;
    let session = state.session_of(body.token.as_ref()).await?;
    let update = SessionUpdate {
        session,
        constraints: limited_text("constraints", body.constraints, MAX_CONSTRAINTS_BYTES)?,
        devices: limited_text("devices", body.devices, MAX_DEVICES_BYTES)?,
        platform: limited_text("platform", body.platform, MAX_PLATFORM_BYTES)?,
        webrtc_sdk: body
            .webrtc_sdk
            .map(|sdk| sdk.filter(|v| !v.is_empty()).map(|v| truncate(&v, 16))),
    };
    let Reply::Session(row) = state.writer.submit(Command::UpdateSession(update)).await? else {
        unreachable!("update_session answers with Session");
    };
    Ok(PyJson(serde_json::json!({ "data": super::render::session_json(&row) })).into_response())
}

// ---------------------------------------------------------------------------------
// POST /v1/connection, /v1/events/browser, /v1/events/get-user-media

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventBody<'a> {
    token: Option<Value>,
    event_name: Option<String>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    peer_id: Option<String>,
    peer_name: Option<Value>,
    connection_id: Option<String>,
    connection_state: Option<Value>,
    is_sfu: Option<Value>,
    delta: Option<Value>,
    time_delta: Option<Value>,
    #[serde(borrow)]
    devices: Option<&'a RawValue>,
    focus: Option<Value>,
}

const ICE_CONNECTION_STATES: &[&str] = &[
    "new",
    "checking",
    "connected",
    "completed",
    "failed",
    "disconnected",
    "closed",
];
const CONNECTION_STATES: &[&str] = &[
    "new",
    "connecting",
    "connected",
    "disconnected",
    "failed",
    "closed",
];
const ICE_GATHERING_STATES: &[&str] = &["new", "gathering", "complete"];
const SIGNALING_STATES: &[&str] = &[
    "stable",
    "have-local-offer",
    "have-remote-offer",
    "have-local-pranswer",
    "have-remote-pranswer",
    "closed",
];
const ICE_CANDIDATE_KEYS: &[&str] = &[
    "address",
    "candidate",
    "component",
    "foundation",
    "port",
    "priority",
    "protocol",
    "relatedAddress",
    "relatedPort",
    "sdpMLineIndex",
    "sdpMid",
    "tcpType",
    "type",
    "usernameFragment",
];

/// Checks an event's `data` against its type and returns the text to store.
fn event_data(name: &str, body: &EventBody<'_>) -> ApiResult<Option<String>> {
    let one_of = |data: Option<&str>, allowed: &[&str]| -> ApiResult<()> {
        match data {
            Some(value) if allowed.contains(&value) => Ok(()),
            _ => Err(ApiError::invalid(format!(
                "{name} data must be one of {}",
                allowed.join(", ")
            ))),
        }
    };
    let parsed = || -> Value {
        body.data
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or(Value::Null)
    };
    match name {
        "oniceconnectionstatechange" => one_of(parsed().as_str(), ICE_CONNECTION_STATES)?,
        "onconnectionstatechange" => one_of(parsed().as_str(), CONNECTION_STATES)?,
        "onicegatheringstatechange" => one_of(parsed().as_str(), ICE_GATHERING_STATES)?,
        "onsignalingstatechange" => {
            let data = parsed();
            one_of(
                data.get("signalingState").and_then(Value::as_str),
                SIGNALING_STATES,
            )?;
        }
        "onicecandidate" => {
            // Only the candidate's own fields, without nulls, as PeerMetrics keeps.
            let data = parsed();
            let Some(candidate) = data.as_object() else {
                return Ok(raw_text(body.data));
            };
            let kept: serde_json::Map<String, Value> = candidate
                .iter()
                .filter(|(key, value)| {
                    ICE_CANDIDATE_KEYS.contains(&key.as_str()) && !value.is_null()
                })
                .map(|(key, value)| (key.clone(), value.clone()))
                .collect();
            return Ok(Some(Value::Object(kept).to_string()));
        }
        // The SDK sends these payloads beside `data`; PeerMetrics dropped them.
        "mediaDeviceChange" if body.devices.is_some() => {
            return Ok(Some(format!(
                r#"{{"devices":{}}}"#,
                body.devices.map_or("null", RawValue::get)
            )));
        }
        "tabFocus" if body.focus.is_some() => {
            return Ok(Some(serde_json::json!({ "focus": body.focus }).to_string()));
        }
        _ => {}
    }
    Ok(raw_text(body.data))
}

fn optional_text(value: Option<&Value>, field: &str) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ApiError::invalid(format!("{field} must be a string"))),
    }
}

/// One handler for the three event routes; they differ only in the stored category
/// and in whether `peerId` is required.
pub async fn post_event(
    category: EventCategory,
    state: Arc<AppState>,
    bytes: axum::body::Bytes,
) -> ApiResult<Response> {
    let body: EventBody = parse_object(&bytes)?;
    let session = state.session_of(body.token.as_ref()).await?;
    let Some(name) = body.event_name.as_deref().filter(|name| !name.is_empty()) else {
        return Err(ErrorCode::MissingParameters.into());
    };
    if category == EventCategory::Connection && body.peer_id.is_none() {
        return Err(ApiError::with_message(
            ErrorCode::MissingParameters,
            "peerId is required",
        ));
    }
    let name = truncate(name, 32);
    limited_text("data", body.data, MAX_EVENT_DATA_BYTES)?;
    limited_text("devices", body.devices, MAX_DEVICES_BYTES)?;
    let data = event_data(&name, &body)?;
    let at = event_time(body.delta.as_ref().or(body.time_delta.as_ref()))?;
    let connection_id = match body.connection_id.as_deref() {
        Some(id) => Some(state.owned_connection(&session, id).await?.connection_id),
        None => None,
    };
    let command = EventCommand {
        session,
        category,
        name,
        data,
        peer_reference: body.peer_id.map(|peer| truncate(&peer, 64)),
        peer_name: optional_text(body.peer_name.as_ref(), "peerName")?
            .map(|name| truncate(&name, 64)),
        is_sfu: body
            .is_sfu
            .as_ref()
            .and_then(Value::as_bool)
            .unwrap_or(false),
        connection_state: optional_text(body.connection_state.as_ref(), "connectionState")?,
        connection_id,
        at,
    };
    match state.writer.submit(Command::Event(command)).await? {
        Reply::ConnectionAdded {
            peer_id,
            connection_id,
        } => Ok(
            PyJson(serde_json::json!({ "peer_id": peer_id, "connection_id": connection_id }))
                .into_response(),
        ),
        _ => Ok(empty_ack()),
    }
}

// ---------------------------------------------------------------------------------
// POST /v1/stats

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatsBody<'a> {
    token: Option<Value>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    connection_id: Option<String>,
    delta: Option<Value>,
}

pub async fn post_stats(
    State(state): State<Arc<AppState>>,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    let body: StatsBody = parse_object(&bytes)?;
    let session = state.session_of(body.token.as_ref()).await?;
    let Some(connection_id) = body.connection_id.as_deref() else {
        return Err(ApiError::with_message(
            ErrorCode::MissingParameters,
            "connectionId is required",
        ));
    };
    let Some(data) = body.data else {
        return Err(ApiError::with_message(
            ErrorCode::MissingParameters,
            "data is required",
        ));
    };
    if !data.get().starts_with('{') {
        return Err(ApiError::invalid("data must be a JSON object"));
    }
    let payload: StatsPayload = serde_json::from_str(data.get())
        .map_err(|error| ApiError::invalid(format!("data: {error}")))?;
    let at = event_time(body.delta.as_ref())?;
    let connection = state.owned_connection(&session, connection_id).await?;
    if connection.ended {
        return Err(ErrorCode::ConnectionEnded.into());
    }
    let stats = payload.extract();
    if stats.tracks.len() > MAX_REPORTS_PER_POST {
        return Err(ApiError::with_message(
            ErrorCode::TooManyReports,
            format!("a stats post holds at most {MAX_REPORTS_PER_POST} RTP reports"),
        ));
    }
    let distinct_tracks: std::collections::HashSet<_> = stats
        .tracks
        .iter()
        .filter_map(|track| track.track_identifier.as_deref())
        .collect();
    if distinct_tracks.len() > MAX_TRACKS_PER_POST {
        return Err(ApiError::with_message(
            ErrorCode::TooManyReports,
            format!("a stats post names at most {MAX_TRACKS_PER_POST} tracks"),
        ));
    }
    let raw = compress(data.get().as_bytes())?;
    let command = StatsCommand {
        session,
        connection,
        stats,
        raw,
        at,
    };
    state
        .writer
        .submit(Command::Stats(Box::new(command)))
        .await?;
    Ok(empty_ack())
}

thread_local! {
    // A zstd context costs more to create than a 6 KB payload costs to compress, so
    // each worker thread keeps one.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
}

/// zstd level 1: about 5x smaller for stats JSON, a few microseconds per post.
fn compress(bytes: &[u8]) -> ApiResult<Vec<u8>> {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(zstd::bulk::Compressor::new(1).map_err(anyhow::Error::from)?);
        }
        let compressor = slot.as_mut().expect("initialised above");
        Ok(compressor.compress(bytes).map_err(anyhow::Error::from)?)
    })
}

// ---------------------------------------------------------------------------------
// POST and PUT /v1/tracks

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrackBody<'a> {
    token: Option<Value>,
    event: Option<String>,
    connection_id: Option<String>,
    track_id: Option<String>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    delta: Option<Value>,
}

async fn track_request(state: &AppState, bytes: &[u8], adding: bool) -> ApiResult<Response> {
    let body: TrackBody = parse_object(bytes)?;
    let session = state.session_of(body.token.as_ref()).await?;
    let (Some(event), Some(track_id)) = (
        body.event.filter(|e| !e.is_empty()),
        body.track_id.filter(|t| !t.is_empty()),
    ) else {
        return Err(ErrorCode::MissingParameters.into());
    };
    let connection_id = match body.connection_id.as_deref() {
        Some(id) => Some(state.owned_connection(&session, id).await?.connection_id),
        None if adding => {
            return Err(ApiError::with_message(
                ErrorCode::MissingParameters,
                "connectionId is required",
            ));
        }
        None => None,
    };
    let data: Value = body
        .data
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .unwrap_or(Value::Null);
    let action = if adding {
        let field = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
        TrackAction::Added {
            kind: field("kind")
                .filter(|k| k == "audio" || k == "video")
                .unwrap_or_else(|| "audio".into()),
            direction: field("direction")
                .filter(|d| d == "outbound")
                .unwrap_or_else(|| "inbound".into()),
            label: field("label").map(|label| truncate(&label, 128)),
        }
    } else {
        TrackAction::Changed
    };
    let command = TrackCommand {
        session,
        connection_id,
        track_id,
        event: truncate(&event, 32),
        data: limited_text("data", body.data, MAX_TRACK_DATA_BYTES)?,
        action,
        at: event_time(body.delta.as_ref())?,
    };
    let track = match state.writer.submit(Command::Track(command)).await? {
        Reply::Track(track) => track,
        Reply::UnknownTrack => return Err(ErrorCode::TrackNotFound.into()),
        _ => unreachable!("track commands answer with Track or UnknownTrack"),
    };
    Ok(PyJson(serde_json::json!({ "data": super::render::track_json(&track) })).into_response())
}

pub async fn post_track(
    State(state): State<Arc<AppState>>,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    track_request(&state, &bytes, true).await
}

pub async fn put_track(
    State(state): State<Arc<AppState>>,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    track_request(&state, &bytes, false).await
}

// ---------------------------------------------------------------------------------
// POST /v1/services/stop-conference and /v1/services/get-url

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServiceBody {
    api_key: Option<Value>,
    conference_id: Option<String>,
    user_id: Option<String>,
}

/// The app a server-to-server call is about. The API key is public (it ships in
/// browser code), so apps that require it also need their server secret, sent as
/// `Authorization: Bearer <secret>`; a wrong secret is refused even where it is not
/// required.
async fn service_app(
    state: &AppState,
    headers: &HeaderMap,
    body: &ServiceBody,
) -> ApiResult<crate::store::AppRecord> {
    let api_key = body
        .api_key
        .as_ref()
        .filter(|k| !k.is_null())
        .ok_or(ErrorCode::MissingParameters)?;
    let api_key = valid_api_key(api_key)?;
    let app = state
        .identities
        .app(state.store.as_ref(), api_key)
        .await?
        .ok_or(ErrorCode::InvalidApiKey)?;
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match (presented, &app.server_secret_hash) {
        (Some(secret), Some(hash)) if crate::domain::secret::matches_hash(secret, hash) => Ok(app),
        (Some(_), _) => Err(ErrorCode::InvalidServerSecret.into()),
        (None, _) if app.require_server_secret => Err(ErrorCode::InvalidServerSecret.into()),
        (None, _) => Ok(app),
    }
}

pub async fn stop_conference(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    let body: ServiceBody = parse_object(&bytes)?;
    let conference_key = non_empty(&body.conference_id)
        .ok_or(ErrorCode::MissingParameters)?
        .to_owned();
    let app = service_app(&state, &headers, &body).await?;
    let conference_id = state
        .store
        .conference_by_customer_id(app.id, &conference_key)
        .await?
        .ok_or(ErrorCode::ConferenceNotFound)?;
    state
        .writer
        .submit(Command::StopConference {
            conference_id,
            at: now_micros(),
        })
        .await?;
    Ok(PyJson(serde_json::json!({})).into_response())
}

pub async fn get_url(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    SdkBody(bytes): SdkBody,
) -> ApiResult<Response> {
    let body: ServiceBody = parse_object(&bytes)?;
    if non_empty(&body.conference_id).is_none() && non_empty(&body.user_id).is_none() {
        return Err(ErrorCode::MissingParameters.into());
    }
    let app = service_app(&state, &headers, &body).await?;
    let base = state.settings.public_url();
    let url = if let Some(conference_key) = non_empty(&body.conference_id) {
        let id = state
            .store
            .conference_by_customer_id(app.id, conference_key)
            .await?
            .ok_or(ErrorCode::ConferenceNotFound)?;
        format!("{base}/conference/{id}")
    } else {
        let user = non_empty(&body.user_id).unwrap_or_default();
        let id = state
            .store
            .participant_by_customer_id(app.id, user)
            .await?
            .ok_or(ErrorCode::ParticipantNotFound)?;
        format!("{base}/participant/{id}")
    };
    Ok(PyJson(serde_json::json!({ "url": url })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_accepts_floats_and_rejects_nested_values() {
        assert!(
            validate_meta(Some(serde_json::json!({"score": 4.5, "beta": true})))
                .unwrap()
                .is_some()
        );
        assert_eq!(validate_meta(Some(serde_json::json!({}))).unwrap(), None);
        assert!(validate_meta(Some(serde_json::json!({"a": {"b": 1}}))).is_err());
        assert!(
            validate_meta(Some(
                serde_json::json!({"a":1,"b":1,"c":1,"d":1,"e":1,"f":1})
            ))
            .is_err()
        );
        assert!(validate_meta(Some(serde_json::json!([1]))).is_err());
    }
}
