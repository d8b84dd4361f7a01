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
//!   offset and limit aside); with `ids`, the webhooks of `ids` that exist (and match), as
//!   Synconics' `search_read` with `('id', 'in', ids)`, and 404 only when none does;
//! - `GET /webhooks/count?domain=..`, `GET /webhooks/{id}?fields=..`;
//! - `POST /webhooks?vals={..}` (or the vals as the request body, JSON or Python-literal text, not
//!   a form; the query wins): 200 with the new webhook and, this once, its `secret`;
//! - `PUT /webhooks/{id}?vals=..`, `PUT /webhooks?ids=7,12&vals=..`: every id must exist; when one
//!   update fails, the ones already made are put back as they were;
//! - `DELETE /webhooks/{id}`, `DELETE /webhooks?ids=7,12` -> `{}`: every id must exist, or nothing
//!   is deleted;
//! - a missing id is a 404 on the path (`/webhooks/7`), but a 403 `missing_record` in `?ids=` of
//!   PUT and DELETE, with nothing changed: there Synconics' `write`/`unlink` meet Odoo's
//!   MissingError, which it answers 403, and roll the whole call back;
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
//!
//! `/restapi/1.0/object/...` (Synconics' object resource) is mounted here too; see `object/`.
//!
//! This file holds the routes, handlers and operations; `params.rs` parses the query parameters
//! and evaluates domains over the webhooks; `render.rs` writes the replies and errors.

pub mod auth;
mod log;
pub mod oauth;
mod object;
mod params;
mod render;

use crate::admin::{AdminError, body, require_all_models};
use crate::outbound::{queue_test, source_error, sources_changed};
use crate::state::AppState;
use oauth::{oauth1, oauth2};
use params::{Params, Views, literal, missing, none_of, webhook_id};
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Body, Endpoint, EndpointExt, Request, Response, Route, get, handler, post};
use render::{Failure, Reply, respond};
use serde_json::{Map, Value, json};
use std::cmp::Ordering;
use weft_domain::{BoundDomain, FieldKind, Order};
use weft_inbound::identity::Role;
use weft_outbound::source::SourceError;
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
    let logged_state = state.clone();
    let webhooks = Route::new()
        .at("/webhooks", collection())
        .at("/webhooks/", collection())
        .at("/webhooks/count", get(count))
        .at("/webhooks/count/", get(count))
        .at("/webhooks/:id", one())
        .at("/webhooks/:id/", one())
        .at("/webhooks/:id/test", post(test))
        .at("/webhooks/:id/test/", post(test))
        .around(move |endpoint, req| {
            let state = logged_state.clone();
            async move { log::logged(&state, &endpoint, req).await }
        });
    let route = Route::new()
        .nest_no_strip("/webhooks", webhooks)
        .at("/common/version", get(version))
        .at("/common/oauth2/authorize", get(oauth2::authorize))
        .at(
            "/common/oauth2/access_token",
            get(oauth2::access_token).post(oauth2::access_token),
        )
        .at(
            "/common/basic/access_token",
            get(oauth2::basic_access_token).post(oauth2::basic_access_token),
        )
        .at(
            "/common/oauth1/request_token",
            get(oauth1::request_token).post(oauth1::request_token),
        )
        .at("/common/oauth1/authorize", get(oauth1::authorize))
        .at(
            "/common/oauth1/access_token",
            get(oauth1::access_token).post(oauth1::access_token),
        );
    object::routes(route).data(state)
}

// ---------------------------------------------------------------------------------------------
// Handlers: authenticate, do the work, answer in the format the client asked for.

/// An admin whose key (or OAuth app) is not limited to some models: this API's lists, domains and
/// bulk updates span every model, so a limited key uses `/api/v1/subscriptions` instead.
async fn webhook_admin(state: &AppState, req: &Request) -> Result<(), AdminError> {
    webhook_signed_admin(state, req, &[]).await
}

/// `webhook_admin` for a request with a body, which an OAuth 1.0a signature may cover.
async fn webhook_signed_admin(
    state: &AppState,
    req: &Request,
    request_body: &[u8],
) -> Result<(), AdminError> {
    let caller = match auth::authenticate(state, req, request_body).await {
        Ok(caller) => caller,
        Err(auth::Denied::Unauthenticated) => {
            return Err(AdminError::Unauthorized(body(
                "unauthorized",
                "Authentication required",
            )));
        }
        Err(auth::Denied::Internal) => {
            return Err(AdminError::Internal(body("internal", "internal error")));
        }
    };
    if caller.role != Role::Admin {
        return Err(AdminError::Forbidden(body(
            "access_denied",
            "this route needs the admin role",
        )));
    }
    require_all_models(&caller, "webhooks at /restapi (see /api/v1/subscriptions)")
}

/// `GET /common/version`: Odoo's `version_info()`, with no credentials needed (as Synconics).
#[handler]
async fn version() -> Response {
    Response::builder()
        .content_type("application/json")
        .body(crate::odoo::services::version_info().to_string())
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
        let body = read_body(body).await?;
        webhook_signed_admin(&state, req, &body).await?;
        let vals = vals(&Params::of(req)?, req, &body)?;
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
        let body = read_body(body).await?;
        webhook_signed_admin(&state, req, &body).await?;
        let vals = vals(&Params::of(req)?, req, &body)?;
        let id = webhook_id(&id)?;
        let mut views = update_all(&state, &[id], &vals, Named::ByPath).await?;
        views.pop().map(Reply::One).ok_or_else(|| missing(id))
    };
    respond(req, reply.await)
}

#[handler]
async fn update_many(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let reply = async {
        let body = read_body(body).await?;
        webhook_signed_admin(&state, req, &body).await?;
        let params = Params::of(req)?;
        let ids = params.required_ids()?;
        let vals = vals(&params, req, &body)?;
        Ok(Reply::List(
            update_all(&state, &ids, &vals, Named::ByIds).await?,
        ))
    };
    respond(req, reply.await)
}

#[handler]
async fn delete_one(req: &Request, state: Data<&AppState>, Path(id): Path<String>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        delete_all(&state, &[webhook_id(&id)?], Named::ByPath).await
    };
    respond(req, reply.await)
}

#[handler]
async fn delete_many(req: &Request, state: Data<&AppState>) -> Response {
    let reply = async {
        webhook_admin(&state, req).await?;
        let ids = Params::of(req)?.required_ids()?;
        delete_all(&state, &ids, Named::ByIds).await
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
    // Synconics reads `?ids=` as `search_read([('id', 'in', ids)] + domain)`: the webhooks that
    // exist come back, and only an empty answer is its 404 "Record not found".
    if let Some(ids) = ids.filter(|_| views.is_empty()) {
        return Err(none_of(&ids));
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

/// Every webhook's view, restricted to those of `ids` that exist and to `domain`, by id.
async fn matching(
    state: &AppState,
    ids: Option<&[i64]>,
    domain: Option<&BoundDomain>,
) -> Result<Vec<View>, Failure> {
    let rows = subscription::list(&state.store)
        .await
        .map_err(source_error)?;
    let records = Views::of(&rows);
    Ok(rows
        .iter()
        .filter(|r| ids.is_none_or(|ids| ids.contains(&r.id)))
        .filter(|r| domain.is_none_or(|d| d.matches(&records, r.id)))
        .map(subscription::view)
        .collect())
}

/// How a write or a delete named its webhooks, which decides the status of a missing one.
#[derive(Clone, Copy)]
enum Named {
    /// `/webhooks/7`: a missing webhook is a 404, as the seed documents.
    ByPath,
    /// `?ids=7,12`: Synconics runs `browse(ids).write(vals)` or `.unlink()`, where a missing id
    /// raises Odoo's MissingError; its controller answers that 403, and the call's cursor is
    /// rolled back, so nothing changes.
    ByIds,
}

impl Named {
    fn error(self, e: SourceError) -> Failure {
        match (self, e) {
            (Named::ByIds, SourceError::NotFound(_, id)) => Failure {
                status: StatusCode::FORBIDDEN,
                code: "missing_record".into(),
                message: format!(
                    "ids: webhook {id} does not exist or has been deleted; nothing was changed"
                ),
            },
            (_, e) => source_error(e).into(),
        }
    }
}

/// The same `vals` on every webhook of `ids`, all or none.
async fn update_all(
    state: &AppState,
    ids: &[i64],
    vals: &View,
    named: Named,
) -> Result<Vec<View>, Failure> {
    let updated = subscription::update_many(&state.store, &state.allowed_targets, ids, vals)
        .await
        .map_err(|e| named.error(e))?;
    sources_changed(state).await;
    Ok(updated.iter().map(subscription::view).collect())
}

/// Delete every webhook of `ids`, all or none (an unknown id deletes nothing).
async fn delete_all(state: &AppState, ids: &[i64], named: Named) -> Result<Reply, Failure> {
    subscription::delete_many(&state.store, ids)
        .await
        .map_err(|e| named.error(e))?;
    sources_changed(state).await;
    Ok(Reply::Empty)
}

/// `vals`: the query parameter, or else the request body; JSON or Python-literal, a dictionary.
/// The request body, read before authentication (an OAuth 1.0a signature covers a form's).
async fn read_body(body: Body) -> Result<Vec<u8>, Failure> {
    body.into_vec()
        .await
        .map_err(|e| Failure::invalid("body", e.to_string()))
}

/// `vals` from the query, else from a form body's `vals`, else the whole body (JSON or a
/// Python literal).
fn vals(params: &Params, req: &Request, body: &[u8]) -> Result<View, Failure> {
    let form = oauth::body_params(req, body);
    let text = match params.get("vals") {
        Some(text) => text.to_string(),
        None if req
            .content_type()
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")) =>
        {
            form.into_iter()
                .find(|(k, _)| k == "vals")
                .map(|(_, v)| v)
                .unwrap_or_default()
        }
        None => String::from_utf8(body.to_vec())
            .map_err(|_| Failure::invalid("body", "is not UTF-8 text"))?,
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
