//! Authentication of the data routes in ecosoft's order (research §2.2): a session cookie, then the
//! `x-api-key` header, then `Authorization: Bearer`. Failures carry ecosoft's exception names and texts,
//! so existing clients see the errors they expect.

use crate::identity::{self, Caller};
use weft_store::{Store, StoreError};

/// What the request carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct Credentials<'a> {
    pub session_id: Option<&'a str>,
    pub x_api_key: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("User not authenticated, use the \"Authorization\" header")]
    NoCredentials,
    #[error("Access token invalid")]
    BadApiKey,
    #[error("Invalid apikey")]
    BadBearer,
    #[error("{0}")]
    Denied(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AuthError {
    /// The Odoo exception class a client sees in `error.data.name`.
    pub fn odoo_name(&self) -> &'static str {
        match self {
            AuthError::NoCredentials | AuthError::BadBearer => "werkzeug.exceptions.Unauthorized",
            AuthError::BadApiKey => "werkzeug.exceptions.BadRequest",
            AuthError::Denied(_) => "odoo.exceptions.AccessDenied",
            AuthError::Store(_) => "builtins.RuntimeError",
        }
    }

    /// The message as Odoo words it (werkzeug prefixes the status).
    pub fn odoo_message(&self) -> String {
        match self {
            AuthError::NoCredentials | AuthError::BadBearer => format!("401 Unauthorized: {self}"),
            AuthError::BadApiKey => format!("400 Bad Request: {self}"),
            AuthError::Denied(_) => self.to_string(),
            AuthError::Store(_) => "internal error".to_string(),
        }
    }
}

pub async fn authenticate(
    store: &Store,
    credentials: Credentials<'_>,
) -> Result<Caller, AuthError> {
    if let Some(sid) = credentials.session_id.filter(|s| !s.is_empty())
        && let Some(caller) = identity::caller_by_session(store, sid).await?
    {
        return Ok(caller);
    }
    if let Some(key) = credentials.x_api_key {
        return identity::caller_by_key(store, key.trim())
            .await?
            .ok_or(AuthError::BadApiKey);
    }
    let Some(header) = credentials.authorization else {
        return Err(AuthError::NoCredentials);
    };
    let token = match header.trim().split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => return Err(AuthError::BadBearer),
    };
    identity::caller_by_key(store, token)
        .await?
        .ok_or(AuthError::BadBearer)
}
