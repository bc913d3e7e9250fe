//! `GET /v1/search?q=…`: conferences and participants by customer id or name, in the
//! caller's organizations only (PeerMetrics searched every tenant, API keys included).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::AppState;
use super::pyjson::PyJson;
use crate::accounts::Caller;
use crate::domain::time::format_pm;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::drilldown::{SearchHit, SearchKind};

pub const MAX_QUERY_CHARS: usize = 100;

pub async fn search(
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let text = params.get("q").map(|q| q.trim()).unwrap_or_default();
    if text.is_empty() {
        return Err(ApiError::with_message(
            ErrorCode::MissingParameters,
            "q is required",
        ));
    }
    if text.chars().count() > MAX_QUERY_CHARS || text.contains('\0') {
        return Err(ApiError::invalid(format!(
            "q must be 1 to {MAX_QUERY_CHARS} characters of text"
        )));
    }
    let limit = super::read::limit_param(&params, 10, 50)?;
    let visible = caller.visibility();
    let drilldown = state.store.drilldown();
    // Two independent reads: side by side.
    let (conferences, participants) = tokio::try_join!(
        drilldown.search(&visible, SearchKind::Conference, text, limit),
        drilldown.search(&visible, SearchKind::Participant, text, limit),
    )?;

    // Best rank first; within a rank, the newest; conferences before participants.
    let mut hits: Vec<(SearchKind, SearchHit)> = conferences
        .into_iter()
        .map(|hit| (SearchKind::Conference, hit))
        .chain(
            participants
                .into_iter()
                .map(|hit| (SearchKind::Participant, hit)),
        )
        .collect();
    hits.sort_by_key(|(kind, hit)| {
        (
            hit.rank,
            std::cmp::Reverse(hit.created_at),
            *kind == SearchKind::Participant,
        )
    });
    hits.truncate(limit as usize);
    Ok(PyJson(json!({
        "query": text,
        "results": hits.iter().map(|(kind, hit)| hit_json(*kind, hit)).collect::<Vec<_>>(),
    }))
    .into_response())
}

fn hit_json(kind: SearchKind, hit: &SearchHit) -> Value {
    let mut json = json!({
        "kind": match kind {
            SearchKind::Conference => "conference",
            SearchKind::Participant => "participant",
        },
        "id": hit.id,
        "app": hit.app_id,
        "app_name": hit.app_name,
        "customer_id": hit.customer_id,
        "name": hit.name,
        "created_at": format_pm(hit.created_at),
    });
    if kind == SearchKind::Conference {
        json["ongoing"] = json!(hit.ongoing.unwrap_or(false));
    }
    json
}
