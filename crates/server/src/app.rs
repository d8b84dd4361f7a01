//! The poem application: the Odoo-compatible routes with their OpenAPI document, Swagger UI,
//! health checks, metrics, a request id on every response, and the body size limit.

use crate::admin::AdminApi;
use crate::admin_identity::IdentityApi;
use crate::admin_oauth::OAuthAppsApi;
use crate::api::OdooApi;
use crate::hooks::{HookUrlApi, HooksApi};
use crate::logs::LogsApi;
use crate::odoo::json2::Json2Api;
use crate::odoo::jsonrpc::JsonRpcApi;
use crate::odoo::web::WebApi;
use crate::outbound::OutboundApi;
use crate::restapi::oauth::oauth2;
use crate::state::AppState;
use poem::http::StatusCode;
use poem::web::Json;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler, post};
use poem_openapi::OpenApiService;
use serde_json::json;
use tracing::Instrument;

/// Every route set of the OpenAPI document.
pub type Apis = (
    OdooApi,
    AdminApi,
    IdentityApi,
    OAuthAppsApi,
    LogsApi,
    OutboundApi,
    HooksApi,
    HookUrlApi,
    JsonRpcApi,
    WebApi,
    Json2Api,
);

/// The OpenAPI service (also used by `weft openapi` and the staleness test).
pub fn openapi(state: AppState) -> OpenApiService<Apis, ()> {
    let server = state.public_url.clone();
    let apis = (
        OdooApi {
            state: state.clone(),
        },
        AdminApi {
            state: state.clone(),
        },
        IdentityApi {
            state: state.clone(),
        },
        OAuthAppsApi {
            state: state.clone(),
        },
        LogsApi {
            state: state.clone(),
        },
        crate::outbound::api(state.clone()),
        HooksApi {
            state: state.clone(),
        },
        HookUrlApi {
            state: state.clone(),
        },
        JsonRpcApi {
            state: state.clone(),
        },
        WebApi {
            state: state.clone(),
        },
        Json2Api { state },
    );
    OpenApiService::new(apis, "Weft", env!("CARGO_PKG_VERSION"))
        .description("An integration hub that speaks the ecosoft \"REST API for Webhook\" routes of an Odoo server.")
        .server(server)
}

pub fn app(state: AppState, max_body: usize) -> impl Endpoint {
    let api = openapi(state.clone());
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    Route::new()
        .nest("/", api)
        .at("/openapi.json", spec)
        .nest("/docs", docs)
        .nest("/restapi/1.0", crate::restapi::routes(state.clone()))
        .at("/oauth2/authorize", get(oauth2::authorize).data(state.clone()))
        .at("/oauth2/token", post(oauth2::standard_token).data(state.clone()))
        .at("/oauth2/revoke", post(oauth2::revoke).data(state.clone()))
        .at("/oauth2/introspect", post(oauth2::introspect).data(state.clone()))
        .at("/.well-known/oauth-authorization-server", get(oauth2::metadata).data(state.clone()))
        .nest("/xmlrpc", crate::odoo::xmlrpc::routes(state.clone()))
        .nest("/console", weft_console::routes(state.console()))
        .at("/healthz", get(healthz))
        .at("/metrics", get(crate::metrics::metrics).data(state.clone()))
        .at("/readyz", get(readyz).data(state))
        .around(move |endpoint, mut req: Request| async move {
            let request_id = next_request_id();
            // Everything logged while handling this request carries its id (and so does the reply).
            // A hook's URL holds its credential: logs show the route instead.
            let path = match req.uri().path() {
                p if p.starts_with("/web/hook/") => "/web/hook/{secret}",
                p => p,
            };
            let span = tracing::info_span!("request", id = %request_id, method = %req.method(), path = %path);
            let route = route_label(req.uri().path());
            let handled = async move {
                match crate::body_limit::limit_body(&mut req, max_body).await {
                    Err(too_large) => too_large,
                    Ok(()) => match endpoint.call(req).await {
                        Ok(r) => r.into_response(),
                        Err(e) => error_response(e),
                    },
                }
            };
            let mut response = handled.instrument(span).await;
            let outcome = match response.status().as_u16() {
                200..=399 => "ok",
                400..=499 => "client_error",
                _ => "server_error",
            };
            metrics::counter!("weft_requests_total", "route" => route, "outcome" => outcome).increment(1);
            response.headers_mut().insert("x-request-id", request_id.parse().expect("ascii id"));
            Ok(response)
        })
}

/// Errors poem raised before or instead of a handler (routing, an unreadable body or parameter, a
/// missing `Content-Type`) as the documented `{"error":{code,message}}` body with their status;
/// errors the handlers built (an `ApiResponse` turned into an error) keep their own body.
fn error_response(error: poem::Error) -> Response {
    if error.is_from_response() {
        return error.into_response();
    }
    let status = error.status();
    let code = transport_error_code(status);
    Json(json!({"error": {"code": code, "message": error.to_string()}}))
        .with_status(status)
        .into_response()
}

/// The `code` of a transport error, by its status.
fn transport_error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "access_denied",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::LENGTH_REQUIRED => "length_required",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        s if s.is_server_error() => "internal_error",
        _ => "bad_request",
    }
}

/// A path as a metric label: ids and hook secrets replaced, so the label set stays small.
fn route_label(path: &str) -> String {
    if path.starts_with("/web/hook/") {
        return "/web/hook/{secret}".into();
    }
    // A client names the model: one label for them all, so made-up names cannot grow the set.
    if path.starts_with("/restapi/1.0/object/") {
        return "/restapi/1.0/object/{model}".into();
    }
    path.split('/')
        .map(|segment| match segment.parse::<i64>() {
            Ok(_) => "{id}",
            Err(_) => segment,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn next_request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{:x}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

#[handler]
fn healthz() -> &'static str {
    "ok"
}

#[handler]
async fn readyz(state: poem::web::Data<&AppState>) -> Response {
    match state.store.connection().ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database unavailable: {e}"),
        )
            .into_response(),
    }
}
