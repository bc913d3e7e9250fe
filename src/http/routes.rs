//! Every route of the server in one table: its method and path, who may call it, its
//! handler and its documentation. The router and the OpenAPI document are both built
//! from this table, and the authorization test walks it, so a route cannot exist
//! without being documented and tested for access.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, get, on, post};
use utoipa::openapi::{RefOr, Schema};

use super::account::{apps, organizations, session, tokens, views};
use super::{AppState, body, read, sdk, search, series, summary};
use crate::accounts::Caller;
use crate::ingest::EventCategory;
use crate::store::Resource;
use crate::summary::Chart;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, metrics, login, the API description.
    Public,
    /// The PeerMetrics SDK and the customer's servers: an app key, a token the API
    /// minted, or an app's server secret.
    Sdk,
    /// Any logged-in user, acting on their own account.
    User,
    /// A member of the organization that owns the object; others get 404.
    Member,
    /// An owner of that organization; members get 403, others 404.
    Owner,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Sdk => "sdk",
            Access::User => "user",
            Access::Member => "member",
            Access::Owner => "owner",
        }
    }
}

/// Routes of a group share their middleware (rate-limit budget, CORS).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    Ingest,
    Dashboard,
    Operations,
}

/// Adds a type's schema (and those it names) and returns a reference to it.
pub type SchemaOf = fn(&mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema>;

pub fn schema<T: utoipa::ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
    RefOr::Ref(utoipa::openapi::Ref::from_schema_name(T::name()))
}

pub fn list_of<T: utoipa::ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> RefOr<Schema> {
    let item = schema::<T>(out);
    RefOr::T(Schema::Array(utoipa::openapi::schema::Array::new(item)))
}

/// One route's documentation and access.
#[derive(Clone)]
pub struct RouteDoc {
    pub method: Method,
    /// In axum's syntax (`/api/apps/{id}`), which is also OpenAPI's.
    pub path: String,
    pub access: Access,
    pub group: Group,
    pub tag: &'static str,
    pub summary: String,
    pub query: &'static [(&'static str, &'static str)],
    pub request: Option<SchemaOf>,
    pub response: Option<SchemaOf>,
    /// The status of a successful answer.
    pub status: u16,
}

pub struct Route {
    pub doc: RouteDoc,
    pub handler: MethodRouter<Arc<AppState>>,
}

struct Builder(Vec<Route>);

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        method: Method,
        path: impl Into<String>,
        access: Access,
        group: Group,
        tag: &'static str,
        summary: impl Into<String>,
        handler: MethodRouter<Arc<AppState>>,
    ) -> &mut RouteDoc {
        self.0.push(Route {
            doc: RouteDoc {
                method,
                path: path.into(),
                access,
                group,
                tag,
                summary: summary.into(),
                query: &[],
                request: None,
                response: None,
                status: 200,
            },
            handler,
        });
        &mut self.0.last_mut().expect("just pushed").doc
    }
}

impl RouteDoc {
    fn body(&mut self, request: SchemaOf) -> &mut Self {
        self.request = Some(request);
        self
    }

    fn answers(&mut self, status: u16, response: Option<SchemaOf>) -> &mut Self {
        self.status = status;
        self.response = response;
        self
    }

    fn query(&mut self, query: &'static [(&'static str, &'static str)]) -> &mut Self {
        self.query = query;
        self
    }
}

const LIST_QUERY: &[(&str, &str)] = &[
    ("appId", "app UUID"),
    ("conferenceId", "conference UUID"),
    ("participantId", "participant UUID"),
    ("sessionId", "session UUID (connections, issues)"),
    (
        "created_at_gte",
        "ISO 8601 time, inclusive (also _gt, _lte, _lt)",
    ),
    ("issue_code", "issue code (conferences, issues)"),
    ("duration_gte", "seconds (conferences; also duration_lt)"),
    ("ongoing", "true or false (conferences)"),
    ("room", "the customer's conference id (conferences)"),
    (
        "order",
        "newest (default) or oldest first, by creation time",
    ),
    ("limit", "1 to 200, default 50"),
    ("cursor", "the `next` of the previous page"),
];

/// The conference list: the common list parameters, read as the summaries read them,
/// and the slices of every chart (`docs/summaries.md`, "Click-to-detail").
const CONFERENCE_LIST_QUERY: &[(&str, &str)] = &[
    ("appId", "app UUID"),
    ("participantId", "participant UUID"),
    (
        "created_at_gte",
        "ISO 8601 date or time, inclusive; a date is its local day's start in tz",
    ),
    (
        "created_at_lte",
        "ISO 8601 date or time, inclusive; a date is its local day's end in tz",
    ),
    (
        "tz",
        "IANA time zone of `day` and of bare dates (default UTC)",
    ),
    ("day", "a local date: one day of the conferences chart"),
    ("status", "ongoing, error, warning or success"),
    (
        "issue_code",
        "conferences with such an issue from a matching session",
    ),
    (
        "duration_gte",
        "seconds, inclusive (also duration_lt, exclusive)",
    ),
    (
        "setup_time_gte",
        "ms, inclusive (also setup_time_lt): conferences with such a connection",
    ),
    (
        "participant_count",
        "conferences with this many participants",
    ),
    (
        "connection_type",
        "host, srflx, prflx or relay: conferences with such a connection",
    ),
    ("city", "conferences with a matching session from this city"),
    ("browser", "browser name, or a comma-separated list"),
    ("os", "OS name, or a comma-separated list"),
    ("country", "ISO country code, or a comma-separated list"),
    ("app_version", "app version, or a comma-separated list"),
    ("ongoing", "true or false"),
    ("room", "the customer's conference id"),
    (
        "search",
        "conferences whose id starts with, or whose name contains, this text (any case)",
    ),
    (
        "order",
        "newest (default) or oldest first, by creation time",
    ),
    ("limit", "1 to 200, default 50"),
    ("cursor", "the `next` of the previous page"),
];

const SUMMARY_QUERY: &[(&str, &str)] = &[
    ("appId", "app UUID (required)"),
    (
        "created_at_gte",
        "ISO 8601 date or time, inclusive; a date is its local day's start (default: 30 days ago)",
    ),
    (
        "created_at_lte",
        "ISO 8601 date or time, inclusive; a date is its local day's end (default: now)",
    ),
    (
        "tz",
        "IANA time zone of the local days, e.g. Asia/Kolkata (default UTC)",
    ),
    ("browser", "browser name, or a comma-separated list"),
    ("os", "OS name, or a comma-separated list"),
    ("country", "ISO country code, or a comma-separated list"),
    ("app_version", "app version, or a comma-separated list"),
];

const SERIES_QUERY: &[(&str, &str)] = &[
    ("last", "the latest N points, 1 to 5000 (default 120)"),
    ("from", "unix ms, inclusive (also to)"),
    ("after", "unix ms: only newer points (live refresh)"),
    ("full", "true: the whole history"),
];

const SEARCH_QUERY: &[(&str, &str)] = &[
    ("q", "1 to 100 characters (required)"),
    ("limit", "1 to 50, default 10"),
];

const PAGE_QUERY: &[(&str, &str)] = &[
    ("limit", "1 to 200, default 50"),
    ("cursor", "the `next` of the previous page"),
];

/// Every route. The order is the OpenAPI document's.
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Group::*;
    let mut routes = Builder(Vec::new());

    // The SDK's ingest API (`peermetrics-api.md` §2), answered byte for byte.
    routes.add(
        Method::POST,
        "/v1/initialize",
        Sdk,
        Ingest,
        "ingest",
        "Start a page's reporting: an app key in, an init token out",
        post(sdk::initialize),
    );
    routes.add(
        Method::POST,
        "/v1/sessions",
        Sdk,
        Ingest,
        "ingest",
        "Create a session (init token)",
        post(sdk::create_session),
    );
    routes.add(
        Method::PUT,
        "/v1/sessions",
        Sdk,
        Ingest,
        "ingest",
        "Update a session (session token)",
        on(MethodFilter::PUT, sdk::update_session),
    );
    for (path, category, what) in [
        (
            "/v1/connection",
            EventCategory::Connection,
            "connection events",
        ),
        (
            "/v1/events/browser",
            EventCategory::Browser,
            "browser events",
        ),
        (
            "/v1/events/get-user-media",
            EventCategory::GetUserMedia,
            "getUserMedia events",
        ),
    ] {
        let handler = move |State(state): State<Arc<AppState>>, body: body::SdkBody| {
            sdk::post_event(category, state, body.0)
        };
        routes.add(
            Method::POST,
            path,
            Sdk,
            Ingest,
            "ingest",
            format!("Report {what} (session token)"),
            post(handler),
        );
    }
    routes.add(
        Method::POST,
        "/v1/stats",
        Sdk,
        Ingest,
        "ingest",
        "Report a getStats sample (session token)",
        post(sdk::post_stats),
    );
    routes.add(
        Method::POST,
        "/v1/tracks",
        Sdk,
        Ingest,
        "ingest",
        "Report a track (session token)",
        post(sdk::post_track),
    );
    routes.add(
        Method::PUT,
        "/v1/tracks",
        Sdk,
        Ingest,
        "ingest",
        "Update a track (session token)",
        on(MethodFilter::PUT, sdk::put_track),
    );
    routes.add(
        Method::POST,
        "/v1/services/stop-conference",
        Sdk,
        Ingest,
        "services",
        "End a conference (server secret)",
        post(sdk::stop_conference),
    );
    routes.add(
        Method::POST,
        "/v1/services/get-url",
        Sdk,
        Ingest,
        "services",
        "Dashboard link of a conference or participant (server secret)",
        post(sdk::get_url),
    );

    // The read API (`peermetrics-api.md` §3.1): one generic pair for every resource,
    // restricted to what the caller may see.
    for (path, resource) in [
        ("apps", Resource::Apps),
        ("conferences", Resource::Conferences),
        ("participants", Resource::Participants),
        ("sessions", Resource::Sessions),
        ("connections", Resource::Connections),
        ("issues", Resource::Issues),
    ] {
        let list = move |caller: Caller, state: State<Arc<AppState>>, query: Query<_>| {
            read::list(resource, caller, state, query)
        };
        routes
            .add(
                Method::GET,
                format!("/v1/{path}"),
                Member,
                Dashboard,
                "read",
                format!("List {path}, newest first"),
                get(list),
            )
            .query(match resource {
                Resource::Apps => PAGE_QUERY,
                Resource::Conferences => CONFERENCE_LIST_QUERY,
                _ => LIST_QUERY,
            });
        let detail =
            move |caller: Caller,
                  state: State<Arc<AppState>>,
                  id: Path<String>,
                  query: Query<_>| { read::detail(resource, caller, state, id, query) };
        let one = routes.add(
            Method::GET,
            format!("/v1/{path}/{{id}}"),
            Member,
            Dashboard,
            "read",
            match resource {
                Resource::Conferences => {
                    "One conference with its participants (peer stubs merged), \
                    sessions, issues, connections and events (docs/conferences.md)"
                        .to_owned()
                }
                Resource::Participants => "One participant with their conferences (paged), \
                    latest sessions and the browsers, systems, places and devices seen"
                    .to_owned(),
                _ => format!("One of {path}"),
            },
            get(detail),
        );
        if resource == Resource::Participants {
            one.query(PAGE_QUERY);
        }
    }

    // The conference page's quality graphs and the search box (docs/conferences.md).
    routes
        .add(
            Method::GET,
            "/v1/connections/{id}/series",
            Member,
            Dashboard,
            "read",
            "A connection's quality series: a window of points, the whole history's bounds, \
             the candidate pair over time and the events to mark",
            get(series::series),
        )
        .query(SERIES_QUERY);
    routes
        .add(
            Method::GET,
            "/v1/search",
            Member,
            Dashboard,
            "read",
            "Conferences and participants by customer id or name, in your organizations",
            get(search::search),
        )
        .query(SEARCH_QUERY);

    // Summaries and the dashboard bundle: one handler, the chart chosen per route.
    // A filter selects sessions (see `domain::filter`).
    for (path, chart, summary, response) in [
        (
            "/v1/conferences/summary",
            Chart::Conferences,
            "Conferences per local day, by status (ongoing, error, warning, success), every day of the range",
            None,
        ),
        (
            "/v1/issues/summary",
            Chart::Issues,
            "Issues by code: issues and conferences affected",
            None,
        ),
        (
            "/v1/issues/gum-summary",
            Chart::GetUserMedia,
            "getUserMedia errors by name",
            None,
        ),
        (
            "/v1/conferences/duration-summary",
            Chart::Durations,
            "Conferences in the 12 duration buckets",
            None,
        ),
        (
            "/v1/connections/setup-time-summary",
            Chart::SetupTimes,
            "Connections in the 11 setup-time buckets",
            None,
        ),
        (
            "/v1/conferences/participant-count-summary",
            Chart::Participants,
            "Conferences by number of participants",
            None,
        ),
        (
            "/v1/connections/summary",
            Chart::Connections,
            "Relayed against direct connections, and connections per candidate type",
            None,
        ),
        (
            "/v1/sessions/summary",
            Chart::Sessions,
            "Sessions by browser, OS, country, city (with coordinates) and app version",
            None,
        ),
        (
            "/v1/dashboard",
            Chart::Dashboard,
            "Every chart of the app dashboard and the filter choices, in one answer",
            Some(schema::<crate::summary::Dashboard> as SchemaOf),
        ),
    ] {
        let handler = move |caller: Caller, state: State<Arc<AppState>>, query: Query<_>| {
            summary::summary(chart, caller, state, query)
        };
        routes
            .add(
                Method::GET,
                path,
                Member,
                Dashboard,
                "summaries",
                summary,
                get(handler),
            )
            .query(SUMMARY_QUERY)
            .answers(200, response);
    }

    // Accounts.
    routes
        .add(
            Method::POST,
            "/api/session",
            Public,
            Dashboard,
            "session",
            "Log in: sets the session cookie",
            on(MethodFilter::POST, session::login),
        )
        .body(schema::<session::LoginRequest>)
        .answers(200, Some(schema::<views::SessionView>));
    routes
        .add(
            Method::GET,
            "/api/session",
            User,
            Dashboard,
            "session",
            "The caller, their organizations and roles",
            get(session::current),
        )
        .answers(200, Some(schema::<views::SessionView>));
    routes
        .add(
            Method::DELETE,
            "/api/session",
            User,
            Dashboard,
            "session",
            "Log out",
            on(MethodFilter::DELETE, session::logout),
        )
        .answers(204, None);
    routes
        .add(
            Method::PUT,
            "/api/me/password",
            User,
            Dashboard,
            "session",
            "Change one's own password (ends one's other sessions)",
            on(MethodFilter::PUT, session::change_password),
        )
        .body(schema::<session::PasswordChange>);
    routes
        .add(
            Method::GET,
            "/api/tokens",
            User,
            Dashboard,
            "tokens",
            "One's personal API tokens",
            get(tokens::list),
        )
        .answers(200, Some(list_of::<views::TokenView>));
    routes
        .add(
            Method::POST,
            "/api/tokens",
            User,
            Dashboard,
            "tokens",
            "Create a personal API token (shown once)",
            on(MethodFilter::POST, tokens::create),
        )
        .body(schema::<tokens::NewToken>)
        .answers(201, Some(schema::<views::CreatedTokenView>));
    routes
        .add(
            Method::DELETE,
            "/api/tokens/{id}",
            User,
            Dashboard,
            "tokens",
            "Revoke one of one's tokens",
            on(MethodFilter::DELETE, tokens::revoke),
        )
        .answers(204, None);

    // Organizations, members, apps, audit.
    routes
        .add(
            Method::POST,
            "/api/organizations",
            User,
            Dashboard,
            "organizations",
            "Create an organization, owned by the caller",
            on(MethodFilter::POST, organizations::create),
        )
        .body(schema::<organizations::NewOrganization>)
        .answers(201, Some(schema::<views::OrganizationView>));
    routes
        .add(
            Method::GET,
            "/api/organizations/{id}/members",
            Member,
            Dashboard,
            "organizations",
            "Members and roles",
            get(organizations::members),
        )
        .answers(200, Some(list_of::<views::MemberView>));
    routes
        .add(
            Method::POST,
            "/api/organizations/{id}/members",
            Owner,
            Dashboard,
            "organizations",
            "Add a member (a new email gets an account with a one-time password)",
            on(MethodFilter::POST, organizations::add_member),
        )
        .body(schema::<organizations::NewMember>)
        .answers(201, Some(schema::<views::AddedMemberView>));
    routes
        .add(
            Method::PUT,
            "/api/organizations/{id}/members/{user}",
            Owner,
            Dashboard,
            "organizations",
            "Change a member's role",
            on(MethodFilter::PUT, organizations::change_role),
        )
        .body(schema::<organizations::RoleChange>);
    routes
        .add(
            Method::DELETE,
            "/api/organizations/{id}/members/{user}",
            Owner,
            Dashboard,
            "organizations",
            "Remove a member",
            on(MethodFilter::DELETE, organizations::remove_member),
        )
        .answers(204, None);
    routes
        .add(
            Method::GET,
            "/api/organizations/{id}/audit",
            Owner,
            Dashboard,
            "organizations",
            "The audit trail, newest first",
            get(organizations::audit_trail),
        )
        .query(PAGE_QUERY)
        .answers(200, Some(schema::<views::AuditPage>));
    routes
        .add(
            Method::POST,
            "/api/organizations/{id}/apps",
            Owner,
            Dashboard,
            "apps",
            "Create an app (its server secret is shown once)",
            on(MethodFilter::POST, apps::create),
        )
        .body(schema::<apps::NewApp>)
        .answers(201, Some(schema::<views::CreatedAppView>));
    routes
        .add(
            Method::GET,
            "/api/apps/{id}",
            Member,
            Dashboard,
            "apps",
            "An app's settings: name, API key, allowed hosts, recording, retention",
            get(apps::show),
        )
        .answers(200, Some(schema::<views::AppView>));
    routes
        .add(
            Method::PATCH,
            "/api/apps/{id}",
            Owner,
            Dashboard,
            "apps",
            "Rename an app, set its allowed hosts, recording, server secret requirement",
            on(MethodFilter::PATCH, apps::update),
        )
        .body(schema::<apps::AppUpdate>)
        .answers(200, Some(schema::<views::AppView>));
    routes
        .add(
            Method::DELETE,
            "/api/apps/{id}",
            Owner,
            Dashboard,
            "apps",
            "Delete an app",
            on(MethodFilter::DELETE, apps::delete),
        )
        .answers(204, None);
    routes
        .add(
            Method::POST,
            "/api/apps/{id}/rotate-key",
            Owner,
            Dashboard,
            "apps",
            "Replace the ingest key, with an optional grace period for the old one",
            on(MethodFilter::POST, apps::rotate_key),
        )
        .body(schema::<apps::KeyRotation>)
        .answers(200, Some(schema::<views::AppView>));

    // Operations.
    routes.add(
        Method::GET,
        "/api/openapi.json",
        Public,
        Operations,
        "operations",
        "This document",
        get(super::openapi::serve),
    );
    routes.add(
        Method::GET,
        "/health",
        Public,
        Operations,
        "operations",
        "Store and ingest writer health (503 when unhealthy)",
        get(super::health),
    );
    routes.add(
        Method::GET,
        "/metrics",
        Public,
        Operations,
        "operations",
        "Prometheus metrics (here unless CALLVITALS_METRICS_BIND moves them)",
        get(super::metrics),
    );
    routes.add(
        Method::GET,
        "/",
        Public,
        Operations,
        "operations",
        "The dashboard (every path outside /api and /v1 that names no file is a dashboard page)",
        get(super::web::index),
    );
    routes.0
}

/// The table without handlers: for the OpenAPI document and the tests.
pub fn route_table() -> Vec<RouteDoc> {
    routes().into_iter().map(|route| route.doc).collect()
}
