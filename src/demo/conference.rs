//! One conference: when its members are in the call, and its sessions and mesh of
//! connections written into a batch.

use rand::Rng;

use super::catalog::CONFERENCE_NAMES;
use super::connection::{PeerView, connection_outcomes, open_connection};
use super::generator::AppState;
use super::plan::Plan;
use super::rng::{DemoRng, between, exponential, pick, time_ordered_id};
use super::scope::ConferenceScope;
use super::session::{close_session, open_session};
use super::units::{MINUTE, SECOND};
use crate::domain::conference::ConferenceFacts;
use crate::domain::issue::Severity;
use crate::store::{ConferenceRow, SeedBatch};

/// One page-session of a participant: created (POST /sessions), ready to connect
/// (first addConnection possible), left (unload; `None` while still in the call).
#[derive(Debug, Clone, Copy)]
pub(super) struct Span {
    pub(super) created_at: i64,
    pub(super) ready: i64,
    pub(super) left: Option<i64>,
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

pub(super) fn generate_conference(
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

    let mut connection_starts = Vec::new();
    let mut last_connection_end: Option<i64> = None;
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
            connection_starts.push(connection.start);
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

    // The conference's facts follow the same rules as at ingest: its connections
    // open in time order, and the call ends when the last one ends.
    let mut facts = ConferenceFacts::created(scope.conference_id, app.id, plan.created_at);
    let mut seen_members = std::collections::HashSet::new();
    for session in &sessions {
        facts.session_added(seen_members.insert(session.slot), session.span.created_at);
    }
    connection_starts.sort_unstable();
    for start in &connection_starts {
        facts.connection_opened(*start);
    }
    if !plan.ongoing
        && let Some(end) = last_connection_end
    {
        facts.last_connection_closed(end);
    }
    for _ in 0..scope.errors {
        facts.issue_recorded(Severity::Error);
    }
    for _ in 0..scope.warnings {
        facts.issue_recorded(Severity::Warning);
    }
    let session_ends = sessions
        .iter()
        .filter_map(|session| session.span.left)
        .max()
        .unwrap_or(plan.created_at);
    facts.saw_activity(if plan.ongoing {
        now - rng.gen_range(0..5 * SECOND)
    } else {
        session_ends
    });
    let customer_id = format!("{:016x}", rng.r#gen::<u64>());
    let name = pick(rng, CONFERENCE_NAMES);
    batch
        .conferences
        .push(ConferenceRow::new(&customer_id, *name, &facts));
}
