//! Every bad input gets a 4xx with an error code, and changes nothing stored.

use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(bad_inputs_are_refused_without_side_effects);

async fn bad_inputs_are_refused_without_side_effects(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = app.join("room-1", "alice").await;
    let (peer, connection) = app.add_connection(&alice, "bob", 0).await;
    assert_eq!(
        app.post(
            "/v1/stats",
            &stats_body(&alice, &peer, &connection, 1, "host", "udp")
        )
        .await
        .status,
        200
    );

    // Another tenant's session, to own a connection Alice must not touch.
    let other = callvitals::cli::create_app(&app.store, "Other Corp", "other", None)
        .await
        .unwrap()
        .0;
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": "theirs", "userId": "mallory", "apiKey": other.api_key}),
        )
        .await;
    let session = app
        .post(
            "/v1/sessions",
            &json!({"platform": {}, "token": init.json()["token"]}),
        )
        .await;
    let mallory = session.json()["token"].as_str().unwrap().to_owned();
    let (_, foreign_connection) = app.add_connection(&mallory, "trent", 0).await;

    let before = app.counts().await;
    let expired = app.session_token_for(uuid::Uuid::new_v4(), 1_000_000_000.0);
    let forged = callvitals::domain::token::TokenKeys::new("x", "not-the-secret").mint_session(
        &callvitals::domain::token::SessionClaims {
            session: uuid::Uuid::new_v4(),
            issued_at: 2e9,
        },
    );
    let big = format!(
        r#"{{"token":"{alice}","eventName":"custom","data":"{}"}}"#,
        "x".repeat(70 * 1024)
    );

    let cases: Vec<(&str, &str, String, u16, &str)> = vec![
        (
            "bad json",
            "/v1/stats",
            "{\"token\": ".to_owned(),
            400,
            "unknown_error",
        ),
        (
            "not an object",
            "/v1/events/browser",
            "[1, 2, 3]".to_owned(),
            400,
            "invalid_parameters",
        ),
        (
            "wrong type",
            "/v1/events/browser",
            json!({"eventName": 5, "token": alice}).to_string(),
            400,
            "invalid_parameters",
        ),
        (
            "wrong delta",
            "/v1/events/browser",
            json!({"eventName": "x", "delta": "soon", "token": alice}).to_string(),
            400,
            "invalid_parameters",
        ),
        (
            "bad state",
            "/v1/connection",
            json!({"eventName": "onconnectionstatechange", "data": "melting", "peerId": peer,
            "connectionId": connection, "token": alice})
            .to_string(),
            400,
            "invalid_parameters",
        ),
        (
            "unknown app key",
            "/v1/initialize",
            json!({"conferenceId": "c", "userId": "u",
            "apiKey": "0123456789abcdef0123456789abcdef"})
            .to_string(),
            400,
            "invalid_api_key",
        ),
        (
            "malformed app key",
            "/v1/initialize",
            json!({"conferenceId": "c", "userId": "u", "apiKey": "short"}).to_string(),
            400,
            "invalid_api_key",
        ),
        (
            "missing parameters",
            "/v1/initialize",
            json!({"userId": "u", "apiKey": app.app.api_key}).to_string(),
            400,
            "missing_parameters",
        ),
        (
            "missing token",
            "/v1/events/browser",
            json!({"eventName": "custom"}).to_string(),
            401,
            "missing_token",
        ),
        (
            "expired token",
            "/v1/events/browser",
            json!({"eventName": "custom", "token": expired}).to_string(),
            401,
            "expired_token",
        ),
        (
            "forged token",
            "/v1/stats",
            stats_body(&forged, &peer, &connection, 2, "host", "udp").to_string(),
            401,
            "invalid_token",
        ),
        (
            "init token as session token",
            "/v1/events/browser",
            json!({"eventName": "custom", "token": init.json()["token"]}).to_string(),
            401,
            "invalid_token",
        ),
        (
            "someone else's connection (stats)",
            "/v1/stats",
            stats_body(&alice, &peer, &foreign_connection, 2, "relay", "tcp").to_string(),
            400,
            "connection_not_found",
        ),
        (
            "someone else's connection (close)",
            "/v1/connection",
            json!({"eventName": "onconnectionstatechange", "data": "closed",
            "peerId": peer, "connectionId": foreign_connection, "token": alice})
            .to_string(),
            400,
            "connection_not_found",
        ),
        (
            "someone else's connection (track)",
            "/v1/tracks",
            json!({"event": "ontrack", "trackId": "t",
            "connectionId": foreign_connection, "data": {"kind": "audio"}, "token": alice})
            .to_string(),
            400,
            "connection_not_found",
        ),
        (
            "unknown peer",
            "/v1/connection",
            json!({"eventName": "removePeer", "peerId": "nobody", "token": alice}).to_string(),
            400,
            "participant_not_found",
        ),
        (
            "self as peer",
            "/v1/connection",
            json!({"eventName": "addConnection", "peerId": "alice", "token": alice}).to_string(),
            400,
            "participant_equal_peer",
        ),
        (
            "too large",
            "/v1/events/browser",
            big,
            413,
            "payload_too_large",
        ),
        (
            "invalid meta",
            "/v1/sessions",
            json!({"meta": {"nested": {"a": 1}}, "token": init.json()["token"]}).to_string(),
            400,
            "invalid_meta",
        ),
    ];
    for (name, path, body, status, code) in cases {
        let response = app.post_raw(path, body).await;
        assert_eq!(
            response.status.as_u16(),
            status,
            "{name}: {}",
            response.text()
        );
        assert_eq!(response.json()["error_code"], code, "{name}");
        assert!(
            response.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{name} has a message"
        );
    }

    assert_eq!(
        app.counts().await,
        before,
        "refused requests stored nothing"
    );
    let foreign = app
        .store
        .connection_identity(uuid::Uuid::parse_str(&foreign_connection).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(!foreign.ended, "another tenant's connection was not closed");

    // Routing errors are JSON too.
    let missing = app
        .client
        .get(&app.url("/v1/nothing-here"), &[])
        .await
        .unwrap();
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error_code"], "not_found");
    let wrong_method = app.client.get(&app.url("/v1/stats"), &[]).await.unwrap();
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.json()["error_code"], "method_not_allowed");

    app.stop().await;
}
