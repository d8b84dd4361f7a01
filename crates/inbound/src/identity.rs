//! Users, API keys and sessions (DESIGN.md §9).
//!
//! An API key is `weft_<prefix>_<secret>` with 256 random bits, shown once. The database keeps the
//! prefix (to find the key) and the SHA-256 of the whole key, compared in constant time. A key given by
//! the operator in another shape (`WEFT_ADMIN_API_KEY=...`) is found by a prefix derived from its hash.
//! Passwords are argon2 hashes, checked off the async workers (`password`). Sessions are rows keyed
//! by the SHA-256 of the cookie, 7 days long; expired ones are refused and purged.

use crate::password::Passwords;
use chrono::{NaiveDateTime, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use weft_store::entity::{api_key, session};
use weft_store::{Env, Store, StoreError};
use weft_webhook::signing::constant_time_eq;

/// How long a `/web/session/authenticate` session lasts (Odoo's 7 days).
pub const SESSION_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Configuration, keys, logs, `/restapi`, `/api/v1`.
    Admin,
    /// The data routes only.
    Integration,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Integration => "integration",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "integration" => Some(Role::Integration),
            _ => None,
        }
    }
}

/// Who is calling, once authenticated.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub uid: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    pub env: Env,
    /// Models the API key may touch; None = all.
    pub allowed_models: Option<Vec<String>>,
}

impl Caller {
    /// The caller of a key or OAuth app limited to `models` (None: every model). Both the checks
    /// of configuration objects (`may_use_model`) and the store, which bounds every model a call
    /// touches (access.rs), see the limit.
    pub fn limited_to(self, models: Option<Vec<String>>) -> Caller {
        Caller {
            env: self.env.clone().with_models(models.as_deref()),
            allowed_models: models,
            ..self
        }
    }

    pub fn may_use_model(&self, model: &str) -> bool {
        self.allowed_models
            .as_ref()
            .is_none_or(|m| m.iter().any(|a| a == model))
    }

    /// Refuse an object tied to `model` (a rule, subscription, hook, delivery or log of it) to a
    /// key not allowed that model.
    pub fn require_model(&self, model: &str) -> Result<(), ModelRefused> {
        if self.may_use_model(model) {
            return Ok(());
        }
        Err(ModelRefused {
            model: model.to_string(),
            limits: self
                .allowed_models
                .as_deref()
                .unwrap_or_default()
                .join(", "),
        })
    }
}

/// A key limited to some models reached for another.
#[derive(Debug, Clone, thiserror::Error)]
#[error("this key may not use the model '{model}' (it is limited to {limits})")]
pub struct ModelRefused {
    pub model: String,
    pub limits: String,
}

/// A key just made: the only time its text exists outside the caller's hands.
#[derive(Debug, Clone)]
pub struct NewKey {
    pub id: i64,
    pub key: String,
    pub prefix: String,
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `bytes` random bytes as hex (session ids, idempotency claim owners).
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// The lookup prefix of a key: its own for `weft_<prefix>_<secret>`, else one derived from its hash.
fn prefix_of(key: &str) -> String {
    match key
        .strip_prefix("weft_")
        .and_then(|rest| rest.split_once('_'))
    {
        Some((prefix, secret)) if prefix.len() == 12 && !secret.is_empty() => prefix.to_string(),
        _ => format!("h{}", &sha256_hex(key.as_bytes())[..11]),
    }
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Create a user in `company_id` (allowed that company only) with an optional password.
pub async fn create_user(
    store: &Store,
    login: &str,
    name: &str,
    password: Option<&str>,
    role: Role,
    company_id: i64,
) -> Result<i64, StoreError> {
    // Hashing is slow on purpose: not while holding the writer, nor on the async workers.
    let hash = match password {
        Some(p) => Some(Passwords::shared().hash(p).await?),
        None => None,
    };
    let mut tx = store.begin(&Env::superuser()).await?;
    let vals = json!({"login": login, "name": name, "company_id": company_id, "company_ids": [[6, 0, [company_id]]]});
    let uid = tx
        .create("res.users", vals.as_object().expect("object"))
        .await?;
    let update = Query::update()
        .table(Alias::new("res_users"))
        .value(Alias::new("password_hash"), hash)
        .value(Alias::new("role"), role.as_str())
        .and_where(Expr::col(Alias::new("id")).eq(uid))
        .to_owned();
    tx.connection().execute(&update).await?;
    tx.commit().await?;
    Ok(uid)
}

/// Number of users: zero on a fresh database, when the bootstrap admin is made.
pub async fn user_count(store: &Store) -> Result<u64, StoreError> {
    let tx = store.begin_read(&Env::superuser()).await?;
    tx.count("res.users", &weft_domain::Domain::all(), true)
        .await
}

/// Make a key for `uid`. `explicit` takes an operator-chosen key (`WEFT_ADMIN_API_KEY`).
pub async fn create_api_key(
    store: &Store,
    uid: i64,
    name: &str,
    allowed_models: Option<Vec<String>>,
    expires_at: Option<NaiveDateTime>,
    explicit: Option<&str>,
) -> Result<NewKey, StoreError> {
    let key = match explicit {
        Some(k) => k.to_string(),
        None => format!("weft_{}_{}", random_hex(6), random_hex(32)),
    };
    let prefix = prefix_of(&key);
    let model = api_key::ActiveModel {
        user_id: Set(uid),
        name: Set(name.to_string()),
        prefix: Set(prefix.clone()),
        secret_sha256: Set(sha256_hex(key.as_bytes())),
        allowed_models: Set(allowed_models.map(|m| json!(m))),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        create_date: Set(now()),
        ..Default::default()
    };
    let saved = model
        .insert(store.writer())
        .await
        .map_err(|e| match e.to_string() {
            t if t.contains("UNIQUE") || t.contains("duplicate key") => {
                StoreError::Conflict("an API key with this prefix exists already".into())
            }
            _ => StoreError::Database(e),
        })?;
    Ok(NewKey {
        id: saved.id,
        key,
        prefix,
    })
}

pub async fn list_api_keys(store: &Store) -> Result<Vec<api_key::Model>, StoreError> {
    Ok(api_key::Entity::find().all(store.connection()).await?)
}

/// Revoke a key; false when there is no such key.
pub async fn revoke_api_key(store: &Store, id: i64) -> Result<bool, StoreError> {
    let Some(found) = api_key::Entity::find_by_id(id)
        .one(store.connection())
        .await?
    else {
        return Ok(false);
    };
    let mut active: api_key::ActiveModel = found.into();
    active.revoked_at = Set(Some(now()));
    let tx = store.writer().begin().await?;
    active.update(&tx).await?;
    store.announce_in(&tx, weft_store::Cached::ApiKeys).await?;
    tx.commit().await?;
    Ok(true)
}

/// The caller a key belongs to, or None when the key is unknown, revoked, expired or its user inactive.
pub async fn caller_by_key(store: &Store, key: &str) -> Result<Option<Caller>, StoreError> {
    let Some(found) = api_key::Entity::find()
        .filter(api_key::Column::Prefix.eq(prefix_of(key)))
        .one(store.connection())
        .await?
    else {
        return Ok(None);
    };
    let valid = constant_time_eq(
        found.secret_sha256.as_bytes(),
        sha256_hex(key.as_bytes()).as_bytes(),
    ) && found.revoked_at.is_none()
        && found.expires_at.is_none_or(|at| at > now());
    if !valid {
        return Ok(None);
    }
    touch_key(store, found.id);
    let allowed_models = found
        .allowed_models
        .as_ref()
        .and_then(Value::as_array)
        .map(|models| {
            models
                .iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        });
    Ok(caller_of(store, found.user_id, None)
        .await?
        .map(|c| c.limited_to(allowed_models)))
}

/// Stamp a key's `last_used_at`, off the request's path. Keys are checked here once per cache
/// lifetime (`auth::KEY_CACHE_TTL`), so the stamp is that precise.
fn touch_key(store: &Store, id: i64) {
    let store = store.clone();
    tokio::spawn(async move {
        let update = api_key::Entity::update_many()
            .col_expr(
                api_key::Column::LastUsedAt,
                sea_orm::sea_query::Expr::value(now()),
            )
            .filter(api_key::Column::Id.eq(id))
            .exec(store.writer())
            .await;
        if let Err(e) = update {
            tracing::warn!(error = %e, key_id = id, "could not stamp the key's last use");
        }
    });
}

/// Check a login and password; on success open a session and return its cookie value.
pub async fn login(
    store: &Store,
    passwords: &Passwords,
    login: &str,
    password: &str,
) -> Result<Option<(Caller, String)>, StoreError> {
    let Some(caller) = caller_by_password(store, passwords, login, password).await? else {
        return Ok(None);
    };
    let uid = caller.uid;
    let sid = random_hex(20);
    session::ActiveModel {
        sid_sha256: Set(sha256_hex(sid.as_bytes())),
        user_id: Set(uid),
        company_id: Set(caller.env.company_id),
        expires_at: Set(now() + chrono::Duration::days(SESSION_DAYS)),
        create_date: Set(now()),
    }
    .insert(store.writer())
    .await?;
    Ok(Some((caller, sid)))
}

/// The active user `login` as a caller when `password` is its password (not an API key: a person
/// signs in, a program uses its key).
///
/// An unknown login, a user without a password and a wrong password cost the same: one Argon2
/// verification on `passwords` (against a dummy hash when there is no real one).
pub async fn caller_by_password(
    store: &Store,
    passwords: &Passwords,
    login: &str,
    password: &str,
) -> Result<Option<Caller>, StoreError> {
    let select = user_select()
        .and_where(Expr::col(Alias::new("login")).eq(login))
        .to_owned();
    let (uid, hash) = id_and_hash(store, select).await?;
    let matches = passwords.verify(password, hash.as_deref()).await?;
    match uid.filter(|_| matches) {
        Some(uid) => caller_of(store, uid, None).await,
        None => Ok(None),
    }
}

/// The active user `login` as a caller when `secret` is its password or one of its API keys (Odoo
/// 14+ takes a key in place of the password over its RPC protocols); None otherwise. A key brings
/// its `allowed_models`. A refusal costs one Argon2 verification, whatever was wrong, as `login`.
pub async fn caller_by_login_secret(
    store: &Store,
    passwords: &Passwords,
    login: &str,
    secret: &str,
) -> Result<Option<Caller>, StoreError> {
    let select = user_select()
        .and_where(Expr::col(Alias::new("login")).eq(login))
        .to_owned();
    caller_by_secret(store, passwords, select, secret).await
}

/// The active user `uid` as a caller when `secret` is its password or one of its API keys (an
/// `object` call's credentials); None otherwise, after one Argon2 verification.
pub async fn caller_by_uid_secret(
    store: &Store,
    passwords: &Passwords,
    uid: i64,
    secret: &str,
) -> Result<Option<Caller>, StoreError> {
    let select = user_select()
        .and_where(Expr::col(Alias::new("id")).eq(uid))
        .to_owned();
    caller_by_secret(store, passwords, select, secret).await
}

/// The id and password hash of active users, to be narrowed to one.
fn user_select() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .columns([Alias::new("id"), Alias::new("password_hash")])
        .from(Alias::new("res_users"))
        .and_where(Expr::col(Alias::new("active")).eq(true))
        .to_owned()
}

/// The id and password hash of the user `select` finds, if any.
async fn id_and_hash(
    store: &Store,
    select: sea_orm::sea_query::SelectStatement,
) -> Result<(Option<i64>, Option<String>), StoreError> {
    Ok(match store.connection().query_one(&select).await? {
        Some(row) => (
            Some(row.try_get::<i64>("", "id")?),
            row.try_get::<Option<String>>("", "password_hash")?,
        ),
        None => (None, None),
    })
}

async fn caller_by_secret(
    store: &Store,
    passwords: &Passwords,
    select: sea_orm::sea_query::SelectStatement,
    secret: &str,
) -> Result<Option<Caller>, StoreError> {
    let (uid, hash) = id_and_hash(store, select).await?;
    // One of the user's keys: a SHA-256 lookup, no Argon2. A key of another user does not count.
    if let Some(uid) = uid
        && let Some(caller) = caller_by_key(store, secret).await?
        && caller.uid == uid
    {
        return Ok(Some(caller));
    }
    let matches = passwords.verify(secret, hash.as_deref()).await?;
    match uid.filter(|_| matches) {
        Some(uid) => caller_of(store, uid, None).await,
        None => Ok(None),
    }
}

pub async fn caller_by_session(store: &Store, sid: &str) -> Result<Option<Caller>, StoreError> {
    let found = session::Entity::find_by_id(sha256_hex(sid.as_bytes()))
        .one(store.connection())
        .await?;
    match found {
        Some(s) if s.expires_at > now() => caller_of(store, s.user_id, Some(s.company_id)).await,
        _ => Ok(None),
    }
}

/// Delete the sessions that expired (they are refused anyway; this keeps the table small).
pub async fn purge_expired_sessions(store: &Store) -> Result<u64, StoreError> {
    let deleted = session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now()))
        .exec(store.writer())
        .await?;
    Ok(deleted.rows_affected)
}

pub async fn logout(store: &Store, sid: &str) -> Result<(), StoreError> {
    session::Entity::delete_by_id(sha256_hex(sid.as_bytes()))
        .exec(store.writer())
        .await?;
    Ok(())
}

/// An active user as a caller, working in `company` (default: the user's company).
pub async fn caller_of(
    store: &Store,
    uid: i64,
    company: Option<i64>,
) -> Result<Option<Caller>, StoreError> {
    let select = Query::select()
        .columns([
            Alias::new("login"),
            Alias::new("name"),
            Alias::new("company_id"),
            Alias::new("role"),
        ])
        .from(Alias::new("res_users"))
        .and_where(Expr::col(Alias::new("id")).eq(uid))
        .and_where(Expr::col(Alias::new("active")).eq(true))
        .to_owned();
    let Some(row) = store.connection().query_one(&select).await? else {
        return Ok(None);
    };
    let home: i64 = row.try_get("", "company_id")?;
    let companies = Query::select()
        .column(Alias::new("cid"))
        .from(Alias::new("res_company_users_rel"))
        .and_where(Expr::col(Alias::new("user_id")).eq(uid))
        .to_owned();
    let mut company_ids: Vec<i64> = Vec::new();
    for r in store.connection().query_all(&companies).await? {
        company_ids.push(r.try_get_by_index(0)?);
    }
    if !company_ids.contains(&home) {
        company_ids.push(home);
    }
    let current = company.filter(|c| company_ids.contains(c)).unwrap_or(home);
    let role: String = row.try_get("", "role")?;
    Ok(Some(Caller {
        uid,
        login: row.try_get("", "login")?,
        name: row.try_get("", "name")?,
        role: Role::parse(&role).unwrap_or(Role::Integration),
        env: Env::user(uid, current, company_ids),
        allowed_models: None,
    }))
}
