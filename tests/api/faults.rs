//! Fault injection: a store wrapper that fails on demand, to show the writer's
//! failure paths: one bad command fails alone, a lost COMMIT answer applies nothing
//! twice, a panic restarts the shard, and eMOS issues survive transient errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use callvitals::config::SettingsLayer;
use callvitals::domain::access::Visibility;
use callvitals::domain::conference::ConferenceFacts;
use callvitals::store::*;
use serde_json::json;
use uuid::Uuid;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(
    a_failing_command_fails_alone_and_its_batch_commits,
    a_commit_whose_answer_is_lost_applies_nothing_twice,
    a_panicking_batch_restarts_the_shard,
    low_emos_still_fires_after_a_transient_error_mid_call
);

const COMMIT_NORMALLY: u8 = 0;
/// The COMMIT takes effect, but its answer is lost.
const COMMIT_THEN_FAIL: u8 = 1;
/// The connection breaks before the COMMIT: nothing takes effect.
const FAIL_BEFORE_COMMIT: u8 = 2;

#[derive(Default)]
pub struct Faults {
    /// `insert_event` of an event named "poison" runs a statement that really fails.
    poison_events: AtomicBool,
    commit: AtomicU8,
    /// The next `begin` waits, so that requests pile up into one batch.
    slow_next_begin: AtomicBool,
    panic_next_begin: AtomicBool,
    panic_every_begin: AtomicBool,
}

fn injected_io_error() -> StoreError {
    StoreError::Database(sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "injected: connection reset during COMMIT",
    )))
}

struct FaultyStore {
    inner: SharedStore,
    faults: Arc<Faults>,
}

struct FaultyTx {
    inner: Box<dyn StoreTx>,
    faults: Arc<Faults>,
}

#[async_trait]
impl Store for FaultyStore {
    fn engine(&self) -> Engine2 {
        self.inner.engine()
    }
    async fn migrate(&self) -> StoreResult<()> {
        self.inner.migrate().await
    }
    async fn health(&self) -> StoreResult<()> {
        self.inner.health().await
    }
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>> {
        if self.faults.panic_every_begin.load(Ordering::SeqCst)
            || self.faults.panic_next_begin.swap(false, Ordering::SeqCst)
        {
            panic!("injected panic in the writer");
        }
        if self.faults.slow_next_begin.swap(false, Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(400)).await;
        }
        Ok(Box::new(FaultyTx {
            inner: self.inner.begin().await?,
            faults: self.faults.clone(),
        }))
    }
    async fn close(&self) {
        self.inner.close().await
    }
    async fn shared_secret(&self, name: &str, generated: &str) -> StoreResult<String> {
        self.inner.shared_secret(name, generated).await
    }
    async fn app_by_api_key(&self, api_key: &str, now: i64) -> StoreResult<Option<AppRecord>> {
        self.inner.app_by_api_key(api_key, now).await
    }
    fn accounts(&self) -> &dyn AccountStore {
        self.inner.accounts()
    }
    fn rollups(&self) -> &dyn callvitals::store::RollupStore {
        self.inner.rollups()
    }
    fn drilldown(&self) -> &dyn DrillDownStore {
        self.inner.drilldown()
    }
    async fn session_identity(&self, id: Uuid) -> StoreResult<Option<SessionIdentity>> {
        self.inner.session_identity(id).await
    }
    async fn connection_identity(&self, id: Uuid) -> StoreResult<Option<ConnectionIdentity>> {
        self.inner.connection_identity(id).await
    }
    async fn init_identity(
        &self,
        conference: Uuid,
        participant: Uuid,
    ) -> StoreResult<Option<Uuid>> {
        self.inner.init_identity(conference, participant).await
    }
    async fn conference_by_customer_id(&self, app: Uuid, id: &str) -> StoreResult<Option<Uuid>> {
        self.inner.conference_by_customer_id(app, id).await
    }
    async fn participant_by_customer_id(&self, app: Uuid, id: &str) -> StoreResult<Option<Uuid>> {
        self.inner.participant_by_customer_id(app, id).await
    }
    async fn batch_committed(&self, batch_id: Uuid) -> StoreResult<bool> {
        self.inner.batch_committed(batch_id).await
    }
    async fn prune_batches(&self, before: i64) -> StoreResult<u64> {
        self.inner.prune_batches(before).await
    }
    async fn retention_periods(&self) -> StoreResult<Vec<(Uuid, i32)>> {
        self.inner.retention_periods().await
    }
    async fn prune_raw_rows(
        &self,
        app_id: Uuid,
        cutoff: i64,
        after: Option<(i64, Uuid)>,
        limit: i64,
    ) -> StoreResult<callvitals::store::RawPrune> {
        self.inner
            .prune_raw_rows(app_id, cutoff, after, limit)
            .await
    }
    async fn stale_conferences(&self, cutoff: i64, limit: i64) -> StoreResult<Vec<Uuid>> {
        self.inner.stale_conferences(cutoff, limit).await
    }
    async fn list(
        &self,
        visible: &Visibility,
        resource: Resource,
        filter: &ListFilter,
        page: &PageRequest,
    ) -> StoreResult<Page> {
        self.inner.list(visible, resource, filter, page).await
    }
    async fn get(
        &self,
        visible: &Visibility,
        resource: Resource,
        id: Uuid,
    ) -> StoreResult<Option<Record>> {
        self.inner.get(visible, resource, id).await
    }
}

type Engine2 = callvitals::store::Engine;

#[async_trait]
impl StoreTx for FaultyTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        match self.faults.commit.swap(COMMIT_NORMALLY, Ordering::SeqCst) {
            COMMIT_THEN_FAIL => {
                self.inner.commit().await?;
                Err(injected_io_error())
            }
            FAIL_BEFORE_COMMIT => {
                self.inner.rollback().await?;
                Err(injected_io_error())
            }
            _ => self.inner.commit().await,
        }
    }
    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        self.inner.rollback().await
    }
    fn begin_command(&mut self) {
        self.inner.begin_command()
    }
    fn end_commands(&mut self) {
        self.inner.end_commands()
    }
    async fn undo_command(&mut self) -> StoreResult<()> {
        self.inner.undo_command().await
    }
    async fn upsert_organization(&mut self, name: &str, now: i64) -> StoreResult<Uuid> {
        self.inner.upsert_organization(name, now).await
    }
    async fn insert_app(&mut self, app: &AppRecord) -> StoreResult<()> {
        self.inner.insert_app(app).await
    }
    async fn lock_conference_key(&mut self, app: Uuid, id: &str) -> StoreResult<()> {
        self.inner.lock_conference_key(app, id).await
    }
    async fn latest_conference(
        &mut self,
        app: Uuid,
        id: &str,
    ) -> StoreResult<Option<ConferenceRow>> {
        self.inner.latest_conference(app, id).await
    }
    async fn insert_conference(&mut self, row: &ConferenceRow) -> StoreResult<()> {
        self.inner.insert_conference(row).await
    }
    async fn rename_conference(&mut self, id: Uuid, name: &str) -> StoreResult<()> {
        self.inner.rename_conference(id, name).await
    }
    async fn load_conference(&mut self, id: Uuid) -> StoreResult<Option<ConferenceRow>> {
        self.inner.load_conference(id).await
    }
    async fn save_conference(&mut self, facts: &ConferenceFacts) -> StoreResult<()> {
        self.inner.save_conference(facts).await
    }
    async fn touch_conferences(&mut self, activity: &[(Uuid, i64)]) -> StoreResult<()> {
        self.inner.touch_conferences(activity).await
    }
    async fn last_activity(&mut self, id: Uuid) -> StoreResult<Option<i64>> {
        self.inner.last_activity(id).await
    }
    async fn upsert_own_participant(&mut self, p: &ParticipantUpsert<'_>) -> StoreResult<Uuid> {
        self.inner.upsert_own_participant(p).await
    }
    async fn ensure_peer_participant(&mut self, p: &ParticipantUpsert<'_>) -> StoreResult<Uuid> {
        self.inner.ensure_peer_participant(p).await
    }
    async fn link_participant(
        &mut self,
        conference: Uuid,
        participant: Uuid,
        now: i64,
    ) -> StoreResult<()> {
        self.inner
            .link_participant(conference, participant, now)
            .await
    }
    async fn participant_in_conference(
        &mut self,
        conference: Uuid,
        reference: &str,
    ) -> StoreResult<Option<Uuid>> {
        self.inner
            .participant_in_conference(conference, reference)
            .await
    }
    async fn participant_is_sfu(&mut self, id: Uuid) -> StoreResult<bool> {
        self.inner.participant_is_sfu(id).await
    }
    async fn insert_session(&mut self, session: &SessionRow) -> StoreResult<()> {
        self.inner.insert_session(session).await
    }
    async fn session_count(&mut self, conference: Uuid, participant: Uuid) -> StoreResult<i64> {
        self.inner.session_count(conference, participant).await
    }
    async fn lock_session(&mut self, id: Uuid) -> StoreResult<Option<SessionRow>> {
        self.inner.lock_session(id).await
    }
    async fn save_session(&mut self, session: &SessionRow) -> StoreResult<()> {
        self.inner.save_session(session).await
    }
    async fn sessions_of_conference(&mut self, id: Uuid) -> StoreResult<Vec<Uuid>> {
        self.inner.sessions_of_conference(id).await
    }
    async fn insert_connection(&mut self, connection: &ConnectionRow) -> StoreResult<()> {
        self.inner.insert_connection(connection).await
    }
    async fn lock_connection(&mut self, id: Uuid) -> StoreResult<Option<ConnectionRow>> {
        self.inner.lock_connection(id).await
    }
    async fn save_connection(&mut self, connection: &ConnectionRow) -> StoreResult<()> {
        self.inner.save_connection(connection).await
    }
    async fn open_connections(&mut self, scope: ConnectionScope) -> StoreResult<Vec<Uuid>> {
        self.inner.open_connections(scope).await
    }
    async fn connections_of_session(&mut self, id: Uuid) -> StoreResult<Vec<ConnectionRow>> {
        self.inner.connections_of_session(id).await
    }
    async fn upsert_track(&mut self, track: &TrackRow) -> StoreResult<Uuid> {
        self.inner.upsert_track(track).await
    }
    async fn find_track(&mut self, session: Uuid, track: &str) -> StoreResult<Option<TrackRow>> {
        self.inner.find_track(session, track).await
    }
    async fn save_track_info(&mut self, id: Uuid, info: &str) -> StoreResult<()> {
        self.inner.save_track_info(id, info).await
    }
    async fn insert_event(&mut self, event: &EventRow) -> StoreResult<()> {
        if event.event_type == "poison" && self.faults.poison_events.load(Ordering::SeqCst) {
            // A statement the database itself refuses (an issue of a session that does
            // not exist), so PostgreSQL really enters its aborted-transaction state.
            self.inner
                .insert_issue(&IssueRow {
                    id: Uuid::new_v4(),
                    app_id: event.app_id,
                    conference_id: event.conference_id,
                    session_id: Uuid::new_v4(),
                    participant_id: event.participant_id,
                    connection_id: None,
                    track_id: None,
                    severity: "error".into(),
                    code: "poison".into(),
                    data: None,
                    created_at: event.created_at,
                })
                .await?;
        }
        self.inner.insert_event(event).await
    }
    async fn event_data_of_type(
        &mut self,
        session: Uuid,
        kind: &str,
    ) -> StoreResult<Vec<Option<String>>> {
        self.inner.event_data_of_type(session, kind).await
    }
    async fn insert_issue(&mut self, issue: &IssueRow) -> StoreResult<()> {
        self.inner.insert_issue(issue).await
    }
    async fn issue_exists(&mut self, session: Uuid, code: &str) -> StoreResult<bool> {
        self.inner.issue_exists(session, code).await
    }
    async fn emos_tally(
        &mut self,
        session: Uuid,
        low: f64,
        very_low: f64,
    ) -> StoreResult<EmosTallyRow> {
        self.inner.emos_tally(session, low, very_low).await
    }
    async fn last_packet_counters(
        &mut self,
        connection: Uuid,
        ssrc: i64,
    ) -> StoreResult<Option<(i64, i64)>> {
        self.inner.last_packet_counters(connection, ssrc).await
    }
    async fn conference_inputs(
        &mut self,
        ids: &[Uuid],
    ) -> StoreResult<Vec<callvitals::domain::rollup::ConferenceInputs>> {
        self.inner.conference_inputs(ids).await
    }
    async fn conference_rows(
        &mut self,
        conferences: &mut [callvitals::domain::rollup::ConferenceInputs],
    ) -> StoreResult<()> {
        self.inner.conference_rows(conferences).await
    }
    async fn add_rollup_cells(
        &mut self,
        app_id: Uuid,
        cells: &[callvitals::store::rollups::Cell],
    ) -> StoreResult<()> {
        self.inner.add_rollup_cells(app_id, cells).await
    }
    async fn finish_batch(
        &mut self,
        id: Uuid,
        at: i64,
        stats: &[StatsSampleRow],
        tracks: &[TrackSampleRow],
    ) -> StoreResult<()> {
        self.inner.finish_batch(id, at, stats, tracks).await
    }
}

async fn spawn_faulty(engine: Engine) -> (TestApp, Arc<Faults>) {
    let faults = Arc::new(Faults::default());
    let wrap_faults = faults.clone();
    let app = TestApp::spawn_wrapped(engine, SettingsLayer::default(), move |inner| {
        Arc::new(FaultyStore {
            inner,
            faults: wrap_faults,
        })
    })
    .await;
    (app, faults)
}

async fn metric(app: &TestApp, name: &str) -> u64 {
    let text = app
        .client
        .get(&app.url("/metrics"), &[])
        .await
        .unwrap()
        .text();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name} ")))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or_else(|| panic!("metric {name} missing"))
}

async fn a_failing_command_fails_alone_and_its_batch_commits(engine: Engine) {
    let (app, faults) = spawn_faulty(engine).await;
    let alice = app.join("room-f", "alice").await;
    faults.poison_events.store(true, Ordering::SeqCst);
    let before = app.counts().await;

    // A slow first batch, so the next nine requests queue up into one batch.
    faults.slow_next_begin.store(true, Ordering::SeqCst);
    let first_body = json!({"eventName": "custom", "data": "first", "token": alice});
    let warm_up = app.post("/v1/events/browser", &first_body);
    let names = ["a", "b", "c", "d", "poison", "e", "f", "g", "h"];
    let bodies: Vec<_> = names
        .iter()
        .map(|name| json!({"eventName": name, "data": "x", "token": alice}))
        .collect();
    let (first, responses) = tokio::join!(warm_up, async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        futures_join_all(
            bodies
                .iter()
                .map(|body| app.post("/v1/events/browser", body)),
        )
        .await
    });
    assert_eq!(first.status, 200);
    for (name, response) in names.iter().zip(&responses) {
        if *name == "poison" {
            assert_eq!(response.status, 500, "{}", response.text());
            assert_eq!(response.json()["error_code"], "internal_error");
        } else {
            assert_eq!(response.status, 200, "{name}: {}", response.text());
        }
    }
    let after = app.counts().await;
    assert_eq!(after.events, before.events + 9, "everything but the poison");
    assert_eq!(
        after.issues, before.issues,
        "the failed statement left nothing"
    );
    assert_eq!(
        metric(&app, "callvitals_ingest_failed_commands_total").await,
        1
    );
    assert!(
        metric(&app, "callvitals_ingest_batches_total").await < 8,
        "the nine requests shared batches"
    );
    // The conference's facts are intact: the session still counts once.
    let conference = app.conference(app.newest_conference_id().await).await;
    assert_eq!(conference["participants_count"], 1);
    app.stop().await;
}

async fn a_commit_whose_answer_is_lost_applies_nothing_twice(engine: Engine) {
    let (app, faults) = spawn_faulty(engine).await;
    let alice = app.join("room-c", "alice").await;
    let before = app.counts().await;

    // The COMMIT takes effect but its answer is lost: the batch id says it committed.
    faults.commit.store(COMMIT_THEN_FAIL, Ordering::SeqCst);
    let (peer, connection) = app.add_connection(&alice, "bob", 0).await;
    let once = app.counts().await;
    assert_eq!(once.connections, before.connections + 1);
    assert_eq!(once.events, before.events + 1);

    // The connection breaks before the COMMIT: the batch is retried, once.
    faults.commit.store(FAIL_BEFORE_COMMIT, Ordering::SeqCst);
    let stats = app
        .post(
            "/v1/stats",
            &stats_body(&alice, &peer, &connection, 1, "relay", "tcp"),
        )
        .await;
    assert_eq!(stats.status, 200, "{}", stats.text());
    let after = app.counts().await;
    assert_eq!(after.connections, once.connections);
    assert_eq!(after.events, once.events);
    assert_eq!(after.stats_samples, once.stats_samples + 1);
    assert_eq!(after.track_samples, once.track_samples + 4);
    assert_eq!(
        after.issues,
        once.issues + 2,
        "tcp_used and turn_used, once each"
    );
    let conference = app.conference(app.newest_conference_id().await).await;
    assert_eq!(conference["warnings_count"], 2);
    assert_eq!(conference["participants_count"], 1);
    assert_eq!(
        metric(&app, "callvitals_ingest_commit_outcome_checks_total").await,
        2
    );
    app.stop().await;
}

async fn a_panicking_batch_restarts_the_shard(engine: Engine) {
    let (app, faults) = spawn_faulty(engine).await;
    let alice = app.join("room-p", "alice").await;
    let event = json!({"eventName": "custom", "data": "x", "token": alice});
    let before = app.counts().await;

    faults.panic_next_begin.store(true, Ordering::SeqCst);
    let failed = app.post("/v1/events/browser", &event).await;
    assert_eq!(failed.status, 503);
    assert_eq!(failed.json()["error_code"], "ingest_unavailable");
    assert_eq!(app.counts().await.events, before.events);

    let health = app.client.get(&app.url("/health"), &[]).await.unwrap();
    assert_eq!(health.status, 200, "one panic: restarted, healthy");
    assert_eq!(health.json()["ingest"]["panics"], 1);
    assert_eq!(app.post("/v1/events/browser", &event).await.status, 200);
    assert_eq!(app.counts().await.events, before.events + 1);

    // A crash loop is reported as ingest down, and recovers when the fault goes.
    faults.panic_every_begin.store(true, Ordering::SeqCst);
    for _ in 0..3 {
        assert_eq!(app.post("/v1/events/browser", &event).await.status, 503);
    }
    let health = app.client.get(&app.url("/health"), &[]).await.unwrap();
    assert_eq!(health.status, 503);
    assert_eq!(health.json()["ingest"]["status"], "crash_loop");
    faults.panic_every_begin.store(false, Ordering::SeqCst);
    assert_eq!(app.post("/v1/events/browser", &event).await.status, 200);
    app.stop().await;
}

async fn low_emos_still_fires_after_a_transient_error_mid_call(engine: Engine) {
    let (app, faults) = spawn_faulty(engine).await;
    let alice = app.join("room-e", "alice").await;
    let (peer, connection) = app.add_connection(&alice, "bob", 0).await;
    let body = |tick: i64| stats_body(&alice, &peer, &connection, tick, "host", "udp");
    // About 2 % loss per interval: an eMOS between 3 and 4 ("low") on every sample.
    assert_eq!(app.post("/v1/stats", &body(1)).await.status, 200);
    faults.commit.store(FAIL_BEFORE_COMMIT, Ordering::SeqCst);
    let retried = app.post("/v1/stats", &body(2)).await;
    assert_eq!(retried.status, 200, "retried after the transient error");
    assert_eq!(app.post("/v1/stats", &body(3)).await.status, 200);
    let issues = app
        .admin_get(&format!(
            "/v1/issues?conferenceId={}",
            app.newest_conference_id().await
        ))
        .await
        .json();
    let codes: Vec<&str> = issues["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|issue| issue["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        ["low_emos"],
        "three low samples make the issue, across the failure"
    );
    app.stop().await;
}

/// Runs futures concurrently and collects their outputs in order.
async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut outputs = Vec::with_capacity(set.len());
    // Poll all of them together by driving them inside one select loop.
    let results = std::sync::Mutex::new(Vec::new());
    let indexed = set.into_iter().enumerate().map(|(index, future)| {
        let results = &results;
        async move {
            let output = future.await;
            results.lock().unwrap().push((index, output));
        }
    });
    join_all_unit(indexed.collect()).await;
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(index, _)| *index);
    outputs.extend(results.into_iter().map(|(_, output)| output));
    outputs
}

async fn join_all_unit<F: std::future::Future<Output = ()>>(futures: Vec<F>) {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for slot in pinned.iter_mut() {
            if let Some(future) = slot {
                if future.as_mut().poll(cx).is_ready() {
                    *slot = None;
                } else {
                    pending = true;
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await
}
