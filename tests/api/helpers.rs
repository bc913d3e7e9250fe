use callvitals::config::{Secret, Settings, SettingsLayer};
use callvitals::domain::access::Role;
use callvitals::domain::access::Visibility;
use callvitals::domain::token::{SessionClaims, TokenKeys};
use callvitals::http_client::{HttpClient, HttpResponse};
use callvitals::startup::Application;
use callvitals::store::accounts::UserRecord;
use callvitals::store::{AppRecord, SharedMaintenance, SharedStore, TableCounts};
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub const INIT_SECRET: &str = "test-init-secret";
pub const SESSION_SECRET: &str = "test-session-secret";
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Instantiates each listed async test fn (taking `Engine`) once per engine.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Engine::Sqlite).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Engine::Postgres).await;
                }
            }
        )*
    };
}

pub fn postgres_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh store: a temporary SQLite file, or a new PostgreSQL schema. PostgreSQL
/// must be reachable: a missing server fails the test rather than skipping it.
pub struct TestStore {
    pub store: SharedStore,
    pub maintenance: SharedMaintenance,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestStore {
    pub async fn new(engine: Engine) -> TestStore {
        let dir = tempfile::tempdir().expect("temp dir");
        match engine {
            Engine::Sqlite => {
                let (store, maintenance) =
                    callvitals::store::open_with_maintenance(None, dir.path())
                        .await
                        .expect("sqlite store");
                TestStore {
                    store,
                    maintenance,
                    schema: None,
                    _dir: dir,
                }
            }
            Engine::Postgres => {
                let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
                let (store, maintenance) =
                    callvitals::store::open_postgres_schema(&postgres_url(), &schema)
                        .await
                        .expect(
                            "PostgreSQL must be running for the test suite (TEST_DATABASE_URL)",
                        );
                TestStore {
                    store,
                    maintenance,
                    schema: Some(schema),
                    _dir: dir,
                }
            }
        }
    }

    /// Runs one SQL statement directly on the database (for tests that must reach
    /// under the store, such as tampering with the migration ledger).
    pub async fn execute(&self, sql: &str) {
        use sqlx::Executor;
        match &self.schema {
            Some(schema) => {
                let pool = sqlx::PgPool::connect(&postgres_url())
                    .await
                    .expect("connect");
                let mut connection = pool.acquire().await.expect("acquire");
                connection
                    .execute(format!("set search_path to {schema}").as_str())
                    .await
                    .expect("search path");
                connection.execute(sql).await.expect("statement");
                drop(connection);
                pool.close().await;
            }
            None => {
                let url = format!(
                    "sqlite://{}",
                    self._dir.path().join("callvitals.db").display()
                );
                let pool = sqlx::SqlitePool::connect(&url).await.expect("connect");
                pool.execute(sql).await.expect("statement");
                pool.close().await;
            }
        }
    }

    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = &self.schema {
            callvitals::store::drop_postgres_schema(&postgres_url(), schema)
                .await
                .expect("drop schema");
        }
    }
}

pub struct TestApp {
    pub base: String,
    /// The separate metrics listener, when the test configured one.
    pub metrics_base: Option<String>,
    pub client: HttpClient,
    pub store: SharedStore,
    pub maintenance: SharedMaintenance,
    pub app: AppRecord,
    /// The app's secret for `services/*`.
    pub server_secret: String,
    pub keys: TokenKeys,
    /// The server's own ingest writer (for tasks such as the sweeper). Dropped on
    /// stop: the writer drains and exits only when its last handle is gone.
    writer: Option<callvitals::ingest::Writer>,
    test_store: Option<TestStore>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

/// Test settings: known secrets and admin token, an ephemeral port, no rate limit and
/// a 64 KiB body limit, unless the test's own layer says otherwise.
pub fn settings(layer: SettingsLayer) -> Settings {
    Settings::from_layer(SettingsLayer {
        bind: Some("127.0.0.1:0".parse().unwrap()),
        admin_token: layer.admin_token.clone().or(Some(Secret::new(ADMIN_TOKEN))),
        init_token_secret: Some(Secret::new(INIT_SECRET)),
        session_token_secret: Some(Secret::new(SESSION_SECRET)),
        rate_limit_per_minute: layer.rate_limit_per_minute.or(Some(0)),
        read_rate_limit_per_minute: layer.read_rate_limit_per_minute.or(Some(0)),
        // Tests sweep on demand; the server's own sweeper must not race them.
        sweep_interval_seconds: layer.sweep_interval_seconds.or(Some(3600)),
        max_body_bytes: layer.max_body_bytes.or(Some(64 * 1024)),
        login_attempts_per_minute: layer.login_attempts_per_minute.or(Some(0)),
        ..layer
    })
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, SettingsLayer::default()).await
    }

    pub async fn spawn_with(engine: Engine, layer: SettingsLayer) -> TestApp {
        Self::spawn_wrapped(engine, layer, |store| store).await
    }

    /// A server whose store is wrapped first (fault injection).
    pub async fn spawn_wrapped(
        engine: Engine,
        layer: SettingsLayer,
        wrap: impl FnOnce(SharedStore) -> SharedStore,
    ) -> TestApp {
        callvitals::telemetry::init("warn");
        let test_store = TestStore::new(engine).await;
        let store = wrap(test_store.store.clone());
        let maintenance = test_store.maintenance.clone();
        let (app, server_secret) = callvitals::cli::create_app(&store, "Acme", "prod", None)
            .await
            .expect("app");
        let application = Application::build_with_store(settings(layer), store.clone())
            .await
            .expect("build");
        let base = format!("http://{}", application.address());
        let metrics_base = application
            .metrics_address()
            .map(|address| format!("http://{address}"));
        let writer = application.writer();
        let (shutdown, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(application.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestApp {
            base,
            metrics_base,
            client: HttpClient::default(),
            store,
            maintenance,
            app,
            server_secret,
            keys: TokenKeys::new(INIT_SECRET, SESSION_SECRET),
            writer: Some(writer),
            test_store: Some(test_store),
            shutdown: Some(shutdown),
            server: Some(server),
        }
    }

    /// Stops the server gracefully (draining the writer) and drops the store.
    pub async fn stop(mut self) {
        self.writer.take();
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
        if let Some(store) = self.test_store.take() {
            store.cleanup().await;
        }
    }

    pub fn writer(&self) -> callvitals::ingest::Writer {
        self.writer.clone().expect("the server is running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post(&self, path: &str, body: &Value) -> HttpResponse {
        self.client
            .post_text(&self.url(path), body.to_string())
            .await
            .expect("request")
    }

    pub async fn post_with(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> HttpResponse {
        let mut all = vec![("content-type", "text/plain")];
        all.extend_from_slice(headers);
        self.client
            .send(hyper::Method::POST, &self.url(path), &all, body.to_string())
            .await
            .expect("request")
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<axum::body::Bytes>) -> HttpResponse {
        self.client
            .post_text(&self.url(path), body)
            .await
            .expect("request")
    }

    pub async fn put(&self, path: &str, body: &Value) -> HttpResponse {
        self.client
            .send(
                hyper::Method::PUT,
                &self.url(path),
                &[("content-type", "text/plain")],
                body.to_string(),
            )
            .await
            .expect("request")
    }

    pub async fn admin_get(&self, path: &str) -> HttpResponse {
        let auth = format!("Bearer {ADMIN_TOKEN}");
        self.client
            .get(&self.url(path), &[("authorization", &auth)])
            .await
            .expect("request")
    }

    pub async fn counts(&self) -> TableCounts {
        self.maintenance.table_counts().await.expect("counts")
    }

    /// initialize + sessions, as the SDK does on page load. Returns the session token.
    pub async fn join(&self, conference: &str, user: &str) -> String {
        let init = self
            .post(
                "/v1/initialize",
                &json!({"conferenceId": conference, "conferenceName": "Daily standup", "userId": user,
                        "userName": user.to_uppercase(), "apiKey": self.app.api_key}),
            )
            .await;
        assert_eq!(init.status, 200, "initialize: {}", init.text());
        let init_token = init.json()["token"].as_str().unwrap().to_owned();
        let session = self
            .post(
                "/v1/sessions",
                &json!({"platform": chrome_platform(), "constraints": {"audio": true},
                        "devices": [{"deviceId": "default", "kind": "audioinput", "label": "Mic", "groupId": "g"}],
                        "appVersion": "1.2.3", "meta": {"plan": "pro", "score": 4.5}, "webrtcSdk": "",
                        "token": init_token}),
            )
            .await;
        assert_eq!(session.status, 200, "sessions: {}", session.text());
        session.json()["token"].as_str().unwrap().to_owned()
    }

    /// addConnection; returns (peer participant id, connection id).
    pub async fn add_connection(&self, token: &str, peer: &str, delta_ms: i64) -> (String, String) {
        let response = self
            .post(
                "/v1/connection",
                &json!({"eventName": "addConnection", "peerId": peer, "peerName": peer, "connectionState": "new",
                        "isSfu": false, "token": token, "delta": delta_ms}),
            )
            .await;
        assert_eq!(response.status, 200, "addConnection: {}", response.text());
        let body = response.json();
        (
            body["peer_id"].as_str().unwrap().to_owned(),
            body["connection_id"].as_str().unwrap().to_owned(),
        )
    }

    /// The id of the app's newest conference, read through the admin API.
    pub async fn newest_conference_id(&self) -> uuid::Uuid {
        let page = self
            .admin_get(&format!("/v1/conferences?appId={}&limit=1", self.app.id))
            .await;
        uuid::Uuid::parse_str(
            page.json()["results"][0]["id"]
                .as_str()
                .expect("a conference"),
        )
        .unwrap()
    }

    /// A conference as the store shows it (the read API's JSON shape).
    pub async fn conference(&self, id: uuid::Uuid) -> serde_json::Value {
        let found = self
            .store
            .get(
                &Visibility::Everything,
                callvitals::store::Resource::Conferences,
                id,
            )
            .await;
        callvitals::http::render::record_json(&found.expect("read").expect("the conference exists"))
    }

    pub fn session_token_for(&self, session: uuid::Uuid, issued_at: f64) -> String {
        self.keys
            .mint_session(&SessionClaims { session, issued_at })
    }
}

pub fn chrome_platform() -> Value {
    json!({"ua": "Mozilla/5.0 Chrome/124.0.0.0", "browser": {"name": "Chrome", "version": "124.0.0.0", "major": "124"},
           "engine": {"name": "Blink"}, "os": {"name": "Mac OS", "version": "10.15.7"}, "device": {}, "cpu": {}})
}

/// A stats body shaped like webrtc-stats 5.7 output, about 2 KB.
pub fn stats_body(
    token: &str,
    peer: &str,
    connection: &str,
    tick: i64,
    candidate_type: &str,
    protocol: &str,
) -> Value {
    json!({
        "data": {
            "audio": {
                "inbound": [{"id": "IT01A1", "type": "inbound-rtp", "kind": "audio", "ssrc": 1111, "trackIdentifier": "remote-audio",
                    "packetsReceived": 50 * tick, "packetsLost": tick, "bytesReceived": 4000 * tick, "jitter": 0.004,
                    "jitterBufferDelay": 48.0 * tick as f64, "jitterBufferEmittedCount": 960 * tick, "bitrate": 32000, "track": {}}],
                "outbound": [{"id": "OT01A", "type": "outbound-rtp", "kind": "audio", "ssrc": 2222, "packetsSent": 50 * tick,
                    "bytesSent": 4000 * tick, "bitrate": 32000, "track": {"trackIdentifier": "local-audio", "audioLevel": 0.02}}]
            },
            "video": {
                "inbound": [{"id": "IT01V1", "kind": "video", "ssrc": 3333, "trackIdentifier": "remote-video", "packetsReceived": 300 * tick,
                    "packetsLost": 0, "bytesReceived": 250000 * tick, "framesPerSecond": 30, "frameWidth": 1280, "frameHeight": 720,
                    "jitter": 0.01, "bitrate": 1500000, "track": {}}],
                "outbound": [{"id": "OT01V", "kind": "video", "ssrc": 4444, "packetsSent": 300 * tick, "bytesSent": 250000 * tick,
                    "framesPerSecond": 30, "frameWidth": 1280, "frameHeight": 720, "bitrate": 1500000,
                    "track": {"trackIdentifier": "local-video"}}]
            },
            "connection": {"id": "CP1", "state": "succeeded", "nominated": true, "bytesSent": 254000 * tick,
                "bytesReceived": 254000 * tick, "packetsSent": 350 * tick, "currentRoundTripTime": 0.031,
                "availableOutgoingBitrate": 2500000,
                "local": {"candidateType": candidate_type, "protocol": protocol, "address": "192.0.2.1", "port": 5000},
                "remote": {"candidateType": "srflx", "protocol": "udp"}},
            "remote": {"audio": {"inbound": [{"type": "remote-inbound-rtp", "ssrc": 2222, "roundTripTime": 0.03, "jitter": 0.002,
                "packetsLost": 1}], "outbound": []}, "video": {"inbound": [], "outbound": []}}
        },
        "peerId": peer, "connectionId": connection, "timeTaken": 3.1, "token": token
    })
}

/// How a dashboard request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    /// The session cookie's value.
    Cookie(String),
    Bearer(String),
}

#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: uuid::Uuid,
    pub email: String,
    pub password: String,
}

impl TestApp {
    /// A new user with `role` in `organization`, written straight to the store.
    pub async fn user_in(&self, organization: uuid::Uuid, role: Role) -> TestUser {
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let password = format!("pw-{}", uuid::Uuid::new_v4().simple());
        let user = UserRecord {
            id: uuid::Uuid::new_v4(),
            email: email.clone(),
            password_hash: callvitals::domain::password::hash(&password),
            created_at: callvitals::domain::time::now_micros(),
        };
        let accounts = self.store.accounts();
        accounts.create_user(&user).await.unwrap().unwrap();
        accounts
            .set_membership(organization, user.id, role, user.created_at)
            .await
            .unwrap()
            .unwrap();
        TestUser {
            id: user.id,
            email,
            password,
        }
    }

    /// Logs in as a browser would; returns the session cookie's value.
    pub async fn login(&self, user: &TestUser) -> String {
        let response = self
            .call(
                "POST",
                "/api/session",
                &Auth::Anonymous,
                Some(&json!({"email": user.email, "password": user.password})),
            )
            .await;
        assert_eq!(response.status, 200, "login: {}", response.text());
        session_cookie_of(&response).expect("login sets the session cookie")
    }

    /// A dashboard request. Like a browser on the dashboard's own page, it sends its
    /// origin with requests that change something.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        auth: &Auth,
        body: Option<&Value>,
    ) -> HttpResponse {
        let mut headers: Vec<(&str, String)> = vec![("content-type", "application/json".into())];
        match auth {
            Auth::Anonymous => {}
            Auth::Cookie(value) => headers.push(("cookie", format!("callvitals_session={value}"))),
            Auth::Bearer(token) => headers.push(("authorization", format!("Bearer {token}"))),
        }
        if method != "GET" {
            headers.push(("origin", self.base.clone()));
        }
        self.call_with(method, path, &headers, body).await
    }

    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> HttpResponse {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.client
            .send(
                hyper::Method::from_bytes(method.as_bytes()).unwrap(),
                &self.url(path),
                &headers,
                body.map(Value::to_string).unwrap_or_default(),
            )
            .await
            .expect("request")
    }
}

/// The session cookie a response sets (None when it sets none or clears it).
pub fn session_cookie_of(response: &HttpResponse) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| value.strip_prefix("callvitals_session="))
        .and_then(|rest| rest.split(';').next())
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}
