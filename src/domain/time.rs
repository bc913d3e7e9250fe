//! Timestamps are unix microseconds (UTC) everywhere inside callvitals. This module
//! converts them to and from the text forms the PeerMetrics wire format uses.

use std::time::{SystemTime, UNIX_EPOCH};

use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

pub const MICROS_PER_SECOND: i64 = 1_000_000;

pub fn now_micros() -> i64 {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    since_epoch.as_micros() as i64
}

/// PeerMetrics serialises datetimes with Python's `str(datetime)`: naive UTC, a space
/// separator, and microseconds only when they are not zero.
pub fn format_pm(micros: i64) -> String {
    let Ok(at) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000) else {
        return String::new();
    };
    let date = at.date();
    let clock = at.time();
    let mut text = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        clock.hour(),
        clock.minute(),
        clock.second()
    );
    if clock.microsecond() != 0 {
        text.push_str(&format!(".{:06}", clock.microsecond()));
    }
    text
}

/// RFC 3339 in UTC, e.g. `2026-05-05T20:01:02.125Z`.
pub fn format_iso(micros: i64) -> String {
    jiff::Timestamp::from_microsecond(micros)
        .map(|at| at.to_string())
        .unwrap_or_default()
}

/// Parses the timestamp forms the PeerMetrics query API accepts: `YYYY-MM-DD`, or
/// `YYYY-MM-DD[T| ]HH:MM[:SS[.ffffff]]` with an optional `Z` or `±HH:MM`. Naive
/// values are UTC.
pub fn parse_query_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() == 10 {
        let date = time::Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
        let at = date.midnight().assume_utc();
        return Some((at.unix_timestamp_nanos() / 1000) as i64);
    }
    if text.len() < 16 {
        return None;
    }
    let (naive, offset) = split_offset(text)?;
    let naive = naive.replacen(' ', "T", 1);
    let parsed = PrimitiveDateTime::parse(
        &naive,
        format_description!(
            "[year]-[month]-[day]T[hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
        ),
    )
    .ok()?;
    let at = parsed.assume_offset(offset);
    Some((at.unix_timestamp_nanos() / 1000) as i64)
}

fn split_offset(text: &str) -> Option<(&str, UtcOffset)> {
    if let Some(naive) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return Some((naive, UtcOffset::UTC));
    }
    // An offset is the last six characters when they read like "+05:30".
    let bytes = text.as_bytes();
    if bytes.len() > 16 {
        let tail = &text[text.len() - 6..];
        let sign = tail.as_bytes()[0];
        if (sign == b'+' || sign == b'-') && tail.as_bytes()[3] == b':' {
            let hours: i8 = tail[1..3].parse().ok()?;
            let minutes: i8 = tail[4..6].parse().ok()?;
            let (hours, minutes) = if sign == b'-' {
                (-hours, -minutes)
            } else {
                (hours, minutes)
            };
            let offset = UtcOffset::from_hms(hours, minutes, 0).ok()?;
            return Some((&text[..text.len() - 6], offset));
        }
    }
    Some((text, UtcOffset::UTC))
}

/// Seconds between two microsecond timestamps, never negative.
pub fn whole_seconds_between(start: i64, end: i64) -> i64 {
    (end - start).max(0) / MICROS_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_python_str_datetime() {
        assert_eq!(format_pm(1_746_478_411_000_000), "2025-05-05 20:53:31");
        assert_eq!(
            format_pm(1_746_478_411_123_456),
            "2025-05-05 20:53:31.123456"
        );
    }

    #[test]
    fn parses_every_accepted_query_form() {
        let expected = 1_746_478_411_000_000;
        assert_eq!(parse_query_time("2025-05-05T20:53:31Z"), Some(expected));
        assert_eq!(parse_query_time("2025-05-05 20:53:31"), Some(expected));
        assert_eq!(
            parse_query_time("2025-05-05T22:53:31+02:00"),
            Some(expected)
        );
        assert_eq!(
            parse_query_time("2025-05-05T20:53:31.5Z"),
            Some(expected + 500_000)
        );
        assert_eq!(
            parse_query_time("2025-05-05T20:53"),
            Some(expected - 31_000_000)
        );
        assert_eq!(parse_query_time("2025-05-05"), Some(1_746_403_200_000_000));
        assert_eq!(parse_query_time("yesterday"), None);
        assert_eq!(parse_query_time("2025-13-05"), None);
    }
}
