//! The read API: admin-token auth, keyset pagination newest first, counts, 404s.

use crate::engine_tests;
use crate::helpers::{ADMIN_TOKEN, Engine, TestApp};

engine_tests!(
    lists_page_newest_first_behind_the_admin_token,
    the_conference_list_searches_ids_by_prefix_and_names_anywhere,
    cors_echoes_the_origin_and_answers_preflights_of_the_sdk_only
);

/// The customer ids of every conference of a list, following its cursors.
async fn walk_pages(app: &TestApp, path: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut next = String::new();
    loop {
        let page = app.admin_get(&format!("{path}{next}")).await;
        assert_eq!(page.status, 200, "{}", page.text());
        let body = page.json();
        assert_eq!(body["count"], 5);
        for conference in body["results"].as_array().unwrap() {
            seen.push(conference["conference_id"].as_str().unwrap().to_owned());
        }
        match body["next"].as_str() {
            Some(cursor) => next = format!("&cursor={cursor}"),
            None => break,
        }
    }
    seen
}

async fn lists_page_newest_first_behind_the_admin_token(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for index in 0..5 {
        app.join(&format!("room-{index}"), "alice").await;
    }
    let path = format!("/v1/conferences?appId={}&limit=2", app.app.id);

    let anonymous = app.client.get(&app.url(&path), &[]).await.unwrap();
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.json()["error_code"], "not_authenticated");
    let wrong = app
        .client
        .get(&app.url(&path), &[("authorization", "Bearer nope")])
        .await
        .unwrap();
    assert_eq!(wrong.status, 401);

    assert_eq!(
        walk_pages(&app, &path).await,
        ["room-4", "room-3", "room-2", "room-1", "room-0"],
        "newest first, each once"
    );
    assert_eq!(
        walk_pages(&app, &format!("{path}&order=oldest")).await,
        ["room-0", "room-1", "room-2", "room-3", "room-4"],
        "oldest first, each once"
    );
    let sideways = app.admin_get(&format!("{path}&order=sideways")).await;
    assert_eq!(sideways.status, 400);
    assert_eq!(sideways.json()["error_code"], "invalid_parameters");

    let conference_id = app.admin_get(&path).await.json()["results"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail = app
        .admin_get(&format!("/v1/conferences/{conference_id}"))
        .await;
    assert_eq!(detail.status, 200);
    assert_eq!(
        detail.json()["data"]["participants"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        detail.text().contains("\"created_at\": \""),
        "Python-style JSON with PeerMetrics datetimes"
    );

    let unknown = app
        .admin_get(&format!("/v1/conferences/{}", uuid::Uuid::new_v4()))
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["error_code"], "conference_not_found");
    let unscoped = app.admin_get("/v1/sessions").await;
    assert_eq!(unscoped.status, 400);
    assert_eq!(unscoped.json()["error_code"], "missing_parameters");

    let apps = app.admin_get("/v1/apps").await.json();
    assert_eq!(apps["results"][0]["api_key"], app.app.api_key.as_str());
    assert!(!ADMIN_TOKEN.is_empty());
    app.stop().await;
}

async fn cors_echoes_the_origin_and_answers_preflights_of_the_sdk_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let preflight = app
        .client
        .send(
            hyper::Method::OPTIONS,
            &app.url("/v1/sessions"),
            &[
                ("origin", "https://meet.example"),
                ("access-control-request-method", "PUT"),
            ],
            "",
        )
        .await
        .unwrap();
    assert_eq!(preflight.status, 200);
    assert_eq!(
        preflight.headers["access-control-allow-origin"],
        "https://meet.example"
    );
    assert_eq!(
        preflight.headers["access-control-allow-credentials"],
        "true"
    );
    assert!(
        preflight.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PUT")
    );

    let response = app
        .client
        .send(
            hyper::Method::POST,
            &app.url("/v1/initialize"),
            &[("origin", "https://meet.example")],
            "{}",
        )
        .await
        .unwrap();
    assert_eq!(response.status, 400);
    assert_eq!(
        response.headers["access-control-allow-origin"],
        "https://meet.example"
    );

    // The dashboard's routes are same-origin only: no other site may read them.
    for (method, path, requested) in [
        (hyper::Method::GET, "/v1/apps", None),
        (hyper::Method::OPTIONS, "/v1/apps", Some("GET")),
        (hyper::Method::POST, "/api/session", None),
        (hyper::Method::OPTIONS, "/api/session", Some("POST")),
    ] {
        let mut headers = vec![("origin", "https://evil.example")];
        if let Some(requested) = requested {
            headers.push(("access-control-request-method", requested));
        }
        let response = app
            .client
            .send(method.clone(), &app.url(path), &headers, "")
            .await
            .unwrap();
        assert!(
            !response.headers.contains_key("access-control-allow-origin")
                && !response
                    .headers
                    .contains_key("access-control-allow-credentials"),
            "{method} {path} sent CORS headers"
        );
    }
    app.stop().await;
}

async fn the_conference_list_searches_ids_by_prefix_and_names_anywhere(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for room in ["Room-Alpha_1", "room-beta", "%weird", "zzz-room-"] {
        app.join(room, "alice").await;
    }
    let search = |text: &str| {
        let path = format!(
            "/v1/conferences?appId={}&search={}",
            app.app.id,
            text.replace('%', "%25")
        );
        let app = &app;
        async move {
            let page = app.admin_get(&path).await;
            assert_eq!(page.status, 200, "{}", page.text());
            let page = page.json();
            let mut rooms: Vec<String> = page["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["conference_id"].as_str().unwrap().to_owned())
                .collect();
            rooms.sort();
            assert_eq!(page["count"], rooms.len(), "the total counts the matches");
            rooms
        }
    };
    // Ids match from their start, in any case; not in their middle.
    assert_eq!(search("ROOM-").await, ["Room-Alpha_1", "room-beta"]);
    // Names match anywhere, in any case (every test conference is "Daily standup").
    assert_eq!(search("STANDUP").await.len(), 4);
    // LIKE's wildcards are the characters themselves.
    assert_eq!(search("%").await, ["%weird"]);
    assert_eq!(search("room_").await, Vec::<String>::new());
    assert_eq!(search("nothing").await, Vec::<String>::new());
    // A search is no chart bar, and combines with the other filters.
    let none = app
        .admin_get(&format!(
            "/v1/conferences?appId={}&search=room&status=error",
            app.app.id
        ))
        .await;
    assert_eq!(none.status, 200, "{}", none.text());
    assert_eq!(none.json()["count"], 0);
    app.stop().await;
}
