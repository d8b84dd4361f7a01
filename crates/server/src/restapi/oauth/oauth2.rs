//! OAuth 2.0 as Synconics' clients call it, with the standards beside (research §4, §8):
//!
//! - `GET /restapi/1.0/common/oauth2/authorize?client_id&redirect_uri&state[&code_challenge]`
//!   (also `/oauth2/authorize`): needs a signed-in user (the app's own, or an admin); without
//!   one, 302 to the console's sign-in, which comes back here. An unknown client is 401
//!   `Invalid Credentials.`, a redirect URI that is not exactly a registered one 400 `redirect
//!   uri mismatch.` (never a redirect to it), another user 401 `Invalid User.`; success is a 302
//!   to `redirect_uri?code=..&state=..`. PKCE `S256` when a challenge is sent; `plain` refused.
//! - `POST /restapi/1.0/common/oauth2/access_token`: client credentials from HTTP Basic, the
//!   form, a JSON body or the query; `grant_type` `authorization_code`, `refresh_token`
//!   (rotated), `client_credentials`, and, as Synconics, any other or none: a token on the
//!   client's id and secret alone. `/oauth2/token` is the same but RFC 6749's: the parameters
//!   from the form body only (never a secret in the query), another grant type 400
//!   `unsupported_grant_type`, none 400 `invalid_request`; so are `/oauth2/revoke` and
//!   `/oauth2/introspect`.
//! - `POST /restapi/1.0/common/basic/access_token`: the same for a `basic` app; the token is
//!   then sent as `Authorization: Basic <token>`.
//! - `POST /oauth2/revoke` (RFC 7009), `POST /oauth2/introspect` (RFC 7662), `GET
//!   /.well-known/oauth-authorization-server` (RFC 8414).
//!
//! Replies carry Synconics' keys and RFC 6749's: `access_token`, `access_token_validity`,
//! `token_type`, `refresh_token` (`false` when none, as Synconics), `expires_in`, `scope`.

use super::{
    Params, client_app, internal, invalid_client, refusal, reply, signed_in, token_validity,
};
use crate::state::AppState;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Body, Request, Response, handler};
use serde_json::{Value, json};
use weft_inbound::identity::Role;
use weft_inbound::oauth::apps::{self, AccessType};
use weft_inbound::oauth::tokens::{self, GrantError, Issued};

#[handler]
pub async fn authorize(req: &Request, state: Data<&AppState>) -> Response {
    let params = Params::of(req, &[]);
    let client = params.get("client_id").unwrap_or("");
    let app = match apps::by_client(&state.store, client, None).await {
        Ok(Some(app)) if AccessType::of(&app) == AccessType::OAuth2 => app,
        Ok(_) => {
            return refusal(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid Credentials.",
            );
        }
        Err(e) => return internal(&e),
    };
    let registered = apps::redirect_uris(&app);
    let redirect = match params.get("redirect_uri") {
        Some(uri) if apps::redirect_allowed(&app, uri) => uri.to_string(),
        None if registered.len() == 1 => registered[0].clone(),
        _ => {
            return refusal(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "redirect uri mismatch.",
            );
        }
    };
    let user = match signed_in(&state, req).await {
        Ok(Some(user)) => user,
        Ok(None) => return to_sign_in(req),
        Err(response) => return response,
    };
    if user.uid != app.user_id && user.role != Role::Admin {
        return refusal(StatusCode::UNAUTHORIZED, "access_denied", "Invalid User.");
    }
    let state_param = params.get("state");
    let back = |pairs: &[(&str, &str)]| redirect_to(&redirect, pairs, state_param);
    if params.get("response_type").is_some_and(|t| t != "code") {
        return back(&[("error", "unsupported_response_type")]);
    }
    let challenge = params.get("code_challenge");
    if challenge.is_some() && params.get("code_challenge_method").unwrap_or("plain") != "S256" {
        return back(&[
            ("error", "invalid_request"),
            ("error_description", "code_challenge_method must be S256"),
        ]);
    }
    match tokens::issue_code(&state.store, &app, &redirect, challenge).await {
        Ok(code) => back(&[("code", &code)]),
        Err(e) => internal(&e),
    }
}

/// 302 to the console's sign-in, which sends the person back to this very request (the
/// original URI: under /restapi/1.0's nest, `uri()` has lost the prefix).
pub(super) fn to_sign_in(req: &Request) -> Response {
    let here = req
        .original_uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    Response::builder()
        .status(StatusCode::FOUND)
        .header("location", format!("/console/login?next={next}"))
        .finish()
}

/// 302 to the registered `redirect` with `pairs` and the client's `state` in its query.
fn redirect_to(redirect: &str, pairs: &[(&str, &str)], state: Option<&str>) -> Response {
    let mut url = match url::Url::parse(redirect) {
        Ok(url) => url,
        Err(e) => return internal(&e),
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    Response::builder()
        .status(StatusCode::FOUND)
        .header("location", url.as_str())
        .header("cache-control", "no-store")
        .finish()
}

/// Synconics' token endpoint: any other grant type, or none, is client credentials.
#[handler]
pub async fn access_token(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let body = body.into_vec().await.unwrap_or_default();
    issue(&state, req, Params::of(req, &body)).await
}

/// `/oauth2/token`, RFC 6749's: only the grant types it names, a missing one refused.
#[handler]
pub async fn standard_token(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let body = body.into_vec().await.unwrap_or_default();
    let params = Params::body_only(req, &body);
    let known = ["authorization_code", "refresh_token", "client_credentials"];
    match params.get("grant_type") {
        Some(grant) if known.contains(&grant) => issue(&state, req, params).await,
        Some(grant) => refusal(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!(
                "grant_type '{grant}' is not supported: use one of {}",
                known.join(", ")
            ),
        ),
        None => refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        ),
    }
}

async fn issue(state: &AppState, req: &Request, params: Params) -> Response {
    let app = match client_app(state, req, &params, AccessType::OAuth2).await {
        Ok(app) => app,
        Err(response) => return response,
    };
    let ttl = token_validity(state);
    let store = &state.store;
    let issued = match params.get("grant_type") {
        Some("authorization_code") => {
            let Some(code) = params.get("code") else {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "code is required",
                );
            };
            let (redirect, verifier) = (params.get("redirect_uri"), params.get("code_verifier"));
            tokens::exchange_code(store, &app, code, redirect, verifier, ttl).await
        }
        Some("refresh_token") => {
            let Some(refresh) = params.get("refresh_token") else {
                return refusal(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "refresh_token is required",
                );
            };
            tokens::refresh(store, &app, refresh, ttl).await
        }
        // client_credentials, and Synconics' token on the client's id and secret alone.
        _ => tokens::client_token(store, &app, ttl)
            .await
            .map_err(Into::into),
    };
    match issued {
        Ok(issued) => token_reply(&issued, "Bearer"),
        Err(e) => grant_refusal(&e),
    }
}

#[handler]
pub async fn basic_access_token(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let body = body.into_vec().await.unwrap_or_default();
    let params = Params::of(req, &body);
    let app = match client_app(&state, req, &params, AccessType::Basic).await {
        Ok(app) => app,
        Err(response) => return response,
    };
    match tokens::client_token(&state.store, &app, token_validity(&state)).await {
        Ok(issued) => token_reply(&issued, "Basic"),
        Err(e) => internal(&e),
    }
}

/// The reply of a token endpoint. `scope` is always empty: a token reaches what its app's user
/// and `allowed_models` do, and claiming a scope Weft does not enforce would mislead.
fn token_reply(issued: &Issued, token_type: &str) -> Response {
    let refresh = issued
        .refresh_token
        .as_ref()
        .map_or(Value::Bool(false), |r| json!(r));
    reply(
        StatusCode::OK,
        json!({
            "access_token": issued.access_token,
            "access_token_validity": issued.expires_in,
            "token_type": token_type,
            "refresh_token": refresh,
            "expires_in": issued.expires_in,
            "scope": "",
        }),
    )
}

/// Synconics' statuses and texts, with RFC 6749 §5.2's `error`.
fn grant_refusal(error: &GrantError) -> Response {
    let message = error.to_string();
    let (status, code) = match error {
        GrantError::BadCode => (StatusCode::UNAUTHORIZED, "invalid_grant"),
        GrantError::Store(e) => return internal(e),
        _ => (StatusCode::BAD_REQUEST, "invalid_grant"),
    };
    refusal(status, code, &message)
}

/// RFC 7009: 200 whatever became of the token, once the client is known.
#[handler]
pub async fn revoke(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (app, token) = match token_request(&state, req, body).await {
        Ok(asked) => asked,
        Err(response) => return response,
    };
    match tokens::revoke(&state.store, &app, &token).await {
        Ok(()) => reply(StatusCode::OK, json!({})),
        Err(e) => internal(&e),
    }
}

/// RFC 7662: what the token is, for the app it was issued to; `{"active": false}` otherwise.
#[handler]
pub async fn introspect(req: &Request, state: Data<&AppState>, body: Body) -> Response {
    let (app, token) = match token_request(&state, req, body).await {
        Ok(asked) => asked,
        Err(response) => return response,
    };
    let found = match tokens::introspect(&state.store, &app, &token).await {
        Ok(found) => found,
        Err(e) => return internal(&e),
    };
    // Active only when a call with it would be taken: its app's user active too.
    let caller = match tokens::caller_of_app(&state.store, app.id).await {
        Ok(caller) => caller,
        Err(e) => return internal(&e),
    };
    let (Some(found), Some((caller, _))) = (found, caller) else {
        return reply(StatusCode::OK, json!({"active": false}));
    };
    let login = caller.login;
    let token_type = match found.kind.as_str() {
        "refresh" => "refresh_token",
        "basic" => "Basic",
        _ => "Bearer",
    };
    reply(
        StatusCode::OK,
        json!({
            "active": true,
            "client_id": app.consumer_key,
            "username": login,
            "sub": app.user_id.to_string(),
            "token_type": token_type,
            "iat": found.issued_at.and_utc().timestamp(),
            "exp": found.expires_at.map(|e| e.and_utc().timestamp()),
            "iss": state.public_url.trim_end_matches('/'),
            "scope": "",
        }),
    )
}

/// A revocation's or introspection's client and `token`.
async fn token_request(
    state: &AppState,
    req: &Request,
    body: Body,
) -> Result<(weft_inbound::oauth::entity::app::Model, String), Response> {
    let body = body.into_vec().await.unwrap_or_default();
    let params = Params::body_only(req, &body);
    let app = any_client_app(state, req, &params).await?;
    match params.get("token") {
        Some(token) => Ok((app, token.to_string())),
        None => Err(refusal(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is required",
        )),
    }
}

/// Revocation and introspection take the client of any kind of app (each only sees its own).
async fn any_client_app(
    state: &AppState,
    req: &Request,
    params: &Params,
) -> Result<weft_inbound::oauth::entity::app::Model, Response> {
    let Some((id, Some(secret))) = super::client_credentials(req, params) else {
        return Err(invalid_client(req));
    };
    match apps::by_client(&state.store, &id, Some(&secret)).await {
        Ok(Some(app)) => Ok(app),
        Ok(None) => Err(invalid_client(req)),
        Err(e) => Err(internal(&e)),
    }
}

/// RFC 8414's metadata, the issuer being `WEFT_PUBLIC_URL`.
#[handler]
pub async fn metadata(state: Data<&AppState>) -> Response {
    let issuer = state.public_url.trim_end_matches('/');
    reply(
        StatusCode::OK,
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/restapi/1.0/common/oauth2/authorize"),
            "token_endpoint": format!("{issuer}/restapi/1.0/common/oauth2/access_token"),
            "revocation_endpoint": format!("{issuer}/oauth2/revoke"),
            "introspection_endpoint": format!("{issuer}/oauth2/introspect"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": [],
        }),
    )
}
