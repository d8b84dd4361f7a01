//! The credentials of Odoo's RPC protocols: `common.login`/`authenticate` (a login and a password
//! or API key, `false` when wrong) and the uid and password (or key) that every `object` call
//! carries. Both take a token of the failed-login limits (per login, per client address) before
//! checking, so a guessing loop is cut there whichever service it uses; right answers give the
//! token back. Right `object` credentials are cached for a short while (`KeyCache`).

use super::Refusal;
use super::services::access_denied;
use crate::state::AppState;
use std::net::IpAddr;
use weft_inbound::identity::{self, Caller};
use weft_inbound::password::Passwords;
use weft_inbound::rpc::{Fault, FaultKind};

/// The uid of `login` when `secret` is its password or one of its API keys; None when they are
/// wrong (Odoo answers `false`, not an error).
pub async fn login(
    state: &AppState,
    peer: Option<IpAddr>,
    login: &str,
    secret: &str,
) -> Result<Option<i64>, Refusal> {
    let limiter = &state.login_limiter;
    let attempt = limiter
        .attempt(limiter.client_address(peer, None), login)
        .map_err(refused)?;
    let found =
        identity::caller_by_login_secret(&state.store, Passwords::shared(), login, secret).await;
    match found {
        Ok(Some(caller)) => {
            limiter.succeeded(attempt);
            Ok(Some(caller.uid))
        }
        Ok(None) => Ok(None),
        Err(e) => {
            // Our failure, not a wrong guess: it does not count against the caller.
            limiter.succeeded(attempt);
            Err(internal(&e).into())
        }
    }
}

/// The caller of an `object` call, or AccessDenied. A cached success costs no check and no token.
pub async fn object_caller(
    state: &AppState,
    peer: Option<IpAddr>,
    uid: i64,
    secret: &str,
) -> Result<Caller, Refusal> {
    // The limiter's bucket for this uid, beside the logins' (a uid is never a login: it has a space).
    let key = format!("uid {uid}");
    let limiter = &state.login_limiter;
    if let Some(caller) = state.keys.cached_caller_by_uid_secret(uid, secret) {
        return Ok(caller);
    }
    let attempt = limiter
        .attempt(limiter.client_address(peer, None), &key)
        .map_err(refused)?;
    let found = state
        .keys
        .caller_by_uid_secret(&state.store, Passwords::shared(), uid, secret)
        .await;
    match found {
        Ok(Some(caller)) => {
            limiter.succeeded(attempt);
            Ok(caller)
        }
        Ok(None) => Err(access_denied().into()),
        Err(e) => {
            limiter.succeeded(attempt);
            Err(internal(&e).into())
        }
    }
}

fn refused(seconds: u64) -> Refusal {
    // Counted, not logged at warn: a guessing client must not flood the log.
    metrics::counter!("weft_login_refusals_total").increment(1);
    Refusal::TooMany {
        seconds,
        message: format!(
            "too many failed logins for this login or from this address: retry after {seconds} s"
        ),
    }
}

fn internal(error: &dyn std::fmt::Display) -> Fault {
    tracing::error!(error = %error, "checking RPC credentials failed");
    Fault::new(FaultKind::Internal, "internal error")
}
