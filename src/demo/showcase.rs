//! One conference the demo always has: a one-hour all-hands of six people in a full
//! mesh (30 directed connections, 360 stats points each), which ended two hours
//! before the seed's "now". It is the conference the issue's size figures are about,
//! the one the benchmark paints, and a good first page for a newcomer: one
//! participant's network degrades for a quarter of an hour, with the loss, RTT and
//! eMOS to show for it, a renegotiation, and the issues it raised.

use rand::{Rng, SeedableRng};
use serde_json::json;
use uuid::Uuid;

use super::rng::{DemoRng, new_id};
use super::units::{MINUTE, SECOND};
use crate::domain::emos::{self, EmosInput};
use crate::domain::issue::IssueCode;
use crate::domain::rollup::rollup_counts;
use crate::domain::time::format_pm;
use crate::store::rollups::{CellCounts, cells_of, into_cells, seed_batch_inputs};
use crate::store::*;

/// The customer's id of the showcase conference.
pub const SHOWCASE_ROOM: &str = "all-hands-showcase";

const PEOPLE: [(&str, &str, &str, &str, &str); 6] = [
    ("Maya", "Chrome", "131.0.0.0", "Mac OS", "Berlin"),
    ("Tomás", "Firefox", "133.0", "Windows", "Madrid"),
    ("Aiko", "Chrome", "131.0.0.0", "Windows", "Tokyo"),
    ("Sam", "Safari", "18.1", "Mac OS", "Toronto"),
    ("Priya", "Chrome", "130.0.0.0", "Android", "Bengaluru"),
    ("Lars", "Edge", "131.0.0.0", "Windows", "Oslo"),
];
const COUNTRIES: [&str; 6] = ["DE", "ES", "JP", "CA", "IN", "NO"];

/// Priya's network struggles from minute 20 to minute 35.
const STRUGGLER: usize = 4;
const TROUBLE: (i64, i64) = (20 * MINUTE, 35 * MINUTE);
const POINTS: i64 = 360;
const INTERVAL: i64 = 10 * SECOND;

/// The rows of the showcase conference in `app_id`, with its rollup cells.
pub fn showcase_batch(app_id: Uuid, now: i64, seed: u64) -> SeedBatch {
    let mut rng = DemoRng::seed_from_u64(seed ^ 0x5eed_a114_a4d5);
    let start = now - 3 * 3_600 * SECOND;
    let end = start + 3_600 * SECOND + 15 * SECOND;
    let mut batch = SeedBatch::default();
    let conference_id = new_id(&mut rng);

    let mut sessions = Vec::new();
    for (index, (name, browser, version, os, city)) in PEOPLE.iter().enumerate() {
        let joined = start + index as i64 * 4 * SECOND;
        let participant = ParticipantRow {
            id: new_id(&mut rng),
            app_id,
            participant_id: format!("{}-showcase", name.to_lowercase().replace('á', "a")),
            participant_name: Some((*name).to_owned()),
            is_sfu: false,
            created_at: joined,
        };
        batch
            .conference_participants
            .push((conference_id, participant.id, joined));
        let session = SessionRow {
            id: new_id(&mut rng),
            app_id,
            conference_id,
            participant_id: participant.id,
            created_at: joined,
            end_time: Some(end),
            call_start: Some(joined + 2 * SECOND),
            duration_s: (end - joined) / SECOND,
            platform: Some(
                json!({"browser": {"name": browser, "version": version}, "os": {"name": os}}).to_string(),
            ),
            devices: Some(
                json!([
                    {"deviceId": "mic", "kind": "audioinput", "label": format!("{name}'s headset"), "groupId": "a"},
                    {"deviceId": "cam", "kind": "videoinput", "label": "HD webcam", "groupId": "b"}
                ])
                .to_string(),
            ),
            constraints: Some(json!({"audio": true, "video": true}).to_string()),
            metadata: Some(json!({"team": if index % 2 == 0 { "product" } else { "engineering" }}).to_string()),
            geo: None,
            browser_name: Some((*browser).to_owned()),
            browser_version: Some((*version).to_owned()),
            os_name: Some((*os).to_owned()),
            os_version: None,
            country_code: Some(COUNTRIES[index].to_owned()),
            city: Some((*city).to_owned()),
            latitude: None,
            longitude: None,
            app_version: Some("3.2.0".to_owned()),
            webrtc_sdk: None,
            closed_at: Some(end),
        };
        sessions.push(session);
        batch.participants.push(participant);
    }

    for from in 0..PEOPLE.len() {
        for to in 0..PEOPLE.len() {
            if from == to {
                continue;
            }
            let session = &sessions[from];
            let opened = session.created_at.max(sessions[to].created_at) + SECOND;
            let connected = opened + rng.gen_range(300..1_400) * 1_000;
            let struggling = from == STRUGGLER || to == STRUGGLER;
            let relayed = from == STRUGGLER;
            let mut negotiations = vec![json!({"type": "initial", "status": "connected",
                "start_time": format_pm(opened), "end_time": format_pm(connected),
                "duration": (connected - opened) / 1_000})];
            if struggling && from < to {
                let at = start + TROUBLE.0 + 6 * MINUTE;
                negotiations.push(json!({"type": "renegotiation", "status": "connected",
                    "start_time": format_pm(at), "end_time": format_pm(at + 2_300_000), "duration": 2_300}));
            }
            let connection = ConnectionRow {
                id: new_id(&mut rng),
                app_id,
                conference_id,
                session_id: session.id,
                participant_id: session.participant_id,
                peer_id: sessions[to].participant_id,
                connection_type: Some(if relayed { "relay" } else { "srflx" }.to_owned()),
                state: "closed".to_owned(),
                negotiations: serde_json::to_string(&negotiations).expect("json"),
                setup_time_ms: Some((connected - opened) / 1_000),
                detected_tcp: false,
                detected_turn: relayed,
                established: true,
                start_time: opened,
                end_time: Some(end),
                duration_s: (end - connected) / SECOND,
                created_at: opened,
            };
            for (event, data, at) in [
                ("addConnection", None, opened),
                ("onconnectionstatechange", Some("\"connected\""), connected),
                ("onconnectionstatechange", Some("\"closed\""), end),
            ] {
                batch.events.push(EventRow {
                    id: new_id(&mut rng),
                    app_id,
                    conference_id,
                    session_id: session.id,
                    participant_id: session.participant_id,
                    peer_id: Some(connection.peer_id),
                    connection_id: Some(connection.id),
                    track_id: None,
                    category: "connection".to_owned(),
                    event_type: event.to_owned(),
                    data: data.map(str::to_owned),
                    created_at: at,
                });
            }
            push_samples(
                &mut rng,
                &mut batch,
                &connection,
                connected,
                start,
                struggling,
            );
            batch.connections.push(connection);
        }
    }

    // The struggler's eMOS issue and the TURN relay her network forced.
    let struggler = &sessions[STRUGGLER];
    for (code, at, data) in [
        (
            IssueCode::LowEmos,
            start + TROUBLE.1,
            Some(json!({"average": 2.9}).to_string()),
        ),
        (IssueCode::TurnUsed, start + MINUTE, None),
    ] {
        batch.issues.push(IssueRow {
            id: new_id(&mut rng),
            app_id,
            conference_id,
            session_id: struggler.id,
            participant_id: struggler.participant_id,
            connection_id: None,
            track_id: None,
            severity: code.severity().as_str().to_owned(),
            code: code.as_str().to_owned(),
            data,
            created_at: at,
        });
    }
    batch.events.push(EventRow {
        id: new_id(&mut rng),
        app_id,
        conference_id,
        session_id: struggler.id,
        participant_id: struggler.participant_id,
        peer_id: None,
        connection_id: None,
        track_id: None,
        category: "browser".to_owned(),
        event_type: "custom".to_owned(),
        data: Some(json!({"eventName": "switched to mobile data"}).to_string()),
        created_at: start + TROUBLE.0 + 30 * SECOND,
    });

    let participants = PEOPLE.len() as i64;
    batch.conferences.push(ConferenceRow {
        id: conference_id,
        app_id,
        conference_id: SHOWCASE_ROOM.to_owned(),
        conference_name: Some("All-hands".to_owned()),
        created_at: start,
        start_time: Some(start + SECOND),
        call_start: None,
        end_time: Some(end),
        ongoing: false,
        duration_s: (end - start - SECOND) / SECOND,
        last_activity_at: end,
        participant_count: participants,
        session_count: participants,
        connection_count: batch.connections.len() as i64,
        error_count: batch
            .issues
            .iter()
            .filter(|i| i.severity == "error")
            .count() as i64,
        warning_count: batch
            .issues
            .iter()
            .filter(|i| i.severity == "warning")
            .count() as i64,
    });
    batch.sessions = sessions;

    let mut cells = CellCounts::default();
    for conference in seed_batch_inputs(&batch) {
        cells_of(&conference, &rollup_counts(&conference), 1, &mut cells);
    }
    batch.rollup_cells.push((app_id, into_cells(cells)));
    batch
}

/// 360 points of one directed connection: audio and video each way.
fn push_samples(
    rng: &mut DemoRng,
    batch: &mut SeedBatch,
    connection: &ConnectionRow,
    connected: i64,
    start: i64,
    struggling: bool,
) {
    let base_rtt = rng.gen_range(20.0..90.0);
    // Audio in, audio out, video in, video out: (bytes, packets, lost).
    let mut counters = [(0i64, 0i64, 0i64); 4];
    let ssrcs: [i64; 4] = std::array::from_fn(|_| rng.gen_range(1..i64::from(u32::MAX)));
    for point in 0..POINTS {
        let at = connected + point * INTERVAL;
        let into_call = at - start;
        let trouble = struggling && (TROUBLE.0..TROUBLE.1).contains(&into_call);
        let loss = if trouble {
            rng.gen_range(0.02..0.07)
        } else {
            rng.gen_range(0.0..0.003)
        };
        let rtt = if trouble { base_rtt * 3.5 } else { base_rtt } * rng.gen_range(0.9..1.1);
        let jitter = if trouble {
            rng.gen_range(18.0..40.0)
        } else {
            rng.gen_range(2.0..7.0)
        };
        let video_bps = if trouble { 380_000.0 } else { 1_350_000.0 } * rng.gen_range(0.92..1.08);
        let (fps, height) = if trouble { (14.0, 360) } else { (30.0, 720) };
        for (index, counter) in counters.iter_mut().enumerate() {
            let video = index >= 2;
            let bps = if video { video_bps } else { 32_000.0 };
            let bytes = (bps * 10.0 / 8.0) as i64;
            let packets = bytes / if video { 1_100 } else { 80 };
            counter.0 += bytes;
            counter.1 += packets;
            counter.2 += (packets as f64 * loss).round() as i64;
        }
        let sent = counters[1].0 + counters[3].0;
        let received = counters[0].0 + counters[2].0;
        let emos = emos::emos(EmosInput {
            loss_percent: loss * 100.0,
            bitrate: Some(32_000.0),
            rtt_ms: rtt,
            jitter_buffer_ms: jitter * 2.0,
            fec: false,
        });
        batch.stats_samples.push(StatsSampleRow {
            connection_id: connection.id,
            created_at: at,
            rtt_ms: Some(rtt),
            bytes_sent: Some(sent),
            bytes_received: Some(received),
            packets_sent: Some(counters[1].1 + counters[3].1),
            packets_received: Some(counters[0].1 + counters[2].1 - counters[0].2 - counters[2].2),
            available_outgoing_bitrate: Some(video_bps * 1.5),
            local_candidate_type: connection.connection_type.clone(),
            remote_candidate_type: Some("srflx".to_owned()),
            protocol: Some("udp".to_owned()),
            raw: None,
        });
        for (index, (bytes, packets, lost)) in counters.iter().enumerate() {
            let video = index >= 2;
            let inbound = index % 2 == 0;
            batch.track_samples.push(TrackSampleRow {
                connection_id: connection.id,
                track_id: None,
                created_at: at,
                kind: i16::from(video),
                direction: i16::from(!inbound),
                ssrc: Some(ssrcs[index]),
                bytes: Some(*bytes),
                packets: Some(if inbound { packets - lost } else { *packets }),
                packets_lost: Some(*lost),
                bitrate: None,
                jitter_ms: Some(jitter),
                rtt_ms: (!inbound).then_some(rtt),
                frames_per_second: video.then_some(fps),
                frame_width: video.then_some(height * 16 / 9),
                frame_height: video.then_some(height),
                audio_level: (!video).then(|| rng.gen_range(0.01..0.25)),
                emos: (!video && inbound).then_some(emos),
            });
        }
    }
}
