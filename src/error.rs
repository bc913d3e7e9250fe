//! One error type for every HTTP answer. Client errors carry the PeerMetrics
//! `error_code` the SDK understands; internal failures are logged once and answered
//! without detail.

use std::borrow::Cow;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::http::pyjson::PyJson;
use crate::store::StoreError;

/// The closed set of error codes. The first block is PeerMetrics' own catalogue
/// (`app/errors.py`), kept byte for byte; the rest are callvitals additions for cases
/// PeerMetrics answered with a bare 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    MissingParameters,
    InvalidParameters,
    ExpiredToken,
    InvalidToken,
    MissingToken,
    AppNotFound,
    AppNotRecording,
    ConferenceNotFound,
    ParticipantNotFound,
    ParticipantEqualPeer,
    ConnectionNotFound,
    ConnectionEnded,
    TrackNotFound,
    IssueNotFound,
    InvalidApiKey,
    InvalidMeta,
    DomainNotAllowed,
    /// Malformed JSON: PeerMetrics' catch-all code, which the SDK already knows.
    UnknownError,
    PayloadTooLarge,
    RateLimited,
    NotAuthenticated,
    NotFound,
    MethodNotAllowed,
    /// Storage is unreachable or overloaded. A 503 makes the SDK retry.
    Unavailable,
    /// The ingest queue is full: the writer is alive but behind.
    IngestBusy,
    /// The ingest writer stopped or failed the batch holding this request.
    IngestDown,
    /// The session sent `unload` or `endCall`; it can open no new connection.
    SessionClosed,
    /// `services/*` without the app's server secret, when the app requires it.
    InvalidServerSecret,
    /// A string holds a NUL character, which the stores cannot keep.
    InvalidText,
    /// Objects and arrays nested deeper than the limit.
    NestingTooDeep,
    /// A free-form field over its size limit.
    FieldTooLarge,
    /// A stats post with more RTP reports or tracks than a browser sends.
    TooManyReports,
    /// The body did not arrive in time.
    RequestTimeout,
    /// Unknown email or wrong password (one answer for both).
    InvalidCredentials,
    TooManyLoginAttempts,
    /// A member asking for a change only owners may make.
    PermissionDenied,
    /// A state-changing dashboard request from another origin.
    CsrfRejected,
    /// The name or email is taken.
    AlreadyExists,
    /// The change would leave an organization without an owner.
    LastOwner,
    OrganizationNotFound,
    UserNotFound,
    TokenNotFound,
    /// A dashboard query parameter with a value the server cannot use; the code
    /// names the parameter (`invalid_tz`, `invalid_browser`, ...).
    InvalidParameter(QueryParameter),
    Internal,
}

/// Dashboard query parameters whose errors carry their own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryParameter {
    AppId,
    CreatedAtGte,
    CreatedAtLte,
    Range,
    Tz,
    Browser,
    Os,
    Country,
    AppVersion,
    Day,
    Status,
    Duration,
    SetupTime,
    ParticipantCount,
}

impl QueryParameter {
    pub fn error_code(self) -> &'static str {
        match self {
            Self::AppId => "invalid_app_id",
            Self::CreatedAtGte => "invalid_created_at_gte",
            Self::CreatedAtLte => "invalid_created_at_lte",
            Self::Range => "invalid_range",
            Self::Tz => "invalid_tz",
            Self::Browser => "invalid_browser",
            Self::Os => "invalid_os",
            Self::Country => "invalid_country",
            Self::AppVersion => "invalid_app_version",
            Self::Day => "invalid_day",
            Self::Status => "invalid_status",
            Self::Duration => "invalid_duration",
            Self::SetupTime => "invalid_setup_time",
            Self::ParticipantCount => "invalid_participant_count",
        }
    }
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingParameters => "missing_parameters",
            Self::InvalidParameters => "invalid_parameters",
            Self::ExpiredToken => "expired_token",
            Self::InvalidToken => "invalid_token",
            Self::MissingToken => "missing_token",
            Self::AppNotFound => "app_not_found",
            Self::AppNotRecording => "app_not_recording",
            Self::ConferenceNotFound => "conference_not_found",
            Self::ParticipantNotFound => "participant_not_found",
            Self::ParticipantEqualPeer => "participant_equal_peer",
            Self::ConnectionNotFound => "connection_not_found",
            Self::ConnectionEnded => "connection_ended",
            Self::TrackNotFound => "track_not_found",
            Self::IssueNotFound => "issue_not_found",
            Self::InvalidApiKey => "invalid_api_key",
            Self::InvalidMeta => "invalid_meta",
            Self::DomainNotAllowed => "domain_not_allowed",
            Self::UnknownError => "unknown_error",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::NotAuthenticated => "not_authenticated",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unavailable => "service_unavailable",
            Self::IngestBusy => "ingest_queue_full",
            Self::IngestDown => "ingest_unavailable",
            Self::SessionClosed => "session_closed",
            Self::InvalidServerSecret => "invalid_server_secret",
            Self::InvalidText => "invalid_text",
            Self::NestingTooDeep => "nesting_too_deep",
            Self::FieldTooLarge => "field_too_large",
            Self::TooManyReports => "too_many_reports",
            Self::RequestTimeout => "request_timeout",
            Self::InvalidCredentials => "invalid_credentials",
            Self::TooManyLoginAttempts => "too_many_login_attempts",
            Self::PermissionDenied => "permission_denied",
            Self::CsrfRejected => "csrf_rejected",
            Self::AlreadyExists => "already_exists",
            Self::LastOwner => "last_owner",
            Self::OrganizationNotFound => "organization_not_found",
            Self::UserNotFound => "user_not_found",
            Self::TokenNotFound => "token_not_found",
            Self::InvalidParameter(parameter) => parameter.error_code(),
            Self::Internal => "internal_error",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Self::ExpiredToken
            | Self::InvalidToken
            | Self::MissingToken
            | Self::NotAuthenticated
            | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::PermissionDenied | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::AlreadyExists | Self::LastOwner => StatusCode::CONFLICT,
            Self::TooManyLoginAttempts => StatusCode::TOO_MANY_REQUESTS,
            Self::OrganizationNotFound | Self::UserNotFound | Self::TokenNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::DomainNotAllowed => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::IngestBusy | Self::IngestDown => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::InvalidServerSecret => StatusCode::FORBIDDEN,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            // PeerMetrics answers "not found" for entities with a 400, and the SDK relies
            // on 4xx meaning "do not retry".
            _ => StatusCode::BAD_REQUEST,
        }
    }

    pub fn default_message(self) -> &'static str {
        match self {
            Self::MissingParameters => "Some parameters are missing from the request.",
            Self::InvalidParameters => "Some supplied parameters are not valid.",
            Self::ExpiredToken => "Expired token.",
            Self::InvalidToken => "Invalid token.",
            Self::MissingToken => "No token supplied.",
            Self::AppNotFound => "The requested app does not exist.",
            Self::AppNotRecording => "The requested app is not recording.",
            Self::ConferenceNotFound => "The requested conference does not exist.",
            Self::ParticipantNotFound => "The requested participant does not exist.",
            Self::ParticipantEqualPeer => {
                "The participant and peer can't be the same for an event."
            }
            Self::ConnectionNotFound => "The requested connection does not exist.",
            Self::ConnectionEnded => {
                "This connection has ended and we are no longer listening for events."
            }
            Self::TrackNotFound => "The requested track does not exist.",
            Self::IssueNotFound => "The requested issue does not exist.",
            Self::InvalidApiKey => "Invalid api key.",
            Self::InvalidMeta => "Invalid meta.",
            Self::DomainNotAllowed => "The app does not allow this domain.",
            Self::UnknownError => "The request body is not valid JSON.",
            Self::PayloadTooLarge => "The request body is too large.",
            Self::RateLimited => "Too many requests from this address; slow down.",
            Self::NotAuthenticated => "Authentication is required.",
            Self::NotFound => "Not found.",
            Self::MethodNotAllowed => "Method not allowed.",
            Self::Unavailable => "The service is temporarily unavailable; retry later.",
            Self::IngestBusy => "The ingest queue is full; retry later.",
            Self::IngestDown => {
                "Ingest is restarting; nothing of this request was stored. Retry later."
            }
            Self::SessionClosed => {
                "This session has ended (unload or endCall) and can open no new connection."
            }
            Self::InvalidServerSecret => {
                "This app requires its server secret (Authorization: Bearer <secret>) for services."
            }
            Self::InvalidText => "A text field contains a character that cannot be stored.",
            Self::NestingTooDeep => "The request body is nested too deeply.",
            Self::FieldTooLarge => "A field of the request is larger than its limit.",
            Self::TooManyReports => "The stats post holds more reports than a browser sends.",
            Self::RequestTimeout => "The request body did not arrive in time.",
            Self::InvalidCredentials => "The email or the password is not correct.",
            Self::TooManyLoginAttempts => "Too many login attempts; wait a minute and retry.",
            Self::PermissionDenied => "Only an owner of the organization may do this.",
            Self::CsrfRejected => {
                "This request must come from a page of this server (Origin check failed)."
            }
            Self::AlreadyExists => "Something with this name already exists.",
            Self::LastOwner => "An organization must keep at least one owner.",
            Self::OrganizationNotFound => "The requested organization does not exist.",
            Self::UserNotFound => "The requested user does not exist.",
            Self::TokenNotFound => "The requested token does not exist.",
            Self::InvalidParameter(_) => "A query parameter is not valid.",
            Self::Internal => "Internal error.",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Client {
        code: ErrorCode,
        message: Cow<'static, str>,
    },
    /// A resource that does not exist, or that the caller may not see: always 404.
    #[error("not found")]
    NotFound(ErrorCode),
    #[error("storage failed")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::Client {
            code,
            message: Cow::Borrowed(code.default_message()),
        }
    }
}

impl From<crate::domain::token::TokenError> for ApiError {
    fn from(error: crate::domain::token::TokenError) -> Self {
        use crate::domain::token::TokenError;
        match error {
            TokenError::Invalid => ErrorCode::InvalidToken.into(),
            TokenError::Expired => ErrorCode::ExpiredToken.into(),
        }
    }
}

impl ApiError {
    /// A client error with a message more precise than the code's default.
    pub fn with_message(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError::Client {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_message(ErrorCode::InvalidParameters, message)
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Client { code, .. } | ApiError::NotFound(code) => *code,
            ApiError::Store(error) if error.is_transient() => ErrorCode::Unavailable,
            ApiError::Store(_) | ApiError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn is_client_error(&self) -> bool {
        matches!(self, ApiError::Client { .. } | ApiError::NotFound(_))
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error_code: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = self.code();
        let message: Cow<'_, str> = match &self {
            ApiError::Client { message, .. } => Cow::Borrowed(message.as_ref()),
            ApiError::NotFound(code) => Cow::Borrowed(code.default_message()),
            ApiError::Store(error) => {
                tracing::error!(error = ?error, "storage error while answering a request");
                Cow::Borrowed(code.default_message())
            }
            ApiError::Internal(error) => {
                tracing::error!(error = ?error, "internal error while answering a request");
                Cow::Borrowed(code.default_message())
            }
        };
        let body = ErrorBody {
            error_code: code.as_str(),
            message: &message,
        };
        let status = match self {
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            _ => code.status(),
        };
        (status, PyJson(&body)).into_response()
    }
}
