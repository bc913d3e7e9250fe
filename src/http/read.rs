//! The read API (`peermetrics-api.md` §3.1): lists and details of apps, conferences,
//! participants, sessions, connections and issues. One generic handler pair serves
//! every resource, restricted to the organizations the caller belongs to: an object of
//! another organization is not found, and no list holds another's rows.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::AppState;
use super::account::visible_app;
use super::pyjson::PyJson;
use super::render;
use super::summary::{invalid, parse_created_bounds, parse_session_filter, parse_zone};
use crate::accounts::Caller;
use crate::domain::access::Role;
use crate::domain::rollup::Status;
use crate::domain::time::now_micros;
use crate::domain::time::parse_query_time;
use crate::error::{ApiError, ApiResult, ErrorCode, QueryParameter};
use crate::store::resource::{decode_cursor, encode_cursor, unsupported_filter};
use crate::store::{ListFilter, PageRequest, Record, Resource};
use crate::summary::bar::{CountOf, bar_count, bar_of};
use crate::summary::range::{TimeRange, Zone};

fn uuid_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<Uuid>> {
    params
        .get(name)
        .map(|value| {
            Uuid::try_parse(value).map_err(|_| ApiError::invalid(format!("{name} must be a UUID")))
        })
        .transpose()
}

fn int_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<i64>> {
    params
        .get(name)
        .map(|value| {
            value
                .parse::<i64>()
                .map_err(|_| ApiError::invalid(format!("{name} must be an integer")))
        })
        .transpose()
}

fn time_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<i64>> {
    params
        .get(name)
        .map(|value| {
            parse_query_time(value)
                .ok_or_else(|| ApiError::invalid(format!("{name} must be an ISO 8601 time")))
        })
        .transpose()
}

/// A page size: `default` when absent, else 1 to `max`.
pub fn limit_param(params: &HashMap<String, String>, default: i64, max: i64) -> ApiResult<i64> {
    match int_param(params, "limit")? {
        None => Ok(default),
        Some(limit) if (1..=max).contains(&limit) => Ok(limit),
        Some(_) => Err(ApiError::invalid(format!(
            "limit must be between 1 and {max}"
        ))),
    }
}

/// `created_at_gt`/`_lt` are exclusive forms of the same bounds. Conference lists read
/// `created_at_gte`/`_lte` as the summaries do (dates are local days in `tz`), so a
/// chart's range and its click-to-detail list select the same conferences.
fn time_bounds(
    resource: Resource,
    params: &HashMap<String, String>,
    zone: &Zone,
) -> ApiResult<(Option<i64>, Option<i64>)> {
    let (gte, lte) = if resource == Resource::Conferences {
        parse_created_bounds(params, zone)?
    } else {
        (
            time_param(params, "created_at_gte")?,
            time_param(params, "created_at_lte")?,
        )
    };
    let gt = time_param(params, "created_at_gt")?.map(|at| at + 1);
    let lt = time_param(params, "created_at_lt")?.map(|at| at - 1);
    Ok((gte.max(gt), min_bound(lte, lt)))
}

fn min_bound(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A free-text slice value (an issue code, a connection type, a city).
fn text_param(params: &HashMap<String, String>, name: &str) -> ApiResult<Option<String>> {
    params
        .get(name)
        .map(|value| {
            if value.is_empty() || value.len() > 256 || value.contains('\0') {
                Err(ApiError::invalid(format!(
                    "{name} must be 1 to 256 bytes of text"
                )))
            } else {
                Ok(value.clone())
            }
        })
        .transpose()
}

/// An integer slice bound whose error code names its parameter.
fn slice_int(
    params: &HashMap<String, String>,
    name: &str,
    parameter: QueryParameter,
) -> ApiResult<Option<i64>> {
    params
        .get(name)
        .map(|value| {
            value
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| invalid(parameter, format!("{name} must be a whole number")))
        })
        .transpose()
}

pub fn parse_list_query(
    resource: Resource,
    params: &HashMap<String, String>,
) -> ApiResult<(ListFilter, PageRequest)> {
    let zone = parse_zone(params)?;
    let (mut created_gte, mut created_lte) = time_bounds(resource, params, &zone)?;
    // A day of the conferences chart: the local day in `tz`, within the range.
    if let Some(text) = params.get("day") {
        let date: jiff::civil::Date =
            text.parse()
                .ok()
                .filter(|_| text.len() == 10)
                .ok_or_else(|| {
                    invalid(
                        QueryParameter::Day,
                        "day must be a date, such as 2026-05-04",
                    )
                })?;
        let next = date
            .tomorrow()
            .map_err(|_| invalid(QueryParameter::Day, "day is out of range"))?;
        created_gte = created_gte.max(Some(zone.start_of(date)));
        created_lte = min_bound(created_lte, Some(zone.start_of(next) - 1));
    }
    let status = params
        .get("status")
        .map(|text| {
            Status::parse(text).ok_or_else(|| {
                invalid(
                    QueryParameter::Status,
                    "status must be ongoing, error, warning or success",
                )
            })
        })
        .transpose()?;
    let filter = ListFilter {
        app_id: uuid_param(params, "appId")?,
        conference_id: uuid_param(params, "conferenceId")?,
        participant_id: uuid_param(params, "participantId")?,
        session_id: uuid_param(params, "sessionId")?,
        created_gte,
        created_lte,
        issue_code: text_param(params, "issue_code")?,
        room: params.get("room").cloned(),
        search: text_param(params, "search")?.filter(|text| !text.trim().is_empty()),
        duration_gte: slice_int(params, "duration_gte", QueryParameter::Duration)?,
        duration_lt: slice_int(params, "duration_lt", QueryParameter::Duration)?,
        ongoing: params
            .get("ongoing")
            .map(|value| match value.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ApiError::invalid("ongoing must be true or false")),
            })
            .transpose()?,
        status,
        participant_count: slice_int(
            params,
            "participant_count",
            QueryParameter::ParticipantCount,
        )?,
        setup_time_gte: slice_int(params, "setup_time_gte", QueryParameter::SetupTime)?,
        setup_time_lt: slice_int(params, "setup_time_lt", QueryParameter::SetupTime)?,
        connection_type: text_param(params, "connection_type")?,
        city: text_param(params, "city")?,
        sessions: parse_session_filter(params)?,
    };
    if let Some(name) = unsupported_filter(resource, &filter) {
        return Err(ApiError::invalid(format!(
            "{name} is not a filter of this list"
        )));
    }
    if resource != Resource::Apps && !filter.has_scope() {
        return Err(ApiError::with_message(
            ErrorCode::MissingParameters,
            "give at least one of appId, conferenceId, participantId or sessionId",
        ));
    }
    let limit = limit_param(params, 50, 200)?;
    let after = params
        .get("cursor")
        .map(|cursor| decode_cursor(cursor).ok_or_else(|| ApiError::invalid("cursor is not valid")))
        .transpose()?;
    let oldest_first = match params.get("order").map(String::as_str) {
        None | Some("newest") => false,
        Some("oldest") => true,
        Some(_) => return Err(ApiError::invalid("order must be newest or oldest")),
    };
    Ok((
        filter,
        PageRequest {
            limit,
            after,
            oldest_first,
            with_count: true,
        },
    ))
}

pub async fn list(
    resource: Resource,
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let (filter, mut page) = parse_list_query(resource, &params)?;
    let bar = bar_total(&state, &caller, resource, &filter).await?;
    page.with_count = bar.is_none();
    let page = state
        .store
        .list(&caller.visibility(), resource, &filter, &page)
        .await?;
    let (count, count_of) = match bar {
        Some((count, count_of)) => (count, Some(count_of)),
        None => (
            page.count.unwrap_or(0),
            (resource == Resource::Conferences).then_some(CountOf::Conferences),
        ),
    };
    let mut results = Vec::with_capacity(page.records.len());
    for record in &page.records {
        let mut json = render::record_json(record);
        attach_usage(&state, record, &mut json).await?;
        results.push(json);
    }
    Ok(PyJson(json!({
        "results": results,
        "count": count,
        "count_of": count_of,
        "next": page.next.map(encode_cursor),
    }))
    .into_response())
}

/// The total of a conference list that is a chart's bar (a click-to-detail list),
/// read from the chart's cells rather than by counting rows. Lists that are no bar,
/// and apps the caller may not see, are counted from rows: for an outsider that finds
/// nothing, as for an unknown app.
async fn bar_total(
    state: &AppState,
    caller: &Caller,
    resource: Resource,
    filter: &ListFilter,
) -> ApiResult<Option<(i64, CountOf)>> {
    if resource != Resource::Conferences {
        return Ok(None);
    }
    let (Some(app_id), Some(from), Some(to)) =
        (filter.app_id, filter.created_gte, filter.created_lte)
    else {
        return Ok(None);
    };
    let (Some(bar), Ok(range)) = (bar_of(filter), TimeRange::new(from, to)) else {
        return Ok(None);
    };
    match visible_app(state, caller, app_id, Role::Member).await {
        Ok(app) if app.deleted_at.is_none() => {}
        _ => return Ok(None),
    }
    let count = bar_count(
        state.store.rollups(),
        &bar,
        app_id,
        range,
        filter.sessions.clone(),
        now_micros(),
    )
    .await?;
    Ok(Some((count, bar.count_of)))
}

pub async fn detail(
    resource: Resource,
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let not_found = || ApiError::NotFound(not_found_code(resource));
    let id = Uuid::try_parse(&id).map_err(|_| not_found())?;
    let found = state
        .store
        .get(&caller.visibility(), resource, id)
        .await?
        .ok_or_else(not_found)?;
    let mut data = render::record_json(&found);
    match &found {
        Record::App(_) => attach_usage(&state, &found, &mut data).await?,
        Record::Conference(conference) => {
            super::conference::attach_detail(&state, conference, &mut data).await?
        }
        Record::Participant(participant) => {
            super::participant::attach_detail(&state, participant, &params, &mut data).await?
        }
        _ => {}
    }
    Ok(PyJson(json!({ "data": data })).into_response())
}

/// An app's `durations_days`, from its rollup cells (a 31-day read, whatever the
/// app's size).
async fn attach_usage(state: &AppState, record: &Record, json: &mut Value) -> ApiResult<()> {
    if let Record::App(app) = record {
        let days =
            crate::summary::usage::durations_days(state.store.rollups(), app.id, now_micros())
                .await?;
        json["durations_days"] = json!(days);
    }
    Ok(())
}

/// The `*_not_found` code PeerMetrics uses for a resource.
fn not_found_code(resource: Resource) -> ErrorCode {
    match resource {
        Resource::Apps => ErrorCode::AppNotFound,
        Resource::Conferences => ErrorCode::ConferenceNotFound,
        Resource::Participants => ErrorCode::ParticipantNotFound,
        Resource::Sessions => ErrorCode::NotFound,
        Resource::Connections => ErrorCode::ConnectionNotFound,
        Resource::Issues => ErrorCode::IssueNotFound,
    }
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
    fn lists_need_a_scope_and_a_sane_limit() {
        let app = Uuid::new_v4().to_string();
        assert!(parse_list_query(Resource::Conferences, &params(&[])).is_err());
        assert!(
            parse_list_query(
                Resource::Conferences,
                &params(&[("appId", &app), ("limit", "500")])
            )
            .is_err()
        );
        let (filter, page) = parse_list_query(
            Resource::Conferences,
            &params(&[("appId", &app), ("created_at_gte", "2026-01-01")]),
        )
        .unwrap();
        assert_eq!(page.limit, 50);
        assert!(filter.created_gte.is_some());
        assert_eq!(
            parse_list_query(Resource::Conferences, &params(&[("appId", "nope")]))
                .unwrap_err()
                .code(),
            ErrorCode::InvalidParameters
        );
    }

    #[test]
    fn chart_slices_name_their_parameter_and_a_day_is_a_local_day() {
        let app = Uuid::new_v4().to_string();
        let code = |pairs: &[(&str, &str)]| {
            let mut all = vec![("appId", app.as_str())];
            all.extend_from_slice(pairs);
            parse_list_query(Resource::Conferences, &params(&all))
                .unwrap_err()
                .code()
                .as_str()
        };
        assert_eq!(code(&[("day", "2026-02-30")]), "invalid_day");
        assert_eq!(code(&[("status", "fine")]), "invalid_status");
        assert_eq!(code(&[("duration_gte", "-1")]), "invalid_duration");
        assert_eq!(code(&[("setup_time_lt", "soon")]), "invalid_setup_time");
        assert_eq!(
            code(&[("participant_count", "x")]),
            "invalid_participant_count"
        );
        assert_eq!(code(&[("browser", "")]), "invalid_browser");
        assert_eq!(code(&[("tz", "Nowhere/Town")]), "invalid_tz");
        assert_eq!(
            parse_list_query(
                Resource::Sessions,
                &params(&[("appId", &app), ("status", "error")])
            )
            .unwrap_err()
            .code(),
            ErrorCode::InvalidParameters
        );

        // 2026-03-10 in Kolkata (UTC+05:30), cut by a range that starts at noon UTC.
        let (filter, _) = parse_list_query(
            Resource::Conferences,
            &params(&[
                ("appId", &app),
                ("tz", "Asia/Kolkata"),
                ("day", "2026-03-10"),
                ("created_at_gte", "2026-03-10T12:00:00Z"),
            ]),
        )
        .unwrap();
        let micros = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        assert_eq!(filter.created_gte, Some(micros("2026-03-10T12:00:00Z")));
        assert_eq!(filter.created_lte, Some(micros("2026-03-10T18:30:00Z") - 1));
    }
}
