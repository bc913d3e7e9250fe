//! The scope of one conference's rows: its ids, and the events and issues written
//! through it.

use uuid::Uuid;

use super::rng::{DemoRng, time_ordered_id};
use crate::domain::issue::{IssueCode, Severity};
use crate::store::{EventRow, IssueRow, SeedBatch};

/// Ids and counters shared by all rows of one conference; issues go through here so
/// the conference's denormalised error and warning counts always match its rows.
pub(super) struct ConferenceScope {
    pub(super) app_id: Uuid,
    pub(super) conference_id: Uuid,
    pub(super) errors: i64,
    pub(super) warnings: i64,
}

/// Who an event or issue is about.
#[derive(Debug, Clone, Copy)]
pub(super) struct Actor {
    pub(super) session: Uuid,
    pub(super) participant: Uuid,
    pub(super) peer: Option<Uuid>,
    pub(super) connection: Option<Uuid>,
}

impl ConferenceScope {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn event(
        &self,
        rng: &mut DemoRng,
        batch: &mut SeedBatch,
        actor: Actor,
        category: &str,
        event_type: &str,
        data: Option<String>,
        at: i64,
    ) {
        batch.events.push(EventRow {
            id: time_ordered_id(rng, at),
            app_id: self.app_id,
            conference_id: self.conference_id,
            session_id: actor.session,
            participant_id: actor.participant,
            peer_id: actor.peer,
            connection_id: actor.connection,
            track_id: None,
            category: category.to_string(),
            event_type: event_type.to_string(),
            data,
            created_at: at,
        });
    }

    /// An `onconnectionstatechange` (or ICE) event whose data is the new state as a JSON string.
    pub(super) fn state_event(
        &self,
        rng: &mut DemoRng,
        batch: &mut SeedBatch,
        actor: Actor,
        event_type: &str,
        state: &str,
        at: i64,
    ) {
        self.event(
            rng,
            batch,
            actor,
            "connection",
            event_type,
            Some(format!("\"{state}\"")),
            at,
        );
    }

    pub(super) fn issue(
        &mut self,
        rng: &mut DemoRng,
        batch: &mut SeedBatch,
        actor: Actor,
        code: IssueCode,
        data: Option<String>,
        at: i64,
    ) {
        let severity = code.severity();
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
        }
        batch.issues.push(IssueRow {
            id: time_ordered_id(rng, at),
            app_id: self.app_id,
            conference_id: self.conference_id,
            session_id: actor.session,
            participant_id: actor.participant,
            connection_id: actor.connection,
            track_id: None,
            severity: severity.as_str().to_string(),
            code: code.as_str().to_string(),
            data,
            created_at: at,
        });
    }
}
