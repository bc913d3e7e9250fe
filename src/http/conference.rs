//! The conference page's answer (`GET /v1/conferences/{id}`, `docs/conferences.md`):
//! the header facts with the participants (peer stubs merged), their sessions, the
//! issues, the connections and the timeline's events, in one response.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use super::render;
use crate::domain::roster::{self, RosterEntry};
use crate::domain::time::format_pm;
use crate::error::ApiResult;
use crate::store::ConferenceRow;
use crate::store::drilldown::EventBrief;

/// Events beyond this many (oldest first) are left out and flagged: a day-long call
/// can hold hundreds of thousands of ICE candidates.
pub const EVENT_LIMIT: i64 = 5_000;

pub async fn attach_detail(
    state: &AppState,
    conference: &ConferenceRow,
    json: &mut Value,
) -> ApiResult<()> {
    let parts = state
        .store
        .drilldown()
        .conference_parts(conference.id, EVENT_LIMIT)
        .await?;
    // Who has a session in this conference: read off the sessions already here.
    let with_sessions: HashSet<Uuid> = parts.sessions.iter().map(|s| s.participant_id).collect();
    let entries: Vec<RosterEntry> = parts
        .participants
        .iter()
        .map(|participant| RosterEntry {
            id: participant.id,
            customer_id: participant.participant_id.clone(),
            name: participant.participant_name.clone(),
            is_sfu: participant.is_sfu,
            has_sessions: with_sessions.contains(&participant.id),
        })
        .collect();
    let roster = roster::merge(&entries);

    let rows: HashMap<Uuid, _> = parts
        .participants
        .iter()
        .map(|participant| (participant.id, participant))
        .collect();
    let participants: Vec<Value> = roster
        .kept
        .iter()
        .filter_map(|(id, aliases)| {
            let participant = rows.get(id)?;
            let sessions: Vec<Value> = parts
                .sessions
                .iter()
                .filter(|session| session.participant_id == *id)
                .map(render::session_profile_json)
                .collect();
            let mut json = render::participant_json(participant);
            json["has_sessions"] = json!(with_sessions.contains(id));
            json["aliases"] = json!(aliases);
            json["sessions"] = json!(sessions);
            Some(json)
        })
        .collect();

    let connections: Vec<Value> = parts
        .connections
        .iter()
        .map(|connection| {
            let mut json = render::connection_json(connection);
            json["peer_participant"] = json!(roster.shown(connection.peer_id));
            json["ongoing"] = json!(connection.end_time.is_none());
            json
        })
        .collect();

    json["participants"] = json!(participants);
    json["issues"] = json!(
        parts
            .issues
            .iter()
            .map(render::issue_json)
            .collect::<Vec<_>>()
    );
    json["connections"] = json!(connections);
    json["events"] = json!(parts.events.iter().map(event_json).collect::<Vec<_>>());
    json["events_truncated"] = json!(parts.events_truncated);
    Ok(())
}

fn event_json(event: &EventBrief) -> Value {
    let data = event
        .data
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .unwrap_or(Value::Null);
    json!({
        "id": event.id,
        "category": event.category,
        "type": event.event_type,
        "created_at": format_pm(event.created_at),
        "session": event.session_id,
        "participant": event.participant_id,
        "peer": event.peer_id,
        "connection": event.connection_id,
        "track": event.track_id,
        "data": data,
        "data_truncated": event.data.is_none() && event.data_length.is_some(),
    })
}
