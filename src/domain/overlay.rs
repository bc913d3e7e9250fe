//! What a quality graph marks on its time axis: the events that explain a change in
//! the numbers (a state change, a renegotiation, a mute, a device change, an issue).
//! The raw event stream also holds the ICE candidates, SDP and gathering states of
//! every negotiation; those stay on the timeline, off the graphs.

use serde_json::Value;

use super::negotiation::Negotiations;
use super::time::parse_query_time;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKind {
    State,
    Negotiation,
    Track,
    Device,
    Custom,
    Issue,
}

impl OverlayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OverlayKind::State => "state",
            OverlayKind::Negotiation => "negotiation",
            OverlayKind::Track => "track",
            OverlayKind::Device => "device",
            OverlayKind::Custom => "custom",
            OverlayKind::Issue => "issue",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OverlayEvent {
    pub at: i64,
    /// The end of a span (a negotiation); `None` for a point.
    pub end: Option<i64>,
    pub kind: OverlayKind,
    pub label: String,
    /// `error` or `warning`, for issues.
    pub severity: Option<String>,
}

fn text_of(data: Option<&str>) -> Option<String> {
    match serde_json::from_str::<Value>(data?).ok()? {
        Value::String(text) => Some(text),
        Value::Object(map) => map
            .get("eventName")
            .or_else(|| map.get("state"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

/// The overlay entry of a stored event, if it is one a graph shows.
pub fn of_event(
    category: &str,
    event_type: &str,
    data: Option<&str>,
    at: i64,
) -> Option<OverlayEvent> {
    let point = |kind, label: String| {
        Some(OverlayEvent {
            at,
            end: None,
            kind,
            label,
            severity: None,
        })
    };
    let state = || text_of(data).unwrap_or_else(|| "unknown".to_owned());
    match (category, event_type) {
        (_, "onconnectionstatechange") => {
            point(OverlayKind::State, format!("Connection {}", state()))
        }
        (_, "oniceconnectionstatechange") => point(OverlayKind::State, format!("ICE {}", state())),
        (_, "addConnection") => point(OverlayKind::State, "Connection added".to_owned()),
        (_, "removeConnection") => point(OverlayKind::State, "Connection removed".to_owned()),
        ("track", "mute") => point(OverlayKind::Track, "Track muted".to_owned()),
        ("track", "unmute") => point(OverlayKind::Track, "Track unmuted".to_owned()),
        ("track", "ended") => point(OverlayKind::Track, "Track ended".to_owned()),
        ("track", "ontrack") => point(OverlayKind::Track, "Remote track added".to_owned()),
        ("getUserMedia", name) => point(
            OverlayKind::Device,
            match name {
                "getUserMedia" => "Devices opened".to_owned(),
                other => format!("getUserMedia: {other}"),
            },
        ),
        (_, "ondevicechange" | "devicechange" | "mediaDeviceChange") => {
            point(OverlayKind::Device, "Devices changed".to_owned())
        }
        ("browser", "custom") => point(
            OverlayKind::Custom,
            text_of(data).unwrap_or_else(|| "Custom event".to_owned()),
        ),
        _ => None,
    }
}

/// A connection's negotiations as spans (a renegotiation is also how an ICE restart
/// shows).
pub fn of_negotiations(negotiations: &str) -> Vec<OverlayEvent> {
    Negotiations::parse(negotiations)
        .0
        .iter()
        .filter_map(|negotiation| {
            let at = parse_query_time(&negotiation.start_time)?;
            let end = negotiation.end_time.as_deref().and_then(parse_query_time);
            let kind = match negotiation.kind.as_str() {
                "initial" => "Initial negotiation",
                _ => "Renegotiation",
            };
            Some(OverlayEvent {
                at,
                end,
                kind: OverlayKind::Negotiation,
                label: format!("{kind}: {}", negotiation.status),
                severity: (negotiation.status == "failed").then(|| "error".to_owned()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::format_pm;

    #[test]
    fn graph_worthy_events_are_labelled_and_noise_is_left_out() {
        let state = of_event(
            "connection",
            "onconnectionstatechange",
            Some("\"failed\""),
            5,
        )
        .unwrap();
        assert_eq!(
            (state.kind, state.label.as_str()),
            (OverlayKind::State, "Connection failed")
        );
        let custom = of_event("browser", "custom", Some(r#"{"eventName":"mute"}"#), 5).unwrap();
        assert_eq!(custom.label, "mute");
        assert!(of_event("connection", "onicecandidate", Some("{}"), 5).is_none());
        assert!(of_event("connection", "onsignalingstatechange", None, 5).is_none());
    }

    #[test]
    fn negotiations_become_spans() {
        let start = 1_767_000_000_000_000;
        let text = format!(
            r#"[{{"type":"initial","status":"connected","start_time":"{}","end_time":"{}","duration":850}},
                {{"type":"renegotiation","status":"failed","start_time":"{}"}}]"#,
            format_pm(start),
            format_pm(start + 850_000),
            format_pm(start + 60_000_000)
        );
        let spans = of_negotiations(&text);
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].at, spans[0].end), (start, Some(start + 850_000)));
        assert_eq!(spans[0].label, "Initial negotiation: connected");
        assert_eq!(spans[1].severity.as_deref(), Some("error"));
        assert_eq!(spans[1].end, None);
    }
}
