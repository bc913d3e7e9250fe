//! How connection events change a connection's state, negotiations and setup time.
//!
//! The SDK sends each connection event as its own concurrent request, without a
//! timestamp, so one connection's first burst (signalling, ICE and connection states)
//! can arrive in any order, often within the same millisecond. These rules make the
//! stored result independent of that order:
//!
//! - states before the first connection (`new`, `connecting`) only move forward, and
//!   an established connection never falls back to them unless a renegotiation is
//!   really in progress (an ICE restart goes through one);
//! - an offer state that arrives within [`SAME_NEGOTIATION_WINDOW`] of the initial
//!   negotiation settling belongs to that negotiation, not to a new one;
//! - `closed` is final.

use super::issue::IssueCode;
use super::negotiation::Negotiations;

/// An offer this soon after the initial negotiation settled is a late event of it.
pub const SAME_NEGOTIATION_WINDOW_MICROS: i64 = 2_000_000;

/// One connection event, as the SDK names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionSignal<'a> {
    NegotiationNeeded,
    /// `onsignalingstatechange`'s `signalingState`.
    Signaling(&'a str),
    /// `oniceconnectionstatechange`.
    IceState(&'a str),
    /// `onconnectionstatechange`.
    PeerState(&'a str),
}

impl<'a> ConnectionSignal<'a> {
    /// The signal an SDK event carries, if it is one: `data` is the event's payload.
    pub fn of_event(name: &str, data: &'a serde_json::Value) -> Option<Self> {
        match name {
            "onnegotiationneeded" => Some(Self::NegotiationNeeded),
            "onsignalingstatechange" => data
                .get("signalingState")
                .and_then(serde_json::Value::as_str)
                .map(Self::Signaling),
            "oniceconnectionstatechange" => data.as_str().map(Self::IceState),
            "onconnectionstatechange" => data.as_str().map(Self::PeerState),
            _ => None,
        }
    }
}

/// The part of a connection that its events change.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionProgress {
    pub state: String,
    pub negotiations: Negotiations,
    pub setup_time_ms: Option<i64>,
    /// Ever connected (or stats showed media flowing).
    pub established: bool,
}

/// What a signal asks of the caller beyond the new progress.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SignalEffects {
    pub issue: Option<IssueCode>,
    /// The connection is closed: end it.
    pub closes: bool,
}

/// `new` and `connecting` in the order a connection goes through them.
fn early_rank(state: &str) -> Option<u8> {
    match state {
        "new" => Some(0),
        "connecting" => Some(1),
        _ => None,
    }
}

impl ConnectionProgress {
    /// A connection as `addConnection` creates it.
    pub fn added(already_connected: bool, at: i64) -> Self {
        let mut negotiations = Negotiations::default();
        if !already_connected {
            negotiations.start_initial(at);
        }
        ConnectionProgress {
            state: if already_connected {
                "connected"
            } else {
                "new"
            }
            .to_owned(),
            negotiations,
            setup_time_ms: None,
            established: already_connected,
        }
    }

    pub fn apply(&mut self, signal: ConnectionSignal<'_>, at: i64) -> SignalEffects {
        let mut effects = SignalEffects::default();
        if self.state == "closed" {
            return effects;
        }
        match signal {
            ConnectionSignal::NegotiationNeeded
            | ConnectionSignal::Signaling("have-local-offer" | "have-remote-offer") => {
                if !self
                    .negotiations
                    .initial_settled_within(at, SAME_NEGOTIATION_WINDOW_MICROS)
                {
                    self.negotiations.start_renegotiation(at);
                }
            }
            ConnectionSignal::Signaling("stable") => self.negotiations.mark_stable(at),
            ConnectionSignal::Signaling(_) => {}
            ConnectionSignal::IceState(state) | ConnectionSignal::PeerState(state) => {
                let is_ice = matches!(signal, ConnectionSignal::IceState(_));
                effects = self.state_changed(is_ice, state, at);
            }
        }
        effects
    }

    fn state_changed(&mut self, is_ice: bool, new_state: &str, at: i64) -> SignalEffects {
        let mut effects = SignalEffects::default();
        match new_state {
            "connected" | "completed" => {
                if let Some(setup_ms) = self.negotiations.mark_connected(at) {
                    self.setup_time_ms.get_or_insert(setup_ms);
                }
                self.state = "connected".into();
                self.established = true;
            }
            "failed" => {
                self.negotiations.mark_failed(at);
                if is_ice {
                    effects.issue = Some(IssueCode::IceFailed);
                } else {
                    self.state = "failed".into();
                    effects.issue = Some(IssueCode::ConnectionFailed);
                }
            }
            "disconnected" if !is_ice => {
                self.state = "disconnected".into();
                effects.issue = Some(IssueCode::ConnectionDisconnected);
            }
            "closed" => {
                if !is_ice {
                    self.state = "closed".into();
                }
                effects.closes = true;
            }
            "new" | "connecting" if !is_ice => {
                let moves_forward = match (early_rank(&self.state), early_rank(new_state)) {
                    (Some(current), Some(next)) => next > current,
                    // Past the early states: only a renegotiation in progress (an ICE
                    // restart) brings a connection back to them.
                    _ => self.negotiations.renegotiation_in_progress(),
                };
                if moves_forward {
                    self.state = new_state.into();
                }
            }
            _ => {}
        }
        effects
    }

    /// The connection ended (removeConnection, unload, endCall, the sweeper, the
    /// conference stopping): its state closes and an open negotiation fails.
    pub fn close(&mut self, at: i64) {
        self.state = "closed".into();
        self.negotiations.fail_open(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000_000;
    const MS: i64 = 1_000;

    fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut out = Vec::new();
        for index in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(index);
            for mut tail in permutations(&rest) {
                tail.insert(0, first.clone());
                out.push(tail);
            }
        }
        out
    }

    fn replay(
        burst: &[ConnectionSignal<'static>],
        at: impl Fn(usize) -> i64,
    ) -> ConnectionProgress {
        let mut progress = ConnectionProgress::added(false, T0);
        for (index, signal) in burst.iter().enumerate() {
            progress.apply(*signal, at(index));
        }
        progress
    }

    const CALLER: [ConnectionSignal<'static>; 7] = [
        ConnectionSignal::NegotiationNeeded,
        ConnectionSignal::Signaling("have-local-offer"),
        ConnectionSignal::Signaling("stable"),
        ConnectionSignal::IceState("checking"),
        ConnectionSignal::PeerState("connecting"),
        ConnectionSignal::IceState("connected"),
        ConnectionSignal::PeerState("connected"),
    ];
    const CALLEE: [ConnectionSignal<'static>; 7] = [
        ConnectionSignal::Signaling("have-remote-offer"),
        ConnectionSignal::Signaling("stable"),
        ConnectionSignal::IceState("new"),
        ConnectionSignal::IceState("checking"),
        ConnectionSignal::PeerState("connecting"),
        ConnectionSignal::IceState("connected"),
        ConnectionSignal::PeerState("connected"),
    ];

    #[test]
    fn every_order_of_a_first_burst_in_one_millisecond_stores_the_same_connection() {
        for burst in [CALLER, CALLEE] {
            let same_moment = |_| T0 + 700 * MS;
            let in_order = replay(&burst, same_moment);
            assert_eq!(in_order.state, "connected");
            assert_eq!(in_order.setup_time_ms, Some(700));
            assert_eq!(in_order.negotiations.0.len(), 1);
            for order in permutations(&burst) {
                assert_eq!(replay(&order, same_moment), in_order, "order {order:?}");
            }
        }
    }

    #[test]
    fn every_order_spread_over_milliseconds_keeps_one_negotiation_and_a_setup_time() {
        for burst in [CALLER, CALLEE] {
            for order in permutations(&burst) {
                let progress = replay(&order, |index| T0 + 500 * MS + index as i64 * MS);
                assert_eq!(progress.state, "connected", "order {order:?}");
                assert!(progress.established);
                assert_eq!(progress.negotiations.0.len(), 1, "order {order:?}");
                assert_eq!(progress.negotiations.0[0].status, "connected");
                let setup = progress.setup_time_ms.expect("a setup time");
                assert!((500..=507).contains(&setup), "order {order:?}: {setup}");
            }
        }
    }

    #[test]
    fn a_real_renegotiation_later_is_recorded_and_may_pass_through_connecting() {
        let mut progress = replay(&CALLER, |_| T0 + 700 * MS);
        let later = T0 + 30_000 * MS;
        progress.apply(ConnectionSignal::Signaling("have-local-offer"), later);
        assert_eq!(progress.negotiations.0.len(), 2);
        progress.apply(ConnectionSignal::PeerState("connecting"), later + MS);
        assert_eq!(progress.state, "connecting", "an ICE restart reconnects");
        progress.apply(ConnectionSignal::PeerState("connected"), later + 400 * MS);
        assert_eq!(progress.state, "connected");
        assert_eq!(
            progress.setup_time_ms,
            Some(700),
            "only the initial one counts"
        );
    }

    #[test]
    fn a_failed_connection_does_not_fall_back_to_connecting() {
        let mut progress = ConnectionProgress::added(false, T0);
        let effects = progress.apply(ConnectionSignal::PeerState("failed"), T0 + MS);
        assert_eq!(effects.issue, Some(IssueCode::ConnectionFailed));
        progress.apply(ConnectionSignal::PeerState("connecting"), T0 + MS);
        assert_eq!(progress.state, "failed");
        assert!(!progress.established);
    }

    #[test]
    fn closed_is_final_and_ends_the_connection() {
        let mut progress = replay(&CALLER, |_| T0 + 700 * MS);
        let effects = progress.apply(ConnectionSignal::PeerState("closed"), T0 + 9_000 * MS);
        assert!(effects.closes);
        progress.apply(ConnectionSignal::PeerState("connected"), T0 + 9_001 * MS);
        assert_eq!(progress.state, "closed");
    }

    #[test]
    fn closing_an_unconnected_connection_fails_its_negotiation() {
        let mut progress = ConnectionProgress::added(false, T0);
        progress.close(T0 + 5_000 * MS);
        assert_eq!(progress.state, "closed");
        assert_eq!(progress.negotiations.0[0].status, "failed");
    }
}
