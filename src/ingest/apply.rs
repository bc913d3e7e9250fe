//! What each command does inside the writer's transaction. Every command validates
//! before it writes, so a refused command leaves the shared transaction untouched.
//! The one deliberate exception is `PUT /tracks` for an unknown track, which records
//! the event and then answers `track_not_found`, as PeerMetrics does.

use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::issue::IssueCode;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::store::{
    ConferenceCounts, ConnectionIdentity, ConnectionRow, ConnectionScope, EventRow, IssueRow,
    ParticipantUpsert, SessionIdentity, SessionRow, StoreResult, StoreTx, TrackRow,
};

use super::command::*;
use super::lifecycle::{self, AfterCommit};
use super::negotiation::Negotiations;
use super::samples::{SampleBuffer, SampleState};

/// Work gathered while a batch runs, finished just before or after its commit.
#[derive(Default)]
pub struct BatchContext {
    pub samples: SampleBuffer,
    /// Latest activity per conference seen in this batch.
    pub activity: std::collections::HashMap<Uuid, i64>,
    pub after_commit: AfterCommit,
    pub new_connections: Vec<ConnectionIdentity>,
}

impl BatchContext {
    fn saw_activity(&mut self, conference_id: Uuid, at: i64) {
        let latest = self.activity.entry(conference_id).or_insert(at);
        *latest = (*latest).max(at);
    }
}

pub async fn apply(
    tx: &mut dyn StoreTx,
    state: &mut SampleState,
    context: &mut BatchContext,
    command: &Command,
) -> ApiResult<Reply> {
    match command {
        Command::Initialize(command) => initialize(tx, command).await,
        Command::CreateSession(session) => {
            context.saw_activity(session.conference_id, session.created_at);
            create_session(tx, session).await
        }
        Command::UpdateSession(update) => update_session(tx, update).await,
        Command::Event(event) => {
            context.saw_activity(event.session.conference_id, event.at);
            apply_event(tx, state, context, event).await
        }
        Command::Stats(stats) => {
            context.saw_activity(stats.session.conference_id, stats.at);
            state.apply(tx, stats, &mut context.samples).await?;
            Ok(Reply::Done)
        }
        Command::Track(track) => {
            context.saw_activity(track.session.conference_id, track.at);
            apply_track(tx, track).await
        }
        Command::StopConference { conference_id, at } => {
            lifecycle::end_open_connections(
                tx,
                ConnectionScope::Conference(*conference_id),
                *at,
                &mut context.after_commit,
            )
            .await?;
            lifecycle::stop_conference_if_idle(tx, *conference_id, *at).await?;
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

async fn initialize(tx: &mut dyn StoreTx, command: &InitializeCommand) -> ApiResult<Reply> {
    let conference_id = tx
        .upsert_conference(
            command.app_id,
            &command.conference_id,
            command.conference_name.as_deref(),
            command.at,
        )
        .await?;
    let participant_id = tx
        .upsert_participant(&ParticipantUpsert {
            app_id: command.app_id,
            participant_id: &command.user_id,
            name: command.user_name.as_deref(),
            is_sfu: false,
            now: command.at,
        })
        .await?;
    tx.link_participant(conference_id, participant_id, command.at)
        .await?;
    Ok(Reply::Initialized {
        participant_id,
        conference_id,
    })
}

async fn create_session(tx: &mut dyn StoreTx, session: &SessionRow) -> ApiResult<Reply> {
    let earlier_sessions = tx
        .session_count(session.conference_id, session.participant_id)
        .await?;
    tx.insert_session(session).await?;
    let is_sfu = tx.participant_is_sfu(session.participant_id).await?;
    let counts = ConferenceCounts {
        sessions: 1,
        participants: i64::from(earlier_sessions == 0 && !is_sfu),
        ..Default::default()
    };
    tx.add_conference_counts(session.conference_id, counts)
        .await?;
    if earlier_sessions > 0 {
        let identity = SessionIdentity {
            session_id: session.id,
            app_id: session.app_id,
            conference_id: session.conference_id,
            participant_id: session.participant_id,
        };
        insert_issue(
            tx,
            &identity,
            IssueCode::MultipleRejoins,
            None,
            None,
            None,
            session.created_at,
        )
        .await?;
    }
    Ok(Reply::SessionCreated {
        session_id: session.id,
    })
}

async fn update_session(tx: &mut dyn StoreTx, update: &SessionUpdate) -> ApiResult<Reply> {
    let Some(mut session) = tx.lock_session(update.session.session_id).await? else {
        return Err(ErrorCode::InvalidToken.into());
    };
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

/// Inserts an issue; its conference's error or warning counter moves with it.
pub async fn insert_issue(
    tx: &mut dyn StoreTx,
    session: &SessionIdentity,
    code: IssueCode,
    connection_id: Option<Uuid>,
    track_id: Option<Uuid>,
    data: Option<String>,
    at: i64,
) -> StoreResult<()> {
    tx.insert_issue(&IssueRow {
        id: Uuid::new_v4(),
        app_id: session.app_id,
        conference_id: session.conference_id,
        session_id: session.session_id,
        participant_id: session.participant_id,
        connection_id,
        track_id,
        severity: code.severity().as_str().to_owned(),
        code: code.as_str().to_owned(),
        data,
        created_at: at,
    })
    .await
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
            .upsert_participant(&ParticipantUpsert {
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
        let already_connected = event.connection_state.as_deref() == Some("connected");
        let mut negotiations = Negotiations(Vec::new());
        if !already_connected {
            negotiations.start_initial(at);
        }
        let row = ConnectionRow {
            id: Uuid::new_v4(),
            app_id: session.app_id,
            conference_id: session.conference_id,
            session_id: session.session_id,
            participant_id: session.participant_id,
            peer_id,
            connection_type: None,
            state: if already_connected {
                "connected"
            } else {
                "new"
            }
            .to_owned(),
            negotiations: negotiations.to_json(),
            setup_time_ms: None,
            established: already_connected,
            start_time: at,
            created_at: at,
            ..Default::default()
        };
        tx.insert_connection(&row).await?;
        tx.add_conference_counts(
            session.conference_id,
            ConferenceCounts {
                connections: 1,
                ..Default::default()
            },
        )
        .await?;
        lifecycle::connection_started(tx, &row, at).await?;
        context.new_connections.push(ConnectionIdentity {
            connection_id: row.id,
            session_id: row.session_id,
            conference_id: row.conference_id,
            peer_id,
            ended: false,
        });
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
    let connection_id = connection.as_ref().map(|c| c.id);
    match event.name.as_str() {
        "getUserMedia" => get_user_media(tx, session, &data, at).await?,
        "removeConnection" => {
            if let Some(connection) = connection.as_mut() {
                lifecycle::end_connection(tx, connection, at, &mut context.after_commit).await?;
            }
        }
        "onnegotiationneeded" => {
            if let Some(connection) = connection.as_mut() {
                update_negotiations(tx, connection, |n| n.start_renegotiation(at)).await?;
            }
        }
        "onsignalingstatechange" => {
            let signaling_state = data
                .get("signalingState")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if let Some(connection) = connection.as_mut() {
                match signaling_state {
                    "have-local-offer" | "have-remote-offer" => {
                        update_negotiations(tx, connection, |n| n.start_renegotiation(at)).await?;
                    }
                    "stable" => update_negotiations(tx, connection, |n| n.mark_stable(at)).await?,
                    _ => {}
                }
            }
        }
        "onconnectionstatechange" | "oniceconnectionstatechange" => {
            let is_ice = event.name == "oniceconnectionstatechange";
            let new_state = data.as_str().unwrap_or_default();
            if let Some(connection) = connection.as_mut() {
                connection_state_changed(tx, context, session, connection, is_ice, new_state, at)
                    .await?;
            }
        }
        "onicecandidateerror" => {
            insert_issue(
                tx,
                session,
                IssueCode::IceCandidateError,
                connection_id,
                None,
                event.data.clone(),
                at,
            )
            .await?;
        }
        "beforeunload" => lifecycle::end_session(tx, session.session_id, at).await?,
        "unload" | "endCall" => {
            lifecycle::end_open_connections(
                tx,
                ConnectionScope::Session(session.session_id),
                at,
                &mut context.after_commit,
            )
            .await?;
            lifecycle::end_session(tx, session.session_id, at).await?;
            end_of_session_checks(tx, session, at).await?;
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

async fn update_negotiations(
    tx: &mut dyn StoreTx,
    connection: &mut ConnectionRow,
    change: impl FnOnce(&mut Negotiations),
) -> StoreResult<()> {
    let mut negotiations = Negotiations::parse(&connection.negotiations);
    change(&mut negotiations);
    let json = negotiations.to_json();
    if json != connection.negotiations {
        connection.negotiations = json;
        tx.save_connection(connection).await?;
    }
    Ok(())
}

async fn connection_state_changed(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    session: &SessionIdentity,
    connection: &mut ConnectionRow,
    is_ice: bool,
    new_state: &str,
    at: i64,
) -> StoreResult<()> {
    let connection_id = Some(connection.id);
    match new_state {
        "connected" | "completed" => {
            let mut negotiations = Negotiations::parse(&connection.negotiations);
            if let Some(setup_ms) = negotiations.mark_connected(at) {
                connection.setup_time_ms.get_or_insert(setup_ms);
            }
            connection.negotiations = negotiations.to_json();
            connection.state = "connected".into();
            connection.established = true;
            tx.save_connection(connection).await?;
        }
        "failed" => {
            let mut negotiations = Negotiations::parse(&connection.negotiations);
            negotiations.mark_failed(at);
            connection.negotiations = negotiations.to_json();
            if !is_ice {
                connection.state = "failed".into();
            }
            tx.save_connection(connection).await?;
            let code = if is_ice {
                IssueCode::IceFailed
            } else {
                IssueCode::ConnectionFailed
            };
            insert_issue(tx, session, code, connection_id, None, None, at).await?;
        }
        "disconnected" if !is_ice => {
            connection.state = "disconnected".into();
            tx.save_connection(connection).await?;
            insert_issue(
                tx,
                session,
                IssueCode::ConnectionDisconnected,
                connection_id,
                None,
                None,
                at,
            )
            .await?;
        }
        "closed" => {
            if !is_ice {
                connection.state = "closed".into();
            }
            lifecycle::end_connection(tx, connection, at, &mut context.after_commit).await?;
        }
        "new" | "connecting" | "checking" if !is_ice => {
            connection.state = new_state.into();
            tx.save_connection(connection).await?;
        }
        _ => {}
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
        insert_issue(
            tx,
            session,
            IssueCode::GetUserMediaError,
            None,
            None,
            Some(details.to_string()),
            at,
        )
        .await?;
    }
    Ok(())
}

/// `no_media_access` and `no_connection`, judged when a session ends.
async fn end_of_session_checks(
    tx: &mut dyn StoreTx,
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
        insert_issue(tx, session, IssueCode::NoMediaAccess, None, None, None, at).await?;
    }

    let connections = tx.connections_of_session(session.session_id).await?;
    let never_connected = |c: &ConnectionRow| {
        matches!(c.state.as_str(), "new" | "connecting" | "failed" | "closed") && !c.established
    };
    if !connections.is_empty()
        && connections.iter().all(never_connected)
        && !tx
            .issue_exists(session.session_id, IssueCode::NoConnection.as_str())
            .await?
    {
        insert_issue(tx, session, IssueCode::NoConnection, None, None, None, at).await?;
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

    // PeerMetrics stores the event even for an unknown track, then reports it.
    let Some(mut track) = track else {
        return Err(ErrorCode::TrackNotFound.into());
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
    let Some(conference) = tx.lock_conference(conference_id).await? else {
        return Ok(());
    };
    if !conference.ongoing {
        return Ok(());
    }
    let last_activity = tx.last_activity(conference_id).await?.unwrap_or(cutoff);
    if last_activity >= cutoff {
        // Still alive: the coarse column was behind. Bring it up to date.
        tx.touch_conferences(&[(conference_id, last_activity)])
            .await?;
        return Ok(());
    }
    lifecycle::end_open_connections(
        tx,
        ConnectionScope::Conference(conference_id),
        last_activity,
        &mut context.after_commit,
    )
    .await?;
    for session_id in tx.sessions_of_conference(conference_id).await? {
        lifecycle::end_session(tx, session_id, last_activity).await?;
    }
    lifecycle::stop_conference_if_idle(tx, conference_id, last_activity).await
}
