//! The read API's resources: which filters each one accepts and how a filter becomes
//! SQL conditions. The engine code runs the same listing for every resource from this
//! description and returns rows; `http::render` shows them as JSON.

use uuid::Uuid;

use super::models::*;

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

/// The detail of one object: for a conference, with the ids of its participants
/// and issues (empty for every other resource).
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub record: Record,
    pub participants: Vec<Uuid>,
    pub issues: Vec<Uuid>,
}

impl Detail {
    pub fn of(record: Record) -> Self {
        Detail {
            record,
            participants: Vec::new(),
            issues: Vec::new(),
        }
    }

    pub fn conference(&self) -> Option<&ConferenceRow> {
        match &self.record {
            Record::Conference(conference) => Some(conference),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
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
    if let Some(room) = &filter.room {
        out.push(condition("conference_id = ", Bind::Text(room.clone())));
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
            "duration" | "ongoing" | "room" => resource == Conferences,
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
