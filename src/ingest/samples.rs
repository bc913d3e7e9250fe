//! Turning stats posts into sample rows, plus the per-connection facts that stats can
//! change (candidate type, TCP and TURN use, media flowing) and the eMOS issues.
//! The writer owns one `SampleState`; it is a cache of what the database already
//! holds, dropped whenever a transaction fails.

use std::collections::HashMap;

use uuid::Uuid;

use crate::domain::emos::{self, EmosInput};
use crate::domain::issue::IssueCode;
use crate::domain::stats::{Direction, MediaKind, TrackNumbers, is_known_candidate_type};
use crate::store::{
    ConnectionRow, SessionIdentity, StatsSampleRow, StoreResult, StoreTx, TrackRow, TrackSampleRow,
};

use super::STATS_INTERVAL_MS;
use super::apply::insert_issue;
use super::command::StatsCommand;

/// Maps larger than this are cleared rather than grown.
const CAPACITY: usize = 200_000;

/// Samples below a threshold needed before an eMOS issue: 30 s worth at the interval.
const EMOS_SAMPLES_FOR_ISSUE: u32 = (30_000 / STATS_INTERVAL_MS) as u32;

#[derive(Debug, Clone, PartialEq)]
struct ConnectionFacts {
    connection_type: Option<String>,
    detected_tcp: bool,
    detected_turn: bool,
    established: bool,
}

impl ConnectionFacts {
    fn of(row: &ConnectionRow) -> Self {
        Self {
            connection_type: row.connection_type.clone(),
            detected_tcp: row.detected_tcp,
            detected_turn: row.detected_turn,
            established: row.established,
        }
    }
}

#[derive(Debug, Default)]
struct EmosTally {
    low: u32,
    low_sum: f64,
    very_low: u32,
    very_low_sum: f64,
}

#[derive(Default)]
pub struct SampleState {
    connections: HashMap<Uuid, ConnectionFacts>,
    /// Track row ids by (session, direction), then by track identifier: the inner map
    /// is looked up by `&str`, so a cache hit allocates nothing.
    tracks: HashMap<(Uuid, Direction), HashMap<String, Uuid>>,
    counters: HashMap<(Uuid, i64), (i64, i64)>,
    emos: HashMap<Uuid, EmosTally>,
}

/// Rows collected over a batch and written with one bulk insert.
#[derive(Default)]
pub struct SampleBuffer {
    pub stats: Vec<StatsSampleRow>,
    pub tracks: Vec<TrackSampleRow>,
}

fn bounded<K, V>(map: &mut HashMap<K, V>) -> &mut HashMap<K, V> {
    if map.len() >= CAPACITY {
        map.clear();
    }
    map
}

impl SampleState {
    pub fn clear(&mut self) {
        *self = SampleState::default();
    }

    pub fn forget_session(&mut self, session_id: Uuid) {
        self.emos.remove(&session_id);
    }

    pub async fn apply(
        &mut self,
        tx: &mut dyn StoreTx,
        command: &StatsCommand,
        buffer: &mut SampleBuffer,
    ) -> StoreResult<()> {
        let connection_id = command.connection.connection_id;
        self.update_connection_facts(tx, command).await?;

        buffer.stats.push(StatsSampleRow {
            connection_id,
            created_at: command.at,
            rtt_ms: command.stats.pair.rtt_ms,
            bytes_sent: command.stats.pair.bytes_sent,
            bytes_received: command.stats.pair.bytes_received,
            packets_sent: command.stats.pair.packets_sent,
            packets_received: command.stats.pair.packets_received,
            available_outgoing_bitrate: command.stats.pair.available_outgoing_bitrate,
            local_candidate_type: command.stats.pair.local_candidate_type.clone(),
            remote_candidate_type: command.stats.pair.remote_candidate_type.clone(),
            protocol: command.stats.pair.protocol.clone(),
            raw: Some(command.raw.clone()),
        });

        for track in &command.stats.tracks {
            let track_id = self.resolve_track(tx, command, track).await?;
            let emos = self
                .score(tx, &command.session, connection_id, track, command.at)
                .await?;
            buffer.tracks.push(TrackSampleRow {
                connection_id,
                track_id,
                created_at: command.at,
                kind: track.kind as i16,
                direction: track.direction as i16,
                ssrc: track.ssrc,
                bytes: track.bytes,
                packets: track.packets,
                packets_lost: track.packets_lost,
                bitrate: track.bitrate,
                jitter_ms: track.jitter_ms,
                rtt_ms: track.rtt_ms,
                frames_per_second: track.frames_per_second,
                frame_width: track.frame_width,
                frame_height: track.frame_height,
                audio_level: track.audio_level,
                emos,
            });
        }
        Ok(())
    }

    /// Candidate type, TCP/TURN detection and the "media flowed" evidence. The row is
    /// only read and locked when the cached facts say something changed.
    async fn update_connection_facts(
        &mut self,
        tx: &mut dyn StoreTx,
        command: &StatsCommand,
    ) -> StoreResult<()> {
        let connection_id = command.connection.connection_id;
        let pair = &command.stats.pair;
        // A poll without a selected pair says nothing about the type: keep the last
        // one (PeerMetrics reset it to NULL).
        let observed_type = pair
            .local_candidate_type
            .as_deref()
            .filter(|t| is_known_candidate_type(t));
        let uses_tcp = pair.protocol.as_deref() == Some("tcp");
        let uses_turn = observed_type == Some("relay");
        let shows_progress = command.stats.shows_progress;

        let wants_change = |facts: &ConnectionFacts| {
            (observed_type.is_some() && facts.connection_type.as_deref() != observed_type)
                || (uses_tcp && !facts.detected_tcp)
                || (uses_turn && !facts.detected_turn)
                || (shows_progress && !facts.established)
        };
        if let Some(facts) = self.connections.get(&connection_id)
            && !wants_change(facts)
        {
            return Ok(());
        }

        let Some(mut row) = tx.lock_connection(connection_id).await? else {
            return Ok(());
        };
        let mut facts = ConnectionFacts::of(&row);
        if wants_change(&facts) {
            let new_tcp = uses_tcp && !row.detected_tcp;
            let new_turn = uses_turn && !row.detected_turn;
            if let Some(observed) = observed_type {
                row.connection_type = Some(observed.to_owned());
            }
            row.detected_tcp |= uses_tcp;
            row.detected_turn |= uses_turn;
            row.established |= shows_progress;
            tx.save_connection(&row).await?;
            for (detected, code) in [
                (new_tcp, IssueCode::TcpUsed),
                (new_turn, IssueCode::TurnUsed),
            ] {
                if detected {
                    insert_issue(
                        tx,
                        &command.session,
                        code,
                        Some(connection_id),
                        None,
                        None,
                        command.at,
                    )
                    .await?;
                }
            }
            facts = ConnectionFacts::of(&row);
        }
        bounded(&mut self.connections).insert(connection_id, facts);
        Ok(())
    }

    async fn resolve_track(
        &mut self,
        tx: &mut dyn StoreTx,
        command: &StatsCommand,
        track: &TrackNumbers,
    ) -> StoreResult<Option<Uuid>> {
        let Some(identifier) = &track.track_identifier else {
            return Ok(None);
        };
        let key = (command.session.session_id, track.direction);
        if let Some(id) = self
            .tracks
            .get(&key)
            .and_then(|by_id| by_id.get(identifier.as_str()))
        {
            return Ok(Some(*id));
        }
        let id = tx
            .upsert_track(&TrackRow {
                id: Uuid::new_v4(),
                session_id: command.session.session_id,
                connection_id: Some(command.connection.connection_id),
                kind: track.kind.as_str().to_owned(),
                direction: track.direction.as_str().to_owned(),
                track_id: identifier.clone(),
                label: None,
                info: "{}".to_owned(),
                created_at: command.at,
            })
            .await?;
        bounded(&mut self.tracks)
            .entry(key)
            .or_default()
            .insert(identifier.clone(), id);
        Ok(Some(id))
    }

    /// eMOS of an inbound audio report, and the low/very-low issues once 30 s of
    /// samples fall below a threshold (one issue per session and code).
    async fn score(
        &mut self,
        tx: &mut dyn StoreTx,
        session: &SessionIdentity,
        connection_id: Uuid,
        track: &TrackNumbers,
        at: i64,
    ) -> StoreResult<Option<f64>> {
        if track.kind != MediaKind::Audio || track.direction != Direction::Inbound {
            return Ok(None);
        }
        let (Some(received), Some(lost)) = (track.packets, track.packets_lost) else {
            return Ok(None);
        };
        let counter_key = (connection_id, track.ssrc.unwrap_or_default());
        let previous = bounded(&mut self.counters).insert(counter_key, (received, lost));
        let score = emos::emos(EmosInput {
            loss_percent: emos::interval_loss_percent(previous, received, lost),
            bitrate: track.bitrate,
            rtt_ms: track.rtt_ms.unwrap_or_default(),
            jitter_buffer_ms: track.jitter_buffer_ms.unwrap_or_default(),
            fec: track.fec,
        });

        let tally = bounded(&mut self.emos)
            .entry(session.session_id)
            .or_default();
        let crossed = if score < emos::VERY_LOW {
            tally.very_low += 1;
            tally.very_low_sum += score;
            (tally.very_low == EMOS_SAMPLES_FOR_ISSUE).then(|| {
                (
                    IssueCode::VeryLowEmos,
                    tally.very_low_sum / f64::from(tally.very_low),
                )
            })
        } else if score < emos::LOW {
            tally.low += 1;
            tally.low_sum += score;
            (tally.low == EMOS_SAMPLES_FOR_ISSUE)
                .then(|| (IssueCode::LowEmos, tally.low_sum / f64::from(tally.low)))
        } else {
            None
        };
        if let Some((code, average)) = crossed
            && !tx.issue_exists(session.session_id, code.as_str()).await?
        {
            let data =
                serde_json::json!({ "average": (average * 100.0).round() / 100.0 }).to_string();
            insert_issue(tx, session, code, Some(connection_id), None, Some(data), at).await?;
        }
        Ok(Some(score))
    }
}
