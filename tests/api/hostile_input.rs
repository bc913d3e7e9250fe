//! Hostile input: text no store can keep, oversized and deeply nested payloads, and a
//! seeded fuzz run of mutated SDK bodies against every ingest endpoint. Nothing gets
//! a 5xx, the server stays healthy, and nobody else's data changes.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, chrome_platform, stats_body};

engine_tests!(
    text_no_store_can_keep_is_refused_by_field,
    oversized_and_deep_payloads_are_refused,
    mutated_sdk_bodies_never_get_a_5xx_nor_touch_other_data
);

async fn refused(app: &TestApp, path: &str, body: &str, code: &str, field: &str) {
    let before = app.counts().await;
    let response = app.post_raw(path, body.to_owned()).await;
    assert_eq!(
        response.status,
        400,
        "{path} {body:.200}: {}",
        response.text()
    );
    let answer = response.json();
    assert_eq!(answer["error_code"], code, "{}", response.text());
    assert!(
        answer["message"].as_str().unwrap().contains(field),
        "the message names {field}: {}",
        response.text()
    );
    assert_eq!(
        app.counts().await,
        before,
        "a refused request changes nothing"
    );
}

async fn text_no_store_can_keep_is_refused_by_field(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let key = &app.app.api_key;
    refused(
        &app,
        "/v1/initialize",
        &format!(r#"{{"conferenceId": "c", "userId": "ev\u0000il", "apiKey": "{key}"}}"#),
        "invalid_text",
        "userId",
    )
    .await;
    refused(
        &app,
        "/v1/initialize",
        &format!(r#"{{"conferenceId": "c\u0000", "userId": "u", "apiKey": "{key}"}}"#),
        "invalid_text",
        "conferenceId",
    )
    .await;
    let token = app.join("room-nul", "alice").await;
    let (peer, connection) = app.add_connection(&token, "bob", 0).await;
    refused(
        &app,
        "/v1/events/browser",
        &format!(r#"{{"eventName": "cus\u0000tom", "token": "{token}"}}"#),
        "invalid_text",
        "eventName",
    )
    .await;
    refused(
        &app,
        "/v1/connection",
        &format!(r#"{{"eventName": "addConnection", "peerId": "p\u0000", "token": "{token}"}}"#),
        "invalid_text",
        "peerId",
    )
    .await;
    let mut stats = stats_body(&token, &peer, &connection, 1, "host", "udp");
    stats["data"]["connection"]["local"]["candidateType"] = json!("relay\u{0}");
    refused(
        &app,
        "/v1/stats",
        &stats.to_string(),
        "invalid_text",
        "data.connection.local.candidateType",
    )
    .await;
    refused(
        &app,
        "/v1/tracks",
        &format!(
            r#"{{"event": "ontrack", "trackId": "t\u0000", "connectionId": "{connection}", "token": "{token}"}}"#
        ),
        "invalid_text",
        "trackId",
    )
    .await;
    app.stop().await;
}

async fn oversized_and_deep_payloads_are_refused(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.join("room-big", "alice").await;
    let (peer, connection) = app.add_connection(&token, "bob", 0).await;
    let deep = format!("{}1{}", "[".repeat(30), "]".repeat(30));
    refused(
        &app,
        "/v1/events/browser",
        &format!(r#"{{"eventName": "custom", "data": {deep}, "token": "{token}"}}"#),
        "nesting_too_deep",
        "deeper than 20",
    )
    .await;
    let mut platform = chrome_platform();
    platform["ua"] = json!("x".repeat(9 * 1024));
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": "room-big", "userId": "carol", "apiKey": app.app.api_key}),
        )
        .await
        .json()["token"]
        .clone();
    refused(
        &app,
        "/v1/sessions",
        &json!({"platform": platform, "token": init}).to_string(),
        "field_too_large",
        "platform",
    )
    .await;
    let put = app
        .put(
            "/v1/sessions",
            &json!({"platform": platform, "token": token}),
        )
        .await;
    assert_eq!(
        put.json()["error_code"],
        "field_too_large",
        "{}",
        put.text()
    );
    assert!(put.json()["message"].as_str().unwrap().contains("platform"));
    refused(
        &app,
        "/v1/events/browser",
        &json!({"eventName": "custom", "data": "y".repeat(40 * 1024), "token": token}).to_string(),
        "field_too_large",
        "data",
    )
    .await;
    let mut stats = stats_body(&token, &peer, &connection, 1, "host", "udp");
    let report = stats["data"]["video"]["inbound"][0].clone();
    let reports: Vec<Value> = (0..70)
        .map(|index| {
            let mut report = report.clone();
            report["ssrc"] = json!(index);
            report
        })
        .collect();
    stats["data"]["video"]["inbound"] = json!(reports);
    refused(
        &app,
        "/v1/stats",
        &stats.to_string(),
        "too_many_reports",
        "64",
    )
    .await;
    let tracks: Vec<Value> = (0..40)
        .map(|index| {
            let mut report = report.clone();
            report["trackIdentifier"] = json!(format!("track-{index}"));
            report
        })
        .collect();
    stats["data"]["video"]["inbound"] = json!(tracks);
    refused(
        &app,
        "/v1/stats",
        &stats.to_string(),
        "too_many_reports",
        "tracks",
    )
    .await;
    app.stop().await;
}

/// One mutation applied to a JSON body.
fn mutate(rng: &mut StdRng, body: &mut Value, foreign: &[Value]) {
    let Some(map) = body.as_object_mut() else {
        return;
    };
    if map.is_empty() {
        return;
    }
    let keys: Vec<String> = map.keys().cloned().collect();
    let key = keys[rng.gen_range(0..keys.len())].clone();
    let replacement = match rng.gen_range(0..11) {
        0 => {
            map.remove(&key);
            return;
        }
        1 => json!(null),
        2 => json!(rng.gen_range(-5..5)),
        3 => json!(["x", 1, null]),
        4 => json!({"nested": {"deeper": [1, 2]}}),
        5 => json!(true),
        6 => json!([
            1e308,
            -1e308,
            9_223_372_036_854_775_807u64,
            -9_223_372_036_854_775_807i64,
            1e-300
        ]),
        7 => {
            let text = map[&key].as_str().unwrap_or("text").to_owned();
            json!(format!("{text}\u{0}"))
        }
        8 => json!("z".repeat(rng.gen_range(1..80_000))),
        9 => foreign[rng.gen_range(0..foreign.len())].clone(),
        _ => {
            // Deep nesting around the current value.
            let mut value = map[&key].clone();
            for _ in 0..rng.gen_range(5..40) {
                value = json!([value]);
            }
            value
        }
    };
    map.insert(key, replacement);
}

/// Mutates a nested object too, so stats and event payloads get the same treatment.
fn mutate_deep(rng: &mut StdRng, body: &mut Value, foreign: &[Value]) {
    if rng.gen_bool(0.5)
        && let Some(data) = body.get_mut("data")
        && data.is_object()
    {
        let mut target = data;
        for _ in 0..3 {
            let keys: Vec<String> = target
                .as_object()
                .map(|map| {
                    map.iter()
                        .filter(|(_, v)| v.is_object())
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default();
            if keys.is_empty() || rng.gen_bool(0.3) {
                break;
            }
            let key = keys[rng.gen_range(0..keys.len())].clone();
            target = target.get_mut(&key).unwrap();
        }
        mutate(rng, target, foreign);
        return;
    }
    mutate(rng, body, foreign);
}

async fn snapshot(app: &TestApp, room: &str) -> Value {
    let conference = app
        .admin_get(&format!("/v1/conferences?appId={}&room={room}", app.app.id))
        .await
        .json()["results"][0]
        .clone();
    let id = conference["id"].as_str().unwrap().to_owned();
    let mut listed = serde_json::Map::new();
    for resource in ["participants", "sessions", "connections", "issues"] {
        let page = app
            .admin_get(&format!("/v1/{resource}?conferenceId={id}&limit=200"))
            .await
            .json();
        listed.insert(resource.into(), page["results"].clone());
    }
    let events = app
        .maintenance
        .events(uuid::Uuid::parse_str(&id).unwrap())
        .await
        .unwrap();
    listed.insert("conference".into(), conference);
    listed.insert("event_count".into(), json!(events.len()));
    Value::Object(listed)
}

async fn mutated_sdk_bodies_never_get_a_5xx_nor_touch_other_data(engine: Engine) {
    let seed: u64 = std::env::var("CALLVITALS_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(0x5eed_f022);
    let cases: usize = std::env::var("CALLVITALS_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(1500);
    let mut rng = StdRng::seed_from_u64(seed);
    let app = TestApp::spawn(engine).await;

    // The victim: a finished two-party call with stats and events.
    let alice = app.join("victim-room", "alice").await;
    let bob = app.join("victim-room", "bob").await;
    let (alice_peer, alice_connection) = app.add_connection(&alice, "bob", 60_000).await;
    let (_, bob_connection) = app.add_connection(&bob, "alice", 59_000).await;
    for tick in 1..=3 {
        let stats = stats_body(&alice, &alice_peer, &alice_connection, tick, "srflx", "udp");
        assert_eq!(app.post("/v1/stats", &stats).await.status, 200);
    }
    for token in [&alice, &bob] {
        let bye = app
            .post(
                "/v1/events/browser",
                &json!({"eventName": "unload", "token": token}),
            )
            .await;
        assert_eq!(bye.status, 200);
    }
    let victim = snapshot(&app, "victim-room").await;

    // The attacker: a participant of its own conference, with valid tokens.
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": "attack-room", "userId": "mallory", "apiKey": app.app.api_key}),
        )
        .await
        .json()["token"]
        .clone();
    let mallory = app.join("attack-room", "mallory").await;
    let (peer, connection) = app.add_connection(&mallory, "trent", 0).await;
    let forged = callvitals::domain::token::TokenKeys::new("x", "not-the-secret").mint_session(
        &callvitals::domain::token::SessionClaims {
            session: uuid::Uuid::new_v4(),
            issued_at: 2e9,
        },
    );
    let foreign = [
        json!(alice_connection),
        json!(bob_connection),
        json!(alice_peer),
        json!("alice"),
        json!("victim-room"),
        json!(forged),
        json!("eyJhbGciOiJub25lIn0.e30."),
        json!(init.clone()),
        json!(mallory.clone()),
        json!(connection.clone()),
    ];
    let templates: Vec<(&str, Value)> = vec![
        (
            "/v1/initialize",
            json!({"conferenceId": "attack-room", "conferenceName": "x", "userId": "mallory", "userName": "M", "apiKey": app.app.api_key}),
        ),
        (
            "/v1/sessions",
            json!({"platform": chrome_platform(), "constraints": {"audio": true}, "devices": [], "appVersion": "1", "meta": {"a": 1}, "webrtcSdk": "", "token": init}),
        ),
        (
            "PUT /v1/sessions",
            json!({"platform": chrome_platform(), "devices": [], "webrtcSdk": "x", "token": mallory}),
        ),
        (
            "/v1/connection",
            json!({"eventName": "addConnection", "peerId": "trent", "peerName": "T", "connectionState": "new", "isSfu": false, "token": mallory}),
        ),
        (
            "/v1/connection",
            json!({"eventName": "onconnectionstatechange", "data": "connected", "peerId": peer, "connectionId": connection, "token": mallory}),
        ),
        (
            "/v1/connection",
            json!({"eventName": "onsignalingstatechange", "data": {"signalingState": "stable"}, "peerId": peer, "connectionId": connection, "token": mallory}),
        ),
        (
            "/v1/connection",
            json!({"eventName": "onicecandidateerror", "data": {"errorCode": 701}, "peerId": peer, "connectionId": connection, "token": mallory}),
        ),
        (
            "/v1/connection",
            json!({"eventName": "removeConnection", "peerId": "trent", "connectionId": connection, "token": mallory}),
        ),
        (
            "/v1/events/browser",
            json!({"eventName": "custom", "data": {"k": "v"}, "delta": 10, "token": mallory}),
        ),
        (
            "/v1/events/browser",
            json!({"eventName": "mediaDeviceChange", "devices": [{"kind": "audioinput"}], "token": mallory}),
        ),
        (
            "/v1/events/get-user-media",
            json!({"eventName": "getUserMedia", "data": {"audio": [{"id": "a", "kind": "audio", "label": "Mic"}], "constraints": {"audio": true}}, "token": mallory}),
        ),
        (
            "/v1/stats",
            stats_body(&mallory, &peer, &connection, 5, "relay", "tcp"),
        ),
        (
            "/v1/tracks",
            json!({"event": "ontrack", "trackId": "t1", "connectionId": connection, "data": {"kind": "audio"}, "token": mallory}),
        ),
        (
            "PUT /v1/tracks",
            json!({"event": "mute", "trackId": "t1", "connectionId": connection, "token": mallory}),
        ),
        (
            "/v1/services/stop-conference",
            json!({"apiKey": app.app.api_key, "conferenceId": "victim-room"}),
        ),
        (
            "/v1/services/get-url",
            json!({"apiKey": app.app.api_key, "userId": "alice"}),
        ),
    ];

    for case in 0..cases {
        let (target, template) = &templates[rng.gen_range(0..templates.len())];
        let mut body = template.clone();
        for _ in 0..rng.gen_range(1..4) {
            mutate_deep(&mut rng, &mut body, &foreign);
        }
        let mut bytes = body.to_string().into_bytes();
        if rng.gen_ratio(1, 12) && !bytes.is_empty() {
            // Invalid UTF-8 somewhere in the text.
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = 0xff;
        }
        let (method, path) = match target.strip_prefix("PUT ") {
            Some(path) => (hyper::Method::PUT, path),
            None => (hyper::Method::POST, *target),
        };
        let response = app
            .client
            .send(
                method,
                &app.url(path),
                &[("content-type", "text/plain")],
                bytes.clone(),
            )
            .await
            .expect("the server answers");
        assert!(
            response.status.as_u16() < 500,
            "case {case} (seed {seed}): {target} got {}: {}\nbody: {:.2000}",
            response.status,
            response.text(),
            String::from_utf8_lossy(&bytes)
        );
        if case % 250 == 0 {
            let health = app.client.get(&app.url("/health"), &[]).await.unwrap();
            assert_eq!(
                health.status,
                200,
                "case {case} (seed {seed}): {}",
                health.text()
            );
        }
    }
    let health = app.client.get(&app.url("/health"), &[]).await.unwrap();
    assert_eq!(health.status, 200, "{}", health.text());
    assert_eq!(
        snapshot(&app, "victim-room").await,
        victim,
        "seed {seed}: the victim's call is unchanged"
    );
    app.stop().await;
}
