//! The outbox under review (`/api/v1/deliveries`): deliveries newest first with filters and a
//! keyset cursor, one delivery with its attempts, and retries, one or by filter. A retried
//! delivery is due at once; it keeps its `webhook-id`, so a receiver can tell a replay. For the
//! console: how many a bulk retry would send, the sources' names, and the headers an attempt sends.

use crate::entity::{attempt, delivery};
use crate::source::{self, SourceKind};
use chrono::NaiveDateTime;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde_json::{Value, json};
use std::collections::HashMap;
use weft_store::{Result, Store};

pub const STATES: [&str; 4] = ["pending", "sending", "done", "dead"];

/// Review filters; all optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    pub source: Option<(SourceKind, i64)>,
    pub model: Option<String>,
    pub res_id: Option<i64>,
    /// Only deliveries of these models (an admin key's `allowed_models`); None = every model.
    pub models: Option<Vec<String>>,
    /// Only deliveries to this URL (a target's, as the console's Targets page links them).
    pub url: Option<String>,
}

impl Filter {
    /// `rule:3` or `subscription:12`.
    pub fn parse_source(text: &str) -> std::result::Result<(SourceKind, i64), String> {
        text.split_once(':')
            .and_then(|(kind, id)| Some((SourceKind::parse(kind)?, id.parse().ok()?)))
            .ok_or_else(|| format!("'{text}' is not a source such as rule:3 or subscription:12"))
    }

    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(state) = &self.state {
            c = c.add(delivery::Column::State.eq(state.clone()));
        }
        if let Some((kind, id)) = self.source {
            c = c
                .add(delivery::Column::SourceKind.eq(kind.as_str()))
                .add(delivery::Column::SourceId.eq(id));
        }
        if let Some(model) = &self.model {
            c = c.add(delivery::Column::Model.eq(model.clone()));
        }
        if let Some(res_id) = self.res_id {
            c = c.add(delivery::Column::ResId.eq(res_id));
        }
        if let Some(models) = &self.models {
            c = c.add(delivery::Column::Model.is_in(models.clone()));
        }
        if let Some(url) = &self.url {
            c = c.add(delivery::Column::Url.eq(url.clone()));
        }
        c
    }

    fn select(&self) -> Select<delivery::Entity> {
        delivery::Entity::find().filter(self.condition())
    }
}

/// A page, newest first, and the cursor of the next one.
pub async fn list(
    store: &Store,
    filter: &Filter,
    limit: u64,
    cursor: Option<i64>,
) -> Result<(Vec<Value>, Option<i64>)> {
    let limit = limit.max(1);
    let mut select = filter.select();
    if let Some(before) = cursor {
        select = select.filter(delivery::Column::Id.lt(before));
    }
    let rows = select
        .order_by_desc(delivery::Column::Id)
        .limit(limit + 1)
        .all(store.connection())
        .await?;
    let next = (rows.len() as u64 > limit).then(|| rows[limit as usize - 1].id);
    let items = rows
        .iter()
        .take(limit as usize)
        .map(|d| view(d, false))
        .collect();
    Ok((items, next))
}

/// One delivery with its body and attempts, or None.
pub async fn get(store: &Store, id: i64) -> Result<Option<Value>> {
    let Some(row) = delivery::Entity::find_by_id(id)
        .one(store.connection())
        .await?
    else {
        return Ok(None);
    };
    let attempts = attempt::Entity::find()
        .filter(attempt::Column::DeliveryId.eq(id))
        .order_by_asc(attempt::Column::Id)
        .all(store.connection())
        .await?;
    let mut out = view(&row, true);
    out["attempts"] = attempts
        .iter()
        .map(|a| {
            json!({
                "attempt": a.attempt,
                "at": source::odoo_datetime(a.create_date),
                "duration_ms": a.duration_ms,
                "status": a.status,
                "error": a.error,
                "response_preview": a.response_preview,
                "note": a.note,
            })
        })
        .collect();
    Ok(Some(out))
}

fn view(d: &delivery::Model, with_body: bool) -> Value {
    let mut out = json!({
        "id": d.id,
        "webhook_id": d.msg_id,
        "source": format!("{}:{}", d.source_kind, d.source_id),
        "event": d.event,
        "model": d.model,
        "res_id": d.res_id,
        "url": d.url,
        "state": d.state,
        "attempt_count": d.attempts,
        "next_attempt_at": (d.state == "pending").then(|| source::odoo_datetime(d.next_attempt_at)),
        "last_status": d.last_status,
        "last_error": d.last_error,
        "create_date": source::odoo_datetime(d.create_date),
        "finished_at": d.finished_at.map(source::odoo_datetime),
    });
    if with_body {
        out["content_type"] = json!(d.content_type);
        out["body"] = json!(d.body);
    }
    out
}

/// Why a delivery cannot be retried.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("delivery {0} does not exist")]
    NotFound(i64),
    #[error("delivery {0} is being sent right now")]
    Sending(i64),
    #[error(transparent)]
    Store(#[from] weft_store::StoreError),
}

/// Send one delivery again (dead, done, or pending and waiting): due now.
pub async fn retry(store: &Store, id: i64) -> std::result::Result<(), RetryError> {
    let row = delivery::Entity::find_by_id(id)
        .one(store.connection())
        .await
        .map_err(weft_store::StoreError::from)?
        .ok_or(RetryError::NotFound(id))?;
    if row.state == "sending" {
        return Err(RetryError::Sending(id));
    }
    let filter = Condition::all()
        .add(delivery::Column::Id.eq(id))
        .add(delivery::Column::State.ne("sending"));
    let updated = requeue(store, filter).await?;
    if updated == 0 {
        return Err(RetryError::Sending(id));
    }
    Ok(())
}

/// Send again every delivery matching `filter` (state `dead` unless the filter names one; never
/// one being sent). Returns how many.
pub async fn retry_all(store: &Store, filter: &Filter) -> Result<u64> {
    match retry_condition(filter) {
        Some(condition) => requeue(store, condition).await,
        None => Ok(0),
    }
}

/// How many deliveries `retry_all` with this filter would send again now: the same condition, so
/// a confirmation can say the exact number (unless the outbox changes in between).
pub async fn count(store: &Store, filter: &Filter) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    match retry_condition(filter) {
        Some(condition) => Ok(delivery::Entity::find()
            .filter(condition)
            .count(store.connection())
            .await?),
        None => Ok(0),
    }
}

/// What `retry_all` requeues: `dead` unless the filter names a state; None for `sending`.
fn retry_condition(filter: &Filter) -> Option<Condition> {
    let mut filter = filter.clone();
    filter.state.get_or_insert_with(|| "dead".into());
    (filter.state.as_deref() != Some("sending")).then(|| filter.condition())
}

/// The names of these sources (rules and subscriptions), in two queries at most; a source that is
/// gone is left out.
pub async fn source_names(
    store: &Store,
    sources: &[(SourceKind, i64)],
) -> Result<HashMap<(SourceKind, i64), String>> {
    use crate::entity::{rule, subscription};
    let ids = |kind: SourceKind| -> Vec<i64> {
        let mut ids: Vec<i64> = sources
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let mut names = HashMap::new();
    let rules = ids(SourceKind::Rule);
    if !rules.is_empty() {
        let rows: Vec<(i64, String)> = rule::Entity::find()
            .select_only()
            .columns([rule::Column::Id, rule::Column::Name])
            .filter(rule::Column::Id.is_in(rules))
            .into_tuple()
            .all(store.connection())
            .await?;
        names.extend(rows.into_iter().map(|(id, n)| ((SourceKind::Rule, id), n)));
    }
    let subscriptions = ids(SourceKind::Subscription);
    if !subscriptions.is_empty() {
        let rows: Vec<(i64, String)> = subscription::Entity::find()
            .select_only()
            .columns([subscription::Column::Id, subscription::Column::Name])
            .filter(subscription::Column::Id.is_in(subscriptions))
            .into_tuple()
            .all(store.connection())
            .await?;
        names.extend(
            rows.into_iter()
                .map(|(id, n)| ((SourceKind::Subscription, id), n)),
        );
    }
    Ok(names)
}

/// What a receiver sees of an attempt of delivery `id` made at `at`.
#[derive(Debug, Clone)]
pub struct SentHeaders {
    /// The source's name.
    pub source: String,
    /// Names and values in the order sent, secrets included (whoever shows them masks them).
    pub headers: Vec<(&'static str, String)>,
    /// Set when the rule's `Authorization` is withheld from this URL.
    pub note: Option<String>,
}

/// The headers the dispatcher sends for delivery `id` at `at` (`webhook-timestamp` is `at`, the
/// signature is made with the secrets that sign at `at`, as the source has them now). None when
/// the delivery or its source is gone (nothing of it is sent then) or the URL cannot be read.
pub async fn headers(store: &Store, id: i64, at: NaiveDateTime) -> Result<Option<SentHeaders>> {
    let Some(row) = delivery::Entity::find_by_id(id)
        .one(store.connection())
        .await?
    else {
        return Ok(None);
    };
    let Some(kind) = SourceKind::parse(&row.source_kind) else {
        return Ok(None);
    };
    let Some(settings) = crate::catalog::settings_of(store, kind, row.source_id).await? else {
        return Ok(None);
    };
    let Ok(url) = reqwest::Url::parse(&row.url) else {
        return Ok(None);
    };
    let (headers, note) = crate::send::headers(
        &settings,
        &url,
        &row.msg_id,
        &row.content_type,
        row.body.as_bytes(),
        at,
    );
    Ok(Some(SentHeaders {
        source: settings.name,
        headers,
        note,
    }))
}

async fn requeue(store: &Store, condition: Condition) -> Result<u64> {
    let now = source::now();
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::State, Expr::value("pending"))
        .col_expr(delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            delivery::Column::FinishedAt,
            Expr::value(Option::<chrono::NaiveDateTime>::None),
        )
        .filter(condition)
        .exec(store.writer())
        .await?;
    Ok(result.rows_affected)
}

/// What `/metrics` shows of the outbox.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Deliveries by state (every state listed, 0 included).
    pub by_state: Vec<(&'static str, i64)>,
    /// Pending deliveries due now: the queue.
    pub due: i64,
    /// Seconds since the oldest due delivery fell due.
    pub oldest_due_age: f64,
}

pub async fn figures(store: &Store) -> Result<Figures> {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = store.connection();
    let by_state = conn
        .query_all_raw(Statement::from_string(
            store.backend(),
            "SELECT state, COUNT(*) AS n FROM weft_delivery GROUP BY state",
        ))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "state")?, r.try_get("", "n")?)))
        .collect::<std::result::Result<Vec<(String, i64)>, sea_orm::DbErr>>()?;
    let now = source::now();
    let sql = "SELECT MIN(next_attempt_at) AS oldest, COUNT(*) AS due FROM weft_delivery \
               WHERE state = 'pending' AND next_attempt_at <= $1";
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            store.backend(),
            crate::dispatcher::placeholders(store.backend(), sql),
            [now.into()],
        ))
        .await?;
    let (oldest, due): (Option<chrono::NaiveDateTime>, i64) = match row {
        Some(r) => (r.try_get("", "oldest")?, r.try_get("", "due")?),
        None => (None, 0),
    };
    Ok(Figures {
        by_state: STATES
            .iter()
            .map(|s| {
                (
                    *s,
                    by_state
                        .iter()
                        .find(|(state, _)| state == s)
                        .map_or(0, |(_, n)| *n),
                )
            })
            .collect(),
        due,
        oldest_due_age: oldest.map_or(0.0, |o| (now - o).as_seconds_f64().max(0.0)),
    })
}

/// The outbox now, for the console's overview: each count is an index range (`state, id`), the
/// oldest due delivery the first entry of the due index, so it stays quick on a large outbox.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Queue {
    pub pending: i64,
    pub sending: i64,
    /// Dead deliveries kept (every one, not only today's): they wait for a person's retry.
    pub dead: i64,
    /// When the oldest pending delivery that is due now fell due; None when none is due.
    pub oldest_due: Option<chrono::NaiveDateTime>,
}

impl Queue {
    /// Seconds since the oldest due delivery fell due, at `now` (0 when none is due).
    pub fn oldest_due_age(&self, now: chrono::NaiveDateTime) -> i64 {
        self.oldest_due
            .map_or(0, |due| (now - due).num_seconds().max(0))
    }
}

pub async fn queue(store: &Store) -> Result<Queue> {
    use sea_orm::PaginatorTrait;
    let conn = store.connection();
    let count = async |state: &str| {
        delivery::Entity::find()
            .filter(delivery::Column::State.eq(state))
            .count(conn)
            .await
            .map(|n| n as i64)
    };
    let oldest_due: Option<chrono::NaiveDateTime> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::NextAttemptAt)
        // The state in the SQL text, so PostgreSQL's generic plans match the partial due index.
        .filter(Expr::cust("state = 'pending'"))
        .filter(delivery::Column::NextAttemptAt.lte(source::now()))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(Queue {
        pending: count("pending").await?,
        sending: count("sending").await?,
        dead: count("dead").await?,
        oldest_due,
    })
}

/// The `limit` newest dead deliveries (by id), for the overview's latest failures.
pub async fn latest_dead(store: &Store, limit: u64) -> Result<Vec<delivery::Model>> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::State.eq("dead"))
        .order_by_desc(delivery::Column::Id)
        .limit(limit)
        .all(store.connection())
        .await?)
}

/// What one source's deliveries did lately, as the console's lists of rules and subscriptions
/// show it: its newest delivery and the failed attempts since a moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub last_id: Option<i64>,
    pub last_state: Option<String>,
    pub last_at: Option<NaiveDateTime>,
    pub failures: i64,
}

/// The activity of every source of `kind`, by source id, in two grouped queries (the newest
/// delivery by the `(source_kind, source_id, id)` index, failures by the attempts' time).
pub async fn activity(
    store: &Store,
    kind: SourceKind,
    since: NaiveDateTime,
) -> Result<HashMap<i64, Activity>> {
    use sea_orm::{ConnectionTrait, Statement};
    let (conn, backend) = (store.connection(), store.backend());
    let run = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(
            backend,
            crate::dispatcher::placeholders(backend, sql),
            values,
        )
    };
    let mut out: HashMap<i64, Activity> = HashMap::new();
    let newest = "SELECT d.source_id AS source_id, d.id AS id, d.state AS state, \
                  d.create_date AS at FROM (SELECT MAX(id) AS id FROM weft_delivery \
                  WHERE source_kind = $1 GROUP BY source_id) n JOIN weft_delivery d ON d.id = n.id";
    for r in conn
        .query_all_raw(run(newest, vec![kind.as_str().into()]))
        .await?
    {
        let a = out.entry(r.try_get("", "source_id")?).or_default();
        a.last_id = Some(r.try_get("", "id")?);
        a.last_state = Some(r.try_get("", "state")?);
        a.last_at = Some(r.try_get("", "at")?);
    }
    let failed = "SELECT d.source_id AS source_id, COUNT(*) AS failures \
                  FROM weft_delivery_attempt a JOIN weft_delivery d ON d.id = a.delivery_id \
                  WHERE a.create_date >= $1 AND a.error IS NOT NULL AND d.source_kind = $2 \
                  GROUP BY d.source_id";
    for r in conn
        .query_all_raw(run(failed, vec![since.into(), kind.as_str().into()]))
        .await?
    {
        out.entry(r.try_get("", "source_id")?).or_default().failures = r.try_get("", "failures")?;
    }
    Ok(out)
}
