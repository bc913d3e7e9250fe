//! Time units and rounding shared by every part of the generator.

use crate::domain::time::MICROS_PER_SECOND;

pub(super) const SECOND: i64 = MICROS_PER_SECOND;
pub(super) const MINUTE: i64 = 60 * SECOND;
pub(super) const HOUR: i64 = 60 * MINUTE;
pub(super) const DAY: i64 = 24 * HOUR;

pub(super) fn whole_seconds(from: i64, to: i64) -> i64 {
    (to - from).max(0) / SECOND
}

pub(super) fn round_to(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    (value * factor).round() / factor
}
