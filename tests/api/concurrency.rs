//! Many concurrent posts: every acknowledged one is in the store afterwards.

use std::sync::Arc;

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(every_acknowledged_post_is_stored);

async fn every_acknowledged_post_is_stored(engine: Engine) {
    let app = Arc::new(TestApp::spawn(engine).await);
    let mut connections = Vec::new();
    for index in 0..30 {
        let token = app
            .join(&format!("room-{}", index / 2), &format!("user-{index}"))
            .await;
        let (peer, connection) = app
            .add_connection(&token, &format!("peer-{index}"), 0)
            .await;
        connections.push((token, peer, connection));
    }

    let posts_per_connection = 12;
    let mut tasks = Vec::new();
    for (token, peer, connection) in connections.clone() {
        for tick in 1..=posts_per_connection {
            let app = app.clone();
            let (token, peer, connection) = (token.clone(), peer.clone(), connection.clone());
            tasks.push(tokio::spawn(async move {
                app.post(
                    "/v1/stats",
                    &stats_body(&token, &peer, &connection, tick, "host", "udp"),
                )
                .await
                .status
            }));
        }
    }
    let mut acknowledged = 0;
    for task in tasks {
        if task.await.unwrap() == 200 {
            acknowledged += 1;
        }
    }
    assert_eq!(
        acknowledged,
        30 * posts_per_connection,
        "no post was refused"
    );

    let mut stored = 0;
    for (_, _, connection) in &connections {
        let samples = app
            .maintenance
            .stats_samples(uuid::Uuid::parse_str(connection).unwrap())
            .await
            .unwrap();
        assert_eq!(samples.len() as i64, posts_per_connection);
        stored += samples.len() as i64;
    }
    assert_eq!(stored, acknowledged);
    assert_eq!(app.counts().await.track_samples, acknowledged * 4);

    Arc::try_unwrap(app)
        .ok()
        .expect("no other handle")
        .stop()
        .await;
}
