//! The embedded dashboard: its page, its files, and what is never the page.

use crate::engine_tests;
use crate::helpers::{Engine, TestApp};

engine_tests!(
    the_page_is_served_at_every_client_route_with_a_strict_policy_and_no_caching,
    hashed_files_are_immutable_and_precompressed,
    unknown_api_paths_answer_json_404s_never_the_page
);

async fn get(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
) -> callvitals::http_client::HttpResponse {
    app.call_with("GET", path, headers, None).await
}

fn header<'a>(response: &'a callvitals::http_client::HttpResponse, name: &str) -> &'a str {
    response
        .headers
        .get(name)
        .map(|value| value.to_str().unwrap())
        .unwrap_or_default()
}

/// The hashed files `index.html` names.
fn assets_of(page: &str) -> Vec<String> {
    page.split(['"', '\''])
        .filter(|part| part.starts_with("/assets/"))
        .map(str::to_owned)
        .collect()
}

async fn the_page_is_served_at_every_client_route_with_a_strict_policy_and_no_caching(
    engine: Engine,
) {
    let app = TestApp::spawn(engine).await;
    let root = get(&app, "/", &[]).await;
    assert_eq!(root.status, 200);
    assert!(header(&root, "content-type").starts_with("text/html"));
    assert!(root.text().contains(r#"<div id="app">"#), "{}", root.text());
    assert_eq!(header(&root, "cache-control"), "no-store");
    let policy = header(&root, "content-security-policy");
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // No inline script for the policy to forbid: every script is a file.
    let page = root.text();
    assert!(!page.contains("<script>"), "{page}");
    let scripts = page.matches("<script").count();
    assert!(scripts >= 1, "{page}");
    assert_eq!(
        scripts,
        page.matches(r#"<script type="module" crossorigin src="/assets/"#)
            .count(),
        "{page}"
    );

    // Client-side routes of the dashboard get the same page.
    for path in [
        "/login",
        "/apps/123/settings",
        "/anything/else?x=1",
        "/conference/abc",
    ] {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.body, root.body, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-store");
    }
    app.stop().await;
}

async fn hashed_files_are_immutable_and_precompressed(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let page = get(&app, "/", &[]).await.text();
    let assets = assets_of(&page);
    assert!(assets.iter().any(|path| path.ends_with(".js")), "{page}");
    assert!(assets.iter().any(|path| path.ends_with(".css")), "{page}");
    for path in &assets {
        let plain = get(&app, path, &[]).await;
        assert_eq!(plain.status, 200, "{path}");
        assert_eq!(
            header(&plain, "cache-control"),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(header(&plain, "content-encoding"), "");
        let kind = header(&plain, "content-type");
        assert!(
            kind.starts_with(if path.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            }),
            "{path}: {kind}"
        );
        if plain.body.len() < 1024 {
            continue;
        }
        let brotli = get(
            &app,
            path,
            &[("accept-encoding", "gzip, deflate, br".into())],
        )
        .await;
        assert_eq!(header(&brotli, "content-encoding"), "br", "{path}");
        assert_eq!(header(&brotli, "vary"), "accept-encoding");
        assert!(brotli.body.len() < plain.body.len());
        let gzip = get(&app, path, &[("accept-encoding", "gzip".into())]).await;
        assert_eq!(header(&gzip, "content-encoding"), "gzip", "{path}");
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gzip.body[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, plain.body, "{path}: the gzip file is the file");
        let refused = get(
            &app,
            path,
            &[("accept-encoding", "br;q=0, gzip;q=0".into())],
        )
        .await;
        assert_eq!(header(&refused, "content-encoding"), "");
    }
    // The budget: the JavaScript a first visit loads stays within 250 KB gzipped.
    let mut initial_js = 0;
    for path in assets.iter().filter(|path| path.ends_with(".js")) {
        initial_js += get(&app, path, &[("accept-encoding", "gzip".into())])
            .await
            .body
            .len();
    }
    assert!(
        initial_js <= 250_000,
        "initial JavaScript: {initial_js} bytes gzipped"
    );

    let icon = get(&app, "/favicon.png", &[]).await;
    assert_eq!(icon.status, 200);
    assert_eq!(header(&icon, "content-type"), "image/png");
    assert_eq!(header(&icon, "cache-control"), "public, max-age=86400");
    assert!(icon.body.starts_with(b"\x89PNG"));
    // A hashed file of another build is a 404, not the page parsed as a script.
    let stale = get(&app, "/assets/index-0000000.js", &[]).await;
    assert_eq!(stale.status, 404);
    assert_eq!(stale.json()["error_code"], "not_found");
    app.stop().await;
}

async fn unknown_api_paths_answer_json_404s_never_the_page(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    for path in [
        "/v1/nothing",
        "/v1",
        "/api/nothing",
        "/api",
        "/api/apps/x/y/z",
        "/v1/conferences/x/y",
    ] {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status, 404, "{path}");
        assert!(
            header(&response, "content-type").starts_with("application/json"),
            "{path}"
        );
        assert_eq!(response.json()["error_code"], "not_found", "{path}");
    }
    // Writing to a page is no route either.
    let posted = app.call_with("POST", "/apps/x", &[], None).await;
    assert_eq!(posted.status, 405);
    assert_eq!(posted.json()["error_code"], "method_not_allowed");
    app.stop().await;
}
