//! The Odoo-compatible JSON-RPC routes: the five ecosoft data routes and the session routes.
//! Every reply is HTTP 200 with `result` or an Odoo-shaped `error`, as Odoo's own `type="json"` routes.

use crate::idempotency;
use crate::rpc::{RpcBody, RpcReply};
use crate::schema::{
    AuthenticateRequest, CallFunctionRequest, CallReply, CreateDataRequest, SearchDataRequest,
    SessionReply, UpdateDataRequest,
};
use crate::state::AppState;
use poem::Request;
use poem_openapi::{OpenApi, Tags};
use serde_json::{Value, json};
use std::time::Instant;
use weft_inbound::auth::{self, AuthError, Credentials};
use weft_inbound::call::{self, CallLog, Route};
use weft_inbound::envelope::{self, RouteCall};
use weft_inbound::identity::{self, Caller, SESSION_DAYS};
use weft_inbound::password::Passwords;
use weft_store::parameters::Parameters;

#[derive(Tags)]
enum ApiTags {
    /// The ecosoft "REST API for Webhook" routes.
    Data,
    /// Odoo web sessions.
    Session,
}

pub struct OdooApi {
    pub state: AppState,
}

#[OpenApi]
impl OdooApi {
    /// Create a record (with lines, lookups, attachments) and return its id.
    #[oai(path = "/api/create_data", method = "post", tag = "ApiTags::Data")]
    async fn create_data(
        &self,
        req: &Request,
        body: RpcBody<CreateDataRequest>,
    ) -> RpcReply<CallReply> {
        self.data_route(req, Route::CreateData, body.bytes).await
    }

    /// Update every record matching `search_key`.
    #[oai(path = "/api/update_data", method = "post", tag = "ApiTags::Data")]
    async fn update_data(
        &self,
        req: &Request,
        body: RpcBody<UpdateDataRequest>,
    ) -> RpcReply<CallReply> {
        self.data_route(req, Route::UpdateData, body.bytes).await
    }

    /// Update the records matching `search_key`, or create one from `payload` when none does.
    #[oai(
        path = "/api/create_update_data",
        method = "post",
        tag = "ApiTags::Data"
    )]
    async fn create_update_data(
        &self,
        req: &Request,
        body: RpcBody<UpdateDataRequest>,
    ) -> RpcReply<CallReply> {
        self.data_route(req, Route::CreateUpdateData, body.bytes)
            .await
    }

    /// Search records with a domain, with `field{sub}` expansion.
    #[oai(path = "/api/search_data", method = "post", tag = "ApiTags::Data")]
    async fn search_data(
        &self,
        req: &Request,
        body: RpcBody<SearchDataRequest>,
    ) -> RpcReply<CallReply> {
        self.data_route(req, Route::SearchData, body.bytes).await
    }

    /// Call a method the schema declares on the records matching `search_key`.
    #[oai(path = "/api/call_function", method = "post", tag = "ApiTags::Data")]
    async fn call_function(
        &self,
        req: &Request,
        body: RpcBody<CallFunctionRequest>,
    ) -> RpcReply<CallReply> {
        self.data_route(req, Route::CallFunction, body.bytes).await
    }

    /// Log in with a login and password; the session travels in the `session_id` cookie.
    ///
    /// Failed logins are limited per login (`WEFT_LOGIN_RATE_LIMIT`, 10 a minute) and per client
    /// address (`WEFT_LOGIN_IP_RATE_LIMIT`, 30 a minute): past either, the answer is 429 with
    /// `Retry-After`, even for the right password, until the bucket refills.
    #[oai(
        path = "/web/session/authenticate",
        method = "post",
        tag = "ApiTags::Session"
    )]
    async fn authenticate(
        &self,
        req: &Request,
        body: RpcBody<AuthenticateRequest>,
    ) -> RpcReply<SessionReply> {
        let (id, params) = match envelope::parse_params(&body.bytes) {
            Ok(parsed) => parsed,
            Err(bad) => return RpcReply::new(envelope::bad_request(&bad)),
        };
        let text = |key: &str| {
            params
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        // `db` is not checked (one database): the reply names it.
        let (login, password) = (text("login"), text("password"));
        // Counted before the password is checked, so a burst is cut at the limit.
        let limiter = &self.state.login_limiter;
        let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
        let forwarded = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        let address = limiter.client_address(peer, forwarded);
        let attempt = match limiter.attempt(address, &login) {
            Ok(attempt) => attempt,
            Err(seconds) => {
                // Counted, not logged at warn: a guessing client must not flood the log.
                metrics::counter!("weft_login_refusals_total").increment(1);
                tracing::debug!(%address, "a login was refused by the failed-login limit");
                let message = format!(
                    "too many failed logins for this login or from this address: retry after {seconds} s"
                );
                return RpcReply::too_many(seconds, &message);
            }
        };
        match identity::login(&self.state.store, Passwords::shared(), &login, &password).await {
            Ok(Some((caller, sid))) => {
                limiter.succeeded(attempt);
                let cookie = self.session_cookie(&sid, SESSION_DAYS * 86_400);
                let info = session_info(&self.state, &caller).await;
                RpcReply::new(envelope::result(&id, info)).with_cookie(cookie)
            }
            Ok(None) => RpcReply::new(envelope::error(
                &id,
                "odoo.exceptions.AccessDenied",
                "Access Denied",
            )),
            Err(e) => {
                // Our failure, not a wrong guess: it does not count against the caller.
                limiter.succeeded(attempt);
                tracing::error!(error = %e, "session authenticate failed");
                RpcReply::new(envelope::error(
                    &id,
                    "builtins.RuntimeError",
                    "internal error",
                ))
            }
        }
    }

    /// End the session of the `session_id` cookie.
    #[oai(
        path = "/web/session/destroy",
        method = "post",
        tag = "ApiTags::Session"
    )]
    async fn destroy(&self, req: &Request, body: RpcBody<SessionReply>) -> RpcReply<SessionReply> {
        let id = envelope::parse_params(&body.bytes)
            .map(|(id, _)| id)
            .unwrap_or(Value::Null);
        if let Some(sid) = cookie(req, "session_id")
            && let Err(e) = identity::logout(&self.state.store, sid).await
        {
            tracing::error!(error = %e, "session destroy failed");
        }
        // Odoo omits `result` when the route returns None.
        RpcReply::new(json!({"jsonrpc": "2.0", "id": id})).with_cookie(self.session_cookie("", 0))
    }
}

impl OdooApi {
    /// The `session_id` cookie: `Secure` when the service is reached over https
    /// (`WEFT_PUBLIC_URL`), so a browser never sends it in clear.
    fn session_cookie(&self, value: &str, max_age: i64) -> String {
        let public_url = &self.state.public_url;
        let secure = if public_url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        {
            "; Secure"
        } else {
            ""
        };
        format!("session_id={value}; Max-Age={max_age}; HttpOnly; Path=/; SameSite=Lax{secure}")
    }

    async fn data_route(&self, req: &Request, route: Route, body: Vec<u8>) -> RpcReply<CallReply> {
        let call = match envelope::parse_route_call(&body) {
            Ok(call) => call,
            Err(bad) => return RpcReply::new(envelope::bad_request(&bad)),
        };
        let RouteCall { id, model, vals } = &call;
        let caller = match authenticate(&self.state, req).await {
            Ok(caller) => caller,
            Err(e) => return RpcReply::new(auth_error(id, &e)),
        };
        if !caller.may_use_model(model) {
            let message = format!("This API key may not use model {model}");
            return RpcReply::new(envelope::error(
                id,
                "odoo.exceptions.AccessDenied",
                &message,
            ));
        }
        if let Err(seconds) = self.state.rate_limiter.check(caller.uid) {
            return RpcReply::rate_limited(seconds);
        }
        let idempotency_key = req
            .headers()
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap_or_default().to_string());
        let Some(key) = idempotency_key else {
            return RpcReply::new(envelope::result(
                id,
                self.run_call(&caller, &call, route, body, None).await,
            ));
        };
        if key.is_empty() || key.len() > idempotency::MAX_KEY_LEN {
            let message = format!(
                "Idempotency-Key must be 1 to {} visible ASCII characters",
                idempotency::MAX_KEY_LEN
            );
            return RpcReply::new(envelope::error(
                id,
                "werkzeug.exceptions.BadRequest",
                &format!("400 Bad Request: {message}"),
            ));
        }
        let request =
            serde_json::to_vec(&json!({"model": model, "vals": vals})).unwrap_or_default();
        let store = &self.state.store;
        let body = match idempotency::claim(
            store,
            caller.uid,
            &key,
            route.name(),
            &identity::sha256_hex(&request),
        )
        .await
        {
            Ok(idempotency::Claim::Replay(body)) => body,
            Ok(idempotency::Claim::Conflict(message)) => conflict(&message),
            Ok(idempotency::Claim::Run(claim)) => {
                self.run_call(&caller, &call, route, body, Some(claim))
                    .await
            }
            Err(e) => {
                tracing::error!(error = %e, "idempotency claim failed");
                return RpcReply::new(envelope::error(
                    id,
                    "builtins.RuntimeError",
                    "internal error",
                ));
            }
        };
        RpcReply::new(envelope::result(id, body))
    }

    async fn run_call(
        &self,
        caller: &Caller,
        call: &RouteCall,
        route: Route,
        body: Vec<u8>,
        claim: Option<idempotency::Running>,
    ) -> Value {
        // One snapshot of the parameters serves the call and its log.
        let parameters = self.state.parameters();
        let settings = self.state.call_settings(&parameters);
        let key = claim.as_ref().map(idempotency::Running::key);
        let log = call_log(&parameters, caller, route, body, key);
        let (store, logs, uid) = (
            self.state.store.clone(),
            self.state.logs.clone(),
            caller.uid,
        );
        let (env, model, vals) = (caller.env.clone(), call.model.clone(), call.vals.clone());
        // A task of its own, so that a call that ran is logged even when its client stops waiting.
        let finished = tokio::spawn(async move {
            let started = Instant::now();
            let (outcome, model, vals) = if route.writes() {
                let writer = store.clone();
                let work = async move {
                    let outcome = call::run(&writer, &env, route, &model, &vals, &settings).await;
                    (outcome, model, vals)
                };
                store.on_writer(work).await
            } else {
                let outcome = call::run(&store, &env, route, &model, &vals, &settings).await;
                (outcome, model, vals)
            };
            let success = outcome.error.is_none();
            let shown = weft_logstore::redact::text(&model); // a client's text, masked as in a log
            tracing::info!(route = route.name(), model = %shown, uid, success, "data call");
            // Here, not in the handler: a client that stops waiting must not end the claim's
            // renewal while its call still runs, nor leave the claim without its response.
            if let Some(claim) = claim {
                match claim.complete(&outcome.body).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!("an idempotency claim was taken over while its call ran")
                    }
                    Err(e) => tracing::error!(error = %e, "could not keep the idempotent response"),
                }
            }
            if let Some(log) = log {
                let entry = log.entry(route, &model, &vals, started.elapsed(), &outcome);
                logs.record(entry).await;
            }
            outcome
        });
        match finished.await {
            Ok(outcome) => outcome.body,
            Err(e) => call::broke_down(route, &call.model, e.to_string()).body,
        }
    }
}

/// What the call's log needs, when `webhook.<route>_log` is on: the body goes to the log as
/// received, to be read again there, off the call's path.
fn call_log(
    parameters: &Parameters,
    caller: &Caller,
    route: Route,
    body: Vec<u8>,
    idempotency_key: Option<&str>,
) -> Option<CallLog> {
    parameters
        .flag(&format!("webhook.{}_log", route.name()))
        .then(|| CallLog {
            request: weft_logstore::Body::Bytes(body),
            preview_limit: parameters.count("webhook.preview_limit") as usize,
            idempotency_key: idempotency_key.map(str::to_string),
            uid: Some(caller.uid),
        })
}

async fn authenticate(state: &AppState, req: &Request) -> Result<Caller, AuthError> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let credentials = Credentials {
        session_id: cookie(req, "session_id"),
        x_api_key: header("x-api-key"),
        authorization: header("authorization"),
    };
    auth::authenticate(&state.store, &state.keys, credentials).await
}

/// An `is_success: false` result with code `conflict`.
fn conflict(message: &str) -> Value {
    json!({"is_success": false, "messages": message, "error": {"code": "conflict", "message": message}})
}

pub(crate) fn auth_error(id: &Value, error: &AuthError) -> Value {
    if let AuthError::Store(e) = error {
        tracing::error!(error = %e, "authentication failed on the database");
    }
    envelope::error(id, error.odoo_name(), &error.odoo_message())
}

/// A cookie's value from the `Cookie` header.
pub(crate) fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Odoo's session_info, with what Weft knows of the user; `db` is the one database's name.
pub(crate) async fn session_info(state: &AppState, caller: &Caller) -> Value {
    let companies = company_names(state, &caller.env.company_ids).await;
    let allowed: serde_json::Map<String, Value> = companies
        .iter()
        .map(|(id, name)| {
            (
                id.to_string(),
                json!({"id": id, "name": name, "sequence": 0, "child_ids": [], "parent_id": false}),
            )
        })
        .collect();
    let is_admin = caller.role == identity::Role::Admin;
    json!({
        "uid": caller.uid,
        "is_system": is_admin,
        "is_admin": is_admin,
        "is_public": false,
        "is_internal_user": true,
        "user_context": {"lang": "en_US", "tz": "UTC", "uid": caller.uid},
        "db": state.database_name,
        "server_version": "17.0",
        "server_version_info": [17, 0, 0, "final", 0, ""],
        "name": caller.name,
        "username": caller.login,
        "partner_id": false,
        "web.base.url": state.public_url,
        "user_companies": {"current_company": caller.env.company_id, "allowed_companies": allowed},
    })
}

async fn company_names(state: &AppState, ids: &[i64]) -> Vec<(i64, String)> {
    let Ok(tx) = state.store.begin_read(&weft_store::Env::superuser()).await else {
        return Vec::new();
    };
    let rows = tx
        .read("res.company", ids, &["name"])
        .await
        .unwrap_or_default();
    rows.iter()
        .filter_map(|r| Some((r.get("id")?.as_i64()?, r.get("name")?.as_str()?.to_string())))
        .collect()
}
