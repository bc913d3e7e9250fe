//! The read API (`peermetrics-api.md` §3.1): lists and details of apps, conferences,
//! participants, sessions, connections and issues. One generic handler pair serves
//! every resource, restricted to the organizations the caller belongs to: an object of
//! another organization is not found, and no list holds another's rows.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use super::pyjson::PyJson;
use super::render;
use crate::accounts::Caller;
use crate::domain::time::parse_query_time;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::resource::{decode_cursor, encode_cursor, unsupported_filter};
use crate::store::{ListFilter, PageRequest, Resource};

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

/// `created_at_gt`/`_lt` are exclusive forms of the same bounds.
fn time_bounds(params: &HashMap<String, String>) -> ApiResult<(Option<i64>, Option<i64>)> {
    let gte = time_param(params, "created_at_gte")?;
    let gt = time_param(params, "created_at_gt")?.map(|at| at + 1);
    let lte = time_param(params, "created_at_lte")?;
    let lt = time_param(params, "created_at_lt")?.map(|at| at - 1);
    Ok((
        gte.max(gt),
        match (lte, lt) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        },
    ))
}

pub fn parse_list_query(
    resource: Resource,
    params: &HashMap<String, String>,
) -> ApiResult<(ListFilter, PageRequest)> {
    let (created_gte, created_lte) = time_bounds(params)?;
    let filter = ListFilter {
        app_id: uuid_param(params, "appId")?,
        conference_id: uuid_param(params, "conferenceId")?,
        participant_id: uuid_param(params, "participantId")?,
        session_id: uuid_param(params, "sessionId")?,
        created_gte,
        created_lte,
        issue_code: params.get("issue_code").cloned(),
        room: params.get("room").cloned(),
        duration_gte: int_param(params, "duration_gte")?,
        duration_lt: int_param(params, "duration_lt")?,
        ongoing: params
            .get("ongoing")
            .map(|value| match value.as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ApiError::invalid("ongoing must be true or false")),
            })
            .transpose()?,
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
    let limit = int_param(params, "limit")?.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("limit must be between 1 and 200"));
    }
    let before = params
        .get("cursor")
        .map(|cursor| decode_cursor(cursor).ok_or_else(|| ApiError::invalid("cursor is not valid")))
        .transpose()?;
    Ok((filter, PageRequest { limit, before }))
}

pub async fn list(
    resource: Resource,
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let (filter, page) = parse_list_query(resource, &params)?;
    let page = state
        .store
        .list(&caller.visibility(), resource, &filter, &page)
        .await?;
    let results: Vec<_> = page.records.iter().map(render::record_json).collect();
    Ok(PyJson(json!({
        "results": results,
        "count": page.count,
        "next": page.next.map(encode_cursor),
    }))
    .into_response())
}

pub async fn detail(
    resource: Resource,
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let not_found = || ApiError::NotFound(not_found_code(resource));
    let id = Uuid::try_parse(&id).map_err(|_| not_found())?;
    let found = state
        .store
        .get(&caller.visibility(), resource, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(PyJson(json!({ "data": render::detail_json(&found) })).into_response())
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
}
