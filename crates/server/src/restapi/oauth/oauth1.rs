//! OAuth 1.0a three-legged, as Synconics' clients and RFC 5849's call it (research §3, §8):
//!
//! - `POST /restapi/1.0/common/oauth1/request_token`, signed with the consumer secret alone:
//!   a request token and secret (24 hours), remembering `oauth_callback`, which must be one of
//!   the app's redirect URIs exactly (`oob` or none: the verifier is answered as JSON);
//! - `GET /restapi/1.0/common/oauth1/authorize?oauth_token=..`, by a signed-in user (the app's
//!   own or an admin): a new verifier, sent to the callback (302 `callback?oauth_token=..&
//!   oauth_verifier=..`) or, without one, answered as JSON;
//! - `POST /restapi/1.0/common/oauth1/access_token`, signed with the consumer and request token
//!   secrets and carrying `oauth_verifier`: an access token and secret, valid until revoked (the
//!   request token is used up; Synconics hands every user the app's one permanent pair).
//!
//! A signed call (`caller`) is checked in this order: the consumer key names an active oauth1
//! app, the timestamp is within 15 minutes, `oauth_token` is one of the app's live tokens (which
//! Synconics never compares), the signature is right (HMAC-SHA1; PLAINTEXT only when
//! `WEFT_PUBLIC_URL` is https), and only then the nonce is new (kept in the database for every
//! instance). The base URI is `WEFT_PUBLIC_URL`'s origin with the request's path, or the `Host`
//! the request came with (a client behind no proxy signs that).
//!
//! Token replies are JSON (Synconics) or `application/x-www-form-urlencoded` (RFC 5849, which
//! `requests-oauthlib`, `oauthlib` and `authlib` read) by `Accept` when it names one of the two,
//! else by the app's `oauth1_reply`.

use super::{Params, body_params, internal, signed_in};
use crate::state::AppState;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use serde_json::json;
use weft_inbound::identity::{Caller, Role};
use weft_inbound::oauth::apps::{self, AccessType};
use weft_inbound::oauth::entity::{app, token};
use weft_inbound::oauth::oauth1::{self as sig, SignedRequest, TIMESTAMP_WINDOW_S};
use weft_inbound::oauth::tokens;
use weft_store::StoreError;

/// Why a signed request was refused, in Synconics' words.
enum Refused {
    /// The consumer key or token is unknown, or the app is not oauth1.
    Credentials,
    /// A parameter is missing or malformed, or the method is not supported.
    Request(String),
    Signature,
    TimestampOrNonce,
    Store(StoreError),
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        Refused::Store(e)
    }
}

fn error_reply(refused: Refused) -> Response {
    let (status, message) = match refused {
        Refused::Credentials => (
            StatusCode::UNAUTHORIZED,
            "Invalid Consumer Key & Secret".into(),
        ),
        Refused::Request(message) => (StatusCode::BAD_REQUEST, message),
        Refused::Signature => (StatusCode::UNAUTHORIZED, "Key Invalid".into()),
        Refused::TimestampOrNonce => (
            StatusCode::UNAUTHORIZED,
            "Invalid Timestamp or Nonce".into(),
        ),
        Refused::Store(e) => return internal(&e),
    };
    json_reply(
        status,
        json!({"error": {"code": status.as_u16(), "message": message}}),
    )
}

fn json_reply(status: StatusCode, body: serde_json::Value) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .header("cache-control", "no-store")
        .body(body.to_string())
}

/// The request carries an OAuth 1.0a signature (in the header, the query or the form).
pub fn is_signed(authorization: &str, params: &Params) -> bool {
    let scheme = authorization.split_whitespace().next().unwrap_or("");
    scheme.eq_ignore_ascii_case("oauth") || params.get("oauth_signature").is_some()
}

/// The signed parameters: the header's (`realm` aside), the query's and a form body's.
fn signed_params(req: &Request, body: &[u8]) -> Result<Vec<(String, String)>, Refused> {
    let mut params: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let content_type = req.content_type().unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        params.extend(body_params(req, body));
    }
    let header = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if let Some(header) = header.filter(|h| {
        h.trim_start()
            .get(..5)
            .is_some_and(|s| s.eq_ignore_ascii_case("oauth"))
    }) {
        let pairs =
            sig::parse_authorization(header).map_err(|e| Refused::Request(e.to_string()))?;
        params.extend(pairs.into_iter().filter(|(k, _)| k != "realm"));
    }
    Ok(params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The base URIs the client may have signed: the public URL's origin, and the request's `Host`.
fn base_uris(state: &AppState, req: &Request) -> Vec<String> {
    // The path the client called: a nested route sees only the rest of it in `uri()`.
    let path = req.original_uri().path();
    let mut bases = Vec::new();
    if let Ok(public) = url::Url::parse(&state.public_url) {
        bases.push(format!("{}{path}", public.origin().ascii_serialization()));
    }
    if let Some(host) = req.headers().get("host").and_then(|v| v.to_str().ok()) {
        let scheme = if state.public_url.starts_with("https:") {
            "https"
        } else {
            "http"
        };
        if let Ok(url) = url::Url::parse(&format!("{scheme}://{host}{path}")) {
            let base = format!("{}{}", url.origin().ascii_serialization(), url.path());
            if !bases.contains(&base) {
                bases.push(base);
            }
        }
    }
    bases
}

/// The app and token (of `kind`; none for `request_token`) a signed request is good for.
async fn verified(
    state: &AppState,
    req: &Request,
    body: &[u8],
    kind: Option<&str>,
) -> Result<(app::Model, Option<token::Model>, Vec<(String, String)>), Refused> {
    let params = signed_params(req, body)?;
    let consumer = param(&params, "oauth_consumer_key").ok_or(Refused::Request(
        "the request lacks the oauth_consumer_key parameter".into(),
    ))?;
    let app = apps::by_client(&state.store, consumer, None)
        .await?
        .filter(|a| AccessType::of(a) == AccessType::OAuth1)
        .ok_or(Refused::Credentials)?;
    let consumer_secret = apps::reveal(&app).ok_or(Refused::Credentials)?.to_string();
    let timestamp = param(&params, "oauth_timestamp").unwrap_or("");
    let now = chrono::Utc::now().timestamp();
    let seconds = sig::check_timestamp(timestamp, now, TIMESTAMP_WINDOW_S)
        .map_err(|_| Refused::TimestampOrNonce)?;
    let token = match kind {
        None => None,
        Some(kind) => {
            let text = param(&params, "oauth_token").ok_or(Refused::Credentials)?;
            let found = tokens::token_secret(&state.store, &app, text, kind).await?;
            Some(found.ok_or(Refused::Credentials)?)
        }
    };
    let token_secret = token.as_ref().and_then(|t| t.secret.as_deref());
    let plaintext = state.public_url.starts_with("https:");
    let method = req.method().as_str();
    let mut outcome = Err(Refused::Signature);
    for base_uri in base_uris(state, req) {
        let signed = SignedRequest {
            method,
            base_uri: &base_uri,
            params: &params,
        };
        match sig::verify(&signed, &consumer_secret, token_secret, plaintext) {
            Ok(()) => {
                outcome = Ok(());
                break;
            }
            Err(sig::SignatureError::BadSignature) => {}
            Err(other) => {
                outcome = Err(Refused::Request(other.to_string()));
                break;
            }
        }
    }
    outcome?;
    let nonce = param(&params, "oauth_nonce").unwrap_or("");
    let token_text = param(&params, "oauth_token").unwrap_or("");
    if !tokens::nonce_is_new(
        &state.store,
        consumer,
        token_text,
        seconds,
        nonce,
        TIMESTAMP_WINDOW_S,
    )
    .await?
    {
        return Err(Refused::TimestampOrNonce);
    }
    Ok((app, token, params))
}

/// The caller of a signed API call: the app's user, with the app's models.
pub async fn caller(
    state: &AppState,
    req: &Request,
    body: &[u8],
) -> Result<Option<Caller>, StoreError> {
    match verified(state, req, body, Some("oauth1")).await {
        Ok((app, _, _)) => Ok(tokens::caller_of_app(&state.store, app.id)
            .await?
            .map(|(caller, _)| caller)),
        Err(Refused::Store(e)) => Err(e),
        Err(_) => Ok(None),
    }
}

#[handler]
pub async fn request_token(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let body = body.into_vec().await.unwrap_or_default();
    let (app, _, params) = match verified(&state, req, &body, None).await {
        Ok(found) => found,
        Err(refused) => return error_reply(refused),
    };
    // Where authorize sends the verifier: only to one of the app's redirect URIs (or nowhere,
    // `oob`), or whoever holds the consumer secret could collect another user's verifier.
    let callback = param(&params, "oauth_callback").filter(|c| *c != "oob");
    if let Some(callback) = callback.filter(|c| !apps::redirect_allowed(&app, c)) {
        let message = format!("oauth_callback '{callback}' is not one of the app's redirect URIs");
        return error_reply(Refused::Request(message));
    }
    match tokens::request_token(&state.store, &app, callback).await {
        Ok((token, secret)) => token_reply(req, &app, &token, &secret),
        Err(e) => internal(&e),
    }
}

#[handler]
pub async fn authorize(req: &Request, state: Data<&AppState>) -> Response {
    let params = Params::of(req, &[]);
    let insufficient = || {
        json_reply(
            StatusCode::BAD_REQUEST,
            json!({"error": {"code": "400", "message": "Insufficient Data"}}),
        )
    };
    let Some(text) = params.get("oauth_token") else {
        return insufficient();
    };
    let row = match tokens::find_request(&state.store, text).await {
        Ok(Some(row)) => row,
        Ok(None) => return insufficient(),
        Err(e) => return internal(&e),
    };
    let app = match apps::get(&state.store, row.app_id).await {
        Ok(app) if app.active => app,
        Ok(_) => return insufficient(),
        Err(e) => return internal(&e),
    };
    let user = match signed_in(&state, req).await {
        Ok(Some(user)) => user,
        Ok(None) => return super::oauth2::to_sign_in(req),
        Err(response) => return response,
    };
    if user.uid != app.user_id && user.role != Role::Admin {
        return json_reply(
            StatusCode::BAD_REQUEST,
            json!({"error": {"code": "400", "message": "You are not authorized user for these credentials."}}),
        );
    }
    let verifier = match tokens::authorize_request(&state.store, &row).await {
        Ok(verifier) => verifier,
        Err(e) => return internal(&e),
    };
    match row
        .callback
        .as_deref()
        .and_then(|c| url::Url::parse(c).ok())
    {
        Some(mut back) => {
            back.query_pairs_mut()
                .append_pair("oauth_token", text)
                .append_pair("oauth_verifier", &verifier);
            Response::builder()
                .status(StatusCode::FOUND)
                .header("location", back.as_str())
                .finish()
        }
        None => json_reply(
            StatusCode::OK,
            json!({"oauth_token": text, "oauth_verifier": verifier}),
        ),
    }
}

#[handler]
pub async fn access_token(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let body = body.into_vec().await.unwrap_or_default();
    let (app, request, params) = match verified(&state, req, &body, Some("request")).await {
        Ok(found) => found,
        Err(refused) => return error_reply(refused),
    };
    let Some(request) = request else {
        return error_reply(Refused::Credentials);
    };
    let Some(verifier) = param(&params, "oauth_verifier") else {
        return error_reply(Refused::Request(
            "the request lacks the oauth_verifier parameter".into(),
        ));
    };
    match tokens::oauth1_access(&state.store, &app, &request, verifier).await {
        Ok((token, secret)) => token_reply(req, &app, &token, &secret),
        Err(tokens::GrantError::Store(e)) => internal(&e),
        Err(e) => json_reply(
            StatusCode::UNAUTHORIZED,
            json!({"error": {"code": 401, "message": e.to_string()}}),
        ),
    }
}

/// A token and its secret, as JSON or as a form by `Accept`, else by the app's `oauth1_reply`.
fn token_reply(req: &Request, app: &app::Model, token: &str, secret: &str) -> Response {
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = if accept.contains("application/x-www-form-urlencoded") {
        true
    } else if accept.contains("application/json") {
        false
    } else {
        app.oauth1_reply == "form"
    };
    if !form {
        return json_reply(
            StatusCode::OK,
            json!({"oauth_token": token, "oauth_token_secret": secret, "oauth_callback_confirmed": "true"}),
        );
    }
    let text = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("oauth_token", token)
        .append_pair("oauth_token_secret", secret)
        .append_pair("oauth_callback_confirmed", "true")
        .finish();
    Response::builder()
        .status(StatusCode::OK)
        .content_type("application/x-www-form-urlencoded")
        .header("cache-control", "no-store")
        .body(text)
}
