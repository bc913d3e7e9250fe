//! Rows as they are stored. Timestamps are unix microseconds; JSON columns hold text.

use uuid::Uuid;

use crate::domain::conference::ConferenceFacts;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AppRecord {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub api_key: String,
    pub domain: Option<String>,
    pub recording: bool,
    /// SHA-256 (hex) of the secret server code sends to `services/*`.
    pub server_secret_hash: Option<String>,
    /// When set, `services/*` refuse the public API key alone.
    pub require_server_secret: bool,
    pub created_at: i64,
    /// The key before the last rotation, accepted until `previous_key_expires_at`.
    pub previous_api_key: Option<String>,
    pub previous_key_expires_at: Option<i64>,
    pub deleted_at: Option<i64>,
    /// Days raw stats samples and events are kept.
    pub retention_days: i32,
}

/// One batch of raw-row retention: rows deleted, and where the next batch starts
/// (`None` once the app's conferences before the cutoff are done).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPrune {
    pub deleted: u64,
    pub last: Option<(i64, Uuid)>,
}

/// What never changes about a session once it exists, so it can be cached forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionIdentity {
    pub session_id: Uuid,
    pub app_id: Uuid,
    pub conference_id: Uuid,
    pub participant_id: Uuid,
}

/// Who owns a connection (immutable) and whether it has ended (changes once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ConnectionIdentity {
    pub connection_id: Uuid,
    pub session_id: Uuid,
    pub conference_id: Uuid,
    pub peer_id: Uuid,
    pub ended: bool,
}

/// A participant as `initialize` (its own) or `addConnection` (a peer) names it.
#[derive(Debug, Clone)]
pub struct ParticipantUpsert<'a> {
    pub app_id: Uuid,
    pub participant_id: &'a str,
    pub name: Option<&'a str>,
    pub is_sfu: bool,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct ConferenceRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub conference_id: String,
    pub conference_name: Option<String>,
    pub created_at: i64,
    pub start_time: Option<i64>,
    pub call_start: Option<i64>,
    pub end_time: Option<i64>,
    pub ongoing: bool,
    pub duration_s: i64,
    pub last_activity_at: i64,
    pub participant_count: i64,
    pub session_count: i64,
    pub connection_count: i64,
    pub error_count: i64,
    pub warning_count: i64,
}

impl ConferenceRow {
    pub fn facts(&self) -> ConferenceFacts {
        ConferenceFacts {
            id: self.id,
            app_id: self.app_id,
            created_at: self.created_at,
            start_time: self.start_time,
            call_start: self.call_start,
            end_time: self.end_time,
            ongoing: self.ongoing,
            duration_s: self.duration_s,
            last_activity_at: self.last_activity_at,
            participant_count: self.participant_count,
            session_count: self.session_count,
            connection_count: self.connection_count,
            error_count: self.error_count,
            warning_count: self.warning_count,
        }
    }

    /// A new row: the customer's id and name with the facts of a new conference.
    pub fn new(conference_id: &str, name: Option<&str>, facts: &ConferenceFacts) -> Self {
        ConferenceRow {
            id: facts.id,
            app_id: facts.app_id,
            conference_id: conference_id.to_owned(),
            conference_name: name.map(str::to_owned),
            created_at: facts.created_at,
            start_time: facts.start_time,
            call_start: facts.call_start,
            end_time: facts.end_time,
            ongoing: facts.ongoing,
            duration_s: facts.duration_s,
            last_activity_at: facts.last_activity_at,
            participant_count: facts.participant_count,
            session_count: facts.session_count,
            connection_count: facts.connection_count,
            error_count: facts.error_count,
            warning_count: facts.warning_count,
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ParticipantRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub participant_id: String,
    pub participant_name: Option<String>,
    pub is_sfu: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct SessionRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub conference_id: Uuid,
    pub participant_id: Uuid,
    pub created_at: i64,
    pub end_time: Option<i64>,
    pub call_start: Option<i64>,
    pub duration_s: i64,
    pub platform: Option<String>,
    pub devices: Option<String>,
    pub constraints: Option<String>,
    pub metadata: Option<String>,
    pub geo: Option<String>,
    pub browser_name: Option<String>,
    pub browser_version: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    pub country_code: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub app_version: Option<String>,
    pub webrtc_sdk: Option<String>,
    /// When the page said goodbye (`unload`, `endCall`): it can open no connection
    /// after that, so it cannot reopen its conference.
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub conference_id: Uuid,
    pub session_id: Uuid,
    pub participant_id: Uuid,
    pub peer_id: Uuid,
    #[sqlx(rename = "type")]
    pub connection_type: Option<String>,
    pub state: String,
    pub negotiations: String,
    pub setup_time_ms: Option<i64>,
    pub detected_tcp: bool,
    pub detected_turn: bool,
    pub established: bool,
    pub start_time: i64,
    pub end_time: Option<i64>,
    pub duration_s: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TrackRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub connection_id: Option<Uuid>,
    pub kind: String,
    pub direction: String,
    pub track_id: String,
    pub label: Option<String>,
    pub info: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub conference_id: Uuid,
    pub session_id: Uuid,
    pub participant_id: Uuid,
    pub peer_id: Option<Uuid>,
    pub connection_id: Option<Uuid>,
    pub track_id: Option<Uuid>,
    pub category: String,
    #[sqlx(rename = "type")]
    pub event_type: String,
    pub data: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct IssueRow {
    pub id: Uuid,
    pub app_id: Uuid,
    pub conference_id: Uuid,
    pub session_id: Uuid,
    pub participant_id: Uuid,
    pub connection_id: Option<Uuid>,
    pub track_id: Option<Uuid>,
    pub severity: String,
    pub code: String,
    pub data: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct StatsSampleRow {
    pub connection_id: Uuid,
    pub created_at: i64,
    pub rtt_ms: Option<f64>,
    pub bytes_sent: Option<i64>,
    pub bytes_received: Option<i64>,
    pub packets_sent: Option<i64>,
    pub packets_received: Option<i64>,
    pub available_outgoing_bitrate: Option<f64>,
    pub local_candidate_type: Option<String>,
    pub remote_candidate_type: Option<String>,
    pub protocol: Option<String>,
    /// The request body as the browser sent it, zstd-compressed.
    pub raw: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Default, sqlx::FromRow)]
pub struct TrackSampleRow {
    pub connection_id: Uuid,
    pub track_id: Option<Uuid>,
    pub created_at: i64,
    /// 0 audio, 1 video.
    pub kind: i16,
    /// 0 inbound, 1 outbound.
    pub direction: i16,
    pub ssrc: Option<i64>,
    pub bytes: Option<i64>,
    pub packets: Option<i64>,
    pub packets_lost: Option<i64>,
    pub bitrate: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub frames_per_second: Option<f64>,
    pub frame_width: Option<i64>,
    pub frame_height: Option<i64>,
    pub audio_level: Option<f64>,
    pub emos: Option<f64>,
}

/// See [`StoreTx::emos_tally`](super::StoreTx::emos_tally).
#[derive(Debug, Clone, Copy, Default, PartialEq, sqlx::FromRow)]
pub struct EmosTallyRow {
    pub low: i64,
    pub low_sum: f64,
    pub very_low: i64,
    pub very_low_sum: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionScope {
    Session(Uuid),
    Conference(Uuid),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub organizations: i64,
    pub apps: i64,
    pub conferences: i64,
    pub participants: i64,
    pub sessions: i64,
    pub connections: i64,
    pub tracks: i64,
    pub events: i64,
    pub issues: i64,
    pub stats_samples: i64,
    pub track_samples: i64,
}

impl TableCounts {
    pub fn total_rows(&self) -> i64 {
        self.organizations
            + self.apps
            + self.conferences
            + self.participants
            + self.sessions
            + self.connections
            + self.tracks
            + self.events
            + self.issues
            + self.stats_samples
            + self.track_samples
    }
}

/// Rows the demo seeder loads in one go.
#[derive(Debug, Default)]
pub struct SeedBatch {
    pub conferences: Vec<ConferenceRow>,
    pub participants: Vec<ParticipantRow>,
    /// (conference, participant, created_at)
    pub conference_participants: Vec<(Uuid, Uuid, i64)>,
    pub sessions: Vec<SessionRow>,
    pub connections: Vec<ConnectionRow>,
    pub tracks: Vec<TrackRow>,
    pub events: Vec<EventRow>,
    pub issues: Vec<IssueRow>,
    pub stats_samples: Vec<StatsSampleRow>,
    pub track_samples: Vec<TrackSampleRow>,
    /// Rollup cells to add (`n` is added to a stored cell), per app.
    pub rollup_cells: Vec<(Uuid, Vec<super::rollups::Cell>)>,
}

impl SeedBatch {
    pub fn row_count(&self) -> usize {
        self.conferences.len()
            + self.participants.len()
            + self.conference_participants.len()
            + self.sessions.len()
            + self.connections.len()
            + self.tracks.len()
            + self.events.len()
            + self.issues.len()
            + self.stats_samples.len()
            + self.track_samples.len()
    }
}
