//! The charts of the app dashboard, shaped as PeerMetrics' summary endpoints answer
//! them (`peermetrics-api.md` §3.3–3.4), with what they lack added: empty days, the
//! conferences each issue affects, connection types, app versions, city countries.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::tally::Tally;
use crate::domain::issue::IssueCode;
use crate::domain::rollup::{
    Counts, DURATION_BUCKETS, KEY_SEPARATOR, Metric, SETUP_TIME_BUCKETS, Status,
};

/// Conferences of one local day, by status.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct DayCount {
    /// The local date, `YYYY-MM-DD`.
    pub date: String,
    pub success: i64,
    pub warning: i64,
    pub error: i64,
    pub ongoing: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct IssueCount {
    pub code: String,
    pub title: String,
    /// Issues of matching sessions.
    pub count: i64,
    /// Conferences with at least one such issue from a matching session.
    pub conferences: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct GetUserMediaCount {
    pub name: String,
    /// The message most often seen with this name.
    pub message: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct DurationCount {
    pub range: String,
    pub min_sec: i64,
    pub max_sec: Option<i64>,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct SetupTimeCount {
    pub range: String,
    pub min_ms: i64,
    pub max_ms: Option<i64>,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ParticipantCount {
    pub participants: i64,
    pub conferences: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct NameCount {
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct TypeCount {
    #[serde(rename = "type")]
    pub kind: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct CountryCount {
    pub code: String,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CityCount {
    pub city: String,
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct SessionSummary {
    pub browsers: Vec<NameCount>,
    pub os: Vec<NameCount>,
    pub countries: Vec<CountryCount>,
    pub cities: Vec<CityCount>,
    pub app_versions: Vec<NameCount>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ConnectionSummary {
    /// `Direct` and `Relayed`, both always present.
    pub data: Vec<NameCount>,
    /// Connections per local candidate type.
    pub types: Vec<TypeCount>,
}

/// Values of one filter dimension present in the range, with their sessions.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FilterChoices {
    pub browser: Vec<NameCount>,
    pub os: Vec<NameCount>,
    pub country: Vec<NameCount>,
    pub app_version: Vec<NameCount>,
}

pub fn conferences_per_day(tally: &Tally) -> Vec<DayCount> {
    tally
        .days
        .iter()
        .zip(&tally.daily)
        .map(|(day, counts)| {
            let at =
                |status: Status| counts[Status::ALL.iter().position(|s| *s == status).unwrap_or(0)];
            DayCount {
                date: day.date.to_string(),
                success: at(Status::Success),
                warning: at(Status::Warning),
                error: at(Status::Error),
                ongoing: at(Status::Ongoing),
                total: counts.iter().sum(),
            }
        })
        .collect()
}

/// `(key, n)` of one metric, most frequent first, ties by key.
fn ranked(counts: &Counts, metric: Metric) -> Vec<(String, i64)> {
    let mut entries: Vec<(String, i64)> = counts
        .iter()
        .filter(|((m, _), n)| *m == metric && **n != 0)
        .map(|((_, key), n)| (key.clone(), *n))
        .collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    entries
}

pub fn issues(tally: &Tally) -> Vec<IssueCount> {
    ranked(&tally.totals, Metric::Issues)
        .into_iter()
        .map(|(code, count)| IssueCount {
            title: IssueCode::parse(&code).map_or_else(|| code.clone(), |c| c.title().to_owned()),
            conferences: tally.total(Metric::IssueConferences, &code),
            code,
            count,
        })
        .collect()
}

pub fn get_user_media_errors(tally: &Tally) -> (Vec<GetUserMediaCount>, i64) {
    // Keys are `name\x1fmessage`: group by name, keep its most frequent message
    // (`ranked` lists the most frequent first; on a tie a message beats none).
    let mut by_name: BTreeMap<String, (GetUserMediaCount, i64)> = BTreeMap::new();
    for (key, n) in ranked(&tally.totals, Metric::GetUserMediaErrors) {
        let (name, message) = key.split_once(KEY_SEPARATOR).unwrap_or((key.as_str(), ""));
        let (group, best) = by_name.entry(name.to_owned()).or_insert_with(|| {
            let group = GetUserMediaCount {
                name: name.to_owned(),
                message: message.to_owned(),
                count: 0,
            };
            (group, n)
        });
        if group.message.is_empty() && n == *best {
            group.message = message.to_owned();
        }
        group.count += n;
    }
    let mut groups: Vec<GetUserMediaCount> = by_name.into_values().map(|(g, _)| g).collect();
    groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    let total = groups.iter().map(|g| g.count).sum();
    (groups, total)
}

pub fn durations(tally: &Tally) -> Vec<DurationCount> {
    DURATION_BUCKETS
        .iter()
        .enumerate()
        .map(|(index, bucket)| DurationCount {
            range: bucket.label.to_owned(),
            min_sec: bucket.min,
            max_sec: bucket.max,
            count: tally.total(Metric::ConferenceDuration, &index.to_string()),
        })
        .collect()
}

pub fn setup_times(tally: &Tally) -> Vec<SetupTimeCount> {
    SETUP_TIME_BUCKETS
        .iter()
        .enumerate()
        .map(|(index, bucket)| SetupTimeCount {
            range: bucket.label.to_owned(),
            min_ms: bucket.min,
            max_ms: bucket.max,
            count: tally.total(Metric::SetupTime, &index.to_string()),
        })
        .collect()
}

pub fn participants(tally: &Tally) -> (Vec<ParticipantCount>, i64) {
    let mut rows: Vec<ParticipantCount> = ranked(&tally.totals, Metric::ConferenceParticipants)
        .into_iter()
        .filter_map(|(key, n)| {
            Some(ParticipantCount {
                participants: key.parse().ok()?,
                conferences: n,
            })
        })
        .collect();
    rows.sort_by_key(|row| row.participants);
    let total = rows.iter().map(|row| row.conferences).sum();
    (rows, total)
}

pub fn connections(tally: &Tally) -> ConnectionSummary {
    let types: Vec<TypeCount> = ranked(&tally.totals, Metric::ConnectionType)
        .into_iter()
        .map(|(kind, count)| TypeCount { kind, count })
        .collect();
    let relayed: i64 = types
        .iter()
        .filter(|t| t.kind == "relay")
        .map(|t| t.count)
        .sum();
    let direct: i64 = types.iter().map(|t| t.count).sum::<i64>() - relayed;
    ConnectionSummary {
        data: vec![
            NameCount {
                name: "Direct".into(),
                count: direct,
            },
            NameCount {
                name: "Relayed".into(),
                count: relayed,
            },
        ],
        types,
    }
}

fn names(counts: &Counts, metric: Metric) -> Vec<NameCount> {
    ranked(counts, metric)
        .into_iter()
        .map(|(name, count)| NameCount { name, count })
        .collect()
}

pub fn sessions(tally: &Tally) -> SessionSummary {
    let cities = ranked(&tally.totals, Metric::City)
        .into_iter()
        .filter_map(|(key, count)| {
            let mut parts = key.split(KEY_SEPARATOR);
            let country = parts.next()?.to_owned();
            let city = parts.next()?.to_owned();
            let latitude = parts.next()?.parse().ok()?;
            let longitude = parts.next()?.parse().ok()?;
            Some(CityCount {
                city,
                country,
                latitude,
                longitude,
                count,
            })
        })
        .collect();
    SessionSummary {
        browsers: names(&tally.totals, Metric::Browser),
        os: names(&tally.totals, Metric::Os),
        countries: ranked(&tally.totals, Metric::Country)
            .into_iter()
            .map(|(code, count)| CountryCount { code, count })
            .collect(),
        cities,
        app_versions: names(&tally.totals, Metric::AppVersion),
    }
}

/// The values of each filter present in the range, counted without the filter.
pub fn filter_choices(tally: &Tally) -> FilterChoices {
    let counts = tally.unfiltered();
    FilterChoices {
        browser: names(counts, Metric::Browser),
        os: names(counts, Metric::Os),
        country: names(counts, Metric::Country),
        app_version: names(counts, Metric::AppVersion),
    }
}
