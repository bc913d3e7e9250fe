//! The conference page's reads (`docs/conferences.md`): the conference detail with
//! merged participants, a connection's series in windows, search and the participant
//! detail, on both engines, through the real ingest API.

use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Engine, TestApp, stats_body};

engine_tests!(
    the_conference_detail_merges_peer_stubs_and_carries_everything_the_page_shows,
    series_windows_agree_with_the_full_history_and_its_bounds,
    series_reject_bad_windows_and_unknown_connections,
    search_ranks_ids_before_names_and_reads_wildcards_literally,
    the_participant_detail_pages_conferences_with_their_issues
);

/// Posts `count` stats samples of a connection, 10 s apart, the last one now.
async fn post_stats(app: &TestApp, token: &str, peer: &str, connection: &str, count: i64) {
    for tick in 1..=count {
        let mut body = stats_body(token, peer, connection, tick, "relay", "udp");
        body["delta"] = json!((count - tick) * 10_000);
        let response = app.post("/v1/stats", &body).await;
        assert_eq!(response.status, 200, "stats: {}", response.text());
    }
}

fn series_of<'a>(body: &'a Value, group: &str, metric: &str) -> &'a Vec<Value> {
    body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"].as_str().unwrap().starts_with(group))
        .unwrap_or_else(|| panic!("group {group} in {body}"))["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"] == metric)
        .unwrap_or_else(|| panic!("{metric} in {group}"))["values"]
        .as_array()
        .unwrap()
}

async fn the_conference_detail_merges_peer_stubs_and_carries_everything_the_page_shows(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    let alice = app.join("room-1", "alice").await;
    // Alice's app names peers by socket id; the stub carries Bob's name.
    let added = app
        .post(
            "/v1/connection",
            &json!({"eventName": "addConnection", "peerId": "socket-77", "peerName": "BOB",
                    "connectionState": "new", "isSfu": false, "token": alice}),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.text());
    let stub = added.json()["peer_id"].as_str().unwrap().to_owned();
    let connection = added.json()["connection_id"].as_str().unwrap().to_owned();
    let failed = app
        .post(
            "/v1/connection",
            &json!({"eventName": "onconnectionstatechange", "peerId": stub, "connectionId": connection,
                    "data": "failed", "token": alice}),
        )
        .await;
    assert_eq!(failed.status, 200, "{}", failed.text());
    // Bob joins under his user id and the name the stub carries.
    app.join("room-1", "bob").await;
    // Someone nobody knows: a stub that stays.
    app.add_connection(&alice, "mystery", 0).await;

    let id = app.newest_conference_id().await;
    let detail = app.admin_get(&format!("/v1/conferences/{id}")).await;
    assert_eq!(detail.status, 200, "{}", detail.text());
    let data = &detail.json()["data"];
    assert_eq!(data["conference_id"], "room-1");
    let participants = data["participants"].as_array().unwrap();
    let names: Vec<&str> = participants
        .iter()
        .map(|p| p["participant_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["alice", "bob", "mystery"],
        "the stub socket-77 merged into bob"
    );
    let bob = &participants[1];
    assert_eq!(bob["aliases"], json!([stub]));
    assert_eq!(bob["has_sessions"], true);
    assert_eq!(participants[2]["has_sessions"], false);
    let session = &participants[0]["sessions"][0];
    assert_eq!(session["browser"]["name"], "Chrome");
    assert_eq!(session["os"]["name"], "Mac OS");
    assert_eq!(session["devices"]["audioinput"], json!(["Mic"]));
    assert_eq!(session["app_version"], "1.2.3");
    assert_eq!(session["metadata"]["plan"], "pro");

    let connections = data["connections"].as_array().unwrap();
    let failed_connection = connections
        .iter()
        .find(|c| c["id"] == connection.as_str())
        .unwrap();
    assert_eq!(failed_connection["peer"], stub.as_str());
    assert_eq!(
        failed_connection["peer_participant"], bob["id"],
        "the peer is Bob's card"
    );
    assert_eq!(failed_connection["state"], "failed");

    let issues = data["issues"].as_array().unwrap();
    assert!(!issues.is_empty(), "the failed connection is an issue");
    assert!(
        issues
            .iter()
            .all(|i| !i["title"].as_str().unwrap().is_empty())
    );
    assert!(
        issues
            .iter()
            .all(|i| !i["explanation"].as_str().unwrap().is_empty())
    );

    let events = data["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "onconnectionstatechange" && e["data"] == "failed")
    );
    assert_eq!(data["events_truncated"], false);
    app.stop().await;
}

async fn series_windows_agree_with_the_full_history_and_its_bounds(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.join("room-1", "alice").await;
    let (peer, connection) = app.add_connection(&token, "bob", 0).await;
    post_stats(&app, &token, &peer, &connection, 30).await;
    let path = format!("/v1/connections/{connection}/series");

    let full = app.admin_get(&format!("{path}?full=true")).await;
    assert_eq!(full.status, 200, "{}", full.text());
    let full = full.json();
    assert_eq!(full["total"], 30);
    assert_eq!(full["window"]["points"], 30);
    assert_eq!(full["window"]["complete"], true);
    assert_eq!(full["interval_ms"], 10_000);
    assert_eq!(full["connection"]["ongoing"], true);

    // Bitrates from the stored counters and times, independently of the server.
    let stored = app
        .maintenance
        .stats_samples(uuid::Uuid::parse_str(&connection).unwrap())
        .await
        .unwrap();
    let expected: Vec<Value> = std::iter::once(Value::Null)
        .chain(stored.windows(2).map(|pair| {
            let bytes = pair[1].bytes_received.unwrap() - pair[0].bytes_received.unwrap();
            let seconds = (pair[1].created_at - pair[0].created_at) as f64 / 1e6;
            json!((bytes as f64 * 8.0 / seconds).round())
        }))
        .collect();
    assert_eq!(series_of(&full, "connection", "bitrate_in"), &expected);
    let rtt = series_of(&full, "connection", "rtt");
    assert!(
        rtt.iter().all(|v| v == &json!(31.0)),
        "the current RTT, in ms: {rtt:?}"
    );
    // Inbound audio lost 1 packet in each interval of 50 received: 1/51.
    let loss = series_of(&full, "audio:inbound", "packet_loss");
    assert_eq!(loss[0], Value::Null);
    assert!(loss[1..].iter().all(|v| v == &json!(1.96)), "{loss:?}");
    let units: Vec<(&str, &str)> = full["groups"][0]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["metric"].as_str().unwrap(), s["unit"].as_str().unwrap()))
        .collect();
    assert_eq!(
        units,
        [
            ("bitrate_in", "bit/s"),
            ("bitrate_out", "bit/s"),
            ("rtt", "ms"),
            ("available_outgoing_bitrate", "bit/s")
        ]
    );
    let directions: Vec<&str> = full["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["direction"].as_str())
        .collect();
    assert_eq!(directions, ["inbound", "inbound", "outbound", "outbound"]);

    // The latest window: its values are the full history's last ten, first delta
    // included, and the bounds are the whole history's.
    let latest = app.admin_get(&format!("{path}?last=10")).await.json();
    assert_eq!(latest["total"], 30);
    assert_eq!(
        (&latest["first"], &latest["last"]),
        (&full["first"], &full["last"])
    );
    assert_eq!(latest["window"]["points"], 10);
    assert_eq!(latest["window"]["complete"], false);
    assert_eq!(latest["window"]["to"], full["last"]);
    let full_times = full["groups"][0]["t"].as_array().unwrap();
    assert_eq!(
        latest["groups"][0]["t"].as_array().unwrap()[..],
        full_times[20..]
    );
    for (group, metric) in [
        ("connection", "bitrate_in"),
        ("audio:inbound", "packet_loss"),
        ("video:outbound", "bitrate"),
    ] {
        assert_eq!(
            series_of(&latest, group, metric)[..],
            series_of(&full, group, metric)[20..]
        );
    }

    // Points after the 25th: what a live page asks for.
    let after = app
        .admin_get(&format!("{path}?after={}", full_times[24]))
        .await
        .json();
    assert_eq!(
        after["groups"][0]["t"].as_array().unwrap()[..],
        full_times[25..]
    );
    assert_eq!(
        series_of(&after, "connection", "bitrate_in")[..],
        series_of(&full, "connection", "bitrate_in")[25..]
    );
    let nothing_new = app
        .admin_get(&format!("{path}?after={}", full_times[29]))
        .await
        .json();
    assert_eq!(nothing_new["window"]["points"], 0);
    assert_eq!(nothing_new["total"], 30);

    // A range, both ends inclusive.
    let range = app
        .admin_get(&format!(
            "{path}?from={}&to={}",
            full_times[5], full_times[9]
        ))
        .await
        .json();
    assert_eq!(
        range["groups"][0]["t"].as_array().unwrap()[..],
        full_times[5..10]
    );

    // The latest window marks the whole connection's events: its negotiation.
    let events = latest["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "state" && e["label"] == "Connection added"),
        "{events:?}"
    );
    assert_eq!(latest["candidates"][0]["local"], "relay");
    assert!(
        latest.to_string().len() < 30_000,
        "a 10-point window is small before compression"
    );
    app.stop().await;
}

async fn series_reject_bad_windows_and_unknown_connections(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.join("room-1", "alice").await;
    let (_, connection) = app.add_connection(&token, "bob", 0).await;
    let path = format!("/v1/connections/{connection}/series");
    for query in [
        "last=0",
        "last=99999",
        "after=yesterday",
        "from=9&to=1",
        "last=5&full=true",
        "full=maybe",
    ] {
        let response = app.admin_get(&format!("{path}?{query}")).await;
        assert_eq!(response.status, 400, "{query}");
        assert_eq!(
            response.json()["error_code"],
            "invalid_parameters",
            "{query}"
        );
        assert!(response.json()["message"].as_str().is_some());
    }
    // No stats yet: an empty history, not an error.
    let empty = app.admin_get(&path).await.json();
    assert_eq!(empty["total"], 0);
    assert_eq!(empty["first"], Value::Null);
    assert_eq!(empty["window"]["complete"], true);
    assert_eq!(empty["groups"][0]["t"], json!([]));
    for unknown in [uuid::Uuid::new_v4().to_string(), "not-a-uuid".to_owned()] {
        let response = app
            .admin_get(&format!("/v1/connections/{unknown}/series"))
            .await;
        assert_eq!(response.status, 404);
        assert_eq!(response.json()["error_code"], "connection_not_found");
    }
    app.stop().await;
}

async fn search_ranks_ids_before_names_and_reads_wildcards_literally(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for (room, name) in [
        ("weekly-sync", "Planning"),
        ("standup-9", "The weekly review"),
        ("100%-uptime", "Ops"),
        ("room_1", "Retro"),
    ] {
        let init = app
            .post(
                "/v1/initialize",
                &json!({"conferenceId": room, "conferenceName": name, "userId": "alice", "userName": "Alice Weekes",
                        "apiKey": app.app.api_key}),
            )
            .await;
        assert_eq!(init.status, 200, "{}", init.text());
    }
    let found = search(&app, "WEEK").await;
    assert_eq!(found.status, 200, "{}", found.text());
    let results = found.json()["results"].as_array().unwrap().clone();
    let hits: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap(),
                r["customer_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hits,
        [
            ("conference", "weekly-sync"),
            ("conference", "standup-9"),
            ("participant", "alice"),
        ],
        "an id prefix, then a word of a name, then inside a name (any case)"
    );
    assert_eq!(results[0]["app_name"], "prod");
    assert_eq!(results[0]["name"], "Planning");

    let percent = search(&app, "0%-").await.json();
    assert_eq!(percent["results"].as_array().unwrap().len(), 1, "{percent}");
    let underscore = search(&app, "m_1").await.json();
    let ids: Vec<&str> = underscore["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["room_1"], "an underscore is no wildcard");
    // Two characters: customer ids by prefix.
    let short = search(&app, "st").await.json();
    assert_eq!(short["results"][0]["customer_id"], "standup-9");
    assert_eq!(short["results"].as_array().unwrap().len(), 1);

    let limited = app.admin_get("/v1/search?q=e&limit=1").await.json();
    assert!(limited["results"].as_array().unwrap().len() <= 1);
    for (path, code) in [
        ("/v1/search", "missing_parameters"),
        ("/v1/search?q=%20%20", "missing_parameters"),
        ("/v1/search?q=abc&limit=0", "invalid_parameters"),
        ("/v1/search?q=a%00b", "invalid_parameters"),
    ] {
        let response = app.admin_get(path).await;
        assert_eq!(response.status, 400, "{path}");
        assert_eq!(response.json()["error_code"], code, "{path}");
    }
    let long = app
        .admin_get(&format!("/v1/search?q={}", "x".repeat(101)))
        .await;
    assert_eq!(long.status, 400);
    app.stop().await;
}

async fn search(app: &TestApp, q: &str) -> callvitals::http_client::HttpResponse {
    app.admin_get(&format!("/v1/search?q={}", urlencode(q)))
        .await
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

async fn the_participant_detail_pages_conferences_with_their_issues(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for room in ["room-a", "room-b", "room-c"] {
        let token = app.join(room, "alice").await;
        if room == "room-b" {
            let (peer, connection) = app.add_connection(&token, "bob", 0).await;
            let failed = app
                .post(
                    "/v1/connection",
                    &json!({"eventName": "onconnectionstatechange", "peerId": peer, "connectionId": connection,
                            "data": "failed", "token": token}),
                )
                .await;
            assert_eq!(failed.status, 200);
        }
    }
    let participants = app
        .admin_get(&format!("/v1/participants?appId={}", app.app.id))
        .await
        .json();
    let alice = participants["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["participant_id"] == "alice")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let first = app
        .admin_get(&format!("/v1/participants/{alice}?limit=2"))
        .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let first = first.json();
    let data = &first["data"];
    assert_eq!(data["participant_id"], "alice");
    let page: Vec<&str> = data["conferences"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conference_id"].as_str().unwrap())
        .collect();
    assert_eq!(page, ["room-c", "room-b"], "newest first");
    let issues = &data["conferences"]["results"][1]["issues"];
    assert!(
        issues
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["type"] == "error" && i["count"].as_i64() >= Some(1)),
        "{issues}"
    );
    assert_eq!(data["conferences"]["results"][0]["issues"], json!([]));
    let cursor = data["conferences"]["next"].as_str().expect("more pages");
    let rest = app
        .admin_get(&format!("/v1/participants/{alice}?limit=2&cursor={cursor}"))
        .await
        .json();
    let rest: Vec<&str> = rest["data"]["conferences"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["conference_id"].as_str().unwrap())
        .collect();
    assert_eq!(rest, ["room-a"]);

    assert_eq!(data["sessions"].as_array().unwrap().len(), 3);
    assert_eq!(
        data["seen"]["browsers"],
        json!([{"name": "Chrome 124", "count": 3, "last": data["sessions"][0]["created_at"]}])
    );
    assert_eq!(data["seen"]["devices"][0]["name"], "Mic");
    let bad = app
        .admin_get(&format!("/v1/participants/{alice}?cursor=nope"))
        .await;
    assert_eq!(bad.status, 400);
    app.stop().await;
}
