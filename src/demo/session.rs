//! One session: its row, getUserMedia outcome and outbound tracks when it opens, and
//! the issues judged when it ends.

use rand::Rng;
use serde_json::json;
use uuid::Uuid;

use super::catalog::{
    AUDIO_TRACK_INFO, GET_USER_MEDIA_CONSTRAINTS, GET_USER_MEDIA_ERRORS, SESSION_METADATA,
    SUPPORTED_CONSTRAINTS, VIDEO_TRACK_INFO, WEBRTC_SDKS,
};
use super::conference::Span;
use super::generator::AppState;
use super::plan::Plan;
use super::quality::{EmosTally, QUALITIES, Quality};
use super::rng::{DemoRng, new_id, pick, time_ordered_id};
use super::scope::{Actor, ConferenceScope};
use super::units::{DAY, round_to, whole_seconds};
use crate::domain::issue::IssueCode;
use crate::store::{SeedBatch, SessionRow, TrackRow};

/// Per-session state needed after the session row is written.
pub(super) struct SessionState {
    pub(super) id: Uuid,
    pub(super) participant: Uuid,
    /// The member's position in the conference.
    pub(super) slot: usize,
    /// Where its row sits in `batch.sessions`, to set `call_start` once connections exist.
    pub(super) row_index: usize,
    pub(super) span: Span,
    pub(super) quality: Quality,
    /// Row ids of the outbound audio and video tracks; `None` without media access.
    pub(super) outbound_tracks: Option<(Uuid, Uuid)>,
    /// MediaStreamTrack ids of the audio and video this session sends.
    pub(super) track_ids: (String, String),
    pub(super) emos: EmosTally,
    pub(super) had_connections: bool,
    pub(super) established: bool,
}

/// Writes a session row with its getUserMedia event, outbound tracks and the issues
/// known when it starts.
#[allow(clippy::too_many_arguments)]
pub(super) fn open_session(
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
        // A page that left said goodbye with unload.
        closed_at: span.left,
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
pub(super) fn close_session(
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
pub(super) fn push_track(
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
