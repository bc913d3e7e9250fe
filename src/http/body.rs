//! Reading SDK request bodies: JSON whatever the Content-Type (the SDK sends
//! `text/plain`, sendBeacon `text/plain;charset=UTF-8`), within a size limit, and
//! always an object. Every failure is a 4xx with an error code, never a 500.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use bytes::BytesMut;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::time::now_micros;
use crate::error::{ApiError, ApiResult, ErrorCode};

use super::AppState;

/// The raw body, read up to the configured limit.
pub struct SdkBody(pub Bytes);

/// An oversized body is still read (and dropped) up to this many bytes before the 413
/// goes out: a client that is still sending when it gets an early answer sees a broken
/// connection instead of the error. Past this, the connection is closed.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;

impl FromRequest<Arc<AppState>> for SdkBody {
    type Rejection = ApiError;

    async fn from_request(
        request: Request,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        use http_body_util::BodyExt;

        let limit = state.settings.max_body_bytes;
        let mut body = request.into_body();
        let mut bytes = BytesMut::new();
        let mut received = 0usize;
        // A client sending a byte a second must not hold a worker: the whole body has
        // to arrive within the timeout.
        let deadline = tokio::time::Instant::now() + state.settings.body_timeout;
        loop {
            let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(_) => {
                    return Err(ApiError::with_message(
                        ErrorCode::RequestTimeout,
                        format!(
                            "the request body did not arrive within {} s",
                            state.settings.body_timeout.as_secs()
                        ),
                    ));
                }
            };
            let Ok(frame) = frame else {
                return Err(ApiError::with_message(
                    ErrorCode::UnknownError,
                    "the request body could not be read",
                ));
            };
            let Ok(data) = frame.into_data() else {
                continue;
            };
            received += data.len();
            if received <= limit {
                bytes.extend_from_slice(&data);
            } else if received > DRAIN_LIMIT {
                break;
            }
        }
        if received > limit {
            return Err(ApiError::with_message(
                ErrorCode::PayloadTooLarge,
                format!("the request body is larger than {limit} bytes"),
            ));
        }
        Ok(SdkBody(bytes.freeze()))
    }
}

/// Parses a JSON object into `T`, after the guard refused what no store can keep
/// (see `json_guard`). Malformed JSON keeps PeerMetrics' `unknown_error` code (with a
/// useful message); a wrong type is `invalid_parameters`. Every SDK route parses its
/// body through here, so none can skip the guard.
/// Dashboard bodies are small forms; anything larger is a mistake or an attack.
pub const MAX_DASHBOARD_BODY_BYTES: usize = 64 * 1024;

/// A dashboard request body: one JSON object, at most [`MAX_DASHBOARD_BODY_BYTES`],
/// through the same hygiene checks as SDK bodies. Its types deny unknown fields, so a
/// typo is an error instead of a silent no-op.
pub struct JsonBody<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<Arc<AppState>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(
        request: Request,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let SdkBody(bytes) = SdkBody::from_request(request, state).await?;
        if bytes.len() > MAX_DASHBOARD_BODY_BYTES {
            return Err(ApiError::with_message(
                ErrorCode::PayloadTooLarge,
                format!("a dashboard request body is at most {MAX_DASHBOARD_BODY_BYTES} bytes"),
            ));
        }
        Ok(JsonBody(parse_object(&bytes)?))
    }
}

pub fn parse_object<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> ApiResult<T> {
    let first = bytes.iter().find(|byte| !byte.is_ascii_whitespace());
    match first {
        None => {
            return Err(ApiError::with_message(
                ErrorCode::UnknownError,
                "the request body is empty",
            ));
        }
        Some(b'{') => {}
        Some(b'[' | b'"' | b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => {
            return Err(ApiError::invalid("the request body must be a JSON object"));
        }
        Some(_) => return Err(ApiError::from(ErrorCode::UnknownError)),
    }
    super::json_guard::check_body(bytes)?;
    serde_json::from_slice(bytes).map_err(|error| {
        use serde_json::error::Category;
        match error.classify() {
            Category::Data => ApiError::invalid(error.to_string()),
            Category::Syntax | Category::Eof | Category::Io => ApiError::with_message(
                ErrorCode::UnknownError,
                format!("the request body is not valid JSON: {error}"),
            ),
        }
    })
}

/// The `token` field: absent or null is `missing_token`, anything but a string is
/// `invalid_token`.
pub fn token_text(token: Option<&Value>) -> ApiResult<&str> {
    match token {
        None | Some(Value::Null) => Err(ErrorCode::MissingToken.into()),
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(ErrorCode::InvalidToken.into()),
    }
}

/// Longest `delta` accepted: a day, the life of a token.
const MAX_DELTA_MS: f64 = 86_400_000.0;

/// When the SDK says something happened: now, minus `delta` milliseconds for
/// requests that were queued or retried.
pub fn event_time(delta: Option<&Value>) -> ApiResult<i64> {
    let now = now_micros();
    match delta {
        None | Some(Value::Null) => Ok(now),
        Some(Value::Number(number)) => match number.as_f64() {
            Some(ms) if (0.0..=MAX_DELTA_MS).contains(&ms) => Ok(now - (ms * 1000.0) as i64),
            _ => Err(ApiError::invalid(
                "delta must be a number of milliseconds between 0 and 86400000",
            )),
        },
        Some(_) => Err(ApiError::invalid("delta must be a number")),
    }
}

/// Truncates to at most `max` characters, as PeerMetrics' model fields do.
pub fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Body {
        #[allow(dead_code)]
        name: Option<String>,
    }

    #[test]
    fn malformed_json_is_unknown_error_and_arrays_are_invalid_parameters() {
        assert_eq!(
            parse_object::<Body>(b"{oops").unwrap_err().code(),
            ErrorCode::UnknownError
        );
        assert_eq!(
            parse_object::<Body>(b"[1, 2]").unwrap_err().code(),
            ErrorCode::InvalidParameters
        );
        assert_eq!(
            parse_object::<Body>(br#"{"name": 5}"#).unwrap_err().code(),
            ErrorCode::InvalidParameters
        );
        assert_eq!(
            parse_object::<Body>(b"").unwrap_err().code(),
            ErrorCode::UnknownError
        );
        assert!(parse_object::<Body>(br#" {"name": "x"}"#).is_ok());
    }

    #[test]
    fn delta_moves_the_event_back_in_time() {
        let before = now_micros();
        let at = event_time(Some(&serde_json::json!(1500))).unwrap();
        let after = now_micros();
        // Bracketed by the clock before and after the call, however slow the machine.
        assert!((before - 1_500_000..=after - 1_500_000).contains(&at));
        assert!(event_time(Some(&serde_json::json!(-1))).is_err());
        assert!(event_time(Some(&serde_json::json!("5"))).is_err());
    }
}
