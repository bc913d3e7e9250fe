//! The read API's resources: which filters each one accepts, how a filter becomes SQL
//! conditions, and how a stored row is shown in the PeerMetrics JSON shape. The engine
//! code runs the same listing for every resource from this description.

use serde_json::{Value, json};
use uuid::Uuid;

use super::models::*;
use crate::domain::issue::IssueCode;
use crate::domain::time::format_pm;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Apps,
    Conferences,
    Participants,
    Sessions,
    Connections,
    Issues,
}

impl Resource {
    pub fn table(self) -> &'static str {
        match self {
            Resource::Apps => "app",
            Resource::Conferences => "conference",
            Resource::Participants => "participant",
            Resource::Sessions => "session",
            Resource::Connections => "connection",
            Resource::Issues => "issue",
        }
    }

    /// The `*_not_found` code PeerMetrics uses for this resource.
    pub fn not_found_code(self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            Resource::Apps => ErrorCode::AppNotFound,
            Resource::Conferences => ErrorCode::ConferenceNotFound,
            Resource::Participants => ErrorCode::ParticipantNotFound,
            Resource::Sessions => ErrorCode::NotFound,
            Resource::Connections => ErrorCode::ConnectionNotFound,
            Resource::Issues => ErrorCode::IssueNotFound,
        }
    }
}

/// Filters of the list endpoints. Each resource accepts a subset; see [`conditions`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListFilter {
    pub app_id: Option<Uuid>,
    pub conference_id: Option<Uuid>,
    pub participant_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    pub created_gte: Option<i64>,
    pub created_lte: Option<i64>,
    pub issue_code: Option<String>,
    pub duration_gte: Option<i64>,
    pub duration_lt: Option<i64>,
    pub ongoing: Option<bool>,
}

impl ListFilter {
    /// Listing needs an owner to scope by, so one request can never scan everything.
    pub fn has_scope(&self) -> bool {
        self.app_id.is_some()
            || self.conference_id.is_some()
            || self.participant_id.is_some()
            || self.session_id.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: i64,
    /// Rows strictly older than this `(created_at, id)` position.
    pub before: Option<(i64, Uuid)>,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            before: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub results: Vec<Value>,
    pub count: i64,
    /// Position of the last row, when more rows may follow.
    pub next: Option<(i64, Uuid)>,
}

pub fn encode_cursor((created_at, id): (i64, Uuid)) -> String {
    format!("{created_at}.{}", id.simple())
}

pub fn decode_cursor(text: &str) -> Option<(i64, Uuid)> {
    let (created_at, id) = text.split_once('.')?;
    Some((created_at.parse().ok()?, Uuid::try_parse(id).ok()?))
}

/// A value bound into a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Id(Uuid),
    Int(i64),
    Text(String),
    Flag(bool),
}

/// `sql_before <bind> sql_after`: one parameterised condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub sql_before: &'static str,
    pub bind: Bind,
    pub sql_after: &'static str,
}

fn condition(sql_before: &'static str, bind: Bind) -> Condition {
    Condition {
        sql_before,
        bind,
        sql_after: "",
    }
}

fn subquery(sql_before: &'static str, bind: Bind) -> Condition {
    Condition {
        sql_before,
        bind,
        sql_after: ")",
    }
}

/// The conditions a filter means for a resource. Filters a resource does not support
/// are reported by [`unsupported_filter`] before this runs.
pub fn conditions(resource: Resource, filter: &ListFilter) -> Vec<Condition> {
    use Resource::*;
    let mut out = Vec::new();
    if let Some(id) = filter.app_id {
        out.push(condition("app_id = ", Bind::Id(id)));
    }
    if let Some(id) = filter.conference_id {
        out.push(match resource {
            Conferences => condition("id = ", Bind::Id(id)),
            Participants => subquery(
                "id in (select participant_id from conference_participant where conference_id = ",
                Bind::Id(id),
            ),
            _ => condition("conference_id = ", Bind::Id(id)),
        });
    }
    if let Some(id) = filter.participant_id {
        out.push(match resource {
            Conferences => subquery(
                "id in (select conference_id from conference_participant where participant_id = ",
                Bind::Id(id),
            ),
            Participants => condition("id = ", Bind::Id(id)),
            _ => condition("participant_id = ", Bind::Id(id)),
        });
    }
    if let Some(id) = filter.session_id {
        out.push(condition("session_id = ", Bind::Id(id)));
    }
    if let Some(at) = filter.created_gte {
        out.push(condition("created_at >= ", Bind::Int(at)));
    }
    if let Some(at) = filter.created_lte {
        out.push(condition("created_at <= ", Bind::Int(at)));
    }
    if let Some(code) = &filter.issue_code {
        out.push(match resource {
            Conferences => subquery(
                "id in (select conference_id from issue where code = ",
                Bind::Text(code.clone()),
            ),
            _ => condition("code = ", Bind::Text(code.clone())),
        });
    }
    if let Some(seconds) = filter.duration_gte {
        out.push(condition("duration_s >= ", Bind::Int(seconds)));
    }
    if let Some(seconds) = filter.duration_lt {
        out.push(condition("duration_s < ", Bind::Int(seconds)));
    }
    if let Some(ongoing) = filter.ongoing {
        out.push(condition("ongoing = ", Bind::Flag(ongoing)));
    }
    out
}

/// The name of the first filter this resource cannot apply, if any.
pub fn unsupported_filter(resource: Resource, filter: &ListFilter) -> Option<&'static str> {
    use Resource::*;
    let supports = |name: &str| -> bool {
        match name {
            "appId" => resource != Apps,
            "conferenceId" => resource != Apps,
            "participantId" => resource != Apps,
            "sessionId" => matches!(resource, Connections | Issues),
            "issue_code" => matches!(resource, Conferences | Issues),
            "duration" | "ongoing" => resource == Conferences,
            _ => true,
        }
    };
    let used = [
        ("appId", filter.app_id.is_some()),
        ("conferenceId", filter.conference_id.is_some()),
        ("participantId", filter.participant_id.is_some()),
        ("sessionId", filter.session_id.is_some()),
        ("issue_code", filter.issue_code.is_some()),
        (
            "duration",
            filter.duration_gte.is_some() || filter.duration_lt.is_some(),
        ),
        ("ongoing", filter.ongoing.is_some()),
    ];
    used.into_iter()
        .find(|(name, present)| *present && !supports(name))
        .map(|(name, _)| name)
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
        "duration": conference.duration_s,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let position = (1_700_000_000_123_456, Uuid::new_v4());
        assert_eq!(decode_cursor(&encode_cursor(position)), Some(position));
        assert_eq!(decode_cursor("nonsense"), None);
    }

    #[test]
    fn a_conference_filter_on_participants_goes_through_the_link_table() {
        let filter = ListFilter {
            conference_id: Some(Uuid::nil()),
            ..Default::default()
        };
        let conditions = conditions(Resource::Participants, &filter);
        assert_eq!(conditions.len(), 1);
        assert!(conditions[0].sql_before.contains("conference_participant"));
        assert_eq!(conditions[0].sql_after, ")");
    }

    #[test]
    fn duration_filters_only_apply_to_conferences() {
        let filter = ListFilter {
            app_id: Some(Uuid::nil()),
            duration_gte: Some(60),
            ..Default::default()
        };
        assert_eq!(unsupported_filter(Resource::Conferences, &filter), None);
        assert_eq!(
            unsupported_filter(Resource::Sessions, &filter),
            Some("duration")
        );
    }
}
