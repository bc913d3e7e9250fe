//! What a conference adds to each dashboard chart: one pure function of the
//! conference's facts and rows, used alike by ingest (the rollup deltas of a batch are
//! "after minus before"), by `rollups rebuild`, by the demo seeder, and by reads that
//! no rollup cell can answer (they evaluate it over the rows of the range).
//!
//! Every row counts in the time bucket of its conference's `created_at`: a conference
//! is in range when its `created_at` is, and its sessions, connections and issues come
//! with it (the filter rule of [`crate::domain::filter`]).

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::filter::{Dimension, SessionDimensions, SessionFilter};

/// A chart's counter. Conference metrics count conferences (each at most once per
/// key); the others count rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i16)]
pub enum Metric {
    /// Key: `ongoing`, `error`, `warning` or `success`.
    ConferenceStatus = 1,
    /// Key: the duration bucket's index.
    ConferenceDuration = 2,
    /// Key: the number of participants.
    ConferenceParticipants = 3,
    /// Key: an issue code; conferences with at least one such issue.
    IssueConferences = 4,
    /// Key: an issue code; issues.
    Issues = 5,
    /// Key: `name\u{1f}message` of a getUserMedia error; issues.
    GetUserMediaErrors = 6,
    /// Key: the setup-time bucket's index; connections.
    SetupTime = 7,
    /// Key: the local candidate type; connections.
    ConnectionType = 8,
    /// Keys: a session's browser, OS, country, city and app version; sessions.
    Browser = 9,
    Os = 10,
    Country = 11,
    /// Key: `country\u{1f}city\u{1f}latitude\u{1f}longitude` (coordinates to 0.01°).
    City = 12,
    AppVersion = 13,
    /// Key: empty; the active seconds of the conferences (their `duration_s`),
    /// under the unfiltered point only: the app's `durations_days`.
    ActiveSeconds = 15,
    /// Key: a value-set point of one dimension (`browser∈Chrome\u{1f}Safari`), kept
    /// under that dimension's [`set_point_prefix`]: which value-set points hold
    /// cells in a range, so a list filter knows which ones to read.
    ValueSets = 14,
}

impl Metric {
    pub const ALL: [Metric; 15] = [
        Metric::ConferenceStatus,
        Metric::ConferenceDuration,
        Metric::ConferenceParticipants,
        Metric::IssueConferences,
        Metric::Issues,
        Metric::GetUserMediaErrors,
        Metric::SetupTime,
        Metric::ConnectionType,
        Metric::Browser,
        Metric::Os,
        Metric::Country,
        Metric::City,
        Metric::AppVersion,
        Metric::ActiveSeconds,
        Metric::ValueSets,
    ];

    /// Whether the metric counts conferences (each at most once per key), rather
    /// than rows of sessions, connections or issues.
    pub fn counts_conferences(self) -> bool {
        matches!(
            self,
            Metric::ConferenceStatus
                | Metric::ConferenceDuration
                | Metric::ConferenceParticipants
                | Metric::IssueConferences
                | Metric::ValueSets
        )
    }

    pub fn code(self) -> i16 {
        self as i16
    }

    pub fn from_code(code: i16) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.code() == code)
    }
}

/// Separates the parts of a composite key.
pub const KEY_SEPARATOR: char = '\u{1f}';

/// A half-open range `[min, max)`; `max` is `None` for the last, open bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub label: &'static str,
    pub min: i64,
    pub max: Option<i64>,
}

const fn bucket(label: &'static str, min: i64, max: Option<i64>) -> Bucket {
    Bucket { label, min, max }
}

/// PeerMetrics' 12 conference-duration buckets, in seconds (`peermetrics-api.md`
/// §3.3.2).
pub const DURATION_BUCKETS: [Bucket; 12] = [
    bucket("< 1 m", 0, Some(60)),
    bucket("1 - 3 m", 60, Some(180)),
    bucket("3 - 5 m", 180, Some(300)),
    bucket("5 - 10 m", 300, Some(600)),
    bucket("10 - 15 m", 600, Some(900)),
    bucket("15 - 20 m", 900, Some(1200)),
    bucket("20 - 25 m", 1200, Some(1500)),
    bucket("25 - 30 m", 1500, Some(1800)),
    bucket("30 - 40 m", 1800, Some(2400)),
    bucket("40 - 50 m", 2400, Some(3000)),
    bucket("50 - 60 m", 3000, Some(3600)),
    bucket("> 60 m", 3600, None),
];

/// PeerMetrics' 11 call-setup-time buckets, in milliseconds (§3.4.4).
pub const SETUP_TIME_BUCKETS: [Bucket; 11] = [
    bucket("< 250 ms", 0, Some(250)),
    bucket("250 - 500 ms", 250, Some(500)),
    bucket("500 - 750 ms", 500, Some(750)),
    bucket("750 - 1000 ms", 750, Some(1000)),
    bucket("1000 - 1500 ms", 1000, Some(1500)),
    bucket("1500 - 2000 ms", 1500, Some(2000)),
    bucket("2000 - 2500 ms", 2000, Some(2500)),
    bucket("2500 - 3000 ms", 2500, Some(3000)),
    bucket("3000 - 4000 ms", 3000, Some(4000)),
    bucket("4000 - 5000 ms", 4000, Some(5000)),
    bucket("> 5000 ms", 5000, None),
];

/// The bucket holding `value`; negative values (clock skew) hold none.
pub fn bucket_of(buckets: &[Bucket], value: i64) -> Option<usize> {
    if value < 0 {
        return None;
    }
    buckets
        .iter()
        .position(|b| value >= b.min && b.max.is_none_or(|max| value < max))
}

/// A conference's status, mutually exclusive: ongoing first, then error, then
/// warning, then success.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Ongoing,
    Error,
    Warning,
    Success,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Ongoing,
        Status::Error,
        Status::Warning,
        Status::Success,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ongoing => "ongoing",
            Status::Error => "error",
            Status::Warning => "warning",
            Status::Success => "success",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The position in [`Status::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What a conference's charts are computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConferenceInputs {
    pub id: Uuid,
    pub app_id: Uuid,
    pub created_at: i64,
    pub ongoing: bool,
    pub duration_s: i64,
    pub participant_count: i64,
    pub sessions: Vec<SessionInputs>,
    pub connections: Vec<ConnectionInputs>,
    pub issues: Vec<IssueInputs>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionInputs {
    pub id: Uuid,
    pub dimensions: SessionDimensions,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionInputs {
    pub session_id: Uuid,
    /// The local candidate type (`host`, `srflx`, `prflx`, `relay`).
    pub kind: Option<String>,
    pub setup_time_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueInputs {
    pub session_id: Uuid,
    pub is_error: bool,
    pub code: String,
    /// For getUserMedia errors: the error's name and message.
    pub data: Option<String>,
}

impl ConferenceInputs {
    /// A conference's own facts, without its rows yet.
    pub fn of_facts(facts: &super::conference::ConferenceFacts) -> Self {
        Self {
            id: facts.id,
            app_id: facts.app_id,
            created_at: facts.created_at,
            ongoing: facts.ongoing,
            duration_s: facts.duration_s,
            participant_count: facts.participant_count,
            ..Self::default()
        }
    }

    pub fn status(&self) -> Status {
        if self.ongoing {
            Status::Ongoing
        } else if self.issues.iter().any(|i| i.is_error) {
            Status::Error
        } else if !self.issues.is_empty() {
            Status::Warning
        } else {
            Status::Success
        }
    }
}

/// The (dimension, value) pairs a rollup cell is restricted to, in dimension order;
/// empty for "every session". Encoded as `dim=value` joined by the key separator.
pub type FilterPoint = Vec<(Dimension, String)>;

pub fn encode_point(point: &[(Dimension, impl AsRef<str>)]) -> String {
    let mut text = String::new();
    for (index, (dimension, value)) in point.iter().enumerate() {
        if index > 0 {
            text.push(KEY_SEPARATOR);
        }
        text.push_str(dimension.param());
        text.push('=');
        text.push_str(value.as_ref());
    }
    text
}

/// One counter's increment: `(metric, key) += n`.
pub type Counts = BTreeMap<(Metric, String), i64>;

/// What the conference adds to every chart, counting only rows of sessions that
/// `matches` accepts. `everything` says that no filter applies: then the conference
/// counts even without a matching session.
pub fn contribute(
    conference: &ConferenceInputs,
    matches: &dyn Fn(&SessionDimensions) -> bool,
    everything: bool,
    out: &mut Counts,
) {
    let matching: BTreeSet<Uuid> = conference
        .sessions
        .iter()
        .filter(|s| matches(&s.dimensions))
        .map(|s| s.id)
        .collect();
    let mut add = |metric: Metric, key: String, n: i64| {
        *out.entry((metric, key)).or_insert(0) += n;
    };
    if everything || !matching.is_empty() {
        add(
            Metric::ConferenceStatus,
            conference.status().as_str().into(),
            1,
        );
        if let Some(index) = bucket_of(&DURATION_BUCKETS, conference.duration_s) {
            add(Metric::ConferenceDuration, index.to_string(), 1);
        }
        add(
            Metric::ConferenceParticipants,
            conference.participant_count.to_string(),
            1,
        );
    }
    let mut codes = BTreeSet::new();
    for issue in &conference.issues {
        if !matching.contains(&issue.session_id) {
            continue;
        }
        codes.insert(issue.code.as_str());
        add(Metric::Issues, issue.code.clone(), 1);
        if issue.code == "getusermedia_error" {
            add(
                Metric::GetUserMediaErrors,
                gum_key(issue.data.as_deref()),
                1,
            );
        }
    }
    for code in codes {
        add(Metric::IssueConferences, code.to_owned(), 1);
    }
    for connection in &conference.connections {
        if !matching.contains(&connection.session_id) {
            continue;
        }
        if let Some(index) = connection
            .setup_time_ms
            .and_then(|ms| bucket_of(&SETUP_TIME_BUCKETS, ms))
        {
            add(Metric::SetupTime, index.to_string(), 1);
        }
        if let Some(kind) = &connection.kind {
            add(Metric::ConnectionType, kind.clone(), 1);
        }
    }
    for session in &conference.sessions {
        if !matching.contains(&session.id) {
            continue;
        }
        for (metric, dimension) in [
            (Metric::Browser, Dimension::Browser),
            (Metric::Os, Dimension::Os),
            (Metric::Country, Dimension::Country),
            (Metric::AppVersion, Dimension::AppVersion),
        ] {
            if let Some(value) = session.dimensions.get(dimension) {
                add(metric, value.to_owned(), 1);
            }
        }
        if let Some(key) = city_key(session) {
            add(Metric::City, key, 1);
        }
    }
}

/// What the conference adds to the charts under `filter`.
pub fn contribute_filtered(
    conference: &ConferenceInputs,
    filter: &SessionFilter,
    out: &mut Counts,
) {
    contribute(conference, &|s| filter.matches(s), filter.is_empty(), out);
}

/// The points a conference's rollup cells are kept for: every session (the empty
/// point), each (dimension, value) its sessions hold, and each pair of them that one
/// session holds together. So a filter of one value on one or two dimensions is read
/// from cells, and a conference counts once under each point, never twice: the points
/// are a set. Keys grow with the values present, not with the conferences: at most
/// 1 + 4 + 6 points per session, shared by every conference with the same values.
pub fn points_of(conference: &ConferenceInputs) -> Vec<FilterPoint> {
    let mut points: BTreeSet<FilterPoint> = BTreeSet::new();
    points.insert(Vec::new());
    for session in &conference.sessions {
        let present: Vec<(Dimension, &str)> = Dimension::ALL
            .into_iter()
            .filter_map(|d| session.dimensions.get(d).map(|v| (d, v)))
            .collect();
        for (index, (dimension, value)) in present.iter().enumerate() {
            points.insert(vec![(*dimension, (*value).to_owned())]);
            for (other, other_value) in &present[index + 1..] {
                points.insert(vec![
                    (*dimension, (*value).to_owned()),
                    (*other, (*other_value).to_owned()),
                ]);
            }
        }
    }
    points.into_iter().collect()
}

/// The point under which a dimension's value-set points are registered
/// ([`Metric::ValueSets`]), e.g. `browser∈`.
pub fn set_point_prefix(dimension: Dimension) -> String {
    format!("{}∈", dimension.param())
}

/// A value-set point: the distinct values of one dimension that a conference's
/// sessions (or the sessions carrying something) hold, e.g. `browser∈Chrome␟Safari`.
pub fn encode_set_point(dimension: Dimension, values: &BTreeSet<&str>) -> String {
    let mut point = set_point_prefix(dimension);
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            point.push(KEY_SEPARATOR);
        }
        point.push_str(value);
    }
    point
}

/// The values of a value-set point (`None` when the point is not one of `dimension`).
pub fn decode_set_point(dimension: Dimension, point: &str) -> Option<Vec<&str>> {
    let rest = point.strip_prefix(dimension.param())?.strip_prefix('∈')?;
    Some(rest.split(KEY_SEPARATOR).collect())
}

/// The conference charts keyed by value sets, for filters listing several values of
/// one dimension. A conference counts under a list when at least one of its sessions
/// holds a listed value, that is, when the set of values its sessions hold meets the
/// list; summing the cells of every set that meets the list counts it exactly once.
/// The sets are those of the conference's sessions for status, duration and
/// participants, and those of the sessions carrying the issue for the conferences an
/// issue affects. Sets stay few: a conference has a handful of participants, so its
/// sets are small subsets of the values present.
fn value_set_counts(
    conference: &ConferenceInputs,
    out: &mut BTreeMap<(String, Metric, String), i64>,
) {
    let mut add = |point: &String, metric: Metric, key: String| {
        *out.entry((point.clone(), metric, key)).or_insert(0) += 1;
    };
    // The sessions carrying each issue code, found once for the four dimensions.
    let mut carriers: BTreeMap<&str, BTreeSet<Uuid>> = BTreeMap::new();
    for issue in &conference.issues {
        carriers
            .entry(issue.code.as_str())
            .or_default()
            .insert(issue.session_id);
    }
    for dimension in Dimension::ALL {
        fn values_of<'a>(
            sessions: impl Iterator<Item = &'a SessionInputs>,
            dimension: Dimension,
        ) -> BTreeSet<&'a str> {
            sessions
                .filter_map(|s| s.dimensions.get(dimension))
                .collect()
        }
        let registry = set_point_prefix(dimension);
        let all = values_of(conference.sessions.iter(), dimension);
        if !all.is_empty() {
            let point = encode_set_point(dimension, &all);
            add(
                &point,
                Metric::ConferenceStatus,
                conference.status().as_str().into(),
            );
            if let Some(index) = bucket_of(&DURATION_BUCKETS, conference.duration_s) {
                add(&point, Metric::ConferenceDuration, index.to_string());
            }
            add(
                &point,
                Metric::ConferenceParticipants,
                conference.participant_count.to_string(),
            );
            add(&registry, Metric::ValueSets, point);
        }
        for (code, sessions) in &carriers {
            let values = values_of(
                conference
                    .sessions
                    .iter()
                    .filter(|s| sessions.contains(&s.id)),
                dimension,
            );
            if !values.is_empty() {
                let point = encode_set_point(dimension, &values);
                add(&point, Metric::IssueConferences, (*code).to_owned());
                add(&registry, Metric::ValueSets, point);
            }
        }
    }
}

/// Everything a conference adds to the rollup cells: `(point, metric, key) -> n`.
pub fn rollup_counts(conference: &ConferenceInputs) -> BTreeMap<(String, Metric, String), i64> {
    let mut all = BTreeMap::new();
    value_set_counts(conference, &mut all);
    for point in points_of(conference) {
        let mut counts = Counts::new();
        let everything = point.is_empty();
        contribute(
            conference,
            &|s| point.iter().all(|(d, v)| s.get(*d) == Some(v.as_str())),
            everything,
            &mut counts,
        );
        let encoded = encode_point(&point);
        for ((metric, key), n) in counts {
            all.insert((encoded.clone(), metric, key), n);
        }
    }
    if conference.duration_s != 0 {
        all.insert(
            (String::new(), Metric::ActiveSeconds, String::new()),
            conference.duration_s,
        );
    }
    all
}

/// `name\u{1f}message` of a getUserMedia error; `Unknown` without a name.
pub fn gum_key(data: Option<&str>) -> String {
    let parsed: Option<serde_json::Value> = data.and_then(|d| serde_json::from_str(d).ok());
    let text = |field: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(field))
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let name = text("name").unwrap_or_else(|| "Unknown".into());
    let message = text("message").unwrap_or_default();
    format!("{name}{KEY_SEPARATOR}{message}")
}

/// A city on the map: its country, name and coordinates rounded to 0.01°. Sessions
/// without a city or with coordinates (0, 0) are not on the map.
pub fn city_key(session: &SessionInputs) -> Option<String> {
    let city = session.city.as_deref().filter(|c| !c.is_empty())?;
    let (latitude, longitude) = (session.latitude?, session.longitude?);
    if !latitude.is_finite() || !longitude.is_finite() || (latitude == 0.0 && longitude == 0.0) {
        return None;
    }
    let country = session.dimensions.get(Dimension::Country).unwrap_or("");
    Some(format!(
        "{country}{KEY_SEPARATOR}{city}{KEY_SEPARATOR}{:.2}{KEY_SEPARATOR}{:.2}",
        latitude, longitude
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: u128, browser: &str, country: &str) -> SessionInputs {
        SessionInputs {
            id: Uuid::from_u128(id),
            dimensions: SessionDimensions {
                values: [
                    Some(browser.into()),
                    Some("Windows".into()),
                    Some(country.into()),
                    None,
                ],
            },
            city: None,
            latitude: None,
            longitude: None,
        }
    }

    fn conference() -> ConferenceInputs {
        ConferenceInputs {
            id: Uuid::from_u128(9),
            duration_s: 61,
            participant_count: 3,
            sessions: vec![
                session(1, "Chrome", "US"),
                session(2, "Chrome", "GB"),
                session(3, "Safari", "US"),
            ],
            issues: vec![IssueInputs {
                session_id: Uuid::from_u128(3),
                is_error: false,
                code: "high_rtt".into(),
                data: None,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn a_conference_counts_once_under_each_value_its_sessions_hold() {
        let counts = rollup_counts(&conference());
        let status = |point: &str| {
            counts
                .get(&(point.to_owned(), Metric::ConferenceStatus, "warning".into()))
                .copied()
        };
        assert_eq!(status(""), Some(1));
        assert_eq!(status("browser=Chrome"), Some(1));
        assert_eq!(status("browser=Safari"), Some(1));
        assert_eq!(status("browser=Firefox"), None);
        // Pairs are kept only as one session holds them: no session is Safari in GB.
        assert_eq!(status("browser=Chrome\u{1f}country=GB"), Some(1));
        assert_eq!(status("browser=Safari\u{1f}country=GB"), None);
        // Sessions are rows: two Chrome sessions count twice under browser=Chrome.
        assert_eq!(
            counts.get(&("browser=Chrome".into(), Metric::Browser, "Chrome".into())),
            Some(&2)
        );
        // The issue belongs to the Safari session only.
        assert_eq!(
            counts.get(&("browser=Chrome".into(), Metric::Issues, "high_rtt".into())),
            None
        );
        assert_eq!(
            counts.get(&(
                "country=US".into(),
                Metric::IssueConferences,
                "high_rtt".into()
            )),
            Some(&1)
        );
    }

    #[test]
    fn a_list_counts_a_conference_once() {
        let filter = SessionFilter::default().with(Dimension::Browser, &["Chrome", "Safari"]);
        let mut counts = Counts::new();
        contribute_filtered(&conference(), &filter, &mut counts);
        assert_eq!(
            counts.get(&(Metric::ConferenceStatus, "warning".into())),
            Some(&1)
        );
        assert_eq!(counts.get(&(Metric::Browser, "Chrome".into())), Some(&2));
    }

    #[test]
    fn without_a_session_a_conference_counts_only_unfiltered() {
        let empty = ConferenceInputs::default();
        let mut counts = Counts::new();
        contribute_filtered(&empty, &SessionFilter::default(), &mut counts);
        assert_eq!(
            counts.get(&(Metric::ConferenceStatus, "success".into())),
            Some(&1)
        );
        let mut filtered = Counts::new();
        contribute_filtered(
            &empty,
            &SessionFilter::default().with(Dimension::Os, &["Linux"]),
            &mut filtered,
        );
        assert!(filtered.is_empty());
    }

    #[test]
    fn buckets_are_half_open() {
        assert_eq!(bucket_of(&DURATION_BUCKETS, 59), Some(0));
        assert_eq!(bucket_of(&DURATION_BUCKETS, 60), Some(1));
        assert_eq!(bucket_of(&DURATION_BUCKETS, 1_000_000), Some(11));
        assert_eq!(bucket_of(&SETUP_TIME_BUCKETS, 5000), Some(10));
        assert_eq!(bucket_of(&SETUP_TIME_BUCKETS, -1), None);
    }

    #[test]
    fn value_sets_count_a_conference_once_under_the_values_its_sessions_hold() {
        let counts = rollup_counts(&conference());
        let browsers = encode_set_point(Dimension::Browser, &["Chrome", "Safari"].into());
        assert_eq!(
            counts.get(&(browsers.clone(), Metric::ConferenceStatus, "warning".into())),
            Some(&1)
        );
        assert_eq!(
            counts.get(&(
                set_point_prefix(Dimension::Browser),
                Metric::ValueSets,
                browsers.clone()
            )),
            Some(&1)
        );
        // Only the Safari session carries the issue.
        let safari = encode_set_point(Dimension::Browser, &["Safari"].into());
        assert_eq!(
            counts.get(&(safari, Metric::IssueConferences, "high_rtt".into())),
            Some(&1)
        );
        assert_eq!(
            counts.get(&(
                browsers.clone(),
                Metric::IssueConferences,
                "high_rtt".into()
            )),
            None
        );
        assert_eq!(
            decode_set_point(Dimension::Browser, &browsers),
            Some(vec!["Chrome", "Safari"])
        );
        assert_eq!(decode_set_point(Dimension::Os, &browsers), None);
    }
}
