//! Covering a time interval with rollup cells: the largest aligned cells first (days,
//! then hours, then quarter hours where kept), and the rows themselves only for the
//! slivers at the ends that no cell fits in.

use std::collections::BTreeSet;

use crate::store::rollups::Span;

/// What covers `[from, until)`: cells by span, and the raw intervals left over.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Cover {
    pub cells: Vec<(Span, i64)>,
    pub raw: Vec<(i64, i64)>,
}

impl Cover {
    /// Adds the cover of `[from, until)` using `spans` (largest first).
    pub fn add(&mut self, from: i64, until: i64, spans: &[Span]) {
        if from >= until {
            return;
        }
        let Some((&span, smaller)) = spans.split_first() else {
            self.raw.push((from, until));
            return;
        };
        let size = span.micros();
        let first = ceil_to(from, size);
        let last = until.div_euclid(size) * size;
        if first >= last {
            self.add(from, until, smaller);
            return;
        }
        self.add(from, first, smaller);
        let mut bucket = first;
        while bucket < last {
            self.cells.push((span, bucket));
            bucket += size;
        }
        self.add(last, until, smaller);
    }

    pub fn buckets(&self, span: Span) -> BTreeSet<i64> {
        self.cells
            .iter()
            .filter(|(s, _)| *s == span)
            .map(|(_, bucket)| *bucket)
            .collect()
    }
}

fn ceil_to(at: i64, size: i64) -> i64 {
    let floor = at.div_euclid(size) * size;
    if floor == at { at } else { floor + size }
}

/// Merges overlapping or touching intervals.
pub fn merge(mut intervals: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    intervals.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (from, until) in intervals {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(until),
            _ => merged.push((from, until)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000_000;
    const Q: i64 = H / 4;
    const D: i64 = 24 * H;

    #[test]
    fn a_range_is_days_inside_hours_at_the_edges_and_rows_at_the_slivers() {
        let mut cover = Cover::default();
        let from = 10 * D + 5 * H + 10;
        let until = 13 * D + 2 * H + Q;
        cover.add(from, until, &[Span::Day, Span::Hour]);
        assert_eq!(cover.buckets(Span::Day), [11 * D, 12 * D].into());
        assert_eq!(cover.buckets(Span::Hour).len(), 18 + 2);
        assert_eq!(
            cover.raw,
            vec![(from, 10 * D + 6 * H), (13 * D + 2 * H, until)]
        );
        // Everything is covered exactly once.
        let covered: i64 = cover
            .cells
            .iter()
            .map(|(span, _)| span.micros())
            .sum::<i64>()
            + cover.raw.iter().map(|(a, b)| b - a).sum::<i64>();
        assert_eq!(covered, until - from);
    }

    #[test]
    fn a_half_hour_day_uses_quarter_cells_at_its_ends() {
        let mut cover = Cover::default();
        // A Kolkata day: 18:30 UTC to 18:30 UTC.
        cover.add(
            18 * H + 2 * Q,
            D + 18 * H + 2 * Q,
            &[Span::Day, Span::Hour, Span::Quarter],
        );
        assert!(cover.raw.is_empty());
        assert_eq!(cover.buckets(Span::Quarter).len(), 4);
        assert_eq!(cover.buckets(Span::Hour).len(), 23);
    }

    #[test]
    fn merging_joins_touching_intervals() {
        assert_eq!(
            merge(vec![(5, 7), (1, 3), (3, 4), (10, 12)]),
            vec![(1, 4), (5, 7), (10, 12)]
        );
    }
}
