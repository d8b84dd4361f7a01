//! Inbound hooks (DESIGN.md §8): `/api/v1/inbound-hooks` to manage them (admin key), and
//! `GET|POST /web/hook/{secret}`, the URL an external system calls with no key: the secret in the
//! path is the credential. A key limited to some models manages only the hooks of those.

use crate::admin::{AdminResult, Created, Deleted, require_admin, require_model};
use crate::outbound::{object, source_error, typed};
use crate::state::AppState;
use poem::{Request, RequestBody};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::registry::{MetaMediaType, MetaRequest};
use poem_openapi::types::Type;
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ApiResponse, ExtractParamOptions, Object, OpenApi, Tags,
};
use serde_json::{Map, Value};
use weft_inbound::hook::run::{self, Signed};
use weft_inbound::hook::stored;
use weft_inbound::identity::Caller;
use weft_logstore::{Body as LogBody, Entry, LogType};

#[derive(Tags)]
enum HookTags {
    /// Inbound hooks: URLs that update, create or call on records when an external system calls.
    InboundHooks,
}

/// An inbound hook (DESIGN.md §8).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InboundHook {
    pub id: i64,
    pub name: String,
    pub model: String,
    pub active: bool,
    /// `{"by": "model_id"}`, `{"by": "search", "key": {...}}` or `{"by": "none"}`.
    pub target: Value,
    /// `update`, `create` and `call` actions, run in order in one transaction.
    pub actions: Value,
    pub log_calls: bool,
    pub require_signature: bool,
    /// The user the actions run as, with that user's companies (never the superuser). Null only
    /// for a hook from before owners on a database without an admin: it does nothing until set.
    pub owner_id: Option<i64>,
    /// The models the actions may touch: those of the admin key that made or last changed the
    /// hook when it was limited; absent = every model.
    pub allowed_models: Option<Vec<String>>,
    /// The URL to call: `WEFT_PUBLIC_URL` + `/web/hook/<secret>`. It is the credential.
    pub url: String,
    pub create_date: String,
    pub write_date: String,
    /// The `whsec_` secret signed calls are checked with: returned when the hook is created,
    /// otherwise at `.../signing-secret`.
    pub signing_secret: Option<String>,
}

/// A new inbound hook; `name`, `model`, `target` and `actions` are required.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewInboundHook {
    pub name: Option<String>,
    pub model: Option<String>,
    pub active: Option<bool>,
    pub target: Option<Value>,
    pub actions: Option<Value>,
    pub log_calls: Option<bool>,
    pub require_signature: Option<bool>,
    /// A `whsec_` secret of your own; generated when absent.
    pub signing_secret: Option<String>,
    /// The active user the actions run as; default: the admin creating the hook.
    pub owner_id: Option<i64>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HookSigningSecret {
    pub signing_secret: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct InboundHookList {
    pub items: Vec<InboundHook>,
}

pub struct HooksApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl HooksApi {
    /// Every inbound hook, by id.
    #[oai(
        path = "/inbound-hooks",
        method = "get",
        tag = "HookTags::InboundHooks"
    )]
    async fn list_hooks(&self, req: &Request) -> AdminResult<Json<InboundHookList>> {
        let caller = require_admin(&self.state, req).await?;
        let rows = stored::list(&self.state.store)
            .await
            .map_err(source_error)?;
        let items = rows
            .iter()
            .filter(|row| caller.may_use_model(&row.model))
            .map(|row| self.typed(row, false))
            .collect::<AdminResult<_>>()?;
        Ok(Json(InboundHookList { items }))
    }

    /// Create a hook; the reply holds its URL and signing secret.
    #[oai(
        path = "/inbound-hooks",
        method = "post",
        tag = "HookTags::InboundHooks"
    )]
    async fn create_hook(
        &self,
        req: &Request,
        new: Json<NewInboundHook>,
    ) -> AdminResult<Created<InboundHook>> {
        let caller = require_admin(&self.state, req).await?;
        if let Some(model) = &new.model {
            require_model(&caller, model)?;
        }
        let author = stored::Author::of(&caller);
        let row = stored::create(&self.state.store, &object(&new.0), &author)
            .await
            .map_err(source_error)?;
        Ok(Created::Created(Json(self.typed(&row, true)?)))
    }

    #[oai(
        path = "/inbound-hooks/:id",
        method = "get",
        tag = "HookTags::InboundHooks"
    )]
    async fn get_hook(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<InboundHook>> {
        let (_, row) = self.hook(req, id.0).await?;
        Ok(Json(self.typed(&row, false)?))
    }

    /// Change some fields; the hook is checked whole. Its URL stays.
    #[oai(
        path = "/inbound-hooks/:id",
        method = "patch",
        tag = "HookTags::InboundHooks"
    )]
    async fn update_hook(
        &self,
        req: &Request,
        id: Path<i64>,
        patch: Json<NewInboundHook>,
    ) -> AdminResult<Json<InboundHook>> {
        let (caller, _) = self.hook(req, id.0).await?;
        if let Some(model) = &patch.model {
            require_model(&caller, model)?;
        }
        let author = stored::Author::of(&caller);
        let row = stored::update(&self.state.store, id.0, &object(&patch.0), &author)
            .await
            .map_err(source_error)?;
        Ok(Json(self.typed(&row, false)?))
    }

    #[oai(
        path = "/inbound-hooks/:id",
        method = "delete",
        tag = "HookTags::InboundHooks"
    )]
    async fn delete_hook(&self, req: &Request, id: Path<i64>) -> AdminResult<Deleted> {
        self.hook(req, id.0).await?;
        stored::delete(&self.state.store, id.0)
            .await
            .map_err(source_error)?;
        Ok(Deleted::Deleted)
    }

    /// The `whsec_` secret signed calls must be signed with.
    #[oai(
        path = "/inbound-hooks/:id/signing-secret",
        method = "get",
        tag = "HookTags::InboundHooks"
    )]
    async fn hook_signing_secret(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Json<HookSigningSecret>> {
        let (_, row) = self.hook(req, id.0).await?;
        Ok(Json(HookSigningSecret {
            signing_secret: row.signing_secret,
        }))
    }

    /// A new URL: the old one answers 404 from now on.
    #[oai(
        path = "/inbound-hooks/:id/rotate",
        method = "post",
        tag = "HookTags::InboundHooks"
    )]
    async fn rotate_hook(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<InboundHook>> {
        self.hook(req, id.0).await?;
        let row = stored::rotate(&self.state.store, id.0)
            .await
            .map_err(source_error)?;
        Ok(Json(self.typed(&row, false)?))
    }
}

impl HooksApi {
    /// Hook `id`, if the admin calling may use its model.
    async fn hook(&self, req: &Request, id: i64) -> AdminResult<(Caller, stored::entity::Model)> {
        let caller = require_admin(&self.state, req).await?;
        let row = stored::get(&self.state.store, id)
            .await
            .map_err(source_error)?;
        require_model(&caller, &row.model)?;
        Ok((caller, row))
    }

    fn typed(&self, row: &stored::entity::Model, with_secret: bool) -> AdminResult<InboundHook> {
        typed(stored::view(row, &self.state.public_url, with_secret))
    }
}

/// `GET|POST /web/hook/{secret}`, in the OpenAPI document beside the admin routes.
pub struct HookUrlApi {
    pub state: AppState,
}

/// What a hook's URL answers.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct HookReply {
    /// `ok` or `error`.
    pub status: String,
    /// What is wrong (not on 200, nor on 404, which says no more than Odoo does).
    pub message: Option<String>,
}

#[derive(ApiResponse)]
pub enum HookResponse {
    /// The actions ran and committed.
    #[oai(status = 200)]
    Ok(Json<HookReply>),
    /// The body is not a JSON object.
    #[oai(status = 400)]
    BadRequest(Json<HookReply>),
    /// The hook requires a signature and this one is missing, wrong, stale or replayed.
    #[oai(status = 401)]
    Unauthorized(Json<HookReply>),
    /// The hook's owner is inactive or removed; nothing was changed.
    #[oai(status = 403)]
    Forbidden(Json<HookReply>),
    /// No active hook has this secret.
    #[oai(status = 404)]
    NotFound(Json<HookReply>),
    /// The payload does not fit the hook; nothing was changed.
    #[oai(status = 422)]
    Refused(Json<HookReply>),
    /// A fault, logged; nothing was changed.
    #[oai(status = 500)]
    Fault(Json<HookReply>),
}

/// Whatever body the caller sent, read whole whatever its content type (Odoo parses a hook's
/// body as JSON regardless of it); documented as the JSON object it should be.
pub struct HookBody(Vec<u8>);

impl<'a> ApiExtractor<'a> for HookBody {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: Some("The payload: a JSON object, whatever the content type."),
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: <std::collections::BTreeMap<String, Value> as Type>::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        _request: &'a Request,
        body: &mut RequestBody,
        _options: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        Ok(HookBody(body.take()?.into_vec().await?))
    }
}

#[OpenApi]
impl HookUrlApi {
    /// Call a hook with a JSON payload. No key: the secret in the URL is the credential.
    #[oai(
        path = "/web/hook/:secret",
        method = "post",
        tag = "HookTags::InboundHooks"
    )]
    async fn post_hook(&self, req: &Request, secret: Path<String>, body: HookBody) -> HookResponse {
        respond(answer(&self.state, req, &secret.0, &body.0).await)
    }

    /// Call a hook with the query string as its payload (each value text, read by field type).
    #[oai(
        path = "/web/hook/:secret",
        method = "get",
        tag = "HookTags::InboundHooks"
    )]
    async fn get_hook(&self, req: &Request, secret: Path<String>) -> HookResponse {
        respond(answer(&self.state, req, &secret.0, &[]).await)
    }
}

fn respond(reply: run::Reply) -> HookResponse {
    let status = reply.status();
    let body = Json(HookReply {
        status: if status == 200 { "ok" } else { "error" }.into(),
        message: reply.message().map(str::to_string),
    });
    match status {
        200 => HookResponse::Ok(body),
        400 => HookResponse::BadRequest(body),
        401 => HookResponse::Unauthorized(body),
        403 => HookResponse::Forbidden(body),
        404 => HookResponse::NotFound(body),
        422 => HookResponse::Refused(body),
        _ => HookResponse::Fault(body),
    }
}

/// Find the hook, read the payload, run it, and log the call when the hook says so.
async fn answer(state: &AppState, req: &Request, secret: &str, bytes: &[u8]) -> run::Reply {
    let started = std::time::Instant::now();
    let hook = match stored::find_by_secret(&state.store, secret).await {
        Ok(Some(hook)) => hook,
        Ok(None) => return run::Reply::NotFound,
        Err(e) => {
            tracing::error!(error = %e, "looking up an inbound hook failed");
            return run::Reply::Fault;
        }
    };
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let signed = Signed {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
    };
    let texts = is_blank(bytes);
    let payload = payload(req, bytes);
    let reply = match (run::verify(&hook, bytes, texts, &signed), &payload) {
        (Err(refused), _) => refused,
        (Ok(_), Err(reply)) => reply.clone(),
        (Ok(verified), Ok(value)) => {
            let settings = state.call_settings(&state.parameters());
            let sent = run::Payload { value };
            run::run(&state.store, &settings, &hook, &sent, verified).await
        }
    };
    if hook.log_calls {
        // What the actions read: the JSON body, or the query string of a GET.
        let request = match payload {
            Ok(payload) => LogBody::Json(payload),
            Err(_) => LogBody::Bytes(bytes.to_vec()),
        };
        log_call(state, &hook, request, &reply, started.elapsed()).await;
    }
    reply
}

/// The `receive` log of a call of a hook that logs its calls (`log_calls`).
async fn log_call(
    state: &AppState,
    hook: &stored::entity::Model,
    request: LogBody,
    reply: &run::Reply,
    duration: std::time::Duration,
) {
    let entry = Entry {
        at: chrono::Utc::now().naive_utc(),
        log_type: LogType::Receive,
        // The route, never the URL: the secret in it is the hook's credential.
        route: stored::LOG_ROUTE.into(),
        function_name: hook.name.clone(),
        model: Some(hook.model.clone()),
        res_model: None,
        res_id: None,
        callback_url: None,
        success: *reply == run::Reply::Ok,
        request,
        response: LogBody::Json(reply.body()),
        preview_limit: state.parameters().count("webhook.preview_limit") as usize,
        duration,
        user_id: None,
        idempotency_key: None,
    };
    state.logs.record(entry).await;
}

/// No body: the payload is the query string.
fn is_blank(body: &[u8]) -> bool {
    run::is_blank(body)
}

/// The body as a JSON object, or else the query string (as Odoo reads a hook's payload).
fn payload(req: &Request, body: &[u8]) -> Result<Value, run::Reply> {
    if let Some(value) = run::read_body(body)? {
        return Ok(value);
    }
    let pairs: Vec<(String, String)> = req
        .params()
        .map_err(|e| run::Reply::BadRequest(format!("the query string: {e}")))?;
    let mut query = Map::new();
    for (key, value) in pairs {
        query.entry(key).or_insert(Value::String(value));
    }
    Ok(Value::Object(query))
}
