//! The reads behind the conference page, the participant page and search: everything
//! about one conference, a window of one connection's samples, and text search.
//! Implemented once in SQL for both engines by `sql_drilldown_store!`
//! (`drilldown_sql.rs`).
//!
//! Except for [`DrillDownStore::search`], these reads take the id of an object the
//! caller has already found through [`Store::get`](super::Store::get), which applies
//! the caller's visibility; they do not check it again.

use async_trait::async_trait;
use uuid::Uuid;

use super::StoreResult;
use super::models::*;
use crate::domain::access::Visibility;
use crate::domain::series::{PairPoint, TrackPoint};

/// An event without its payload when the payload is large (SDP, ICE candidates): the
/// conference page lists thousands of them.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EventBrief {
    pub id: Uuid,
    pub session_id: Uuid,
    pub participant_id: Uuid,
    pub peer_id: Option<Uuid>,
    pub connection_id: Option<Uuid>,
    pub track_id: Option<Uuid>,
    pub category: String,
    #[sqlx(rename = "type")]
    pub event_type: String,
    /// `None` when absent or longer than [`EVENT_DATA_LIMIT`].
    pub data: Option<String>,
    pub data_length: Option<i64>,
    pub created_at: i64,
}

/// Event payloads longer than this (bytes of stored JSON) are left out of lists.
pub const EVENT_DATA_LIMIT: i64 = 2048;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConferenceParts {
    pub participants: Vec<ParticipantRow>,
    pub sessions: Vec<SessionRow>,
    pub connections: Vec<ConnectionRow>,
    pub issues: Vec<IssueRow>,
    /// The oldest `event_limit` events.
    pub events: Vec<EventBrief>,
    pub events_truncated: bool,
}

/// Which samples of a connection to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleWindow {
    /// The latest N points.
    Last(i64),
    /// Points in `[from, to]` (unix microseconds), either side open.
    Range {
        from: Option<i64>,
        to: Option<i64>,
    },
    /// Points strictly after this time.
    After(i64),
    Full,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionSamples {
    /// The window's points, preceded by the point just before it (if any), which
    /// only serves the first deltas.
    pub pairs: Vec<PairPoint>,
    pub tracks: Vec<TrackPoint>,
    /// The first time inside the window, and its last (`None`: the window is empty).
    pub window: Option<(i64, i64)>,
    /// The whole history: number of points and their time bounds.
    pub total: i64,
    pub first: Option<i64>,
    pub last: Option<i64>,
}

/// What a connection's graphs mark, within a time range: its events, its session's
/// device and custom events, and the issues of either.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverlayRows {
    pub events: Vec<EventBrief>,
    pub issues: Vec<IssueRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchKind {
    Conference,
    Participant,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SearchHit {
    pub id: Uuid,
    pub app_id: Uuid,
    pub app_name: String,
    pub customer_id: String,
    pub name: Option<String>,
    pub created_at: i64,
    /// Conferences only.
    pub ongoing: Option<bool>,
    /// 0 an exact id, 1 an id prefix, 2 a name (or a word of it) prefix, 3 elsewhere.
    #[sqlx(rename = "search_rank")]
    pub rank: i64,
}

/// A participant's issues in one conference, by code.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct IssueCount {
    pub conference_id: Uuid,
    pub code: String,
    pub severity: String,
    pub count: i64,
}

#[async_trait]
pub trait DrillDownStore: Send + Sync {
    async fn conference_parts(
        &self,
        conference_id: Uuid,
        event_limit: i64,
    ) -> StoreResult<ConferenceParts>;

    async fn connection_samples(
        &self,
        connection_id: Uuid,
        window: SampleWindow,
    ) -> StoreResult<ConnectionSamples>;

    /// Overlay rows of a connection in `[from, to]`.
    async fn connection_overlay(
        &self,
        connection: &ConnectionRow,
        from: i64,
        to: i64,
    ) -> StoreResult<OverlayRows>;

    /// Conferences (then participants) of live apps in the visible organizations whose
    /// customer id or name contains `text`, best first; at most `limit` of each kind.
    async fn search(
        &self,
        visible: &Visibility,
        kind: SearchKind,
        text: &str,
        limit: i64,
    ) -> StoreResult<Vec<SearchHit>>;

    /// A participant's conferences, newest first, past `after`, with their issues of
    /// this participant.
    async fn participant_conferences(
        &self,
        participant_id: Uuid,
        after: Option<(i64, Uuid)>,
        limit: i64,
    ) -> StoreResult<(Vec<ConferenceRow>, Vec<IssueCount>)>;

    /// A participant's latest sessions, newest first.
    async fn participant_sessions(
        &self,
        participant_id: Uuid,
        limit: i64,
    ) -> StoreResult<Vec<SessionRow>>;
}
