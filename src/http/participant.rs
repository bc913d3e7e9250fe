//! The participant page's answer (`GET /v1/participants/{id}`, `docs/conferences.md`):
//! their conferences with status and issues, a page at a time, and the browsers,
//! systems, places and devices they used over their latest sessions.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::AppState;
use super::render;
use crate::domain::issue::IssueCode;
use crate::domain::time::format_pm;
use crate::error::{ApiError, ApiResult};
use crate::store::ParticipantRow;
use crate::store::resource::{decode_cursor, encode_cursor};

/// Sessions read for the "seen" tallies and the recent list.
pub const RECENT_SESSIONS: i64 = 100;

pub async fn attach_detail(
    state: &AppState,
    participant: &ParticipantRow,
    params: &HashMap<String, String>,
    json: &mut Value,
) -> ApiResult<()> {
    let limit = super::read::limit_param(params, 20, 200)?;
    let after = params
        .get("cursor")
        .map(|cursor| decode_cursor(cursor).ok_or_else(|| ApiError::invalid("cursor is not valid")))
        .transpose()?;
    let drilldown = state.store.drilldown();
    let (conferences, issue_counts) = drilldown
        .participant_conferences(participant.id, after, limit)
        .await?;
    let next = (conferences.len() as i64 == limit)
        .then(|| {
            conferences
                .last()
                .map(|c| encode_cursor((c.created_at, c.id)))
        })
        .flatten();
    let results: Vec<Value> = conferences
        .iter()
        .map(|conference| {
            let mut json = render::conference_json(conference);
            json["issues"] = json!(
                issue_counts
                    .iter()
                    .filter(|count| count.conference_id == conference.id)
                    .map(|count| json!({
                        "code": count.code,
                        "type": count.severity,
                        "title": IssueCode::parse(&count.code)
                            .map_or_else(|| count.code.clone(), |code| code.title().to_owned()),
                        "count": count.count,
                    }))
                    .collect::<Vec<_>>()
            );
            json
        })
        .collect();

    let sessions = drilldown
        .participant_sessions(participant.id, RECENT_SESSIONS)
        .await?;
    let profiles: Vec<Value> = sessions.iter().map(render::session_profile_json).collect();
    let mut seen = Seen::default();
    for session in &sessions {
        let at = session.created_at;
        if let Some(name) = &session.browser_name {
            seen.browsers
                .add(joined(name, session.browser_version.as_deref()), at);
        }
        if let Some(name) = &session.os_name {
            seen.os.add(joined(name, session.os_version.as_deref()), at);
        }
        if session.city.is_some() || session.country_code.is_some() {
            let place = [session.city.as_deref(), session.country_code.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            seen.locations.add(place, at);
        }
        let devices = render::device_labels(session.devices.as_deref());
        for labels in devices
            .as_object()
            .into_iter()
            .flat_map(|kinds| kinds.values())
        {
            for label in labels
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                seen.devices.add(label.to_owned(), at);
            }
        }
    }

    json["conferences"] = json!({ "results": results, "next": next });
    json["sessions"] = json!(profiles);
    json["seen"] = json!({
        "browsers": seen.browsers.json(),
        "os": seen.os.json(),
        "locations": seen.locations.json(),
        "devices": seen.devices.json(),
    });
    Ok(())
}

fn joined(name: &str, version: Option<&str>) -> String {
    // The major version is what tells two browsers apart on a card.
    match version
        .and_then(|v| v.split('.').next())
        .filter(|v| !v.is_empty())
    {
        Some(major) => format!("{name} {major}"),
        None => name.to_owned(),
    }
}

/// Distinct values with how often and when last they were seen, most frequent first.
#[derive(Default)]
struct Tally(Vec<(String, i64, i64)>);

impl Tally {
    fn add(&mut self, name: String, at: i64) {
        match self.0.iter_mut().find(|(known, _, _)| *known == name) {
            Some((_, count, last)) => {
                *count += 1;
                *last = (*last).max(at);
            }
            None => self.0.push((name, 1, at)),
        }
    }

    fn json(&self) -> Value {
        let mut rows = self.0.clone();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)));
        json!(rows
            .iter()
            .map(|(name, count, last)| json!({"name": name, "count": count, "last": format_pm(*last)}))
            .collect::<Vec<_>>())
    }
}

#[derive(Default)]
struct Seen {
    browsers: Tally,
    os: Tally,
    locations: Tally,
    devices: Tally,
}
