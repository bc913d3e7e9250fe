//! Ending connections, sessions and conferences. A conference is ongoing while any of
//! its connections is open; its duration sums only those active periods.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::domain::time::whole_seconds_between;
use crate::store::{ConnectionRow, ConnectionScope, StoreResult, StoreTx};

use super::negotiation::Negotiations;

/// Effects to publish only once the transaction has committed.
#[derive(Debug, Default)]
pub struct AfterCommit {
    pub ended_connections: Vec<Uuid>,
}

/// A connection was added at `at`: the session and conference become active.
pub async fn connection_started(
    tx: &mut dyn StoreTx,
    connection: &ConnectionRow,
    at: i64,
) -> StoreResult<()> {
    if let Some(mut session) = tx.lock_session(connection.session_id).await?
        && session.call_start.is_none()
    {
        session.call_start = Some(at);
        tx.save_session(&session).await?;
    }
    if let Some(mut conference) = tx.lock_conference(connection.conference_id).await? {
        conference.start_time.get_or_insert(at);
        if !conference.ongoing {
            conference.ongoing = true;
            conference.call_start = Some(at);
        }
        tx.save_conference(&conference).await?;
    }
    Ok(())
}

/// Marks an open connection ended at `at` (never before it started) and fails any
/// negotiation still open. Returns the end time, or `None` if it had already ended.
async fn close_connection(
    tx: &mut dyn StoreTx,
    connection: &mut ConnectionRow,
    at: i64,
    after_commit: &mut AfterCommit,
) -> StoreResult<Option<i64>> {
    if connection.end_time.is_some() {
        return Ok(None);
    }
    let end = at.max(connection.start_time);
    connection.end_time = Some(end);
    connection.duration_s = whole_seconds_between(connection.start_time, end);
    let mut negotiations = Negotiations::parse(&connection.negotiations);
    negotiations.fail_open(end);
    connection.negotiations = negotiations.to_json();
    tx.save_connection(connection).await?;
    after_commit.ended_connections.push(connection.id);
    Ok(Some(end))
}

/// Ends one open connection at `at` and, if it was the last open one, stops the
/// session's and the conference's active period. The connection is saved before the
/// "all ended" checks run (PeerMetrics checked first and never stopped a call).
pub async fn end_connection(
    tx: &mut dyn StoreTx,
    connection: &mut ConnectionRow,
    at: i64,
    after_commit: &mut AfterCommit,
) -> StoreResult<()> {
    if let Some(end) = close_connection(tx, connection, at, after_commit).await? {
        stop_session_if_idle(tx, connection.session_id).await?;
        stop_conference_if_idle(tx, connection.conference_id, end).await?;
    }
    Ok(())
}

/// Clears the session's active period when none of its connections is open.
async fn stop_session_if_idle(tx: &mut dyn StoreTx, session_id: Uuid) -> StoreResult<()> {
    if tx
        .open_connections(ConnectionScope::Session(session_id))
        .await?
        .is_empty()
        && let Some(mut session) = tx.lock_session(session_id).await?
        && session.call_start.is_some()
    {
        session.call_start = None;
        tx.save_session(&session).await?;
    }
    Ok(())
}

/// Closes the conference's active period when no connection is open any more.
pub async fn stop_conference_if_idle(
    tx: &mut dyn StoreTx,
    conference_id: Uuid,
    at: i64,
) -> StoreResult<()> {
    if !tx
        .open_connections(ConnectionScope::Conference(conference_id))
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let Some(mut conference) = tx.lock_conference(conference_id).await? else {
        return Ok(());
    };
    if !conference.ongoing {
        return Ok(());
    }
    if let Some(call_start) = conference.call_start.take() {
        conference.duration_s += whole_seconds_between(call_start, at);
    }
    conference.end_time = Some(at.max(conference.end_time.unwrap_or(at)));
    conference.ongoing = false;
    tx.save_conference(&conference).await
}

/// Ends every open connection in a scope at `at`, then runs the "all ended" checks
/// once per session and conference rather than once per connection.
pub async fn end_open_connections(
    tx: &mut dyn StoreTx,
    scope: ConnectionScope,
    at: i64,
    after_commit: &mut AfterCommit,
) -> StoreResult<()> {
    let mut sessions = BTreeSet::new();
    let mut conferences = BTreeMap::new();
    for connection_id in tx.open_connections(scope).await? {
        let Some(mut connection) = tx.lock_connection(connection_id).await? else {
            continue;
        };
        if let Some(end) = close_connection(tx, &mut connection, at, after_commit).await? {
            sessions.insert(connection.session_id);
            let latest = conferences.entry(connection.conference_id).or_insert(end);
            *latest = (*latest).max(end);
        }
    }
    for session_id in sessions {
        stop_session_if_idle(tx, session_id).await?;
    }
    for (conference_id, end) in conferences {
        stop_conference_if_idle(tx, conference_id, end).await?;
    }
    Ok(())
}

/// The page is gone (`beforeunload`, `unload`, `endCall`, or the sweeper).
pub async fn end_session(tx: &mut dyn StoreTx, session_id: Uuid, at: i64) -> StoreResult<()> {
    let Some(mut session) = tx.lock_session(session_id).await? else {
        return Ok(());
    };
    let end = *session.end_time.get_or_insert(at.max(session.created_at));
    session.duration_s = whole_seconds_between(session.created_at, end);
    if tx
        .open_connections(ConnectionScope::Session(session_id))
        .await?
        .is_empty()
    {
        session.call_start = None;
    }
    tx.save_session(&session).await
}
