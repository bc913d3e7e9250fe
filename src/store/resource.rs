//! The read API's resources: which filters each one accepts and how a filter becomes
//! SQL conditions. The engine code runs the same listing for every resource from this
//! description and returns rows; `http::render` shows them as JSON.

use uuid::Uuid;

use super::models::*;
use crate::domain::filter::{Dimension, SessionFilter};
use crate::domain::rollup::Status;

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
    /// The customer's conference id: a standing room's conferences.
    pub room: Option<String>,
    /// Text the customer's conference id starts with, or the conference's name
    /// contains (any case): the dashboard's search box.
    pub search: Option<String>,
    /// The slices of the dashboard's charts (conferences only): each selects the
    /// conferences its bar counted, under the filter rule of `domain::filter`.
    pub status: Option<Status>,
    pub participant_count: Option<i64>,
    pub setup_time_gte: Option<i64>,
    pub setup_time_lt: Option<i64>,
    pub connection_type: Option<String>,
    pub city: Option<String>,
    pub sessions: SessionFilter,
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
    /// The `(created_at, id)` of the last row already shown: the page continues
    /// strictly past it, in the page's order.
    pub after: Option<(i64, Uuid)>,
    /// Oldest first instead of newest first.
    pub oldest_first: bool,
    /// Whether to count every row the filter selects (a second query). A caller
    /// that knows the total another way, such as a chart's bar, skips it.
    pub with_count: bool,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            after: None,
            oldest_first: false,
            with_count: true,
        }
    }
}

/// One stored object of any resource. Large rows are boxed so a page of small
/// ones stays small.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    App(AppRecord),
    Conference(ConferenceRow),
    Participant(ParticipantRow),
    Session(Box<SessionRow>),
    Connection(Box<ConnectionRow>),
    Issue(IssueRow),
}

impl Record {
    pub fn conference(&self) -> Option<&ConferenceRow> {
        match self {
            Record::Conference(conference) => Some(conference),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    /// Every row the filter selects, when asked for.
    pub count: Option<i64>,
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

/// A piece of a condition: SQL text or a bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Fragment {
    Sql(&'static str),
    Bind(Bind),
}

/// One parameterised condition, ANDed with the others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Condition(pub Vec<Fragment>);

impl Condition {
    fn sql(mut self, text: &'static str) -> Self {
        self.0.push(Fragment::Sql(text));
        self
    }

    fn bind(mut self, value: Bind) -> Self {
        self.0.push(Fragment::Bind(value));
        self
    }

    /// ` and s.<column> in (…)` for each filtered dimension: the session `s` matches.
    fn session_matches(mut self, filter: &SessionFilter) -> Self {
        for dimension in filter.dimensions() {
            self = self.sql(match dimension {
                Dimension::Browser => " and s.browser_name in (",
                Dimension::Os => " and s.os_name in (",
                Dimension::Country => " and s.country_code in (",
                Dimension::AppVersion => " and s.app_version in (",
            });
            for (index, value) in filter.list(dimension).iter().enumerate() {
                if index > 0 {
                    self = self.sql(", ");
                }
                self = self.bind(Bind::Text(value.clone()));
            }
            self = self.sql(")");
        }
        self
    }
}

fn condition(sql: &'static str, bind: Bind) -> Condition {
    Condition::default().sql(sql).bind(bind)
}

fn subquery(sql: &'static str, bind: Bind) -> Condition {
    condition(sql, bind).sql(")")
}

/// The conditions a filter means for a resource. Filters a resource does not support
/// are reported by [`unsupported_filter`] before this runs.
///
/// For conferences, the chart slices follow the filter rule: a row counts when it
/// belongs to a session of the same conference that the filter matches, so under a
/// filter every row-level slice joins its row to that session (`s`). Without one,
/// every session matches, and ingest only ever files a connection or an issue under
/// its own session's conference, so the join is left out.
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
            Conferences => Condition::default()
                .sql(if filter.sessions.is_empty() {
                    "exists (select 1 from issue i where i.conference_id = conference.id and i.code = "
                } else {
                    "exists (select 1 from issue i join session s on s.id = i.session_id \
                     and s.conference_id = conference.id \
                     where i.conference_id = conference.id and i.code = "
                })
                .bind(Bind::Text(code.clone()))
                .session_matches(&filter.sessions)
                .sql(")"),
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
    if let Some(room) = &filter.room {
        out.push(condition("conference_id = ", Bind::Text(room.clone())));
    }
    if let Some(text) = &filter.search {
        // LIKE's own wildcards in the text are escaped, so they match themselves;
        // `lower` on both sides because PostgreSQL's LIKE heeds case.
        let escaped = text
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        out.push(
            Condition::default()
                .sql("(lower(conference_id) like ")
                .bind(Bind::Text(format!("{escaped}%")))
                .sql(" escape '\\' or lower(conference_name) like ")
                .bind(Bind::Text(format!("%{escaped}%")))
                .sql(" escape '\\')"),
        );
    }
    if let Some(status) = filter.status {
        // The statuses exclude each other in this order: ongoing, error, warning, success.
        let any_issue = "exists (select 1 from issue i where i.conference_id = conference.id)";
        let any_error = "exists (select 1 from issue i where i.conference_id = conference.id \
                         and i.severity = 'error')";
        let mut sql = Condition::default();
        sql = match status {
            Status::Ongoing => sql.sql("ongoing = ").bind(Bind::Flag(true)),
            Status::Error => sql
                .sql("ongoing = ")
                .bind(Bind::Flag(false))
                .sql(" and ")
                .sql(any_error),
            Status::Warning => sql
                .sql("ongoing = ")
                .bind(Bind::Flag(false))
                .sql(" and not ")
                .sql(any_error)
                .sql(" and ")
                .sql(any_issue),
            Status::Success => sql
                .sql("ongoing = ")
                .bind(Bind::Flag(false))
                .sql(" and not ")
                .sql(any_issue),
        };
        out.push(sql);
    }
    if let Some(count) = filter.participant_count {
        out.push(condition("participant_count = ", Bind::Int(count)));
    }
    if filter.connection_type.is_some()
        || filter.setup_time_gte.is_some()
        || filter.setup_time_lt.is_some()
    {
        // One connection must satisfy both when both are given.
        let mut sql = Condition::default().sql(if filter.sessions.is_empty() {
            "exists (select 1 from connection x where x.conference_id = conference.id"
        } else {
            "exists (select 1 from connection x join session s on s.id = x.session_id \
             and s.conference_id = conference.id where x.conference_id = conference.id"
        });
        if let Some(kind) = &filter.connection_type {
            sql = sql.sql(" and x.type = ").bind(Bind::Text(kind.clone()));
        }
        if let Some(ms) = filter.setup_time_gte {
            sql = sql.sql(" and x.setup_time_ms >= ").bind(Bind::Int(ms));
        }
        if let Some(ms) = filter.setup_time_lt {
            sql = sql.sql(" and x.setup_time_ms < ").bind(Bind::Int(ms));
        }
        out.push(sql.session_matches(&filter.sessions).sql(")"));
    }
    if let Some(city) = &filter.city {
        // As on the map: a session with the city and real coordinates.
        out.push(
            Condition::default()
                .sql("exists (select 1 from session s where s.conference_id = conference.id and s.city = ")
                .bind(Bind::Text(city.clone()))
                .sql(
                    " and s.latitude is not null and s.longitude is not null \
                     and not (s.latitude = 0 and s.longitude = 0)",
                )
                .session_matches(&filter.sessions)
                .sql(")"),
        );
    }
    if resource == Conferences && !filter.sessions.is_empty() {
        out.push(
            Condition::default()
                .sql("exists (select 1 from session s where s.conference_id = conference.id")
                .session_matches(&filter.sessions)
                .sql(")"),
        );
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
            "duration" | "ongoing" | "room" | "search" | "status" | "participant_count"
            | "setup_time" | "connection_type" | "city" | "filters" => resource == Conferences,
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
        ("room", filter.room.is_some()),
        ("search", filter.search.is_some()),
        ("status", filter.status.is_some()),
        ("participant_count", filter.participant_count.is_some()),
        (
            "setup_time",
            filter.setup_time_gte.is_some() || filter.setup_time_lt.is_some(),
        ),
        ("connection_type", filter.connection_type.is_some()),
        ("city", filter.city.is_some()),
        ("filters", !filter.sessions.is_empty()),
    ];
    used.into_iter()
        .find(|(name, present)| *present && !supports(name))
        .map(|(name, _)| name)
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
        let Fragment::Sql(text) = &conditions[0].0[0] else {
            panic!("a condition starts with SQL")
        };
        assert!(text.contains("conference_participant"));
        assert_eq!(conditions[0].0.last(), Some(&Fragment::Sql(")")));
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
