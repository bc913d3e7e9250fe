//! A connection's quality series (`GET /v1/connections/{id}/series`,
//! `docs/conferences.md`): a window of points, the whole history's length and time
//! bounds (so a client draws the full axis from the first answer), the candidate pair
//! over time and the events a graph marks.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use crate::accounts::Caller;
use crate::domain::overlay::{self, OverlayEvent, OverlayKind};
use crate::domain::series::{CandidateChange, Group, connection_series};
use crate::domain::time::now_micros;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::ingest::STATS_INTERVAL_MS;
use crate::store::drilldown::{OverlayRows, SampleWindow};
use crate::store::{ConnectionRow, Record, Resource};

/// The window of a request that names none.
pub const DEFAULT_POINTS: i64 = 120;
pub const MAX_POINTS: i64 = 5_000;

fn millis_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<i64>> {
    params
        .get(name)
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|ms| (0..=253_402_300_799_999).contains(ms))
                .ok_or_else(|| {
                    ApiError::invalid(format!("{name} must be a time in unix milliseconds"))
                })
        })
        .transpose()
}

pub fn parse_window(params: &HashMap<String, String>) -> ApiResult<SampleWindow> {
    let last = params
        .get("last")
        .map(|text| {
            text.parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_POINTS).contains(n))
                .ok_or_else(|| {
                    ApiError::invalid(format!("last must be between 1 and {MAX_POINTS}"))
                })
        })
        .transpose()?;
    // Samples are stored to the microsecond and shown to the millisecond: a bound
    // names a whole millisecond, so `to` and `after` reach its last microsecond.
    let from = millis_param(params, "from")?.map(|ms| ms * 1000);
    let to = millis_param(params, "to")?.map(|ms| ms * 1000 + 999);
    let after = millis_param(params, "after")?.map(|ms| ms * 1000 + 999);
    let full = match params.get("full").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("full must be true or false")),
    };
    let given = [
        last.is_some(),
        from.is_some() || to.is_some(),
        after.is_some(),
        full,
    ];
    if given.iter().filter(|given| **given).count() > 1 {
        return Err(ApiError::invalid(
            "give at most one of last, from/to, after or full",
        ));
    }
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        return Err(ApiError::invalid("from must not be after to"));
    }
    Ok(if full {
        SampleWindow::Full
    } else if let Some(after) = after {
        SampleWindow::After(after)
    } else if from.is_some() || to.is_some() {
        SampleWindow::Range { from, to }
    } else {
        SampleWindow::Last(last.unwrap_or(DEFAULT_POINTS))
    })
}

pub async fn series(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let not_found = || ApiError::NotFound(ErrorCode::ConnectionNotFound);
    let id = Uuid::try_parse(&id).map_err(|_| not_found())?;
    let window = parse_window(&params)?;
    let Some(Record::Connection(connection)) = state
        .store
        .get(&caller.visibility(), Resource::Connections, id)
        .await?
    else {
        return Err(not_found());
    };
    let drilldown = state.store.drilldown();

    // The latest window marks the events of the whole connection, so that the
    // full-length axis shows them before the history arrives; other windows mark
    // their own span.
    let now = now_micros();
    let (from, to) = match window {
        SampleWindow::Last(_) | SampleWindow::Full => (connection.start_time, now),
        SampleWindow::Range { from, to } => {
            (from.unwrap_or(connection.start_time), to.unwrap_or(now))
        }
        SampleWindow::After(after) => (after + 1, now),
    };
    // The samples and the overlay are independent reads: side by side.
    let (samples, rows) = tokio::try_join!(
        drilldown.connection_samples(id, window),
        drilldown.connection_overlay(&connection, from, to),
    )?;
    let window_start = samples.window.map_or(i64::MAX, |(start, _)| start);
    let (groups, candidates) = connection_series(&samples.pairs, &samples.tracks, window_start);
    let events = overlay_events(&connection, &rows, from, to);

    let complete = matches!(window, SampleWindow::Full)
        || samples.first.is_none()
        || samples
            .window
            .is_some_and(|(start, _)| Some(start) == samples.first)
            && samples.window.map(|(_, end)| end) == samples.last;
    let points = groups.first().map_or(0, |group| group.times.len());
    Ok(Json(json!({
        "connection": connection_facts(&connection),
        "interval_ms": STATS_INTERVAL_MS,
        "total": samples.total,
        "first": samples.first.map(millis),
        "last": samples.last.map(millis),
        "window": {
            "from": samples.window.map(|(start, _)| millis(start)),
            "to": samples.window.map(|(_, end)| millis(end)),
            "points": points,
            "complete": complete,
        },
        "groups": groups.iter().map(group_json).collect::<Vec<_>>(),
        "candidates": candidates.iter().map(candidate_json).collect::<Vec<_>>(),
        "events": events.iter().map(event_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

fn millis(micros: i64) -> i64 {
    micros.div_euclid(1000)
}

fn connection_facts(connection: &ConnectionRow) -> Value {
    json!({
        "id": connection.id,
        "conference": connection.conference_id,
        "session": connection.session_id,
        "participant": connection.participant_id,
        "peer": connection.peer_id,
        "state": connection.state,
        "type": connection.connection_type,
        "start_time": millis(connection.start_time),
        "end_time": connection.end_time.map(millis),
        "ongoing": connection.end_time.is_none(),
    })
}

fn group_json(group: &Group) -> Value {
    let (kind, direction, track) = match &group.stream {
        None => (None, None, None),
        Some((kind, direction, key)) => {
            (Some(kind.as_str()), Some(direction.as_str()), key.track_id)
        }
    };
    json!({
        "key": group.key(),
        "scope": if group.stream.is_some() { "track" } else { "connection" },
        "kind": kind,
        "direction": direction,
        "track": track,
        "label": group.label(),
        "t": group.times.iter().map(|at| millis(*at)).collect::<Vec<_>>(),
        "series": group.series.iter().map(|series| json!({
            "metric": series.metric.name(),
            "label": series.metric.label(),
            "unit": series.metric.unit(),
            "values": series.values,
        })).collect::<Vec<_>>(),
    })
}

fn candidate_json(change: &CandidateChange) -> Value {
    json!({
        "t": millis(change.at),
        "local": change.local,
        "remote": change.remote,
        "protocol": change.protocol,
    })
}

/// The connection's events, its negotiations and the issues, in time order, within
/// `[from, to]` (a negotiation counts when any of it falls inside).
fn overlay_events(
    connection: &ConnectionRow,
    rows: &OverlayRows,
    from: i64,
    to: i64,
) -> Vec<OverlayEvent> {
    let mut events: Vec<OverlayEvent> = overlay::of_negotiations(&connection.negotiations)
        .into_iter()
        .filter(|span| span.at <= to && span.end.unwrap_or(span.at) >= from)
        .collect();
    events.extend(rows.events.iter().filter_map(|event| {
        overlay::of_event(
            &event.category,
            &event.event_type,
            event.data.as_deref(),
            event.created_at,
        )
    }));
    events.extend(rows.issues.iter().map(|issue| {
        OverlayEvent {
            at: issue.created_at,
            end: None,
            kind: OverlayKind::Issue,
            label: crate::domain::issue::IssueCode::parse(&issue.code)
                .map_or_else(|| issue.code.clone(), |code| code.title().to_owned()),
            severity: Some(issue.severity.clone()),
        }
    }));
    events.sort_by_key(|event| event.at);
    events
}

fn event_json(event: &OverlayEvent) -> Value {
    json!({
        "t": millis(event.at),
        "end": event.end.map(millis),
        "kind": event.kind.as_str(),
        "label": event.label,
        "severity": event.severity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_request_names_one_window() {
        assert_eq!(
            parse_window(&params(&[])).unwrap(),
            SampleWindow::Last(DEFAULT_POINTS)
        );
        assert_eq!(
            parse_window(&params(&[("last", "5")])).unwrap(),
            SampleWindow::Last(5)
        );
        assert_eq!(
            parse_window(&params(&[("after", "1700000000000")])).unwrap(),
            SampleWindow::After(1_700_000_000_000_999)
        );
        assert_eq!(
            parse_window(&params(&[("from", "1000")])).unwrap(),
            SampleWindow::Range {
                from: Some(1_000_000),
                to: None
            }
        );
        assert_eq!(
            parse_window(&params(&[("full", "true")])).unwrap(),
            SampleWindow::Full
        );
        for bad in [
            &[("last", "0")][..],
            &[("last", "5001")],
            &[("last", "5"), ("full", "true")],
            &[("from", "10"), ("to", "5")],
            &[("after", "soon")],
            &[("full", "yes")],
        ] {
            assert_eq!(
                parse_window(&params(bad)).unwrap_err().code(),
                ErrorCode::InvalidParameters,
                "{bad:?}"
            );
        }
    }
}
