//! Counting a summary's range: from rollup cells where a cell answers the filter, from
//! the rows of the range otherwise, always under the same rule
//! ([`crate::domain::rollup::contribute`]).

use uuid::Uuid;

use super::cover::{Cover, merge};
use super::range::{LocalDay, TimeRange, Zone, day_index, local_days};
use crate::domain::filter::{Dimension, SessionFilter};
use crate::domain::rollup::{
    ConferenceInputs, Counts, Metric, Status, contribute_filtered, decode_set_point, encode_point,
    set_point_prefix,
};
use crate::store::rollups::{Buckets, Cell, CellQuery, CellSum, MetricSelection, Span};
use crate::store::{RollupStore, StoreResult};

/// One summary request: an app, a range, the viewer's zone and a filter.
#[derive(Debug, Clone)]
pub struct SummaryQuery {
    pub app_id: Uuid,
    pub range: TimeRange,
    /// When the query was made. No conference was created after it, so a range
    /// that reaches it may read the current hour's cells whole.
    pub now: i64,
    pub zone: Zone,
    pub filter: SessionFilter,
}

/// What to count besides the filtered totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extras {
    /// Conferences per local day and status.
    pub days: bool,
    /// Everything counted again without the filter, for the filter choices (only
    /// when a filter is set: otherwise the totals are those counts).
    pub unfiltered: bool,
    /// The metrics the totals need: all of them for charts, one for a bar's number.
    pub metrics: MetricSelection,
}

#[derive(Debug, Clone)]
pub struct Tally {
    pub totals: Counts,
    /// The totals without the filter, when asked for and a filter is set.
    pub unfiltered: Option<Counts>,
    pub days: Vec<LocalDay>,
    /// Conferences per local day, by status (in [`Status::ALL`] order).
    pub daily: Vec<[i64; 4]>,
}

impl Tally {
    pub fn total(&self, metric: Metric, key: &str) -> i64 {
        self.totals
            .get(&(metric, key.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    /// The counts without the filter: the totals themselves when there is none.
    pub fn unfiltered(&self) -> &Counts {
        self.unfiltered.as_ref().unwrap_or(&self.totals)
    }

    fn count_day(&mut self, at: i64, status: Status, n: i64) {
        if let Some(day) = day_index(&self.days, at) {
            self.daily[day][status.index()] += n;
        }
    }
}

/// Which cells answer a filter: rows of sessions, connections and issues from the
/// row points, conferences from the conference points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct CellPlan {
    row_points: Vec<String>,
    conference_points: Vec<String>,
}

impl CellPlan {
    fn single(point: String) -> Self {
        CellPlan {
            row_points: vec![point.clone()],
            conference_points: vec![point],
        }
    }

    /// Whether a cell read from `point` counts towards the filtered totals.
    fn counts(&self, point: &str, metric: Metric) -> bool {
        let points = if metric.counts_conferences() {
            &self.conference_points
        } else {
            &self.row_points
        };
        points.iter().any(|p| p == point)
    }

    fn all_points(&self) -> Vec<String> {
        let mut points = self.row_points.clone();
        for point in &self.conference_points {
            if !points.contains(point) {
                points.push(point.clone());
            }
        }
        points
    }
}

/// The cells that answer `filter`, when there are some:
/// - no filter, or one value on each of one or two dimensions: that one point;
/// - several values of one dimension: a session holds one value, so its rows count
///   under exactly one listed value and the rows are the sum of the value points;
///   a conference counts once under the value sets of its sessions that meet the
///   list (found in the dimension's registry of sets, [`Metric::ValueSets`]).
///
/// Other combinations are counted from rows.
async fn plan_cells(
    store: &dyn RollupStore,
    query: &SummaryQuery,
    from: i64,
    until: i64,
) -> StoreResult<Option<CellPlan>> {
    let filter = &query.filter;
    if let Some(point) = filter.single_point() {
        return Ok((point.len() <= 2).then(|| CellPlan::single(encode_point(&point))));
    }
    let dimensions: Vec<Dimension> = filter.dimensions().collect();
    let [dimension] = dimensions[..] else {
        return Ok(None);
    };
    let listed = filter.list(dimension);
    let row_points = listed
        .iter()
        .map(|value| encode_point(&[(dimension, value.as_str())]))
        .collect();
    // The registry's day cells over the days the range touches: a superset of the
    // sets present, which is all the plan needs.
    let day = Span::Day.micros();
    let registry = store
        .cells(&CellQuery {
            app_id: query.app_id,
            points: &[set_point_prefix(dimension)],
            span: Span::Day,
            buckets: Buckets::Between(
                Span::Day.bucket_of(from),
                Span::Day.bucket_of(until - 1) + day,
            ),
            metrics: MetricSelection::Only(Metric::ValueSets),
            sum: CellSum::Buckets,
        })
        .await?;
    let mut conference_points: Vec<String> = registry
        .into_iter()
        .filter(|cell| {
            decode_set_point(dimension, &cell.key)
                .is_some_and(|values| values.iter().any(|v| listed.iter().any(|l| l == v)))
        })
        .map(|cell| cell.key)
        .collect();
    conference_points.sort();
    conference_points.dedup();
    Ok(Some(CellPlan {
        row_points,
        conference_points,
    }))
}

/// Counts every chart of `query`, and the `extras` asked for.
pub async fn tally(
    store: &dyn RollupStore,
    query: &SummaryQuery,
    extras: Extras,
) -> StoreResult<Tally> {
    let from = query.range.from;
    let mut until = query.range.to.saturating_add(1);
    if query.range.to >= query.now {
        // Nothing was created after `now`: up to the hour's end is the same set.
        until = until.max(Span::Hour.bucket_of(query.now) + Span::Hour.micros());
    }
    let days = if extras.days {
        local_days(&query.range, &query.zone)
    } else {
        Vec::new()
    };
    let unfiltered = extras.unfiltered && !query.filter.is_empty();
    let mut tally = Tally {
        totals: Counts::new(),
        unfiltered: unfiltered.then(Counts::new),
        daily: vec![[0; 4]; days.len()],
        days,
    };
    let plan = plan_cells(store, query, from, until).await?;

    // Totals: whole days, then whole hours, then rows. Without cells for the filter,
    // all of it from rows.
    let mut totals = Cover::default();
    let spans = if plan.is_some() {
        &[Span::Day, Span::Hour][..]
    } else {
        &[]
    };
    totals.add(from, until, spans);
    // The unfiltered point rides along in the same reads.
    let mut points: Vec<String> = plan.as_ref().map(CellPlan::all_points).unwrap_or_default();
    if unfiltered && !points.iter().any(String::is_empty) {
        points.push(String::new());
    }
    for span in [Span::Day, Span::Hour] {
        // Totals need no buckets: summed in the store.
        for cell in read(
            store,
            query.app_id,
            &points,
            span,
            &totals,
            extras.metrics,
            CellSum::Buckets,
        )
        .await?
        {
            if let (Some(unfiltered), true) = (&mut tally.unfiltered, cell.point.is_empty()) {
                *unfiltered
                    .entry((cell.metric, cell.key.clone()))
                    .or_insert(0) += cell.n;
            }
            if plan
                .as_ref()
                .is_some_and(|plan| plan.counts(&cell.point, cell.metric))
            {
                *tally.totals.entry((cell.metric, cell.key)).or_insert(0) += cell.n;
            }
        }
    }

    // Conferences per local day: each local day covered on its own, so that every
    // cell lies inside one day.
    let mut daily = Cover::default();
    let spans = if plan.is_some() {
        &[Span::Day, Span::Hour, Span::Quarter][..]
    } else {
        &[]
    };
    for day in &tally.days {
        daily.add(day.start.max(from), day.end.min(until), spans);
    }
    let status_only = MetricSelection::Only(Metric::ConferenceStatus);
    let conference_points = plan
        .as_ref()
        .map(|plan| plan.conference_points.clone())
        .unwrap_or_default();
    for span in Span::ALL {
        for cell in read(
            store,
            query.app_id,
            &conference_points,
            span,
            &daily,
            status_only,
            // Days need buckets, not points: every conference point counts.
            CellSum::Points,
        )
        .await?
        {
            if let Some(status) = Status::parse(&cell.key) {
                tally.count_day(cell.bucket, status, cell.n);
            }
        }
    }

    // The rows no cell covers, read once for all of the above.
    let slivers = merge(totals.raw.iter().chain(&daily.raw).copied().collect());
    for (sliver_from, sliver_until) in slivers {
        let conferences = store
            .conference_inputs(query.app_id, sliver_from, sliver_until)
            .await?;
        for conference in &conferences {
            let at = conference.created_at;
            let in_totals = totals.raw.iter().any(|(a, b)| *a <= at && at < *b);
            let in_daily = daily.raw.iter().any(|(a, b)| *a <= at && at < *b);
            count_rows(&mut tally, query, conference, in_totals, in_daily);
        }
    }
    Ok(tally)
}

fn count_rows(
    tally: &mut Tally,
    query: &SummaryQuery,
    conference: &ConferenceInputs,
    into_totals: bool,
    into_days: bool,
) {
    let mut counts = Counts::new();
    contribute_filtered(conference, &query.filter, &mut counts);
    if into_days {
        for status in Status::ALL {
            if let Some(n) = counts.get(&(Metric::ConferenceStatus, status.as_str().to_owned())) {
                tally.count_day(conference.created_at, status, *n);
            }
        }
    }
    if !into_totals {
        return;
    }
    for (key, n) in counts {
        *tally.totals.entry(key).or_insert(0) += n;
    }
    if let Some(unfiltered) = &mut tally.unfiltered {
        contribute_filtered(conference, &SessionFilter::default(), unfiltered);
    }
}

/// The cells of one span that `cover` uses: one range scan per run of consecutive
/// buckets when the runs are few (the usual shape: whole days in the middle, a few
/// hours at each end), a list of buckets when they are many and scattered. A range
/// lets the index seek once per point; a list of points times a list of buckets
/// makes PostgreSQL probe every pair.
async fn read(
    store: &dyn RollupStore,
    app_id: Uuid,
    points: &[String],
    span: Span,
    cover: &Cover,
    metrics: MetricSelection,
    sum: CellSum,
) -> StoreResult<Vec<Cell>> {
    let wanted = cover.buckets(span);
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &bucket in &wanted {
        match runs.last_mut() {
            Some((_, until)) if *until == bucket => *until = bucket + span.micros(),
            _ => runs.push((bucket, bucket + span.micros())),
        }
    }
    let requests: Vec<Buckets> = if runs.len() <= MAX_RANGE_READS {
        runs.into_iter()
            .map(|(from, until)| Buckets::Between(from, until))
            .collect()
    } else {
        vec![Buckets::Listed(wanted.iter().copied().collect())]
    };
    let mut cells = Vec::new();
    for buckets in requests {
        cells.extend(
            store
                .cells(&CellQuery {
                    app_id,
                    points,
                    span,
                    buckets,
                    metrics,
                    sum,
                })
                .await?,
        );
    }
    Ok(cells)
}

/// Up to this many runs of buckets are read as ranges, one query each.
const MAX_RANGE_READS: usize = 4;
