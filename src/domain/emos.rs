//! Estimated MOS for received audio, from the simplified E-model PeerMetrics uses,
//! with its unit bug fixed: packet loss enters as a percentage over the last interval
//! (PeerMetrics fed a cumulative fraction, which made loss ~100x too cheap).

/// Inputs for one inbound audio report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmosInput {
    /// Packets lost over the interval, as a percentage of the packets expected.
    pub loss_percent: f64,
    /// Receive bitrate in bits/s, when known.
    pub bitrate: Option<f64>,
    pub rtt_ms: f64,
    /// Average jitter-buffer delay in ms.
    pub jitter_buffer_ms: f64,
    pub fec: bool,
}

pub fn emos(input: EmosInput) -> f64 {
    let delay = 20.0 + input.jitter_buffer_ms + input.rtt_ms / 2.0;
    let codec_impairment = match input.bitrate {
        Some(bitrate) if bitrate > 0.0 => (55.0 - 4.6 * bitrate.ln()).clamp(0.0, 30.0),
        _ => 6.0,
    };
    let loss_robustness = if input.fec { 20.0 } else { 10.0 };
    let loss = input.loss_percent.clamp(0.0, 100.0);
    let loss_impairment =
        codec_impairment + (100.0 - codec_impairment) * loss / (loss + loss_robustness);
    let delay_impairment = 0.03 * delay
        + if delay > 150.0 {
            0.1 * (delay - 150.0)
        } else {
            0.0
        };
    let rating = (100.0 - loss_impairment - delay_impairment).clamp(0.0, 100.0);
    let mos = 1.0 + 0.035 * rating + 7e-6 * rating * (rating - 60.0) * (100.0 - rating);
    ((mos * 100.0).round() / 100.0).clamp(1.0, 5.0)
}

/// Loss over an interval from cumulative counters; falls back to the cumulative
/// ratio when there is no previous sample (or the counters went backwards).
pub fn interval_loss_percent(previous: Option<(i64, i64)>, received: i64, lost: i64) -> f64 {
    let (delta_received, delta_lost) = match previous {
        Some((previous_received, previous_lost))
            if received >= previous_received && lost >= previous_lost =>
        {
            (received - previous_received, lost - previous_lost)
        }
        _ => (received, lost),
    };
    let expected = delta_received + delta_lost;
    if expected <= 0 {
        return 0.0;
    }
    delta_lost as f64 * 100.0 / expected as f64
}

/// Samples below this are "very low" (an error), below [`LOW`] "low" (a warning).
pub const VERY_LOW: f64 = 3.0;
pub const LOW: f64 = 4.0;

#[cfg(test)]
mod tests {
    use super::*;

    fn clean_call() -> EmosInput {
        EmosInput {
            loss_percent: 0.0,
            bitrate: Some(32_000.0),
            rtt_ms: 20.0,
            jitter_buffer_ms: 40.0,
            fec: false,
        }
    }

    #[test]
    fn a_clean_call_scores_above_four() {
        let score = emos(clean_call());
        assert!(score > 4.2 && score < 4.5, "{score}");
    }

    #[test]
    fn five_percent_loss_drops_the_score_to_about_three() {
        let score = emos(EmosInput {
            loss_percent: 5.0,
            ..clean_call()
        });
        assert!(score > 2.8 && score < 3.3, "{score}");
    }

    #[test]
    fn fec_makes_loss_hurt_less() {
        let without = emos(EmosInput {
            loss_percent: 5.0,
            ..clean_call()
        });
        let with = emos(EmosInput {
            loss_percent: 5.0,
            fec: true,
            ..clean_call()
        });
        assert!(with > without);
    }

    #[test]
    fn interval_loss_uses_the_difference_between_samples() {
        assert_eq!(interval_loss_percent(Some((900, 0)), 990, 10), 10.0);
        assert_eq!(interval_loss_percent(None, 990, 10), 1.0);
        assert_eq!(interval_loss_percent(Some((1000, 5)), 10, 0), 0.0);
    }
}
