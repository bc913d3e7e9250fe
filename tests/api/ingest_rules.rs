//! The rules ingest applies: every issue code fires when it should, connection state
//! does not depend on the order a burst arrives in, standing rooms start new
//! conferences, a page that said goodbye cannot reopen its call, and a client can only
//! name its own participant.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(
    each_issue_code_fires_when_it_should,
    every_order_of_a_first_burst_stores_the_same_connection,
    a_standing_room_used_on_two_days_gives_two_conferences,
    a_page_that_said_goodbye_cannot_reopen_its_call,
    a_client_can_only_name_its_own_participant
);

/// The newest conference with this customer id, as the read API shows it.
async fn conference_of(app: &TestApp, room: &str) -> Value {
    let page = app
        .admin_get(&format!(
            "/v1/conferences?appId={}&room={room}&limit=1",
            app.app.id
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.text());
    page.json()["results"][0].clone()
}

async fn issue_codes(app: &TestApp, room: &str) -> Vec<String> {
    let conference = conference_of(app, room).await;
    let issues = app
        .admin_get(&format!(
            "/v1/issues?conferenceId={}&limit=200",
            conference["id"].as_str().unwrap()
        ))
        .await
        .json();
    let mut codes: Vec<String> = issues["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|issue| issue["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

async fn event(app: &TestApp, path: &str, token: &str, mut body: Value) {
    body["token"] = json!(token);
    let response = app.post(path, &body).await;
    assert_eq!(response.status, 200, "{body}: {}", response.text());
}

async fn state_change(
    app: &TestApp,
    token: &str,
    peer: &str,
    connection: &str,
    name: &str,
    data: Value,
) {
    event(
        app,
        "/v1/connection",
        token,
        json!({"eventName": name, "data": data, "peerId": peer, "connectionId": connection}),
    )
    .await;
}

/// A stats body with `lost_per_tick` of every 50 inbound audio packets lost.
fn lossy_stats(token: &str, peer: &str, connection: &str, tick: i64, lost_per_tick: i64) -> Value {
    let mut body = stats_body(token, peer, connection, tick, "host", "udp");
    body["data"]["audio"]["inbound"][0]["packetsLost"] = json!(lost_per_tick * tick);
    body
}

async fn each_issue_code_fires_when_it_should(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let gum = "/v1/events/get-user-media";

    // getusermedia_error: one failed request among successful ones.
    let token = app.join("r-gum", "u1").await;
    event(
        &app,
        gum,
        &token,
        json!({"eventName": "getUserMedia", "data": {"constraints": {"audio": true}}}),
    )
    .await;
    event(&app, gum, &token, json!({"eventName": "getUserMedia", "data": {"error": {"name": "NotAllowedError", "message": "denied"}}})).await;
    assert_eq!(issue_codes(&app, "r-gum").await, ["getusermedia_error"]);

    // no_media_access: every request failed, judged when the page leaves.
    event(
        &app,
        "/v1/events/browser",
        &token,
        json!({"eventName": "unload"}),
    )
    .await;
    assert_eq!(
        issue_codes(&app, "r-gum").await,
        ["getusermedia_error", "no_media_access"]
    );

    // multiple_rejoins: a second session of the same participant.
    app.join("r-rejoin", "u2").await;
    app.join("r-rejoin", "u2").await;
    assert_eq!(issue_codes(&app, "r-rejoin").await, ["multiple_rejoins"]);

    // icecandidateerror, connection_disconnected, connection_failed, ice_failed.
    let token = app.join("r-states", "u3").await;
    let (peer, connection) = app.add_connection(&token, "p3", 0).await;
    event(
        &app,
        "/v1/connection",
        &token,
        json!({"eventName": "onicecandidateerror", "peerId": peer, "connectionId": connection,
               "data": {"errorCode": 701, "errorText": "STUN host lookup failed"}}),
    )
    .await;
    state_change(
        &app,
        &token,
        &peer,
        &connection,
        "onconnectionstatechange",
        json!("connected"),
    )
    .await;
    state_change(
        &app,
        &token,
        &peer,
        &connection,
        "onconnectionstatechange",
        json!("disconnected"),
    )
    .await;
    state_change(
        &app,
        &token,
        &peer,
        &connection,
        "oniceconnectionstatechange",
        json!("failed"),
    )
    .await;
    state_change(
        &app,
        &token,
        &peer,
        &connection,
        "onconnectionstatechange",
        json!("failed"),
    )
    .await;
    assert_eq!(
        issue_codes(&app, "r-states").await,
        [
            "connection_disconnected",
            "connection_failed",
            "ice_failed",
            "icecandidateerror"
        ]
    );

    // no_connection: the page leaves without any connection having connected.
    let token = app.join("r-never", "u4").await;
    app.add_connection(&token, "p4", 0).await;
    event(
        &app,
        "/v1/events/browser",
        &token,
        json!({"eventName": "unload"}),
    )
    .await;
    assert_eq!(issue_codes(&app, "r-never").await, ["no_connection"]);

    // tcp_used and turn_used: a relayed candidate over TCP, reported once each.
    let token = app.join("r-relay", "u5").await;
    let (peer, connection) = app.add_connection(&token, "p5", 0).await;
    for tick in 1..=2 {
        let response = app
            .post(
                "/v1/stats",
                &stats_body(&token, &peer, &connection, tick, "relay", "tcp"),
            )
            .await;
        assert_eq!(response.status, 200);
    }
    assert_eq!(
        issue_codes(&app, "r-relay").await,
        ["tcp_used", "turn_used"]
    );

    // low_emos: three samples with ~2 % loss; very_low_emos: three with ~29 %.
    for (room, lost, expected) in [
        ("r-low", 1, "low_emos"),
        ("r-very-low", 20, "very_low_emos"),
    ] {
        let token = app.join(room, "u6").await;
        let (peer, connection) = app.add_connection(&token, "p6", 0).await;
        for tick in 1..=2 {
            assert_eq!(
                app.post(
                    "/v1/stats",
                    &lossy_stats(&token, &peer, &connection, tick, lost)
                )
                .await
                .status,
                200
            );
        }
        assert!(
            issue_codes(&app, room).await.is_empty(),
            "two samples are not 30 s"
        );
        assert_eq!(
            app.post(
                "/v1/stats",
                &lossy_stats(&token, &peer, &connection, 3, lost)
            )
            .await
            .status,
            200
        );
        assert_eq!(issue_codes(&app, room).await, [expected]);
        assert_eq!(
            app.post(
                "/v1/stats",
                &lossy_stats(&token, &peer, &connection, 4, lost)
            )
            .await
            .status,
            200
        );
        assert_eq!(
            issue_codes(&app, room).await,
            [expected],
            "once per session"
        );
    }

    // Every issue moved its conference's counts.
    let conference = conference_of(&app, "r-states").await;
    assert_eq!(conference["errors_count"], 2);
    assert_eq!(conference["warnings_count"], 2);
    app.stop().await;
}

/// The callee's first burst after addConnection, as the SDK 2.7 sends it.
const BURST: [(&str, &str); 6] = [
    ("onsignalingstatechange", "have-remote-offer"),
    ("onsignalingstatechange", "stable"),
    ("oniceconnectionstatechange", "checking"),
    ("onconnectionstatechange", "connecting"),
    ("oniceconnectionstatechange", "connected"),
    ("onconnectionstatechange", "connected"),
];

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for index in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(index);
        for mut tail in permutations(&rest) {
            tail.insert(0, first);
            out.push(tail);
        }
    }
    out
}

async fn every_order_of_a_first_burst_stores_the_same_connection(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.join("r-burst", "caller").await;
    let orders = permutations(&[0, 1, 2, 3, 4, 5]);
    assert_eq!(orders.len(), 720);
    // Each order on its own connection, 24 connections at a time.
    for chunk in orders.chunks(24) {
        let mut tasks = Vec::new();
        for (offset, order) in chunk.iter().enumerate() {
            let (peer, connection) = app
                .add_connection(&token, &format!("peer-{offset}"), 0)
                .await;
            let order = order.clone();
            let (base, client, token) = (app.base.clone(), app.client.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                for index in order {
                    let (name, state) = BURST[index];
                    let data = if name == "onsignalingstatechange" {
                        json!({"signalingState": state})
                    } else {
                        json!(state)
                    };
                    let body = json!({"eventName": name, "data": data, "peerId": peer,
                                      "connectionId": connection, "token": token});
                    let response = client
                        .post_text(&format!("{base}/v1/connection"), body.to_string())
                        .await
                        .unwrap();
                    assert_eq!(response.status, 200, "{}", response.text());
                }
                connection
            }));
        }
        for task in tasks {
            let connection = task.await.unwrap();
            let stored = app
                .admin_get(&format!("/v1/connections/{connection}"))
                .await
                .json()["data"]
                .clone();
            let context = format!("connection {connection}: {stored}");
            assert_eq!(stored["state"], "connected", "{context}");
            let negotiations = stored["connection_info"]["negotiations"]
                .as_array()
                .unwrap()
                .clone();
            assert_eq!(negotiations.len(), 1, "{context}");
            assert_eq!(negotiations[0]["type"], "initial", "{context}");
            assert_eq!(negotiations[0]["status"], "connected", "{context}");
            assert!(stored["setup_time_ms"].is_i64(), "{context}");
        }
    }
    app.stop().await;
}

async fn a_standing_room_used_on_two_days_gives_two_conferences(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    // Yesterday's standup: joined, connected, ended.
    let yesterday = app.join("standup", "alice").await;
    let (peer, connection) = app.add_connection(&yesterday, "bob", 0).await;
    state_change(
        &app,
        &yesterday,
        &peer,
        &connection,
        "onconnectionstatechange",
        json!("closed"),
    )
    .await;
    let first = conference_of(&app, "standup").await;
    assert_eq!(first["ongoing"], false);
    // A day passes: make the conference's last activity a day old.
    let day = 86_400_000_000i64;
    let mut tx = app.store.begin().await.unwrap();
    let id = uuid::Uuid::parse_str(first["id"].as_str().unwrap()).unwrap();
    let mut facts = tx.load_conference(id).await.unwrap().unwrap().facts();
    facts.last_activity_at -= day;
    tx.save_conference(&facts).await.unwrap();
    tx.commit().await.unwrap();

    let today = app.join("standup", "alice").await;
    let second = conference_of(&app, "standup").await;
    assert_ne!(second["id"], first["id"], "a new conference for a new day");
    // While it is in use, joining again keeps the same conference.
    app.add_connection(&today, "bob", 0).await;
    app.join("standup", "bob").await;
    assert_eq!(conference_of(&app, "standup").await["id"], second["id"]);
    let room = app
        .admin_get(&format!(
            "/v1/conferences?appId={}&room=standup",
            app.app.id
        ))
        .await
        .json();
    assert_eq!(room["count"], 2, "the read API lists a room's conferences");
    // An ongoing conference reads its active time so far, not 0.
    assert_eq!(conference_of(&app, "standup").await["ongoing"], true);
    app.stop().await;
}

async fn a_page_that_said_goodbye_cannot_reopen_its_call(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.join("r-bye", "alice").await;
    let (peer, connection) = app.add_connection(&token, "bob", 30_000).await;
    state_change(
        &app,
        &token,
        &peer,
        &connection,
        "onconnectionstatechange",
        json!("connected"),
    )
    .await;
    let live = conference_of(&app, "r-bye").await;
    assert!(
        live["duration"].as_i64().unwrap() >= 30,
        "ongoing: active time so far"
    );
    event(
        &app,
        "/v1/events/browser",
        &token,
        json!({"eventName": "unload"}),
    )
    .await;

    let stored = app
        .admin_get(&format!("/v1/connections/{connection}"))
        .await
        .json()["data"]
        .clone();
    assert_eq!(
        stored["state"], "closed",
        "unload closes the connection's state"
    );
    assert!(stored["end_time"].is_string());
    let reopen = app
        .post(
            "/v1/connection",
            &json!({"eventName": "addConnection", "peerId": "carol", "connectionState": "new", "token": token}),
        )
        .await;
    assert_eq!(reopen.status, 400);
    assert_eq!(reopen.json()["error_code"], "session_closed");
    assert_eq!(conference_of(&app, "r-bye").await["ongoing"], false);
    app.stop().await;
}

async fn a_client_can_only_name_its_own_participant(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let alice = app.join("r-names", "alice").await;
    let mallory = app.join("r-names", "mallory").await;
    // Mallory names Alice as her peer, with another name and as an SFU.
    let response = app
        .post(
            "/v1/connection",
            &json!({"eventName": "addConnection", "peerId": "alice", "peerName": "Eve",
                    "isSfu": true, "connectionState": "new", "token": mallory}),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let conference = conference_of(&app, "r-names").await;
    let participants = app
        .admin_get(&format!(
            "/v1/participants?conferenceId={}",
            conference["id"].as_str().unwrap()
        ))
        .await
        .json();
    let alice_row = participants["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["participant_id"] == "alice")
        .cloned()
        .unwrap();
    assert_eq!(
        alice_row["participant_name"], "ALICE",
        "only Alice names Alice"
    );
    assert_eq!(alice_row["is_sfu"], false);
    // Alice still counts as a participant; an SFU a client names is not one.
    drop(alice);
    app.add_connection(&mallory, "sfu-eu-1", 0).await;
    let conference = conference_of(&app, "r-names").await;
    assert_eq!(conference["participants_count"], 2);
    app.stop().await;
}
