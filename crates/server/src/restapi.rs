//! `/restapi/1.0/webhooks`: the Synconics webhook REST API (seed 000 §4.3, DESIGN.md §6 and §11)
//! over the same webhook subscriptions as `/api/v1/subscriptions`. Plain poem handlers; every
//! route needs the admin role (`x-api-key` or `Authorization: Bearer`) with a key not limited to
//! some models (such a key manages the subscriptions of its models at `/api/v1/subscriptions`).
//!
//! Routes (each also with a trailing slash, as `/webhooks/`):
//! - `GET /webhooks` with optional `ids=3,12` (or `[3, 12]`), `domain=[...]` (Python-literal or
//!   JSON; a two-element term `('model','product.product')` reads as `=`),
//!   `fields=['name','model']` (`id` always comes back), `offset`, `limit` (0: no limit), `order`
//!   (`name desc, id`; default `id`), `count=True` (`{"count": N}` of the matching webhooks,
//!   offset and limit aside);
//! - `GET /webhooks/count?domain=..`, `GET /webhooks/{id}?fields=..`;
//! - `POST /webhooks?vals={..}` (or the vals as the request body, JSON or Python-literal text, not
//!   a form; the query wins): 200 with the new webhook and, this once, its `secret`;
//! - `PUT /webhooks/{id}?vals=..`, `PUT /webhooks?ids=7,12&vals=..`: every id must exist; when one
//!   update fails, the ones already made are put back as they were;
//! - `DELETE /webhooks/{id}`, `DELETE /webhooks?ids=7,12` -> `{}`: every id must exist, or nothing
//!   is deleted;
//! - `POST /webhooks/{id}/test`: queue the test notification ->
//!   `{"webhook": {..}, "delivery_id": N}`.
//!
//! Webhooks are few, so `ids`, `domain`, `order`, `offset` and `limit` are applied in memory over
//! the webhooks' JSON views (the domain through `weft_domain`'s evaluator on a virtual `webhook`
//! model); no client text ever reaches SQL. Inactive webhooks are listed too (no implicit
//! `active` filter); `('active', '=', True)` selects the active ones.
//!
//! Replies are JSON, or XML when `Accept` prefers `application/xml` or `text/xml` (the
//! Content-Type follows). The XML shapes:
//! `<webhooks><webhook id="3"><name>Product Creation</name>...<fields><field>name</field>
//! </fields><condition>[('state', '=', 'done')]</condition><timeout_s empty="true"/>...</webhook>
//! </webhooks>` for a list, `<webhook id="7">..</webhook>` for one, `<count>3</count>`,
//! `<result/>` for `{}`, `<result><webhook id="7">..</webhook><delivery_id>12</delivery_id>
//! </result>` for a test, and `<error code="not_found">webhook 9 does not exist</error>`. A null
//! value is an empty element with `empty="true"`; the condition is Python-literal text.
//!
//! Status codes as the seed lists them: 200 on success, 401 when authentication fails, 404 when a
//! webhook does not exist, 403 for every other client error (a bad `ids`, `domain`, `fields`,
//! `order`, `vals`, a refused value, an unknown field, a model change, a caller without the admin
//! role); only a failure of the service itself is a 500. Errors are
//! `{"error": {"code": "..", "message": "<parameter>: <reason>"}}`.

use crate::admin::{AdminError, ErrorDetail, require_admin, require_all_models};
use crate::outbound::{queue_test, source_error, sources_changed};
use crate::state::AppState;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Endpoint, EndpointExt, Request, Response, Route, get, handler, post};
use serde_json::{Map, Value, json};
use std::cmp::Ordering;
use std::collections::HashMap;
use weft_domain::{BindOptions, BoundDomain, Domain, FieldInfo, FieldKind, Order, Records, Schema};
use weft_outbound::entity::subscription::Model as Row;
use weft_outbound::notification::{escape, text};
use weft_outbound::subscription;

/// The virtual model the `domain` parameter is bound to.
const MODEL: &str = "webhook";

/// The fields of a webhook's view, in the order XML shows them, with their kind for domains.
const COLUMNS: [(&str, FieldKind<'static>); 14] = [
    ("id", FieldKind::Id),
    ("name", FieldKind::Char),
    ("model", FieldKind::Char),
    ("kind", FieldKind::Char),
    ("address", FieldKind::Char),
    ("format", FieldKind::Char),
    ("language", FieldKind::Char),
    ("fields", FieldKind::Json),
    ("condition", FieldKind::Json),
    ("active", FieldKind::Boolean),
    ("timeout_s", FieldKind::Integer),
    ("max_retries", FieldKind::Integer),
    ("create_date", FieldKind::Datetime),
    ("write_date", FieldKind::Datetime),
];

type View = Map<String, Value>;

/// The routes, to nest under `/restapi/1.0`; each also answers with a trailing slash.
pub fn routes(state: AppState) -> impl Endpoint {
    let collection = || get(list).post(create).put(update_many).delete(delete_many);
    let one = || get(read_one).put(update_one).delete(delete_one);
    Route::new()
        .at("/webhooks", collection())
        .at("/webhooks/", collection())
        .at("/webhooks/count", get(count))
        .at("/webhooks/count/", get(count))
        .at("/webhooks/:id", one())
        .at("/webhooks/:id/", one())
        .at("/webhooks/:id/test", post(test))
        .at("/webhooks/:id/test/", post(test))
        .data(state)
}

// ---------------------------------------------------------------------------------------------
// Handlers: authenticate, do the work, answer in the format the client asked for.

/// An admin whose key is not limited to some models: this API's lists, domains and bulk updates
/// span every model, so a limited key uses `/api/v1/subscriptions` instead.
async fn webhook_admin(state: &AppState, req: &Request) -> Result<(), AdminError> {
    let caller = require_admin(state, req).await?;
    require_all_models(&caller, "webhooks at /restapi (see /api/v1/subscriptions)")
}

#[handler]
async fn list(req: &Request, state: Data<&AppState>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        search(&state, &Params::of(req)?).await
    };
    respond(req, reply.await)
}

#[handler]
async fn count(req: &Request, state: Data<&AppState>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let params = Params::of(req)?;
        let domain = params.domain()?;
        let views = matching(&state, None, domain.as_ref()).await?;
        Ok(Reply::Count(views.len()))
    };
    respond(req, reply.await)
}

#[handler]
async fn read_one(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let fields = Params::of(req)?.fields()?;
        let id = webhook_id(&id)?;
        let row = subscription::get(&state.store, id)
            .await
            .map_err(source_error)?;
        Ok(Reply::One(select(
            subscription::view(&row),
            fields.as_deref(),
        )))
    };
    respond(req, reply.await)
}

#[handler]
async fn create(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let vals = vals(&Params::of(req)?, body).await?;
        let row = subscription::create(&state.store, &state.allowed_targets, &vals)
            .await
            .map_err(source_error)?;
        sources_changed(&state).await;
        let mut view = subscription::view(&row);
        view.insert("secret".into(), json!(row.secret));
        Ok(Reply::One(view))
    };
    respond(req, reply.await)
}

#[handler]
async fn update_one(
    req: &Request,
    state: Data<&AppState>,
    Path(id): Path<String>,
    body: Body,
) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let vals = vals(&Params::of(req)?, body).await?;
        let id = webhook_id(&id)?;
        let mut views = update_all(&state, &[id], &vals).await?;
        views.pop().map(Reply::One).ok_or_else(|| missing(id))
    };
    respond(req, reply.await)
}

#[handler]
async fn update_many(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let params = Params::of(req)?;
        let ids = params.required_ids()?;
        let vals = vals(&params, body).await?;
        Ok(Reply::List(update_all(&state, &ids, &vals).await?))
    };
    respond(req, reply.await)
}

#[handler]
async fn delete_one(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        delete_all(&state, &[webhook_id(&id)?]).await
    };
    respond(req, reply.await)
}

#[handler]
async fn delete_many(req: &Request, state: Data<&AppState>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let ids = Params::of(req)?.required_ids()?;
        delete_all(&state, &ids).await
    };
    respond(req, reply.await)
}

#[handler]
async fn test(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let id = webhook_id(&id)?;
        let row = subscription::get(&state.store, id)
            .await
            .map_err(source_error)?;
        let delivery_id = queue_test(&state, id).await?;
        Ok(Reply::Tested(subscription::view(&row), delivery_id))
    };
    respond(req, reply.await)
}

// ---------------------------------------------------------------------------------------------
// The operations.

/// `GET /webhooks`: the matching webhooks, ordered, paged and cut to `fields`, or their count.
async fn search(state: &AppState, params: &Params) -> Result<Reply, Failure> {
    let ids = params.ids()?;
    let domain = params.domain()?;
    let fields = params.fields()?;
    let order = params.order()?;
    let offset = params.number("offset")?.unwrap_or(0);
    let limit = params.number("limit")?.filter(|l| *l > 0);
    let counting = params.flag("count")?;
    let mut views = matching(state, ids.as_deref(), domain.as_ref()).await?;
    if counting {
        return Ok(Reply::Count(views.len()));
    }
    views.sort_by(|a, b| compare_views(a, b, &order));
    let page = views
        .into_iter()
        .skip(offset)
        .take(limit.unwrap_or(usize::MAX));
    Ok(Reply::List(
        page.map(|v| select(v, fields.as_deref())).collect(),
    ))
}

/// Every webhook's view, restricted to `ids` (each must exist) and to `domain`, by id.
async fn matching(
    state: &AppState,
    ids: Option<&[i64]>,
    domain: Option<&BoundDomain>,
) -> Result<Vec<View>, Failure> {
    let rows = subscription::list(&state.store)
        .await
        .map_err(source_error)?;
    if let Some(ids) = ids
        && let Some(id) = ids.iter().find(|id| !rows.iter().any(|r| r.id == **id))
    {
        return Err(missing(*id));
    }
    let records = Views::of(&rows);
    Ok(rows
        .iter()
        .filter(|r| ids.is_none_or(|ids| ids.contains(&r.id)))
        .filter(|r| domain.is_none_or(|d| d.matches(&records, r.id)))
        .map(subscription::view)
        .collect())
}

/// The same `vals` on every webhook of `ids`, all or none.
async fn update_all(state: &AppState, ids: &[i64], vals: &View) -> Result<Vec<View>, Failure> {
    let updated = subscription::update_many(&state.store, &state.allowed_targets, ids, vals)
        .await
        .map_err(source_error)?;
    sources_changed(state).await;
    Ok(updated.iter().map(subscription::view).collect())
}

/// Delete every webhook of `ids`, all or none (an unknown id deletes nothing).
async fn delete_all(state: &AppState, ids: &[i64]) -> Result<Reply, Failure> {
    subscription::delete_many(&state.store, ids)
        .await
        .map_err(source_error)?;
    sources_changed(state).await;
    Ok(Reply::Empty)
}

/// `vals`: the query parameter, or else the request body; JSON or Python-literal, a dictionary.
async fn vals(params: &Params, body: Body) -> Result<View, Failure> {
    let text = match params.get("vals") {
        Some(text) => text.to_string(),
        None => body
            .into_string()
            .await
            .map_err(|e| Failure::invalid("body", e.to_string()))?,
    };
    if text.trim().is_empty() {
        return Err(Failure::invalid(
            "vals",
            "is required: {'field_name': value, ...}",
        ));
    }
    match literal("vals", &text)? {
        Value::Object(map) => Ok(map),
        _ => Err(Failure::invalid(
            "vals",
            "expected a dictionary {'field_name': value, ...}",
        )),
    }
}

/// The view cut to `fields` (all when None or empty); `id` always stays.
fn select(mut view: View, fields: Option<&[String]>) -> View {
    if let Some(fields) = fields.filter(|f| !f.is_empty()) {
        view.retain(|k, _| k == "id" || fields.iter().any(|f| f == k));
    }
    view
}

/// By the `order` terms, then by id.
fn compare_views(a: &View, b: &View, order: &Order) -> Ordering {
    order
        .0
        .iter()
        .map(|term| {
            let by = compare_values(field(a, &term.field), field(b, &term.field));
            if term.descending { by.reverse() } else { by }
        })
        .find(|o| o.is_ne())
        .unwrap_or_else(|| compare_values(field(a, "id"), field(b, "id")))
}

fn field<'a>(view: &'a View, name: &str) -> &'a Value {
    view.get(name).unwrap_or(&Value::Null)
}

/// Numbers, text and booleans in their natural order; empty values last (as PostgreSQL sorts
/// NULL in ascending order).
fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.total_cmp(&y)
        }
        (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

// ---------------------------------------------------------------------------------------------
// Query parameters, each error naming the parameter.

struct Params(HashMap<String, String>);

impl Params {
    fn of(req: &Request) -> Result<Params, Failure> {
        req.params::<HashMap<String, String>>()
            .map(Params)
            .map_err(|e| Failure::invalid("query string", e.to_string()))
    }

    /// The parameter, unless absent or blank.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    fn ids(&self) -> Result<Option<Vec<i64>>, Failure> {
        self.get("ids").map(parse_ids).transpose()
    }

    fn required_ids(&self) -> Result<Vec<i64>, Failure> {
        self.ids()?.ok_or_else(|| {
            Failure::invalid("ids", "is required (comma-separated ids such as 7,12)")
        })
    }

    fn domain(&self) -> Result<Option<BoundDomain>, Failure> {
        self.get("domain").map(parse_domain).transpose()
    }

    fn fields(&self) -> Result<Option<Vec<String>>, Failure> {
        self.get("fields").map(parse_fields).transpose()
    }

    fn order(&self) -> Result<Order, Failure> {
        let order = Order::parse(self.get("order").unwrap_or(""))
            .map_err(|e| Failure::invalid("order", e.to_string()))?;
        for term in &order.0 {
            match column(&term.field) {
                None => return Err(unknown_field("order", &term.field)),
                Some(FieldKind::Json) => {
                    let reason = format!("cannot sort by '{}', a list", term.field);
                    return Err(Failure::invalid("order", reason));
                }
                Some(_) => {}
            }
        }
        Ok(order)
    }

    /// A non-negative integer (`offset`, `limit`).
    fn number(&self, name: &str) -> Result<Option<usize>, Failure> {
        self.get(name)
            .map(|text| {
                text.trim().parse::<usize>().map_err(|_| {
                    Failure::invalid(name, format!("'{text}' is not a non-negative integer"))
                })
            })
            .transpose()
    }

    /// `True`/`true`/`1` or `False`/`false`/`0`; absent is false.
    fn flag(&self, name: &str) -> Result<bool, Failure> {
        match self.get(name).map(str::trim) {
            None | Some("False" | "false" | "0") => Ok(false),
            Some("True" | "true" | "1") => Ok(true),
            Some(other) => Err(Failure::invalid(
                name,
                format!("'{other}' is not True or False"),
            )),
        }
    }
}

/// `3,12`, or a list `[3, 12]`: positive ids, duplicates dropped.
fn parse_ids(text: &str) -> Result<Vec<i64>, Failure> {
    let trimmed = text.trim();
    let parts: Vec<Value> = if trimmed.starts_with('[') || trimmed.starts_with('(') {
        match literal("ids", trimmed)? {
            Value::Array(items) => items,
            _ => return Err(Failure::invalid("ids", "expected ids such as 3,12")),
        }
    } else {
        trimmed.split(',').map(|p| json!(p.trim())).collect()
    };
    let mut ids = Vec::new();
    for part in &parts {
        let id = match part {
            Value::String(s) => s.parse::<i64>().ok(),
            other => other.as_i64(),
        };
        let id = id.filter(|id| *id > 0).ok_or_else(|| {
            let reason = format!("{} is not an id (expected ids such as 3,12)", quoted(part));
            Failure::invalid("ids", reason)
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A client value in a message: text in single quotes, anything else as JSON.
fn quoted(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// A domain over the webhooks; two-element terms `(field, value)` read as `(field, '=', value)`.
fn parse_domain(text: &str) -> Result<BoundDomain, Failure> {
    let mut value = literal("domain", text)?;
    if let Value::Array(items) = &mut value {
        for item in items.iter_mut() {
            if let Value::Array(term) = item
                && term.len() == 2
            {
                term.insert(1, json!("="));
            }
        }
    }
    let domain =
        Domain::parse_json(&value).map_err(|e| Failure::invalid("domain", e.to_string()))?;
    let options = BindOptions { active_test: false };
    domain
        .bind(&WebhookSchema, MODEL, &options)
        .map_err(|e| Failure::invalid("domain", e.to_string()))
}

/// `['name','model']` (Python-literal or JSON), or plain `name,model`; each a webhook field.
fn parse_fields(text: &str) -> Result<Vec<String>, Failure> {
    let trimmed = text.trim();
    let items = if trimmed.starts_with('[') || trimmed.starts_with('(') {
        match literal("fields", trimmed)? {
            Value::Array(items) => items,
            _ => return Err(Failure::invalid("fields", "expected a list of field names")),
        }
    } else {
        trimmed.split(',').map(|f| json!(f.trim())).collect()
    };
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(name) if column(name).is_some() => Ok(name.to_string()),
            Some(name) => Err(unknown_field("fields", name)),
            None => Err(Failure::invalid(
                "fields",
                format!("{item} is not a field name"),
            )),
        })
        .collect()
}

fn literal(name: &str, text: &str) -> Result<Value, Failure> {
    weft_domain::parse_literal(text).map_err(|e| Failure::invalid(name, e.to_string()))
}

/// A path id; one that is not a number names no webhook.
fn webhook_id(text: &str) -> Result<i64, Failure> {
    text.parse::<i64>().map_err(|_| Failure {
        status: StatusCode::NOT_FOUND,
        code: "not_found".into(),
        message: format!("webhook '{text}' does not exist"),
    })
}

fn column(name: &str) -> Option<FieldKind<'static>> {
    COLUMNS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

fn unknown_field(parameter: &str, name: &str) -> Failure {
    let known: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
    Failure {
        status: StatusCode::FORBIDDEN,
        code: "unknown_field".into(),
        message: format!(
            "{parameter}: '{name}' is not a webhook field ({})",
            known.join(", ")
        ),
    }
}

fn missing(id: i64) -> Failure {
    source_error(weft_outbound::source::SourceError::NotFound("webhook", id)).into()
}

// ---------------------------------------------------------------------------------------------
// Domains over the webhooks' views, in memory.

struct WebhookSchema;

impl Schema for WebhookSchema {
    fn table(&self, model: &str) -> Option<&str> {
        (model == MODEL).then_some(MODEL)
    }

    fn field(&self, model: &str, name: &str) -> Option<FieldInfo<'_>> {
        if model != MODEL {
            return None;
        }
        COLUMNS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(name, kind)| FieldInfo { name, kind: *kind })
    }

    fn rec_name(&self, _model: &str) -> &str {
        "name"
    }

    fn parent_field(&self, _model: &str) -> Option<&str> {
        None
    }

    fn has_active(&self, model: &str) -> bool {
        model == MODEL
    }
}

/// The webhooks as the evaluator reads them: an empty `fields` list is empty (False).
struct Views(HashMap<i64, View>);

impl Views {
    fn of(rows: &[Row]) -> Views {
        let row = |r: &Row| {
            let mut view = subscription::view(r);
            if field(&view, "fields").as_array().is_some_and(Vec::is_empty) {
                view.insert("fields".into(), Value::Null);
            }
            (r.id, view)
        };
        Views(rows.iter().map(row).collect())
    }
}

impl Records for Views {
    fn row(&self, model: &str, id: i64) -> Option<&View> {
        if model != MODEL {
            return None;
        }
        self.0.get(&id)
    }
}

// ---------------------------------------------------------------------------------------------
// Replies and errors, as JSON or XML.

enum Reply {
    List(Vec<View>),
    One(View),
    Count(usize),
    /// `{}`
    Empty,
    /// The webhook and its test notification's delivery.
    Tested(View, i64),
}

struct Failure {
    status: StatusCode,
    code: String,
    message: String,
}

impl Failure {
    /// A refused parameter: 403 (seed 000: "if any error raise").
    fn invalid(parameter: &str, reason: impl std::fmt::Display) -> Failure {
        Failure {
            status: StatusCode::FORBIDDEN,
            code: "invalid_value".into(),
            message: format!("{parameter}: {reason}"),
        }
    }
}

/// 401 and 404 stay; the service's own failures stay 500; every other error is a 403.
impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Failure {
        let (status, body) = match e {
            AdminError::Unauthorized(b) => (StatusCode::UNAUTHORIZED, b),
            AdminError::NotFound(b) => (StatusCode::NOT_FOUND, b),
            AdminError::Internal(b) => (StatusCode::INTERNAL_SERVER_ERROR, b),
            AdminError::BadRequest(b)
            | AdminError::Forbidden(b)
            | AdminError::Conflict(b)
            | AdminError::Unprocessable(b) => (StatusCode::FORBIDDEN, b),
        };
        let ErrorDetail { code, message } = body.0.error;
        Failure {
            status,
            code,
            message,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml(&'static str),
}

impl Format {
    /// The media type `Accept` prefers (highest `q`, the first on a tie); JSON by default.
    fn of(req: &Request) -> Format {
        let accept = req
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut best = (Format::Json, 0.0_f32);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match media.as_str() {
                "application/xml" => Format::Xml("application/xml"),
                "text/xml" => Format::Xml("text/xml"),
                "application/json" | "application/*" | "*/*" => Format::Json,
                _ => continue,
            };
            if q > best.1 {
                best = (format, q);
            }
        }
        best.0
    }

    fn content_type(self) -> String {
        match self {
            Format::Json => "application/json; charset=utf-8".into(),
            Format::Xml(media) => format!("{media}; charset=utf-8"),
        }
    }
}

fn respond(req: &Request, outcome: Result<Reply, Failure>) -> Response {
    let format = Format::of(req);
    let (status, body) = match (&outcome, format) {
        (Ok(reply), Format::Json) => (StatusCode::OK, reply.to_json().to_string()),
        (Ok(reply), Format::Xml(_)) => (StatusCode::OK, xml_document(&reply.to_xml())),
        (Err(f), Format::Json) => (f.status, f.to_json().to_string()),
        (Err(f), Format::Xml(_)) => (f.status, xml_document(&f.to_xml())),
    };
    Response::builder()
        .status(status)
        .content_type(format.content_type())
        .body(body)
}

impl Reply {
    fn to_json(&self) -> Value {
        match self {
            Reply::List(views) => json!({"webhook": views}),
            Reply::One(view) => json!({"webhook": view}),
            Reply::Count(n) => json!({"count": n}),
            Reply::Empty => json!({}),
            Reply::Tested(view, delivery) => json!({"webhook": view, "delivery_id": delivery}),
        }
    }

    fn to_xml(&self) -> String {
        match self {
            Reply::List(views) => {
                let items: String = views.iter().map(webhook_xml).collect();
                format!("<webhooks>{items}</webhooks>")
            }
            Reply::One(view) => webhook_xml(view),
            Reply::Count(n) => format!("<count>{n}</count>"),
            Reply::Empty => "<result/>".into(),
            Reply::Tested(view, delivery) => format!(
                "<result>{}<delivery_id>{delivery}</delivery_id></result>",
                webhook_xml(view)
            ),
        }
    }
}

impl Failure {
    fn to_json(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message}})
    }

    fn to_xml(&self) -> String {
        format!(
            r#"<error code="{}">{}</error>"#,
            escape(&self.code),
            escape(&self.message)
        )
    }
}

fn xml_document(root: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{root}")
}

/// `<webhook id="3">` and one element per field, in `COLUMNS` order (then `secret`).
fn webhook_xml(view: &View) -> String {
    let id = view.get("id").map(Value::to_string).unwrap_or_default();
    let names = COLUMNS.iter().map(|(n, _)| *n).chain(["secret"]);
    let children: String = names
        .filter(|n| *n != "id")
        .filter_map(|n| view.get(n).map(|v| element(n, v)))
        .collect();
    format!(r#"<webhook id="{}">{children}</webhook>"#, escape(&id))
}

fn element(name: &str, value: &Value) -> String {
    match value {
        Value::Null => format!(r#"<{name} empty="true"/>"#),
        Value::Array(items) if name == "fields" => {
            let inner: String = items
                .iter()
                .map(|i| format!("<field>{}</field>", escape(&text(i))))
                .collect();
            format!("<{name}>{inner}</{name}>")
        }
        Value::Array(_) if name == "condition" => {
            let literal = Domain::parse_json(value)
                .map(|d| d.to_string())
                .unwrap_or_else(|_| value.to_string());
            format!("<{name}>{}</{name}>", escape(&literal))
        }
        Value::Array(items) => {
            let inner: String = items.iter().map(|i| element("item", i)).collect();
            format!("<{name}>{inner}</{name}>")
        }
        other => format!("<{name}>{}</{name}>", escape(&text(other))),
    }
}
