//! The generator: every app's pool and plans, turned into chunks of conferences in
//! chronological order.

use std::collections::BTreeMap;

use rand::SeedableRng;
use uuid::Uuid;

use super::SeedOptions;
use super::catalog::CONFERENCE_SIZES;
use super::conference::generate_conference;
use super::participant::Participant;
use super::plan::{
    APP_SPECS, DETAILED_RECENT_CONFERENCES, PROD, Plan, draw_members, plan_conferences,
};
use super::rng::{DemoRng, pick};
use crate::domain::rollup::rollup_counts;
use crate::store::rollups::{CellCounts, Span, cells_of, into_cells, seed_batch_inputs};
use crate::store::{ParticipantRow, SeedBatch};

/// A chunk closes at whichever limit comes first, keeping every transaction short.
const CHUNK_CONFERENCES: usize = 2_500;
const CHUNK_ROWS: usize = 250_000;
/// Conferences per pool participant on average (prod: 42,000 / 3,000).
const CONFERENCES_PER_PARTICIPANT: u32 = 14;
const MIN_POOL: usize = 12;

pub(super) struct AppState {
    pub(super) id: Uuid,
    name: &'static str,
    plans: Vec<Plan>,
    next_plan: usize,
    pub(super) participants: Vec<Participant>,
    /// Rollup cells of the UTC days not yet complete. Every cell of a conference lies
    /// in the UTC day of its `created_at`, and plans come in time order, so a day's
    /// cells are final once a later day's conference is generated.
    open_days: BTreeMap<i64, CellCounts>,
}

/// The rows of one or more conferences of one app, ready for `insert_seed`.
pub(super) struct Chunk {
    pub(super) app: &'static str,
    pub(super) conferences: usize,
    pub(super) batch: SeedBatch,
}

pub(super) struct Generator {
    rng: DemoRng,
    now: i64,
    apps: Vec<AppState>,
    current_app: usize,
    summary_rows_only: bool,
    /// Every pool member that takes part in a conference, created at its first one.
    participants: Vec<ParticipantRow>,
}

impl Generator {
    /// `app_ids` belong to [`APP_SPECS`], in order.
    pub(super) fn new(options: &SeedOptions, app_ids: &[Uuid]) -> Generator {
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
                    open_days: BTreeMap::new(),
                }
            })
            .collect();
        Generator {
            rng,
            now: options.now,
            apps,
            current_app: 0,
            summary_rows_only: options.summary_rows_only,
            participants: participant_rows,
        }
    }

    /// The participant rows, to be written before any chunk.
    pub(super) fn take_participants(&mut self) -> Vec<ParticipantRow> {
        std::mem::take(&mut self.participants)
    }

    pub(super) fn total_conferences(&self) -> u64 {
        self.apps.iter().map(|app| app.plans.len() as u64).sum()
    }

    pub(super) fn next_chunk(&mut self) -> Option<Chunk> {
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
            if self.summary_rows_only {
                batch.stats_samples.clear();
                batch.track_samples.clear();
                batch.events.clear();
                batch.tracks.clear();
                for session in &mut batch.sessions {
                    session.platform = None;
                    session.devices = None;
                    session.constraints = None;
                }
            }
            for conference in seed_batch_inputs(&batch) {
                let day = Span::Day.bucket_of(conference.created_at);
                let cells = app.open_days.entry(day).or_default();
                cells_of(&conference, &rollup_counts(&conference), 1, cells);
            }
            let complete_before = match app.plans.get(app.next_plan) {
                Some(next) => Span::Day.bucket_of(next.created_at),
                None => i64::MAX,
            };
            let open = app.open_days.split_off(&complete_before);
            let complete = std::mem::replace(&mut app.open_days, open);
            let cells: Vec<_> = complete.into_values().flat_map(into_cells).collect();
            if !cells.is_empty() {
                batch.rollup_cells.push((app.id, cells));
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

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;
    use crate::demo::catalog::RELAY;
    use crate::demo::plan::HISTORY;
    use crate::demo::units::{HOUR, whole_seconds};
    use crate::domain::issue::IssueCode;
    use crate::store::{ConnectionRow, SessionRow};

    const NOW: i64 = 1_778_000_000_000_000; // 2026-05-05

    fn options(conferences: u32) -> SeedOptions {
        SeedOptions {
            scale: 1,
            now: NOW,
            rng_seed: 7,
            conferences_override: Some(conferences),
            summary_rows_only: false,
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
}
