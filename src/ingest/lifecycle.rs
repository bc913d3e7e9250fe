//! Ending connections, sessions and conferences. A conference is ongoing while any of
//! its connections is open; its facts change only through the batch's ledger (see
//! `domain::conference` for the state machine).

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::domain::time::whole_seconds_between;
use crate::store::{ConnectionRow, ConnectionScope, StoreResult, StoreTx};

use super::apply::{BatchContext, progress_of, store_progress};

/// A connection was added at `at`: the session and conference become active.
pub async fn connection_started(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    connection: &ConnectionRow,
    at: i64,
) -> StoreResult<()> {
    if let Some(mut session) = tx.lock_session(connection.session_id).await?
        && session.call_start.is_none()
    {
        session.call_start = Some(at);
        tx.save_session(&session).await?;
    }
    if let Some(facts) = context.conference(tx, connection.conference_id).await? {
        facts.connection_opened(at);
    }
    Ok(())
}

/// Marks an open connection ended at `at` (never before it started): its state
/// closes and any negotiation still open fails. Returns the end time, or `None` if
/// it had already ended.
async fn close_connection(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    connection: &mut ConnectionRow,
    at: i64,
) -> StoreResult<Option<i64>> {
    if connection.end_time.is_some() {
        return Ok(None);
    }
    let end = at.max(connection.start_time);
    connection.end_time = Some(end);
    connection.duration_s = whole_seconds_between(connection.start_time, end);
    let mut progress = progress_of(connection);
    progress.close(end);
    store_progress(connection, progress);
    context.touch(tx, connection.conference_id).await?;
    tx.save_connection(connection).await?;
    context.ended_connections.push(connection.id);
    Ok(Some(end))
}

/// Ends one open connection at `at` and, if it was the last open one, stops the
/// session's and the conference's active period. The connection is saved before the
/// "all ended" checks run (PeerMetrics checked first and never stopped a call).
pub async fn end_connection(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    connection: &mut ConnectionRow,
    at: i64,
) -> StoreResult<()> {
    if let Some(end) = close_connection(tx, context, connection, at).await? {
        stop_session_if_idle(tx, connection.session_id).await?;
        stop_conference_if_idle(tx, context, connection.conference_id, end).await?;
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
    context: &mut BatchContext,
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
    if let Some(facts) = context.conference(tx, conference_id).await? {
        facts.last_connection_closed(at);
    }
    Ok(())
}

/// Ends every open connection in a scope at `at`, then runs the "all ended" checks
/// once per session and conference rather than once per connection.
pub async fn end_open_connections(
    tx: &mut dyn StoreTx,
    context: &mut BatchContext,
    scope: ConnectionScope,
    at: i64,
) -> StoreResult<()> {
    let mut sessions = BTreeSet::new();
    let mut conferences = BTreeMap::new();
    for connection_id in tx.open_connections(scope).await? {
        let Some(mut connection) = tx.lock_connection(connection_id).await? else {
            continue;
        };
        if let Some(end) = close_connection(tx, context, &mut connection, at).await? {
            sessions.insert(connection.session_id);
            let latest = conferences.entry(connection.conference_id).or_insert(end);
            *latest = (*latest).max(end);
        }
    }
    for session_id in sessions {
        stop_session_if_idle(tx, session_id).await?;
    }
    for (conference_id, end) in conferences {
        stop_conference_if_idle(tx, context, conference_id, end).await?;
    }
    Ok(())
}

/// The page is gone (`beforeunload`, `unload`, `endCall`, or the sweeper). `closes`
/// for `unload` and `endCall`: the session can open no connection after that.
pub async fn end_session(
    tx: &mut dyn StoreTx,
    session_id: Uuid,
    at: i64,
    closes: bool,
) -> StoreResult<()> {
    let Some(mut session) = tx.lock_session(session_id).await? else {
        return Ok(());
    };
    let end = *session.end_time.get_or_insert(at.max(session.created_at));
    session.duration_s = whole_seconds_between(session.created_at, end);
    if closes {
        session.closed_at.get_or_insert(at);
    }
    if tx
        .open_connections(ConnectionScope::Session(session_id))
        .await?
        .is_empty()
    {
        session.call_start = None;
    }
    tx.save_session(&session).await
}
