//! Accounts: CSRF, session lifetimes, login limits without user enumeration, key
//! rotation, allowed hosts, the recording switch, personal tokens, roles and audit.

use std::time::{Duration, Instant};

use callvitals::config::SettingsLayer;
use callvitals::domain::access::Role;
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{ADMIN_TOKEN, Auth, Engine, TestApp, session_cookie_of, stats_body};

engine_tests!(
    cookie_requests_that_change_something_must_come_from_this_origin,
    sessions_end_when_idle_or_too_old_and_rotate_on_login,
    failed_logins_are_limited_per_account_and_address_and_audited,
    unknown_emails_and_wrong_passwords_look_the_same,
    key_rotation_with_and_without_grace,
    allowed_hosts_take_ports_and_wildcards,
    the_recording_switch_stops_storing,
    personal_tokens_work_until_revoked_or_expired,
    roles_keep_an_owner_and_members_change_only_their_password
);

fn initialize_body(api_key: &str, room: &str) -> Value {
    json!({"conferenceId": room, "userId": "alice", "apiKey": api_key})
}

async fn owner_cookie(app: &TestApp) -> (crate::helpers::TestUser, Auth) {
    let owner = app.user_in(app.app.organization_id, Role::Owner).await;
    let cookie = app.login(&owner).await;
    (owner, Auth::Cookie(cookie))
}

async fn cookie_requests_that_change_something_must_come_from_this_origin(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, owner) = owner_cookie(&app).await;
    let Auth::Cookie(cookie) = &owner else {
        unreachable!()
    };
    let cookie_header = ("cookie", format!("callvitals_session={cookie}"));
    let body = json!({"name": "script"});
    for origin in [None, Some("https://evil.example"), Some("null")] {
        let mut headers = vec![cookie_header.clone()];
        if let Some(origin) = origin {
            headers.push(("origin", origin.to_owned()));
        }
        let refused = app
            .call_with("POST", "/api/tokens", &headers, Some(&body))
            .await;
        assert_eq!(refused.status, 403, "origin {origin:?}: {}", refused.text());
        assert_eq!(refused.json()["error_code"], "csrf_rejected");
    }
    // A Referer of this server stands in for a missing Origin.
    let referer = app
        .call_with(
            "POST",
            "/api/tokens",
            &[
                cookie_header.clone(),
                ("referer", format!("{}/settings", app.base)),
            ],
            Some(&body),
        )
        .await;
    assert_eq!(referer.status, 201, "{}", referer.text());
    // Reads need no origin, and bearer tokens are no CSRF risk.
    let read = app
        .call_with(
            "GET",
            "/api/tokens",
            std::slice::from_ref(&cookie_header),
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    let token = referer.json()["token"].as_str().unwrap().to_owned();
    let scripted = app
        .call_with(
            "POST",
            "/api/tokens",
            &[("authorization", format!("Bearer {token}"))],
            Some(&body),
        )
        .await;
    assert_eq!(scripted.status, 201, "{}", scripted.text());
    // Nothing was created by the refused requests.
    let tokens = app.call("GET", "/api/tokens", &owner, None).await.json();
    assert_eq!(tokens.as_array().unwrap().len(), 2);
    // A login form posted from another site is refused too.
    let login = app
        .call_with(
            "POST",
            "/api/session",
            &[("origin", "https://evil.example".to_owned())],
            Some(&json!({"email": "a@example.com", "password": "whatever-long"})),
        )
        .await;
    assert_eq!(login.status, 403);
    app.stop().await;
}

async fn sessions_end_when_idle_or_too_old_and_rotate_on_login(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            session_idle_seconds: Some(2),
            session_absolute_seconds: Some(4),
            ..Default::default()
        },
    )
    .await;
    let user = app.user_in(app.app.organization_id, Role::Member).await;
    let me = |cookie: &str| {
        let auth = Auth::Cookie(cookie.to_owned());
        let app = &app;
        async move {
            app.call("GET", "/api/session", &auth, None)
                .await
                .status
                .as_u16()
        }
    };

    // Absolute: used every 1.2 s, so never idle, it still ends 4 s after login.
    let started = Instant::now();
    let cookie = app.login(&user).await;
    let mut alive_until = Duration::ZERO;
    while started.elapsed() < Duration::from_millis(3500) {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let checked_at = started.elapsed();
        if me(&cookie).await == 200 {
            alive_until = checked_at;
        }
    }
    assert!(
        alive_until >= Duration::from_millis(3500),
        "a used session ended early"
    );
    tokio::time::sleep(Duration::from_millis(4200).saturating_sub(started.elapsed())).await;
    assert_eq!(
        me(&cookie).await,
        401,
        "the session outlived its absolute lifetime"
    );

    // Idle: unused for 2 s, it ends.
    let cookie = app.login(&user).await;
    assert_eq!(me(&cookie).await, 200);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(
        me(&cookie).await,
        401,
        "the session outlived its idle lifetime"
    );

    // Login rotates: a session presented at login is ended, and a new id is issued.
    let before = app.login(&user).await;
    let again = app
        .call_with(
            "POST",
            "/api/session",
            &[
                ("cookie", format!("callvitals_session={before}")),
                ("origin", app.base.clone()),
                ("content-type", "application/json".into()),
            ],
            Some(&json!({"email": user.email, "password": user.password})),
        )
        .await;
    assert_eq!(again.status, 200);
    let after = session_cookie_of(&again).unwrap();
    assert_ne!(before, after);
    assert_eq!(me(&before).await, 401);
    assert_eq!(me(&after).await, 200);
    let cookie_header = again.headers["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Lax"));

    // Logout ends it on the server, not just in the browser.
    let logout = app
        .call("DELETE", "/api/session", &Auth::Cookie(after.clone()), None)
        .await;
    assert_eq!(logout.status, 204);
    assert_eq!(session_cookie_of(&logout), None);
    assert_eq!(me(&after).await, 401);
    app.stop().await;
}

async fn login_from(app: &TestApp, address: &str, email: &str, password: &str) -> (u16, String) {
    let response = app
        .call_with(
            "POST",
            "/api/session",
            &[
                ("x-forwarded-for", address.to_owned()),
                ("content-type", "application/json".into()),
            ],
            Some(&json!({"email": email, "password": password})),
        )
        .await;
    (response.status.as_u16(), response.text())
}

async fn failed_logins_are_limited_per_account_and_address_and_audited(engine: Engine) {
    let app = TestApp::spawn_with(
        engine,
        SettingsLayer {
            login_attempts_per_minute: Some(3),
            trusted_proxies: Some("127.0.0.1/32,::1/128".into()),
            ..Default::default()
        },
    )
    .await;
    let victim = app.user_in(app.app.organization_id, Role::Member).await;
    // Per account: three wrong guesses from three addresses use up its budget; the
    // fourth attempt, even with the right password and from a fresh address, waits.
    for index in 1..=3 {
        let (status, _) = login_from(
            &app,
            &format!("10.0.0.{index}"),
            &victim.email,
            "wrong password!",
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, body) = login_from(&app, "10.0.0.4", &victim.email, &victim.password).await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("too_many_login_attempts"));
    // Per address: one address trying many accounts is stopped as well.
    for index in 1..=3 {
        let (status, _) = login_from(
            &app,
            "10.9.9.9",
            &format!("nobody{index}@example.com"),
            "wrong password!",
        )
        .await;
        assert_eq!(status, 401);
    }
    let (status, _) = login_from(
        &app,
        "10.9.9.9",
        "someone-else@example.com",
        "wrong password!",
    )
    .await;
    assert_eq!(status, 429);
    // Other addresses and accounts are not affected.
    let other = app.user_in(app.app.organization_id, Role::Owner).await;
    let (status, _) = login_from(&app, "10.1.1.1", &other.email, &other.password).await;
    assert_eq!(status, 200);

    // The owner sees the failed logins of their members, with address and time.
    let owner = Auth::Cookie(app.login(&other).await);
    let audit = app
        .call(
            "GET",
            &format!("/api/organizations/{}/audit", app.app.organization_id),
            &owner,
            None,
        )
        .await
        .json();
    let failed: Vec<&Value> = audit["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| {
            entry["action"] == "login_failed" && entry["actor"] == victim.email.as_str()
        })
        .collect();
    assert_eq!(failed.len(), 3, "{audit}");
    let addresses: Vec<&str> = failed
        .iter()
        .map(|entry| entry["client_address"].as_str().unwrap())
        .collect();
    assert!(addresses.contains(&"10.0.0.1") && addresses.contains(&"10.0.0.3"));
    assert!(
        audit["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|entry| entry["action"] == "login")
    );
    // Failed logins of unknown emails are not shown to any organization.
    assert!(!audit.to_string().contains("nobody1@example.com"));
    app.stop().await;
}

async fn unknown_emails_and_wrong_passwords_look_the_same(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let user = app.user_in(app.app.organization_id, Role::Member).await;
    let mut unknown_time = Duration::ZERO;
    let mut wrong_time = Duration::ZERO;
    let mut answers = Vec::new();
    for round in 0..4 {
        let started = Instant::now();
        let unknown = app
            .call("POST", "/api/session", &Auth::Anonymous, Some(&json!({"email": format!("ghost{round}@example.com"), "password": "guess guess guess"})))
            .await;
        unknown_time += started.elapsed();
        let started = Instant::now();
        let wrong = app
            .call(
                "POST",
                "/api/session",
                &Auth::Anonymous,
                Some(&json!({"email": user.email, "password": "guess guess guess"})),
            )
            .await;
        wrong_time += started.elapsed();
        assert_eq!(session_cookie_of(&unknown), None);
        answers.push((unknown.status, unknown.text()));
        answers.push((wrong.status, wrong.text()));
    }
    assert!(
        answers.iter().all(|answer| *answer == answers[0]),
        "{answers:?}"
    );
    assert_eq!(answers[0].0, 401);
    assert!(answers[0].1.contains("invalid_credentials"));
    // Both pay for an argon2 verification: an unknown email is not answered in a
    // fraction of the time (without the decoy it takes under a tenth).
    assert!(
        unknown_time * 3 >= wrong_time,
        "unknown emails answer in {unknown_time:?}, wrong passwords in {wrong_time:?}"
    );
    app.stop().await;
}

async fn initialize_status(app: &TestApp, api_key: &str, origin: Option<&str>) -> (u16, Value) {
    let mut headers = vec![("content-type", "text/plain".to_owned())];
    if let Some(origin) = origin {
        headers.push(("origin", origin.to_owned()));
    }
    let response = app
        .call_with(
            "POST",
            "/v1/initialize",
            &headers,
            Some(&initialize_body(api_key, "rotation")),
        )
        .await;
    (response.status.as_u16(), response.json())
}

async fn key_rotation_with_and_without_grace(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, owner) = owner_cookie(&app).await;
    let rotate = |grace: Option<u64>| {
        let owner = owner.clone();
        let app = &app;
        async move {
            let body = match grace {
                Some(seconds) => json!({"grace_seconds": seconds}),
                None => json!({}),
            };
            let response = app
                .call(
                    "POST",
                    &format!("/api/apps/{}/rotate-key", app.app.id),
                    &owner,
                    Some(&body),
                )
                .await;
            assert_eq!(response.status, 200, "{}", response.text());
            response.json()
        }
    };
    let first = app.app.api_key.clone();

    // Without grace: the old key stops at once, the new one works, 32 chars of [a-z0-9].
    let rotated = rotate(None).await;
    let second = rotated["api_key"].as_str().unwrap().to_owned();
    assert_eq!(second.len(), 32);
    assert!(
        second
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_ne!(second, first);
    assert_eq!(rotated["previous_key_valid_until"], Value::Null);
    let (status, body) = initialize_status(&app, &first, None).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("invalid_api_key"))
    );
    assert_eq!(initialize_status(&app, &second, None).await.0, 200);

    // With grace: both work until it ends, then only the new one.
    let rotated = rotate(Some(2)).await;
    let third = rotated["api_key"].as_str().unwrap().to_owned();
    assert!(rotated["previous_key_valid_until"].is_string());
    assert_eq!(initialize_status(&app, &second, None).await.0, 200);
    assert_eq!(initialize_status(&app, &third, None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_eq!(initialize_status(&app, &second, None).await.0, 400);
    assert_eq!(initialize_status(&app, &third, None).await.0, 200);

    // A second rotation ends the first one's grace period.
    rotate(Some(600)).await;
    let fourth = rotate(Some(600)).await["api_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(initialize_status(&app, &third, None).await.0, 400);
    assert_eq!(initialize_status(&app, &fourth, None).await.0, 200);

    let too_long = app
        .call(
            "POST",
            &format!("/api/apps/{}/rotate-key", app.app.id),
            &owner,
            Some(&json!({"grace_seconds": 99_999_999})),
        )
        .await;
    assert_eq!(too_long.status, 400);
    let audit = app
        .call(
            "GET",
            &format!("/api/organizations/{}/audit", app.app.organization_id),
            &owner,
            None,
        )
        .await
        .json();
    let rotations = audit["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["action"] == "key_rotated")
        .count();
    assert_eq!(rotations, 4);
    app.stop().await;
}

async fn allowed_hosts_take_ports_and_wildcards(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, owner) = owner_cookie(&app).await;
    let set = |domains: Value| {
        let owner = owner.clone();
        let app = &app;
        async move {
            app.call(
                "PATCH",
                &format!("/api/apps/{}", app.app.id),
                &owner,
                Some(&json!({"domains": domains})),
            )
            .await
        }
    };
    let response = set(json!([
        "*.example.com",
        "localhost:3000",
        "meet.example.org"
    ]))
    .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.json()["domains"],
        json!(["*.example.com", "localhost:3000", "meet.example.org"])
    );
    let key = app.app.api_key.clone();
    for (origin, allowed) in [
        (Some("https://a.example.com"), true),
        (Some("https://deep.a.example.com:8443"), true),
        (Some("http://localhost:3000"), true),
        (Some("https://meet.example.org:444"), true),
        (Some("https://example.com"), false),
        (Some("http://localhost:3001"), false),
        (Some("https://evil-example.com"), false),
        (Some("https://meet.example.org.evil.net"), false),
        (None, false),
    ] {
        let (status, body) = initialize_status(&app, &key, origin).await;
        if allowed {
            assert_eq!(status, 200, "{origin:?}: {body}");
        } else {
            assert_eq!(
                (status, body["error_code"].as_str()),
                (403, Some("domain_not_allowed")),
                "{origin:?}"
            );
        }
    }
    let bad = set(json!(["ex*ample.com"])).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error_code"], "invalid_parameters");
    // Clearing the list accepts any page again.
    assert_eq!(set(Value::Null).await.status, 200);
    assert_eq!(
        initialize_status(&app, &key, Some("https://anything.net"))
            .await
            .0,
        200
    );
    app.stop().await;
}

async fn the_recording_switch_stops_storing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (_, owner) = owner_cookie(&app).await;
    let token = app.join("recorded", "alice").await;
    let (peer, connection) = app.add_connection(&token, "bob", 0).await;
    let switch = |recording: bool| {
        let owner = owner.clone();
        let app = &app;
        async move {
            let response = app
                .call(
                    "PATCH",
                    &format!("/api/apps/{}", app.app.id),
                    &owner,
                    Some(&json!({"recording": recording})),
                )
                .await;
            assert_eq!(response.status, 200, "{}", response.text());
        }
    };
    switch(false).await;
    let before = app.counts().await;
    let (status, body) = initialize_status(&app, &app.app.api_key, None).await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("app_not_recording"))
    );
    // Pages that initialized earlier get the same answer, which the SDK treats as final.
    let stats = app
        .post(
            "/v1/stats",
            &stats_body(&token, &peer, &connection, 1, "host", "udp"),
        )
        .await;
    assert_eq!(
        stats.json()["error_code"],
        "app_not_recording",
        "{}",
        stats.text()
    );
    let event = app
        .post(
            "/v1/connection",
            &json!({"eventName": "onconnectionstatechange", "peerId": peer, "connectionId": connection,
                    "data": "connected", "token": token}),
        )
        .await;
    assert_eq!(event.status, 400);
    assert_eq!(
        app.counts().await,
        before,
        "nothing is stored while recording is off"
    );

    switch(true).await;
    let stats = app
        .post(
            "/v1/stats",
            &stats_body(&token, &peer, &connection, 2, "host", "udp"),
        )
        .await;
    assert_eq!(stats.status, 200, "{}", stats.text());
    assert_eq!(initialize_status(&app, &app.app.api_key, None).await.0, 200);
    app.stop().await;
}

async fn personal_tokens_work_until_revoked_or_expired(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (user, owner) = owner_cookie(&app).await;
    let created = app
        .call(
            "POST",
            "/api/tokens",
            &owner,
            Some(&json!({"name": "grafana"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("cvt_") && token.len() > 60);
    let bearer = Auth::Bearer(token.clone());
    let me = app.call("GET", "/api/session", &bearer, None).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["user"]["email"], user.email.as_str());
    let conferences = app
        .call(
            "GET",
            &format!("/v1/conferences?appId={}", app.app.id),
            &bearer,
            None,
        )
        .await;
    assert_eq!(conferences.status, 200);

    // Listed without the secret, with its last use.
    let listed = app.call("GET", "/api/tokens", &owner, None).await;
    assert!(!listed.text().contains(&token));
    assert!(listed.json()[0]["last_used_at"].is_string());

    // Another user cannot revoke it.
    let other = app.user_in(app.app.organization_id, Role::Owner).await;
    let other = Auth::Cookie(app.login(&other).await);
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        app.call("DELETE", &format!("/api/tokens/{id}"), &other, None)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call("GET", "/api/session", &bearer, None).await.status,
        200
    );
    assert_eq!(
        app.call("DELETE", &format!("/api/tokens/{id}"), &owner, None)
            .await
            .status,
        204
    );
    let revoked = app.call("GET", "/api/session", &bearer, None).await;
    assert_eq!(revoked.status, 401);
    assert_eq!(revoked.json()["error_code"], "not_authenticated");

    // Expiry.
    let short = app
        .call(
            "POST",
            "/api/tokens",
            &owner,
            Some(&json!({"name": "short", "expires_in_seconds": 1})),
        )
        .await
        .json();
    let short = Auth::Bearer(short["token"].as_str().unwrap().to_owned());
    assert_eq!(
        app.call("GET", "/api/session", &short, None).await.status,
        200
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        app.call("GET", "/api/session", &short, None).await.status,
        401
    );
    assert_eq!(
        app.call(
            "POST",
            "/api/tokens",
            &owner,
            Some(&json!({"name": "x", "expires_in_seconds": 0}))
        )
        .await
        .status,
        400
    );

    // The operator token is a superuser; a made-up bearer is nobody.
    let operator = app
        .call(
            "GET",
            "/api/session",
            &Auth::Bearer(ADMIN_TOKEN.into()),
            None,
        )
        .await
        .json();
    assert_eq!(operator["operator"], true);
    assert_eq!(
        app.call(
            "GET",
            "/api/session",
            &Auth::Bearer("cvt_nope".into()),
            None
        )
        .await
        .status,
        401
    );
    app.stop().await;

    // Without CALLVITALS_ADMIN_TOKEN there is no operator access at all.
    let bare = TestApp::spawn_with(
        engine,
        SettingsLayer {
            admin_token: Some(callvitals::config::Secret::new("")),
            ..Default::default()
        },
    )
    .await;
    let refused = bare
        .call(
            "GET",
            "/api/session",
            &Auth::Bearer(ADMIN_TOKEN.into()),
            None,
        )
        .await;
    assert_eq!(refused.status, 401);
    let empty = bare
        .call("GET", "/v1/apps", &Auth::Bearer(String::new()), None)
        .await;
    assert_eq!(empty.status, 401);
    bare.stop().await;
}

async fn roles_keep_an_owner_and_members_change_only_their_password(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let org = app.app.organization_id;
    let (owner_user, owner) = owner_cookie(&app).await;
    let member_user = app.user_in(org, Role::Member).await;
    let member = Auth::Cookie(app.login(&member_user).await);

    // The last owner can neither leave nor be demoted.
    let demote = app
        .call(
            "PUT",
            &format!("/api/organizations/{org}/members/{}", owner_user.id),
            &owner,
            Some(&json!({"role": "member"})),
        )
        .await;
    assert_eq!(demote.status, 409, "{}", demote.text());
    assert_eq!(demote.json()["error_code"], "last_owner");
    let leave = app
        .call(
            "DELETE",
            &format!("/api/organizations/{org}/members/{}", owner_user.id),
            &owner,
            None,
        )
        .await;
    assert_eq!(leave.status, 409);
    // Promote the member, then the first owner may step down.
    let promote = app
        .call(
            "PUT",
            &format!("/api/organizations/{org}/members/{}", member_user.id),
            &owner,
            Some(&json!({"role": "owner"})),
        )
        .await;
    assert_eq!(promote.status, 200);
    let demote = app
        .call(
            "PUT",
            &format!("/api/organizations/{org}/members/{}", owner_user.id),
            &owner,
            Some(&json!({"role": "member"})),
        )
        .await;
    assert_eq!(demote.status, 200);
    // Roles take effect on the next request: the former owner may no longer manage.
    let refused = app
        .call(
            "PATCH",
            &format!("/api/apps/{}", app.app.id),
            &owner,
            Some(&json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["error_code"], "permission_denied");

    // A member changes their own password; other sessions end, the old password fails.
    let demoted = Auth::Cookie(app.login(&owner_user).await);
    let change = app
        .call(
            "PUT",
            "/api/me/password",
            &demoted,
            Some(&json!({"current_password": owner_user.password, "new_password": "a brand new password"})),
        )
        .await;
    assert_eq!(change.status, 200, "{}", change.text());
    assert_eq!(
        app.call("GET", "/api/session", &owner, None).await.status,
        401,
        "other sessions end"
    );
    assert_eq!(
        app.call("GET", "/api/session", &demoted, None).await.status,
        200,
        "this one stays"
    );
    let old = app
        .call(
            "POST",
            "/api/session",
            &Auth::Anonymous,
            Some(&json!({"email": owner_user.email, "password": owner_user.password})),
        )
        .await;
    assert_eq!(old.status, 401);
    let short = app
        .call(
            "PUT",
            "/api/me/password",
            &demoted,
            Some(&json!({"current_password": "a brand new password", "new_password": "short"})),
        )
        .await;
    assert_eq!(short.status, 400);

    // A new email added by an owner gets a one-time password that logs in.
    let added = app
        .call(
            "POST",
            &format!("/api/organizations/{org}/members"),
            &member,
            Some(&json!({"email": "New.Person@Example.com", "role": "member"})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    let added = added.json();
    assert_eq!(added["member"]["email"], "new.person@example.com");
    let initial = added["initial_password"].as_str().unwrap();
    let login = app
        .call(
            "POST",
            "/api/session",
            &Auth::Anonymous,
            Some(&json!({"email": "new.person@example.com", "password": initial})),
        )
        .await;
    assert_eq!(login.status, 200);
    let members = app
        .call(
            "GET",
            &format!("/api/organizations/{org}/members"),
            &member,
            None,
        )
        .await
        .json();
    assert_eq!(members.as_array().unwrap().len(), 3);
    let audit = app
        .call(
            "GET",
            &format!("/api/organizations/{org}/audit?limit=200"),
            &member,
            None,
        )
        .await
        .json();
    let actions: Vec<&str> = audit["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["action"].as_str().unwrap())
        .collect();
    for action in ["role_changed", "member_added", "password_changed", "login"] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    app.stop().await;
}
