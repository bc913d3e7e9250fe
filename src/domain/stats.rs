//! The `/v1/stats` payload (webrtc-stats 5.7 `parseStats` output) and the numbers
//! callvitals keeps from it. Parsing is lenient about values: a field of an unexpected
//! type is treated as missing rather than failing the whole sample.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Any JSON value, reduced to the scalar it holds. Arrays and objects are skipped
/// without being built, so a lenient field costs no more than an ignored one.
enum Scalar {
    Number(f64),
    Text(String),
    Bool(bool),
    Other,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl<'de> Visitor<'de> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
                Ok(Scalar::Text(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_unit<E>(self) -> Result<Scalar, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// A number, or absent when the value is anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Num(pub Option<f64>);

impl Num {
    pub fn get(self) -> Option<f64> {
        self.0.filter(|value| value.is_finite())
    }

    pub fn int(self) -> Option<i64> {
        self.get().map(|value| value as i64)
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Num(match Scalar::deserialize(deserializer)? {
            Scalar::Number(value) => Some(value),
            _ => None,
        }))
    }
}

/// A string, or absent when the value is anything else.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text(pub Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Text(match Scalar::deserialize(deserializer)? {
            Scalar::Text(value) => Some(value),
            _ => None,
        }))
    }
}

/// A boolean, or absent when the value is anything else.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Flag(pub Option<bool>);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Flag(match Scalar::deserialize(deserializer)? {
            Scalar::Bool(value) => Some(value),
            _ => None,
        }))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StatsPayload {
    #[serde(default)]
    pub audio: Option<ByDirection<RtpReport>>,
    #[serde(default)]
    pub video: Option<ByDirection<RtpReport>>,
    #[serde(default)]
    pub connection: Option<CandidatePair>,
    /// What the other side reported about our streams (RTCP).
    #[serde(default)]
    pub remote: Option<ByKind<ByDirection<RemoteReport>>>,
}

/// webrtc-stats groups every list of reports by direction... (A missing `Option`
/// field reads as `None`.)
#[derive(Debug, Deserialize)]
pub struct ByDirection<T> {
    pub inbound: Option<Vec<T>>,
    pub outbound: Option<Vec<T>>,
}

/// ...and the remote reports by media kind as well.
#[derive(Debug, Deserialize)]
pub struct ByKind<T> {
    pub audio: Option<T>,
    pub video: Option<T>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RtpReport {
    pub id: Text,
    pub ssrc: Num,
    pub track_identifier: Text,
    pub bytes_received: Num,
    pub bytes_sent: Num,
    pub packets_received: Num,
    pub packets_sent: Num,
    pub packets_lost: Num,
    pub jitter: Num,
    pub bitrate: Num,
    pub frames_per_second: Num,
    pub frame_width: Num,
    pub frame_height: Num,
    pub audio_level: Num,
    pub jitter_buffer_delay: Num,
    pub jitter_buffer_emitted_count: Num,
    pub fec_packets_received: Num,
    pub track: Option<TrackStats>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TrackStats {
    pub track_identifier: Text,
    pub audio_level: Num,
    pub frame_width: Num,
    pub frame_height: Num,
    pub frames_per_second: Num,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CandidatePair {
    pub state: Text,
    pub nominated: Flag,
    pub selected: Flag,
    pub bytes_sent: Num,
    pub bytes_received: Num,
    pub packets_sent: Num,
    pub packets_received: Num,
    pub current_round_trip_time: Num,
    pub available_outgoing_bitrate: Num,
    pub local: Option<Candidate>,
    pub remote: Option<Candidate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Candidate {
    pub candidate_type: Text,
    pub protocol: Text,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RemoteReport {
    pub local_id: Text,
    pub ssrc: Num,
    pub round_trip_time: Num,
    pub jitter: Num,
    pub packets_lost: Num,
    pub packets_sent: Num,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    Audio = 0,
    Video = 1,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound = 0,
    Outbound = 1,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// What one stats post says about its connection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairNumbers {
    pub rtt_ms: Option<f64>,
    pub bytes_sent: Option<i64>,
    pub bytes_received: Option<i64>,
    pub packets_sent: Option<i64>,
    pub packets_received: Option<i64>,
    pub available_outgoing_bitrate: Option<f64>,
    pub local_candidate_type: Option<String>,
    pub remote_candidate_type: Option<String>,
    pub protocol: Option<String>,
}

/// What one RTP report says about its track.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackNumbers {
    pub kind: MediaKind,
    pub direction: Direction,
    pub track_identifier: Option<String>,
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
    /// Average jitter-buffer delay in ms (inbound audio, for eMOS).
    pub jitter_buffer_ms: Option<f64>,
    pub fec: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtractedStats {
    pub pair: PairNumbers,
    pub tracks: Vec<TrackNumbers>,
    /// The post shows that media flows (the `no_connection` evidence rule).
    pub shows_progress: bool,
}

fn positive(value: Option<f64>) -> bool {
    value.is_some_and(|value| value > 0.0)
}

impl StatsPayload {
    pub fn extract(&self) -> ExtractedStats {
        let pair = self.connection.as_ref();
        let local = pair.and_then(|pair| pair.local.as_ref());
        let remote = pair.and_then(|pair| pair.remote.as_ref());
        let numbers = PairNumbers {
            rtt_ms: pair
                .and_then(|p| p.current_round_trip_time.get())
                .map(|s| s * 1000.0),
            bytes_sent: pair.and_then(|p| p.bytes_sent.int()),
            bytes_received: pair.and_then(|p| p.bytes_received.int()),
            packets_sent: pair.and_then(|p| p.packets_sent.int()),
            packets_received: pair.and_then(|p| p.packets_received.int()),
            available_outgoing_bitrate: pair.and_then(|p| p.available_outgoing_bitrate.get()),
            local_candidate_type: local.and_then(|c| c.candidate_type.0.clone()),
            remote_candidate_type: remote.and_then(|c| c.candidate_type.0.clone()),
            protocol: local.and_then(|c| c.protocol.0.clone()),
        };

        let mut tracks = Vec::new();
        for (kind, media) in [
            (MediaKind::Audio, &self.audio),
            (MediaKind::Video, &self.video),
        ] {
            let Some(media) = media else { continue };
            let remote_media = self.remote.as_ref().and_then(|remote| match kind {
                MediaKind::Audio => remote.audio.as_ref(),
                MediaKind::Video => remote.video.as_ref(),
            });
            for report in media.inbound.iter().flatten() {
                tracks.push(inbound_numbers(kind, report));
            }
            for report in media.outbound.iter().flatten() {
                tracks.push(outbound_numbers(kind, report, remote_media));
            }
        }

        let shows_progress = pair.is_some_and(|p| {
            let succeeded = p.state.0.as_deref() == Some("succeeded")
                && (p.nominated.0 == Some(true)
                    || p.selected.0 == Some(true)
                    || positive(p.bytes_sent.get())
                    || positive(p.bytes_received.get())
                    || p.current_round_trip_time.get().is_some());
            succeeded
                || positive(p.bytes_sent.get())
                || positive(p.bytes_received.get())
                || (numbers.local_candidate_type.is_some()
                    && numbers.remote_candidate_type.is_some())
        }) || tracks
            .iter()
            .any(|t| t.bytes.is_some_and(|b| b > 0) || t.packets.is_some_and(|p| p > 0));

        ExtractedStats {
            pair: numbers,
            tracks,
            shows_progress,
        }
    }
}

fn track_identifier(report: &RtpReport) -> Option<String> {
    report
        .track_identifier
        .0
        .clone()
        .or_else(|| {
            report
                .track
                .as_ref()
                .and_then(|t| t.track_identifier.0.clone())
        })
        .map(|id| id.chars().take(40).collect())
}

/// Frame and level figures, from the RTP report or else from the `track` object that
/// webrtc-stats copies from the media-source (or legacy track) stats.
struct SourceFigures {
    frames_per_second: Option<f64>,
    frame_width: Option<i64>,
    frame_height: Option<i64>,
    audio_level: Option<f64>,
}

impl SourceFigures {
    fn of(report: &RtpReport) -> SourceFigures {
        let track = report.track.as_ref();
        SourceFigures {
            frames_per_second: report
                .frames_per_second
                .get()
                .or_else(|| track.and_then(|t| t.frames_per_second.get())),
            frame_width: report
                .frame_width
                .int()
                .or_else(|| track.and_then(|t| t.frame_width.int())),
            frame_height: report
                .frame_height
                .int()
                .or_else(|| track.and_then(|t| t.frame_height.int())),
            audio_level: report
                .audio_level
                .get()
                .or_else(|| track.and_then(|t| t.audio_level.get())),
        }
    }
}

fn inbound_numbers(kind: MediaKind, report: &RtpReport) -> TrackNumbers {
    let source = SourceFigures::of(report);
    let jitter_buffer_ms = match (
        report.jitter_buffer_delay.get(),
        report.jitter_buffer_emitted_count.get(),
    ) {
        (Some(delay), Some(count)) if count > 0.0 => Some(delay / count * 1000.0),
        _ => None,
    };
    TrackNumbers {
        kind,
        direction: Direction::Inbound,
        track_identifier: track_identifier(report),
        ssrc: report.ssrc.int(),
        bytes: report.bytes_received.int(),
        packets: report.packets_received.int(),
        packets_lost: report.packets_lost.int(),
        bitrate: report.bitrate.get(),
        jitter_ms: report.jitter.get().map(|s| s * 1000.0),
        rtt_ms: None,
        frames_per_second: source.frames_per_second,
        frame_width: source.frame_width,
        frame_height: source.frame_height,
        audio_level: source.audio_level,
        jitter_buffer_ms,
        fec: positive(report.fec_packets_received.get()),
    }
}

fn outbound_numbers(
    kind: MediaKind,
    report: &RtpReport,
    remote: Option<&ByDirection<RemoteReport>>,
) -> TrackNumbers {
    let source = SourceFigures::of(report);
    // The receiver's view of this stream (remote-inbound-rtp) gives RTT, jitter and
    // loss; it is matched by ssrc, or taken alone when there is only one.
    let receiver_view = remote.and_then(|remote| {
        let reports = remote.inbound.as_deref().unwrap_or_default();
        let ssrc = report.ssrc.int();
        reports
            .iter()
            .find(|candidate| ssrc.is_some() && candidate.ssrc.int() == ssrc)
            .or(if reports.len() == 1 {
                reports.first()
            } else {
                None
            })
    });
    TrackNumbers {
        kind,
        direction: Direction::Outbound,
        track_identifier: track_identifier(report),
        ssrc: report.ssrc.int(),
        bytes: report.bytes_sent.int(),
        packets: report.packets_sent.int(),
        packets_lost: receiver_view.and_then(|r| r.packets_lost.int()),
        bitrate: report.bitrate.get(),
        jitter_ms: receiver_view
            .and_then(|r| r.jitter.get())
            .map(|s| s * 1000.0),
        rtt_ms: receiver_view
            .and_then(|r| r.round_trip_time.get())
            .map(|s| s * 1000.0),
        frames_per_second: source.frames_per_second,
        frame_width: source.frame_width,
        frame_height: source.frame_height,
        audio_level: source.audio_level,
        jitter_buffer_ms: None,
        fec: false,
    }
}

/// The candidate types PeerMetrics records for a connection.
pub fn is_known_candidate_type(candidate_type: &str) -> bool {
    matches!(candidate_type, "host" | "srflx" | "prflx" | "relay")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
        "audio": {"inbound": [{"id": "IT01A1", "kind": "audio", "ssrc": 1026072958, "trackIdentifier": "2f14",
            "packetsReceived": 486, "packetsLost": 3, "bytesReceived": 28442, "jitter": 0.005,
            "jitterBufferDelay": 29116.8, "jitterBufferEmittedCount": 463680, "bitrate": 23000, "track": {}}],
          "outbound": [{"id": "OT01A", "ssrc": 77, "packetsSent": 500, "bytesSent": 30000, "bitrate": 24000,
            "track": {"trackIdentifier": "11b2", "audioLevel": 0.01}}]},
        "video": {"inbound": [], "outbound": [{"ssrc": 88, "bytesSent": "oops", "framesPerSecond": 30,
            "frameWidth": 1280, "frameHeight": 720, "trackIdentifier": "v1"}]},
        "connection": {"state": "succeeded", "nominated": true, "currentRoundTripTime": 0.012,
            "bytesSent": 100, "local": {"candidateType": "relay", "protocol": "tcp"}, "remote": {"candidateType": "srflx"}},
        "remote": {"audio": {"inbound": [{"ssrc": 77, "roundTripTime": 0.02, "jitter": 0.003, "packetsLost": 2}],
            "outbound": []}, "video": {"inbound": [], "outbound": []}}
    }"#;

    #[test]
    fn extracts_pair_and_track_numbers() {
        let payload: StatsPayload = serde_json::from_str(SAMPLE).unwrap();
        let stats = payload.extract();
        assert_eq!(stats.pair.rtt_ms, Some(12.0));
        assert_eq!(stats.pair.local_candidate_type.as_deref(), Some("relay"));
        assert_eq!(stats.pair.protocol.as_deref(), Some("tcp"));
        assert!(stats.shows_progress);
        assert_eq!(stats.tracks.len(), 3);

        let inbound_audio = &stats.tracks[0];
        assert_eq!(
            (inbound_audio.kind, inbound_audio.direction),
            (MediaKind::Audio, Direction::Inbound)
        );
        assert_eq!(inbound_audio.packets_lost, Some(3));
        assert_eq!(inbound_audio.jitter_ms, Some(5.0));
        assert!((inbound_audio.jitter_buffer_ms.unwrap() - 62.79).abs() < 0.01);

        let outbound_audio = &stats.tracks[1];
        assert_eq!(outbound_audio.track_identifier.as_deref(), Some("11b2"));
        assert_eq!(outbound_audio.rtt_ms, Some(20.0));
        assert_eq!(outbound_audio.packets_lost, Some(2));
        assert_eq!(outbound_audio.audio_level, Some(0.01));

        let outbound_video = &stats.tracks[2];
        assert_eq!(
            outbound_video.bytes, None,
            "a string where a number belongs is ignored"
        );
        assert_eq!(outbound_video.frame_width, Some(1280));
        assert_eq!(outbound_video.frames_per_second, Some(30.0));
    }

    #[test]
    fn a_pair_not_yet_selected_shows_no_progress() {
        let payload: StatsPayload =
            serde_json::from_str(r#"{"connection": {"inbound": [], "outbound": []}, "audio": {"inbound": [], "outbound": []}}"#)
                .unwrap();
        let stats = payload.extract();
        assert!(!stats.shows_progress);
        assert_eq!(stats.pair, PairNumbers::default());
    }
}
