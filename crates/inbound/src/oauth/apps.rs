//! OAuth apps as an admin makes and changes them (`/api/v1/oauth-apps` and the console's OAuth
//! apps page call these, so both check the same). An app acts as one active user, with that
//! user's role and companies, narrowed to `allowed_models` when set; `access_type` says which of
//! OAuth 1.0a, OAuth 2.0 and Basic it uses. A consumer key and secret are made with the app and
//! again by `regenerate`; the secret is shown then and never again, except an OAuth 1.0a app's,
//! which is kept in clear for its HMAC signatures and can be revealed.

use super::entity::{app, token};
use super::random_token;
use crate::accounts::{self, AccountError};
use crate::identity::sha256_hex;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;
use weft_store::{Store, StoreError};
use weft_webhook::signing::constant_time_eq;

/// How long consumer keys and secrets are (Synconics' 32 characters).
const CREDENTIAL_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessType {
    OAuth1,
    OAuth2,
    Basic,
}

impl AccessType {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessType::OAuth1 => "oauth1",
            AccessType::OAuth2 => "oauth2",
            AccessType::Basic => "basic",
        }
    }

    pub fn parse(text: &str) -> Option<AccessType> {
        match text {
            "oauth1" => Some(AccessType::OAuth1),
            "oauth2" => Some(AccessType::OAuth2),
            "basic" => Some(AccessType::Basic),
            _ => None,
        }
    }

    /// The stored app's (a row always holds one of the three).
    pub fn of(app: &app::Model) -> AccessType {
        AccessType::parse(&app.access_type).unwrap_or(AccessType::OAuth2)
    }
}

/// Why an app was not made or changed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad input, naming the field (HTTP 422).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("no OAuth app {0}")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AppError {
    AppError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> AppError {
        AppError::Store(e.into())
    }
}

/// An app's settings, as `NewOAuthApp` carries them; on a change, None keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct AppSettings {
    pub name: Option<String>,
    /// `Some(None)` clears it.
    pub description: Option<Option<String>>,
    pub user_id: Option<i64>,
    pub access_type: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    /// `Some(None)`: every model.
    pub allowed_models: Option<Option<Vec<String>>>,
    pub oauth1_reply: Option<String>,
    pub active: Option<bool>,
}

/// A consumer key and secret just made: the only time the secret is shown (but see `reveal`).
#[derive(Debug, Clone)]
pub struct Issued {
    pub consumer_key: String,
    pub consumer_secret: String,
}

pub async fn list(store: &Store) -> Result<Vec<app::Model>, AppError> {
    Ok(app::Entity::find()
        .order_by_asc(app::Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get(store: &Store, id: i64) -> Result<app::Model, AppError> {
    app::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or(AppError::NotFound(id))
}

/// Make an app (name and user required; OAuth 2.0 and active by default).
pub async fn create(store: &Store, new: AppSettings) -> Result<(app::Model, Issued), AppError> {
    let now = Utc::now().naive_utc();
    let mut row = app::ActiveModel {
        name: Set(String::new()),
        description: Set(None),
        user_id: Set(0),
        access_type: Set("oauth2".into()),
        redirect_uris: Set(json!([])),
        allowed_models: Set(None),
        oauth1_reply: Set("json".into()),
        active: Set(true),
        create_date: Set(now),
        write_date: Set(now),
        ..Default::default()
    };
    if new.name.is_none() {
        return Err(invalid("name", "is required"));
    }
    if new.user_id.is_none() {
        return Err(invalid("user_id", "is required"));
    }
    apply(store, &mut row, new).await?;
    let issued = credentials(&mut row);
    let saved = row.insert(store.writer()).await?;
    Ok((saved, issued))
}

/// Change an app's settings. Deactivating it, or giving it a new user or access type, ends every
/// token issued so far (an app activated again starts with none).
/// An app made oauth1 here signs nothing until its credentials are regenerated.
pub async fn update(store: &Store, id: i64, change: AppSettings) -> Result<app::Model, AppError> {
    let found = get(store, id).await?;
    let ends_tokens = change.active == Some(false)
        || change.user_id.is_some_and(|u| u != found.user_id)
        || change
            .access_type
            .as_deref()
            .is_some_and(|a| a != found.access_type);
    let mut row: app::ActiveModel = found.into();
    apply(store, &mut row, change).await?;
    if row.access_type.as_ref() != "oauth1" {
        // Only an OAuth 1.0a app needs its secret in clear. One that becomes oauth1 has none
        // until `regenerate` (its secret was kept as a hash): its signatures are refused till then.
        row.consumer_secret = Set(None);
    }
    row.write_date = Set(Utc::now().naive_utc());
    // One transaction, tokens first: no old token acts as a new user, even for a moment.
    let tx = store.writer().begin().await?;
    if ends_tokens {
        delete_tokens(&tx, id).await?;
    }
    let saved = row.update(&tx).await?;
    tx.commit().await?;
    Ok(saved)
}

/// Delete an app and everything it was issued.
pub async fn delete(store: &Store, id: i64) -> Result<app::Model, AppError> {
    let found = get(store, id).await?;
    revoke_tokens(store, id).await?;
    app::Entity::delete_by_id(id).exec(store.writer()).await?;
    Ok(found)
}

/// A new consumer key and secret; the old ones, and every token issued with them, stop at once.
pub async fn regenerate(store: &Store, id: i64) -> Result<(app::Model, Issued), AppError> {
    let found = get(store, id).await?;
    let mut row: app::ActiveModel = found.into();
    let issued = credentials(&mut row);
    row.write_date = Set(Utc::now().naive_utc());
    let tx = store.writer().begin().await?;
    delete_tokens(&tx, id).await?;
    let saved = row.update(&tx).await?;
    tx.commit().await?;
    Ok((saved, issued))
}

/// End every code and token of the app; returns how many there were.
pub async fn revoke_tokens(store: &Store, id: i64) -> Result<u64, AppError> {
    delete_tokens(store.writer(), id).await
}

async fn delete_tokens(conn: &impl ConnectionTrait, id: i64) -> Result<u64, AppError> {
    let deleted = token::Entity::delete_many()
        .filter(token::Column::AppId.eq(id))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected)
}

/// The secret of an OAuth 1.0a app; the others keep only its hash (None).
pub fn reveal(app: &app::Model) -> Option<&str> {
    app.consumer_secret.as_deref()
}

/// The active app of `consumer_key`, when `secret` (if given) is its secret.
pub async fn by_client(
    store: &Store,
    consumer_key: &str,
    secret: Option<&str>,
) -> Result<Option<app::Model>, StoreError> {
    let found = app::Entity::find()
        .filter(app::Column::ConsumerKey.eq(consumer_key))
        .filter(app::Column::Active.eq(true))
        .one(store.connection())
        .await?;
    Ok(found.filter(|app| {
        secret.is_none_or(|s| {
            constant_time_eq(
                sha256_hex(s.as_bytes()).as_bytes(),
                app.consumer_secret_sha256.as_bytes(),
            )
        })
    }))
}

/// `uri` is one of the app's redirect URIs, exactly (RFC 9700 §2.1).
pub fn redirect_allowed(app: &app::Model, uri: &str) -> bool {
    redirect_uris(app).iter().any(|r| r == uri)
}

pub fn redirect_uris(app: &app::Model) -> Vec<String> {
    serde_json::from_value(app.redirect_uris.clone()).unwrap_or_default()
}

pub fn allowed_models(app: &app::Model) -> Option<Vec<String>> {
    app.allowed_models
        .clone()
        .and_then(|m| serde_json::from_value(m).ok())
}

/// New consumer key and secret on `row`.
fn credentials(row: &mut app::ActiveModel) -> Issued {
    let issued = Issued {
        consumer_key: random_token(CREDENTIAL_LEN),
        consumer_secret: random_token(CREDENTIAL_LEN),
    };
    row.consumer_key = Set(issued.consumer_key.clone());
    row.consumer_secret_sha256 = Set(sha256_hex(issued.consumer_secret.as_bytes()));
    let oauth1 = row.access_type.as_ref() == "oauth1";
    row.consumer_secret = Set(oauth1.then(|| issued.consumer_secret.clone()));
    issued
}

/// Check each given setting and put it on `row`.
async fn apply(
    store: &Store,
    row: &mut app::ActiveModel,
    change: AppSettings,
) -> Result<(), AppError> {
    if let Some(name) = change.name {
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("name", "must not be empty"));
        }
        row.name = Set(name.to_string());
    }
    if let Some(description) = change.description {
        row.description = Set(description.filter(|d| !d.trim().is_empty()));
    }
    if let Some(user_id) = change.user_id {
        match accounts::user(store, user_id).await {
            Ok(user) if user.active => row.user_id = Set(user_id),
            Ok(_) | Err(AccountError::NotFound { .. }) => {
                return Err(invalid("user_id", format!("no active user {user_id}")));
            }
            Err(AccountError::Store(e)) => return Err(e.into()),
            Err(e) => return Err(invalid("user_id", e.to_string())),
        }
    }
    if let Some(access_type) = change.access_type {
        let parsed = AccessType::parse(&access_type)
            .ok_or_else(|| invalid("access_type", "must be oauth1, oauth2 or basic"))?;
        row.access_type = Set(parsed.as_str().into());
    }
    if let Some(uris) = change.redirect_uris {
        for (i, uri) in uris.iter().enumerate() {
            check_redirect(uri).map_err(|r| invalid("redirect_uris", format!("[{i}]: {r}")))?;
        }
        row.redirect_uris = Set(json!(uris));
    }
    if let Some(models) = change.allowed_models {
        if let Some(unknown) = crate::keys::first_unknown_model(store, &models) {
            return Err(invalid(
                "allowed_models",
                format!("'{unknown}' is not a model of the schema"),
            ));
        }
        row.allowed_models = Set(models.map(|m| json!(m)));
    }
    if let Some(reply) = change.oauth1_reply {
        if reply != "json" && reply != "form" {
            return Err(invalid("oauth1_reply", "must be json or form"));
        }
        row.oauth1_reply = Set(reply);
    }
    if let Some(active) = change.active {
        row.active = Set(active);
    }
    Ok(())
}

/// An absolute URL without a fragment (RFC 6749 §3.1.2), read by the HTTP client's own parser.
fn check_redirect(uri: &str) -> Result<(), String> {
    let url = url::Url::parse(uri).map_err(|e| format!("'{uri}' is not an absolute URL: {e}"))?;
    if url.fragment().is_some() {
        return Err(format!(
            "'{uri}' has a fragment, which a redirect URI may not"
        ));
    }
    if url.cannot_be_a_base() {
        return Err(format!("'{uri}' is not a URL a browser can be sent to"));
    }
    Ok(())
}
