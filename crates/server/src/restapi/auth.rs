//! Who calls `/restapi/1.0/*` (research/synconics-restapi-oauth.md §2 and §12.3). One function,
//! `authenticate`, for the object resource, the webhooks resource and `common`: every route of
//! Synconics' REST API takes the same credentials and refuses in the same words.
//!
//! Accepted, in this order: a Weft API key (`x-api-key`, or `Authorization: Bearer weft_...`).
//! OAuth apps' tokens join this list in `oauth` (Bearer, Basic, `?access_token=` and OAuth 1.0a
//! signatures), so that every route sees them at once.
//!
//! Synconics drops the reason and answers every failure `401 {"code": 401, "message":
//! "Authentication required"}`; so does Weft (the reason is in the server log at debug).

use crate::state::AppState;
use poem::Request;
use weft_inbound::auth::{self, AuthError, Credentials};
use weft_inbound::identity::Caller;

/// Why a call is not authenticated: the credentials are missing or wrong, or checking them failed.
#[derive(Debug)]
pub enum Denied {
    /// 401 `Authentication required`.
    Unauthenticated,
    /// Our side failed (the database); 500.
    Internal,
}

/// The caller of a `/restapi/1.0` request. `body` is the request body as read (OAuth 1.0a signs
/// the parameters of a form body).
pub async fn authenticate(state: &AppState, req: &Request, _body: &[u8]) -> Result<Caller, Denied> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let credentials = Credentials {
        session_id: None,
        x_api_key: header("x-api-key"),
        authorization: header("authorization"),
    };
    match auth::authenticate(&state.store, &state.keys, credentials).await {
        Ok(caller) => Ok(caller),
        Err(AuthError::Store(e)) => {
            tracing::error!(error = %e, "authenticating a /restapi call failed");
            Err(Denied::Internal)
        }
        Err(e) => {
            tracing::debug!(reason = %e, "a /restapi call was not authenticated");
            Err(Denied::Unauthenticated)
        }
    }
}
