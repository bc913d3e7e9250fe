//! What each command does inside the writer's transaction. The writer runs every
//! command under its own savepoint: a command that fails is undone alone, in the
//! database and in the batch's memory ([`BatchContext::mark`]).

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::conference::ConferenceFacts;
use crate::domain::connection::{ConnectionProgress, ConnectionSignal};
use crate::domain::issue::IssueCode;
use crate::domain::negotiation::Negotiations;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::{
    ConferenceRow, ConnectionIdentity, ConnectionRow, ConnectionScope, EventRow, IssueRow,
    ParticipantUpsert, SessionIdentity, SessionRow, StoreResult, StoreTx, TrackRow,
};

use super::command::*;
use super::ledger::ConferenceLedger;
use super::lifecycle;
use super::samples::{SampleBuffer, SampleState};

/// Work gathered while a batch runs, finished just before or after its commit.
#[derive(Default)]
pub struct BatchContext {
    pub samples: SampleBuffer,
    pub conferences: ConferenceLedger,
    /// Connections this batch ended: the identity cache hears of them after commit.
    pub ended_connections: Vec<Uuid>,
    pub new_connections: Vec<ConnectionIdentity>,
}

/// How far a batch's memory had grown when a command started.
pub struct Mark {
    stats: usize,
    tracks: usize,
    ended: usize,
    new: usize,
}

impl BatchContext {
    pub fn mark(&self) -> Mark {
        Mark {
            stats: self.samples.stats.len(),
            tracks: self.samples.tracks.len(),
            ended: self.ended_connections.len(),
            new: self.new_connections.len(),
        }
    }

    /// Forgets everything the command that started at `mark` added.
    pub fn undo_to(&mut self, mark: Mark) {
        self.samples.stats.truncate(mark.stats);
        self.samples.tracks.truncate(mark.tracks);
        self.ended_connections.truncate(mark.ended);
        self.new_connections.truncate(mark.new);
        self.conferences.undo_command();
    }

    pub fn keep_command(&mut self) {
        self.conferences.keep_command();
    }

    /// Called before a command changes any row of a conference (a session, a
    /// connection, an issue): loads and locks its facts, and with them what its
    /// rollups were computed from, while the rows are still as they were.
    pub async fn touch(&mut self, tx: &mut dyn StoreTx, conference_id: Uuid) -> StoreResult<()> {
        self.conferences.facts(tx, conference_id).await.map(|_| ())
    }

    /// The facts of a conference for this batch to change.
    pub async fn conference(
        &mut self,
        tx: &mut dyn StoreTx,
        conference_id: Uuid,
    ) -> StoreResult<Option<&mut ConferenceFacts>> {
        self.conferences.facts(tx, conference_id).await
    }
}

/// Writer-wide settings the commands need.
#[derive(Debug, Clone, Copy)]
pub struct IngestSettings {
    /// A customer conference id idle this long (and not in a call) starts a new
    /// conference on its next `initialize`.
    pub conference_reuse_after_micros: i64,
}

pub async fn apply(
    tx: &mut dyn StoreTx,
    state: &mut SampleState,
    context: &mut BatchContext,
    settings: &IngestSettings,
    command: &Command,
) -> ApiResult<Reply> {
    match command {
        Command::Initialize(command) => initialize(tx, context, settings, command).await,
        Command::CreateSession(session) => create_session(tx, context, session).await,
        Command::UpdateSession(update) => update_session(tx, context, update).await,
        Command::Event(event) => {
            context
                .conferences
                .saw_activity(event.session.conference_id, event.at);
            apply_event(tx, state, context, event).await
        }
        Command::Stats(stats) => {
            context
                .conferences
                .saw_activity(stats.session.conference_id, stats.at);
            state.apply(tx, context, stats).await?;
            Ok(Reply::Done)
        }
        Command::Track(track) => {
            context
                .conferences
                .saw_activity(track.session.conference_id, track.at);
            apply_track(tx, track).await
        }
        Command::StopConference { conference_id, at } => {
            lifecycle::end_open_connections(
                tx,
                context,
                ConnectionScope::Conference(*conference_id),
                *at,
            )
            .await?;
            lifecycle::stop_conference_if_idle(tx, context, *conference_id, *at).await?;
            Ok(Reply::Done)
        }
        Command::SweepStale {
            conference_id,
            cutoff,
        } => {
            sweep_stale(tx, context, *conference_id, *cutoff).await?;
            Ok(Reply::Done)
        }
    }
}

/// Joins the customer's conference, or starts a new one when there is none or the
/// last one ended and stayed idle (standing rooms: a daily "standup" is one
/// conference per day, not one forever).
async fn initialize(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    settings: &IngestSettings,
    command: &InitializeCommand,
) -> ApiResult<Reply> {
    let at = command.at;
    tx.lock_conference_key(command.app_id, &command.conference_id)
        .await?;
    let latest = tx
        .latest_conference(command.app_id, &command.conference_id)
        .await?;
    let joinable = latest.filter(|row| {
        row.facts()
            .accepts_join(at, settings.conference_reuse_after_micros)
    });
    let conference_id = match joinable {
        Some(row) => {
            if let Some(name) = &command.conference_name
                && row.conference_name.as_ref() != Some(name)
            {
                tx.rename_conference(row.id, name).await?;
            }
            // Joining is not yet activity: the session that follows is.
            row.id
        }
        None => {
            let facts = ConferenceFacts::created(Uuid::new_v4(), command.app_id, at);
            tx.insert_conference(&ConferenceRow::new(
                &command.conference_id,
                command.conference_name.as_deref(),
                &facts,
            ))
            .await?;
            context.conferences.created(facts).id
        }
    };
    let participant_id = tx
        .upsert_own_participant(&ParticipantUpsert {
            app_id: command.app_id,
            participant_id: &command.user_id,
            name: command.user_name.as_deref(),
            is_sfu: false,
            now: at,
        })
        .await?;
    tx.link_participant(conference_id, participant_id, at)
        .await?;
    Ok(Reply::Initialized {
        participant_id,
        conference_id,
    })
}

async fn create_session(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    session: &SessionRow,
) -> ApiResult<Reply> {
    let earlier_sessions = tx
        .session_count(session.conference_id, session.participant_id)
        .await?;
    context.touch(tx, session.conference_id).await?;
    tx.insert_session(session).await?;
    let is_sfu = tx.participant_is_sfu(session.participant_id).await?;
    if let Some(facts) = context.conference(tx, session.conference_id).await? {
        facts.session_added(earlier_sessions == 0 && !is_sfu, session.created_at);
    }
    if earlier_sessions > 0 {
        let identity = SessionIdentity {
            session_id: session.id,
            app_id: session.app_id,
            conference_id: session.conference_id,
            participant_id: session.participant_id,
        };
        let issue = NewIssue::new(IssueCode::MultipleRejoins, session.created_at);
        insert_issue(tx, context, &identity, issue).await?;
    }
    Ok(Reply::SessionCreated {
        session_id: session.id,
    })
}

async fn update_session(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    update: &SessionUpdate,
) -> ApiResult<Reply> {
    let Some(mut session) = tx.lock_session(update.session.session_id).await? else {
        return Err(ErrorCode::InvalidToken.into());
    };
    // A late platform report moves the session's browser and OS in the rollups.
    context.touch(tx, session.conference_id).await?;
    if let Some(constraints) = &update.constraints {
        session.constraints = Some(constraints.clone());
    }
    if let Some(devices) = &update.devices {
        session.devices = Some(devices.clone());
    }
    if let Some(platform) = &update.platform {
        let dimensions = crate::domain::platform::PlatformDimensions::of(platform);
        session.platform = Some(platform.clone());
        session.browser_name = dimensions.browser_name;
        session.browser_version = dimensions.browser_version;
        session.os_name = dimensions.os_name;
        session.os_version = dimensions.os_version;
    }
    if let Some(webrtc_sdk) = &update.webrtc_sdk {
        session.webrtc_sdk = webrtc_sdk.clone();
    }
    tx.save_session(&session).await?;
    Ok(Reply::Session(Box::new(session)))
}

/// An issue about to be recorded.
pub struct NewIssue {
    pub code: IssueCode,
    pub connection_id: Option<Uuid>,
    pub data: Option<String>,
    pub at: i64,
}

impl NewIssue {
    pub fn new(code: IssueCode, at: i64) -> Self {
        NewIssue {
            code,
            connection_id: None,
            data: None,
            at,
        }
    }

    pub fn on(mut self, connection_id: Uuid) -> Self {
        self.connection_id = Some(connection_id);
        self
    }

    pub fn with_data(mut self, data: Option<String>) -> Self {
        self.data = data;
        self
    }
}

/// Inserts an issue; its conference's error or warning count moves with it.
pub async fn insert_issue(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    session: &SessionIdentity,
    issue: NewIssue,
) -> StoreResult<()> {
    let severity = issue.code.severity();
    context.touch(tx, session.conference_id).await?;
    tx.insert_issue(&IssueRow {
        id: Uuid::new_v4(),
        app_id: session.app_id,
        conference_id: session.conference_id,
        session_id: session.session_id,
        participant_id: session.participant_id,
        connection_id: issue.connection_id,
        track_id: None,
        severity: severity.as_str().to_owned(),
        code: issue.code.as_str().to_owned(),
        data: issue.data,
        created_at: issue.at,
    })
    .await?;
    if let Some(facts) = context.conference(tx, session.conference_id).await? {
        facts.issue_recorded(severity);
    }
    Ok(())
}

/// An event row of a session, with no peer, connection or track yet.
fn session_event(
    session: &SessionIdentity,
    category: EventCategory,
    name: &str,
    data: Option<String>,
    at: i64,
) -> EventRow {
    EventRow {
        id: Uuid::new_v4(),
        app_id: session.app_id,
        conference_id: session.conference_id,
        session_id: session.session_id,
        participant_id: session.participant_id,
        peer_id: None,
        connection_id: None,
        track_id: None,
        category: category.as_str().to_owned(),
        event_type: name.to_owned(),
        data,
        created_at: at,
    }
}

/// Resolves the `peerId` of an event to a participant of this conference.
async fn resolve_peer(tx: &mut dyn StoreTx, event: &EventCommand) -> ApiResult<Option<Uuid>> {
    let Some(reference) = &event.peer_reference else {
        return Ok(None);
    };
    if event.name == "addConnection" {
        // addConnection names the peer by the customer's own id; the participant is
        // created on first sight. Compare ids before writing anything.
        let sender = tx
            .participant_in_conference(event.session.conference_id, reference)
            .await?;
        if sender == Some(event.session.participant_id) {
            return Err(ErrorCode::ParticipantEqualPeer.into());
        }
        let peer_id = tx
            .ensure_peer_participant(&ParticipantUpsert {
                app_id: event.session.app_id,
                participant_id: reference,
                name: event.peer_name.as_deref(),
                is_sfu: event.is_sfu,
                now: event.at,
            })
            .await?;
        if peer_id == event.session.participant_id {
            return Err(ErrorCode::ParticipantEqualPeer.into());
        }
        tx.link_participant(event.session.conference_id, peer_id, event.at)
            .await?;
        return Ok(Some(peer_id));
    }
    let Some(peer_id) = tx
        .participant_in_conference(event.session.conference_id, reference)
        .await?
    else {
        return Err(ErrorCode::ParticipantNotFound.into());
    };
    if peer_id == event.session.participant_id {
        return Err(ErrorCode::ParticipantEqualPeer.into());
    }
    Ok(Some(peer_id))
}

/// The events a connection's stored progress is made of.
pub fn progress_of(connection: &ConnectionRow) -> ConnectionProgress {
    ConnectionProgress {
        state: connection.state.clone(),
        negotiations: Negotiations::parse(&connection.negotiations),
        setup_time_ms: connection.setup_time_ms,
        established: connection.established,
    }
}

/// Copies progress into the row; true when anything changed.
pub fn store_progress(connection: &mut ConnectionRow, progress: ConnectionProgress) -> bool {
    let negotiations = progress.negotiations.to_json();
    let changed = connection.state != progress.state
        || connection.negotiations != negotiations
        || connection.setup_time_ms != progress.setup_time_ms
        || connection.established != progress.established;
    connection.state = progress.state;
    connection.negotiations = negotiations;
    connection.setup_time_ms = progress.setup_time_ms;
    connection.established = progress.established;
    changed
}

async fn add_connection(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    event: &EventCommand,
    peer_id: Uuid,
) -> ApiResult<ConnectionRow> {
    let session = &event.session;
    let at = event.at;
    // A page that said goodbye cannot reopen its conference.
    match tx.lock_session(session.session_id).await? {
        Some(row) if row.closed_at.is_some() => return Err(ErrorCode::SessionClosed.into()),
        Some(_) => {}
        None => return Err(ErrorCode::InvalidToken.into()),
    }
    let already_connected = event.connection_state.as_deref() == Some("connected");
    let mut row = ConnectionRow {
        id: Uuid::new_v4(),
        app_id: session.app_id,
        conference_id: session.conference_id,
        session_id: session.session_id,
        participant_id: session.participant_id,
        peer_id,
        start_time: at,
        created_at: at,
        ..Default::default()
    };
    store_progress(&mut row, ConnectionProgress::added(already_connected, at));
    context.touch(tx, row.conference_id).await?;
    tx.insert_connection(&row).await?;
    lifecycle::connection_started(tx, context, &row, at).await?;
    context.new_connections.push(ConnectionIdentity {
        connection_id: row.id,
        session_id: row.session_id,
        conference_id: row.conference_id,
        peer_id,
        ended: false,
    });
    Ok(row)
}

async fn apply_event(
    tx: &mut dyn StoreTx,
    state: &mut SampleState,
    context: &mut BatchContext,
    event: &EventCommand,
) -> ApiResult<Reply> {
    // A connection must belong to the caller's session: no writes across tenants.
    let mut connection = match event.connection_id {
        Some(connection_id) => match tx.lock_connection(connection_id).await? {
            Some(row) if row.session_id == event.session.session_id => Some(row),
            _ => return Err(ErrorCode::ConnectionNotFound.into()),
        },
        None => None,
    };
    if connection.is_none() && needs_connection(&event.name) {
        return Err(ApiError::with_message(
            ErrorCode::MissingParameters,
            format!("{} needs a connectionId", event.name),
        ));
    }
    let peer_id = resolve_peer(tx, event).await?;
    let at = event.at;
    let session = &event.session;

    let mut reply = Reply::Done;
    if event.name == "addConnection" {
        let peer_id = peer_id.ok_or(ErrorCode::MissingParameters)?;
        let row = add_connection(tx, context, event, peer_id).await?;
        reply = Reply::ConnectionAdded {
            peer_id,
            connection_id: row.id,
        };
        connection = Some(row);
    }

    tx.insert_event(&EventRow {
        peer_id,
        connection_id: connection.as_ref().map(|c| c.id),
        ..session_event(session, event.category, &event.name, event.data.clone(), at)
    })
    .await?;

    let data: Value = event
        .data
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .unwrap_or(Value::Null);
    if let (Some(connection), Some(signal)) = (
        connection.as_mut(),
        ConnectionSignal::of_event(&event.name, &data),
    ) {
        connection_signal(tx, context, session, connection, signal, at).await?;
    }
    match event.name.as_str() {
        "getUserMedia" => get_user_media(tx, context, session, &data, at).await?,
        "removeConnection" => {
            if let Some(connection) = connection.as_mut() {
                lifecycle::end_connection(tx, context, connection, at).await?;
            }
        }
        "onicecandidateerror" => {
            let issue =
                NewIssue::new(IssueCode::IceCandidateError, at).with_data(event.data.clone());
            let issue = match connection.as_ref() {
                Some(connection) => issue.on(connection.id),
                None => issue,
            };
            insert_issue(tx, context, session, issue).await?;
        }
        "beforeunload" => lifecycle::end_session(tx, session.session_id, at, false).await?,
        "unload" | "endCall" => {
            lifecycle::end_open_connections(
                tx,
                context,
                ConnectionScope::Session(session.session_id),
                at,
            )
            .await?;
            lifecycle::end_session(tx, session.session_id, at, true).await?;
            end_of_session_checks(tx, context, session, at).await?;
            state.forget_session(session.session_id);
        }
        _ => {}
    }
    Ok(reply)
}

/// Events that mean nothing without the connection they are about.
fn needs_connection(name: &str) -> bool {
    matches!(name, "onnegotiationneeded" | "onconnectionstatechange")
}

async fn connection_signal(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    session: &SessionIdentity,
    connection: &mut ConnectionRow,
    signal: ConnectionSignal<'_>,
    at: i64,
) -> StoreResult<()> {
    let mut progress = progress_of(connection);
    let effects = progress.apply(signal, at);
    if store_progress(connection, progress) {
        // The setup time may be known now.
        context.touch(tx, connection.conference_id).await?;
        tx.save_connection(connection).await?;
    }
    if let Some(code) = effects.issue {
        insert_issue(
            tx,
            context,
            session,
            NewIssue::new(code, at).on(connection.id),
        )
        .await?;
    }
    if effects.closes {
        lifecycle::end_connection(tx, context, connection, at).await?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct MediaTrack {
    id: Option<String>,
    kind: Option<String>,
    label: Option<String>,
}

async fn get_user_media(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    session: &SessionIdentity,
    data: &Value,
    at: i64,
) -> StoreResult<()> {
    for kind in ["audio", "video"] {
        for track in data
            .get(kind)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Ok(parsed) = MediaTrack::deserialize(track) else {
                continue;
            };
            let Some(track_id) = parsed.id else { continue };
            tx.upsert_track(&TrackRow {
                id: Uuid::new_v4(),
                session_id: session.session_id,
                connection_id: None,
                kind: parsed.kind.unwrap_or_else(|| kind.to_owned()),
                direction: "outbound".to_owned(),
                track_id: track_id.chars().take(40).collect(),
                // A null label is fine (PeerMetrics crashed on it).
                label: parsed.label.map(|label| label.chars().take(128).collect()),
                info: track.to_string(),
                created_at: at,
            })
            .await?;
        }
    }
    if let Some(error) = data
        .get("error")
        .filter(|error| !error.is_null() && **error != Value::Bool(false))
    {
        let details = serde_json::json!({
            "name": error.get("name").cloned().unwrap_or(Value::Null),
            "message": error.get("message").cloned().unwrap_or(Value::Null),
        });
        let issue =
            NewIssue::new(IssueCode::GetUserMediaError, at).with_data(Some(details.to_string()));
        insert_issue(tx, context, session, issue).await?;
    }
    Ok(())
}

/// `no_media_access` and `no_connection`, judged when a session ends.
async fn end_of_session_checks(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    session: &SessionIdentity,
    at: i64,
) -> StoreResult<()> {
    let gum_events = tx
        .event_data_of_type(session.session_id, "getUserMedia")
        .await?;
    let (mut requests, mut failures) = (0, 0);
    for data in gum_events.iter().flatten() {
        let Ok(data) = serde_json::from_str::<Value>(data) else {
            continue;
        };
        requests += usize::from(data.get("constraints").is_some());
        failures += usize::from(data.get("error").is_some_and(|e| !e.is_null()));
    }
    if requests > 0
        && requests == failures
        && !tx
            .issue_exists(session.session_id, IssueCode::NoMediaAccess.as_str())
            .await?
    {
        insert_issue(
            tx,
            context,
            session,
            NewIssue::new(IssueCode::NoMediaAccess, at),
        )
        .await?;
    }

    let connections = tx.connections_of_session(session.session_id).await?;
    if !connections.is_empty()
        && connections.iter().all(|c| !c.established)
        && !tx
            .issue_exists(session.session_id, IssueCode::NoConnection.as_str())
            .await?
    {
        insert_issue(
            tx,
            context,
            session,
            NewIssue::new(IssueCode::NoConnection, at),
        )
        .await?;
    }
    Ok(())
}

async fn apply_track(tx: &mut dyn StoreTx, command: &TrackCommand) -> ApiResult<Reply> {
    let session = &command.session;
    let track_id: String = command.track_id.chars().take(40).collect();
    if let Some(connection_id) = command.connection_id {
        match tx.lock_connection(connection_id).await? {
            Some(row) if row.session_id == session.session_id => {}
            _ => return Err(ErrorCode::ConnectionNotFound.into()),
        }
    }
    let existing = tx.find_track(session.session_id, &track_id).await?;
    let track = match (&command.action, existing) {
        (_, Some(track)) => Some(track),
        (
            TrackAction::Added {
                kind,
                direction,
                label,
            },
            None,
        ) => {
            let row = TrackRow {
                id: Uuid::new_v4(),
                session_id: session.session_id,
                connection_id: command.connection_id,
                kind: kind.clone(),
                direction: direction.clone(),
                track_id: track_id.clone(),
                label: label.clone(),
                info: command.data.clone().unwrap_or_else(|| "{}".to_owned()),
                created_at: command.at,
            };
            let id = tx.upsert_track(&row).await?;
            Some(TrackRow { id, ..row })
        }
        (TrackAction::Changed, None) => None,
    };

    tx.insert_event(&EventRow {
        connection_id: command.connection_id,
        track_id: track.as_ref().map(|t| t.id),
        ..session_event(
            session,
            EventCategory::Track,
            &command.event,
            command.data.clone(),
            command.at,
        )
    })
    .await?;

    // PeerMetrics stores the event even for an unknown track, then reports it: the
    // event is kept (a success for the writer) and the answer says so.
    let Some(mut track) = track else {
        return Ok(Reply::UnknownTrack);
    };
    if matches!(command.action, TrackAction::Changed) {
        let mut info: Value =
            serde_json::from_str(&track.info).unwrap_or_else(|_| serde_json::json!({}));
        if !info.is_object() {
            info = serde_json::json!({});
        }
        match command.event.as_str() {
            "mute" => info["muted"] = Value::Bool(true),
            "unmute" => info["muted"] = Value::Bool(false),
            "ended" => {
                info["ended"] = Value::Bool(true);
                info["readyState"] = Value::String("ended".into());
            }
            _ => {}
        }
        track.info = info.to_string();
        tx.save_track_info(track.id, &track.info).await?;
    }
    Ok(Reply::Track(Box::new(track)))
}

/// Ends a conference whose clients vanished without `unload`, at the time of its last
/// activity, so the idle gap never counts as call time.
async fn sweep_stale(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    conference_id: Uuid,
    cutoff: i64,
) -> StoreResult<()> {
    let Some(facts) = context.conference(tx, conference_id).await? else {
        return Ok(());
    };
    if !facts.ongoing {
        return Ok(());
    }
    let last_activity = tx.last_activity(conference_id).await?.unwrap_or(cutoff);
    if last_activity >= cutoff {
        // Still alive: the coarse column was behind. Bring it up to date.
        if let Some(facts) = context.conference(tx, conference_id).await? {
            facts.saw_activity(last_activity);
        }
        return Ok(());
    }
    lifecycle::end_open_connections(
        tx,
        context,
        ConnectionScope::Conference(conference_id),
        last_activity,
    )
    .await?;
    for session_id in tx.sessions_of_conference(conference_id).await? {
        lifecycle::end_session(tx, session_id, last_activity, false).await?;
    }
    lifecycle::stop_conference_if_idle(tx, context, conference_id, last_activity).await
}
