//! The OpenAPI 3.1 description of every route, generated from the route table and the
//! types the handlers send and receive, so it cannot drift from the code. Served at
//! `/api/openapi.json`.

use std::sync::{Arc, LazyLock};

use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Paths, RefOr,
    ResponseBuilder, ResponsesBuilder, Schema,
};
use utoipa::{PartialSchema, ToSchema};

use super::routes::{Access, route_table, schema};

/// Every error answer: a stable code and a human message.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Machine-readable, e.g. `app_not_found`, `permission_denied`, `csrf_rejected`.
    pub error_code: String,
    pub message: String,
}

fn http_method(method: &Method) -> HttpMethod {
    match *method {
        Method::GET => HttpMethod::Get,
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        _ => HttpMethod::Options,
    }
}

fn json_content(schema: RefOr<Schema>) -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(schema)).build()
}

/// Builds the document from the route table.
pub fn document() -> OpenApi {
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    let error = schema::<ErrorBody>(&mut schemas);
    let mut paths = Paths::new();
    for route in route_table() {
        let mut operation = OperationBuilder::new()
            .summary(Some(route.summary.clone()))
            .tag(route.tag)
            .description(Some(format!("Access: {}.", route.access.as_str())));
        for segment in route.path.split('/') {
            if let Some(name) = segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
            {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(utoipa::openapi::Required::True)
                        .schema(Some(String::schema())),
                );
            }
        }
        for (name, description) in route.query {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .description(Some(*description))
                    .schema(Some(String::schema())),
            );
        }
        if let Some(request) = route.request {
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .content("application/json", json_content(request(&mut schemas)))
                    .required(Some(utoipa::openapi::Required::True))
                    .build(),
            ));
        }
        let mut success = ResponseBuilder::new().description("Success");
        if let Some(response) = route.response {
            success = success.content("application/json", json_content(response(&mut schemas)));
        } else if route.status != 204 {
            success = success.content(
                "application/json",
                json_content(RefOr::T(Schema::Object(utoipa::openapi::Object::new()))),
            );
        }
        let mut responses = ResponsesBuilder::new()
            .response(route.status.to_string(), success.build())
            .response(
                "4XX",
                ResponseBuilder::new()
                    .description("A client error, with its code")
                    .content("application/json", json_content(error.clone()))
                    .build(),
            );
        if matches!(route.access, Access::User | Access::Member | Access::Owner) {
            responses = responses.response(
                "401",
                ResponseBuilder::new()
                    .description("Not logged in, or the token is not valid")
                    .content("application/json", json_content(error.clone()))
                    .build(),
            );
            operation = operation
                .security(SecurityRequirement::new::<_, [&str; 0], &str>(
                    "session",
                    [],
                ))
                .security(SecurityRequirement::new::<_, [&str; 0], &str>("bearer", []));
        }
        paths.add_path_operation(
            &route.path,
            vec![http_method(&route.method)],
            operation.responses(responses.build()),
        );
    }
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.description =
        Some("A personal API token (cvt_…), or the operator's CALLVITALS_ADMIN_TOKEN".into());
    let components = ComponentsBuilder::new()
        .schemas_from_iter(schemas)
        .security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("callvitals_session"))),
        )
        .security_scheme("bearer", SecurityScheme::Http(bearer))
        .build();
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("callvitals")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "WebRTC call-quality monitoring. The /v1 ingest routes speak the PeerMetrics SDK \
                     protocol; the dashboard routes need a session cookie or a bearer token, and see \
                     only the caller's organizations.",
                )),
        )
        .paths(paths)
        .components(Some(components))
        .build()
}

static DOCUMENT: LazyLock<Arc<String>> = LazyLock::new(|| {
    Arc::new(
        document()
            .to_json()
            .expect("the OpenAPI document serialises"),
    )
});

pub async fn serve() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str().to_owned(),
    )
        .into_response()
}
