//! One peer connection: how it goes, its events and issues, its inbound tracks and,
//! for detailed conferences, its stats series.

use rand::Rng;
use uuid::Uuid;

use super::catalog::{CANDIDATE_TYPES, RELAY};
use super::rng::{DemoRng, between, log_normal, pick, time_ordered_id};
use super::scope::{Actor, ConferenceScope};
use super::series::{STATS_INTERVAL, SampleSeries, push_samples};
use super::session::{SessionState, push_track};
use super::units::{SECOND, whole_seconds};
use crate::domain::issue::IssueCode;
use crate::domain::time::format_pm;
use crate::store::{ConnectionRow, SeedBatch};

/// How one connection goes, drawn per session so the rates read as "share of sessions".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
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

pub(super) fn connection_outcomes(rng: &mut DemoRng, connections: usize) -> Vec<Outcome> {
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

/// The other side of a connection.
pub(super) struct PeerView<'a> {
    pub(super) participant: Uuid,
    pub(super) participant_id: &'a str,
    /// From the peer's first readiness to its last departure.
    pub(super) window: (i64, Option<i64>),
    pub(super) track_ids: (String, String),
    pub(super) sends_media: bool,
}

pub(super) struct ConnectionSummary {
    pub(super) start: i64,
    pub(super) end: Option<i64>,
    pub(super) established: bool,
}

/// Writes one connection with its events, issues, inbound tracks and, for detailed
/// conferences, its stats series.
#[allow(clippy::too_many_arguments)]
pub(super) fn open_connection(
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

    // As at ingest: an ended connection is closed, whatever it went through.
    let state = match (failed, end) {
        (_, Some(_)) => "closed",
        (true, None) => "failed",
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

/// addConnection to connected, in ms: median ~600 ms, relays slower, a tail past 5 s.
fn setup_time_ms(rng: &mut DemoRng, relayed: bool) -> i64 {
    let median = if relayed { 850.0 } else { 600.0 };
    log_normal(rng, median, 0.9).clamp(80.0, 20_000.0) as i64
}
