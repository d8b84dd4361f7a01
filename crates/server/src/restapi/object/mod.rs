//! `/restapi/1.0/object`: Synconics' object resource (research/synconics-restapi-oauth.md §5),
//! every call run as the authenticated caller through the one model-method dispatcher of Odoo's
//! protocols (`crate::odoo::run::model_call`, wire `restapi`), so the rate limit, company
//! isolation, a key's `allowed_models`, role checks, the receive log and the metrics apply as
//! on `/jsonrpc`. Each call is one dispatcher transaction: a failed call changes nothing.
//!
//! Routes (every HTTP verb, each also with a trailing slash; a numeric second segment is an id):
//! - `/object/{model}`: GET `search_read`, POST `create` (201), PUT `write`, DELETE `unlink`;
//! - `/object/{model}/{id}`: the same on that record;
//! - `/object/{model}/{method}` and `/object/{model}/{id}/{method}`: that method, 200.
//!
//! Parameters (query, or the keys of a body dictionary: JSON, Python-literal text or a form; the
//! query wins on a clash) are Python literals or JSON, read by the safe literal reader (never
//! `eval`), else kept as text: `ids=12,17`, `domain`, `fields`, `offset`, `limit`, `order`,
//! `context`, `vals`, `args`, `kwargs`, and the named parameters of `search`, `search_read`,
//! `read`, `read_group`, `search_count` (`{"count": N}`), `fields_get`, `name_search`,
//! `name_create`, `default_get`, `copy` and `check_access_rights` (`{"return": true}`). Every
//! other method takes `args` and `kwargs`, after `[ids]` when the path or `ids` names records.
//!
//! Where Weft follows Synconics' code rather than its documentation, or differs on purpose:
//! - create answers **201** (documented 200); PUT without ids creates, POST with ids writes;
//! - create and write re-read the records as the **caller** (Synconics re-reads as superuser),
//!   in a second, read-only call (all fields, or `fields` when given); if that read is refused
//!   (say, by the rate limit) the reply still tells the write happened: `{"<model>": {"id": N}}`;
//! - values are Odoo's as the dispatcher gives them: v15's turning of a single record's falsy
//!   char/selection/date fields into `""` is not copied (they stay `false`);
//! - of the named-parameter methods, those the dispatcher has are mapped (`fields_get`'s
//!   `write_access` is dropped); `user_has_groups`, `onchange`, `export_data`, `import_data`,
//!   `check_field_access_rights` and `check_access_rule` are unknown methods there, so 403;
//! - DELETE answers v15's `{"id": 20}` / `{"ids": "17,20"}`; a DELETE naming no record is a 403;
//! - a list reply of one item that is not an int comes back alone, a falsy result is 404
//!   `{"code":404,"message":"Record not found"}`, any model fault 403 `{"error":{"code":403,
//!   "message":..}}`; over the rate limit 429 with `Retry-After`; our own failure 500;
//! - the docs' `count` parameter is ignored, as in the code;
//! - `ids` also narrows explicit `search`, `search_read`, `search_count` and `read_group` calls;
//! - JSON replies are always `application/json` (Synconics sends `text/html` unless `Accept` is
//!   exactly `application/json`); an `Accept` preferring `application/xml` or `text/xml` (by
//!   `q`, where Synconics compares the header exactly) gives XML from the webhooks resource's
//!   renderer, the root named after the reply's key (`<res.partner>`) or `<result>`; an XML
//!   body (root `<vals>`, `<args>` or `<kwargs>`, see `xml.rs`) is read when `Accept` asks for
//!   XML, as Synconics triggers it, or when the Content-Type is XML; any other body that is not
//!   JSON, a Python literal or a form is 400 `{"error":{"code":400,"message":"Bad Request"}}`;
//! - a verb other than GET, HEAD, POST, PUT or DELETE without a method in the path is a 405.
//!
//! `params.rs` reads the parameters, `xml.rs` an XML body; `reply.rs` shapes and renders the
//! replies.

mod params;
mod reply;
mod xml;

use crate::odoo::{Refusal, Wire, run};
use crate::restapi::auth::{self, Denied};
use crate::restapi::render::Format;
use crate::state::AppState;
use params::Params;
use poem::http::{Method, StatusCode};
use poem::web::Data;
use poem::{Body, Request, Response, Route, handler};
use reply::{Failure, Reply, respond, truthy, unwrap};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use weft_inbound::identity::Caller;
use weft_inbound::rpc::{self, FaultKind, ModelCall};

/// The methods Synconics calls with named parameters (after the ids for a record method), each
/// taken from the same-named request parameter; `context` goes with every one.
const NAMED: [(&str, &[&str]); 11] = [
    ("search", &["domain", "offset", "limit", "order"]),
    (
        "search_read",
        &["domain", "fields", "offset", "limit", "order"],
    ),
    ("read", &["fields"]),
    (
        "read_group",
        &[
            "domain", "fields", "groupby", "offset", "limit", "orderby", "lazy",
        ],
    ),
    ("search_count", &["domain"]),
    ("fields_get", &["allfields", "attributes"]),
    ("name_search", &["name", "args", "operator", "limit"]),
    ("name_create", &["name"]),
    ("default_get", &["fields_list"]),
    ("copy", &["default"]),
    ("check_access_rights", &["operation", "raise_exception"]),
];

/// The methods searching by a domain (an empty one when none is given).
const SEARCHES: [&str; 4] = ["search", "search_read", "search_count", "read_group"];

/// The object routes, to mount under `/restapi/1.0` beside the webhooks (the state comes from
/// the enclosing route).
pub fn routes(route: Route) -> Route {
    route
        .at("/object/:model", object_call)
        .at("/object/:model/", object_call)
        .at("/object/:model/:second", object_call)
        .at("/object/:model/:second/", object_call)
        .at("/object/:model/:id/:method", object_call)
        .at("/object/:model/:id/:method/", object_call)
}

#[handler]
async fn object_call(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let outcome = async {
        let bytes = body
            .into_bytes()
            .await
            .map_err(|_| Failure::bad_request())?;
        let caller = match auth::authenticate(&state, req, &bytes).await {
            Ok(caller) => caller,
            Err(Denied::Unauthenticated) => return Err(Failure::unauthenticated()),
            Err(Denied::Internal) => return Err(Failure::internal()),
        };
        let target = Target::of(req)?;
        let query = req
            .params::<HashMap<String, String>>()
            .map_err(|_| Failure::bad_request())?;
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let xml = matches!(Format::of(req), Format::Xml(_)) || content_type.contains("xml");
        let params = Params::of(query, content_type, &bytes, xml)?;
        let call = Calls {
            state: &state,
            caller: &caller,
            route: req.uri().path().to_string(),
            model: target.model,
        };
        call.serve(req.method(), target.id, target.method.as_deref(), &params)
            .await
    };
    respond(req, outcome.await)
}

/// What the path names.
struct Target {
    model: String,
    id: Option<i64>,
    method: Option<String>,
}

impl Target {
    fn of(req: &Request) -> Result<Target, Failure> {
        let model = req.raw_path_param("model").unwrap_or_default().to_string();
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        // A number too large for an id names no record.
        let id = |s: &str| s.parse::<i64>().map_err(|_| Failure::not_found());
        match (req.raw_path_param("second"), req.raw_path_param("id")) {
            (Some(second), _) if numeric(second) => Ok(Target {
                model,
                id: Some(id(second)?),
                method: None,
            }),
            (Some(second), _) => Ok(Target {
                model,
                id: None,
                method: Some(second.to_string()),
            }),
            // `/object/{model}/{id}/{method}`: Synconics' `<int:id>`; anything else routes nowhere.
            (None, Some(first)) if numeric(first) => Ok(Target {
                model,
                id: Some(id(first)?),
                method: req.raw_path_param("method").map(str::to_string),
            }),
            (None, Some(_)) => Err(Failure::not_found()),
            (None, None) => Ok(Target {
                model,
                id: None,
                method: None,
            }),
        }
    }
}

/// The calls of one request, all on `model` as `caller`.
struct Calls<'a> {
    state: &'a AppState,
    caller: &'a Caller,
    route: String,
    model: String,
}

impl Calls<'_> {
    async fn serve(
        &self,
        verb: &Method,
        path_id: Option<i64>,
        method: Option<&str>,
        params: &Params,
    ) -> Result<Reply, Failure> {
        let ids = match path_id {
            Some(id) => Some(vec![id]),
            None => params.ids()?,
        };
        if let Some(method) = method {
            return self.method(method, ids, params).await;
        }
        match *verb {
            Method::GET | Method::HEAD => {
                let result = self.search_read(ids.as_deref(), params).await?;
                Reply::keyed(StatusCode::OK, &self.model, result)
            }
            Method::POST | Method::PUT => match ids {
                Some(ids) => self.write(&ids, params).await,
                None => self.create(params).await,
            },
            Method::DELETE => self.unlink(ids, path_id.is_some(), params).await,
            ref other => Err(Failure::method_not_allowed(other.as_str())),
        }
    }

    /// `search_read` with `('id', 'in', ids)` put before the domain.
    async fn search_read(&self, ids: Option<&[i64]>, params: &Params) -> Result<Value, Failure> {
        let kwargs = named(params, "search_read", ids)?;
        self.call("search_read", Vec::new(), kwargs).await
    }

    async fn create(&self, params: &Params) -> Result<Reply, Failure> {
        let vals = params.payload()?;
        let id = self
            .call("create", vec![vals], context(params, Map::new()))
            .await?;
        let Some(id) = id.as_i64() else {
            return Reply::keyed(StatusCode::CREATED, &self.model, id);
        };
        let read = self.reread(&[id], params).await;
        let value = read.unwrap_or_else(|| json!({"id": id}));
        Reply::keyed(StatusCode::CREATED, &self.model, value)
    }

    async fn write(&self, ids: &[i64], params: &Params) -> Result<Reply, Failure> {
        let vals = params.payload()?;
        let done = self
            .call("write", vec![json!(ids), vals], context(params, Map::new()))
            .await?;
        if !truthy(&done) {
            return Err(Failure::not_found());
        }
        let read = self.reread(ids, params).await;
        let value = read
            .unwrap_or_else(|| json!(ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()));
        Reply::keyed(StatusCode::OK, &self.model, value)
    }

    /// The records just written, read as the caller (`fields` when given, else all); None when
    /// that read is refused or finds nothing, for the reply still to say the write happened.
    async fn reread(&self, ids: &[i64], params: &Params) -> Option<Value> {
        let mut kwargs = context(params, Map::new());
        kwargs.insert("domain".into(), json!([["id", "in", ids]]));
        if let Some(fields) = params.get("fields") {
            kwargs.insert("fields".into(), fields.clone());
        }
        match self.call("search_read", Vec::new(), kwargs).await {
            Ok(records) if truthy(&records) => Some(records),
            _ => None,
        }
    }

    async fn unlink(
        &self,
        ids: Option<Vec<i64>>,
        by_path: bool,
        params: &Params,
    ) -> Result<Reply, Failure> {
        let Some(ids) = ids.filter(|ids| !ids.is_empty()) else {
            return Err(Failure::fault(
                "unlink: no record named (use /object/<model>/<id> or ?ids=17,20)",
            ));
        };
        let done = self
            .call("unlink", vec![json!(ids)], context(params, Map::new()))
            .await?;
        if !truthy(&done) {
            return Err(Failure::not_found());
        }
        Ok(Reply::bare(match (by_path, ids.as_slice()) {
            (true, [id]) => json!({"id": id}),
            _ => {
                let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
                json!({"ids": ids.join(",")})
            }
        }))
    }

    /// An explicit method: named parameters for Synconics' list, `args`/`kwargs` for the rest.
    async fn method(
        &self,
        method: &str,
        ids: Option<Vec<i64>>,
        params: &Params,
    ) -> Result<Reply, Failure> {
        let (args, kwargs) = if NAMED.iter().any(|(m, _)| *m == method) {
            let on_records = rpc::signature(&self.state.store, &self.model, method)
                .is_some_and(|s| s.on_records);
            let mut args = Vec::new();
            if on_records {
                args.push(json!(ids.clone().unwrap_or_default()));
            }
            let searching = if SEARCHES.contains(&method) {
                ids.as_deref()
            } else {
                None
            };
            (args, named(params, method, searching)?)
        } else {
            let mut args = params.args();
            if let Some(ids) = ids {
                args.insert(0, json!(ids));
            }
            (args, context(params, params.kwargs()?))
        };
        let result = self.call(method, args, kwargs).await?;
        match method {
            "search_count" => Ok(Reply::bare(json!({"count": result}))),
            "check_access_rights" if truthy(&result) => {
                Ok(Reply::bare(json!({"return": unwrap(result)})))
            }
            _ => Reply::keyed(StatusCode::OK, &self.model, result),
        }
    }

    /// One call through the dispatcher; a fault is a 403 with its message.
    async fn call(
        &self,
        method: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> Result<Value, Failure> {
        let request =
            json!({"model": self.model, "method": method, "args": args, "kwargs": kwargs});
        let call = ModelCall {
            model: self.model.clone(),
            method: method.to_string(),
            args,
            kwargs,
        };
        let wire = Wire::RestApi;
        match run::model_call(self.state, self.caller, wire, &self.route, call, request).await {
            Ok(answer) => Ok(answer.result),
            Err(Refusal::Fault(fault)) if fault.kind == FaultKind::Internal => {
                Err(Failure::internal())
            }
            Err(Refusal::Fault(fault)) => Err(Failure::fault(fault.message)),
            Err(Refusal::TooMany { seconds, message }) => Err(Failure::too_many(seconds, message)),
        }
    }
}

/// The named parameters of `method` that the request gives, `context`, then `kwargs` (which
/// win); for a search, `domain` defaults to `[]` and `ids` become `('id', 'in', ids)` before it.
fn named(
    params: &Params,
    method: &str,
    ids: Option<&[i64]>,
) -> Result<Map<String, Value>, Failure> {
    let names = NAMED
        .iter()
        .find(|(m, _)| *m == method)
        .map(|(_, names)| *names)
        .unwrap_or_default();
    let mut kwargs: Map<String, Value> = names
        .iter()
        .filter_map(|name| params.get(name).map(|v| (name.to_string(), v.clone())))
        .collect();
    if SEARCHES.contains(&method) {
        let domain = kwargs.remove("domain").unwrap_or_else(|| json!([]));
        let domain = match (ids, domain) {
            (None, domain) => domain,
            (Some(ids), Value::Array(terms)) => {
                let mut all = vec![json!(["id", "in", ids])];
                all.extend(terms);
                Value::Array(all)
            }
            (Some(_), other) => {
                return Err(Failure::fault(format!(
                    "domain: expected a list of terms, not {other}"
                )));
            }
        };
        kwargs.insert("domain".into(), domain);
    }
    let mut kwargs = context(params, kwargs);
    kwargs.extend(params.kwargs()?);
    Ok(kwargs)
}

/// `kwargs` with the request's `context` when it gives one and `kwargs` has none.
fn context(params: &Params, mut kwargs: Map<String, Value>) -> Map<String, Value> {
    if let Some(context) = params.get("context")
        && !kwargs.contains_key("context")
    {
        kwargs.insert("context".into(), context.clone());
    }
    kwargs
}
