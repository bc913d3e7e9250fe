//! How long raw telemetry is kept. Stats samples, track samples and events are most
//! of the data and only the conference and participant pages read them; conference
//! facts, sessions, connections, issues and rollups are kept for good, so summaries
//! of old ranges keep working.

/// Days kept when an app does not say otherwise.
pub const DEFAULT_RETENTION_DAYS: i32 = 30;
/// Ten years: the longest an owner may ask for.
pub const MAX_RETENTION_DAYS: i32 = 3650;

/// `days` when it is an accepted retention period.
pub fn valid_retention_days(days: i32) -> Option<i32> {
    (1..=MAX_RETENTION_DAYS).contains(&days).then_some(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_one_day_to_ten_years() {
        assert_eq!(valid_retention_days(0), None);
        assert_eq!(valid_retention_days(1), Some(1));
        assert_eq!(valid_retention_days(3650), Some(3650));
        assert_eq!(valid_retention_days(3651), None);
    }
}
