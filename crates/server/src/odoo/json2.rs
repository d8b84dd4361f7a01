//! Odoo 19's JSON-2 API: `POST /json/2/{model}/{method}` with `Authorization: Bearer <api key>`,
//! an optional `X-Odoo-Database` and a JSON object of named arguments (`ids`, `context`, then the
//! method's own, bound by `weft_inbound::rpc::signature`); the reply is the bare JSON result, or
//! Odoo 19's error body with its HTTP status. `GET /doc-bearer/{model}.json` lists each method's
//! parameters in order, which odoo-client-lib's json2 connector reads to name positional ones.
//!
//! Statuses, as Odoo 19's `Json2RpcDispatcher.handle_error` and `web_json_2_rpc` give them:
//! 400 a body that is not a JSON object; 401 no bearer key or a wrong one; 403 AccessError,
//! AccessDenied; 404 an unknown model, method or database, MissingError; 422 UserError,
//! ValidationError, ids given to a model method, arguments that do not bind; 429 over the rate
//! limit; 500 our own failure. Odoo answers a ValueError or TypeError raised inside a method
//! with 500; Weft answers 422 (a bad argument is the request's fault, never a server error).

use super::schema::{Json2Error, ModelDoc};
use super::{OdooTags, Refusal, Wire, run};
use crate::rpc::RpcBody;
use crate::state::AppState;
use poem::Request;
use poem::http::StatusCode;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use weft_inbound::auth::{self, AuthError, Credentials};
use weft_inbound::identity::Caller;
use weft_inbound::rpc::{self, Fault, FaultKind, ModelCall};

mod doc;

pub struct Json2Api {
    pub state: AppState,
}

#[OpenApi]
impl Json2Api {
    /// Call `method` on `model` with named arguments (`ids` for a record method, `context`, and
    /// the method's parameters by name), authenticated by `Authorization: Bearer <api key>`;
    /// `X-Odoo-Database`, when sent, must name this server's database.
    #[oai(
        path = "/json/2/:model/:method",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn call(
        &self,
        req: &Request,
        model: Path<String>,
        method: Path<String>,
        body: RpcBody<BTreeMap<String, Value>>,
    ) -> Json2Reply {
        match self.run(req, &model.0, &method.0, &body.bytes).await {
            Ok(result) => Json2Reply::ok(result),
            Err(reply) => reply,
        }
    }

    /// The methods of `model` with their parameters in order (`{model}.json`), for odoo-client-lib.
    #[oai(path = "/doc-bearer/:file", method = "get", tag = "OdooTags::OdooRpc")]
    async fn doc_bearer(&self, req: &Request, file: Path<String>) -> Json2Reply {
        if let Err(reply) = self.caller(req).await {
            return reply;
        }
        let model = file.0.strip_suffix(".json").unwrap_or(&file.0);
        match doc::model_doc(&self.state.store, model) {
            Some(doc) => Json2Reply::text(StatusCode::OK, doc),
            None => not_found(&format!("the model '{model}' does not exist")),
        }
    }
}

impl Json2Api {
    async fn run(
        &self,
        req: &Request,
        model: &str,
        method: &str,
        body: &[u8],
    ) -> Result<Value, Json2Reply> {
        let caller = self.caller(req).await?;
        let database = req
            .headers()
            .get("x-odoo-database")
            .map(|v| v.to_str().unwrap_or(""));
        if let Some(db) = database.filter(|db| *db != self.state.database_name) {
            return Err(not_found(&format!("database '{db}' not found")));
        }
        let named = named_arguments(body)?;
        let call = bind(&self.state.store, model, method, named)?;
        let request = json!({"model": call.model, "method": call.method, "args": call.args, "kwargs": call.kwargs});
        let route = format!("/json/2/{model}/{method}");
        match run::model_call(&self.state, &caller, Wire::Json2, &route, call, request).await {
            Ok(answer) => Ok(recordset_ids(method, answer.result)),
            Err(Refusal::Fault(fault)) => Err(fault_reply(&fault)),
            Err(Refusal::TooMany { seconds, message }) => {
                let mut reply =
                    http_error(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", &message);
                reply.headers.push(("Retry-After", seconds.to_string()));
                Err(reply)
            }
        }
    }

    /// The bearer key's caller; 401 (with `WWW-Authenticate: Bearer`) without one or a wrong one.
    async fn caller(&self, req: &Request) -> Result<Caller, Json2Reply> {
        let authorization = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let credentials = Credentials {
            authorization,
            ..Credentials::default()
        };
        match auth::authenticate(&self.state.store, &self.state.keys, credentials).await {
            Ok(caller) => Ok(caller),
            Err(AuthError::Store(e)) => {
                tracing::error!(error = %e, "authenticating a bearer key failed");
                Err(fault_reply(&Fault::new(
                    FaultKind::Internal,
                    "internal server error",
                )))
            }
            Err(AuthError::BadBearer) if has_bearer(authorization) => {
                Err(unauthorized("Invalid apikey"))
            }
            Err(_) => Err(unauthorized(
                "User not authenticated, use the \"Authorization\" header",
            )),
        }
    }
}

/// Odoo 19's JSON-2 answers a recordset as its ids, so `create` of one dict and `copy` give a
/// list where `/jsonrpc` and XML-RPC give the bare id.
fn recordset_ids(method: &str, result: Value) -> Value {
    match result {
        Value::Number(id) if matches!(method, "create" | "copy") => json!([id]),
        other => other,
    }
}

fn has_bearer(authorization: Option<&str>) -> bool {
    authorization
        .and_then(|h| h.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty()
        })
}

/// The body as named arguments: empty means none; anything else must be a JSON object.
fn named_arguments(body: &[u8]) -> Result<Map<String, Value>, Json2Reply> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(bad_request(
            "could not parse the body, expecting a json object",
        )),
        Err(e) => Err(bad_request(&format!(
            "could not parse the body as json: {e}"
        ))),
    }
}

/// Named arguments as the dispatcher's call: `ids` first for a record method, the parameters
/// named in a row from the first as positional ones, the others by name (Python's binding).
fn bind(
    store: &weft_store::Store,
    model: &str,
    method: &str,
    mut named: Map<String, Value>,
) -> Result<ModelCall, Json2Reply> {
    let Some(signature) = rpc::signature(store, model, method) else {
        return Err(match doc::model_exists(store, model) {
            false => not_found(&format!("the model '{model}' does not exist")),
            true if method.starts_with('_') => fault_reply(&Fault::new(
                FaultKind::AccessError,
                format!("Private methods (such as '{model}.{method}') cannot be called remotely."),
            )),
            true => not_found(&format!("The method '{model}.{method}' does not exist")),
        });
    };
    let ids = named.remove("ids");
    let mut args = Vec::new();
    if signature.on_records {
        args.push(ids.unwrap_or_else(|| json!([])));
    } else if ids
        .as_ref()
        .is_some_and(|ids| ids != &json!([]) && !ids.is_null())
    {
        return Err(unprocessable(&format!(
            "cannot call {model}.{method} with ids"
        )));
    }
    if let Some(unknown) = named
        .keys()
        .find(|k| *k != "context" && !signature.params.contains(k))
    {
        return Err(unprocessable(&format!(
            "{method}() got an unexpected keyword argument '{unknown}'"
        )));
    }
    for param in &signature.params {
        match named.remove(param) {
            Some(value) => args.push(value),
            None => break,
        }
    }
    Ok(ModelCall {
        model: model.to_string(),
        method: method.to_string(),
        args,
        kwargs: named,
    })
}

/// A fault with Odoo 19's status for its class and `serialize_exception`'s body.
fn fault_reply(fault: &Fault) -> Json2Reply {
    let status = match fault.kind {
        FaultKind::AccessError | FaultKind::AccessDenied => StatusCode::FORBIDDEN,
        FaultKind::MissingError => StatusCode::NOT_FOUND,
        FaultKind::AttributeError | FaultKind::NameError => {
            return not_found(&fault.message);
        }
        FaultKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    let body = json!({
        "name": fault.kind.odoo_name(),
        "message": fault.message,
        "arguments": [fault.message],
        "context": {},
        "debug": "",
    });
    Json2Reply::new(status, body)
}

/// A werkzeug HTTP exception as Odoo 19 serializes it: its description, and `arguments` of the
/// description and the status.
fn http_error(status: StatusCode, class: &str, message: &str) -> Json2Reply {
    let body = json!({
        "name": format!("werkzeug.exceptions.{class}"),
        "message": message,
        "arguments": [message, status.as_u16()],
        "context": {},
        "debug": "",
    });
    Json2Reply::new(status, body)
}

fn bad_request(message: &str) -> Json2Reply {
    http_error(StatusCode::BAD_REQUEST, "BadRequest", message)
}

fn not_found(message: &str) -> Json2Reply {
    http_error(StatusCode::NOT_FOUND, "NotFound", message)
}

fn unprocessable(message: &str) -> Json2Reply {
    http_error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "UnprocessableEntity",
        message,
    )
}

fn unauthorized(message: &str) -> Json2Reply {
    let mut reply = http_error(StatusCode::UNAUTHORIZED, "Unauthorized", message);
    reply.headers.push(("WWW-Authenticate", "Bearer".into()));
    reply
}

/// A JSON-2 reply: the bare result (200) or an error body with its status.
pub struct Json2Reply {
    status: StatusCode,
    /// JSON text.
    body: String,
    headers: Vec<(&'static str, String)>,
}

impl Json2Reply {
    fn new(status: StatusCode, body: Value) -> Json2Reply {
        Json2Reply::text(status, body.to_string())
    }

    fn text(status: StatusCode, body: String) -> Json2Reply {
        Json2Reply {
            status,
            body,
            headers: Vec::new(),
        }
    }

    fn ok(body: Value) -> Json2Reply {
        Json2Reply::new(StatusCode::OK, body)
    }
}

impl poem::IntoResponse for Json2Reply {
    fn into_response(self) -> poem::Response {
        let mut response = poem::Response::builder()
            .status(self.status)
            .content_type("application/json; charset=utf-8");
        for (name, value) in self.headers {
            response = response.header(name, value);
        }
        response.body(self.body)
    }
}

impl poem_openapi::ApiResponse for Json2Reply {
    fn meta() -> MetaResponses {
        let json = |schema| {
            vec![MetaMediaType {
                content_type: "application/json; charset=utf-8",
                schema,
            }]
        };
        let error = |status, description| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: json(<Json2Error as Type>::schema_ref()),
            headers: vec![],
        };
        let mut responses = vec![MetaResponse {
            description: "The method's result, as JSON (`/doc-bearer`: the model's methods)",
            status: Some(200),
            status_range: None,
            content: json(<Value as Type>::schema_ref()),
            headers: vec![],
        }];
        responses.extend([
            error(400, "The body is not a JSON object"),
            error(401, "No bearer API key, or a wrong one"),
            error(403, "AccessError or AccessDenied"),
            error(404, "No such model, method or database; MissingError"),
            error(
                422,
                "UserError, ValidationError, or arguments that do not fit the method",
            ),
            error(
                429,
                "Too many requests from this caller; see the Retry-After header",
            ),
        ]);
        responses.push(MetaResponse {
            description: "The body is larger than WEFT_MAX_BODY",
            status: Some(413),
            status_range: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <crate::admin::ErrorBody as Type>::schema_ref(),
            }],
            headers: vec![],
        });
        MetaResponses { responses }
    }

    fn register(registry: &mut Registry) {
        <crate::admin::ErrorBody as Type>::register(registry);
        <Json2Error as Type>::register(registry);
        <ModelDoc as Type>::register(registry);
    }
}
