//! Authorization on every route, walked from the server's own route table: each route
//! is called as an anonymous visitor, as an owner of another organization, as a
//! member and as an owner of the organization that owns the data. The test asserts
//! the status each gets and that no answer holds anything of a tenant the caller does
//! not belong to. A route missing from `EXPECTED` fails the test.

use std::collections::BTreeSet;

use callvitals::domain::access::Role;
use callvitals::http::routes::{Access, route_table};
use serde_json::{Value, json};

use crate::engine_tests;
use crate::helpers::{Auth, Engine, TestApp, TestUser};

engine_tests!(every_route_answers_each_caller_as_its_access_says);

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// An owner of another organization.
    Outsider,
    Member,
    Owner,
}

const EVERYONE: [Who; 4] = [Who::Anonymous, Who::Outsider, Who::Member, Who::Owner];

/// (method, path, [anonymous, outsider, member, owner]). `SAME` means: whatever the
/// credentials, the same answer (public and SDK routes ignore dashboard credentials).
const SAME: [u16; 4] = [0; 4];
const EXPECTED: &[(&str, &str, [u16; 4])] = &[
    ("POST", "/v1/initialize", SAME),
    ("POST", "/v1/sessions", SAME),
    ("PUT", "/v1/sessions", SAME),
    ("POST", "/v1/connection", SAME),
    ("POST", "/v1/events/browser", SAME),
    ("POST", "/v1/events/get-user-media", SAME),
    ("POST", "/v1/stats", SAME),
    ("POST", "/v1/tracks", SAME),
    ("PUT", "/v1/tracks", SAME),
    ("POST", "/v1/services/stop-conference", SAME),
    ("POST", "/v1/services/get-url", SAME),
    ("GET", "/v1/apps", [401, 200, 200, 200]),
    ("GET", "/v1/apps/{id}", [401, 404, 200, 200]),
    ("GET", "/v1/conferences", [401, 200, 200, 200]),
    ("GET", "/v1/conferences/{id}", [401, 404, 200, 200]),
    ("GET", "/v1/participants", [401, 200, 200, 200]),
    ("GET", "/v1/participants/{id}", [401, 404, 200, 200]),
    ("GET", "/v1/sessions", [401, 200, 200, 200]),
    ("GET", "/v1/sessions/{id}", [401, 404, 200, 200]),
    ("GET", "/v1/connections", [401, 200, 200, 200]),
    ("GET", "/v1/connections/{id}", [401, 404, 200, 200]),
    ("GET", "/v1/issues", [401, 200, 200, 200]),
    ("GET", "/v1/issues/{id}", [401, 404, 200, 200]),
    ("GET", "/v1/connections/{id}/series", [401, 404, 200, 200]),
    // Search is filtered, not refused: the outsider finds only their own rooms.
    ("GET", "/v1/search", [401, 200, 200, 200]),
    ("GET", "/v1/conferences/summary", [401, 404, 200, 200]),
    ("GET", "/v1/issues/summary", [401, 404, 200, 200]),
    ("GET", "/v1/issues/gum-summary", [401, 404, 200, 200]),
    (
        "GET",
        "/v1/conferences/duration-summary",
        [401, 404, 200, 200],
    ),
    (
        "GET",
        "/v1/connections/setup-time-summary",
        [401, 404, 200, 200],
    ),
    (
        "GET",
        "/v1/conferences/participant-count-summary",
        [401, 404, 200, 200],
    ),
    ("GET", "/v1/connections/summary", [401, 404, 200, 200]),
    ("GET", "/v1/sessions/summary", [401, 404, 200, 200]),
    ("GET", "/v1/dashboard", [401, 404, 200, 200]),
    ("POST", "/api/session", SAME),
    ("GET", "/api/session", [401, 200, 200, 200]),
    ("DELETE", "/api/session", [401, 204, 204, 204]),
    ("PUT", "/api/me/password", [401, 200, 200, 200]),
    ("GET", "/api/tokens", [401, 200, 200, 200]),
    ("POST", "/api/tokens", [401, 201, 201, 201]),
    ("DELETE", "/api/tokens/{id}", [401, 204, 204, 204]),
    ("POST", "/api/organizations", [401, 201, 201, 201]),
    (
        "GET",
        "/api/organizations/{id}/members",
        [401, 404, 200, 200],
    ),
    (
        "POST",
        "/api/organizations/{id}/members",
        [401, 404, 403, 201],
    ),
    (
        "PUT",
        "/api/organizations/{id}/members/{user}",
        [401, 404, 403, 200],
    ),
    (
        "DELETE",
        "/api/organizations/{id}/members/{user}",
        [401, 404, 403, 204],
    ),
    ("GET", "/api/organizations/{id}/audit", [401, 404, 403, 200]),
    ("POST", "/api/organizations/{id}/apps", [401, 404, 403, 201]),
    ("GET", "/api/apps/{id}", [401, 404, 200, 200]),
    ("PATCH", "/api/apps/{id}", [401, 404, 403, 200]),
    ("DELETE", "/api/apps/{id}", [401, 404, 403, 204]),
    ("POST", "/api/apps/{id}/rotate-key", [401, 404, 403, 200]),
    ("GET", "/api/openapi.json", SAME),
    ("GET", "/health", SAME),
    ("GET", "/metrics", SAME),
    ("GET", "/", SAME),
];

/// The tenant whose data is called for, and the other one.
struct World {
    app: TestApp,
    owner: TestUser,
    member: TestUser,
    outsider: TestUser,
    cookies: [String; 3],
    /// Ids of tenant A's objects by resource path segment.
    ids: Vec<(&'static str, String)>,
    /// Strings only tenant A's answers may hold, and only tenant B's.
    marks_a: Vec<String>,
    marks_b: Vec<String>,
}

impl World {
    fn user(&self, who: Who) -> Option<&TestUser> {
        match who {
            Who::Anonymous => None,
            Who::Outsider => Some(&self.outsider),
            Who::Member => Some(&self.member),
            Who::Owner => Some(&self.owner),
        }
    }

    fn auth(&self, who: Who) -> Auth {
        match who {
            Who::Anonymous => Auth::Anonymous,
            Who::Outsider => Auth::Cookie(self.cookies[0].clone()),
            Who::Member => Auth::Cookie(self.cookies[1].clone()),
            Who::Owner => Auth::Cookie(self.cookies[2].clone()),
        }
    }

    fn id_of(&self, resource: &str) -> &str {
        &self
            .ids
            .iter()
            .find(|(name, _)| *name == resource)
            .unwrap()
            .1
    }

    fn org_a(&self) -> uuid::Uuid {
        self.app.app.organization_id
    }

    /// A throwaway app of tenant A, for routes that destroy what they touch.
    async fn spare_app(&self) -> String {
        let name = format!("spare-{}", uuid::Uuid::new_v4().simple());
        let (app, _) = callvitals::cli::create_app(&self.app.store, "Acme", &name, None)
            .await
            .unwrap();
        app.id.to_string()
    }

    /// The concrete path and body of a route for a caller: objects of tenant A, fresh
    /// ones where the call destroys or changes them.
    async fn request(&self, method: &str, path: &str, who: Who) -> (String, Option<Value>, Auth) {
        let org = self.org_a().to_string();
        let app_id = self.app.app.id.to_string();
        let mut auth = self.auth(who);
        let (path, body) = match (method, path) {
            ("GET", "/v1/apps") => (path.to_owned(), None),
            ("GET", "/v1/connections/{id}/series") => {
                (path.replace("{id}", self.id_of("connections")), None)
            }
            // Words of both tenants' rooms: an outsider must find only their own.
            ("GET", "/v1/search") => (format!("{path}?q=room"), None),
            ("GET", list) if list.starts_with("/v1/") && !list.ends_with("{id}") => {
                (format!("{list}?appId={app_id}"), None)
            }
            ("GET", detail) if detail.starts_with("/v1/") => {
                let resource = detail.trim_start_matches("/v1/").trim_end_matches("/{id}");
                (detail.replace("{id}", self.id_of(resource)), None)
            }
            (_, sdk) if sdk.starts_with("/v1/") => (sdk.to_owned(), Some(json!({}))),
            ("POST", "/api/session") => (
                path.to_owned(),
                Some(json!({"email": self.member.email, "password": "not the password"})),
            ),
            ("DELETE", "/api/session") => {
                // Logging out ends the session: use a session of its own.
                if let Some(user) = self.user(who) {
                    auth = Auth::Cookie(self.app.login(user).await);
                }
                (path.to_owned(), None)
            }
            ("PUT", "/api/me/password") => {
                let password = self
                    .user(who)
                    .map_or("x".repeat(12), |user| user.password.clone());
                (
                    path.to_owned(),
                    Some(json!({"current_password": password, "new_password": password})),
                )
            }
            ("POST", "/api/tokens") => (path.to_owned(), Some(json!({"name": "ci"}))),
            ("DELETE", "/api/tokens/{id}") => {
                let owner = self.user(who).unwrap_or(&self.member);
                let accounts = callvitals::accounts::Accounts::new(
                    self.app.store.clone(),
                    crate::helpers::settings(Default::default()).accounts(),
                );
                let (row, _) = accounts
                    .create_token(owner.id, "spare", None)
                    .await
                    .unwrap();
                (format!("/api/tokens/{}", row.id), None)
            }
            ("POST", "/api/organizations") => (
                path.to_owned(),
                Some(json!({"name": format!("org-{}", uuid::Uuid::new_v4().simple())})),
            ),
            ("POST", "/api/organizations/{id}/members") => (
                path.replace("{id}", &org),
                Some(
                    json!({"email": format!("{}@example.com", uuid::Uuid::new_v4().simple()), "role": "member"}),
                ),
            ),
            (_, "/api/organizations/{id}/members/{user}") => {
                let spare = self.app.user_in(self.org_a(), Role::Member).await;
                let path = path
                    .replace("{id}", &org)
                    .replace("{user}", &spare.id.to_string());
                (path, (method == "PUT").then(|| json!({"role": "owner"})))
            }
            ("POST", "/api/organizations/{id}/apps") => (
                path.replace("{id}", &org),
                Some(
                    json!({"name": format!("app-{}", uuid::Uuid::new_v4().simple()), "domains": ["*.example.com"]}),
                ),
            ),
            (_, "/api/organizations/{id}/members" | "/api/organizations/{id}/audit") => {
                (path.replace("{id}", &org), None)
            }
            ("GET", "/api/apps/{id}") => (path.replace("{id}", &app_id), None),
            ("PATCH", "/api/apps/{id}") => (
                path.replace("{id}", &app_id),
                Some(json!({"recording": true})),
            ),
            ("DELETE", "/api/apps/{id}") => (path.replace("{id}", &self.spare_app().await), None),
            ("POST", "/api/apps/{id}/rotate-key") => (
                path.replace("{id}", &self.spare_app().await),
                Some(json!({"grace_seconds": 60})),
            ),
            _ => (path.to_owned(), None),
        };
        (path, body, auth)
    }
}

async fn world(engine: Engine) -> World {
    let app = TestApp::spawn(engine).await;
    // Tenant A: calls with a failed connection, so every resource has a row.
    let token = app.join("room-a", "alice").await;
    let (peer, connection) = app.add_connection(&token, "bob", 0).await;
    let failed = app
        .post(
            "/v1/connection",
            &json!({"eventName": "onconnectionstatechange", "peerId": peer, "connectionId": connection,
                    "data": "failed", "token": token, "delta": 10}),
        )
        .await;
    assert_eq!(failed.status, 200, "{}", failed.text());
    // Tenant B, with an app and a call of its own.
    let (app_b, _) = callvitals::cli::create_app(&app.store, "Globex", "globex-app", None)
        .await
        .unwrap();
    let init = app
        .post(
            "/v1/initialize",
            &json!({"conferenceId": "room-b", "userId": "carol-b", "apiKey": app_b.api_key}),
        )
        .await;
    assert_eq!(init.status, 200);

    let org_a = app.app.organization_id;
    let owner = app.user_in(org_a, Role::Owner).await;
    let member = app.user_in(org_a, Role::Member).await;
    let outsider = app.user_in(app_b.organization_id, Role::Owner).await;
    let cookies = [
        app.login(&outsider).await,
        app.login(&member).await,
        app.login(&owner).await,
    ];

    let mut ids = vec![("apps", app.app.id.to_string())];
    for resource in [
        "conferences",
        "participants",
        "sessions",
        "connections",
        "issues",
    ] {
        let page = app
            .admin_get(&format!("/v1/{resource}?appId={}", app.app.id))
            .await
            .json();
        let id = page["results"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("a row of {resource}"))
            .to_owned();
        ids.push((resource, id));
    }
    let mut marks_a: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    marks_a.extend([
        org_a.to_string(),
        app.app.api_key.clone(),
        "room-a".into(),
        owner.email.clone(),
        member.email.clone(),
        "\"Acme\"".into(),
    ]);
    let marks_b = vec![
        app_b.id.to_string(),
        app_b.organization_id.to_string(),
        app_b.api_key.clone(),
        "globex-app".into(),
        "Globex".into(),
        "room-b".into(),
        outsider.email.clone(),
    ];
    World {
        app,
        owner,
        member,
        outsider,
        cookies,
        ids,
        marks_a,
        marks_b,
    }
}

async fn every_route_answers_each_caller_as_its_access_says(engine: Engine) {
    // The table covers exactly the server's routes.
    let served: BTreeSet<(String, String)> = route_table()
        .iter()
        .map(|route| (route.method.to_string(), route.path.clone()))
        .collect();
    let expected: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(method, path, _)| (method.to_string(), path.to_string()))
        .collect();
    assert_eq!(
        served.difference(&expected).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without an entry in EXPECTED"
    );
    assert_eq!(
        expected.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "entries of EXPECTED that are no route"
    );
    // Dashboard routes never answer an anonymous caller, and every member or owner
    // route hides other organizations' objects.
    for route in route_table() {
        let (_, _, statuses) = EXPECTED
            .iter()
            .find(|(method, path, _)| *method == route.method.as_str() && *path == route.path)
            .unwrap();
        if matches!(route.access, Access::User | Access::Member | Access::Owner) {
            assert_eq!(
                statuses[0], 401,
                "{} {} lets anonymous callers in",
                route.method, route.path
            );
        }
        if route.access == Access::Owner {
            assert_eq!(
                statuses[2], 403,
                "{} {} lets members change things",
                route.method, route.path
            );
        }
    }

    let world = world(engine).await;
    let mut failures = Vec::new();
    for (method, path, statuses) in EXPECTED {
        let mut same_status = None;
        for (index, who) in EVERYONE.into_iter().enumerate() {
            let (concrete, body, auth) = world.request(method, path, who).await;
            let response = world
                .app
                .call(method, &concrete, &auth, body.as_ref())
                .await;
            let status = response.status.as_u16();
            if *statuses == SAME && status >= 500 {
                failures.push(format!("{method} {path} as {who:?}: {status}"));
            }
            let expected = if *statuses == SAME {
                *same_status.get_or_insert(status)
            } else {
                statuses[index]
            };
            if status != expected {
                failures.push(format!(
                    "{method} {path} as {who:?}: {status}, expected {expected}: {}",
                    response.text()
                ));
            }
            let text = response.text();
            let foreign = match who {
                Who::Anonymous | Who::Outsider => &world.marks_a,
                Who::Member | Who::Owner => &world.marks_b,
            };
            // Public pages name no tenant at all; the outsider may see their own.
            let leaked: Vec<&String> = foreign
                .iter()
                .filter(|mark| text.contains(mark.as_str()))
                .collect();
            if !leaked.is_empty() {
                failures.push(format!(
                    "{method} {path} as {who:?} leaked {leaked:?}: {text}"
                ));
            }
            if who == Who::Anonymous {
                let own: Vec<&String> = world
                    .marks_b
                    .iter()
                    .filter(|mark| text.contains(mark.as_str()))
                    .collect();
                if !own.is_empty() {
                    failures.push(format!("{method} {path} anonymous leaked {own:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Lists are filtered, not refused: the outsider's lists of tenant A are empty.
    let app_a = world.app.app.id;
    for resource in [
        "conferences",
        "participants",
        "sessions",
        "connections",
        "issues",
    ] {
        let outsider = world
            .app
            .call(
                "GET",
                &format!("/v1/{resource}?appId={app_a}"),
                &world.auth(Who::Outsider),
                None,
            )
            .await
            .json();
        assert_eq!(outsider["count"], 0, "{resource}: {outsider}");
        let member = world
            .app
            .call(
                "GET",
                &format!("/v1/{resource}?appId={app_a}"),
                &world.auth(Who::Member),
                None,
            )
            .await
            .json();
        assert!(
            member["count"].as_i64().unwrap() >= 1,
            "{resource}: {member}"
        );
    }
    world.app.stop().await;
}

/// `docs/accounts.md` tells users which role each route needs; it must say what the
/// router does.
#[test]
fn docs_list_every_route_with_its_access() {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/accounts.md"))
        .expect("docs/accounts.md");
    let documented: BTreeSet<(String, String, String)> = docs
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .trim()
                .trim_matches('|')
                .split('|')
                .map(str::trim)
                .collect();
            match cells.as_slice() {
                [method, path, access]
                    if method.chars().all(|c| c.is_ascii_uppercase()) && path.starts_with('/') =>
                {
                    Some((method.to_string(), path.to_string(), access.to_string()))
                }
                _ => None,
            }
        })
        .collect();
    let served: BTreeSet<(String, String, String)> = route_table()
        .iter()
        .map(|route| {
            (
                route.method.to_string(),
                route.path.clone(),
                route.access.as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        served.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "routes missing from docs/accounts.md, or documented with another access"
    );
    assert_eq!(
        documented.difference(&served).collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "rows of docs/accounts.md that are no route"
    );
}
