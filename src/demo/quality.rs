//! Call quality: how a session's media fares, the network conditions behind it and
//! the tally of eMOS scores its low_emos / very_low_emos issues report.

use crate::domain::emos;

/// How a session's media fared; the lower two end in low_emos / very_low_emos issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Quality {
    Good,
    Low,
    VeryLow,
}

pub(super) const QUALITIES: &[(Quality, u32)] = &[
    (Quality::Good, 950),
    (Quality::Low, 40),
    (Quality::VeryLow, 10),
];

/// Network conditions behind a quality; the loss and delay are chosen so that the
/// eMOS of `domain::emos` lands above 4, in [3, 4) and below 3 respectively.
pub(super) struct Conditions {
    pub(super) loss_percent: f64,
    pub(super) rtt_factor: f64,
    pub(super) jitter_ms: f64,
    pub(super) jitter_buffer_ms: f64,
    pub(super) video_bitrate: f64,
    pub(super) frames_per_second: f64,
    pub(super) frame_size: (i64, i64),
}

impl Quality {
    pub(super) fn conditions(self) -> &'static Conditions {
        match self {
            Quality::Good => &Conditions {
                loss_percent: 0.1,
                rtt_factor: 1.0,
                jitter_ms: 4.0,
                jitter_buffer_ms: 40.0,
                video_bitrate: 1_200_000.0,
                frames_per_second: 30.0,
                frame_size: (1280, 720),
            },
            Quality::Low => &Conditions {
                loss_percent: 2.0,
                rtt_factor: 1.8,
                jitter_ms: 18.0,
                jitter_buffer_ms: 60.0,
                video_bitrate: 600_000.0,
                frames_per_second: 22.0,
                frame_size: (960, 540),
            },
            Quality::VeryLow => &Conditions {
                loss_percent: 5.5,
                rtt_factor: 3.0,
                jitter_ms: 45.0,
                jitter_buffer_ms: 140.0,
                video_bitrate: 250_000.0,
                frames_per_second: 14.0,
                frame_size: (640, 360),
            },
        }
    }
}

/// Inbound-audio eMOS samples per issue band, for the issue's `average`.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct EmosTally {
    pub(super) low: (f64, u32),
    pub(super) very_low: (f64, u32),
}

impl EmosTally {
    pub(super) fn add(&mut self, score: f64) {
        if score < emos::VERY_LOW {
            self.very_low.0 += score;
            self.very_low.1 += 1;
        } else if score < emos::LOW {
            self.low.0 += score;
            self.low.1 += 1;
        }
    }
}
