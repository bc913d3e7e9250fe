//! The summary endpoints and the dashboard bundle: one handler serves them all, the
//! route table says which chart. Every one takes the same parameters with the same
//! meaning: `appId`; `created_at_gte`/`created_at_lte` (default: the last 30 days);
//! `tz` (an IANA zone, default UTC); and the filters `browser`, `os`, `country`,
//! `app_version` (one value or a comma-separated list).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::AppState;
use super::account::visible_app;
use super::pyjson::PyJson;
use crate::accounts::Caller;
use crate::domain::access::Role;
use crate::domain::filter::{Dimension, SessionFilter};
use crate::domain::time::{now_micros, parse_query_time};
use crate::error::{ApiError, ApiResult, ErrorCode, QueryParameter};
use crate::summary::range::{DEFAULT_RANGE_DAYS, RangeError, TimeRange, Zone};
use crate::summary::{Chart, SummaryQuery};

pub fn invalid(parameter: QueryParameter, message: impl Into<String>) -> ApiError {
    ApiError::with_message(ErrorCode::InvalidParameter(parameter), message.into())
}

/// A bound: an instant with `Z` or an offset, a local date-time in `tz`, or a local
/// date (the day's first moment for `created_at_gte`, its last for `_lte`).
fn parse_bound(text: &str, zone: &Zone, end_of_day: bool) -> Option<i64> {
    let text = text.trim();
    if text.len() == 10 {
        let date: jiff::civil::Date = text.parse().ok()?;
        return Some(if end_of_day {
            zone.start_of(date.tomorrow().ok()?) - 1
        } else {
            zone.start_of(date)
        });
    }
    let has_offset = text.ends_with('Z')
        || text.ends_with('z')
        || text
            .get(10..)
            .is_some_and(|clock| clock.contains('+') || clock.contains('-'));
    if has_offset {
        return parse_query_time(text);
    }
    let local: jiff::civil::DateTime = text.replacen(' ', "T", 1).parse().ok()?;
    zone.instant_of(local)
}

/// Reads the parameters every summary shares (the app is checked by `summary_query`).
pub fn parse_summary_query(params: &HashMap<String, String>, now: i64) -> ApiResult<SummaryQuery> {
    let app_id = match params.get("appId").map(String::as_str) {
        None | Some("") => {
            return Err(ApiError::with_message(
                ErrorCode::MissingParameters,
                "appId is required",
            ));
        }
        Some(text) => Uuid::try_parse(text)
            .map_err(|_| invalid(QueryParameter::AppId, "appId must be a UUID"))?,
    };
    let zone = parse_zone(params)?;
    let (gte, lte) = parse_created_bounds(params, &zone)?;
    let default = TimeRange::last_days(now, DEFAULT_RANGE_DAYS);
    let range = match (gte, lte) {
        // Today and the 29 days before it, in the viewer's zone.
        (None, None) => TimeRange::new(
            zone.start_of(
                zone.date_of(now)
                    .checked_sub(jiff::Span::new().days(DEFAULT_RANGE_DAYS - 1))
                    .map_err(|_| invalid(QueryParameter::Range, "now is out of range"))?,
            ),
            now,
        ),
        (Some(from), None) => TimeRange::new(from, now.max(from)),
        (None, Some(to)) => TimeRange::new(to - (default.to - default.from), to),
        (Some(from), Some(to)) => TimeRange::new(from, to),
    }
    .map_err(|error: RangeError| invalid(QueryParameter::Range, error.to_string()))?;
    Ok(SummaryQuery {
        app_id,
        range,
        now,
        zone,
        filter: parse_session_filter(params)?,
    })
}

/// `tz`: an IANA zone name, UTC when absent.
pub fn parse_zone(params: &HashMap<String, String>) -> ApiResult<Zone> {
    match params.get("tz") {
        None => Ok(Zone::utc()),
        Some(name) => Zone::named(name).ok_or_else(|| {
            invalid(
                QueryParameter::Tz,
                "tz must be an IANA time zone name, such as Europe/Berlin",
            )
        }),
    }
}

/// `created_at_gte` and `created_at_lte`, read in `zone` (a bare date is that local
/// day's first or last moment); each error names its parameter.
pub fn parse_created_bounds(
    params: &HashMap<String, String>,
    zone: &Zone,
) -> ApiResult<(Option<i64>, Option<i64>)> {
    let bound = |name: &str, parameter: QueryParameter, end_of_day: bool| {
        params
            .get(name)
            .map(|text| {
                parse_bound(text, zone, end_of_day).ok_or_else(|| {
                    invalid(
                        parameter,
                        format!("{name} must be an ISO 8601 date or time, such as 2026-05-04 or 2026-05-04T10:00:00Z"),
                    )
                })
            })
            .transpose()
    };
    Ok((
        bound("created_at_gte", QueryParameter::CreatedAtGte, false)?,
        bound("created_at_lte", QueryParameter::CreatedAtLte, true)?,
    ))
}

/// The filters `browser`, `os`, `country` and `app_version`.
pub fn parse_session_filter(params: &HashMap<String, String>) -> ApiResult<SessionFilter> {
    let mut filter = SessionFilter::default();
    for dimension in Dimension::ALL {
        if let Some(text) = params.get(dimension.param()) {
            filter
                .set(dimension, text)
                .map_err(|error| invalid(filter_parameter(error.dimension()), error.to_string()))?;
        }
    }
    Ok(filter)
}

pub fn filter_parameter(dimension: Dimension) -> QueryParameter {
    match dimension {
        Dimension::Browser => QueryParameter::Browser,
        Dimension::Os => QueryParameter::Os,
        Dimension::Country => QueryParameter::Country,
        Dimension::AppVersion => QueryParameter::AppVersion,
    }
}

/// The summary query of a request, for an app the caller may see (404 otherwise,
/// exactly as for an unknown app).
pub async fn summary_query(
    state: &AppState,
    caller: &Caller,
    params: &HashMap<String, String>,
) -> ApiResult<SummaryQuery> {
    let query = parse_summary_query(params, now_micros())?;
    visible_app(state, caller, query.app_id, Role::Member).await?;
    Ok(query)
}

pub async fn summary(
    chart: Chart,
    caller: Caller,
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let query = summary_query(&state, &caller, &params).await?;
    let answer = crate::summary::chart(state.store.rollups(), chart, &query).await?;
    Ok(PyJson(answer).into_response())
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

    fn code_of(pairs: &[(&str, &str)]) -> &'static str {
        parse_summary_query(&params(pairs), 1_800_000_000_000_000)
            .unwrap_err()
            .code()
            .as_str()
    }

    #[test]
    fn every_bad_parameter_is_named_in_its_error_code() {
        let app = Uuid::nil().to_string();
        assert_eq!(code_of(&[]), "missing_parameters");
        assert_eq!(code_of(&[("appId", "x")]), "invalid_app_id");
        assert_eq!(
            code_of(&[("appId", &app), ("tz", "Mars/Base")]),
            "invalid_tz"
        );
        assert_eq!(
            code_of(&[("appId", &app), ("created_at_gte", "yesterday")]),
            "invalid_created_at_gte"
        );
        assert_eq!(
            code_of(&[
                ("appId", &app),
                ("created_at_gte", "2026-05-02"),
                ("created_at_lte", "2026-05-01")
            ]),
            "invalid_range"
        );
        assert_eq!(
            code_of(&[("appId", &app), ("browser", "Chrome,")]),
            "invalid_browser"
        );
        assert_eq!(
            code_of(&[("appId", &app), ("app_version", &"x".repeat(200))]),
            "invalid_app_version"
        );
    }

    #[test]
    fn the_default_range_is_today_and_the_29_days_before_in_the_viewers_zone() {
        let app = Uuid::nil().to_string();
        // 2026-05-04T20:00:00Z is already May 5th in Kolkata.
        let now = 1_777_924_800_000_000;
        let query =
            parse_summary_query(&params(&[("appId", &app), ("tz", "Asia/Kolkata")]), now).unwrap();
        assert_eq!(query.range.to, now);
        let first: jiff::civil::Date = "2026-04-06".parse().unwrap();
        assert_eq!(query.range.from, query.zone.start_of(first));
    }

    #[test]
    fn local_dates_are_whole_local_days() {
        let app = Uuid::nil().to_string();
        let range = parse_summary_query(
            &params(&[
                ("appId", &app),
                ("tz", "Asia/Kolkata"),
                ("created_at_gte", "2026-05-04"),
                ("created_at_lte", "2026-05-04"),
            ]),
            0,
        )
        .unwrap()
        .range;
        let start = parse_query_time("2026-05-03T18:30:00Z").unwrap();
        assert_eq!(range.from, start);
        assert_eq!(range.to, start + 86_400_000_000 - 1);
        // A local time without offset is read in tz; one with an offset as given.
        let range = parse_summary_query(
            &params(&[
                ("appId", &app),
                ("tz", "Asia/Kolkata"),
                ("created_at_gte", "2026-05-04T05:30:00"),
                ("created_at_lte", "2026-05-04T10:00:00+00:00"),
            ]),
            0,
        )
        .unwrap()
        .range;
        assert_eq!(
            range.from,
            parse_query_time("2026-05-04T00:00:00Z").unwrap()
        );
        assert_eq!(range.to, parse_query_time("2026-05-04T10:00:00Z").unwrap());
    }
}
