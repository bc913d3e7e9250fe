//! The issue catalogue of PeerMetrics (`app/models/issue.py`), with the severities it
//! actually creates.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssueCode {
    GetUserMediaError,
    NoMediaAccess,
    IceCandidateError,
    ConnectionDisconnected,
    ConnectionFailed,
    IceFailed,
    NoConnection,
    MultipleRejoins,
    TcpUsed,
    TurnUsed,
    LowEmos,
    VeryLowEmos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl IssueCode {
    pub const ALL: [IssueCode; 12] = [
        IssueCode::GetUserMediaError,
        IssueCode::NoMediaAccess,
        IssueCode::IceCandidateError,
        IssueCode::ConnectionDisconnected,
        IssueCode::ConnectionFailed,
        IssueCode::IceFailed,
        IssueCode::NoConnection,
        IssueCode::MultipleRejoins,
        IssueCode::TcpUsed,
        IssueCode::TurnUsed,
        IssueCode::LowEmos,
        IssueCode::VeryLowEmos,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::GetUserMediaError => "getusermedia_error",
            IssueCode::NoMediaAccess => "no_media_access",
            IssueCode::IceCandidateError => "icecandidateerror",
            IssueCode::ConnectionDisconnected => "connection_disconnected",
            IssueCode::ConnectionFailed => "connection_failed",
            IssueCode::IceFailed => "ice_failed",
            IssueCode::NoConnection => "no_connection",
            IssueCode::MultipleRejoins => "multiple_rejoins",
            IssueCode::TcpUsed => "tcp_used",
            IssueCode::TurnUsed => "turn_used",
            IssueCode::LowEmos => "low_emos",
            IssueCode::VeryLowEmos => "very_low_emos",
        }
    }

    pub fn parse(text: &str) -> Option<IssueCode> {
        IssueCode::ALL
            .into_iter()
            .find(|code| code.as_str() == text)
    }

    pub fn severity(self) -> Severity {
        match self {
            IssueCode::NoMediaAccess
            | IssueCode::ConnectionFailed
            | IssueCode::IceFailed
            | IssueCode::NoConnection
            | IssueCode::VeryLowEmos => Severity::Error,
            _ => Severity::Warning,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            IssueCode::GetUserMediaError => "Problem accessing media",
            IssueCode::NoMediaAccess => "Could not access any media device",
            IssueCode::IceCandidateError => "ICE candidate error",
            IssueCode::ConnectionDisconnected => "Connection disconnected",
            IssueCode::ConnectionFailed => "Connection failed",
            IssueCode::IceFailed => "Connection could not be established",
            IssueCode::NoConnection => "The participant could not establish a connection",
            IssueCode::MultipleRejoins => "Multiple rejoins",
            IssueCode::TcpUsed => "Media sent over TCP",
            IssueCode::TurnUsed => "Connection relayed through a TURN server",
            IssueCode::LowEmos => "Participant had a less than ideal experience",
            IssueCode::VeryLowEmos => {
                "The participant had a very bad experience during the conference"
            }
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            IssueCode::GetUserMediaError => {
                "getUserMedia failed: the browser could not open a camera or microphone."
            }
            IssueCode::NoMediaAccess => "Every getUserMedia call of this session failed.",
            IssueCode::IceCandidateError => {
                "The ICE agent reported an error while gathering or checking a candidate."
            }
            IssueCode::ConnectionDisconnected => {
                "The peer connection went to the disconnected state."
            }
            IssueCode::ConnectionFailed => "The peer connection went to the failed state.",
            IssueCode::IceFailed => "ICE could not find a working path between the peers.",
            IssueCode::NoConnection => {
                "None of this session's peer connections ever carried media."
            }
            IssueCode::MultipleRejoins => "The participant joined this conference more than once.",
            IssueCode::TcpUsed => "Media went over TCP, which adds latency under packet loss.",
            IssueCode::TurnUsed => {
                "Media was relayed through a TURN server instead of flowing directly."
            }
            IssueCode::LowEmos => {
                "Estimated audio quality (eMOS) was between 3 and 4 for at least 30 s."
            }
            IssueCode::VeryLowEmos => {
                "Estimated audio quality (eMOS) was below 3 for at least 30 s."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_to_itself() {
        for code in IssueCode::ALL {
            assert_eq!(IssueCode::parse(code.as_str()), Some(code));
        }
    }

    #[test]
    fn connection_failed_is_an_error_as_peermetrics_creates_it() {
        assert_eq!(IssueCode::ConnectionFailed.severity(), Severity::Error);
        assert_eq!(IssueCode::TurnUsed.severity(), Severity::Warning);
    }
}
