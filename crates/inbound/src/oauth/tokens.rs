//! What an OAuth app is issued, and how a call's token becomes its `Caller`.
//!
//! - OAuth 2.0: an authorization code (10 minutes, single use, bound to its redirect URI and PKCE
//!   challenge; a replay ends every token of its grant), access tokens (`ttl`, Synconics' 30
//!   minutes by default) and refresh tokens (rotated on use; a rotated one used again ends its
//!   grant, RFC 9700 §4.14). Client credentials get an access token and no refresh token.
//! - Basic apps: access tokens used as `Authorization: Basic <token>`.
//! - OAuth 1.0a: request tokens (24 hours, traded once), verifiers, and access tokens with their
//!   secrets, valid until revoked; the nonces seen within the timestamp window.
//!
//! Every text is 32 characters from the OS's generator and stored only as its SHA-256 (OAuth
//! 1.0a token secrets excepted: HMAC needs them). An expired or used row is refused by the
//! lookup; `purge` deletes them later.

use super::apps::{self, AccessType};
use super::entity::{app, nonce, token};
use super::random_token;
use crate::identity::{self, Caller, sha256_hex};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use weft_store::{Store, StoreError};
use weft_webhook::signing::constant_time_eq;

const TOKEN_LEN: usize = 32;
/// RFC 6749 §4.1.2: a code lives 10 minutes at most.
const CODE_TTL: Duration = Duration::minutes(10);
/// Synconics' request tokens live a day.
const REQUEST_TTL: Duration = Duration::hours(24);

/// What an app's token call is refused for, in Synconics' words (the server adds RFC 6749's
/// `error` code beside them).
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("Invalid Authentication Code.")]
    BadCode,
    #[error("Authentication code expired")]
    CodeUsed,
    #[error("redirect uri mismatch.")]
    RedirectMismatch,
    #[error("code_verifier does not match the code_challenge")]
    BadVerifier,
    #[error("Invalid Refresh Token.")]
    BadRefresh,
    #[error("Request Token Expired")]
    RequestExpired,
    #[error("Invalid Credentials")]
    BadVerifierOrToken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for GrantError {
    fn from(e: sea_orm::DbErr) -> GrantError {
        GrantError::Store(e.into())
    }
}

/// Tokens just issued.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn digest(text: &str) -> String {
    sha256_hex(text.as_bytes())
}

/// A new row of `kind` for `app` in `grant`; returns its text.
async fn insert(
    store: &Store,
    app: &app::Model,
    kind: &str,
    grant: &str,
    ttl: Option<Duration>,
    extra: impl FnOnce(&mut token::ActiveModel),
) -> Result<String, StoreError> {
    let text = random_token(TOKEN_LEN);
    let mut row = token::ActiveModel {
        token_sha256: Set(digest(&text)),
        app_id: Set(app.id),
        kind: Set(kind.into()),
        grant_id: Set(grant.into()),
        expires_at: Set(ttl.map(|t| now() + t)),
        used_at: Set(None),
        secret: Set(None),
        redirect_uri: Set(None),
        code_challenge: Set(None),
        callback: Set(None),
        verifier_sha256: Set(None),
        create_date: Set(now()),
    };
    extra(&mut row);
    row.insert(store.writer()).await?;
    Ok(text)
}

/// The unexpired row of `text`, of one of `kinds`, issued to `app_id` (any app when None).
async fn find(
    store: &Store,
    text: &str,
    kinds: &[&str],
    app_id: Option<i64>,
) -> Result<Option<token::Model>, StoreError> {
    let found = token::Entity::find_by_id(digest(text))
        .one(store.connection())
        .await?;
    Ok(found.filter(|t| {
        kinds.contains(&t.kind.as_str())
            && app_id.is_none_or(|a| a == t.app_id)
            && t.expires_at.is_none_or(|e| e > now())
    }))
}

/// End every token of `grant`.
async fn end_grant(store: &Store, grant: &str) -> Result<(), StoreError> {
    token::Entity::delete_many()
        .filter(token::Column::GrantId.eq(grant))
        .exec(store.writer())
        .await?;
    Ok(())
}

/// Mark `row` used, only if nobody did first: false when another call beat this one to it.
async fn consume(store: &Store, row: &token::Model) -> Result<bool, StoreError> {
    let updated = token::Entity::update_many()
        .col_expr(
            token::Column::UsedAt,
            sea_orm::sea_query::Expr::value(now()),
        )
        .filter(token::Column::TokenSha256.eq(row.token_sha256.clone()))
        .filter(token::Column::UsedAt.is_null())
        .exec(store.writer())
        .await?;
    Ok(updated.rows_affected == 1)
}

/// A code for `app` (its user signed in and was sent back to `redirect_uri`).
pub async fn issue_code(
    store: &Store,
    app: &app::Model,
    redirect_uri: &str,
    code_challenge: Option<&str>,
) -> Result<String, StoreError> {
    let grant = random_token(TOKEN_LEN);
    insert(store, app, "code", &grant, Some(CODE_TTL), |row| {
        row.redirect_uri = Set(Some(redirect_uri.into()));
        row.code_challenge = Set(code_challenge.map(String::from));
    })
    .await
}

/// Trade a code for tokens. The token request repeats `redirect_uri` when it was sent (RFC
/// 6749 §4.1.3; Synconics' clients do not, so a missing one is accepted) and, after a PKCE
/// challenge, must carry its verifier.
pub async fn exchange_code(
    store: &Store,
    app: &app::Model,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    ttl: i64,
) -> Result<Issued, GrantError> {
    let row = find(store, code, &["code"], Some(app.id))
        .await?
        .ok_or(GrantError::BadCode)?;
    if row.used_at.is_some() || !consume(store, &row).await? {
        end_grant(store, &row.grant_id).await?;
        return Err(GrantError::CodeUsed);
    }
    if redirect_uri.is_some_and(|r| Some(r) != row.redirect_uri.as_deref()) {
        return Err(GrantError::RedirectMismatch);
    }
    if let Some(challenge) = &row.code_challenge {
        let made = verifier.map(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
        if !made.is_some_and(|m| constant_time_eq(m.as_bytes(), challenge.as_bytes())) {
            return Err(GrantError::BadVerifier);
        }
    }
    issue_in_live_grant(store, app, &row, ttl, GrantError::CodeUsed).await
}

/// Issue a pair in `used`'s grant, unless a concurrent replay ended the grant meanwhile (then
/// `used`'s row is gone): the new pair is ended too, so a replay ends the grant whichever call
/// wins the race.
async fn issue_in_live_grant(
    store: &Store,
    app: &app::Model,
    used: &token::Model,
    ttl: i64,
    ended: GrantError,
) -> Result<Issued, GrantError> {
    let issued = issue_pair(store, app, &used.grant_id, ttl).await?;
    let live = token::Entity::find_by_id(used.token_sha256.clone())
        .one(store.writer())
        .await?
        .is_some();
    if !live {
        end_grant(store, &used.grant_id).await?;
        return Err(ended);
    }
    Ok(issued)
}

async fn issue_pair(
    store: &Store,
    app: &app::Model,
    grant: &str,
    ttl: i64,
) -> Result<Issued, GrantError> {
    let access_token = insert(
        store,
        app,
        "access",
        grant,
        Some(Duration::seconds(ttl)),
        |_| {},
    )
    .await?;
    let refresh_token = insert(store, app, "refresh", grant, None, |_| {}).await?;
    Ok(Issued {
        access_token,
        refresh_token: Some(refresh_token),
        expires_in: ttl,
    })
}

/// A new access token and a new refresh token for a refresh token, which is used up.
pub async fn refresh(
    store: &Store,
    app: &app::Model,
    refresh_token: &str,
    ttl: i64,
) -> Result<Issued, GrantError> {
    let row = find(store, refresh_token, &["refresh"], Some(app.id))
        .await?
        .ok_or(GrantError::BadRefresh)?;
    if row.used_at.is_some() || !consume(store, &row).await? {
        // A rotated refresh token came back: someone else may hold it. End the grant.
        end_grant(store, &row.grant_id).await?;
        return Err(GrantError::BadRefresh);
    }
    issue_in_live_grant(store, app, &row, ttl, GrantError::BadRefresh).await
}

/// An access token on the client's credentials alone (client credentials, Synconics' fallback,
/// Basic apps): no refresh token.
pub async fn client_token(store: &Store, app: &app::Model, ttl: i64) -> Result<Issued, StoreError> {
    let kind = match AccessType::of(app) {
        AccessType::Basic => "basic",
        _ => "access",
    };
    let grant = random_token(TOKEN_LEN);
    let access_token = insert(
        store,
        app,
        kind,
        &grant,
        Some(Duration::seconds(ttl)),
        |_| {},
    )
    .await?;
    Ok(Issued {
        access_token,
        refresh_token: None,
        expires_in: ttl,
    })
}

/// How a call presented its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// `Authorization: Bearer`, `?access_token=` or a form's: an OAuth 2.0 app's access token.
    Bearer,
    /// `Authorization: Basic <token>`: a Basic app's.
    Basic,
}

/// The caller a token acts as: the app's active user with the app's model limits, or None.
pub async fn caller_by_token(
    store: &Store,
    text: &str,
    presented: Presented,
) -> Result<Option<(Caller, app::Model)>, StoreError> {
    let kind = match presented {
        Presented::Bearer => "access",
        Presented::Basic => "basic",
    };
    match find(store, text, &[kind], None).await? {
        Some(row) => caller_of_app(store, row.app_id).await,
        None => Ok(None),
    }
}

/// The caller of an active app, narrowed to its models; None when it or its user is inactive.
pub async fn caller_of_app(
    store: &Store,
    app_id: i64,
) -> Result<Option<(Caller, app::Model)>, StoreError> {
    let Some(app) = app::Entity::find_by_id(app_id)
        .one(store.connection())
        .await?
        .filter(|a| a.active)
    else {
        return Ok(None);
    };
    let Some(caller) = identity::caller_of(store, app.user_id, None).await? else {
        return Ok(None);
    };
    Ok(Some((caller.limited_to(apps::allowed_models(&app)), app)))
}

/// What introspection tells of a token (RFC 7662).
#[derive(Debug, Clone)]
pub struct Introspection {
    pub app: app::Model,
    pub kind: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

/// The live token `text` of one of `app`'s grants (RFC 7662 answers only about the caller's own).
pub async fn introspect(
    store: &Store,
    app: &app::Model,
    text: &str,
) -> Result<Option<Introspection>, StoreError> {
    let found = find(
        store,
        text,
        &["access", "basic", "refresh", "oauth1"],
        Some(app.id),
    )
    .await?;
    Ok(found
        .filter(|t| t.used_at.is_none())
        .map(|t| Introspection {
            app: app.clone(),
            kind: t.kind,
            issued_at: t.create_date,
            expires_at: t.expires_at,
        }))
}

/// RFC 7009: end `text` if it is one of `app`'s; a refresh token ends its whole grant. Unknown
/// tokens are no error.
pub async fn revoke(store: &Store, app: &app::Model, text: &str) -> Result<(), StoreError> {
    let found = token::Entity::find_by_id(digest(text))
        .one(store.connection())
        .await?
        .filter(|t| t.app_id == app.id);
    match found {
        Some(t) if t.kind == "refresh" => end_grant(store, &t.grant_id).await,
        Some(t) => {
            token::Entity::delete_by_id(t.token_sha256)
                .exec(store.writer())
                .await?;
            Ok(())
        }
        None => Ok(()),
    }
}

/// OAuth 1.0a: a request token and its secret, remembering where to send the user back.
pub async fn request_token(
    store: &Store,
    app: &app::Model,
    callback: Option<&str>,
) -> Result<(String, String), StoreError> {
    let secret = random_token(TOKEN_LEN);
    let grant = random_token(TOKEN_LEN);
    let token = insert(store, app, "request", &grant, Some(REQUEST_TTL), |row| {
        row.secret = Set(Some(secret.clone()));
        row.callback = Set(callback.filter(|c| *c != "oob").map(String::from));
    })
    .await?;
    Ok((token, secret))
}

/// An unexpired, untraded request token: its row (with its app id, secret and callback).
pub async fn find_request(store: &Store, text: &str) -> Result<Option<token::Model>, StoreError> {
    Ok(find(store, text, &["request"], None)
        .await?
        .filter(|t| t.used_at.is_none()))
}

/// The signed-in user authorized the request token: a new verifier (each call makes another).
pub async fn authorize_request(store: &Store, row: &token::Model) -> Result<String, StoreError> {
    let verifier = random_token(TOKEN_LEN);
    token::Entity::update_many()
        .col_expr(
            token::Column::VerifierSha256,
            sea_orm::sea_query::Expr::value(digest(&verifier)),
        )
        .filter(token::Column::TokenSha256.eq(row.token_sha256.clone()))
        .exec(store.writer())
        .await?;
    Ok(verifier)
}

/// The secret of a live OAuth 1.0a token (`request` or `oauth1`) of `app`.
pub async fn token_secret(
    store: &Store,
    app: &app::Model,
    text: &str,
    kind: &str,
) -> Result<Option<token::Model>, StoreError> {
    Ok(find(store, text, &[kind], Some(app.id))
        .await?
        .filter(|t| t.used_at.is_none()))
}

/// Trade an authorized request token and its verifier for an access token and secret.
pub async fn oauth1_access(
    store: &Store,
    app: &app::Model,
    request: &token::Model,
    verifier: &str,
) -> Result<(String, String), GrantError> {
    let right = request
        .verifier_sha256
        .as_deref()
        .is_some_and(|v| constant_time_eq(v.as_bytes(), digest(verifier).as_bytes()));
    if !right {
        return Err(GrantError::BadVerifierOrToken);
    }
    if !consume(store, request).await? {
        return Err(GrantError::RequestExpired);
    }
    let secret = random_token(TOKEN_LEN);
    let token = insert(store, app, "oauth1", &request.grant_id, None, |row| {
        row.secret = Set(Some(secret.clone()));
    })
    .await?;
    Ok((token, secret))
}

/// Record an OAuth 1.0a nonce; false when it was seen already (a replay). Kept as long as its
/// timestamp could still be accepted.
pub async fn nonce_is_new(
    store: &Store,
    consumer_key: &str,
    token: &str,
    timestamp: i64,
    nonce_text: &str,
    window_s: i64,
) -> Result<bool, StoreError> {
    let key = digest(&format!(
        "{consumer_key}\n{token}\n{timestamp}\n{nonce_text}"
    ));
    let row = nonce::ActiveModel {
        key_sha256: Set(key),
        expires_at: Set(now() + Duration::seconds(2 * window_s)),
    };
    let inserted = nonce::Entity::insert(row)
        .on_conflict(
            OnConflict::column(nonce::Column::KeySha256)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(store.writer())
        .await?;
    Ok(inserted == 1)
}

/// Delete expired or used codes and tokens and old nonces.
pub async fn purge(store: &Store) -> Result<u64, StoreError> {
    let tokens = token::Entity::delete_many()
        .filter(
            Condition::any()
                .add(token::Column::ExpiresAt.lt(now()))
                // A used code or refresh token is kept a day, to catch its replay.
                .add(token::Column::UsedAt.lt(now() - Duration::days(1))),
        )
        .exec(store.writer())
        .await?;
    let nonces = nonce::Entity::delete_many()
        .filter(nonce::Column::ExpiresAt.lt(now()))
        .exec(store.writer())
        .await?;
    Ok(tokens.rows_affected + nonces.rows_affected)
}
