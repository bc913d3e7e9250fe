//! Stats series: the stats samples and track samples of a detailed connection, one
//! report every 10 s.

use rand::Rng;
use uuid::Uuid;

use super::catalog::RELAY;
use super::quality::{Conditions, EmosTally};
use super::rng::DemoRng;
use super::units::{SECOND, round_to};
use crate::domain::emos::{self, EmosInput};
use crate::store::{SeedBatch, StatsSampleRow, TrackSampleRow};

pub(super) const STATS_INTERVAL: i64 = 10 * SECOND;
/// 60 minutes of samples per connection at most.
const MAX_SAMPLES_PER_CONNECTION: i64 = 360;

pub(super) struct SampleSeries {
    pub(super) connection: Uuid,
    pub(super) candidate_type: &'static str,
    pub(super) tcp: bool,
    pub(super) conditions: &'static Conditions,
    pub(super) from: i64,
    pub(super) until: i64,
    pub(super) inbound_tracks: Option<(Uuid, Uuid)>,
    pub(super) outbound_tracks: Option<(Uuid, Uuid)>,
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
pub(super) fn push_samples(
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
    use rand::SeedableRng;

    use super::*;
    use crate::demo::quality::Quality;
    use crate::demo::units::MINUTE;

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
}
