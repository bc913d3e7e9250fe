//! Caches of who owns what. A session's app, conference and participant never change,
//! and neither does a connection's owner, so they are cached without expiry; only a
//! connection's "ended" flag can change, so it is re-read after a short while.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::store::{AppRecord, ConnectionIdentity, SessionIdentity, Store, StoreResult};

/// Entries kept per map before the map is cleared. Clearing costs one read per
/// active session afterwards, which is cheaper than tracking recency on every hit.
const CAPACITY: usize = 200_000;

/// How long a cached "not ended" may be trusted. Another instance may end the
/// connection; this bounds how long we keep accepting its stats.
const OPEN_CONNECTION_TTL: Duration = Duration::from_secs(30);

/// Apps can change (recording, domain), so they are re-read after this long.
const APP_TTL: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct IdentityCache {
    apps: RwLock<HashMap<String, (AppRecord, Instant)>>,
    sessions: RwLock<HashMap<Uuid, SessionIdentity>>,
    connections: RwLock<HashMap<Uuid, (ConnectionIdentity, Instant)>>,
}

impl IdentityCache {
    /// The app with this API key. Unknown keys are not cached, so a new app works at
    /// once; the rate limiter bounds how often a bad key reaches the store.
    pub async fn app(&self, store: &dyn Store, api_key: &str) -> StoreResult<Option<AppRecord>> {
        if let Some((app, fetched)) = self
            .apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(api_key)
            && fetched.elapsed() < APP_TTL
        {
            return Ok(Some(app.clone()));
        }
        let found = store.app_by_api_key(api_key).await?;
        let mut apps = self.apps.write().unwrap_or_else(PoisonError::into_inner);
        match &found {
            Some(app) => {
                if apps.len() >= CAPACITY {
                    apps.clear();
                }
                apps.insert(api_key.to_owned(), (app.clone(), Instant::now()));
            }
            None => {
                apps.remove(api_key);
            }
        }
        Ok(found)
    }

    pub async fn session(
        &self,
        store: &dyn Store,
        session_id: Uuid,
    ) -> StoreResult<Option<SessionIdentity>> {
        if let Some(found) = self
            .sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&session_id)
        {
            return Ok(Some(*found));
        }
        let found = store.session_identity(session_id).await?;
        if let Some(identity) = found {
            insert_bounded(&self.sessions, session_id, identity);
        }
        Ok(found)
    }

    pub async fn connection(
        &self,
        store: &dyn Store,
        connection_id: Uuid,
    ) -> StoreResult<Option<ConnectionIdentity>> {
        let cached = self
            .connections
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&connection_id)
            .copied();
        if let Some((identity, fetched)) = cached
            && (identity.ended || fetched.elapsed() < OPEN_CONNECTION_TTL)
        {
            return Ok(Some(identity));
        }
        let found = store.connection_identity(connection_id).await?;
        if let Some(identity) = found {
            insert_bounded(&self.connections, connection_id, (identity, Instant::now()));
        }
        Ok(found)
    }

    /// Called by the writer after it committed the end of a connection.
    pub fn mark_connection_ended(&self, connection_id: Uuid) {
        if let Some((identity, _)) = self
            .connections
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(&connection_id)
        {
            identity.ended = true;
        }
    }

    pub fn remember_connection(&self, identity: ConnectionIdentity) {
        insert_bounded(
            &self.connections,
            identity.connection_id,
            (identity, Instant::now()),
        );
    }
}

fn insert_bounded<V>(map: &RwLock<HashMap<Uuid, V>>, key: Uuid, value: V) {
    let mut map = map.write().unwrap_or_else(PoisonError::into_inner);
    if map.len() >= CAPACITY {
        map.clear();
    }
    map.insert(key, value);
}
