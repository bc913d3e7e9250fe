//! Operating surface: services endpoints, rate limiting, health, metrics and the CLI.

use callvitals::config::SettingsLayer;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp};

engine_tests!(
    stop_conference_ends_the_call_and_get_url_links_to_it,
    requests_over_the_rate_limit_get_429,
    apps_from_before_server_secrets_keep_working_with_the_key,
    health_and_metrics_report_the_server,
    an_app_with_a_domain_only_initializes_from_that_origin
);

async fn stop_conference_ends_the_call_and_get_url_links_to_it(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = app.join("room-9", "alice").await;
    app.add_connection(&alice, "bob", 60_000).await;
    let secret = format!("Bearer {}", app.server_secret);
    let with_secret = [("authorization", secret.as_str())];

    // The API key is public: new apps also need their server secret.
    let get_url = json!({"apiKey": app.app.api_key, "conferenceId": "room-9"});
    let refused = app.post_with("/v1/services/get-url", &get_url, &[]).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["error_code"], "invalid_server_secret");
    let wrong = app
        .post_with(
            "/v1/services/get-url",
            &get_url,
            &[("authorization", "Bearer nope")],
        )
        .await;
    assert_eq!(wrong.json()["error_code"], "invalid_server_secret");

    let url = app
        .post_with("/v1/services/get-url", &get_url, &with_secret)
        .await;
    assert_eq!(url.status, 200, "{}", url.text());
    let link = url.json()["url"].as_str().unwrap().to_owned();
    let conference_id = uuid::Uuid::parse_str(link.rsplit('/').next().unwrap()).unwrap();
    assert!(link.contains("/conference/"));
    let missing = app
        .post_with(
            "/v1/services/get-url",
            &json!({"apiKey": app.app.api_key, "conferenceId": "nope"}),
            &with_secret,
        )
        .await;
    assert_eq!(missing.json()["error_code"], "conference_not_found");

    let stop_body = json!({"apiKey": app.app.api_key, "conferenceId": "room-9"});
    let refused = app
        .post_with("/v1/services/stop-conference", &stop_body, &[])
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        app.conference(conference_id).await["ongoing"],
        true,
        "a refused stop changes nothing"
    );
    let stop = app
        .post_with("/v1/services/stop-conference", &stop_body, &with_secret)
        .await;
    assert_eq!(stop.status, 200, "{}", stop.text());
    assert_eq!(stop.text(), "{}");
    let conference = app.conference(conference_id).await;
    assert_eq!(conference["ongoing"], false);
    // 60 s by the delta, plus the test's own real time.
    assert!((60..70).contains(&conference["duration"].as_i64().unwrap()));
    app.stop().await;
}

async fn apps_from_before_server_secrets_keep_working_with_the_key(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // An app as the migration leaves those that existed before: no secret required.
    let legacy = callvitals::store::AppRecord {
        id: uuid::Uuid::new_v4(),
        name: "legacy".into(),
        api_key: "0123456789abcdef0123456789abcdef".into(),
        require_server_secret: false,
        server_secret_hash: None,
        ..app.app.clone()
    };
    let mut tx = app.store.begin().await.unwrap();
    tx.insert_app(&legacy).await.unwrap();
    tx.commit().await.unwrap();
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": "room-legacy", "userId": "u", "apiKey": legacy.api_key}),
        )
        .await;
    assert_eq!(init.status, 200, "{}", init.text());
    let url = app
        .post(
            "/v1/services/get-url",
            &json!({"apiKey": legacy.api_key, "conferenceId": "room-legacy"}),
        )
        .await;
    assert_eq!(url.status, 200, "{}", url.text());
    // A secret that is presented is still checked.
    let wrong = app
        .post_with(
            "/v1/services/get-url",
            &json!({"apiKey": legacy.api_key, "conferenceId": "room-legacy"}),
            &[("authorization", "Bearer guess")],
        )
        .await;
    assert_eq!(wrong.status, 403);
    app.stop().await;
}

async fn requests_over_the_rate_limit_get_429(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            rate_limit_per_minute: Some(3),
            ..Default::default()
        },
    )
    .await;
    let body = json!({"conferenceId": "c", "userId": "u", "apiKey": app.app.api_key});
    for _ in 0..3 {
        assert_eq!(app.post("/v1/initialize", &body).await.status, 200);
    }
    let limited = app.post("/v1/initialize", &body).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["error_code"], "rate_limited");
    // The read API and health are not behind the SDK limit.
    assert_eq!(
        app.client
            .get(&app.url("/health"), &[])
            .await
            .unwrap()
            .status,
        200
    );
    app.stop().await;
}

async fn health_and_metrics_report_the_server(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let health = app.client.get(&app.url("/health"), &[]).await.unwrap();
    assert_eq!(health.status, 200);
    let expected = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    assert_eq!(health.json()["engine"], expected);
    assert_eq!(health.json()["store"], "ok");
    assert_eq!(health.json()["ingest"]["status"], "ok");

    app.join("room-m", "alice").await;
    let metrics = app
        .client
        .get(&app.url("/metrics"), &[])
        .await
        .unwrap()
        .text();
    assert!(
        metrics.contains(
            r#"callvitals_http_requests_total{route="/v1/initialize",method="POST",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains(r#"callvitals_http_request_duration_seconds_count{route="/v1/sessions",method="POST",status="200"} 1"#));
    assert!(metrics.contains("callvitals_ingest_queue_depth 0"));
    assert!(metrics.contains("callvitals_ingest_commands_total 2"));
    app.stop().await;
}

async fn an_app_with_a_domain_only_initializes_from_that_origin(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let locked =
        callvitals::cli::create_app(&app.store, "Acme", "web", Some("meet.example.com".into()))
            .await
            .unwrap()
            .0;
    let body = json!({"conferenceId": "c", "userId": "u", "apiKey": locked.api_key}).to_string();
    let initialize = |origin: Option<&'static str>| {
        let body = body.clone();
        let app = &app;
        async move {
            let mut headers = vec![("content-type", "text/plain")];
            if let Some(origin) = origin {
                headers.push(("origin", origin));
            }
            app.client
                .send(
                    hyper::Method::POST,
                    &app.url("/v1/initialize"),
                    &headers,
                    body,
                )
                .await
                .unwrap()
        }
    };
    for refused in [
        None,
        Some("https://evil.example"),
        Some("https://sub.meet.example.com"),
    ] {
        let response = initialize(refused).await;
        assert_eq!(response.status, 403, "{refused:?}");
        assert_eq!(response.json()["error_code"], "domain_not_allowed");
    }
    let allowed = initialize(Some("https://meet.example.com:8443")).await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());
    assert_eq!(allowed.json()["batchConnectionEvents"], false);
    app.stop().await;
}

#[test]
fn app_create_prints_only_the_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_callvitals"))
        .args([
            "app",
            "create",
            "--org",
            "Acme",
            "--name",
            "web",
            "--data-dir",
        ])
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let key = stdout.strip_suffix('\n').unwrap();
    assert_eq!(key.len(), 32);
    assert!(
        key.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );

    // A second app in the same organization works against the same data directory.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_callvitals"))
        .args([
            "app",
            "create",
            "--org",
            "Acme",
            "--name",
            "mobile",
            "--data-dir",
        ])
        .arg(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(again.status.success());
    assert_ne!(String::from_utf8(again.stdout).unwrap(), stdout);
}
