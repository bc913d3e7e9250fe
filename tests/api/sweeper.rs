//! Stale conferences are ended at their last activity; the idle gap is not duration.

use std::time::Duration;

use callvitals::domain::conference::ConferenceFacts;
use callvitals::store::ConferenceRow;
use serde_json::json;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(a_vanished_call_is_ended_at_its_last_activity);

async fn a_vanished_call_is_ended_at_its_last_activity(engine: Engine) {
    // A reuse window longer than the test's 20 minutes, so initialize joins the
    // conference made below instead of starting a new one.
    let app = TestApp::spawn_with(
        engine,
        callvitals::config::SettingsLayer {
            conference_reuse_after_seconds: Some(3600),
            ..Default::default()
        },
    )
    .await;
    // The conference was created 20 minutes ago (initialize carries no delta).
    let twenty_minutes_ago = callvitals::domain::time::now_micros() - 20 * 60 * 1_000_000;
    let mut tx = app.store.begin().await.unwrap();
    let facts = ConferenceFacts::created(uuid::Uuid::new_v4(), app.app.id, twenty_minutes_ago);
    tx.insert_conference(&ConferenceRow::new("room-stale", None, &facts))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": "room-stale", "userId": "alice", "apiKey": app.app.api_key}),
        )
        .await;
    let session = app
        .post(
            "/v1/sessions",
            &json!({"platform": {}, "delta": 20 * 60_000, "token": init.json()["token"]}),
        )
        .await;
    let alice = session.json()["token"].as_str().unwrap().to_owned();
    // Connected 20 minutes ago, last stats 15 minutes ago, then silence.
    let (peer, connection) = app.add_connection(&alice, "bob", 20 * 60_000).await;
    let mut stats = stats_body(&alice, &peer, &connection, 1, "host", "udp");
    stats["delta"] = json!(15 * 60_000);
    assert_eq!(app.post("/v1/stats", &stats).await.status, 200);

    // The server's own writer: the sweep goes through the same queue as ingest.
    let writer = app.writer();
    // Not stale yet for a 30-minute idle limit.
    callvitals::sweeper::sweep_once(&app.store, &writer, Duration::from_secs(30 * 60))
        .await
        .unwrap();
    let conference_id = app.newest_conference_id().await;
    assert_eq!(app.conference(conference_id).await["ongoing"], true);

    // Stale for a 10-minute limit.
    let swept = callvitals::sweeper::sweep_once(&app.store, &writer, Duration::from_secs(10 * 60))
        .await
        .unwrap();
    assert_eq!(swept, 1);

    let conference = app.conference(conference_id).await;
    assert_eq!(conference["ongoing"], false);
    let duration = conference["duration"].as_i64().unwrap();
    assert!(
        (300..310).contains(&duration),
        "five active minutes, not twenty: {duration}"
    );
    let sessions = app
        .admin_get(&format!("/v1/sessions?conferenceId={conference_id}"))
        .await
        .json();
    assert!(
        sessions["results"][0]["end_time"].is_string(),
        "the session is ended too"
    );
    let connection_row = app
        .admin_get(&format!("/v1/connections/{connection}"))
        .await
        .json();
    let connection_duration = connection_row["data"]["duration"].as_i64().unwrap();
    assert!(
        (300..310).contains(&connection_duration),
        "ended at its last stats sample"
    );
    app.stop().await;
}
