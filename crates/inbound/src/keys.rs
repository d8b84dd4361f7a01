//! API keys as an admin makes, lists and revokes them (`/api/v1/api-keys` and the console's API
//! keys page call these, so both check the same): the key's user must be active, its models must
//! be the schema's, its expiry a datetime, and a key limited to some models makes and revokes only
//! keys no wider than itself (DESIGN.md §14). A revocation clears this instance's key cache before
//! it returns and is announced to the others (`identity::revoke_api_key`).

use crate::accounts::{self, AccountError};
use crate::auth::KeyCache;
use crate::identity::{self, Caller};
use chrono::NaiveDateTime;
use sea_orm::EntityTrait;
use weft_store::entity::api_key;
use weft_store::{Store, StoreError};

/// Why a key was not made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Bad input, naming the field (HTTP 422).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// Beyond what the caller's own key reaches (HTTP 403).
    #[error("{0}")]
    Forbidden(String),
    #[error("no API key {0}")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> KeyError {
    KeyError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// A key to make, as `NewApiKey` carries it.
#[derive(Debug, Clone, Default)]
pub struct NewApiKey {
    pub user_id: i64,
    pub name: String,
    /// None: every model (only for a caller that is itself unlimited).
    pub allowed_models: Option<Vec<String>>,
    /// `YYYY-MM-DD HH:MM:SS` (UTC); None: never expires.
    pub expires_at: Option<String>,
}

/// The keys `caller` may see (a key limited to models sees the keys within them), by id.
pub async fn list(store: &Store, caller: &Caller) -> Result<Vec<api_key::Model>, StoreError> {
    let mut keys: Vec<api_key::Model> = identity::list_api_keys(store)
        .await?
        .into_iter()
        .filter(|k| within(caller, &models_of(k)))
        .collect();
    keys.sort_by_key(|k| k.id);
    Ok(keys)
}

/// Make a key: its stored row and its text, which exists nowhere else afterwards.
pub async fn create(
    store: &Store,
    caller: &Caller,
    new: NewApiKey,
) -> Result<(api_key::Model, String), KeyError> {
    let owner = match accounts::user(store, new.user_id).await {
        Ok(user) if user.active => user,
        Ok(_) | Err(AccountError::NotFound { .. }) => {
            return Err(invalid(
                "user_id",
                format!("no active user {}", new.user_id),
            ));
        }
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(invalid("user_id", e.to_string())),
    };
    no_wider(caller, &new.allowed_models, &owner)?;
    known_models(store, &new.allowed_models)?;
    let expires = expiry(new.expires_at.as_deref())?;
    let name = new.name.trim();
    if name.is_empty() {
        return Err(invalid("name", "must not be empty"));
    }
    let made =
        identity::create_api_key(store, new.user_id, name, new.allowed_models, expires, None)
            .await?;
    let row = api_key::Entity::find_by_id(made.id)
        .one(store.connection())
        .await
        .map_err(StoreError::from)?
        .ok_or(KeyError::NotFound(made.id))?;
    Ok((row, made.key))
}

/// Revoke a key `caller` may see: refused from its next request on, here at once (the cache is
/// cleared before this returns) and on every other instance when the announcement arrives.
pub async fn revoke(
    store: &Store,
    keys: &KeyCache,
    caller: &Caller,
    id: i64,
) -> Result<api_key::Model, KeyError> {
    let found = api_key::Entity::find_by_id(id)
        .one(store.connection())
        .await
        .map_err(StoreError::from)?
        .ok_or(KeyError::NotFound(id))?;
    if !within(caller, &models_of(&found)) {
        return Err(KeyError::Forbidden(format!(
            "API key {id} reaches models beyond this key's ({})",
            limits(caller)
        )));
    }
    if !identity::revoke_api_key(store, id).await? {
        return Err(KeyError::NotFound(id));
    }
    keys.clear();
    Ok(found)
}

/// The models a stored key is limited to; None: all.
pub fn models_of(row: &api_key::Model) -> Option<Vec<String>> {
    row.allowed_models
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
}

/// The models a caller is limited to, for messages.
fn limits(caller: &Caller) -> String {
    caller
        .allowed_models
        .as_ref()
        .map_or_else(|| "all".to_string(), |m| m.join(", "))
}

/// A key allowed `models` (None = all) gives no more than `caller` has.
pub fn within(caller: &Caller, models: &Option<Vec<String>>) -> bool {
    match (&caller.allowed_models, models) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(_), Some(wanted)) => wanted.iter().all(|m| caller.may_use_model(m)),
    }
}

/// A key `caller` makes for `owner`, allowed `models`, reaches no model and no company `caller`
/// does not: else Forbidden, naming what is beyond it.
fn no_wider(
    caller: &Caller,
    models: &Option<Vec<String>>,
    owner: &accounts::User,
) -> Result<(), KeyError> {
    let Some(own) = &caller.allowed_models else {
        return Ok(());
    };
    let denied = |message: String| Err(KeyError::Forbidden(message));
    let Some(wanted) = models else {
        return denied(format!(
            "this key is limited to {}: the keys it makes must name allowed_models among them",
            own.join(", ")
        ));
    };
    if let Some(beyond) = wanted.iter().find(|m| !caller.may_use_model(m)) {
        return denied(format!(
            "allowed_models: this key may not use the model '{beyond}' (it is limited to {}), \
             so neither may a key it makes",
            own.join(", ")
        ));
    }
    if let Some(company) = owner
        .company_ids
        .iter()
        .find(|c| !caller.env.company_ids.contains(c))
    {
        return denied(format!(
            "user_id: user {} belongs to company {company}, which this key's user does not",
            owner.id
        ));
    }
    Ok(())
}

/// Every model named is one of the schema's (a misspelt one would make a key that can do
/// nothing with the model meant).
fn known_models(store: &Store, models: &Option<Vec<String>>) -> Result<(), KeyError> {
    match first_unknown_model(store, models) {
        Some(unknown) => Err(invalid(
            "allowed_models",
            format!("'{unknown}' is not a model of the schema"),
        )),
        None => Ok(()),
    }
}

/// The first of `models` that is not one of the schema's (OAuth apps check theirs too).
pub(crate) fn first_unknown_model<'a>(
    store: &Store,
    models: &'a Option<Vec<String>>,
) -> Option<&'a str> {
    let registry = store.registry();
    models
        .iter()
        .flatten()
        .find(|m| registry.model(m).is_none())
        .map(String::as_str)
}

fn expiry(text: Option<&str>) -> Result<Option<NaiveDateTime>, KeyError> {
    text.map(|t| weft_registry::value::parse_datetime(t).map_err(|r| invalid("expires_at", r)))
        .transpose()
}
