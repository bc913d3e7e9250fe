//! The time range of a summary and the viewer's local days within it. Days are
//! calendar days in an IANA zone, so a day can last 23 or 25 hours (DST) and can start
//! on a half or quarter hour (`Asia/Kolkata`, `Asia/Kathmandu`, `America/St_Johns`).

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::domain::time::MICROS_PER_SECOND;

/// The longest range a summary answers: a daily chart of about three years.
pub const MAX_RANGE_DAYS: i64 = 1100;
pub const DEFAULT_RANGE_DAYS: i64 = 30;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// Conferences with `from <= created_at <= to` (unix microseconds, both inclusive, as
/// PeerMetrics' `created_at_gte`/`created_at_lte`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    pub from: i64,
    pub to: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("created_at_gte is after created_at_lte")]
    Reversed,
    #[error("the range is longer than {MAX_RANGE_DAYS} days")]
    TooLong,
    #[error("the time is outside the years 1970 to 9999")]
    OutOfBounds,
}

impl TimeRange {
    /// The default range: the last 30 days up to `now`.
    pub fn last_days(now: i64, days: i64) -> Self {
        Self {
            from: now - days * MICROS_PER_DAY,
            to: now,
        }
    }

    pub fn new(from: i64, to: i64) -> Result<Self, RangeError> {
        if from > to {
            return Err(RangeError::Reversed);
        }
        if to - from > MAX_RANGE_DAYS * MICROS_PER_DAY {
            return Err(RangeError::TooLong);
        }
        if from < 0 || to > 253_402_300_799 * MICROS_PER_SECOND {
            return Err(RangeError::OutOfBounds);
        }
        Ok(Self { from, to })
    }
}

/// A zone the viewer reads days in.
#[derive(Debug, Clone)]
pub struct Zone {
    name: String,
    zone: TimeZone,
}

impl Zone {
    pub fn utc() -> Self {
        Self {
            name: "UTC".into(),
            zone: TimeZone::UTC,
        }
    }

    /// An IANA name such as `Asia/Kolkata`; `None` when the name is unknown.
    pub fn named(name: &str) -> Option<Self> {
        if name.is_empty() || name.len() > 64 {
            return None;
        }
        let zone = TimeZone::get(name).ok()?;
        Some(Self {
            name: name.to_owned(),
            zone,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local calendar date of an instant.
    pub fn date_of(&self, at: i64) -> Date {
        let timestamp = Timestamp::from_microsecond(at).unwrap_or(Timestamp::UNIX_EPOCH);
        timestamp.to_zoned(self.zone.clone()).date()
    }

    /// The instant a local date starts (its first moment, even where midnight is
    /// skipped by a DST change).
    pub fn start_of(&self, date: Date) -> i64 {
        date.to_zoned(self.zone.clone())
            .map(|zoned| zoned.timestamp().as_microsecond())
            .unwrap_or(i64::MAX)
    }

    /// The instant of a local date and time (the earlier one when a DST change
    /// repeats it, the later one when it skips it).
    pub fn instant_of(&self, local: jiff::civil::DateTime) -> Option<i64> {
        local
            .to_zoned(self.zone.clone())
            .ok()
            .map(|zoned| zoned.timestamp().as_microsecond())
    }
}

/// One local day: `[start, end)` in unix microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalDay {
    pub date: Date,
    pub start: i64,
    pub end: i64,
}

/// Every local day the range touches, in order, empty ones included.
pub fn local_days(range: &TimeRange, zone: &Zone) -> Vec<LocalDay> {
    let mut days = Vec::new();
    let mut date = zone.date_of(range.from);
    let last = zone.date_of(range.to);
    while date <= last {
        let Ok(next) = date.tomorrow() else { break };
        days.push(LocalDay {
            date,
            start: zone.start_of(date),
            end: zone.start_of(next),
        });
        date = next;
    }
    days
}

/// The index of the local day holding `at`, by binary search over `days`.
pub fn day_index(days: &[LocalDay], at: i64) -> Option<usize> {
    let index = days.partition_point(|day| day.end <= at);
    (index < days.len() && days[index].start <= at).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        text.parse::<Timestamp>().unwrap().as_microsecond()
    }

    #[test]
    fn days_in_kolkata_start_at_half_past_six_pm_utc() {
        let zone = Zone::named("Asia/Kolkata").unwrap();
        let range = TimeRange::new(
            micros("2026-03-01T00:00:00Z"),
            micros("2026-03-02T20:00:00Z"),
        )
        .unwrap();
        let days = local_days(&range, &zone);
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].date.to_string(), "2026-03-01");
        assert_eq!(days[1].start, micros("2026-03-01T18:30:00Z"));
        assert_eq!(days[2].date.to_string(), "2026-03-03");
        assert_eq!(day_index(&days, micros("2026-03-01T18:29:59Z")), Some(0));
        assert_eq!(day_index(&days, micros("2026-03-01T18:30:00Z")), Some(1));
    }

    #[test]
    fn a_dst_change_makes_a_23_hour_day() {
        let zone = Zone::named("America/St_Johns").unwrap();
        // DST starts on the second Sunday of March.
        let range = TimeRange::new(
            micros("2026-03-07T12:00:00Z"),
            micros("2026-03-09T12:00:00Z"),
        )
        .unwrap();
        let days = local_days(&range, &zone);
        let lengths: Vec<i64> = days
            .iter()
            .map(|day| (day.end - day.start) / (3600 * MICROS_PER_SECOND))
            .collect();
        assert_eq!(lengths, vec![24, 23, 24]);
        // Newfoundland is UTC−3:30 in winter.
        assert_eq!(days[0].start, micros("2026-03-07T03:30:00Z"));
    }

    #[test]
    fn nepal_days_start_on_a_quarter_hour() {
        let zone = Zone::named("Asia/Kathmandu").unwrap();
        let day = local_days(
            &TimeRange::new(
                micros("2026-06-01T12:00:00Z"),
                micros("2026-06-01T12:00:00Z"),
            )
            .unwrap(),
            &zone,
        )[0];
        assert_eq!(day.start, micros("2026-05-31T18:15:00Z"));
    }

    #[test]
    fn unknown_zones_and_bad_ranges_are_refused() {
        assert!(Zone::named("Mars/Olympus").is_none());
        assert!(Zone::named("").is_none());
        assert_eq!(TimeRange::new(10, 5), Err(RangeError::Reversed));
        assert_eq!(
            TimeRange::new(0, (MAX_RANGE_DAYS + 1) * MICROS_PER_DAY),
            Err(RangeError::TooLong)
        );
    }
}
