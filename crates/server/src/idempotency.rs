//! `Idempotency-Key` on the data routes: the same key from the same user within 24 hours returns the
//! first response without running the call again; the same key with a different body is `conflict`.
//!
//! The key is claimed (a row with no response) before the call runs and completed after it, so two
//! concurrent requests with one key never both run. A claim left without a response for a minute
//! (the process died mid-call) is taken over by the next request.

use chrono::{Duration, NaiveDateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::Value;
use weft_store::Store;

pub const MAX_KEY_LEN: usize = 255;
const REPLAY_HOURS: i64 = 24;
const ABANDONED_SECONDS: i64 = 60;

/// What to do with a request that carries a key.
pub enum Claim {
    /// Run the call, then `complete` the claim.
    Run,
    /// The first response, to send again.
    Replay(Value),
    /// The key was used with another request, or its first call is still running.
    Conflict(String),
}

fn table() -> Alias {
    Alias::new("weft_idempotency")
}

fn this_key(uid: i64, key: &str) -> sea_orm::sea_query::Condition {
    sea_orm::sea_query::Cond::all()
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
    let db = store.writer();
    let now = Utc::now().naive_utc();
    for _ in 0..2 {
        let insert = Query::insert()
            .into_table(table())
            .columns(["user_id", "key", "route", "request_sha256", "create_date"].map(Alias::new))
            .values_panic([
                uid.into(),
                key.into(),
                route.into(),
                request_sha256.into(),
                now.into(),
            ])
            .on_conflict(
                OnConflict::columns([Alias::new("user_id"), Alias::new("key")])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        if db.execute(&insert).await?.rows_affected() == 1 {
            return Ok(Claim::Run);
        }
        let select = Query::select()
            .columns(["route", "request_sha256", "response", "create_date"].map(Alias::new))
            .from(table())
            .cond_where(this_key(uid, key))
            .to_owned();
        let Some(row) = db.query_one(&select).await? else {
            continue;
        };
        let created: NaiveDateTime = row.try_get("", "create_date")?;
        let response: Option<String> = row.try_get("", "response")?;
        let expired = created < now - Duration::hours(REPLAY_HOURS);
        let abandoned = response.is_none() && created < now - Duration::seconds(ABANDONED_SECONDS);
        if expired || abandoned {
            db.execute(
                &Query::delete()
                    .from_table(table())
                    .cond_where(this_key(uid, key))
                    .to_owned(),
            )
            .await?;
            continue;
        }
        let same = row.try_get::<String>("", "route")? == route
            && row.try_get::<String>("", "request_sha256")? == request_sha256;
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

/// Keep the first response; finished keys older than a day are swept at the same time.
pub async fn complete(store: &Store, uid: i64, key: &str, response: &Value) -> Result<(), DbErr> {
    let db = store.writer();
    let update = Query::update()
        .table(table())
        .value(Alias::new("response"), response.to_string())
        .cond_where(this_key(uid, key))
        .to_owned();
    db.execute(&update).await?;
    let cutoff = Utc::now().naive_utc() - Duration::hours(REPLAY_HOURS);
    db.execute(
        &Query::delete()
            .from_table(table())
            .and_where(Expr::col(Alias::new("create_date")).lt(cutoff))
            .to_owned(),
    )
    .await?;
    Ok(())
}
