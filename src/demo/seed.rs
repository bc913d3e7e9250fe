//! The demo-data generator: organization "Demo" with apps "dev", "staging" and
//! "prod", and 30 days of P2P calls with the mixes of browsers, places, connection
//! types, durations and issues a real deployment shows.
//!
//! Generation is pure and deterministic for one `rng_seed` (row ids included; only
//! app ids and api keys are truly random). Who meets whom is planned up front, so
//! the organization, apps and participants are written first; conferences then come
//! in chronological chunks of a few thousand that reference nothing outside
//! themselves. A blocking thread generates the chunks while one writer (SQLite) or
//! two concurrent writers (PostgreSQL) load them with one `insert_seed` per
//! transaction.

use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, RngCore, SeedableRng};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::domain::emos::{self, EmosInput};
use crate::domain::issue::{IssueCode, Severity};
use crate::domain::time::{MICROS_PER_SECOND, format_pm, now_micros};
use crate::store::{
    AppRecord, ConferenceRow, ConnectionRow, Engine, EventRow, IssueRow, ParticipantRow, SeedBatch,
    SessionRow, StatsSampleRow, Store, TrackRow, TrackSampleRow,
};

// ---------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------

pub struct SeedOptions {
    /// Multiplies every app's conference count and participant pool; 1 is the default.
    pub scale: u32,
    /// The end of the generated history, unix microseconds.
    pub now: i64,
    pub rng_seed: u64,
    /// Tests only: the prod conference count (dev and staging get a tenth of it each),
    /// replacing the scaled defaults.
    pub conferences_override: Option<u32>,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            scale: 1,
            now: now_micros(),
            rng_seed: 0x5eed_ca11,
            conferences_override: None,
        }
    }
}

#[derive(Debug)]
pub struct SeedReport {
    /// (name, api_key, app id) of every created app.
    pub apps: Vec<(String, String, Uuid)>,
    pub conferences: u64,
    /// Every row written, the organization and apps included.
    pub rows: u64,
    pub elapsed: Duration,
}

/// Creates the demo organization and apps and fills them with generated history.
/// Meant for a fresh store: the app names are unique per organization, so seeding
/// the same store twice fails on the first app insert.
pub async fn seed_demo(
    store: &dyn Store,
    options: &SeedOptions,
    progress: bool,
) -> anyhow::Result<SeedReport> {
    let started = Instant::now();
    let app_ids: Vec<Uuid> = APP_SPECS.iter().map(|_| Uuid::new_v4()).collect();
    let mut generator = Generator::new(options, &app_ids);

    // The organization, the apps and every participant first, in one transaction:
    // once they are committed, chunks depend on nothing but themselves and may be
    // written in any order or concurrently.
    let created_at = options.now - HISTORY - 7 * DAY; // the apps predate their history
    let mut tx = store.begin().await?;
    let organization_id = tx.upsert_organization(ORGANIZATION, created_at).await?;
    let mut apps = Vec::with_capacity(APP_SPECS.len());
    for (spec, &id) in APP_SPECS.iter().zip(&app_ids) {
        let app = AppRecord {
            id,
            organization_id,
            name: spec.name.to_string(),
            // 32 chars of [a-z0-9], like PeerMetrics' uuid4().hex.
            api_key: Uuid::new_v4().simple().to_string(),
            domain: None,
            recording: true,
            created_at,
        };
        tx.insert_app(&app).await.with_context(|| {
            format!(
                "creating demo app {:?} (is the store already seeded?)",
                spec.name
            )
        })?;
        apps.push((app.name, app.api_key, app.id));
    }
    let participants = SeedBatch {
        participants: generator.take_participants(),
        ..SeedBatch::default()
    };
    tx.insert_seed(&participants).await?;
    tx.commit().await?;

    let conferences = generator.total_conferences();
    let bar = progress_bar(progress, conferences);
    // Generate on a blocking thread, a couple of chunks ahead of the writers.
    let (sender, receiver) = tokio::sync::mpsc::channel::<Chunk>(2);
    let producer = tokio::task::spawn_blocking(move || {
        while let Some(chunk) = generator.next_chunk() {
            if sender.blocking_send(chunk).is_err() {
                break; // a writer failed and the receiver is gone
            }
        }
    });
    let receiver = tokio::sync::Mutex::new(receiver);
    let writer = || write_chunks(store, &receiver, &bar);
    // SQLite has a single writer anyway. On PostgreSQL most of the cost is server
    // work (FK checks, index upkeep), so two transactions on two backends keep both
    // cores busy instead of one.
    let written = match store.engine() {
        Engine::Sqlite => writer().await?,
        Engine::Postgres => {
            let (first, second) = tokio::try_join!(writer(), writer())?;
            first + second
        }
    };
    producer.await.context("the demo generator panicked")?;
    let rows = 1 + apps.len() as u64 + participants.row_count() as u64 + written;

    let elapsed = started.elapsed();
    bar.finish_with_message(format!(
        "done: {rows} rows in {:.1}s,",
        elapsed.as_secs_f64()
    ));
    tracing::info!(
        conferences,
        rows,
        elapsed_ms = elapsed.as_millis() as u64,
        "demo data seeded"
    );
    Ok(SeedReport {
        apps,
        conferences,
        rows,
        elapsed,
    })
}

fn progress_bar(visible: bool, conferences: u64) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{spinner} seeding {msg} [{bar:40}] {pos}/{len} conferences ({per_sec}, eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    let bar = ProgressBar::new(conferences).with_style(style);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Writes chunks from the generator, one transaction each, until it is done;
/// returns the rows written.
async fn write_chunks(
    store: &dyn Store,
    chunks: &tokio::sync::Mutex<tokio::sync::mpsc::Receiver<Chunk>>,
    bar: &ProgressBar,
) -> anyhow::Result<u64> {
    let mut rows = 0;
    loop {
        let Some(chunk) = chunks.lock().await.recv().await else {
            return Ok(rows);
        };
        bar.set_message(chunk.app);
        let mut tx = store.begin().await?;
        tx.insert_seed(&chunk.batch).await?;
        tx.commit().await?;
        rows += chunk.batch.row_count() as u64;
        bar.inc(chunk.conferences as u64);
    }
}

// ---------------------------------------------------------------------------------
// Volumes and timing
// ---------------------------------------------------------------------------------

const SECOND: i64 = MICROS_PER_SECOND;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

const ORGANIZATION: &str = "Demo";
/// How far back the generated history reaches.
const HISTORY: i64 = 30 * DAY;
/// Share of each app's conferences still running at `now`.
const ONGOING_SHARE: f64 = 0.005;
/// Ended prod conferences that get full stats series (besides every ongoing one):
/// enough for graphs and summaries without multiplying the sample tables by a month.
const DETAILED_RECENT_CONFERENCES: usize = 200;
const STATS_INTERVAL: i64 = 10 * SECOND;
/// 60 minutes of samples per connection at most.
const MAX_SAMPLES_PER_CONNECTION: i64 = 360;
/// A chunk closes at whichever limit comes first, keeping every transaction short.
const CHUNK_CONFERENCES: usize = 2_500;
const CHUNK_ROWS: usize = 250_000;
/// Conferences per pool participant on average (prod: 42,000 / 3,000).
const CONFERENCES_PER_PARTICIPANT: u32 = 14;
const MIN_POOL: usize = 12;

struct AppSpec {
    name: &'static str,
    /// Conferences over the history at scale 1.
    conferences: u32,
}

const PROD: &str = "prod";
const APP_SPECS: [AppSpec; 3] = [
    AppSpec {
        name: "dev",
        conferences: 300,
    },
    AppSpec {
        name: "staging",
        conferences: 1_500,
    },
    AppSpec {
        name: PROD,
        conferences: 42_000,
    },
];

impl SeedOptions {
    fn conference_count(&self, spec: &AppSpec) -> u32 {
        match self.conferences_override {
            Some(prod) if spec.name == PROD => prod,
            Some(prod) => prod / 10,
            None => spec.conferences.saturating_mul(self.scale.max(1)),
        }
    }
}

/// Relative call volume per UTC hour (100 = peak): the European afternoon overlapping
/// the American morning is the busiest time, nights are quiet.
const HOURLY_VOLUME: [u32; 24] = [
    18, 14, 11, 10, 10, 13, 20, 32, 48, 62, 72, 77, 82, 88, 95, 100, 94, 84, 68, 52, 42, 35, 28, 22,
];
const WEEKEND_VOLUME: f64 = 0.35;

// ---------------------------------------------------------------------------------
// Weighted tables
// ---------------------------------------------------------------------------------

/// Picks one entry of a `(value, weight)` table with probability proportional to weight.
fn pick<'a, T>(rng: &mut DemoRng, table: &'a [(T, u32)]) -> &'a T {
    let total: u32 = table.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.gen_range(0..total);
    for (value, weight) in table {
        if ticket < *weight {
            return value;
        }
        ticket -= weight;
    }
    &table[table.len() - 1].0
}

/// Participants per conference: mostly 1:1 calls, some small groups, a few no-shows.
const CONFERENCE_SIZES: &[(usize, u32)] = &[(1, 4), (2, 65), (3, 14), (4, 9), (5, 5), (6, 3)];
const MAX_CONFERENCE_SIZE: usize = 6;

const CONFERENCE_NAMES: &[(Option<&str>, u32)] = &[
    (None, 25),
    (Some("Daily standup"), 10),
    (Some("1:1"), 14),
    (Some("Weekly sync"), 8),
    (Some("Customer call"), 10),
    (Some("Support session"), 9),
    (Some("Interview"), 6),
    (Some("Design review"), 5),
    (Some("Onboarding"), 5),
    (Some("Office hours"), 4),
    (Some("Sales demo"), 4),
];

/// Local candidate type of an established connection.
const CANDIDATE_TYPES: &[(&str, u32)] = &[("host", 55), ("srflx", 30), ("relay", 12), ("prflx", 3)];
const RELAY: &str = "relay";

/// (name, message) of the DOMExceptions getUserMedia rejects with.
const GET_USER_MEDIA_ERRORS: &[((&str, &str), u32)] = &[
    (("NotAllowedError", "Permission denied"), 55),
    (("NotFoundError", "Requested device not found"), 20),
    (("NotReadableError", "Could not start video source"), 18),
    (
        ("OverconstrainedError", "Constraints could not be satisfied"),
        7,
    ),
];

const SESSION_METADATA: &[(Option<&str>, u32)] = &[
    (None, 45),
    (Some(r#"{"plan":"pro","role":"host"}"#), 15),
    (Some(r#"{"plan":"pro","role":"guest"}"#), 15),
    (Some(r#"{"plan":"free","role":"guest"}"#), 15),
    (
        Some(r#"{"plan":"enterprise","role":"host","region":"eu"}"#),
        10,
    ),
];

/// The SDK mostly runs without a named WebRTC wrapper.
const WEBRTC_SDKS: &[(Option<&str>, u32)] = &[(None, 80), (Some(""), 20)];

/// What `navigator.mediaDevices.getSupportedConstraints()` returns in a current browser.
const SUPPORTED_CONSTRAINTS: &str = r#"{"aspectRatio":true,"autoGainControl":true,"brightness":true,"channelCount":true,"deviceId":true,"echoCancellation":true,"facingMode":true,"frameRate":true,"groupId":true,"height":true,"latency":true,"noiseSuppression":true,"sampleRate":true,"sampleSize":true,"width":true}"#;
const GET_USER_MEDIA_CONSTRAINTS: &str = r#"{"audio":true,"video":{"width":1280,"height":720}}"#;
const AUDIO_TRACK_INFO: &str = r#"{"muted":false,"enabled":true,"readyState":"live","contentHint":"","settings":{"channelCount":1,"sampleRate":48000,"echoCancellation":true}}"#;
const VIDEO_TRACK_INFO: &str = r#"{"muted":false,"enabled":true,"readyState":"live","contentHint":"","settings":{"width":1280,"height":720,"frameRate":30}}"#;

struct Browser {
    name: &'static str,
    engine: &'static str,
    versions: &'static [(&'static str, u32)],
    /// `{os}` takes the platform token of the OS, `{v}` the browser version.
    user_agent: &'static str,
}

const CHROME: Browser = Browser {
    name: "Chrome",
    engine: "Blink",
    versions: &[
        ("122.0.0.0", 10),
        ("123.0.0.0", 20),
        ("124.0.0.0", 40),
        ("125.0.0.0", 30),
    ],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{v} Safari/537.36",
};
const SAFARI: Browser = Browser {
    name: "Safari",
    engine: "WebKit",
    versions: &[("17.3", 20), ("17.4", 45), ("17.5", 35)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{v} Safari/605.1.15",
};
const FIREFOX: Browser = Browser {
    name: "Firefox",
    engine: "Gecko",
    versions: &[("124.0", 30), ("125.0", 45), ("126.0", 25)],
    user_agent: "Mozilla/5.0 ({os}; rv:{v}) Gecko/20100101 Firefox/{v}",
};
const EDGE: Browser = Browser {
    name: "Edge",
    engine: "Blink",
    versions: &[("123.0.2420.97", 35), ("124.0.2478.80", 65)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/{v}",
};
const OPERA: Browser = Browser {
    name: "Opera",
    engine: "Blink",
    versions: &[("109.0.0.0", 100)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 OPR/{v}",
};
const SAMSUNG_INTERNET: Browser = Browser {
    name: "Samsung Internet",
    engine: "Blink",
    versions: &[("24.0", 100)],
    user_agent: "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/{v} Chrome/117.0.0.0 Mobile Safari/537.36",
};

struct Os {
    name: &'static str,
    /// Empty when UAParser reports no version.
    versions: &'static [(&'static str, u32)],
    user_agent: &'static str,
    /// UAParser's `device` (vendor, model, type) for mobiles.
    device: Option<(&'static str, &'static str, &'static str)>,
    cpu: Option<&'static str>,
    microphone: &'static str,
    camera: &'static str,
    speaker: Option<&'static str>,
}

const WINDOWS: Os = Os {
    name: "Windows",
    versions: &[("10", 100)],
    user_agent: "Windows NT 10.0; Win64; x64",
    device: None,
    cpu: Some("amd64"),
    microphone: "Microphone Array (Realtek(R) Audio)",
    camera: "Integrated Webcam (0c45:6723)",
    speaker: Some("Speakers (Realtek(R) Audio)"),
};
const MAC_OS: Os = Os {
    name: "Mac OS",
    versions: &[("10.15.7", 100)],
    user_agent: "Macintosh; Intel Mac OS X 10_15_7",
    device: None,
    cpu: None,
    microphone: "MacBook Pro Microphone (Built-in)",
    camera: "FaceTime HD Camera (1C1C:B782)",
    speaker: Some("MacBook Pro Speakers (Built-in)"),
};
const IOS: Os = Os {
    name: "iOS",
    versions: &[("17.3", 20), ("17.4.1", 45), ("17.5", 35)],
    user_agent: "iPhone; CPU iPhone OS 17_4_1 like Mac OS X",
    device: Some(("Apple", "iPhone", "mobile")),
    cpu: None,
    microphone: "iPhone Microphone",
    camera: "Front Camera",
    speaker: None,
};
const ANDROID: Os = Os {
    name: "Android",
    versions: &[("13", 40), ("14", 60)],
    user_agent: "Linux; Android 14; K",
    device: Some(("Samsung", "SM-S918B", "mobile")),
    cpu: None,
    microphone: "Default",
    camera: "camera2 1, facing front",
    speaker: None,
};
const LINUX: Os = Os {
    name: "Linux",
    versions: &[],
    user_agent: "X11; Linux x86_64",
    device: None,
    cpu: Some("amd64"),
    microphone: "Built-in Audio Analog Stereo",
    camera: "HD Webcam C270 (046d:0825)",
    speaker: Some("Built-in Audio Analog Stereo"),
};

/// Browser and OS combinations: Chrome ~65%, Safari ~15%, Firefox ~10%, Edge ~8%.
const PLATFORMS: &[((&Browser, &Os), u32)] = &[
    ((&CHROME, &WINDOWS), 32),
    ((&CHROME, &MAC_OS), 17),
    ((&CHROME, &ANDROID), 11),
    ((&CHROME, &LINUX), 5),
    ((&SAFARI, &MAC_OS), 8),
    ((&SAFARI, &IOS), 7),
    ((&FIREFOX, &WINDOWS), 6),
    ((&FIREFOX, &MAC_OS), 2),
    ((&FIREFOX, &LINUX), 2),
    ((&EDGE, &WINDOWS), 7),
    ((&EDGE, &MAC_OS), 1),
    ((&OPERA, &WINDOWS), 1),
    ((&SAMSUNG_INTERNET, &ANDROID), 1),
];

struct City {
    country: &'static str,
    region: &'static str,
    name: &'static str,
    latitude: f64,
    longitude: f64,
}

const fn city(
    country: &'static str,
    region: &'static str,
    name: &'static str,
    latitude: f64,
    longitude: f64,
) -> City {
    City {
        country,
        region,
        name,
        latitude,
        longitude,
    }
}

const CITIES: &[(City, u32)] = &[
    (city("US", "NY", "New York", 40.7128, -74.0060), 8),
    (city("US", "CA", "San Francisco", 37.7749, -122.4194), 6),
    (city("US", "IL", "Chicago", 41.8781, -87.6298), 4),
    (city("US", "TX", "Austin", 30.2672, -97.7431), 3),
    (city("US", "WA", "Seattle", 47.6062, -122.3321), 3),
    (city("US", "MA", "Boston", 42.3601, -71.0589), 2),
    (city("GB", "ENG", "London", 51.5074, -0.1278), 7),
    (city("GB", "ENG", "Manchester", 53.4808, -2.2426), 2),
    (city("DE", "BE", "Berlin", 52.5200, 13.4050), 4),
    (city("DE", "BY", "Munich", 48.1351, 11.5820), 3),
    (city("DE", "HH", "Hamburg", 53.5511, 9.9937), 2),
    (city("IN", "KA", "Bengaluru", 12.9716, 77.5946), 5),
    (city("IN", "MH", "Mumbai", 19.0760, 72.8777), 3),
    (city("IN", "DL", "New Delhi", 28.6139, 77.2090), 3),
    (city("IN", "MH", "Pune", 18.5204, 73.8567), 2),
    (city("BR", "SP", "São Paulo", -23.5505, -46.6333), 4),
    (city("BR", "RJ", "Rio de Janeiro", -22.9068, -43.1729), 2),
    (city("FR", "IDF", "Paris", 48.8566, 2.3522), 3),
    (city("ES", "MD", "Madrid", 40.4168, -3.7038), 2),
    (city("NL", "NH", "Amsterdam", 52.3676, 4.9041), 2),
    (city("CA", "ON", "Toronto", 43.6532, -79.3832), 3),
    (city("AU", "NSW", "Sydney", -33.8688, 151.2093), 2),
    (city("JP", "13", "Tokyo", 35.6762, 139.6503), 2),
    (city("MX", "CMX", "Mexico City", 19.4326, -99.1332), 2),
    (city("RO", "B", "Bucharest", 44.4268, 26.1025), 2),
];

const FIRST_NAMES: &[&str] = &[
    "Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kavya",
    "Liam", "Maya", "Noah", "Olga", "Priya", "Quentin", "Rosa", "Sam", "Tariq", "Uma", "Victor",
    "Wen", "Yara", "Zoe",
];
const LAST_INITIALS: &[u8] = b"ABCDEFGHIJKLMNOPRSTVW";

// ---------------------------------------------------------------------------------
// Call quality
// ---------------------------------------------------------------------------------

/// How a session's media fared; the lower two end in low_emos / very_low_emos issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quality {
    Good,
    Low,
    VeryLow,
}

const QUALITIES: &[(Quality, u32)] = &[
    (Quality::Good, 950),
    (Quality::Low, 40),
    (Quality::VeryLow, 10),
];

/// Network conditions behind a quality; the loss and delay are chosen so that the
/// eMOS of `domain::emos` lands above 4, in [3, 4) and below 3 respectively.
struct Conditions {
    loss_percent: f64,
    rtt_factor: f64,
    jitter_ms: f64,
    jitter_buffer_ms: f64,
    video_bitrate: f64,
    frames_per_second: f64,
    frame_size: (i64, i64),
}

impl Quality {
    fn conditions(self) -> &'static Conditions {
        match self {
            Quality::Good => &Conditions {
                loss_percent: 0.1,
                rtt_factor: 1.0,
                jitter_ms: 4.0,
                jitter_buffer_ms: 40.0,
                video_bitrate: 1_200_000.0,
                frames_per_second: 30.0,
                frame_size: (1280, 720),
            },
            Quality::Low => &Conditions {
                loss_percent: 2.0,
                rtt_factor: 1.8,
                jitter_ms: 18.0,
                jitter_buffer_ms: 60.0,
                video_bitrate: 600_000.0,
                frames_per_second: 22.0,
                frame_size: (960, 540),
            },
            Quality::VeryLow => &Conditions {
                loss_percent: 5.5,
                rtt_factor: 3.0,
                jitter_ms: 45.0,
                jitter_buffer_ms: 140.0,
                video_bitrate: 250_000.0,
                frames_per_second: 14.0,
                frame_size: (640, 360),
            },
        }
    }
}

// ---------------------------------------------------------------------------------
// Random helpers
// ---------------------------------------------------------------------------------

/// SplitMix64: tiny, fast and statistically fine for demo data. (rand's `SmallRng`
/// needs a cargo feature the crate does not enable.)
struct DemoRng {
    state: u64,
}

impl RngCore for DemoRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl SeedableRng for DemoRng {
    type Seed = [u8; 8];

    fn from_seed(seed: Self::Seed) -> Self {
        DemoRng {
            state: u64::from_le_bytes(seed),
        }
    }

    fn seed_from_u64(state: u64) -> Self {
        DemoRng { state }
    }
}

/// A version-4 UUID from the seeded generator, so a seed reproduces its ids.
fn new_id(rng: &mut DemoRng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.r#gen()).into_uuid()
}

/// A UUID laid out as version 7: the row's own millisecond timestamp, then 74 bits
/// from the seeded generator. Rows are generated roughly in time order, so their
/// primary keys (and the indexes led by conference or session ids) grow at the right
/// edge of each B-tree instead of landing on random pages; that made the event and
/// track inserts about twice as fast on SQLite. They remain ordinary unique UUIDs.
fn time_ordered_id(rng: &mut DemoRng, at_micros: i64) -> Uuid {
    let millis = (at_micros / 1_000).max(0) as u64;
    uuid::Builder::from_unix_timestamp_millis(millis, &rng.r#gen()).into_uuid()
}

/// A standard normal variate (Box-Muller).
fn standard_normal(rng: &mut DemoRng) -> f64 {
    let u1: f64 = 1.0 - rng.r#gen::<f64>(); // (0, 1], so ln is finite
    let u2: f64 = rng.r#gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn log_normal(rng: &mut DemoRng, median: f64, sigma: f64) -> f64 {
    median * (sigma * standard_normal(rng)).exp()
}

fn exponential(rng: &mut DemoRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.r#gen::<f64>()).ln()
}

/// A uniform instant within `[from, from + fraction_range × span]`.
fn between(rng: &mut DemoRng, from: i64, span: i64, fractions: std::ops::Range<f64>) -> i64 {
    from + (span as f64 * rng.gen_range(fractions)) as i64
}

/// How long a call lasts: a sixth are dropped or abandoned within a minute, the rest
/// log-normal around 14 minutes (overall median ≈ 12 min, ~4% over an hour).
fn call_length(rng: &mut DemoRng) -> i64 {
    let seconds = if rng.gen_bool(0.15) {
        // log-uniform between 20 s and a minute
        20.0 * 3f64.powf(rng.r#gen::<f64>())
    } else {
        log_normal(rng, 840.0, 0.85).clamp(20.0, 4.0 * 3600.0)
    };
    (seconds * SECOND as f64) as i64
}

/// addConnection to connected, in ms: median ~600 ms, relays slower, a tail past 5 s.
fn setup_time_ms(rng: &mut DemoRng, relayed: bool) -> i64 {
    let median = if relayed { 850.0 } else { 600.0 };
    log_normal(rng, median, 0.9).clamp(80.0, 20_000.0) as i64
}

/// A random instant in `[from, to)` following the daily and weekly volume pattern.
fn busy_instant(rng: &mut DemoRng, from: i64, to: i64) -> i64 {
    loop {
        let at = rng.gen_range(from..to);
        // 1970-01-01 was a Thursday; 0 = Sunday.
        let weekday = (at.div_euclid(DAY) + 4).rem_euclid(7);
        let hour = (at.rem_euclid(DAY) / HOUR) as usize;
        let mut volume = f64::from(HOURLY_VOLUME[hour]) / 100.0;
        if weekday == 0 || weekday == 6 {
            volume *= WEEKEND_VOLUME;
        }
        if rng.r#gen::<f64>() < volume {
            return at;
        }
    }
}

/// The client version at a time: 2.3.1 shipped 22 days and 2.4.0 10 days before
/// `now`, each taking over within about a week.
fn app_version(rng: &mut DemoRng, at: i64, now: i64) -> &'static str {
    let days_ago = (now - at) as f64 / DAY as f64;
    let adoption = |released_days_ago: f64| ((released_days_ago - days_ago) / 7.0).clamp(0.0, 1.0);
    let share_240 = 0.75 * adoption(10.0);
    let share_231 = (1.0 - share_240) * 0.85 * adoption(22.0);
    let ticket: f64 = rng.r#gen();
    if ticket < share_240 {
        "2.4.0"
    } else if ticket < share_240 + share_231 {
        "2.3.1"
    } else {
        "2.3.0"
    }
}

fn hex_id(rng: &mut DemoRng) -> String {
    format!(
        "{:016x}{:016x}{:016x}{:016x}",
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>(),
        rng.r#gen::<u64>()
    )
}

fn whole_seconds(from: i64, to: i64) -> i64 {
    (to - from).max(0) / SECOND
}

fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}

// ---------------------------------------------------------------------------------
// Participants
// ---------------------------------------------------------------------------------

/// One person of an app's pool, with the device and place they always call from,
/// rendered to JSON once and copied into each of their sessions.
struct Participant {
    id: Uuid,
    participant_id: String,
    name: String,
    browser: &'static Browser,
    browser_version: &'static str,
    os: &'static Os,
    os_version: Option<&'static str>,
    city: &'static City,
    platform_json: String,
    geo_json: String,
    devices_json: String,
}

impl Participant {
    fn generate(rng: &mut DemoRng, index: usize) -> Participant {
        let &(browser, os) = pick(rng, PLATFORMS);
        let browser_version = *pick(rng, browser.versions);
        let os_version = (!os.versions.is_empty()).then(|| *pick(rng, os.versions));
        let city = pick(rng, CITIES);
        let first = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
        let initial = LAST_INITIALS[rng.gen_range(0..LAST_INITIALS.len())] as char;
        Participant {
            id: new_id(rng),
            participant_id: format!("user-{:05}", index + 1),
            name: format!("{first} {initial}."),
            browser,
            browser_version,
            os,
            os_version,
            city,
            platform_json: platform_json(browser, browser_version, os, os_version),
            geo_json: json!({
                "country_code": city.country,
                "region_code": city.region,
                "city": city.name,
                "latitude": city.latitude,
                "longitude": city.longitude,
            })
            .to_string(),
            devices_json: devices_json(rng, os),
        }
    }
}

/// A UAParser result as the SDK sends it.
fn platform_json(browser: &Browser, version: &str, os: &Os, os_version: Option<&str>) -> String {
    let user_agent = browser
        .user_agent
        .replace("{os}", os.user_agent)
        .replace("{v}", version);
    let major = version.split('.').next().unwrap_or(version);
    let mut os_json = Map::new();
    os_json.insert("name".into(), os.name.into());
    if let Some(os_version) = os_version {
        os_json.insert("version".into(), os_version.into());
    }
    let device = match os.device {
        Some((vendor, model, kind)) => json!({"vendor": vendor, "model": model, "type": kind}),
        None => json!({}),
    };
    let cpu = match os.cpu {
        Some(architecture) => json!({"architecture": architecture}),
        None => json!({}),
    };
    json!({
        "ua": user_agent,
        "browser": {"name": browser.name, "version": version, "major": major},
        "engine": {"name": browser.engine},
        "os": Value::Object(os_json),
        "device": device,
        "cpu": cpu,
    })
    .to_string()
}

/// The MediaDeviceInfo list: microphone and camera, plus a speaker where browsers list one.
fn devices_json(rng: &mut DemoRng, os: &Os) -> String {
    let audio_group = hex_id(rng);
    let mut devices = vec![
        json!({"deviceId": hex_id(rng), "kind": "audioinput", "label": os.microphone, "groupId": audio_group}),
        json!({"deviceId": hex_id(rng), "kind": "videoinput", "label": os.camera, "groupId": hex_id(rng)}),
    ];
    if let Some(speaker) = os.speaker {
        devices.push(json!({"deviceId": hex_id(rng), "kind": "audiooutput", "label": speaker, "groupId": audio_group}));
    }
    Value::Array(devices).to_string()
}

// ---------------------------------------------------------------------------------
// Plans: when each conference happens
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Plan {
    /// The first participant's /initialize.
    created_at: i64,
    /// From `created_at` to the last participant leaving; for an ongoing conference,
    /// to `now`.
    length: i64,
    ongoing: bool,
    /// Whether its connections get stats and track samples.
    detailed: bool,
    /// Pool indexes of its participants, the first `size` of them used.
    members: [u32; MAX_CONFERENCE_SIZE],
    size: usize,
}

/// An app's conferences in chronological order; the most recent ended ones of prod
/// and all ongoing ones are detailed.
fn plan_conferences(rng: &mut DemoRng, count: u32, now: i64, detailed_recent: usize) -> Vec<Plan> {
    let ongoing = (f64::from(count) * ONGOING_SHARE).round() as u32;
    let mut plans = Vec::with_capacity(count as usize);
    for _ in 0..ongoing {
        let length = call_length(rng).clamp(30 * SECOND, HOUR);
        plans.push(Plan {
            created_at: now - length,
            length,
            ongoing: true,
            detailed: true,
            members: [0; MAX_CONFERENCE_SIZE],
            size: 0,
        });
    }
    let latest_end = now - MINUTE;
    for _ in ongoing..count {
        let length = call_length(rng);
        let created_at = loop {
            let at = busy_instant(rng, now - HISTORY, latest_end);
            if at + length <= latest_end {
                break at;
            }
        };
        plans.push(Plan {
            created_at,
            length,
            ongoing: false,
            detailed: false,
            members: [0; MAX_CONFERENCE_SIZE],
            size: 0,
        });
    }
    plans.sort_by_key(|plan| plan.created_at);
    for plan in plans
        .iter_mut()
        .rev()
        .filter(|plan| !plan.ongoing)
        .take(detailed_recent)
    {
        plan.detailed = true;
    }
    plans
}

// ---------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------

struct AppState {
    id: Uuid,
    name: &'static str,
    plans: Vec<Plan>,
    next_plan: usize,
    participants: Vec<Participant>,
}

/// Fills `members` with distinct pool indexes, skewed towards the start of the pool:
/// a few people call far more often than most.
fn draw_members(rng: &mut DemoRng, pool: usize, members: &mut [u32]) {
    for slot in 0..members.len() {
        members[slot] = loop {
            let index =
                ((rng.r#gen::<f64>().powf(1.3) * pool as f64) as usize).min(pool - 1) as u32;
            if !members[..slot].contains(&index) {
                break index;
            }
        };
    }
}

/// The rows of one or more conferences of one app, ready for `insert_seed`.
struct Chunk {
    app: &'static str,
    conferences: usize,
    batch: SeedBatch,
}

struct Generator {
    rng: DemoRng,
    now: i64,
    apps: Vec<AppState>,
    current_app: usize,
    /// Every pool member that takes part in a conference, created at its first one.
    participants: Vec<ParticipantRow>,
}

impl Generator {
    /// `app_ids` belong to [`APP_SPECS`], in order.
    fn new(options: &SeedOptions, app_ids: &[Uuid]) -> Generator {
        let mut rng = DemoRng::seed_from_u64(options.rng_seed);
        let mut participant_rows = Vec::new();
        let apps = APP_SPECS
            .iter()
            .zip(app_ids)
            .map(|(spec, &id)| {
                let count = options.conference_count(spec);
                let detailed_recent = if spec.name == PROD {
                    DETAILED_RECENT_CONFERENCES
                } else {
                    0
                };
                let mut plans = plan_conferences(&mut rng, count, options.now, detailed_recent);
                let pool = ((count / CONFERENCES_PER_PARTICIPANT) as usize).max(MIN_POOL);
                let participants: Vec<Participant> = (0..pool)
                    .map(|index| Participant::generate(&mut rng, index))
                    .collect();
                // Who meets whom is decided up front, so every participant row can be
                // written before any conference.
                let mut first_seen: Vec<Option<i64>> = vec![None; pool];
                for plan in &mut plans {
                    plan.size = *pick(&mut rng, CONFERENCE_SIZES);
                    draw_members(&mut rng, pool, &mut plan.members[..plan.size]);
                    for &member in &plan.members[..plan.size] {
                        first_seen[member as usize].get_or_insert(plan.created_at);
                    }
                }
                participant_rows.extend(participants.iter().zip(&first_seen).filter_map(
                    |(participant, first)| {
                        first.map(|created_at| ParticipantRow {
                            id: participant.id,
                            app_id: id,
                            participant_id: participant.participant_id.clone(),
                            participant_name: Some(participant.name.clone()),
                            is_sfu: false,
                            created_at,
                        })
                    },
                ));
                AppState {
                    id,
                    name: spec.name,
                    plans,
                    next_plan: 0,
                    participants,
                }
            })
            .collect();
        Generator {
            rng,
            now: options.now,
            apps,
            current_app: 0,
            participants: participant_rows,
        }
    }

    /// The participant rows, to be written before any chunk.
    fn take_participants(&mut self) -> Vec<ParticipantRow> {
        std::mem::take(&mut self.participants)
    }

    fn total_conferences(&self) -> u64 {
        self.apps.iter().map(|app| app.plans.len() as u64).sum()
    }

    fn next_chunk(&mut self) -> Option<Chunk> {
        while let Some(app) = self.apps.get_mut(self.current_app) {
            if app.next_plan == app.plans.len() {
                self.current_app += 1;
                continue;
            }
            let mut batch = SeedBatch::default();
            let mut conferences = 0;
            while app.next_plan < app.plans.len()
                && conferences < CHUNK_CONFERENCES
                && batch.row_count() < CHUNK_ROWS
            {
                let plan = app.plans[app.next_plan];
                app.next_plan += 1;
                generate_conference(&mut self.rng, app, &plan, self.now, &mut batch);
                conferences += 1;
            }
            return Some(Chunk {
                app: app.name,
                conferences,
                batch,
            });
        }
        None
    }
}

// ---------------------------------------------------------------------------------
// One conference
// ---------------------------------------------------------------------------------

/// One page-session of a participant: created (POST /sessions), ready to connect
/// (first addConnection possible), left (unload; `None` while still in the call).
#[derive(Debug, Clone, Copy)]
struct Span {
    created_at: i64,
    ready: i64,
    left: Option<i64>,
}

/// When each member is in the call, one span per session. Every member's first span
/// is ready before a quarter of the call and every last span leaves after three
/// quarters, so all pairs overlap and the conference has one active period.
fn member_spans(rng: &mut DemoRng, plan: &Plan, size: usize) -> Vec<Vec<Span>> {
    let start = plan.created_at;
    let length = plan.length;
    let preload = |rng: &mut DemoRng| rng.gen_range(SECOND..4 * SECOND);
    if size == 1 {
        // A no-show: waits alone for half a minute to a few minutes, then gives up.
        let ready = start + preload(rng);
        let wait = rng.gen_range(30 * SECOND..300 * SECOND).min(length);
        let left = (!plan.ongoing).then_some(start + wait.max(ready - start + SECOND));
        return vec![vec![Span {
            created_at: start,
            ready,
            left,
        }]];
    }
    let last_to_leave = rng.gen_range(0..size);
    (0..size)
        .map(|member| {
            let joined = if member == 0 {
                start
            } else {
                start + (exponential(rng, 25.0 * SECOND as f64) as i64).min(length / 4)
            };
            let ready = joined + preload(rng);
            let left = (!plan.ongoing).then(|| {
                let early = if member == last_to_leave {
                    0
                } else {
                    (exponential(rng, 10.0 * SECOND as f64) as i64).min(length / 4)
                };
                start + length - early
            });
            // ~3% drop out and rejoin mid-call with a new session (long enough calls only).
            if length >= 2 * MINUTE && rng.gen_bool(0.03) {
                let dropped = between(rng, start, length, 0.3..0.55);
                let rejoined = dropped + rng.gen_range(3 * SECOND..20 * SECOND);
                vec![
                    Span {
                        created_at: joined,
                        ready,
                        left: Some(dropped),
                    },
                    Span {
                        created_at: rejoined,
                        ready: rejoined + preload(rng),
                        left,
                    },
                ]
            } else {
                vec![Span {
                    created_at: joined,
                    ready,
                    left,
                }]
            }
        })
        .collect()
}

/// Ids and counters shared by all rows of one conference; issues go through here so
/// the conference's denormalised error and warning counts always match its rows.
struct ConferenceScope {
    app_id: Uuid,
    conference_id: Uuid,
    errors: i64,
    warnings: i64,
}

/// Who an event or issue is about.
#[derive(Debug, Clone, Copy)]
struct Actor {
    session: Uuid,
    participant: Uuid,
    peer: Option<Uuid>,
    connection: Option<Uuid>,
}

impl ConferenceScope {
    #[allow(clippy::too_many_arguments)]
    fn event(
        &self,
        rng: &mut DemoRng,
        batch: &mut SeedBatch,
        actor: Actor,
        category: &str,
        event_type: &str,
        data: Option<String>,
        at: i64,
    ) {
        batch.events.push(EventRow {
            id: time_ordered_id(rng, at),
            app_id: self.app_id,
            conference_id: self.conference_id,
            session_id: actor.session,
            participant_id: actor.participant,
            peer_id: actor.peer,
            connection_id: actor.connection,
            track_id: None,
            category: category.to_string(),
            event_type: event_type.to_string(),
            data,
            created_at: at,
        });
    }

    /// An `onconnectionstatechange` (or ICE) event whose data is the new state as a JSON string.
    fn state_event(
        &self,
        rng: &mut DemoRng,
        batch: &mut SeedBatch,
        actor: Actor,
        event_type: &str,
        state: &str,
        at: i64,
    ) {
        self.event(
            rng,
            batch,
            actor,
            "connection",
            event_type,
            Some(format!("\"{state}\"")),
            at,
        );
    }

    fn issue(
        &mut self,
        rng: &mut DemoRng,
        batch: &mut SeedBatch,
        actor: Actor,
        code: IssueCode,
        data: Option<String>,
        at: i64,
    ) {
        let severity = code.severity();
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        batch.issues.push(IssueRow {
            id: time_ordered_id(rng, at),
            app_id: self.app_id,
            conference_id: self.conference_id,
            session_id: actor.session,
            participant_id: actor.participant,
            connection_id: actor.connection,
            track_id: None,
            severity: severity.as_str().to_string(),
            code: code.as_str().to_string(),
            data,
            created_at: at,
        });
    }
}

/// Per-session state needed after the session row is written.
struct SessionState {
    id: Uuid,
    participant: Uuid,
    /// The member's position in the conference.
    slot: usize,
    /// Where its row sits in `batch.sessions`, to set `call_start` once connections exist.
    row_index: usize,
    span: Span,
    quality: Quality,
    /// Row ids of the outbound audio and video tracks; `None` without media access.
    outbound_tracks: Option<(Uuid, Uuid)>,
    /// MediaStreamTrack ids of the audio and video this session sends.
    track_ids: (String, String),
    emos: EmosTally,
    had_connections: bool,
    established: bool,
}

/// Inbound-audio eMOS samples per issue band, for the issue's `average`.
#[derive(Debug, Default, Clone, Copy)]
struct EmosTally {
    low: (f64, u32),
    very_low: (f64, u32),
}

impl EmosTally {
    fn add(&mut self, score: f64) {
        if score < emos::VERY_LOW {
            self.very_low.0 += score;
            self.very_low.1 += 1;
        } else if score < emos::LOW {
            self.low.0 += score;
            self.low.1 += 1;
        }
    }
}

/// How one connection goes, drawn per session so the rates read as "share of sessions".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Clean,
    /// Goes to `disconnected` once and recovers.
    Disconnected,
    /// Connected, then `failed` mid-call.
    Failed,
    /// ICE never finds a path.
    IceFailed,
    /// Part of a session that cannot connect to anyone (→ no_connection).
    Unreachable,
}

fn connection_outcomes(rng: &mut DemoRng, connections: usize) -> Vec<Outcome> {
    if connections == 0 {
        return Vec::new();
    }
    if rng.gen_bool(0.007) {
        return vec![Outcome::Unreachable; connections];
    }
    let mut outcomes = vec![Outcome::Clean; connections];
    // Applied mildest first so a rarer, worse outcome wins a shared connection.
    for (outcome, rate) in [
        (Outcome::Disconnected, 0.06),
        (Outcome::Failed, 0.015),
        (Outcome::IceFailed, 0.01),
    ] {
        if rng.gen_bool(rate) {
            outcomes[rng.gen_range(0..connections)] = outcome;
        }
    }
    outcomes
}

fn generate_conference(
    rng: &mut DemoRng,
    app: &AppState,
    plan: &Plan,
    now: i64,
    batch: &mut SeedBatch,
) {
    let mut scope = ConferenceScope {
        app_id: app.id,
        conference_id: time_ordered_id(rng, plan.created_at),
        errors: 0,
        warnings: 0,
    };
    let size = plan.size;
    let members: Vec<usize> = plan.members[..size]
        .iter()
        .map(|&member| member as usize)
        .collect();
    let spans = member_spans(rng, plan, size);

    for (&member, member_spans) in members.iter().zip(&spans) {
        let joined = member_spans[0].created_at;
        batch.conference_participants.push((
            scope.conference_id,
            app.participants[member].id,
            joined,
        ));
    }

    let mut sessions = Vec::with_capacity(size + 1);
    for (slot, member_spans) in spans.iter().enumerate() {
        for (rejoin, span) in member_spans.iter().enumerate() {
            sessions.push(open_session(
                rng,
                &mut scope,
                app,
                members[slot],
                slot,
                *span,
                rejoin > 0,
                now,
                batch,
            ));
        }
    }

    // Peers see each member from its first session's readiness (and tracks) until its
    // last session leaves.
    let windows: Vec<(i64, Option<i64>)> = spans
        .iter()
        .map(|member_spans| {
            (
                member_spans[0].ready,
                member_spans[member_spans.len() - 1].left,
            )
        })
        .collect();
    let first_session_of: Vec<usize> = (0..size)
        .map(|slot| {
            sessions
                .iter()
                .position(|session| session.slot == slot)
                .unwrap_or(0)
        })
        .collect();

    let mut first_connection: Option<i64> = None;
    let mut last_connection_end: Option<i64> = None;
    let mut connection_count = 0;
    for index in 0..sessions.len() {
        let peers: Vec<usize> = (0..size)
            .filter(|&slot| slot != sessions[index].slot)
            .collect();
        let outcomes = connection_outcomes(rng, peers.len());
        let mut session_call_start: Option<i64> = None;
        for (&peer_slot, &outcome) in peers.iter().zip(&outcomes) {
            let peer_session = &sessions[first_session_of[peer_slot]];
            let peer_participant = &app.participants[members[peer_slot]];
            let peer = PeerView {
                participant: peer_participant.id,
                participant_id: &peer_participant.participant_id,
                window: windows[peer_slot],
                track_ids: peer_session.track_ids.clone(),
                sends_media: peer_session.outbound_tracks.is_some(),
            };
            let session = &mut sessions[index];
            let connection = open_connection(
                rng,
                &mut scope,
                batch,
                session,
                &peer,
                outcome,
                plan.detailed,
                now,
            );
            session.had_connections = true;
            session.established |= connection.established;
            connection_count += 1;
            first_connection = Some(
                first_connection.map_or(connection.start, |first| first.min(connection.start)),
            );
            session_call_start = Some(
                session_call_start.map_or(connection.start, |first| first.min(connection.start)),
            );
            last_connection_end = last_connection_end.max(connection.end);
        }
        // A session's call_start is only kept while its connections are up.
        if sessions[index].span.left.is_none() {
            batch.sessions[sessions[index].row_index].call_start = session_call_start;
        }
    }
    for session in &sessions {
        close_session(rng, &mut scope, batch, session, plan, last_connection_end);
    }

    let ongoing = plan.ongoing && first_connection.is_some();
    let end_time = if ongoing { None } else { last_connection_end };
    let session_ends = sessions
        .iter()
        .filter_map(|session| session.span.left)
        .max()
        .unwrap_or(plan.created_at);
    let last_activity_at = if plan.ongoing {
        now - rng.gen_range(0..5 * SECOND)
    } else {
        session_ends
    };
    batch.conferences.push(ConferenceRow {
        id: scope.conference_id,
        app_id: app.id,
        conference_id: format!("{:016x}", rng.r#gen::<u64>()),
        conference_name: pick(rng, CONFERENCE_NAMES).map(str::to_string),
        created_at: plan.created_at,
        start_time: first_connection,
        call_start: if ongoing { first_connection } else { None },
        end_time,
        ongoing,
        duration_s: match (first_connection, end_time) {
            (Some(start), Some(end)) => whole_seconds(start, end),
            _ => 0,
        },
        last_activity_at,
        participant_count: size as i64,
        session_count: sessions.len() as i64,
        connection_count,
        error_count: scope.errors,
        warning_count: scope.warnings,
    });
}

/// Writes a session row with its getUserMedia event, outbound tracks and the issues
/// known when it starts.
#[allow(clippy::too_many_arguments)]
fn open_session(
    rng: &mut DemoRng,
    scope: &mut ConferenceScope,
    app: &AppState,
    pool_index: usize,
    slot: usize,
    span: Span,
    rejoin: bool,
    now: i64,
    batch: &mut SeedBatch,
) -> SessionState {
    let participant = &app.participants[pool_index];
    let id = time_ordered_id(rng, span.created_at);
    let actor = Actor {
        session: id,
        participant: participant.id,
        peer: None,
        connection: None,
    };
    let row_index = batch.sessions.len();
    batch.sessions.push(SessionRow {
        id,
        app_id: scope.app_id,
        conference_id: scope.conference_id,
        participant_id: participant.id,
        created_at: span.created_at,
        end_time: span.left,
        call_start: None,
        duration_s: span
            .left
            .map_or(0, |left| whole_seconds(span.created_at, left)),
        platform: Some(participant.platform_json.clone()),
        devices: Some(participant.devices_json.clone()),
        constraints: Some(SUPPORTED_CONSTRAINTS.to_string()),
        metadata: pick(rng, SESSION_METADATA).map(str::to_string),
        geo: Some(participant.geo_json.clone()),
        browser_name: Some(participant.browser.name.to_string()),
        browser_version: Some(participant.browser_version.to_string()),
        os_name: Some(participant.os.name.to_string()),
        os_version: participant.os_version.map(str::to_string),
        country_code: Some(participant.city.country.to_string()),
        city: Some(participant.city.name.to_string()),
        latitude: Some(participant.city.latitude),
        longitude: Some(participant.city.longitude),
        app_version: Some(app_version(rng, span.created_at, now).to_string()),
        webrtc_sdk: pick(rng, WEBRTC_SDKS).map(str::to_string),
    });
    if rejoin {
        scope.issue(
            rng,
            batch,
            actor,
            IssueCode::MultipleRejoins,
            None,
            span.created_at,
        );
    }

    // getUserMedia right after the page loads; ~2% fail, 40% of those for every device.
    let asked_at = span.created_at + rng.gen_range(100_000..900_000);
    let media_error = rng
        .gen_bool(0.02)
        .then(|| *pick(rng, GET_USER_MEDIA_ERRORS));
    let no_media = media_error.is_some() && rng.gen_bool(0.4);
    let event_data = match media_error {
        None => format!(r#"{{"constraints":{GET_USER_MEDIA_CONSTRAINTS}}}"#),
        Some((name, message)) => {
            format!(
                r#"{{"constraints":{GET_USER_MEDIA_CONSTRAINTS},"error":{{"name":"{name}","message":"{message}"}}}}"#
            )
        }
    };
    scope.event(
        rng,
        batch,
        actor,
        "getUserMedia",
        "getUserMedia",
        Some(event_data),
        asked_at,
    );
    if let Some((name, message)) = media_error {
        let data = format!(r#"{{"name":"{name}","message":"{message}"}}"#);
        scope.issue(
            rng,
            batch,
            actor,
            IssueCode::GetUserMediaError,
            Some(data),
            asked_at,
        );
    }

    let track_ids = (new_id(rng).to_string(), new_id(rng).to_string());
    let outbound_tracks = (!no_media).then(|| {
        let audio = push_track(
            rng,
            batch,
            id,
            None,
            "audio",
            "outbound",
            &track_ids.0,
            Some(participant.os.microphone),
            asked_at,
        );
        let video = push_track(
            rng,
            batch,
            id,
            None,
            "video",
            "outbound",
            &track_ids.1,
            Some(participant.os.camera),
            asked_at,
        );
        (audio, video)
    });
    SessionState {
        id,
        participant: participant.id,
        slot,
        row_index,
        span,
        quality: *pick(rng, QUALITIES),
        outbound_tracks,
        track_ids,
        emos: EmosTally::default(),
        had_connections: false,
        established: false,
    }
}

/// Issues and events of a session's end: no_media_access and no_connection are judged
/// at unload, eMOS issues when the ended conference's summary is built.
fn close_session(
    rng: &mut DemoRng,
    scope: &mut ConferenceScope,
    batch: &mut SeedBatch,
    session: &SessionState,
    plan: &Plan,
    conference_end: Option<i64>,
) {
    let actor = Actor {
        session: session.id,
        participant: session.participant,
        peer: None,
        connection: None,
    };
    let Some(left) = session.span.left else {
        return;
    };
    scope.event(rng, batch, actor, "browser", "unload", None, left);
    if session.outbound_tracks.is_none() {
        scope.issue(rng, batch, actor, IssueCode::NoMediaAccess, None, left);
    }
    if session.had_connections && !session.established {
        scope.issue(rng, batch, actor, IssueCode::NoConnection, None, left);
    }
    if plan.ongoing || !session.established {
        return;
    }
    let (code, band, fallback) = match session.quality {
        Quality::Good => return,
        Quality::Low => (IssueCode::LowEmos, session.emos.low, 3.2..3.9),
        Quality::VeryLow => (IssueCode::VeryLowEmos, session.emos.very_low, 2.2..2.9),
    };
    let average = if band.1 > 0 {
        band.0 / f64::from(band.1)
    } else {
        rng.gen_range(fallback)
    };
    let data = json!({ "average": round_to(average, 2) }).to_string();
    scope.issue(
        rng,
        batch,
        actor,
        code,
        Some(data),
        conference_end.unwrap_or(left).max(left),
    );
}

#[allow(clippy::too_many_arguments)]
fn push_track(
    rng: &mut DemoRng,
    batch: &mut SeedBatch,
    session: Uuid,
    connection: Option<Uuid>,
    kind: &str,
    direction: &str,
    track_id: &str,
    label: Option<&str>,
    at: i64,
) -> Uuid {
    let id = time_ordered_id(rng, at);
    batch.tracks.push(TrackRow {
        id,
        session_id: session,
        connection_id: connection,
        kind: kind.to_string(),
        direction: direction.to_string(),
        track_id: track_id.to_string(),
        label: label.map(str::to_string),
        info: if kind == "audio" {
            AUDIO_TRACK_INFO
        } else {
            VIDEO_TRACK_INFO
        }
        .to_string(),
        created_at: at,
    });
    id
}

/// The other side of a connection.
struct PeerView<'a> {
    participant: Uuid,
    participant_id: &'a str,
    /// From the peer's first readiness to its last departure.
    window: (i64, Option<i64>),
    track_ids: (String, String),
    sends_media: bool,
}

struct ConnectionSummary {
    start: i64,
    end: Option<i64>,
    established: bool,
}

/// Writes one connection with its events, issues, inbound tracks and, for detailed
/// conferences, its stats series.
#[allow(clippy::too_many_arguments)]
fn open_connection(
    rng: &mut DemoRng,
    scope: &mut ConferenceScope,
    batch: &mut SeedBatch,
    session: &mut SessionState,
    peer: &PeerView<'_>,
    outcome: Outcome,
    detailed: bool,
    now: i64,
) -> ConnectionSummary {
    let start = session.span.ready.max(peer.window.0);
    let id = time_ordered_id(rng, start);
    let participant = session.participant;
    let actor = Actor {
        session: session.id,
        participant,
        peer: Some(peer.participant),
        connection: Some(id),
    };
    let end = match (session.span.left, peer.window.1) {
        (Some(mine), Some(theirs)) => Some(mine.min(theirs)),
        (Some(mine), None) => Some(mine),
        (None, theirs) => theirs,
    };
    let until = end.unwrap_or(now);
    let established = !matches!(outcome, Outcome::IceFailed | Outcome::Unreachable);

    scope.event(
        rng,
        batch,
        actor,
        "connection",
        "addConnection",
        Some(format!(r#"{{"peerId":"{}"}}"#, peer.participant_id)),
        start,
    );
    scope.state_event(
        rng,
        batch,
        actor,
        "onconnectionstatechange",
        "connecting",
        start + 30_000,
    );

    let candidate_type = established.then(|| *pick(rng, CANDIDATE_TYPES));
    let relayed = candidate_type == Some(RELAY);
    let tcp = established && rng.gen_bool(0.02);
    // Never longer than half the connection, so `connected` precedes the end.
    let setup_ms = established.then(|| setup_time_ms(rng, relayed).min((until - start) / 2 / 1000));
    let connected_at = setup_ms.map(|ms| start + ms * 1000);

    let mut failed = false;
    let negotiation_end;
    match (outcome, connected_at) {
        (Outcome::IceFailed | Outcome::Unreachable, _) => {
            let failed_at = start
                + rng
                    .gen_range(10 * SECOND..30 * SECOND)
                    .min((until - start) / 2);
            if outcome == Outcome::IceFailed {
                scope.state_event(
                    rng,
                    batch,
                    actor,
                    "oniceconnectionstatechange",
                    "failed",
                    failed_at,
                );
                scope.issue(rng, batch, actor, IssueCode::IceFailed, None, failed_at);
            }
            scope.state_event(
                rng,
                batch,
                actor,
                "onconnectionstatechange",
                "failed",
                failed_at,
            );
            failed = true;
            negotiation_end = failed_at;
        }
        (_, Some(connected)) => {
            scope.state_event(
                rng,
                batch,
                actor,
                "onconnectionstatechange",
                "connected",
                connected,
            );
            negotiation_end = connected;
            if outcome == Outcome::Disconnected {
                let lost_at = between(rng, connected, until - connected, 0.2..0.8);
                let back_at = lost_at
                    + rng
                        .gen_range(2 * SECOND..10 * SECOND)
                        .min((until - lost_at) / 2);
                scope.state_event(
                    rng,
                    batch,
                    actor,
                    "onconnectionstatechange",
                    "disconnected",
                    lost_at,
                );
                scope.issue(
                    rng,
                    batch,
                    actor,
                    IssueCode::ConnectionDisconnected,
                    None,
                    lost_at,
                );
                scope.state_event(
                    rng,
                    batch,
                    actor,
                    "onconnectionstatechange",
                    "connected",
                    back_at,
                );
            } else if outcome == Outcome::Failed {
                let failed_at = between(rng, connected, until - connected, 0.5..0.95);
                scope.state_event(
                    rng,
                    batch,
                    actor,
                    "onconnectionstatechange",
                    "failed",
                    failed_at,
                );
                scope.issue(
                    rng,
                    batch,
                    actor,
                    IssueCode::ConnectionFailed,
                    None,
                    failed_at,
                );
                failed = true;
            }
            // Flagged by the first stats report after connecting.
            let first_stats = (connected + STATS_INTERVAL).min(until);
            if relayed {
                scope.issue(rng, batch, actor, IssueCode::TurnUsed, None, first_stats);
            }
            if tcp {
                scope.issue(rng, batch, actor, IssueCode::TcpUsed, None, first_stats);
            }
        }
        (_, None) => unreachable!("established connections have a setup time"),
    }
    if let (Some(end), false) = (end, failed) {
        scope.state_event(rng, batch, actor, "onconnectionstatechange", "closed", end);
    }

    let state = match (failed, end) {
        (true, _) => "failed",
        (false, Some(_)) => "closed",
        (false, None) => "connected",
    };
    let negotiations = format!(
        r#"[{{"type":"initial","status":"{}","start_time":"{}","end_time":"{}","duration":{}}}]"#,
        if established { "connected" } else { "failed" },
        format_pm(start),
        format_pm(negotiation_end),
        whole_seconds(start, negotiation_end),
    );
    batch.connections.push(ConnectionRow {
        id,
        app_id: scope.app_id,
        conference_id: scope.conference_id,
        session_id: session.id,
        participant_id: participant,
        peer_id: peer.participant,
        connection_type: candidate_type.map(str::to_string),
        state: state.to_string(),
        negotiations,
        setup_time_ms: setup_ms,
        detected_tcp: tcp,
        detected_turn: relayed,
        established,
        start_time: start,
        end_time: end,
        duration_s: end.map_or(0, |end| whole_seconds(start, end)),
        created_at: start,
    });

    if let (Some(connected), Some(candidate_type)) = (connected_at, candidate_type) {
        let inbound_tracks = peer.sends_media.then(|| {
            let audio = push_track(
                rng,
                batch,
                session.id,
                Some(id),
                "audio",
                "inbound",
                &peer.track_ids.0,
                None,
                connected,
            );
            let video = push_track(
                rng,
                batch,
                session.id,
                Some(id),
                "video",
                "inbound",
                &peer.track_ids.1,
                None,
                connected,
            );
            (audio, video)
        });
        if detailed {
            let series = SampleSeries {
                connection: id,
                candidate_type,
                tcp,
                conditions: session.quality.conditions(),
                from: connected,
                until,
                inbound_tracks,
                outbound_tracks: session.outbound_tracks,
            };
            push_samples(rng, batch, &series, &mut session.emos);
        }
    }
    ConnectionSummary {
        start,
        end,
        established,
    }
}

// ---------------------------------------------------------------------------------
// Stats series
// ---------------------------------------------------------------------------------

struct SampleSeries {
    connection: Uuid,
    candidate_type: &'static str,
    tcp: bool,
    conditions: &'static Conditions,
    from: i64,
    until: i64,
    inbound_tracks: Option<(Uuid, Uuid)>,
    outbound_tracks: Option<(Uuid, Uuid)>,
}

/// Cumulative RTP counters of one track, as browsers report them.
#[derive(Debug, Default, Clone, Copy)]
struct RtpCounters {
    bytes: i64,
    packets: i64,
    lost: i64,
}

/// Opus at 32 kbit/s in 20 ms packets: 50 packets of 80 bytes a second.
const AUDIO_PACKETS_PER_INTERVAL: i64 = 500;
const AUDIO_PACKET_BYTES: i64 = 80;
const VIDEO_PACKET_BYTES: f64 = 1_100.0;

fn base_rtt_ms(rng: &mut DemoRng, candidate_type: &str) -> f64 {
    match candidate_type {
        "host" => rng.gen_range(4.0..30.0),
        RELAY => rng.gen_range(70.0..180.0),
        _ => rng.gen_range(25.0..110.0),
    }
}

/// One stats sample every 10 s from connected to the end (or now), with four track
/// samples each: audio and video, inbound and outbound.
fn push_samples(
    rng: &mut DemoRng,
    batch: &mut SeedBatch,
    series: &SampleSeries,
    tally: &mut EmosTally,
) {
    let conditions = series.conditions;
    let base_rtt = base_rtt_ms(rng, series.candidate_type);
    let ssrcs: [i64; 4] = std::array::from_fn(|_| i64::from(rng.r#gen::<u32>()));
    let [mut audio_in, mut video_in, mut audio_out, mut video_out] = [RtpCounters::default(); 4];
    let protocol = if series.tcp { "tcp" } else { "udp" };
    let samples = ((series.until - series.from) / STATS_INTERVAL).min(MAX_SAMPLES_PER_CONNECTION);
    let interval_seconds = (STATS_INTERVAL / SECOND) as f64;

    for index in 1..=samples {
        let at = series.from + index * STATS_INTERVAL;
        let rtt = round_to(
            base_rtt * conditions.rtt_factor * rng.gen_range(0.8..1.25),
            1,
        );
        let loss_percent = conditions.loss_percent * rng.gen_range(0.4..1.6);
        let jitter = round_to(conditions.jitter_ms * rng.gen_range(0.6..1.4), 1);
        let video_bitrate = conditions.video_bitrate * rng.gen_range(0.75..1.15);
        let (width, height) = conditions.frame_size;
        let fps = round_to(conditions.frames_per_second * rng.gen_range(0.85..1.0), 1);

        if let Some((audio_track, video_track)) = series.inbound_tracks {
            let previous = (audio_in.packets, audio_in.lost);
            receive(
                &mut audio_in,
                AUDIO_PACKETS_PER_INTERVAL,
                AUDIO_PACKET_BYTES as f64,
                loss_percent,
            );
            let audio_bitrate = ((audio_in.packets - previous.0) * AUDIO_PACKET_BYTES * 8) as f64
                / interval_seconds;
            let score = emos::emos(EmosInput {
                loss_percent: emos::interval_loss_percent(
                    Some(previous),
                    audio_in.packets,
                    audio_in.lost,
                ),
                bitrate: Some(audio_bitrate),
                rtt_ms: rtt,
                jitter_buffer_ms: conditions.jitter_buffer_ms,
                fec: false,
            });
            tally.add(score);
            batch.track_samples.push(TrackSampleRow {
                connection_id: series.connection,
                track_id: Some(audio_track),
                created_at: at,
                kind: 0,
                direction: 0,
                ssrc: Some(ssrcs[0]),
                bytes: Some(audio_in.bytes),
                packets: Some(audio_in.packets),
                packets_lost: Some(audio_in.lost),
                bitrate: Some(audio_bitrate),
                jitter_ms: Some(jitter),
                audio_level: Some(round_to(rng.gen_range(0.0..0.3), 4)),
                emos: Some(score),
                ..TrackSampleRow::default()
            });

            let expected_video =
                (video_bitrate * interval_seconds / 8.0 / VIDEO_PACKET_BYTES) as i64;
            receive(
                &mut video_in,
                expected_video,
                VIDEO_PACKET_BYTES,
                loss_percent,
            );
            batch.track_samples.push(TrackSampleRow {
                connection_id: series.connection,
                track_id: Some(video_track),
                created_at: at,
                kind: 1,
                direction: 0,
                ssrc: Some(ssrcs[1]),
                bytes: Some(video_in.bytes),
                packets: Some(video_in.packets),
                packets_lost: Some(video_in.lost),
                bitrate: Some(video_bitrate.round()),
                jitter_ms: Some(jitter),
                frames_per_second: Some(fps),
                frame_width: Some(width),
                frame_height: Some(height),
                ..TrackSampleRow::default()
            });
        }

        if let Some((audio_track, video_track)) = series.outbound_tracks {
            send(
                &mut audio_out,
                AUDIO_PACKETS_PER_INTERVAL,
                AUDIO_PACKET_BYTES as f64,
            );
            batch.track_samples.push(TrackSampleRow {
                connection_id: series.connection,
                track_id: Some(audio_track),
                created_at: at,
                kind: 0,
                direction: 1,
                ssrc: Some(ssrcs[2]),
                bytes: Some(audio_out.bytes),
                packets: Some(audio_out.packets),
                bitrate: Some(
                    (AUDIO_PACKETS_PER_INTERVAL * AUDIO_PACKET_BYTES * 8) as f64 / interval_seconds,
                ),
                rtt_ms: Some(rtt),
                audio_level: Some(round_to(rng.gen_range(0.0..0.3), 4)),
                ..TrackSampleRow::default()
            });

            let sent_video = (video_bitrate * interval_seconds / 8.0 / VIDEO_PACKET_BYTES) as i64;
            send(&mut video_out, sent_video, VIDEO_PACKET_BYTES);
            batch.track_samples.push(TrackSampleRow {
                connection_id: series.connection,
                track_id: Some(video_track),
                created_at: at,
                kind: 1,
                direction: 1,
                ssrc: Some(ssrcs[3]),
                bytes: Some(video_out.bytes),
                packets: Some(video_out.packets),
                bitrate: Some(video_bitrate.round()),
                rtt_ms: Some(rtt),
                frames_per_second: Some(fps),
                frame_width: Some(width),
                frame_height: Some(height),
                ..TrackSampleRow::default()
            });
        }

        batch.stats_samples.push(StatsSampleRow {
            connection_id: series.connection,
            created_at: at,
            rtt_ms: Some(rtt),
            bytes_sent: Some(audio_out.bytes + video_out.bytes),
            bytes_received: Some(audio_in.bytes + video_in.bytes),
            packets_sent: Some(audio_out.packets + video_out.packets),
            packets_received: Some(audio_in.packets + video_in.packets),
            available_outgoing_bitrate: Some(
                (conditions.video_bitrate * rng.gen_range(1.5..2.5)).round(),
            ),
            local_candidate_type: Some(series.candidate_type.to_string()),
            remote_candidate_type: Some(series.candidate_type.to_string()),
            protocol: Some(protocol.to_string()),
            raw: None,
        });
    }
}

/// Adds one interval of received packets, `loss_percent` of `expected` lost.
fn receive(counters: &mut RtpCounters, expected: i64, packet_bytes: f64, loss_percent: f64) {
    let lost = (expected as f64 * loss_percent / 100.0).round() as i64;
    let received = expected - lost;
    counters.packets += received;
    counters.lost += lost;
    counters.bytes += (received as f64 * packet_bytes) as i64;
}

fn send(counters: &mut RtpCounters, packets: i64, packet_bytes: f64) {
    counters.packets += packets;
    counters.bytes += (packets as f64 * packet_bytes) as i64;
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    const NOW: i64 = 1_778_000_000_000_000; // 2026-05-05

    fn options(conferences: u32) -> SeedOptions {
        SeedOptions {
            scale: 1,
            now: NOW,
            rng_seed: 7,
            conferences_override: Some(conferences),
        }
    }

    /// Everything one generator produces, as the store would hold it.
    fn generate_all(conferences: u32) -> SeedBatch {
        let app_ids: Vec<Uuid> = APP_SPECS.iter().map(|_| Uuid::new_v4()).collect();
        let mut generator = Generator::new(&options(conferences), &app_ids);
        let mut all = SeedBatch {
            participants: generator.take_participants(),
            ..SeedBatch::default()
        };
        while let Some(chunk) = generator.next_chunk() {
            let batch = chunk.batch;
            assert!(
                batch.participants.is_empty(),
                "participants are written up front"
            );
            all.conferences.extend(batch.conferences);
            all.conference_participants
                .extend(batch.conference_participants);
            all.sessions.extend(batch.sessions);
            all.connections.extend(batch.connections);
            all.tracks.extend(batch.tracks);
            all.events.extend(batch.events);
            all.issues.extend(batch.issues);
            all.stats_samples.extend(batch.stats_samples);
            all.track_samples.extend(batch.track_samples);
        }
        all
    }

    fn count_by<T>(rows: &[T], key: impl Fn(&T) -> Uuid) -> HashMap<Uuid, i64> {
        let mut counts = HashMap::new();
        for row in rows {
            *counts.entry(key(row)).or_insert(0) += 1;
        }
        counts
    }

    #[test]
    fn weighted_pick_follows_the_weights() {
        let mut rng = DemoRng::seed_from_u64(1);
        let table = [("rare", 1), ("common", 9)];
        let common = (0..10_000)
            .filter(|_| *pick(&mut rng, &table) == "common")
            .count();
        assert!((8_700..9_300).contains(&common), "{common}");
    }

    #[test]
    fn counts_follow_the_options() {
        let app_ids = [Uuid::nil(); 3];
        let generator = Generator::new(&options(1_000), &app_ids);
        assert_eq!(generator.total_conferences(), 1_200);
        let scaled = SeedOptions {
            scale: 2,
            conferences_override: None,
            ..options(0)
        };
        assert_eq!(scaled.conference_count(&APP_SPECS[2]), 84_000);
    }

    #[test]
    fn conference_counters_match_the_generated_rows() {
        let batch = generate_all(2_000);
        let sessions = count_by(&batch.sessions, |s| s.conference_id);
        let connections = count_by(&batch.connections, |c| c.conference_id);
        let links = count_by(&batch.conference_participants, |link| link.0);
        let errors = count_by(
            &batch
                .issues
                .iter()
                .filter(|i| i.severity == "error")
                .collect::<Vec<_>>(),
            |i| i.conference_id,
        );
        let warnings = count_by(
            &batch
                .issues
                .iter()
                .filter(|i| i.severity == "warning")
                .collect::<Vec<_>>(),
            |i| i.conference_id,
        );
        for conference in &batch.conferences {
            let id = conference.id;
            assert_eq!(
                conference.session_count,
                sessions.get(&id).copied().unwrap_or(0)
            );
            assert_eq!(
                conference.connection_count,
                connections.get(&id).copied().unwrap_or(0)
            );
            assert_eq!(
                conference.participant_count,
                links.get(&id).copied().unwrap_or(0)
            );
            assert_eq!(
                conference.error_count,
                errors.get(&id).copied().unwrap_or(0)
            );
            assert_eq!(
                conference.warning_count,
                warnings.get(&id).copied().unwrap_or(0)
            );
            // P2P mesh: every session connects to every other participant.
            let n = conference.participant_count;
            let extra_sessions = conference.session_count - n;
            assert_eq!(conference.connection_count, (n + extra_sessions) * (n - 1));
        }
        for issue in &batch.issues {
            let code = IssueCode::parse(&issue.code).expect("known issue code");
            assert_eq!(issue.severity, code.severity().as_str());
        }
    }

    #[test]
    fn every_reference_points_at_a_generated_row() {
        let batch = generate_all(1_500);
        let conferences: HashSet<Uuid> = batch.conferences.iter().map(|c| c.id).collect();
        let participants: HashMap<Uuid, i64> = batch
            .participants
            .iter()
            .map(|p| (p.id, p.created_at))
            .collect();
        let sessions: HashMap<Uuid, &SessionRow> =
            batch.sessions.iter().map(|s| (s.id, s)).collect();
        let connections: HashMap<Uuid, &ConnectionRow> =
            batch.connections.iter().map(|c| (c.id, c)).collect();
        let tracks: HashSet<Uuid> = batch.tracks.iter().map(|t| t.id).collect();

        assert_eq!(
            participants.len(),
            batch.participants.len(),
            "a participant emitted twice"
        );
        let mut customer_ids = HashSet::new();
        for participant in &batch.participants {
            assert!(customer_ids.insert((participant.app_id, participant.participant_id.clone())));
        }
        let links: HashSet<(Uuid, Uuid)> = batch
            .conference_participants
            .iter()
            .map(|l| (l.0, l.1))
            .collect();
        assert_eq!(
            links.len(),
            batch.conference_participants.len(),
            "a duplicate conference link"
        );
        for (conference, participant, joined) in &batch.conference_participants {
            assert!(conferences.contains(conference));
            assert!(
                participants[participant] <= *joined,
                "a participant created after joining"
            );
        }
        let linked: HashSet<Uuid> = batch.conference_participants.iter().map(|l| l.1).collect();
        assert_eq!(
            linked.len(),
            participants.len(),
            "a participant in no conference"
        );
        for session in &batch.sessions {
            assert!(conferences.contains(&session.conference_id));
            assert!(links.contains(&(session.conference_id, session.participant_id)));
        }
        for connection in &batch.connections {
            let session = sessions[&connection.session_id];
            assert_eq!(session.conference_id, connection.conference_id);
            assert_eq!(session.participant_id, connection.participant_id);
            assert!(links.contains(&(connection.conference_id, connection.peer_id)));
            assert_ne!(connection.participant_id, connection.peer_id);
        }
        let mut track_keys = HashSet::new();
        for track in &batch.tracks {
            assert!(sessions.contains_key(&track.session_id));
            if let Some(connection) = track.connection_id {
                assert_eq!(connections[&connection].session_id, track.session_id);
            }
            assert!(track_keys.insert((
                track.session_id,
                track.direction.clone(),
                track.track_id.clone()
            )));
        }
        for event in &batch.events {
            assert_eq!(
                sessions[&event.session_id].conference_id,
                event.conference_id
            );
            if let Some(connection) = event.connection_id {
                assert_eq!(connections[&connection].session_id, event.session_id);
            }
        }
        for issue in &batch.issues {
            assert_eq!(
                sessions[&issue.session_id].conference_id,
                issue.conference_id
            );
        }
        for sample in &batch.stats_samples {
            assert!(connections.contains_key(&sample.connection_id));
        }
        for sample in &batch.track_samples {
            assert!(connections.contains_key(&sample.connection_id));
            assert!(sample.track_id.is_some_and(|track| tracks.contains(&track)));
        }
    }

    #[test]
    fn times_are_consistent() {
        let batch = generate_all(1_500);
        let window_start = NOW - HISTORY;
        let sessions: HashMap<Uuid, &SessionRow> =
            batch.sessions.iter().map(|s| (s.id, s)).collect();
        for conference in &batch.conferences {
            assert!(conference.created_at >= window_start && conference.created_at <= NOW);
            assert!(
                conference.last_activity_at >= conference.created_at
                    && conference.last_activity_at <= NOW
            );
            match (
                conference.ongoing,
                conference.start_time,
                conference.end_time,
            ) {
                (true, Some(start), None) => {
                    assert_eq!(conference.call_start, Some(start));
                    assert!(NOW - start <= HOUR);
                }
                (false, Some(start), Some(end)) => {
                    assert!(end >= start && end <= NOW);
                    assert_eq!(conference.duration_s, whole_seconds(start, end));
                    assert_eq!(conference.call_start, None);
                }
                (false, None, None) => assert_eq!(conference.connection_count, 0),
                other => panic!("inconsistent conference lifecycle {other:?}"),
            }
        }
        for session in &batch.sessions {
            if let Some(end) = session.end_time {
                assert!(end >= session.created_at && end <= NOW);
                assert_eq!(session.duration_s, whole_seconds(session.created_at, end));
            }
        }
        for connection in &batch.connections {
            let session = sessions[&connection.session_id];
            assert!(connection.start_time >= session.created_at);
            match (connection.end_time, session.end_time) {
                (Some(end), Some(session_end)) => {
                    assert!(end > connection.start_time && end <= session_end);
                    assert_eq!(
                        connection.duration_s,
                        whole_seconds(connection.start_time, end)
                    );
                }
                (Some(end), None) => assert!(end > connection.start_time && end <= NOW),
                (None, session_end) => assert_eq!(session_end, None),
            }
            assert_eq!(connection.established, connection.setup_time_ms.is_some());
            assert_eq!(
                connection.detected_turn,
                connection.connection_type.as_deref() == Some(RELAY)
            );
        }
        for event in &batch.events {
            assert!(event.created_at <= NOW);
        }
    }

    #[test]
    fn detailed_series_cover_recent_and_ongoing_conferences_only() {
        let batch = generate_all(2_000);
        let connections: HashMap<Uuid, &ConnectionRow> =
            batch.connections.iter().map(|c| (c.id, c)).collect();
        let sampled: HashSet<Uuid> = batch
            .stats_samples
            .iter()
            .map(|s| connections[&s.connection_id].conference_id)
            .collect();
        let ongoing = batch.conferences.iter().filter(|c| c.ongoing).count();
        assert!(ongoing >= 5, "{ongoing} ongoing conferences");
        assert!(
            sampled.len() > DETAILED_RECENT_CONFERENCES / 2
                && sampled.len() <= DETAILED_RECENT_CONFERENCES + ongoing + 2
        );

        // Counters only grow within a connection's series.
        let mut last: HashMap<Uuid, (i64, i64)> = HashMap::new();
        for sample in &batch.stats_samples {
            let current = (sample.bytes_received.unwrap_or(0), sample.created_at);
            if let Some(previous) = last.insert(sample.connection_id, current) {
                assert!(current.0 >= previous.0 && current.1 > previous.1);
            }
        }
        assert!(batch.track_samples.len() <= batch.stats_samples.len() * 4);
    }

    #[test]
    fn emos_issues_come_from_degraded_samples() {
        let mut rng = DemoRng::seed_from_u64(3);
        for (quality, band) in [
            (Quality::Good, 4.0..5.0),
            (Quality::Low, 3.0..4.0),
            (Quality::VeryLow, 1.0..3.0),
        ] {
            let mut batch = SeedBatch::default();
            let mut tally = EmosTally::default();
            let series = SampleSeries {
                connection: Uuid::nil(),
                candidate_type: "srflx",
                tcp: false,
                conditions: quality.conditions(),
                from: 0,
                until: 10 * MINUTE,
                inbound_tracks: Some((Uuid::nil(), Uuid::nil())),
                outbound_tracks: None,
            };
            push_samples(&mut rng, &mut batch, &series, &mut tally);
            let scores: Vec<f64> = batch.track_samples.iter().filter_map(|s| s.emos).collect();
            assert_eq!(scores.len(), 60);
            let average = scores.iter().sum::<f64>() / scores.len() as f64;
            assert!(band.contains(&average), "{quality:?}: {average}");
        }
    }

    #[test]
    fn distributions_look_realistic() {
        let batch = generate_all(6_000);
        let connections = batch.connections.len() as f64;
        let relay =
            batch.connections.iter().filter(|c| c.detected_turn).count() as f64 / connections;
        assert!((0.08..0.16).contains(&relay), "relay share {relay}");
        let chrome = batch
            .sessions
            .iter()
            .filter(|s| s.browser_name.as_deref() == Some("Chrome"))
            .count() as f64
            / batch.sessions.len() as f64;
        assert!((0.55..0.75).contains(&chrome), "chrome share {chrome}");
        let mut durations: Vec<i64> = batch
            .conferences
            .iter()
            .filter(|c| c.end_time.is_some())
            .map(|c| c.duration_s)
            .collect();
        durations.sort_unstable();
        let median = durations[durations.len() / 2];
        assert!((8 * 60..16 * 60).contains(&median), "median {median}s");
        assert!(durations.iter().any(|&d| d < 60) && durations.iter().any(|&d| d > 3600));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn seeds_a_sqlite_store() {
        let directory = std::env::temp_dir().join(format!("callvitals-seed-{}", Uuid::new_v4()));
        let store = crate::store::open(None, &directory)
            .await
            .expect("open store");
        let report = seed_demo(store.as_ref(), &options(400), false)
            .await
            .expect("seed");
        assert_eq!(report.apps.len(), 3);
        assert_eq!(report.conferences, 480);
        assert!(report.apps.iter().all(|(_, key, _)| key.len() == 32));
        let counts = store.table_counts().await.expect("counts");
        assert_eq!(counts.conferences, 480);
        assert_eq!(counts.apps, 3);
        // The report also counts conference links, which table_counts leaves out.
        assert!(
            counts.total_rows() as u64 <= report.rows
                && counts.sessions > 0
                && counts.stats_samples > 0
        );
        store.close().await;
        let _ = std::fs::remove_dir_all(&directory);
    }
}
