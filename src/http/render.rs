//! Stored rows in the PeerMetrics JSON shapes the SDK and dashboards read
//! (`peermetrics-api.md` §3). The store returns rows; only HTTP renders them.

use serde_json::{Value, json};

use crate::domain::conference::active_seconds;
use crate::domain::issue::IssueCode;
use crate::domain::time::{format_pm, now_micros};
use crate::store::resource::Record;
use crate::store::*;

pub fn record_json(record: &Record) -> Value {
    match record {
        Record::App(app) => app_json(app),
        Record::Conference(conference) => conference_json(conference),
        Record::Participant(participant) => participant_json(participant),
        Record::Session(session) => session_json(session),
        Record::Connection(connection) => connection_json(connection),
        Record::Issue(issue) => issue_json(issue),
    }
}

fn time(micros: i64) -> Value {
    Value::String(format_pm(micros))
}

fn optional_time(micros: Option<i64>) -> Value {
    micros.map_or(Value::Null, time)
}

/// Embeds a stored JSON text as JSON (stored text is always valid JSON).
fn stored_json(text: Option<&str>) -> Value {
    text.and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or(Value::Null)
}

pub fn app_json(app: &AppRecord) -> Value {
    json!({
        "id": app.id,
        "name": app.name,
        "api_key": app.api_key,
        "domain": app.domain,
        "organization": app.organization_id,
        "interval": crate::ingest::STATS_INTERVAL_MS,
        "recording": app.recording,
        "require_server_secret": app.require_server_secret,
        "retention_days": app.retention_days,
        "durations_days": {},
        "created_at": time(app.created_at),
    })
}

pub fn conference_json(conference: &ConferenceRow) -> Value {
    json!({
        "id": conference.id,
        "conference_id": conference.conference_id,
        "conference_name": conference.conference_name,
        "conference_info": {},
        "start_time": optional_time(conference.start_time),
        "call_start": optional_time(conference.call_start),
        "end_time": optional_time(conference.end_time),
        "ongoing": conference.ongoing,
        // An ongoing conference reads its active time so far, not 0.
        "duration": active_seconds(conference.duration_s, conference.ongoing, conference.call_start, now_micros()),
        "app": conference.app_id,
        "created_at": time(conference.created_at),
        "has_errors": conference.error_count > 0,
        "has_warnings": conference.warning_count > 0,
        "participants_count": conference.participant_count,
        "errors_count": conference.error_count,
        "warnings_count": conference.warning_count,
    })
}

pub fn participant_json(participant: &ParticipantRow) -> Value {
    json!({
        "id": participant.id,
        "participant_id": participant.participant_id,
        "participant_name": participant.participant_name,
        "is_sfu": participant.is_sfu,
        "app": participant.app_id,
        "created_at": time(participant.created_at),
    })
}

pub fn session_json(session: &SessionRow) -> Value {
    json!({
        "id": session.id,
        "conference": session.conference_id,
        "participant": session.participant_id,
        "constraints": stored_json(session.constraints.as_deref()),
        "devices": stored_json(session.devices.as_deref()),
        "platform": stored_json(session.platform.as_deref()),
        "metadata": stored_json(session.metadata.as_deref()),
        "geo_ip": stored_json(session.geo.as_deref()),
        "app_version": session.app_version,
        "webrtc_sdk": session.webrtc_sdk,
        "session_info": {},
        "duration": session.duration_s,
        "end_time": optional_time(session.end_time),
        "call_start": optional_time(session.call_start),
        "created_at": time(session.created_at),
    })
}

pub fn connection_json(connection: &ConnectionRow) -> Value {
    json!({
        "id": connection.id,
        "session": connection.session_id,
        "conference": connection.conference_id,
        "participant": connection.participant_id,
        "peer": connection.peer_id,
        "type": connection.connection_type,
        "state": connection.state,
        "connection_info": {
            "detected_tcp": connection.detected_tcp,
            "detected_turn": connection.detected_turn,
            "negotiations": stored_json(Some(&connection.negotiations)),
        },
        "setup_time_ms": connection.setup_time_ms,
        "start_time": time(connection.start_time),
        "end_time": optional_time(connection.end_time),
        "duration": connection.duration_s,
        "created_at": time(connection.created_at),
    })
}

pub fn track_json(track: &TrackRow) -> Value {
    json!({
        "id": track.id,
        "session": track.session_id,
        "connection": track.connection_id,
        "kind": track.kind,
        "direction": track.direction,
        "track_id": track.track_id,
        "label": track.label,
        "track_info": stored_json(Some(&track.info)),
        "created_at": time(track.created_at),
    })
}

pub fn issue_json(issue: &IssueRow) -> Value {
    let code = IssueCode::parse(&issue.code);
    json!({
        "id": issue.id,
        "session": issue.session_id,
        "conference": issue.conference_id,
        "participant": issue.participant_id,
        "connection": issue.connection_id,
        "track": issue.track_id,
        "type": issue.severity,
        "code": issue.code,
        "data": stored_json(issue.data.as_deref()),
        "created_at": time(issue.created_at),
        "title": code.map_or_else(|| issue.code.clone(), |code| code.title().to_owned()),
        "explanation": code.map_or("", IssueCode::explanation),
    })
}

/// A session as the conference and participant pages show it: what the browser,
/// system, place and devices were, read out of the stored columns and JSON.
pub fn session_profile_json(session: &SessionRow) -> Value {
    let named = |name: &Option<String>, version: &Option<String>| {
        name.as_ref().map_or(
            Value::Null,
            |name| json!({"name": name, "version": version}),
        )
    };
    let location = if session.city.is_some() || session.country_code.is_some() {
        json!({
            "city": session.city,
            "country_code": session.country_code,
            "latitude": session.latitude,
            "longitude": session.longitude,
        })
    } else {
        Value::Null
    };
    json!({
        "id": session.id,
        "conference": session.conference_id,
        "participant": session.participant_id,
        "created_at": time(session.created_at),
        "end_time": optional_time(session.end_time),
        "duration": session.duration_s,
        "browser": named(&session.browser_name, &session.browser_version),
        "os": named(&session.os_name, &session.os_version),
        "location": location,
        "devices": device_labels(session.devices.as_deref()),
        "app_version": session.app_version,
        "webrtc_sdk": session.webrtc_sdk,
        "metadata": stored_json(session.metadata.as_deref()),
    })
}

/// The SDK's device list (`enumerateDevices()`), as distinct labels per kind.
pub fn device_labels(devices: Option<&str>) -> Value {
    let mut by_kind = serde_json::Map::new();
    for kind in ["audioinput", "videoinput", "audiooutput"] {
        by_kind.insert(kind.to_owned(), json!([]));
    }
    let listed = devices
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|value| value.as_array().cloned())
        .unwrap_or_default();
    for device in listed {
        let (Some(kind), Some(label)) = (
            device.get("kind").and_then(Value::as_str),
            device.get("label").and_then(Value::as_str),
        ) else {
            continue;
        };
        if let Some(Value::Array(labels)) = by_kind.get_mut(kind)
            && !label.is_empty()
            && !labels.iter().any(|known| known == label)
        {
            labels.push(json!(label));
        }
    }
    Value::Object(by_kind)
}
