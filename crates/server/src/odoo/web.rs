//! The web client's routes that odooly and odoorpc use (research §2.2): the version, the database
//! list, the session's info, `call_kw` with the session cookie (or `X-Openerp-Session-Id`, or an
//! API key as the ecosoft routes take it), and `/`, which leads to the console (odooly HEADs the
//! server first).

use super::{OdooTags, Wire, jsonrpc, run, services};
use crate::api::{auth_error, cookie, session_info};
use crate::odoo::schema::{CallKwRequest, WebRequest};
use crate::rpc::{RpcBody, RpcReply};
use crate::schema::SessionReply;
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::{Map, Value, json};
use weft_inbound::auth::{self, AuthError, Credentials};
use weft_inbound::envelope;
use weft_inbound::identity::Caller;
use weft_inbound::rpc::{FaultKind, ModelCall};

pub struct WebApi {
    pub state: AppState,
}

#[OpenApi]
impl WebApi {
    /// The console (as Odoo's `/` leads to its web client; odooly only checks that `/` answers).
    #[oai(path = "/", method = "get", tag = "OdooTags::OdooRpc")]
    async fn home(&self) -> Home {
        Home::SeeOther("/console".into())
    }

    /// The server's version, as `common.version()` gives it.
    #[oai(
        path = "/web/webclient/version_info",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn version_info(&self, body: RpcBody<WebRequest>) -> RpcReply<SessionReply> {
        let id = request_id(&body.bytes);
        RpcReply::new(envelope::result(&id, services::version_info()))
    }

    /// The databases: the one this server serves (`WEFT_DATABASE_NAME`).
    #[oai(
        path = "/web/database/list",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn database_list(&self, body: RpcBody<WebRequest>) -> RpcReply<SessionReply> {
        let id = request_id(&body.bytes);
        RpcReply::new(envelope::result(&id, json!([self.state.database_name])))
    }

    /// The session's info (as `/web/session/authenticate` answered it); without a valid session,
    /// Odoo's SessionExpired error (code 100).
    #[oai(
        path = "/web/session/get_session_info",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn get_session_info(
        &self,
        req: &Request,
        body: RpcBody<WebRequest>,
    ) -> RpcReply<SessionReply> {
        let id = request_id(&body.bytes);
        let Some(sid) = session_id(req) else {
            return RpcReply::new(envelope::session_expired(&id));
        };
        match weft_inbound::identity::caller_by_session(&self.state.store, sid).await {
            Ok(Some(caller)) => RpcReply::new(envelope::result(
                &id,
                session_info(&self.state, &caller).await,
            )),
            Ok(None) => RpcReply::new(envelope::session_expired(&id)),
            Err(e) => {
                tracing::error!(error = %e, "reading a session failed");
                RpcReply::new(envelope::error(
                    &id,
                    "builtins.RuntimeError",
                    "internal error",
                ))
            }
        }
    }

    /// A model method called as the session's user: `params` {model, method, args, kwargs}.
    #[oai(
        path = "/web/dataset/call_kw",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn call_kw(&self, req: &Request, body: RpcBody<CallKwRequest>) -> RpcReply<SessionReply> {
        self.call(req, &body.bytes).await
    }

    /// `call_kw` with a path after it (the web client adds the model; the path is not read).
    #[oai(
        path = "/web/dataset/call_kw/:model",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn call_kw_model(
        &self,
        req: &Request,
        #[oai(name = "model")] _model: Path<String>,
        body: RpcBody<CallKwRequest>,
    ) -> RpcReply<SessionReply> {
        self.call(req, &body.bytes).await
    }

    /// `call_kw/{model}/{method}`, as odooly and the web client call it (the path is not read:
    /// `params` says what to call, as in Odoo).
    #[oai(
        path = "/web/dataset/call_kw/:model/:method",
        method = "post",
        tag = "OdooTags::OdooRpc"
    )]
    async fn call_kw_model_method(
        &self,
        req: &Request,
        #[oai(name = "model")] _model: Path<String>,
        #[oai(name = "method")] _method: Path<String>,
        body: RpcBody<CallKwRequest>,
    ) -> RpcReply<SessionReply> {
        self.call(req, &body.bytes).await
    }
}

#[derive(ApiResponse)]
enum Home {
    /// To the console.
    #[oai(status = 303)]
    SeeOther(#[oai(header = "Location")] String),
}

impl WebApi {
    async fn call(&self, req: &Request, body: &[u8]) -> RpcReply<SessionReply> {
        let (id, params) = match envelope::parse_params(body) {
            Ok(parsed) => parsed,
            Err(bad) => return RpcReply::new(envelope::bad_request(&bad)),
        };
        let caller = match self.caller(req).await {
            Ok(caller) => caller,
            Err(AuthError::NoCredentials) => return RpcReply::new(envelope::session_expired(&id)),
            Err(e) => return RpcReply::new(auth_error(&id, &e)),
        };
        let call = match call_of(&params) {
            Ok(call) => call,
            Err(message) => {
                return RpcReply::new(envelope::error(
                    &id,
                    FaultKind::TypeError.odoo_name(),
                    &message,
                ));
            }
        };
        let request = json!({"model": call.model, "method": call.method, "args": call.args, "kwargs": call.kwargs});
        let route = Wire::WebClient.service_route("object");
        let answer = run::model_call(&self.state, &caller, Wire::WebClient, &route, call, request)
            .await
            .map(|answer| answer.result);
        jsonrpc::reply(&id, answer)
    }

    /// The session (cookie or `X-Openerp-Session-Id`), else an API key (`x-api-key`, Bearer).
    async fn caller(&self, req: &Request) -> Result<Caller, AuthError> {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let credentials = Credentials {
            session_id: session_id(req),
            x_api_key: header("x-api-key"),
            authorization: header("authorization"),
        };
        auth::authenticate(&self.state.store, &self.state.keys, credentials).await
    }
}

/// The session id: `X-Openerp-Session-Id` (used for this request only), else the cookie.
fn session_id(req: &Request) -> Option<&str> {
    req.headers()
        .get("x-openerp-session-id")
        .and_then(|v| v.to_str().ok())
        .or_else(|| cookie(req, "session_id"))
        .filter(|sid| !sid.is_empty())
}

/// The `id` of a body that may not even be JSON (those routes read no params).
fn request_id(body: &[u8]) -> Value {
    envelope::parse_params(body)
        .map(|(id, _)| id)
        .unwrap_or(Value::Null)
}

/// `params` {model, method, args?, kwargs?} as a model call.
fn call_of(params: &Map<String, Value>) -> Result<ModelCall, String> {
    let text = |key: &str| {
        params
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("call_kw() needs 'params.{key}' as a string"))
    };
    let (model, method) = (text("model")?, text("method")?);
    let args = match params.get("args") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err("call_kw() argument 'args' must be a list".into()),
    };
    let kwargs = match params.get("kwargs") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("call_kw() argument 'kwargs' must be a dict".into()),
    };
    Ok(ModelCall {
        model,
        method,
        args,
        kwargs,
    })
}
