//! The `negotiations` list of a connection, in PeerMetrics' JSON shape:
//! `[{"start_time", "status", "type", "end_time", "duration"}]` with Python datetimes.

use serde::{Deserialize, Serialize};

use super::time::{format_pm, parse_query_time, whole_seconds_between};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Negotiation {
    pub start_time: String,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub end_time: Option<String>,
    #[serde(default)]
    pub duration: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Negotiations(pub Vec<Negotiation>);

impl Negotiations {
    pub fn parse(text: &str) -> Self {
        Negotiations(serde_json::from_str(text).unwrap_or_default())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("negotiations serialise")
    }

    fn start(&mut self, kind: &str, at: i64) {
        self.0.push(Negotiation {
            start_time: format_pm(at),
            status: "connecting".into(),
            kind: kind.into(),
            end_time: None,
            duration: None,
        });
    }

    pub fn start_initial(&mut self, at: i64) {
        self.start("initial", at);
    }

    /// A renegotiation begins, unless one is already in progress.
    pub fn start_renegotiation(&mut self, at: i64) {
        if self
            .0
            .last()
            .is_some_and(|last| last.status == "connecting")
        {
            return;
        }
        self.start("renegotiation", at);
    }

    fn finish_last(&mut self, status: &str, at: i64) -> Option<&Negotiation> {
        let last = self.0.last_mut()?;
        if last.status == "connected" || last.status == "failed" {
            // Settled already: a later ICE "completed" must not move the end time
            // (PeerMetrics overwrote it, inflating setup times).
            return None;
        }
        last.status = status.into();
        last.end_time = Some(format_pm(at));
        last.duration =
            parse_query_time(&last.start_time).map(|start| whole_seconds_between(start, at));
        Some(last)
    }

    /// The last negotiation is the initial one, it reached `stable` or `connected`,
    /// and that happened no more than `window` before `at`.
    pub fn initial_settled_within(&self, at: i64, window: i64) -> bool {
        self.0.last().is_some_and(|last| {
            last.kind == "initial"
                && (last.status == "stable" || last.status == "connected")
                && last
                    .end_time
                    .as_deref()
                    .and_then(parse_query_time)
                    .is_some_and(|settled| (at - settled).abs() <= window)
        })
    }

    /// A renegotiation has started and not yet connected or failed.
    pub fn renegotiation_in_progress(&self) -> bool {
        self.0.last().is_some_and(|last| {
            last.kind == "renegotiation" && (last.status == "connecting" || last.status == "stable")
        })
    }

    pub fn mark_stable(&mut self, at: i64) {
        if self
            .0
            .last()
            .is_some_and(|last| last.status == "connecting")
        {
            self.finish_last("stable", at);
        }
    }

    /// Marks the negotiation in progress as connected. Returns the setup time in ms
    /// when this completed the initial negotiation.
    pub fn mark_connected(&mut self, at: i64) -> Option<i64> {
        let finished = self.finish_last("connected", at)?;
        if finished.kind != "initial" {
            return None;
        }
        let start = parse_query_time(&finished.start_time)?;
        Some(((at - start) / 1000).max(0))
    }

    pub fn mark_failed(&mut self, at: i64) {
        self.finish_last("failed", at);
    }

    /// Ending a connection fails whatever negotiation was still open.
    pub fn fail_open(&mut self, at: i64) {
        if self
            .0
            .last()
            .is_some_and(|last| last.status == "connecting" || last.status == "stable")
        {
            self.finish_last("failed", at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000_000;

    #[test]
    fn setup_time_is_measured_once_from_add_connection_to_first_connected() {
        let mut negotiations = Negotiations::default();
        negotiations.start_initial(T0);
        negotiations.mark_stable(T0 + 300_000);
        assert_eq!(negotiations.mark_connected(T0 + 750_000), Some(750));
        // ICE "completed" later does not move it.
        assert_eq!(negotiations.mark_connected(T0 + 5_000_000), None);
        assert_eq!(
            negotiations.0[0].end_time.as_deref(),
            Some(format_pm(T0 + 750_000).as_str())
        );
    }

    #[test]
    fn a_renegotiation_does_not_stack_on_one_in_progress() {
        let mut negotiations = Negotiations::default();
        negotiations.start_initial(T0);
        negotiations.start_renegotiation(T0 + 1);
        assert_eq!(negotiations.0.len(), 1);
        negotiations.mark_connected(T0 + 2);
        negotiations.start_renegotiation(T0 + 3);
        assert_eq!(negotiations.0.len(), 2);
        assert_eq!(
            negotiations.mark_connected(T0 + 4),
            None,
            "renegotiations are not setup time"
        );
    }

    #[test]
    fn the_json_shape_matches_peermetrics() {
        let mut negotiations = Negotiations::default();
        negotiations.start_initial(T0);
        let json: serde_json::Value = serde_json::from_str(&negotiations.to_json()).unwrap();
        assert_eq!(json[0]["type"], "initial");
        assert_eq!(json[0]["status"], "connecting");
        assert_eq!(json[0]["start_time"], "2023-11-14 22:13:20");
        assert!(json[0]["end_time"].is_null());
    }
}
