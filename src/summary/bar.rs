//! The total of a click-to-detail list: the number of the bar that was clicked, read
//! from the same cells as the chart. Counting the list's rows instead would cost a
//! probe per conference in range, seconds at 10× the demo; the bar costs what the
//! chart costs, at any volume.

use serde::Serialize;
use uuid::Uuid;

use super::range::TimeRange;
use super::tally::{Extras, SummaryQuery, tally};
use crate::domain::filter::SessionFilter;
use crate::domain::rollup::{
    Bucket, DURATION_BUCKETS, KEY_SEPARATOR, Metric, SETUP_TIME_BUCKETS, Status,
};
use crate::store::rollups::MetricSelection;
use crate::store::{ListFilter, RollupStore, StoreResult};

/// What a list's `count` counts: the conferences listed, or, for the charts that
/// count rows, the bar's connections or sessions (the list then holds the
/// conferences those rows belong to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CountOf {
    Conferences,
    Connections,
    Sessions,
}

/// A chart's bar: the cells of one metric whose keys it sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    metric: Metric,
    keys: Keys,
    pub count_of: CountOf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Keys {
    One(String),
    /// Every status: each conference has exactly one.
    AnyStatus,
    /// The map's points of one city name, whatever their country and coordinates.
    City(String),
}

impl Keys {
    fn holds(&self, key: &str) -> bool {
        match self {
            Keys::One(one) => one == key,
            Keys::AnyStatus => Status::parse(key).is_some(),
            Keys::City(name) => key.split(KEY_SEPARATOR).nth(1) == Some(name.as_str()),
        }
    }
}

/// The bar a conference list is a slice of: none of the charts' slices (all the
/// conferences of the range), or exactly one, with bucket bounds as the chart draws
/// them. Lists scoped otherwise (a room, a search, a participant, `ongoing`) or combining
/// slices are not a bar; their total is counted from rows.
pub fn bar_of(filter: &ListFilter) -> Option<Bar> {
    if filter.conference_id.is_some()
        || filter.participant_id.is_some()
        || filter.session_id.is_some()
        || filter.room.is_some()
        || filter.search.is_some()
        || filter.ongoing.is_some()
    {
        return None;
    }
    use CountOf::{Conferences, Connections, Sessions};
    let bar = |metric, keys, count_of| {
        Some(Bar {
            metric,
            keys,
            count_of,
        })
    };
    // Each slice given: `Some(bar)`, or `Some(None)` for bounds no chart draws.
    let slices = [
        filter.status.map(|status| {
            bar(
                Metric::ConferenceStatus,
                Keys::One(status.as_str().into()),
                Conferences,
            )
        }),
        filter.issue_code.as_ref().map(|code| {
            bar(
                Metric::IssueConferences,
                Keys::One(code.clone()),
                Conferences,
            )
        }),
        bucket_slice(&DURATION_BUCKETS, filter.duration_gte, filter.duration_lt).map(|index| {
            index.and_then(|i| {
                bar(
                    Metric::ConferenceDuration,
                    Keys::One(i.to_string()),
                    Conferences,
                )
            })
        }),
        filter.participant_count.map(|n| {
            bar(
                Metric::ConferenceParticipants,
                Keys::One(n.to_string()),
                Conferences,
            )
        }),
        bucket_slice(
            &SETUP_TIME_BUCKETS,
            filter.setup_time_gte,
            filter.setup_time_lt,
        )
        .map(|index| {
            index.and_then(|i| bar(Metric::SetupTime, Keys::One(i.to_string()), Connections))
        }),
        filter
            .connection_type
            .as_ref()
            .map(|kind| bar(Metric::ConnectionType, Keys::One(kind.clone()), Connections)),
        filter
            .city
            .as_ref()
            .map(|city| bar(Metric::City, Keys::City(city.clone()), Sessions)),
    ];
    let mut given = slices.into_iter().flatten();
    match (given.next(), given.next()) {
        (None, _) => bar(Metric::ConferenceStatus, Keys::AnyStatus, Conferences),
        (Some(bar), None) => bar,
        (Some(_), Some(_)) => None,
    }
}

/// A bucket slice, when one is given: the index of the bucket whose bounds are
/// exactly `[gte, lt)`, or `None` inside when no bucket has them.
fn bucket_slice(buckets: &[Bucket], gte: Option<i64>, lt: Option<i64>) -> Option<Option<usize>> {
    (gte.is_some() || lt.is_some()).then(|| {
        buckets
            .iter()
            .position(|bucket| Some(bucket.min) == gte && bucket.max == lt)
    })
}

/// The bar's number for an app, a range and a session filter.
pub async fn bar_count(
    store: &dyn RollupStore,
    bar: &Bar,
    app_id: Uuid,
    range: TimeRange,
    filter: SessionFilter,
    now: i64,
) -> StoreResult<i64> {
    let query = SummaryQuery {
        app_id,
        range,
        now,
        // Days are not asked for, so the zone plays no part: the range is resolved.
        zone: super::range::Zone::utc(),
        filter,
    };
    let extras = Extras {
        days: false,
        unfiltered: false,
        metrics: MetricSelection::Only(bar.metric),
    };
    let counted = tally(store, &query, extras).await?;
    Ok(counted
        .totals
        .iter()
        .filter(|((metric, key), _)| *metric == bar.metric && bar.keys.holds(key))
        .map(|(_, n)| n)
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> ListFilter {
        ListFilter {
            app_id: Some(Uuid::nil()),
            ..ListFilter::default()
        }
    }

    #[test]
    fn a_slice_with_the_charts_bounds_is_a_bar_and_anything_else_is_not() {
        let plain = bar_of(&filter()).unwrap();
        assert_eq!(plain.metric, Metric::ConferenceStatus);
        assert_eq!(plain.count_of, CountOf::Conferences);

        let duration = bar_of(&ListFilter {
            duration_gte: Some(600),
            duration_lt: Some(900),
            ..filter()
        })
        .unwrap();
        assert_eq!(
            (duration.metric, duration.keys),
            (Metric::ConferenceDuration, Keys::One("4".into()))
        );
        let last = bar_of(&ListFilter {
            duration_gte: Some(3600),
            ..filter()
        })
        .unwrap();
        assert_eq!(last.keys, Keys::One("11".into()));
        // Bounds the chart never draws are counted from rows.
        let odd = ListFilter {
            duration_gte: Some(600),
            duration_lt: Some(700),
            ..filter()
        };
        assert_eq!(bar_of(&odd), None);

        let relayed = bar_of(&ListFilter {
            connection_type: Some("relay".into()),
            ..filter()
        })
        .unwrap();
        assert_eq!(relayed.count_of, CountOf::Connections);

        let two = ListFilter {
            connection_type: Some("relay".into()),
            participant_count: Some(2),
            ..filter()
        };
        assert_eq!(bar_of(&two), None);
        let room = ListFilter {
            room: Some("standup".into()),
            ..filter()
        };
        assert_eq!(bar_of(&room), None);
    }

    #[test]
    fn a_city_bar_sums_its_points_of_that_name_only() {
        let keys = Keys::City("Paris".into());
        assert!(keys.holds("FR\u{1f}Paris\u{1f}48.86\u{1f}2.35"));
        assert!(keys.holds("US\u{1f}Paris\u{1f}33.66\u{1f}-95.56"));
        assert!(!keys.holds("FR\u{1f}Lyon\u{1f}45.76\u{1f}4.84"));
        assert!(Keys::AnyStatus.holds("ongoing"));
        assert!(!Keys::AnyStatus.holds(""));
    }
}
