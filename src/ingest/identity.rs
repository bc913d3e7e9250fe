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

/// Apps can change (recording, domain, keys), so they are re-read after this long.
/// The instance that makes a change forgets the app at once; others within this time.
const APP_TTL: Duration = Duration::from_secs(10);

/// Whether `api_key` still opens `app` at `now`: its current key, or its previous
/// one within the grace period.
fn key_opens(app: &AppRecord, api_key: &str, now: i64) -> bool {
    app.deleted_at.is_none()
        && (app.api_key == api_key
            || (app.previous_api_key.as_deref() == Some(api_key)
                && app.previous_key_expires_at.is_some_and(|until| now < until)))
}

#[derive(Default)]
pub struct IdentityCache {
    apps: RwLock<HashMap<String, (AppRecord, Instant)>>,
    /// Apps by id, for requests that carry a session token instead of a key.
    apps_by_id: RwLock<HashMap<Uuid, (Option<AppRecord>, Instant)>>,
    sessions: RwLock<HashMap<Uuid, SessionIdentity>>,
    connections: RwLock<HashMap<Uuid, (ConnectionIdentity, Instant)>>,
}

impl IdentityCache {
    /// The app with this API key. Unknown keys are not cached, so a new app works at
    /// once; the rate limiter bounds how often a bad key reaches the store.
    pub async fn app(&self, store: &dyn Store, api_key: &str) -> StoreResult<Option<AppRecord>> {
        let now = crate::domain::time::now_micros();
        if let Some((app, fetched)) = self
            .apps
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(api_key)
            && fetched.elapsed() < APP_TTL
            && key_opens(app, api_key, now)
        {
            return Ok(Some(app.clone()));
        }
        let found = store.app_by_api_key(api_key, now).await?;
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

    /// A live app by id (None once deleted), re-read after [`APP_TTL`].
    pub async fn app_by_id(
        &self,
        store: &dyn Store,
        app_id: Uuid,
    ) -> StoreResult<Option<AppRecord>> {
        if let Some((app, fetched)) = self
            .apps_by_id
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&app_id)
            && fetched.elapsed() < APP_TTL
        {
            return Ok(app.clone());
        }
        let found = store.accounts().app(app_id).await?;
        insert_bounded(&self.apps_by_id, app_id, (found.clone(), Instant::now()));
        Ok(found)
    }

    /// Forgets everything cached about an app, after this instance changed it.
    pub fn forget_app(&self, app_id: Uuid) {
        self.apps
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, (app, _)| app.id != app_id);
        self.apps_by_id
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&app_id);
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
