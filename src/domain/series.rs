//! A connection's quality series, computed from its stored stats samples: the numbers
//! a graph plots, in the units its axis names. PeerMetrics plotted bytes per interval
//! as throughput, RTT and loss as running averages since the start, and mixed
//! directions; here every rate is over the interval between two samples, and each
//! direction is its own group.
//!
//! The input is a window of samples in time order, possibly preceded by the samples
//! just before the window: those only serve as the previous point of the window's
//! first deltas, so a window's first point is the same number the full history shows.

use uuid::Uuid;

use super::stats::{Direction, MediaKind};

/// A gap between two samples longer than this yields no rate: an average over a
/// minute of a backgrounded tab or a dropped network would read as a real value.
pub const MAX_RATE_GAP_MICROS: i64 = 60_000_000;

/// What one stats post said about its candidate pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairPoint {
    pub at: i64,
    pub rtt_ms: Option<f64>,
    pub bytes_sent: Option<i64>,
    pub bytes_received: Option<i64>,
    pub available_outgoing_bitrate: Option<f64>,
    pub local_candidate_type: Option<String>,
    pub remote_candidate_type: Option<String>,
    pub protocol: Option<String>,
}

/// What one stats post said about one RTP stream.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackPoint {
    pub at: i64,
    pub kind: MediaKind,
    pub direction: Direction,
    pub track_id: Option<Uuid>,
    pub ssrc: Option<i64>,
    /// Bytes received (inbound) or sent (outbound), cumulative.
    pub bytes: Option<i64>,
    /// Packets received or sent, cumulative.
    pub packets: Option<i64>,
    /// Packets lost, cumulative: counted locally (inbound) or reported back by the
    /// receiver (outbound).
    pub packets_lost: Option<i64>,
    pub jitter_ms: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub frames_per_second: Option<f64>,
    pub frame_width: Option<i64>,
    pub frame_height: Option<i64>,
    pub audio_level: Option<f64>,
    pub emos: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    BitrateIn,
    BitrateOut,
    Rtt,
    AvailableOutgoingBitrate,
    Bitrate,
    PacketLoss,
    Jitter,
    AudioLevel,
    Emos,
    Fps,
    FrameWidth,
    FrameHeight,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::BitrateIn => "bitrate_in",
            Metric::BitrateOut => "bitrate_out",
            Metric::Rtt => "rtt",
            Metric::AvailableOutgoingBitrate => "available_outgoing_bitrate",
            Metric::Bitrate => "bitrate",
            Metric::PacketLoss => "packet_loss",
            Metric::Jitter => "jitter",
            Metric::AudioLevel => "audio_level",
            Metric::Emos => "emos",
            Metric::Fps => "fps",
            Metric::FrameWidth => "frame_width",
            Metric::FrameHeight => "frame_height",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Metric::BitrateIn => "Received",
            Metric::BitrateOut => "Sent",
            Metric::Rtt => "Round-trip time",
            Metric::AvailableOutgoingBitrate => "Available outgoing bitrate",
            Metric::Bitrate => "Bitrate",
            Metric::PacketLoss => "Packet loss",
            Metric::Jitter => "Jitter",
            Metric::AudioLevel => "Audio level",
            Metric::Emos => "eMOS",
            Metric::Fps => "Frame rate",
            Metric::FrameWidth => "Frame width",
            Metric::FrameHeight => "Frame height",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::BitrateIn
            | Metric::BitrateOut
            | Metric::AvailableOutgoingBitrate
            | Metric::Bitrate => "bit/s",
            Metric::Rtt | Metric::Jitter => "ms",
            Metric::PacketLoss => "%",
            Metric::AudioLevel => "level",
            Metric::Emos => "MOS",
            Metric::Fps => "frames/s",
            Metric::FrameWidth | Metric::FrameHeight => "px",
        }
    }

    /// Decimals worth sending: a bitrate to the bit, a delay to 0.1 ms.
    fn decimals(self) -> i32 {
        match self {
            Metric::BitrateIn
            | Metric::BitrateOut
            | Metric::AvailableOutgoingBitrate
            | Metric::Bitrate
            | Metric::FrameWidth
            | Metric::FrameHeight => 0,
            Metric::Rtt | Metric::Jitter | Metric::Fps => 1,
            Metric::PacketLoss | Metric::Emos => 2,
            Metric::AudioLevel => 4,
        }
    }

    /// The series a stream of this kind and direction has, in display order.
    pub fn of_stream(kind: MediaKind, direction: Direction) -> &'static [Metric] {
        use Metric::*;
        match (kind, direction) {
            (MediaKind::Audio, Direction::Inbound) => {
                &[Bitrate, PacketLoss, Jitter, AudioLevel, Emos]
            }
            (MediaKind::Video, Direction::Inbound) => {
                &[Bitrate, PacketLoss, Jitter, Fps, FrameWidth, FrameHeight]
            }
            (MediaKind::Audio, Direction::Outbound) => {
                &[Bitrate, PacketLoss, Jitter, Rtt, AudioLevel]
            }
            (MediaKind::Video, Direction::Outbound) => &[
                Bitrate,
                PacketLoss,
                Jitter,
                Rtt,
                Fps,
                FrameWidth,
                FrameHeight,
            ],
        }
    }

    pub const OF_CONNECTION: &'static [Metric] = &[
        Metric::BitrateIn,
        Metric::BitrateOut,
        Metric::Rtt,
        Metric::AvailableOutgoingBitrate,
    ];
}

#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: Metric,
    pub values: Vec<Option<f64>>,
}

/// Which stream a group of series describes; `None` for the connection's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StreamKey {
    pub kind: u8,
    pub direction: u8,
    pub track_id: Option<Uuid>,
    /// Only when the stream has no track row.
    pub ssrc: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub stream: Option<(MediaKind, Direction, StreamKey)>,
    /// Sample times, unix microseconds.
    pub times: Vec<i64>,
    pub series: Vec<Series>,
}

impl Group {
    pub fn key(&self) -> String {
        match &self.stream {
            None => "connection".to_owned(),
            Some((kind, direction, key)) => format!(
                "{}:{}:{}",
                kind.as_str(),
                direction.as_str(),
                key.track_id
                    .map(|id| id.to_string())
                    .or(key.ssrc.map(|ssrc| ssrc.to_string()))
                    .unwrap_or_else(|| "unknown".to_owned())
            ),
        }
    }

    pub fn label(&self) -> String {
        match &self.stream {
            None => "Connection".to_owned(),
            Some((kind, Direction::Inbound, _)) => format!("Received {}", kind.as_str()),
            Some((kind, Direction::Outbound, _)) => format!("Sent {}", kind.as_str()),
        }
    }
}

/// The candidate pair in use, from one point on.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateChange {
    pub at: i64,
    pub local: Option<String>,
    pub remote: Option<String>,
    pub protocol: Option<String>,
}

/// How much a cumulative counter grew between two samples. A counter that went down
/// was reset (a new stream starts counting at zero), so its new value is what it grew
/// by since; a new SSRC is a new stream even when its count happens to be higher.
pub fn counter_delta(previous: Option<i64>, current: Option<i64>, reset: bool) -> Option<i64> {
    let current = current?;
    match previous {
        _ if reset => Some(current),
        Some(previous) if current >= previous => Some(current - previous),
        Some(_) => Some(current),
        None => None,
    }
}

/// Bits per second over an interval, or nothing over a gap that is too long.
pub fn bitrate(bytes: Option<i64>, micros: i64) -> Option<f64> {
    if micros <= 0 || micros > MAX_RATE_GAP_MICROS {
        return None;
    }
    bytes.map(|bytes| bytes as f64 * 8.0 * 1_000_000.0 / micros as f64)
}

/// Per-interval loss in %: the share of the interval's packets that were lost.
/// Inbound, the interval's packets are those received plus those lost; outbound, the
/// packets sent.
pub fn loss_percent(direction: Direction, lost: Option<i64>, packets: Option<i64>) -> Option<f64> {
    let (lost, packets) = (lost?.max(0), packets?);
    let total = match direction {
        Direction::Inbound => lost + packets,
        Direction::Outbound => packets,
    };
    (total > 0).then(|| (lost as f64 * 100.0 / total as f64).clamp(0.0, 100.0))
}

fn round(metric: Metric, value: Option<f64>) -> Option<f64> {
    let value = value.filter(|value| value.is_finite())?;
    let scale = 10f64.powi(metric.decimals());
    Some((value * scale).round() / scale)
}

/// Builds the groups of one connection from its pair points and track points (each in
/// time order). Points before `window_start` are read only as previous points.
pub fn connection_series(
    pairs: &[PairPoint],
    tracks: &[TrackPoint],
    window_start: i64,
) -> (Vec<Group>, Vec<CandidateChange>) {
    let mut groups = vec![pair_group(pairs, window_start)];
    let mut streams: Vec<(StreamKey, Vec<&TrackPoint>)> = Vec::new();
    for point in tracks {
        let key = stream_key(point);
        match streams.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, points)) => points.push(point),
            None => streams.push((key, vec![point])),
        }
    }
    // Inbound before outbound, audio before video, then by track: a stable order.
    streams.sort_by_key(|(key, _)| (key.direction, key.kind, key.track_id, key.ssrc));
    for (key, points) in streams {
        if let Some(group) = stream_group(key, &points, window_start) {
            groups.push(group);
        }
    }
    (groups, candidate_changes(pairs, window_start))
}

fn stream_key(point: &TrackPoint) -> StreamKey {
    StreamKey {
        kind: point.kind as u8,
        direction: point.direction as u8,
        track_id: point.track_id,
        ssrc: if point.track_id.is_some() {
            None
        } else {
            point.ssrc
        },
    }
}

impl Group {
    /// A group with no points yet, with one empty series per metric.
    fn empty(stream: Option<(MediaKind, Direction, StreamKey)>, metrics: &[Metric]) -> Group {
        Group {
            stream,
            times: Vec::new(),
            series: metrics
                .iter()
                .map(|&metric| Series {
                    metric,
                    values: Vec::new(),
                })
                .collect(),
        }
    }
}

fn pair_group(pairs: &[PairPoint], window_start: i64) -> Group {
    let mut group = Group::empty(None, Metric::OF_CONNECTION);
    let mut previous: Option<&PairPoint> = None;
    for point in pairs {
        if point.at >= window_start {
            let elapsed = previous.map_or(0, |previous| point.at - previous.at);
            let delta = |get: fn(&PairPoint) -> Option<i64>| {
                previous.and_then(|previous| counter_delta(get(previous), get(point), false))
            };
            let values = [
                bitrate(delta(|p| p.bytes_received), elapsed),
                bitrate(delta(|p| p.bytes_sent), elapsed),
                point.rtt_ms,
                point.available_outgoing_bitrate,
            ];
            group.times.push(point.at);
            for (series, value) in group.series.iter_mut().zip(values) {
                series.values.push(round(series.metric, value));
            }
        }
        previous = Some(point);
    }
    group
}

fn stream_group(key: StreamKey, points: &[&TrackPoint], window_start: i64) -> Option<Group> {
    let first = points.first()?;
    let (kind, direction) = (first.kind, first.direction);
    let mut group = Group::empty(
        Some((kind, direction, key)),
        Metric::of_stream(kind, direction),
    );
    let mut previous: Option<&TrackPoint> = None;
    for &point in points {
        if point.at >= window_start {
            let elapsed = previous.map_or(0, |previous| point.at - previous.at);
            let reset = previous.is_some_and(|previous| {
                previous.ssrc.is_some() && point.ssrc.is_some() && previous.ssrc != point.ssrc
            });
            let delta = |get: fn(&TrackPoint) -> Option<i64>| {
                previous.and_then(|previous| counter_delta(get(previous), get(point), reset))
            };
            // Loss over a gap too long for a rate is no interval's loss either.
            let recent = elapsed > 0 && elapsed <= MAX_RATE_GAP_MICROS;
            group.times.push(point.at);
            for series in &mut group.series {
                let value = match series.metric {
                    Metric::Bitrate => bitrate(delta(|p| p.bytes), elapsed),
                    Metric::PacketLoss if recent => loss_percent(
                        direction,
                        lost_delta(previous, point, reset),
                        delta(|p| p.packets),
                    ),
                    Metric::PacketLoss => None,
                    Metric::Jitter => point.jitter_ms,
                    Metric::Rtt => point.rtt_ms,
                    Metric::AudioLevel => point.audio_level,
                    Metric::Emos => point.emos,
                    Metric::Fps => point.frames_per_second,
                    Metric::FrameWidth => point.frame_width.map(|w| w as f64),
                    Metric::FrameHeight => point.frame_height.map(|h| h as f64),
                    Metric::BitrateIn | Metric::BitrateOut | Metric::AvailableOutgoingBitrate => {
                        None
                    }
                };
                series.values.push(round(series.metric, value));
            }
        }
        previous = Some(point);
    }
    (!group.times.is_empty()).then_some(group)
}

/// Packets lost in an interval. Unlike the other counters, the lost count may go down
/// a little without a reset (late packets are taken back off it), so a decrease within
/// one stream is a loss of zero rather than a reset.
fn lost_delta(previous: Option<&TrackPoint>, point: &TrackPoint, reset: bool) -> Option<i64> {
    let current = point.packets_lost?;
    if reset {
        return Some(current);
    }
    let previous = previous?.packets_lost?;
    Some((current - previous).max(0))
}

fn candidate_changes(pairs: &[PairPoint], window_start: i64) -> Vec<CandidateChange> {
    let mut changes: Vec<CandidateChange> = Vec::new();
    let mut current: Option<(&Option<String>, &Option<String>, &Option<String>)> = None;
    for point in pairs {
        // A poll without a selected pair says nothing about a change.
        if point.local_candidate_type.is_none() && point.remote_candidate_type.is_none() {
            continue;
        }
        let pair = (
            &point.local_candidate_type,
            &point.remote_candidate_type,
            &point.protocol,
        );
        if current == Some(pair) {
            continue;
        }
        current = Some(pair);
        changes.push(CandidateChange {
            at: point.at.max(window_start),
            local: point.local_candidate_type.clone(),
            remote: point.remote_candidate_type.clone(),
            protocol: point.protocol.clone(),
        });
    }
    // Of the changes before the window, only the pair in use at its start matters.
    let before = changes
        .iter()
        .rposition(|change| change.at <= window_start)
        .unwrap_or(0);
    changes.drain(..before);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;

    fn pair(at_s: i64, received: i64, sent: i64) -> PairPoint {
        PairPoint {
            at: at_s * SECOND,
            bytes_received: Some(received),
            bytes_sent: Some(sent),
            rtt_ms: Some(at_s as f64),
            local_candidate_type: Some("host".into()),
            remote_candidate_type: Some("srflx".into()),
            protocol: Some("udp".into()),
            ..Default::default()
        }
    }

    fn inbound_audio(at_s: i64, bytes: i64, packets: i64, lost: i64) -> TrackPoint {
        TrackPoint {
            at: at_s * SECOND,
            kind: MediaKind::Audio,
            direction: Direction::Inbound,
            track_id: None,
            ssrc: Some(1),
            bytes: Some(bytes),
            packets: Some(packets),
            packets_lost: Some(lost),
            jitter_ms: Some(4.0),
            rtt_ms: None,
            frames_per_second: None,
            frame_width: None,
            frame_height: None,
            audio_level: Some(0.25),
            emos: Some(4.2),
        }
    }

    fn values(group: &Group, metric: Metric) -> Vec<Option<f64>> {
        group
            .series
            .iter()
            .find(|series| series.metric == metric)
            .unwrap()
            .values
            .clone()
    }

    #[test]
    fn bitrate_is_bits_per_second_between_samples() {
        // 125,000 bytes in 10 s = 100,000 bit/s; then 250,000 bytes in 10 s.
        let pairs = [
            pair(0, 0, 0),
            pair(10, 125_000, 50_000),
            pair(20, 375_000, 100_000),
        ];
        let (groups, _) = connection_series(&pairs, &[], 0);
        let connection = &groups[0];
        assert_eq!(connection.key(), "connection");
        assert_eq!(
            values(connection, Metric::BitrateIn),
            vec![None, Some(100_000.0), Some(200_000.0)]
        );
        assert_eq!(
            values(connection, Metric::BitrateOut),
            vec![None, Some(40_000.0), Some(40_000.0)]
        );
        // The current RTT of each sample, not an average since the start.
        assert_eq!(
            values(connection, Metric::Rtt),
            vec![Some(0.0), Some(10.0), Some(20.0)]
        );
    }

    #[test]
    fn a_counter_reset_counts_the_new_value() {
        // The stream restarts between 10 s and 20 s: 40,000 bytes counted afresh.
        let pairs = [pair(0, 0, 0), pair(10, 500_000, 0), pair(20, 40_000, 0)];
        let (groups, _) = connection_series(&pairs, &[], 0);
        assert_eq!(
            values(&groups[0], Metric::BitrateIn),
            vec![None, Some(400_000.0), Some(32_000.0)]
        );

        // A new SSRC on the same track (a renegotiated sender) is a reset even when
        // its counters are higher.
        let track = Some(Uuid::new_v4());
        let on_track = |point: TrackPoint| TrackPoint {
            track_id: track,
            ..point
        };
        let mut restarted = on_track(inbound_audio(20, 900_000, 2_000, 10));
        restarted.ssrc = Some(2);
        let tracks = [
            on_track(inbound_audio(0, 0, 0, 0)),
            on_track(inbound_audio(10, 100_000, 1_000, 0)),
            restarted,
        ];
        let (groups, _) = connection_series(&[], &tracks, 0);
        let audio = &groups[1];
        assert_eq!(
            values(audio, Metric::Bitrate),
            vec![None, Some(80_000.0), Some(720_000.0)]
        );
        // 10 lost of the new stream's 2,010 packets.
        assert_eq!(values(audio, Metric::PacketLoss)[2], Some(0.5));
    }

    #[test]
    fn a_missing_interval_averages_over_the_real_gap_and_a_long_gap_is_no_rate() {
        // The sample at 20 s never arrived: 30 s - 10 s = 20 s for 100,000 bytes.
        let pairs = [
            pair(0, 0, 0),
            pair(10, 50_000, 0),
            pair(30, 150_000, 0),
            pair(200, 250_000, 0),
        ];
        let (groups, _) = connection_series(&pairs, &[], 0);
        assert_eq!(
            values(&groups[0], Metric::BitrateIn),
            vec![None, Some(40_000.0), Some(40_000.0), None]
        );
    }

    #[test]
    fn loss_is_per_interval_not_since_the_start() {
        // Interval 1: 100 received, 0 lost. Interval 2: 90 received, 10 lost = 10 %.
        // Interval 3: 100 received, 0 lost = 0 % (a running figure would say 3.3 %).
        let tracks = [
            inbound_audio(0, 0, 0, 0),
            inbound_audio(10, 10_000, 100, 0),
            inbound_audio(20, 20_000, 190, 10),
            inbound_audio(30, 30_000, 290, 10),
        ];
        let (groups, _) = connection_series(&[], &tracks, 0);
        assert_eq!(
            values(&groups[1], Metric::PacketLoss),
            vec![None, Some(0.0), Some(10.0), Some(0.0)]
        );

        // Outbound: the receiver's lost count against the packets sent.
        let outbound = |at_s: i64, packets: i64, lost: i64| TrackPoint {
            direction: Direction::Outbound,
            ..inbound_audio(at_s, 0, packets, lost)
        };
        let tracks = [outbound(0, 0, 0), outbound(10, 200, 5)];
        let (groups, _) = connection_series(&[], &tracks, 0);
        assert_eq!(
            values(&groups[1], Metric::PacketLoss),
            vec![None, Some(2.5)]
        );
        assert_eq!(groups[1].label(), "Sent audio");
    }

    #[test]
    fn a_window_reads_the_point_before_it_for_its_first_deltas() {
        let pairs = [pair(0, 0, 0), pair(10, 125_000, 0), pair(20, 250_000, 0)];
        let (full, _) = connection_series(&pairs, &[], 0);
        let (window, _) = connection_series(&pairs[1..], &[], 20 * SECOND);
        assert_eq!(window[0].times, vec![20 * SECOND]);
        assert_eq!(
            values(&window[0], Metric::BitrateIn),
            vec![values(&full[0], Metric::BitrateIn)[2]]
        );
    }

    #[test]
    fn a_retried_post_with_delta_lands_at_its_measured_time() {
        // A post retried 25 s after it was measured carries `delta`; ingest stores
        // it at its measured time (15 s), so in time order it falls between the
        // others and the rates are those of the real intervals.
        let mut pairs = vec![pair(0, 0, 0), pair(10, 100_000, 0), pair(20, 250_000, 0)];
        pairs.push(pair(15, 175_000, 0));
        pairs.sort_by_key(|point| point.at);
        let (groups, _) = connection_series(&pairs, &[], 0);
        assert_eq!(
            values(&groups[0], Metric::BitrateIn),
            vec![None, Some(80_000.0), Some(120_000.0), Some(120_000.0)]
        );
    }

    #[test]
    fn directions_are_separate_groups_in_a_stable_order() {
        let outbound = TrackPoint {
            direction: Direction::Outbound,
            ..inbound_audio(0, 0, 0, 0)
        };
        let video = TrackPoint {
            kind: MediaKind::Video,
            ..inbound_audio(0, 0, 0, 0)
        };
        let (groups, _) = connection_series(&[], &[outbound, video, inbound_audio(0, 0, 0, 0)], 0);
        let keys: Vec<String> = groups.iter().map(Group::key).collect();
        assert_eq!(
            keys,
            [
                "connection",
                "audio:inbound:1",
                "video:inbound:1",
                "audio:outbound:1"
            ]
        );
        let metrics: Vec<&str> = groups[2].series.iter().map(|s| s.metric.name()).collect();
        assert_eq!(
            metrics,
            [
                "bitrate",
                "packet_loss",
                "jitter",
                "fps",
                "frame_width",
                "frame_height"
            ]
        );
    }

    #[test]
    fn candidate_changes_start_with_the_pair_in_use_at_the_window() {
        let mut pairs = vec![
            pair(0, 0, 0),
            pair(10, 0, 0),
            pair(20, 0, 0),
            pair(30, 0, 0),
        ];
        pairs[2].local_candidate_type = Some("relay".into());
        pairs[3].local_candidate_type = None;
        pairs[3].remote_candidate_type = None;
        let changes = candidate_changes(&pairs, 15 * SECOND);
        assert_eq!(changes.len(), 2);
        assert_eq!(
            (changes[0].at, changes[0].local.as_deref()),
            (15 * SECOND, Some("host"))
        );
        assert_eq!(
            (changes[1].at, changes[1].local.as_deref()),
            (20 * SECOND, Some("relay"))
        );
    }
}
