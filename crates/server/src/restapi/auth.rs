//! Who calls `/restapi/1.0/*` (research/synconics-restapi-oauth.md §2 and §12.3). One function,
//! `authenticate`, for the object resource, the webhooks resource and `common`: every route of
//! Synconics' REST API takes the same credentials and refuses in the same words.
//!
//! Tried in this order, the first that a request carries deciding:
//! 1. an OAuth 1.0a signature (`oauth_signature` in the `Authorization: OAuth` header, the query
//!    or the form), checked as `oauth::oauth1` says;
//! 2. `Authorization: Bearer <token>`: a Weft API key (`weft_...`), else an OAuth 2.0 app's
//!    access token;
//! 3. `Authorization: Basic <token>`: a Basic app's access token (Synconics' form, not RFC 7617);
//! 4. an `access_token` parameter in the query or the form (Synconics' clients send it so);
//! 5. `x-api-key: <Weft API key>`.
//!
//! A token acts as its app's user, with that user's role and companies and the app's
//! `allowed_models`; a revoked token, app or user is refused from the next call on (nothing is
//! cached). Synconics drops the reason and answers every failure `Authentication required`
//! with a 401; so does Weft (the reason is in the server log at debug), in each resource's own
//! envelope: `{"code": 401, "message": ..}` on `object`, `{"error": {"code": "unauthorized",
//! "message": ..}}` on `webhooks` (seed 000's errors).
//! `weft_restapi_auth_total{scheme, outcome}` counts them.

use super::oauth::{Params, oauth1};
use crate::state::AppState;
use poem::Request;
use weft_inbound::auth::{self, AuthError, Credentials};
use weft_inbound::identity::Caller;
use weft_inbound::oauth::tokens::{self, Presented};

/// Why a call is not authenticated: the credentials are missing or wrong, or checking them failed.
#[derive(Debug)]
pub enum Denied {
    /// 401 `Authentication required`.
    Unauthenticated,
    /// Our side failed (the database); 500.
    Internal,
}

/// The caller of a `/restapi/1.0` request. `body` is the request body as read (OAuth 1.0a signs
/// the parameters of a form body; Synconics' clients may put `access_token` in a form).
pub async fn authenticate(state: &AppState, req: &Request, body: &[u8]) -> Result<Caller, Denied> {
    let (scheme, outcome) = match identify(state, req, body).await {
        (scheme, Ok(Some(caller))) => (scheme, Ok(caller)),
        (scheme, Ok(None)) => (scheme, Err(Denied::Unauthenticated)),
        (scheme, Err(e)) => {
            tracing::error!(error = %e, "authenticating a /restapi call failed");
            (scheme, Err(Denied::Internal))
        }
    };
    let label = if outcome.is_ok() { "ok" } else { "refused" };
    metrics::counter!("weft_restapi_auth_total", "scheme" => scheme, "outcome" => label)
        .increment(1);
    if outcome.is_err() {
        tracing::debug!(scheme, "a /restapi call was not authenticated");
    }
    outcome
}

type Found = Result<Option<Caller>, weft_store::StoreError>;

/// The scheme the request used (a metrics label) and the caller it gives.
async fn identify(state: &AppState, req: &Request, body: &[u8]) -> (&'static str, Found) {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let authorization = header("authorization").map(str::trim).unwrap_or("");
    let params = Params::of(req, body);
    if oauth1::is_signed(authorization, &params) {
        return ("oauth1", oauth1::caller(state, req, body).await);
    }
    if let Some((scheme, token)) = authorization.split_once(' ') {
        let token = token.trim();
        if scheme.eq_ignore_ascii_case("bearer") {
            if token.starts_with("weft_") {
                return ("api_key", api_key(state, token).await);
            }
            return ("bearer", app_token(state, token, Presented::Bearer).await);
        }
        if scheme.eq_ignore_ascii_case("basic") {
            return ("basic", app_token(state, token, Presented::Basic).await);
        }
    }
    if let Some(token) = params.get("access_token") {
        return ("bearer", app_token(state, token, Presented::Bearer).await);
    }
    match header("x-api-key") {
        Some(key) => ("api_key", api_key(state, key.trim()).await),
        None => ("none", Ok(None)),
    }
}

async fn app_token(state: &AppState, token: &str, presented: Presented) -> Found {
    Ok(tokens::caller_by_token(&state.store, token, presented)
        .await?
        .map(|(caller, _)| caller))
}

async fn api_key(state: &AppState, key: &str) -> Found {
    let credentials = Credentials {
        x_api_key: Some(key),
        ..Credentials::default()
    };
    match auth::authenticate(&state.store, &state.keys, credentials).await {
        Ok(caller) => Ok(Some(caller)),
        Err(AuthError::Store(e)) => Err(e),
        Err(_) => Ok(None),
    }
}
