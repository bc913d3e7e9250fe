//! A complete two-party call, replayed exactly as the SDK sends it.

use callvitals::domain::access::Visibility;
use callvitals::store::{ListFilter, PageRequest, Resource};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(two_party_call_is_stored_completely);

async fn list(app: &TestApp, resource: Resource, conference: uuid::Uuid) -> Vec<Value> {
    let filter = ListFilter {
        conference_id: Some(conference),
        ..Default::default()
    };
    app.store
        .list(
            &Visibility::Everything,
            resource,
            &filter,
            &PageRequest {
                limit: 200,
                after: None,
                oldest_first: false,
                with_count: true,
            },
        )
        .await
        .unwrap()
        .records
        .iter()
        .map(callvitals::http::render::record_json)
        .collect()
}

async fn two_party_call_is_stored_completely(engine: Engine) {
    let app = TestApp::spawn(engine).await;

    // Alice and Bob load the page: initialize, then sessions.
    let alice = app.join("room-42", "alice").await;
    let bob = app.join("room-42", "bob").await;

    // getUserMedia: constraints, stream details, and (for Bob) a first failure.
    for (token, body) in [
        (
            &alice,
            json!({"eventName": "getUserMedia", "data": {"constraints": {"audio": true, "video": true}}}),
        ),
        (
            &alice,
            json!({"eventName": "getUserMedia", "data": {"audio": [{"id": "local-audio", "kind": "audio", "label": "Mic",
            "muted": false, "readyState": "live"}], "video": [{"id": "local-video", "kind": "video", "label": null}]}}),
        ),
        (
            &bob,
            json!({"eventName": "getUserMedia", "data": {"constraints": {"audio": true}}}),
        ),
        (
            &bob,
            json!({"eventName": "getUserMedia", "data": {"error": {"name": "NotReadableError", "message": "Device in use"}}}),
        ),
        // Bob retries and gets his microphone, so he did not lose media access.
        (
            &bob,
            json!({"eventName": "getUserMedia", "data": {"constraints": {"audio": true}}}),
        ),
    ] {
        let mut body = body;
        body["token"] = json!(token);
        let response = app.post("/v1/events/get-user-media", &body).await;
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(
            response.body.as_ref(),
            b"\"\"",
            "acks are the JSON string \"\""
        );
    }

    // Each side adds its peer connection two minutes ago (events queued, sent with delta).
    let (alice_peer, alice_conn) = app.add_connection(&alice, "bob", 120_000).await;
    let (bob_peer, bob_conn) = app.add_connection(&bob, "alice", 119_000).await;

    let events = |token: &str, peer: &str, connection: &str, delta: i64| {
        let common = json!({"peerId": peer, "connectionId": connection, "token": token});
        [
            json!({"eventName": "peerDetails", "timestamp": "2026-05-05T20:53:31.120Z", "delta": delta,
                   "data": {"options": {"peerId": "x"}, "peerConfiguration": {"iceTransportPolicy": "all"}}}),
            json!({"eventName": "onnegotiationneeded", "timestamp": null}),
            json!({"eventName": "onsignalingstatechange", "data": {"signalingState": "have-local-offer"}, "delta": delta - 100}),
            json!({"eventName": "onicegatheringstatechange", "data": "gathering", "delta": delta - 150}),
            json!({"eventName": "onicecandidate", "data": {"address": "192.0.2.10", "candidate": "candidate:1", "port": 5000,
                   "protocol": "udp", "type": "host", "relatedAddress": null, "somethingElse": 1}, "delta": delta - 200}),
            json!({"eventName": "onsignalingstatechange", "data": {"signalingState": "stable"}, "delta": delta - 400}),
            json!({"eventName": "oniceconnectionstatechange", "data": "checking", "delta": delta - 450}),
            json!({"eventName": "oniceconnectionstatechange", "data": "connected", "delta": delta - 800}),
            json!({"eventName": "onconnectionstatechange", "data": "connected", "delta": delta - 850}),
            json!({"eventName": "oniceconnectionstatechange", "data": "completed", "delta": delta - 5000}),
            json!({"eventName": "ondatachannel", "timestamp": null, "data": null}),
        ]
        .into_iter()
        .map(move |mut event| {
            for (key, value) in common.as_object().unwrap() {
                event[key] = value.clone();
            }
            event
        })
    };
    for event in events(&alice, &alice_peer, &alice_conn, 120_000)
        .chain(events(&bob, &bob_peer, &bob_conn, 119_000))
    {
        let response = app.post("/v1/connection", &event).await;
        assert_eq!(
            response.status,
            200,
            "{} -> {}",
            event["eventName"],
            response.text()
        );
    }

    // Remote tracks arrive.
    let track = app
        .post("/v1/tracks", &json!({"event": "ontrack", "peerId": alice_peer, "connectionId": alice_conn, "trackId": "remote-video",
            "data": {"enabled": true, "id": "remote-video", "kind": "video", "label": "remote-video", "muted": false}, "token": alice}))
        .await;
    assert_eq!(track.status, 200, "{}", track.text());
    assert_eq!(track.json()["data"]["kind"], "video");

    // Stats every interval; Alice is relayed over TCP; one retry carries a delta.
    for tick in 1..=3 {
        let mut body = stats_body(&alice, &alice_peer, &alice_conn, tick, "relay", "tcp");
        if tick == 2 {
            body["delta"] = json!(1500);
        }
        let response = app.post("/v1/stats", &body).await;
        assert_eq!(response.status, 200, "{}", response.text());
        let response = app
            .post(
                "/v1/stats",
                &stats_body(&bob, &bob_peer, &bob_conn, tick, "host", "udp"),
            )
            .await;
        assert_eq!(response.status, 200, "{}", response.text());
    }

    // Mid-call: Bob's connection blips, Alice mutes, the SDK integration is reported.
    let blip = json!({"eventName": "onconnectionstatechange", "data": "disconnected", "peerId": bob_peer,
        "connectionId": bob_conn, "token": bob});
    assert_eq!(app.post("/v1/connection", &blip).await.status, 200);
    let mute = app.put("/v1/tracks", &json!({"event": "mute", "trackId": "local-audio", "data": {"check": "muted"}, "token": alice})).await;
    assert_eq!(mute.status, 200, "{}", mute.text());
    assert_eq!(mute.json()["data"]["track_info"]["muted"], true);
    let sdk = app
        .put(
            "/v1/sessions",
            &json!({"webrtcSdk": "livekit", "token": alice}),
        )
        .await;
    assert_eq!(sdk.status, 200, "{}", sdk.text());
    let devices = app
        .put("/v1/sessions", &json!({"devices": [], "token": alice}))
        .await;
    assert_eq!(
        devices.json()["data"]["webrtc_sdk"],
        "livekit",
        "a devices update keeps webrtc_sdk"
    );
    assert_eq!(
        app.post(
            "/v1/events/browser",
            &json!({"eventName": "custom", "data": {"eventName": "mute"}, "token": alice})
        )
        .await
        .status,
        200
    );
    assert_eq!(
        app.post(
            "/v1/events/browser",
            &json!({"eventName": "tabFocus", "focus": false, "token": alice})
        )
        .await
        .status,
        200
    );

    // The conference is live.
    let conference_id = app.newest_conference_id().await;
    let live = app.conference(conference_id).await;
    assert_eq!(live["ongoing"], true);

    // A TURN server refuses one of Alice's candidates; her camera list changes.
    let candidate_error = json!({"eventName": "onicecandidateerror", "peerId": alice_peer, "connectionId": alice_conn,
        "timestamp": null, "data": {"errorCode": 701}, "token": alice});
    assert_eq!(
        app.post("/v1/connection", &candidate_error).await.status,
        200
    );
    let device_change = json!({"eventName": "mediaDeviceChange", "devices": [{"deviceId": "cam2", "kind": "videoinput",
        "label": "USB camera", "groupId": "g2"}], "token": alice});
    assert_eq!(
        app.post("/v1/events/browser", &device_change).await.status,
        200
    );

    // Bob hangs up: the SDK's removeConnection and removePeer name the peer by the
    // customer's own id ("alice"), which PeerMetrics refused; then endCall.
    let remove = json!({"eventName": "removeConnection", "peerId": "alice", "connectionId": bob_conn, "token": bob});
    let removed = app.post("/v1/connection", &remove).await;
    assert_eq!(removed.status, 200, "{}", removed.text());
    let remove_peer = app
        .post(
            "/v1/connection",
            &json!({"eventName": "removePeer", "peerId": "alice", "token": bob}),
        )
        .await;
    assert_eq!(remove_peer.status, 200, "{}", remove_peer.text());
    assert_eq!(
        app.post(
            "/v1/events/browser",
            &json!({"eventName": "endCall", "token": bob})
        )
        .await
        .status,
        200
    );
    let still_live = app.conference(conference_id).await;
    assert_eq!(
        still_live["ongoing"], true,
        "Alice's connection is still open"
    );
    assert_eq!(
        app.post_raw(
            "/v1/events/browser",
            format!(r#"{{"token":"{alice}","eventName":"beforeunload"}}"#)
        )
        .await
        .status,
        200
    );
    let beacon = app
        .client
        .send(
            hyper::Method::POST,
            &app.url("/v1/events/browser"),
            &[("content-type", "text/plain;charset=UTF-8")],
            format!(r#"{{"token":"{alice}","eventName":"unload"}}"#),
        )
        .await
        .unwrap();
    assert_eq!(beacon.status, 200);

    // Stats after the end are refused so the SDK stops sending.
    let late = app
        .post(
            "/v1/stats",
            &stats_body(&alice, &alice_peer, &alice_conn, 4, "relay", "tcp"),
        )
        .await;
    assert_eq!(late.status, 400);
    assert_eq!(late.json()["error_code"], "connection_ended");

    // --- what was stored ---
    let conference = app.conference(conference_id).await;
    assert_eq!(conference["conference_id"], "room-42");
    assert_eq!(conference["conference_name"], "Daily standup");
    assert_eq!(
        conference["ongoing"], false,
        "the last connection ending ends the conference"
    );
    assert!(conference["end_time"].is_string());
    // 120 s by the deltas, plus however long this test took in real time (well under
    // 10 s even on a loaded machine); an idle gap or a lost period would be far off.
    let duration = conference["duration"].as_i64().unwrap();
    assert!(
        (120..130).contains(&duration),
        "active time from the first addConnection: {duration}"
    );
    assert_eq!(conference["participants_count"], 2);
    assert_eq!(conference["has_errors"], false);
    assert_eq!(conference["has_warnings"], true);

    let sessions = list(&app, Resource::Sessions, conference_id).await;
    assert_eq!(sessions.len(), 2);
    for session in &sessions {
        assert_eq!(session["platform"]["browser"]["name"], "Chrome");
        assert_eq!(
            session["metadata"]["score"], 4.5,
            "floats are accepted in meta"
        );
        assert_eq!(session["app_version"], "1.2.3");
        assert!(session["end_time"].is_string());
    }

    let participants = list(&app, Resource::Participants, conference_id).await;
    assert_eq!(participants.len(), 2);

    let connections = list(&app, Resource::Connections, conference_id).await;
    assert_eq!(connections.len(), 2);
    let by_id = |id: &str| connections.iter().find(|c| c["id"] == id).unwrap().clone();
    let alice_connection = by_id(&alice_conn);
    let bob_connection = by_id(&bob_conn);
    assert_eq!(alice_connection["type"], "relay");
    assert_eq!(bob_connection["type"], "host");
    // Event times are "received minus delta", so the requests' own spacing (a few ms)
    // adds to the 800 ms the deltas describe; ICE "completed" came 4.2 s later.
    let setup = alice_connection["setup_time_ms"].as_i64().unwrap();
    assert!(
        (800..2000).contains(&setup),
        "addConnection to first connected, not to ICE completed: {setup}"
    );
    assert_eq!(
        alice_connection["connection_info"]["negotiations"][0]["status"],
        "connected"
    );
    assert_eq!(alice_connection["connection_info"]["detected_turn"], true);
    assert!(alice_connection["end_time"].is_string() && bob_connection["end_time"].is_string());

    let issues = list(&app, Resource::Issues, conference_id).await;
    let codes: Vec<&str> = issues
        .iter()
        .map(|issue| issue["code"].as_str().unwrap())
        .collect();
    for expected in [
        "turn_used",
        "tcp_used",
        "connection_disconnected",
        "getusermedia_error",
        "icecandidateerror",
    ] {
        assert_eq!(
            codes.iter().filter(|code| **code == expected).count(),
            1,
            "{expected} in {codes:?}"
        );
    }
    assert!(
        !codes.contains(&"no_connection") && !codes.contains(&"no_media_access"),
        "{codes:?}"
    );
    assert!(
        issues
            .iter()
            .all(|issue| issue["conference"] == conference_id.to_string()),
        "every issue has its conference"
    );

    let alice_conn_id = uuid::Uuid::parse_str(&alice_conn).unwrap();
    let samples = app.maintenance.stats_samples(alice_conn_id).await.unwrap();
    assert_eq!(samples.len(), 3);
    assert_eq!(samples[0].rtt_ms, Some(31.0));
    assert_eq!(samples[2].bytes_sent, Some(254_000 * 3));
    assert_eq!(
        samples[0].bytes_sent,
        Some(254_000 * 2),
        "the retried post is dated 1.5 s back by its delta"
    );
    let raw = zstd::bulk::decompress(samples[0].raw.as_ref().unwrap(), 1 << 20).unwrap();
    let raw: Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(
        raw["connection"]["local"]["candidateType"], "relay",
        "the raw payload is kept"
    );

    let tracks = app.maintenance.track_samples(alice_conn_id).await.unwrap();
    assert_eq!(tracks.len(), 12, "four reports per post");
    let inbound_video = tracks
        .iter()
        .find(|t| t.kind == 1 && t.direction == 0)
        .unwrap();
    assert_eq!(inbound_video.frame_width, Some(1280));
    assert_eq!(inbound_video.frames_per_second, Some(30.0));
    let inbound_audio = tracks
        .iter()
        .find(|t| t.kind == 0 && t.direction == 0)
        .unwrap();
    assert!(
        inbound_audio
            .emos
            .is_some_and(|score| score > 1.0 && score <= 5.0)
    );
    assert!(tracks.iter().all(|t| t.track_id.is_some()));

    let events = app.maintenance.events(conference_id).await.unwrap();
    let candidate = events
        .iter()
        .find(|e| e.event_type == "onicecandidate")
        .unwrap();
    let candidate: Value = serde_json::from_str(candidate.data.as_deref().unwrap()).unwrap();
    assert!(candidate.get("somethingElse").is_none() && candidate.get("relatedAddress").is_none());
    let devices = events
        .iter()
        .find(|e| e.event_type == "mediaDeviceChange")
        .unwrap();
    assert!(
        devices.data.as_deref().unwrap().contains("USB camera"),
        "mediaDeviceChange keeps its devices"
    );
    let remove_peer = events
        .iter()
        .find(|e| e.event_type == "removePeer")
        .unwrap();
    assert_eq!(
        remove_peer.peer_id.map(|p| p.to_string()),
        Some(bob_peer.clone()),
        "resolved to Alice's participant"
    );
    let focus = events.iter().find(|e| e.event_type == "tabFocus").unwrap();
    assert_eq!(
        focus.data.as_deref(),
        Some(r#"{"focus":false}"#),
        "top-level payloads are kept"
    );

    app.stop().await;
}
