//! The OAuth endpoints of Synconics' REST API (research/synconics-restapi-oauth.md §3, §4, §8):
//! `oauth2` (authorize, access_token, Basic apps' access_token, RFC 7009 revocation, RFC 7662
//! introspection, RFC 8414 metadata) and `oauth1` (request_token, authorize, access_token, and
//! the checking of signed calls). This file holds what they share: the parameters of a request
//! (query, form or JSON body), the app's client credentials (HTTP Basic, form or query), the user
//! signed in for an authorize step, and the replies in Synconics' shape with RFC 6749's codes.

pub mod oauth1;
pub mod oauth2;

use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::{Value, json};
use weft_inbound::identity::{self, Caller};
use weft_inbound::oauth::apps;
use weft_inbound::oauth::entity::app;

/// A request's parameters: the query's, then a form body's or a JSON object body's. The first
/// of a name wins, so a form cannot override what the URL says.
#[derive(Debug, Default, Clone)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn of(req: &Request, body: &[u8]) -> Params {
        let mut pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
                .into_owned()
                .collect();
        pairs.extend(body_params(req, body));
        Params(pairs)
    }

    /// The body's parameters alone, for the RFC endpoints (a secret in a query ends up in
    /// proxies' logs, RFC 6749 §2.3.1).
    pub fn body_only(req: &Request, body: &[u8]) -> Params {
        Params(body_params(req, body))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// A form body's pairs (only `application/x-www-form-urlencoded`, as RFC 5849 §3.4.1.3 signs
/// them), or a JSON object's members as text.
pub fn body_params(req: &Request, body: &[u8]) -> Vec<(String, String)> {
    let content_type = req.content_type().unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return url::form_urlencoded::parse(body).into_owned().collect();
    }
    if content_type.starts_with("application/json")
        && let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body)
    {
        return members
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => (k, s),
                other => (k, other.to_string()),
            })
            .collect();
    }
    Vec::new()
}

/// The client id and secret: HTTP Basic (RFC 6749 §2.3.1, each part form-decoded), else the
/// `client_id` and `client_secret` (or OAuth 1.0a's `consumer_key`/`consumer_secret`)
/// parameters, which Synconics' clients send.
pub fn client_credentials(req: &Request, params: &Params) -> Option<(String, Option<String>)> {
    if let Some(pair) = basic_pair(req) {
        return Some(pair);
    }
    let id = params.get("client_id").or(params.get("consumer_key"))?;
    let secret = params
        .get("client_secret")
        .or(params.get("consumer_secret"))
        .map(String::from);
    Some((id.to_string(), secret))
}

/// `Authorization: Basic base64(id:secret)`, when it decodes to such a pair.
fn basic_pair(req: &Request) -> Option<(String, Option<String>)> {
    let header = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(value.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((decode(id), Some(decode(secret))))
}

/// The app whose id and secret the request carries, when it is active and of `access`.
pub async fn client_app(
    state: &AppState,
    req: &Request,
    params: &Params,
    access: apps::AccessType,
) -> Result<app::Model, Response> {
    let Some((id, Some(secret))) = client_credentials(req, params) else {
        return Err(invalid_client(req));
    };
    match apps::by_client(&state.store, &id, Some(&secret)).await {
        Ok(Some(app)) if apps::AccessType::of(&app) == access => Ok(app),
        Ok(_) => Err(invalid_client(req)),
        Err(e) => Err(internal(&e)),
    }
}

/// The user signed in with `/web/session/authenticate` (the `session_id` cookie) or the
/// console, for the authorize steps, which Synconics runs as `auth="user"`.
pub async fn signed_in(state: &AppState, req: &Request) -> Result<Option<Caller>, Response> {
    if let Some(sid) = crate::api::cookie(req, "session_id").filter(|s| !s.is_empty()) {
        match identity::caller_by_session(&state.store, sid).await {
            Ok(Some(caller)) => return Ok(Some(caller)),
            Ok(None) => {}
            Err(e) => return Err(internal(&e)),
        }
    }
    match weft_console::signed_in_caller(&state.console(), req).await {
        Ok(found) => Ok(found),
        Err(e) => Err(internal(&e)),
    }
}

/// A JSON reply that no cache keeps (RFC 6749 §5.1).
pub fn reply(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header("cache-control", "no-store")
        .header("pragma", "no-cache")
        .body(body.to_string())
}

/// Synconics' `{"code", "message"}` with RFC 6749's `error` and `error_description` beside.
pub fn refusal(status: StatusCode, error: &str, message: &str) -> Response {
    reply(
        status,
        json!({"code": status.as_u16(), "message": message, "error": error, "error_description": message}),
    )
}

/// 401 `Invalid Credentials.`; with `WWW-Authenticate` when the client tried HTTP Basic.
pub fn invalid_client(req: &Request) -> Response {
    let mut response = refusal(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Invalid Credentials.",
    );
    if basic_pair(req).is_some() {
        response.headers_mut().insert(
            "www-authenticate",
            "Basic realm=\"weft\"".parse().expect("header"),
        );
    }
    response
}

pub fn internal(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "an OAuth endpoint failed");
    refusal(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "internal error",
    )
}

/// The access token's lifetime in seconds (`webhook.oauth_token_validity`).
pub fn token_validity(state: &AppState) -> i64 {
    state
        .parameters()
        .count("webhook.oauth_token_validity")
        .max(1) as i64
}
