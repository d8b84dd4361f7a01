//! `Idempotency-Key` on the data routes: the same key from the same user within 24 hours returns the
//! first response without running the call again; the same key with a different body is `conflict`.
//!
//! The key is claimed (a row with no response) before the call runs and completed after it, so two
//! concurrent requests with one key never both run. A claim carries an owner token and a lease that
//! the running call renews (`Running`, every quarter lease): while the lease lasts, or while this
//! process is running the call, a second request is `conflict`, however long the call takes. A claim
//! whose owner stopped renewing it for a whole lease (its process died) is taken over, and the
//! late owner, should it come back, cannot overwrite its successor's response.
//!
//! Budget: a user holds at most `MAX_KEYS_PER_USER` keys from the last 24 hours. Over the cap a
//! call with a new key is refused with `conflict` naming the cap, rather than dropping the oldest
//! keys: dropping would silently break the replay promise for keys the client may still retry.

use chrono::{Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::{Alias, Cond, Condition, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex};
use weft_store::Store;

pub const MAX_KEY_LEN: usize = 255;
/// Keys one user may hold within the replay window.
pub const MAX_KEYS_PER_USER: u64 = 10_000;
const REPLAY_HOURS: i64 = 24;
/// How long a claim stays its owner's without being renewed.
const LEASE_SECONDS: i64 = 60;

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub lease: Duration,
    pub max_keys: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            lease: Duration::seconds(LEASE_SECONDS),
            max_keys: MAX_KEYS_PER_USER,
        }
    }
}

/// What to do with a request that carries a key.
pub enum Claim {
    /// Run the call, then `Running::complete`.
    Run(Running),
    /// The first response, to send again.
    Replay(Value),
    /// The key was used with another request, its first call is still running, or the user holds
    /// too many keys.
    Conflict(String),
}

/// The owner tokens of the claims a process is running: alive for sure, whatever their lease says
/// (on SQLite a long call holds the writer, and with it the lease's renewal).
#[derive(Default)]
pub struct Owners(Mutex<HashSet<String>>);

impl Owners {
    fn holds(&self, owner: &str) -> bool {
        self.0.lock().expect("owners lock").contains(owner)
    }
}

/// This process's claims.
static PROCESS: LazyLock<Arc<Owners>> = LazyLock::new(Arc::default);

/// A claim whose call runs here: its lease is renewed until it completes or is dropped.
pub struct Running {
    store: Store,
    uid: i64,
    key: String,
    owner: String,
    owners: Arc<Owners>,
    renewal: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(
        store: &Store,
        uid: i64,
        key: &str,
        owner: String,
        owners: Arc<Owners>,
        lease: Duration,
    ) -> Running {
        owners.0.lock().expect("owners lock").insert(owner.clone());
        let renewal = {
            let (store, key, owner) = (store.clone(), key.to_string(), owner.clone());
            let every = (lease / 4)
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(1));
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(every).await;
                    let until = Utc::now().naive_utc() + lease;
                    if let Err(e) = renew(&store, uid, &key, &owner, until).await {
                        tracing::warn!(error = %e, "could not renew an idempotency claim");
                    }
                }
            })
        };
        Running {
            store: store.clone(),
            uid,
            key: key.to_string(),
            owner,
            owners,
            renewal,
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// Keep the first response; false when the claim was taken over meanwhile (then the response
    /// of the request that took it stands). Keys older than a day are swept at the same time.
    pub async fn complete(self, response: &Value) -> Result<bool, DbErr> {
        let db = self.store.writer();
        let update = Query::update()
            .table(table())
            .value(Alias::new("response"), response.to_string())
            .cond_where(
                this_key(self.uid, &self.key)
                    .add(Expr::col(Alias::new("owner")).eq(self.owner.as_str()))
                    .add(Expr::col(Alias::new("response")).is_null()),
            )
            .to_owned();
        let kept = db.execute(&update).await?.rows_affected() == 1;
        let cutoff = Utc::now().naive_utc() - Duration::hours(REPLAY_HOURS);
        db.execute(
            &Query::delete()
                .from_table(table())
                .and_where(Expr::col(Alias::new("create_date")).lt(cutoff))
                .to_owned(),
        )
        .await?;
        Ok(kept)
    }

    #[cfg(test)]
    async fn renew_at(&self, now: NaiveDateTime, policy: Policy) -> Result<(), DbErr> {
        renew(
            &self.store,
            self.uid,
            &self.key,
            &self.owner,
            now + policy.lease,
        )
        .await
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.renewal.abort();
        self.owners
            .0
            .lock()
            .expect("owners lock")
            .remove(&self.owner);
    }
}

/// Extend a pending claim's lease to `until` (never shorten it), if it is still `owner`'s.
async fn renew(
    store: &Store,
    uid: i64,
    key: &str,
    owner: &str,
    until: NaiveDateTime,
) -> Result<(), DbErr> {
    let update = Query::update()
        .table(table())
        .value(Alias::new("lease_until"), until)
        .cond_where(
            this_key(uid, key)
                .add(Expr::col(Alias::new("owner")).eq(owner))
                .add(Expr::col(Alias::new("response")).is_null())
                .add(Expr::col(Alias::new("lease_until")).lt(until)),
        )
        .to_owned();
    store.writer().execute(&update).await.map(|_| ())
}

fn table() -> Alias {
    Alias::new("weft_idempotency")
}

fn this_key(uid: i64, key: &str) -> Condition {
    Cond::all()
        .add(Expr::col(Alias::new("user_id")).eq(uid))
        .add(Expr::col(Alias::new("key")).eq(key))
}

pub async fn claim(
    store: &Store,
    uid: i64,
    key: &str,
    route: &str,
    request_sha256: &str,
) -> Result<Claim, DbErr> {
    let request = Request {
        uid,
        key,
        route,
        request_sha256,
    };
    claim_as(
        &PROCESS,
        store,
        &request,
        Policy::default(),
        Utc::now().naive_utc(),
    )
    .await
}

struct Request<'a> {
    uid: i64,
    key: &'a str,
    route: &'a str,
    request_sha256: &'a str,
}

/// The claim of `request` by a process whose running claims are `owners`, at `now`.
async fn claim_as(
    owners: &Arc<Owners>,
    store: &Store,
    request: &Request<'_>,
    policy: Policy,
    now: NaiveDateTime,
) -> Result<Claim, DbErr> {
    let db = store.writer();
    let (uid, key) = (request.uid, request.key);
    for _ in 0..3 {
        let select = Query::select()
            .columns(
                [
                    "route",
                    "request_sha256",
                    "response",
                    "create_date",
                    "owner",
                    "lease_until",
                ]
                .map(Alias::new),
            )
            .from(table())
            .cond_where(this_key(uid, key))
            .to_owned();
        let Some(row) = db.query_one(&select).await? else {
            if keys_held(store, uid, now).await? >= policy.max_keys {
                return Ok(Claim::Conflict(format!(
                    "this user holds {} Idempotency-Keys from the last {REPLAY_HOURS} hours, the most \
                     allowed: send the call without a key, or wait for old keys to expire",
                    policy.max_keys
                )));
            }
            let owner = weft_inbound::identity::random_hex(16);
            let insert = Query::insert()
                .into_table(table())
                .columns(
                    [
                        "user_id",
                        "key",
                        "route",
                        "request_sha256",
                        "create_date",
                        "owner",
                        "lease_until",
                    ]
                    .map(Alias::new),
                )
                .values_panic([
                    uid.into(),
                    key.into(),
                    request.route.into(),
                    request.request_sha256.into(),
                    now.into(),
                    owner.as_str().into(),
                    (now + policy.lease).into(),
                ])
                .on_conflict(
                    OnConflict::columns([Alias::new("user_id"), Alias::new("key")])
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            if db.execute(&insert).await?.rows_affected() == 1 {
                let running = Running::start(store, uid, key, owner, owners.clone(), policy.lease);
                return Ok(Claim::Run(running));
            }
            // Another request inserted it first: look again.
            continue;
        };
        let created: NaiveDateTime = row.try_get("", "create_date")?;
        let response: Option<String> = row.try_get("", "response")?;
        let owner: Option<String> = row.try_get("", "owner")?;
        // Claims from before leases existed: their lease ran from their creation.
        let lease_until: NaiveDateTime = row
            .try_get::<Option<NaiveDateTime>>("", "lease_until")?
            .unwrap_or(created + policy.lease);
        let expired = created < now - Duration::hours(REPLAY_HOURS);
        let alive = lease_until > now || owner.as_deref().is_some_and(|o| owners.holds(o));
        let abandoned = response.is_none() && !alive;
        if expired || abandoned {
            // Only the row as read: a racing request may have taken it over already.
            let owner_was = match &owner {
                Some(o) => Expr::col(Alias::new("owner")).eq(o.as_str()),
                None => Expr::col(Alias::new("owner")).is_null(),
            };
            let delete = Query::delete()
                .from_table(table())
                .cond_where(
                    this_key(uid, key)
                        .add(Expr::col(Alias::new("create_date")).eq(created))
                        .add(owner_was),
                )
                .to_owned();
            db.execute(&delete).await?;
            continue;
        }
        let same = row.try_get::<String>("", "route")? == request.route
            && row.try_get::<String>("", "request_sha256")? == request.request_sha256;
        return Ok(match (same, response) {
            (false, _) => Claim::Conflict(format!(
                "Idempotency-Key '{key}' was already used with a different request"
            )),
            (true, None) => Claim::Conflict(format!(
                "the first request with Idempotency-Key '{key}' is still running"
            )),
            (true, Some(text)) => Claim::Replay(serde_json::from_str(&text).unwrap_or(Value::Null)),
        });
    }
    Ok(Claim::Conflict(format!(
        "Idempotency-Key '{key}' is being claimed by another request"
    )))
}

/// The keys `uid` claimed within the replay window before `now`.
async fn keys_held(store: &Store, uid: i64, now: NaiveDateTime) -> Result<u64, DbErr> {
    let count = Query::select()
        .expr(Func::count(Expr::col(Alias::new("key"))))
        .from(table())
        .and_where(Expr::col(Alias::new("user_id")).eq(uid))
        .and_where(Expr::col(Alias::new("create_date")).gte(now - Duration::hours(REPLAY_HOURS)))
        .to_owned();
    let row = store.writer().query_one(&count).await?;
    let held: i64 = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(held).unwrap_or(0))
}

#[cfg(test)]
#[path = "idempotency_tests.rs"]
mod tests;
