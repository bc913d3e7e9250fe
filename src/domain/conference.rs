//! A conference's facts (status, active time, counts, last activity) and the only
//! rules that change them. Ingest and the demo seeder both go through these methods,
//! so a conference means the same thing however it was written.
//!
//! The lifecycle, as a state machine:
//!
//! | from | event | to |
//! |---|---|---|
//! | created (by `initialize`) | a connection opens | ongoing: an active period starts |
//! | ongoing | another connection opens | ongoing (no change) |
//! | ongoing | the last open connection ends (`removeConnection`, state `closed`, `unload`/`endCall` of its session, `stop-conference`, the stale sweeper) | ended: the period's time is added to `duration_s` |
//! | ended | a connection opens again (within the reuse window) | ongoing: a new active period, same conference |
//! | ended, idle for the reuse window | `initialize` with the same customer id | a **new** conference (standing rooms) |
//!
//! A session that sent `unload` or `endCall` can no longer open connections, so it
//! cannot reopen a conference.

use uuid::Uuid;

use super::issue::Severity;
use super::time::whole_seconds_between;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceFacts {
    pub id: Uuid,
    pub app_id: Uuid,
    pub created_at: i64,
    /// The first time a connection opened.
    pub start_time: Option<i64>,
    /// Start of the current active period; `None` while no connection is open.
    pub call_start: Option<i64>,
    /// When the last active period ended.
    pub end_time: Option<i64>,
    pub ongoing: bool,
    /// Seconds of finished active periods (idle gaps never count).
    pub duration_s: i64,
    /// Coarse: ingest writes it every few seconds at most.
    pub last_activity_at: i64,
    /// Participants with a session, SFUs excluded.
    pub participant_count: i64,
    pub session_count: i64,
    pub connection_count: i64,
    pub error_count: i64,
    pub warning_count: i64,
}

impl ConferenceFacts {
    /// A conference `initialize` just created.
    pub fn created(id: Uuid, app_id: Uuid, at: i64) -> Self {
        ConferenceFacts {
            id,
            app_id,
            created_at: at,
            start_time: None,
            call_start: None,
            end_time: None,
            ongoing: false,
            duration_s: 0,
            last_activity_at: at,
            participant_count: 0,
            session_count: 0,
            connection_count: 0,
            error_count: 0,
            warning_count: 0,
        }
    }

    /// A session joined; `new_participant` when it is the participant's first session
    /// in this conference and the participant is not an SFU.
    pub fn session_added(&mut self, new_participant: bool, at: i64) {
        self.session_count += 1;
        self.participant_count += i64::from(new_participant);
        self.saw_activity(at);
    }

    /// A connection was added. When none was open, an active period starts.
    pub fn connection_opened(&mut self, at: i64) {
        self.connection_count += 1;
        self.start_time = Some(self.start_time.map_or(at, |first| first.min(at)));
        if !self.ongoing {
            self.ongoing = true;
            self.call_start = Some(at);
        }
        self.saw_activity(at);
    }

    /// The last open connection ended at `at`: the active period closes.
    pub fn last_connection_closed(&mut self, at: i64) {
        if !self.ongoing {
            return;
        }
        if let Some(call_start) = self.call_start.take() {
            self.duration_s += whole_seconds_between(call_start, at);
        }
        self.end_time = Some(self.end_time.map_or(at, |end| end.max(at)));
        self.ongoing = false;
    }

    pub fn issue_recorded(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error_count += 1,
            Severity::Warning => self.warning_count += 1,
        }
    }

    pub fn saw_activity(&mut self, at: i64) {
        self.last_activity_at = self.last_activity_at.max(at);
    }

    /// Active seconds up to `now`: finished periods plus the one in progress, so an
    /// ongoing conference never reads as 0 seconds long.
    pub fn active_seconds(&self, now: i64) -> i64 {
        active_seconds(self.duration_s, self.ongoing, self.call_start, now)
    }

    /// Whether `initialize` with this conference's customer id, at `now`, joins it:
    /// only a conference that is not in a call and has been idle for `reuse_after`
    /// gives way to a new one.
    pub fn accepts_join(&self, now: i64, reuse_after_micros: i64) -> bool {
        self.ongoing || now - self.last_activity_at < reuse_after_micros
    }
}

/// [`ConferenceFacts::active_seconds`] for callers holding only the columns.
pub fn active_seconds(duration_s: i64, ongoing: bool, call_start: Option<i64>, now: i64) -> i64 {
    match (ongoing, call_start) {
        (true, Some(start)) => duration_s + whole_seconds_between(start, now),
        _ => duration_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_700_000_000_000_000;
    const S: i64 = 1_000_000;

    fn facts() -> ConferenceFacts {
        ConferenceFacts::created(Uuid::nil(), Uuid::nil(), T0)
    }

    #[test]
    fn duration_sums_active_periods_only() {
        let mut conference = facts();
        conference.connection_opened(T0 + 10 * S);
        conference.connection_opened(T0 + 12 * S);
        conference.last_connection_closed(T0 + 70 * S);
        assert_eq!(conference.duration_s, 60);
        assert!(!conference.ongoing);
        // Reopened an hour later for 30 s: the idle hour does not count.
        conference.connection_opened(T0 + 3600 * S);
        assert!(conference.ongoing);
        assert_eq!(conference.active_seconds(T0 + 3610 * S), 70);
        conference.last_connection_closed(T0 + 3630 * S);
        assert_eq!(conference.duration_s, 90);
        assert_eq!(conference.start_time, Some(T0 + 10 * S));
        assert_eq!(conference.end_time, Some(T0 + 3630 * S));
        assert_eq!(conference.connection_count, 3);
    }

    #[test]
    fn an_ongoing_conference_reads_its_time_so_far() {
        let mut conference = facts();
        conference.connection_opened(T0);
        assert_eq!(conference.duration_s, 0);
        assert_eq!(conference.active_seconds(T0 + 42 * S), 42);
    }

    #[test]
    fn closing_twice_counts_once() {
        let mut conference = facts();
        conference.connection_opened(T0);
        conference.last_connection_closed(T0 + 5 * S);
        conference.last_connection_closed(T0 + 9 * S);
        assert_eq!(conference.duration_s, 5);
        assert_eq!(conference.end_time, Some(T0 + 5 * S));
    }

    #[test]
    fn a_standing_room_gives_way_only_when_idle() {
        let reuse = 600 * S;
        let mut conference = facts();
        conference.connection_opened(T0);
        assert!(conference.accepts_join(T0 + 86_400 * S, reuse), "in a call");
        conference.last_connection_closed(T0 + 60 * S);
        conference.saw_activity(T0 + 60 * S);
        assert!(conference.accepts_join(T0 + 300 * S, reuse));
        assert!(!conference.accepts_join(T0 + 661 * S, reuse));
    }

    #[test]
    fn issues_count_by_severity() {
        let mut conference = facts();
        conference.issue_recorded(Severity::Error);
        conference.issue_recorded(Severity::Warning);
        conference.issue_recorded(Severity::Warning);
        assert_eq!((conference.error_count, conference.warning_count), (1, 2));
    }
}
