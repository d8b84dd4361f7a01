//! Authentication of the data routes in ecosoft's order (research §2.2): a session cookie, then the
//! `x-api-key` header, then `Authorization: Bearer`. Failures carry ecosoft's exception names and texts,
//! so existing clients see the errors they expect.

use crate::identity::{self, Caller};
use crate::password::Passwords;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use weft_store::{Store, StoreError};
use weft_webhook::signing::constant_time_eq;

/// API keys already checked, by the SHA-256 of the key, for a few seconds: a busy client then costs
/// no key lookup per request. The cached caller carries its user's role, companies and active flag,
/// so a revoked key or a changed user must not wait out `KEY_CACHE_TTL`: whoever makes such a change
/// clears this cache at once and announces it (`Cached::ApiKeys`, `Cached::Users`), and every
/// instance on the same PostgreSQL database clears its own when the announcement arrives. A change
/// made on SQLite by another process (the CLI) takes effect within `KEY_CACHE_TTL`.
///
/// It also keeps the `object` calls' credentials (a uid and a password or key, checked on every
/// call of Odoo's RPC protocols) that were right, for `CREDENTIAL_CACHE_TTL`: a loop of calls then
/// hashes the password once, not once a call. Only successes are kept, by the uid and the SHA-256
/// of the secret (compared in constant time), and `clear` forgets them with the keys.
pub struct KeyCache {
    entries: Mutex<HashMap<String, (Caller, Instant)>>,
    credentials: Mutex<HashMap<i64, Vec<RightSecret>>>,
    /// Bumped by every `clear`: a lookup that began before a clear read the database before the
    /// change, so what it found must not be cached after the clear (it would live on for the TTL).
    generation: AtomicU64,
}

/// A secret found right for a uid: its SHA-256, the caller it gave, and when.
type RightSecret = ([u8; 32], Caller, Instant);

pub const KEY_CACHE_TTL: Duration = Duration::from_secs(10);

/// How long a right uid and password (or key) of an `object` call is taken without a new check.
pub const CREDENTIAL_CACHE_TTL: Duration = Duration::from_secs(30);

/// The most users whose credentials are kept at once; past it the cache starts afresh.
const MAX_CREDENTIAL_USERS: usize = 10_000;

/// The most secrets kept per user (a password and a few keys in use at once).
const MAX_SECRETS_PER_USER: usize = 8;

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            entries: Mutex::new(HashMap::new()),
            credentials: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }
}

impl KeyCache {
    /// Forget every key checked so far: the next request of each is checked against the database.
    pub fn clear(&self) {
        let mut entries = self.entries.lock().expect("key cache lock");
        let mut credentials = self.credentials.lock().expect("credential cache lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
        credentials.clear();
    }

    /// The caller of an `object` call made with `uid` and `secret` (its password or one of its
    /// API keys), or None when they are wrong. Right ones are kept for `CREDENTIAL_CACHE_TTL`;
    /// wrong ones are checked again every time (each costs one Argon2 verification, so the caller
    /// counts them against the failed-login limits before asking).
    pub async fn caller_by_uid_secret(
        &self,
        store: &Store,
        passwords: &Passwords,
        uid: i64,
        secret: &str,
    ) -> Result<Option<Caller>, StoreError> {
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if let Some(caller) = self.cached_credentials(uid, &digest) {
            return Ok(Some(caller));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let found = identity::caller_by_uid_secret(store, passwords, uid, secret).await?;
        if let Some(caller) = &found {
            let mut credentials = self.credentials.lock().expect("credential cache lock");
            // Cleared meanwhile: the answer predates the change, it serves this call only.
            if self.generation.load(Ordering::SeqCst) == generation {
                if credentials.len() >= MAX_CREDENTIAL_USERS {
                    credentials.clear();
                }
                let kept = credentials.entry(uid).or_default();
                kept.retain(|(d, _, at)| at.elapsed() < CREDENTIAL_CACHE_TTL && d != &digest);
                kept.truncate(MAX_SECRETS_PER_USER - 1);
                kept.push((digest, caller.clone(), Instant::now()));
            }
        }
        Ok(found)
    }

    /// The caller of `uid` and `secret` when they were found right less than
    /// `CREDENTIAL_CACHE_TTL` ago (and nothing was cleared since): no database, no Argon2.
    pub fn cached_caller_by_uid_secret(&self, uid: i64, secret: &str) -> Option<Caller> {
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        self.cached_credentials(uid, &digest)
    }

    fn cached_credentials(&self, uid: i64, digest: &[u8; 32]) -> Option<Caller> {
        let credentials = self.credentials.lock().expect("credential cache lock");
        credentials
            .get(&uid)?
            .iter()
            .find(|(d, _, at)| at.elapsed() < CREDENTIAL_CACHE_TTL && constant_time_eq(d, digest))
            .map(|(_, caller, _)| caller.clone())
    }

    async fn caller(&self, store: &Store, key: &str) -> Result<Option<Caller>, StoreError> {
        let digest = identity::sha256_hex(key.as_bytes());
        if let Some((caller, at)) = self.entries.lock().expect("key cache lock").get(&digest)
            && at.elapsed() < KEY_CACHE_TTL
        {
            return Ok(Some(caller.clone()));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let found = identity::caller_by_key(store, key).await?;
        let mut entries = self.entries.lock().expect("key cache lock");
        match &found {
            // Cleared meanwhile: the answer is used for this request only.
            Some(_) if self.generation.load(Ordering::SeqCst) != generation => {}
            Some(caller) => {
                entries.insert(digest, (caller.clone(), Instant::now()));
            }
            None => {
                entries.remove(&digest);
            }
        }
        Ok(found)
    }
}

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
    keys: &KeyCache,
    credentials: Credentials<'_>,
) -> Result<Caller, AuthError> {
    if let Some(sid) = credentials.session_id.filter(|s| !s.is_empty())
        && let Some(caller) = identity::caller_by_session(store, sid).await?
    {
        return Ok(caller);
    }
    if let Some(key) = credentials.x_api_key {
        return keys
            .caller(store, key.trim())
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
    keys.caller(store, token).await?.ok_or(AuthError::BadBearer)
}
