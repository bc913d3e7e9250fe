//! Summaries are exact. Random apps (conferences spread over two weeks, sessions with
//! random dimensions, connections, issues) are queried with random ranges, IANA zones
//! and filters, and every chart of the bundle must equal a brute-force count over the
//! generated rows, written here independently of the server's rules. Separately,
//! random SDK traffic through the real ingest path must leave rollups that
//! `rollups rebuild --check` finds exact.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use callvitals::store::{
    ConferenceRow, ConnectionRow, IssueRow, ParticipantRow, SeedBatch, SessionRow,
};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, chrome_platform};

engine_tests!(
    summaries_equal_a_brute_force_count_for_any_range_zone_and_filter,
    dashboard_answers_are_gzipped_when_the_browser_accepts_it,
    apps_report_their_active_seconds_per_day,
    ingest_keeps_rollups_exact_through_late_reports_issues_and_ends,
);

const DAY: i64 = 86_400_000_000;
/// 2026-03-01T00:00:00Z: the range crosses Newfoundland's DST change (March 8).
const BASE: i64 = 1_772_323_200_000_000;
const BROWSERS: [Option<&str>; 4] = [Some("Chrome"), Some("Safari"), Some("Firefox"), None];
const OSES: [Option<&str>; 3] = [Some("Windows"), Some("Mac OS"), None];
const COUNTRIES: [Option<&str>; 4] = [Some("US"), Some("GB"), Some("IN"), None];
const VERSIONS: [Option<&str>; 3] = [Some("1.0"), Some("2.0"), None];
const ZONES: [&str; 5] = [
    "UTC",
    "Asia/Kolkata",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Europe/Berlin",
];
/// (code, is an error)
const ISSUES: [(&str, bool); 3] = [
    ("high_rtt", false),
    ("connection_failed", true),
    ("getusermedia_error", true),
];
const GUM_NAMES: [&str; 2] = ["NotAllowedError", "NotFoundError"];

#[derive(Debug, Clone)]
struct Session {
    id: Uuid,
    dims: [Option<&'static str>; 4],
    city: Option<(&'static str, f64, f64)>,
    connections: Vec<(Option<&'static str>, Option<i64>)>,
    /// (issue index, getUserMedia error name index)
    issues: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
struct Conference {
    id: Uuid,
    created_at: i64,
    ongoing: bool,
    duration_s: i64,
    sessions: Vec<Session>,
}

fn pick<T: Copy>(rng: &mut StdRng, from: &[T]) -> T {
    from[rng.gen_range(0..from.len())]
}

fn generate(rng: &mut StdRng) -> Vec<Conference> {
    (0..rng.gen_range(30..70))
        .map(|_| Conference {
            id: Uuid::new_v4(),
            created_at: BASE + rng.gen_range(0..14 * DAY),
            ongoing: rng.gen_bool(0.2),
            duration_s: pick(rng, &[0, 30, 61, 200, 700, 4000]),
            sessions: (0..rng.gen_range(0..4))
                .map(|_| Session {
                    id: Uuid::new_v4(),
                    dims: [
                        pick(rng, &BROWSERS),
                        pick(rng, &OSES),
                        pick(rng, &COUNTRIES),
                        pick(rng, &VERSIONS),
                    ],
                    city: pick(
                        rng,
                        &[
                            None,
                            Some(("Paris", 48.8566, 2.3522)),
                            Some(("Pune", 18.5204, 73.8567)),
                        ],
                    ),
                    connections: (0..rng.gen_range(0..3))
                        .map(|_| {
                            (
                                pick(rng, &[Some("host"), Some("srflx"), Some("relay"), None]),
                                pick(rng, &[None, Some(100), Some(600), Some(2600), Some(9000)]),
                            )
                        })
                        .collect(),
                    issues: (0..rng.gen_range(0..3))
                        .map(|_| (rng.gen_range(0..ISSUES.len()), rng.gen_range(0..2)))
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

async fn seed(app: &TestApp, conferences: &[Conference]) {
    let app_id = app.app.id;
    let mut batch = SeedBatch::default();
    for conference in conferences {
        batch.conferences.push(ConferenceRow {
            id: conference.id,
            app_id,
            conference_id: format!("room-{}", conference.id.simple()),
            created_at: conference.created_at,
            ongoing: conference.ongoing,
            duration_s: conference.duration_s,
            last_activity_at: conference.created_at,
            participant_count: conference.sessions.len() as i64,
            ..Default::default()
        });
        for session in &conference.sessions {
            let participant = Uuid::new_v4();
            batch.participants.push(ParticipantRow {
                id: participant,
                app_id,
                participant_id: format!("user-{}", participant.simple()),
                participant_name: None,
                is_sfu: false,
                created_at: conference.created_at,
            });
            batch
                .conference_participants
                .push((conference.id, participant, conference.created_at));
            let [browser, os, country, version] = session.dims;
            batch.sessions.push(SessionRow {
                id: session.id,
                app_id,
                conference_id: conference.id,
                participant_id: participant,
                created_at: conference.created_at,
                browser_name: browser.map(Into::into),
                os_name: os.map(Into::into),
                country_code: country.map(Into::into),
                app_version: version.map(Into::into),
                city: session.city.map(|c| c.0.into()),
                latitude: session.city.map(|c| c.1),
                longitude: session.city.map(|c| c.2),
                ..Default::default()
            });
            for (kind, setup) in &session.connections {
                batch.connections.push(ConnectionRow {
                    id: Uuid::new_v4(),
                    app_id,
                    conference_id: conference.id,
                    session_id: session.id,
                    participant_id: participant,
                    peer_id: participant,
                    connection_type: kind.map(Into::into),
                    state: "connected".into(),
                    negotiations: "[]".into(),
                    setup_time_ms: *setup,
                    start_time: conference.created_at,
                    created_at: conference.created_at,
                    ..Default::default()
                });
            }
            for (issue, name) in &session.issues {
                let (code, error) = ISSUES[*issue];
                batch.issues.push(IssueRow {
                    id: Uuid::new_v4(),
                    app_id,
                    conference_id: conference.id,
                    session_id: session.id,
                    participant_id: participant,
                    severity: if error { "error" } else { "warning" }.into(),
                    code: code.into(),
                    data: (code == "getusermedia_error")
                        .then(|| json!({"name": GUM_NAMES[*name], "message": "m"}).to_string()),
                    created_at: conference.created_at,
                    ..Default::default()
                });
            }
        }
    }
    app.maintenance.insert_seed(&batch).await.expect("seed");
}

/// A filter as the query parameters give it: dimension index -> accepted values.
type Filter = BTreeMap<usize, Vec<&'static str>>;

fn random_filter(rng: &mut StdRng) -> Filter {
    let mut filter = Filter::new();
    match rng.gen_range(0..7) {
        0 | 1 => {}
        2 => {
            filter.insert(0, vec![pick(rng, &["Chrome", "Safari", "Firefox"])]);
        }
        3 => {
            filter.insert(2, vec!["US", "IN"]);
        }
        6 => {
            filter.insert(0, vec!["Chrome", "Safari"]);
        }
        4 => {
            filter.insert(1, vec![pick(rng, &["Windows", "Mac OS"])]);
            filter.insert(3, vec!["2.0"]);
        }
        _ => {
            filter.insert(3, vec![pick(rng, &["1.0", "2.0"])]);
        }
    }
    filter
}

fn matches(filter: &Filter, session: &Session) -> bool {
    filter
        .iter()
        .all(|(dim, values)| session.dims[*dim].is_some_and(|v| values.contains(&v)))
}

fn local_date(at: i64, zone: &TimeZone) -> String {
    Timestamp::from_microsecond(at)
        .unwrap()
        .to_zoned(zone.clone())
        .date()
        .to_string()
}

const DURATION_EDGES: [i64; 12] = [
    0, 60, 180, 300, 600, 900, 1200, 1500, 1800, 2400, 3000, 3600,
];
const SETUP_EDGES: [i64; 11] = [0, 250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 5000];
/// Status indices as the brute force counts them.
const STATUSES: [&str; 4] = ["success", "warning", "error", "ongoing"];

fn status_of(conference: &Conference) -> usize {
    let all_issues = conference.sessions.iter().flat_map(|s| &s.issues);
    if conference.ongoing {
        3
    } else if all_issues.clone().any(|(i, _)| ISSUES[*i].1) {
        2
    } else if all_issues.count() > 0 {
        1
    } else {
        0
    }
}

fn bucket(edges: &[i64], value: i64) -> usize {
    edges.iter().rposition(|edge| value >= *edge).unwrap()
}

/// The bundle's charts, counted the slow, obvious way.
fn brute_force(conferences: &[Conference], from: i64, to: i64, tz: &str, filter: &Filter) -> Value {
    let zone = TimeZone::get(tz).unwrap();
    let mut days: BTreeMap<String, [i64; 4]> = BTreeMap::new();
    let mut date = Timestamp::from_microsecond(from)
        .unwrap()
        .to_zoned(zone.clone())
        .date();
    let last = Timestamp::from_microsecond(to)
        .unwrap()
        .to_zoned(zone.clone())
        .date();
    while date <= last {
        days.insert(date.to_string(), [0; 4]);
        date = date.tomorrow().unwrap();
    }
    let mut issues: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    let mut gum: BTreeMap<&str, i64> = BTreeMap::new();
    let mut durations = [0i64; 12];
    let mut setups = [0i64; 11];
    let mut participants: BTreeMap<i64, i64> = BTreeMap::new();
    let mut types: BTreeMap<&str, i64> = BTreeMap::new();
    let mut dims: [BTreeMap<&str, i64>; 4] = Default::default();
    let mut cities: BTreeMap<String, i64> = BTreeMap::new();
    // The filter choices: sessions per value, whatever the filter.
    let mut choices: [BTreeMap<&str, i64>; 4] = Default::default();
    for conference in conferences {
        if conference.created_at < from || conference.created_at > to {
            continue;
        }
        for session in &conference.sessions {
            for (index, value) in session.dims.iter().enumerate() {
                if let Some(value) = value {
                    *choices[index].entry(value).or_default() += 1;
                }
            }
        }
        let matching: Vec<&Session> = conference
            .sessions
            .iter()
            .filter(|s| matches(filter, s))
            .collect();
        if filter.is_empty() || !matching.is_empty() {
            days.get_mut(&local_date(conference.created_at, &zone))
                .unwrap()[status_of(conference)] += 1;
            durations[bucket(&DURATION_EDGES, conference.duration_s)] += 1;
            *participants
                .entry(conference.sessions.len() as i64)
                .or_default() += 1;
        }
        let mut codes = BTreeSet::new();
        for session in matching {
            for (issue, name) in &session.issues {
                let code = ISSUES[*issue].0;
                issues.entry(code).or_default().0 += 1;
                codes.insert(code);
                if code == "getusermedia_error" {
                    *gum.entry(GUM_NAMES[*name]).or_default() += 1;
                }
            }
            for (kind, setup) in &session.connections {
                if let Some(kind) = kind {
                    *types.entry(kind).or_default() += 1;
                }
                if let Some(ms) = setup {
                    setups[bucket(&SETUP_EDGES, *ms)] += 1;
                }
            }
            for (index, value) in session.dims.iter().enumerate() {
                if let Some(value) = value {
                    *dims[index].entry(value).or_default() += 1;
                }
            }
            if let Some((city, _, _)) = session.city {
                let country = session.dims[2].unwrap_or("");
                *cities.entry(format!("{country}|{city}")).or_default() += 1;
            }
        }
        for code in codes {
            issues.entry(code).or_default().1 += 1;
        }
    }
    json!({
        "days": days.iter().map(|(date, c)| json!([date, c[0], c[1], c[2], c[3]])).collect::<Vec<_>>(),
        "issues": issues.iter().map(|(code, (n, c))| json!([code, n, c])).collect::<Vec<_>>(),
        "gum": gum,
        "durations": durations,
        "setups": setups,
        "participants": participants.iter().map(|(p, n)| json!([p, n])).collect::<Vec<_>>(),
        "types": types,
        "browsers": dims[0], "os": dims[1], "countries": dims[2], "versions": dims[3],
        "cities": cities,
        "choices": choices,
    })
}

/// The same shape, read from the server's bundle.
fn observed(bundle: &Value) -> Value {
    let pairs = |list: &Value, name: &str| -> BTreeMap<String, i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|row| {
                (
                    row[name].as_str().unwrap().to_owned(),
                    row["count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let mut issues: Vec<Value> = bundle["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| json!([row["code"], row["count"], row["conferences"]]))
        .collect();
    issues.sort_by_key(|row| row[0].as_str().unwrap().to_owned());
    json!({
        "days": bundle["conferences"].as_array().unwrap().iter()
            .map(|d| json!([d["date"], d["success"], d["warning"], d["error"], d["ongoing"]])).collect::<Vec<_>>(),
        "issues": issues,
        "gum": pairs(&bundle["get_user_media"]["data"], "name"),
        "durations": bundle["durations"].as_array().unwrap().iter().map(|d| d["count"].clone()).collect::<Vec<_>>(),
        "setups": bundle["setup_times"].as_array().unwrap().iter().map(|d| d["count"].clone()).collect::<Vec<_>>(),
        "participants": bundle["participants"]["data"].as_array().unwrap().iter()
            .map(|d| json!([d["participants"], d["conferences"]])).collect::<Vec<_>>(),
        "types": pairs(&bundle["connections"]["types"], "type"),
        "browsers": pairs(&bundle["sessions"]["browsers"], "name"),
        "os": pairs(&bundle["sessions"]["os"], "name"),
        "countries": pairs(&bundle["sessions"]["countries"], "code"),
        "versions": pairs(&bundle["sessions"]["app_versions"], "name"),
        "cities": bundle["sessions"]["cities"].as_array().unwrap().iter()
            .map(|c| (format!("{}|{}", c["country"].as_str().unwrap(), c["city"].as_str().unwrap()), c["count"].as_i64().unwrap()))
            .collect::<BTreeMap<String, i64>>(),
        "choices": (["browser", "os", "country", "app_version"].map(|name| pairs(&bundle["filters"][name], "name"))),
    })
}

/// A connection's local candidate type and setup time.
type ConnectionFacts = (Option<&'static str>, Option<i64>);

/// A click on a chart.
#[derive(Debug, Clone)]
enum Slice {
    Day(String, usize),
    Issue(&'static str),
    Duration(usize),
    Setup(usize),
    Participants(i64),
    ConnectionType(&'static str),
    Browser(&'static str),
    City(&'static str),
    /// Bounds no chart draws: a list that is no bar, its total counted from rows.
    LongerThan(i64),
}

impl Slice {
    fn random(rng: &mut StdRng, days: &[String]) -> Slice {
        match rng.gen_range(0..9) {
            0 => Slice::Day(
                days[rng.gen_range(0..days.len())].clone(),
                rng.gen_range(0..4),
            ),
            1 => Slice::Issue(ISSUES[rng.gen_range(0..ISSUES.len())].0),
            2 => Slice::Duration(rng.gen_range(0..DURATION_EDGES.len())),
            3 => Slice::Setup(rng.gen_range(0..SETUP_EDGES.len())),
            4 => Slice::Participants(rng.gen_range(0..4)),
            5 => Slice::ConnectionType(pick(rng, &["host", "srflx", "relay"])),
            6 => Slice::Browser(pick(rng, &["Chrome", "Safari", "Firefox"])),
            7 => Slice::City(pick(rng, &["Paris", "Pune"])),
            _ => Slice::LongerThan(rng.gen_range(1..4000)),
        }
    }

    /// The slice's query parameters; a browser slice narrows the browser filter.
    fn params(&self, filter: &mut Filter) -> String {
        let range = |edges: &[i64], index: usize, name: &str| match edges.get(index + 1) {
            Some(max) => format!("{name}_gte={}&{name}_lt={max}", edges[index]),
            None => format!("{name}_gte={}", edges[index]),
        };
        match self {
            Slice::Day(date, status) => format!("day={date}&status={}", STATUSES[*status]),
            Slice::Issue(code) => format!("issue_code={code}"),
            Slice::Duration(index) => range(&DURATION_EDGES, *index, "duration"),
            Slice::Setup(index) => range(&SETUP_EDGES, *index, "setup_time"),
            Slice::Participants(n) => format!("participant_count={n}"),
            Slice::ConnectionType(kind) => format!("connection_type={kind}"),
            Slice::Browser(browser) => {
                filter.insert(0, vec![browser]);
                String::new()
            }
            Slice::City(city) => format!("city={city}"),
            Slice::LongerThan(seconds) => format!("duration_gte={seconds}"),
        }
    }

    /// What the list's total counts: conferences, or the rows a row chart's bar counts.
    fn count_of(&self) -> &'static str {
        match self {
            Slice::Setup(_) | Slice::ConnectionType(_) => "connections",
            Slice::City(_) => "sessions",
            _ => "conferences",
        }
    }

    /// The bar's own number in the bundle, for slices that are a bar.
    fn bar(&self, bundle: &Value) -> Option<i64> {
        let find = |list: &Value, key: &str, value: &Value, count: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|row| &row[key] == value)
                .map_or(0, |row| row[count].as_i64().unwrap())
        };
        match self {
            Slice::Day(date, status) => Some(find(
                &bundle["conferences"],
                "date",
                &json!(date),
                STATUSES[*status],
            )),
            Slice::Issue(code) => {
                Some(find(&bundle["issues"], "code", &json!(code), "conferences"))
            }
            Slice::Duration(index) => Some(bundle["durations"][index]["count"].as_i64().unwrap()),
            Slice::Participants(n) => Some(find(
                &bundle["participants"]["data"],
                "participants",
                &json!(n),
                "conferences",
            )),
            Slice::Setup(index) => Some(bundle["setup_times"][index]["count"].as_i64().unwrap()),
            Slice::ConnectionType(kind) => Some(find(
                &bundle["connections"]["types"],
                "type",
                &json!(kind),
                "count",
            )),
            Slice::City(city) => Some(
                bundle["sessions"]["cities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|row| row["city"] == *city)
                    .map(|row| row["count"].as_i64().unwrap())
                    .sum(),
            ),
            Slice::Browser(_) | Slice::LongerThan(_) => None,
        }
    }

    /// The conferences the slice holds, found the slow, obvious way.
    fn members(
        &self,
        conferences: &[Conference],
        from: i64,
        to: i64,
        tz: &str,
        filter: &Filter,
    ) -> BTreeSet<Uuid> {
        let zone = TimeZone::get(tz).unwrap();
        let mut out = BTreeSet::new();
        for conference in conferences {
            if conference.created_at < from || conference.created_at > to {
                continue;
            }
            let matching: Vec<&Session> = conference
                .sessions
                .iter()
                .filter(|s| matches(filter, s))
                .collect();
            let counted = filter.is_empty() || !matching.is_empty();
            let any_connection = |test: &dyn Fn(&ConnectionFacts) -> bool| {
                matching.iter().any(|s| s.connections.iter().any(test))
            };
            let holds = match self {
                Slice::Day(date, status) => {
                    counted
                        && &local_date(conference.created_at, &zone) == date
                        && status_of(conference) == *status
                }
                Slice::Issue(code) => matching
                    .iter()
                    .any(|s| s.issues.iter().any(|(i, _)| ISSUES[*i].0 == *code)),
                Slice::Duration(index) => {
                    counted && bucket(&DURATION_EDGES, conference.duration_s) == *index
                }
                Slice::Setup(index) => any_connection(&|(_, setup)| {
                    setup.is_some_and(|ms| bucket(&SETUP_EDGES, ms) == *index)
                }),
                Slice::Participants(n) => counted && conference.sessions.len() as i64 == *n,
                Slice::ConnectionType(kind) => any_connection(&|(k, _)| *k == Some(*kind)),
                Slice::Browser(_) => counted,
                Slice::City(city) => matching
                    .iter()
                    .any(|s| s.city.is_some_and(|(name, _, _)| name == *city)),
                Slice::LongerThan(seconds) => counted && conference.duration_s >= *seconds,
            };
            if holds {
                out.insert(conference.id);
            }
        }
        out
    }
}

fn filter_params(filter: &Filter) -> String {
    let mut text = String::new();
    for (dim, values) in filter {
        let name = ["browser", "os", "country", "app_version"][*dim];
        text.push_str(&format!("&{name}={}", values.join(",").replace(' ', "%20")));
    }
    text
}

/// Pages through a click-to-detail list to its end (small pages, so the cursor is
/// used) and returns its conferences; every page must carry the same total.
async fn page_to_end(app: &TestApp, path: &str) -> (BTreeSet<Uuid>, i64, String) {
    let mut ids = BTreeSet::new();
    let mut total = None;
    let mut count_of = None;
    let mut cursor: Option<String> = None;
    let mut last_position: Option<(String, String)> = None;
    loop {
        let mut url = format!("{path}&limit=7");
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let response = app.admin_get(&url).await;
        assert_eq!(response.status, 200, "{url}: {}", response.text());
        let page = response.json();
        let count = page["count"].as_i64().unwrap();
        assert_eq!(*total.get_or_insert(count), count, "{url}: the total moved");
        let counts = page["count_of"].as_str().unwrap().to_owned();
        assert_eq!(*count_of.get_or_insert(counts.clone()), counts, "{url}");
        for row in page["results"].as_array().unwrap() {
            let position = (
                row["created_at"].as_str().unwrap().to_owned(),
                row["id"].as_str().unwrap().to_owned(),
            );
            if let Some(last) = &last_position {
                assert!(&position < last, "{url}: not newest first");
            }
            last_position = Some(position);
            assert!(
                ids.insert(row["id"].as_str().unwrap().parse().unwrap()),
                "{url}: repeated row"
            );
        }
        match page["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    (ids, total.unwrap_or(0), count_of.unwrap_or_default())
}

fn iso(at: i64) -> String {
    Timestamp::from_microsecond(at).unwrap().to_string()
}

async fn summaries_equal_a_brute_force_count_for_any_range_zone_and_filter(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Each round adds conferences to the same app.
    let mut all = Vec::new();
    for round in 0..3u64 {
        let mut rng = StdRng::seed_from_u64(round);
        let conferences = generate(&mut rng);
        seed(&app, &conferences).await;
        all.extend(conferences);
        let drifted = callvitals::cli::rebuild_rollups(&app.store, Some(app.app.id), false, false)
            .await
            .unwrap();
        assert_eq!(drifted, 0);
        for case in 0..25 {
            let from = BASE - DAY + rng.gen_range(0..16 * DAY);
            let to = from + rng.gen_range(0..10 * DAY);
            let (from, to) = match case % 5 {
                // Whole hours and whole days, which cells cover without rows.
                0 => (from / DAY * DAY, to / DAY * DAY + DAY - 1),
                1 => (from / 3_600_000_000 * 3_600_000_000, to),
                _ => (from, to),
            };
            let tz = pick(&mut rng, &ZONES);
            let filter = random_filter(&mut rng);
            let common = format!(
                "appId={}&created_at_gte={}&created_at_lte={}&tz={tz}",
                app.app.id,
                iso(from),
                iso(to)
            );
            let path = format!("/v1/dashboard?{common}{}", filter_params(&filter));
            let response = app.admin_get(&path).await;
            assert_eq!(response.status, 200, "{path}: {}", response.text());
            let bundle = response.json();
            let expected = brute_force(&all, from, to, tz, &filter);
            assert_eq!(
                observed(&bundle),
                expected,
                "round {round}, case {case}: {path}"
            );

            // Click-to-detail: each slice lists exactly what its bar counted.
            let days: Vec<String> = expected["days"]
                .as_array()
                .unwrap()
                .iter()
                .map(|day| day[0].as_str().unwrap().to_owned())
                .collect();
            for _ in 0..3 {
                let slice = Slice::random(&mut rng, &days);
                let mut slice_filter = filter.clone();
                let slice_params = slice.params(&mut slice_filter);
                let path = format!(
                    "/v1/conferences?{common}&{slice_params}{}",
                    filter_params(&slice_filter)
                );
                let (listed, total, count_of) = page_to_end(&app, &path).await;
                let members = slice.members(&all, from, to, tz, &slice_filter);
                assert_eq!(listed, members, "round {round}, case {case}: {path}");
                assert_eq!(count_of, slice.count_of(), "{path}: what the total counts");
                if count_of == "conferences" {
                    assert_eq!(total, members.len() as i64, "{path}: the total");
                }
                if let Some(bar) = slice.bar(&bundle) {
                    assert_eq!(total, bar, "{path}: the bar's number");
                }
            }
        }
    }
    app.stop().await;
}

async fn ingest_keeps_rollups_exact_through_late_reports_issues_and_ends(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut rng = StdRng::seed_from_u64(7);
    for room in 0..6 {
        let mut tokens = Vec::new();
        for user in 0..rng.gen_range(1..4) {
            tokens.push(
                app.join(&format!("room-{room}"), &format!("user-{room}-{user}"))
                    .await,
            );
        }
        for token in &tokens {
            if rng.gen_bool(0.5) {
                // The browser reports its platform late: the session moves between
                // browser slices.
                let platform = json!({"ua": "Mozilla/5.0 Firefox/126.0", "browser": {"name": "Firefox", "version": "126.0"},
                                      "os": {"name": "Windows", "version": "10"}, "device": {}, "cpu": {}});
                let response = app
                    .put(
                        "/v1/sessions",
                        &json!({"platform": platform, "token": token}),
                    )
                    .await;
                assert_eq!(response.status, 200, "{}", response.text());
            } else {
                let response = app
                    .put(
                        "/v1/sessions",
                        &json!({"platform": chrome_platform(), "token": token}),
                    )
                    .await;
                assert_eq!(response.status, 200, "{}", response.text());
            }
            let (peer, connection) = app.add_connection(token, "peer", 0).await;
            let state = pick(&mut rng, &["connected", "failed", "disconnected"]);
            for name in ["oniceconnectionstatechange", "onconnectionstatechange"] {
                let response = app
                    .post(
                        "/v1/connection",
                        &json!({"eventName": name, "peerId": peer, "connectionId": connection,
                                "data": state, "token": token, "delta": 0}),
                    )
                    .await;
                assert_eq!(response.status, 200, "{}", response.text());
            }
            if rng.gen_bool(0.4) {
                let response = app
                    .post(
                        "/v1/events/get-user-media",
                        &json!({"eventName": "getUserMedia", "token": token,
                                "data": {"error": {"name": pick(&mut rng, &GUM_NAMES), "message": "no"}}}),
                    )
                    .await;
                assert_eq!(response.status, 200, "{}", response.text());
            }
            if rng.gen_bool(0.5) {
                let response = app
                    .post(
                        "/v1/connection",
                        &json!({"eventName": "onconnectionstatechange", "peerId": peer, "connectionId": connection,
                                "data": "closed", "token": token, "delta": 0}),
                    )
                    .await;
                assert_eq!(response.status, 200, "{}", response.text());
            }
        }
    }
    // The sweeper closes what is left, through the same writer.
    let writer = app.writer();
    callvitals::sweeper::sweep_once(&app.store, &writer, Duration::from_secs(0))
        .await
        .unwrap();
    let drifted = callvitals::cli::rebuild_rollups(&app.store, Some(app.app.id), true, false)
        .await
        .unwrap();
    assert_eq!(drifted, 0, "ingest left the rollups off their rows");
    // Calls that ended left their `ongoing` cells at zero; pruning them changes no count.
    let pruned = app.store.rollups().prune_empty_cells().await.unwrap();
    assert!(pruned > 0, "ended calls leave empty ongoing cells");
    let drifted = callvitals::cli::rebuild_rollups(&app.store, Some(app.app.id), true, false)
        .await
        .unwrap();
    assert_eq!(drifted, 0);
    // And the cells say something: every conference is counted.
    let bundle = app
        .admin_get(&format!("/v1/dashboard?appId={}", app.app.id))
        .await
        .json();
    let total: i64 = bundle["conferences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|day| day["total"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 6, "{bundle}");
    app.stop().await;
}

async fn dashboard_answers_are_gzipped_when_the_browser_accepts_it(engine: Engine) {
    use std::io::Read;
    let app = TestApp::spawn(engine).await;
    let mut rng = StdRng::seed_from_u64(9);
    seed(&app, &generate(&mut rng)).await;
    callvitals::cli::rebuild_rollups(&app.store, Some(app.app.id), false, false)
        .await
        .unwrap();
    let path = format!(
        "/v1/dashboard?appId={}&created_at_gte={}&created_at_lte={}",
        app.app.id,
        iso(BASE),
        iso(BASE + 14 * DAY)
    );
    let plain = app.admin_get(&path).await;
    assert_eq!(plain.status, 200);
    assert!(plain.headers.get("content-encoding").is_none());
    let auth = format!("Bearer {}", crate::helpers::ADMIN_TOKEN);
    let gzipped = app
        .client
        .get(
            &app.url(&path),
            &[("authorization", &auth), ("accept-encoding", "br, gzip")],
        )
        .await
        .unwrap();
    assert_eq!(gzipped.status, 200);
    assert_eq!(gzipped.headers["content-encoding"], "gzip");
    assert_eq!(gzipped.headers["vary"], "accept-encoding");
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&gzipped.body[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert!(
        gzipped.body.len() * 3 < inflated.len(),
        "gzip should shrink the bundle"
    );
    let inflated: Value = serde_json::from_slice(&inflated).unwrap();
    assert_eq!(inflated, plain.json());
    app.stop().await;
}

async fn apps_report_their_active_seconds_per_day(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let now = callvitals::domain::time::now_micros();
    let mut rng = StdRng::seed_from_u64(5);
    let mut conferences = generate(&mut rng);
    for conference in &mut conferences {
        conference.created_at = now - rng.gen_range(0..40 * DAY);
    }
    // One from a moment ago: the default range reads the current hour from cells.
    conferences[0].created_at = now - 1_000_000;
    seed(&app, &conferences).await;
    callvitals::cli::rebuild_rollups(&app.store, Some(app.app.id), false, false)
        .await
        .unwrap();

    // The 31 UTC days that end yesterday, counted the obvious way.
    let utc = TimeZone::UTC;
    let today = now / DAY * DAY;
    let mut expected: BTreeMap<String, i64> = (1..=31)
        .map(|back| (local_date(today - back * DAY, &utc), 0))
        .collect();
    for conference in &conferences {
        if let Some(seconds) = expected.get_mut(&local_date(conference.created_at, &utc)) {
            *seconds += conference.duration_s;
        }
    }
    assert!(expected.values().any(|s| *s > 0));
    let detail = app.admin_get(&format!("/v1/apps/{}", app.app.id)).await;
    assert_eq!(detail.status, 200, "{}", detail.text());
    assert_eq!(detail.json()["data"]["durations_days"], json!(expected));
    let list = app.admin_get("/v1/apps").await.json();
    let listed = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == json!(app.app.id))
        .unwrap()
        .clone();
    assert_eq!(listed["durations_days"], json!(expected));

    // The default range: today and the 29 days before it (UTC here), up to now.
    let since = today - 29 * DAY;
    let in_range: Vec<&Conference> = conferences
        .iter()
        .filter(|c| c.created_at >= since)
        .collect();
    let bundle = app
        .admin_get(&format!("/v1/dashboard?appId={}", app.app.id))
        .await
        .json();
    let days = bundle["conferences"].as_array().unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days[0]["date"], json!(local_date(since, &utc)));
    let total: i64 = days.iter().map(|d| d["total"].as_i64().unwrap()).sum();
    assert_eq!(total, in_range.len() as i64);
    let durations: i64 = bundle["durations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["count"].as_i64().unwrap())
        .sum();
    assert_eq!(durations, in_range.len() as i64);
    app.stop().await;
}
