//! Dashboard summaries: every chart of the app dashboard computed on the server, from
//! rollup cells, for any range, time zone and filter. One [`tally`] of the range
//! feeds every chart, so the bundle costs about as much as one chart.

pub mod bar;
pub mod charts;
pub mod cover;
pub mod range;
pub mod rebuild;
pub mod tally;
pub mod usage;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::time::format_iso;
use crate::store::rollups::MetricSelection;
use crate::store::{RollupStore, StoreResult};
use charts::*;
pub use tally::{Extras, SummaryQuery, Tally, tally};

/// The summary endpoints; `Dashboard` is all of them in one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    Conferences,
    Issues,
    GetUserMedia,
    Durations,
    SetupTimes,
    Participants,
    Connections,
    Sessions,
    Dashboard,
}

impl Chart {
    fn extras(self) -> Extras {
        Extras {
            // Only the conferences-per-day chart needs the local days, and only the
            // bundle the filter choices.
            days: matches!(self, Chart::Conferences | Chart::Dashboard),
            unfiltered: self == Chart::Dashboard,
            metrics: MetricSelection::All,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GetUserMediaSummary {
    pub data: Vec<GetUserMediaCount>,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ParticipantSummary {
    pub data: Vec<ParticipantCount>,
    pub total_conferences: i64,
}

/// The range as the server understood it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RangeView {
    pub created_at_gte: String,
    pub created_at_lte: String,
    pub tz: String,
}

/// Every chart of the app dashboard, and the filter choices, in one answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dashboard {
    pub range: RangeView,
    pub conferences: Vec<DayCount>,
    pub issues: Vec<IssueCount>,
    pub get_user_media: GetUserMediaSummary,
    pub durations: Vec<DurationCount>,
    pub setup_times: Vec<SetupTimeCount>,
    pub participants: ParticipantSummary,
    pub connections: ConnectionSummary,
    pub sessions: SessionSummary,
    /// Values present in the range for each filter, with their sessions, whatever
    /// the filter in force.
    pub filters: FilterChoices,
}

/// One chart's answer.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ChartAnswer {
    Conferences(Data<Vec<DayCount>>),
    Issues(Data<Vec<IssueCount>>),
    GetUserMedia(GetUserMediaSummary),
    Durations(Data<Vec<DurationCount>>),
    SetupTimes(Data<Vec<SetupTimeCount>>),
    Participants(ParticipantSummary),
    Connections(ConnectionSummary),
    Sessions(SessionSummary),
    Dashboard(Box<Dashboard>),
}

pub async fn chart(
    store: &dyn RollupStore,
    chart: Chart,
    query: &SummaryQuery,
) -> StoreResult<ChartAnswer> {
    let tally = tally(store, query, chart.extras()).await?;
    Ok(match chart {
        Chart::Conferences => ChartAnswer::Conferences(Data {
            data: conferences_per_day(&tally),
        }),
        Chart::Issues => ChartAnswer::Issues(Data {
            data: issues(&tally),
        }),
        Chart::GetUserMedia => ChartAnswer::GetUserMedia(gum_summary(&tally)),
        Chart::Durations => ChartAnswer::Durations(Data {
            data: durations(&tally),
        }),
        Chart::SetupTimes => ChartAnswer::SetupTimes(Data {
            data: setup_times(&tally),
        }),
        Chart::Participants => ChartAnswer::Participants(participant_summary(&tally)),
        Chart::Connections => ChartAnswer::Connections(connections(&tally)),
        Chart::Sessions => ChartAnswer::Sessions(sessions(&tally)),
        Chart::Dashboard => ChartAnswer::Dashboard(Box::new(Dashboard {
            range: RangeView {
                created_at_gte: format_iso(query.range.from),
                created_at_lte: format_iso(query.range.to),
                tz: query.zone.name().to_owned(),
            },
            conferences: conferences_per_day(&tally),
            issues: issues(&tally),
            get_user_media: gum_summary(&tally),
            durations: durations(&tally),
            setup_times: setup_times(&tally),
            participants: participant_summary(&tally),
            connections: connections(&tally),
            sessions: sessions(&tally),
            filters: filter_choices(&tally),
        })),
    })
}

fn gum_summary(tally: &Tally) -> GetUserMediaSummary {
    let (data, total) = get_user_media_errors(tally);
    GetUserMediaSummary { data, total }
}

fn participant_summary(tally: &Tally) -> ParticipantSummary {
    let (data, total_conferences) = participants(tally);
    ParticipantSummary {
        data,
        total_conferences,
    }
}
