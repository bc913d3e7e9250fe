//! Turning stats posts into sample rows, plus the per-connection facts that stats can
//! change (candidate type, TCP and TURN use, media flowing) and the eMOS issues.
//! The writer owns one `SampleState`. It is only a cache of what the database holds:
//! the eMOS tallies and packet counters are recomputed from stored samples whenever
//! they are missing, so a failed transaction or a restart loses no issue. A command
//! that rolls back undoes its changes to the cache with it.

use uuid::Uuid;

use crate::domain::emos::{self, EmosInput};
use crate::domain::issue::IssueCode;
use crate::domain::stats::{Direction, MediaKind, TrackNumbers, is_known_candidate_type};
use crate::store::{
    ConnectionRow, SessionIdentity, StatsSampleRow, StoreResult, StoreTx, TrackRow, TrackSampleRow,
};

use super::STATS_INTERVAL_MS;
use super::apply::{BatchContext, NewIssue, insert_issue};
use super::command::StatsCommand;
use super::journal::Journaled;

/// Maps larger than this are cleared (between batches) rather than grown.
const CAPACITY: usize = 200_000;

/// Samples below a threshold needed before an eMOS issue: 30 s worth at the interval.
const EMOS_SAMPLES_FOR_ISSUE: i64 = 30_000 / STATS_INTERVAL_MS;

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

/// A session's inbound-audio samples below the eMOS thresholds, and whether each
/// threshold's issue was raised.
#[derive(Debug, Default, Clone)]
struct EmosTally {
    low: i64,
    low_sum: f64,
    very_low: i64,
    very_low_sum: f64,
    low_raised: bool,
    very_low_raised: bool,
}

#[derive(Default)]
pub struct SampleState {
    connections: Journaled<Uuid, ConnectionFacts>,
    /// Track row ids by (session, direction, track identifier).
    tracks: Journaled<(Uuid, Direction, String), Uuid>,
    counters: Journaled<(Uuid, i64), (i64, i64)>,
    emos: Journaled<Uuid, EmosTally>,
}

/// Rows collected over a batch and written with one bulk insert.
#[derive(Default)]
pub struct SampleBuffer {
    pub stats: Vec<StatsSampleRow>,
    pub tracks: Vec<TrackSampleRow>,
}

fn trim<K: std::hash::Hash + Eq + Clone, V: Clone>(map: &mut Journaled<K, V>) {
    if map.len() >= CAPACITY {
        map.clear();
    }
}

impl SampleState {
    pub fn clear(&mut self) {
        *self = SampleState::default();
    }

    /// Called between batches: bounds memory without losing anything a batch in
    /// progress relies on.
    pub fn trim(&mut self) {
        trim(&mut self.connections);
        trim(&mut self.tracks);
        trim(&mut self.counters);
        trim(&mut self.emos);
    }

    pub fn keep_command(&mut self) {
        self.connections.keep_command();
        self.tracks.keep_command();
        self.counters.keep_command();
        self.emos.keep_command();
    }

    pub fn undo_command(&mut self) {
        self.connections.undo_command();
        self.tracks.undo_command();
        self.counters.undo_command();
        self.emos.undo_command();
    }

    pub fn forget_session(&mut self, session_id: Uuid) {
        self.emos.remove(&session_id);
    }

    pub async fn apply(
        &mut self,
        tx: &mut dyn StoreTx,
        context: &mut BatchContext,
        command: &StatsCommand,
    ) -> StoreResult<()> {
        let connection_id = command.connection.connection_id;
        self.update_connection_facts(tx, context, command).await?;

        context.samples.stats.push(StatsSampleRow {
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
                .score(
                    tx,
                    context,
                    &command.session,
                    connection_id,
                    track,
                    command.at,
                )
                .await?;
            context.samples.tracks.push(TrackSampleRow {
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
        context: &mut BatchContext,
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
            // The candidate type moves the connection between chart slices.
            context.touch(tx, row.conference_id).await?;
            tx.save_connection(&row).await?;
            for (detected, code) in [
                (new_tcp, IssueCode::TcpUsed),
                (new_turn, IssueCode::TurnUsed),
            ] {
                if detected {
                    let issue = NewIssue::new(code, command.at).on(connection_id);
                    insert_issue(tx, context, &command.session, issue).await?;
                }
            }
            facts = ConnectionFacts::of(&row);
        }
        self.connections.insert(connection_id, facts);
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
        let key = (
            command.session.session_id,
            track.direction,
            identifier.clone(),
        );
        if let Some(id) = self.tracks.get(&key) {
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
        self.tracks.insert(key, id);
        Ok(Some(id))
    }

    /// eMOS of an inbound audio report, and the low/very-low issues once 30 s of
    /// samples fall below a threshold (one issue per session and code).
    async fn score(
        &mut self,
        tx: &mut dyn StoreTx,
        context: &mut BatchContext,
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
        let previous = match self.counters.get(&counter_key) {
            Some(previous) => Some(*previous),
            None => {
                tx.last_packet_counters(connection_id, counter_key.1)
                    .await?
            }
        };
        self.counters.insert(counter_key, (received, lost));
        let score = emos::emos(EmosInput {
            loss_percent: emos::interval_loss_percent(previous, received, lost),
            bitrate: track.bitrate,
            rtt_ms: track.rtt_ms.unwrap_or_default(),
            jitter_buffer_ms: track.jitter_buffer_ms.unwrap_or_default(),
            fec: track.fec,
        });
        if score >= emos::LOW {
            return Ok(Some(score));
        }

        if self.emos.get(&session.session_id).is_none() {
            let tally = self.recount(tx, session.session_id).await?;
            self.emos.insert(session.session_id, tally);
        }
        let tally = self
            .emos
            .get_mut(&session.session_id)
            .expect("loaded just above");
        let crossed = if score < emos::VERY_LOW {
            tally.very_low += 1;
            tally.very_low_sum += score;
            (tally.very_low >= EMOS_SAMPLES_FOR_ISSUE && !tally.very_low_raised).then(|| {
                tally.very_low_raised = true;
                (
                    IssueCode::VeryLowEmos,
                    tally.very_low_sum / tally.very_low as f64,
                )
            })
        } else {
            tally.low += 1;
            tally.low_sum += score;
            (tally.low >= EMOS_SAMPLES_FOR_ISSUE && !tally.low_raised).then(|| {
                tally.low_raised = true;
                (IssueCode::LowEmos, tally.low_sum / tally.low as f64)
            })
        };
        if let Some((code, average)) = crossed
            && !tx.issue_exists(session.session_id, code.as_str()).await?
        {
            let data =
                serde_json::json!({ "average": (average * 100.0).round() / 100.0 }).to_string();
            let issue = NewIssue::new(code, at)
                .on(connection_id)
                .with_data(Some(data));
            insert_issue(tx, context, session, issue).await?;
        }
        Ok(Some(score))
    }

    /// A session's tally as the stored samples give it (the samples of the batch in
    /// progress are not stored yet, but they were counted in memory as they came).
    async fn recount(&self, tx: &mut dyn StoreTx, session_id: Uuid) -> StoreResult<EmosTally> {
        let stored = tx.emos_tally(session_id, emos::LOW, emos::VERY_LOW).await?;
        Ok(EmosTally {
            low: stored.low,
            low_sum: stored.low_sum,
            very_low: stored.very_low,
            very_low_sum: stored.very_low_sum,
            low_raised: tx
                .issue_exists(session_id, IssueCode::LowEmos.as_str())
                .await?,
            very_low_raised: tx
                .issue_exists(session_id, IssueCode::VeryLowEmos.as_str())
                .await?,
        })
    }
}
