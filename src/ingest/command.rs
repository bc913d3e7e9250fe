//! What the HTTP layer asks the writer to do, already parsed and authorised.

use uuid::Uuid;

use crate::domain::stats::ExtractedStats;
use crate::store::{ConnectionIdentity, SessionIdentity, SessionRow, TrackRow};

#[derive(Debug)]
pub enum Command {
    Initialize(InitializeCommand),
    CreateSession(Box<SessionRow>),
    UpdateSession(SessionUpdate),
    Event(EventCommand),
    Stats(Box<StatsCommand>),
    Track(TrackCommand),
    StopConference { conference_id: Uuid, at: i64 },
    SweepStale { conference_id: Uuid, cutoff: i64 },
}

impl Command {
    /// Which writer shard applies this command: every command of one conference
    /// shares a key, the conference's id. `Initialize` names the conference it will
    /// most likely join; a conference it creates has no other command yet (nothing
    /// can name it before `initialize` answers), so any shard keeps the order.
    pub fn shard_key(&self) -> u64 {
        let conference = match self {
            Command::Initialize(command) => match command.conference_hint {
                Some(conference) => conference,
                None => {
                    use std::hash::{Hash, Hasher};
                    let mut hasher = std::collections::hash_map::DefaultHasher::new();
                    (command.app_id, &command.conference_id).hash(&mut hasher);
                    return hasher.finish();
                }
            },
            Command::CreateSession(session) => session.conference_id,
            Command::UpdateSession(update) => update.session.conference_id,
            Command::Event(event) => event.session.conference_id,
            Command::Stats(stats) => stats.session.conference_id,
            Command::Track(track) => track.session.conference_id,
            Command::StopConference { conference_id, .. }
            | Command::SweepStale { conference_id, .. } => *conference_id,
        };
        conference.as_u64_pair().0 ^ conference.as_u64_pair().1
    }

    pub fn name(&self) -> &'static str {
        match self {
            Command::Initialize(_) => "initialize",
            Command::CreateSession(_) => "create_session",
            Command::UpdateSession(_) => "update_session",
            Command::Event(_) => "event",
            Command::Stats(_) => "stats",
            Command::Track(_) => "track",
            Command::StopConference { .. } => "stop_conference",
            Command::SweepStale { .. } => "sweep_stale",
        }
    }
}

#[derive(Debug)]
pub struct InitializeCommand {
    pub app_id: Uuid,
    /// The customer's newest conference with this id, if any, read before queueing.
    pub conference_hint: Option<Uuid>,
    pub conference_id: String,
    pub conference_name: Option<String>,
    pub user_id: String,
    pub user_name: Option<String>,
    pub at: i64,
}

#[derive(Debug)]
pub struct SessionUpdate {
    pub session: SessionIdentity,
    pub constraints: Option<String>,
    pub devices: Option<String>,
    pub platform: Option<String>,
    /// `None`: leave as is (PeerMetrics wiped it on every update).
    pub webrtc_sdk: Option<Option<String>>,
}

/// The three event routes differ only in the stored category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventCategory {
    Browser,
    GetUserMedia,
    Connection,
    Track,
}

impl EventCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            EventCategory::Browser => "browser",
            EventCategory::GetUserMedia => "getUserMedia",
            EventCategory::Connection => "connection",
            EventCategory::Track => "track",
        }
    }
}

#[derive(Debug)]
pub struct EventCommand {
    pub session: SessionIdentity,
    pub category: EventCategory,
    pub name: String,
    /// The event's `data` as JSON text.
    pub data: Option<String>,
    pub peer_reference: Option<String>,
    pub peer_name: Option<String>,
    pub is_sfu: bool,
    pub connection_state: Option<String>,
    pub connection_id: Option<Uuid>,
    pub at: i64,
}

#[derive(Debug)]
pub struct StatsCommand {
    pub session: SessionIdentity,
    pub connection: ConnectionIdentity,
    pub stats: ExtractedStats,
    /// The `data` object as sent, zstd-compressed.
    pub raw: Vec<u8>,
    pub at: i64,
}

#[derive(Debug)]
pub enum TrackAction {
    /// `POST /tracks`: a remote track appeared (`ontrack`).
    Added {
        kind: String,
        direction: String,
        label: Option<String>,
    },
    /// `PUT /tracks`: mute, unmute, ended or overconstrained.
    Changed,
}

#[derive(Debug)]
pub struct TrackCommand {
    pub session: SessionIdentity,
    pub connection_id: Option<Uuid>,
    pub track_id: String,
    pub event: String,
    pub data: Option<String>,
    pub action: TrackAction,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Initialized {
        participant_id: Uuid,
        conference_id: Uuid,
    },
    SessionCreated {
        session_id: Uuid,
    },
    Session(Box<SessionRow>),
    ConnectionAdded {
        peer_id: Uuid,
        connection_id: Uuid,
    },
    Track(Box<TrackRow>),
    /// `PUT /tracks` for a track never announced: the event was stored anyway.
    UnknownTrack,
    Done,
}
