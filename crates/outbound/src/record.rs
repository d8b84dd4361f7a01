//! Storing what came of each attempt, in batches: the delivery's new state (done, retry at a time,
//! dead, paused by its URL's circuit), an attempt row, and a `send` log. Outcomes that arrive
//! together are written in one transaction, so a busy dispatcher costs the writer a few
//! statements per batch instead of several per delivery. A 410 retires the URL for its source:
//! the source's other pending deliveries to it end `dead` and no new ones are written.

use crate::catalog::Sources;
use crate::dispatcher::placeholders;
use crate::send::{Answer, Claimed};
use crate::source;
use chrono::NaiveDateTime;
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc};
use weft_logstore::{Body, Entry, LogType, LogWriter};
use weft_store::{BulkRow, Cached, Env, Result, Store};

/// Outcomes stored together at most.
const BATCH: usize = 512;
/// How long the first outcome of a batch waits for others.
const GATHER: Duration = Duration::from_millis(5);
/// Characters of a receiver's answer kept on the attempt row.
const RESPONSE_PREVIEW: usize = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Done {
        status: u16,
    },
    Retry {
        at: NaiveDateTime,
        status: Option<u16>,
        error: String,
    },
    Dead {
        status: Option<u16>,
        error: String,
    },
    /// 410 Gone.
    Gone,
    /// The URL's circuit is open: try again then, no attempt counted.
    Paused {
        until: NaiveDateTime,
    },
}

/// One delivery the dispatcher is done with for now.
pub struct Finished {
    pub delivery: Claimed,
    pub started: NaiveDateTime,
    pub source_name: String,
    /// None when no request was made.
    pub answer: Option<Answer>,
    pub decision: Decision,
}

impl Finished {
    pub fn without_attempt(delivery: Claimed, decision: Decision) -> Finished {
        Finished {
            delivery,
            started: source::now(),
            source_name: String::new(),
            answer: None,
            decision,
        }
    }
}

pub async fn run(
    store: Store,
    sources: Arc<Sources>,
    logs: LogWriter,
    wake: Arc<Notify>,
    mut outcomes: mpsc::UnboundedReceiver<Finished>,
    held: crate::dispatcher::Held,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(first) = outcomes.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + GATHER;
        while batch.len() < BATCH {
            match tokio::time::timeout_at(deadline, outcomes.recv()).await {
                Ok(Some(more)) => batch.push(more),
                _ => break,
            }
        }
        let finished = std::mem::take(&mut batch);
        let retired = finished.iter().any(|f| f.decision == Decision::Gone);
        let stored = store_outcomes(&store, &finished, retired).await;
        // Claimed in memory (SQLite): claimable again once the outcome is stored, or, when it
        // could not be, to be sent again.
        {
            let mut held = held.lock().expect("held lock");
            for f in &finished {
                held.remove(&f.delivery.id);
            }
        }
        if let Err(e) = stored {
            // The deliveries are sent again (held ones at once, leased ones when their lease
            // expires): at least once, never lost.
            tracing::error!(error = %e, deliveries = finished.len(), "storing delivery outcomes failed");
            continue;
        }
        // The catalog retired the URL at once (`Sources::retire`); a reload that read the table
        // before this commit may have swapped that out, so read it again now.
        if retired && let Err(e) = sources.reload().await {
            tracing::warn!(error = %e, "re-reading the sources after a 410 failed");
        }
        wake.notify_one();
        for f in finished {
            if let Some(entry) = send_log(f) {
                logs.record(entry).await;
            }
        }
    }
}

/// Store a batch's outcomes in one transaction; `retired`: one of them is a 410.
async fn store_outcomes(store: &Store, finished: &[Finished], retired: bool) -> Result<()> {
    let statements = statements(store.backend(), finished);
    let attempts = attempt_rows(finished);
    let writer = store.clone();
    store
        .on_writer(async move {
            let tx = writer.begin(&Env::superuser()).await?;
            run_all(tx.connection(), statements).await?;
            weft_store::insert_all(tx.connection(), attempts).await?;
            if retired {
                // Other instances stop writing deliveries to the URL too.
                writer.announce_in(tx.connection(), Cached::Sources).await?;
            }
            tx.commit_only().await
        })
        .await
}

async fn run_all(conn: &DatabaseTransaction, statements: Vec<Statement>) -> Result<()> {
    for statement in statements {
        conn.execute_raw(statement).await?;
    }
    Ok(())
}

/// The updates for a batch: the delivered together per status and claim, the rest one by one.
/// Each only touches a row its claim still holds: `sending` with the claim's token (PostgreSQL),
/// or `pending` with no lease (claimed in memory on SQLite, token 0).
fn statements(backend: sea_orm::DatabaseBackend, finished: &[Finished]) -> Vec<Statement> {
    let now = source::now();
    let sql = |text: &str| placeholders(backend, text);
    let mut out = Vec::new();
    let mut done: BTreeMap<(u16, i64), Vec<i64>> = BTreeMap::new();
    for f in finished {
        let (id, token) = (f.delivery.id, f.delivery.token);
        let attempted = f.answer.is_some() as i32;
        let (text, values): (&str, Vec<sea_orm::Value>) = match &f.decision {
            Decision::Done { status } => {
                done.entry((*status, token)).or_default().push(id);
                continue;
            }
            Decision::Retry { at, status, error } => (
                "UPDATE weft_delivery SET state = 'pending', attempts = attempts + $1, next_attempt_at = $2, \
                 last_status = $3, last_error = $4, lease_until = NULL, lease_owner = NULL \
                 WHERE id = $5 AND state IN ('pending', 'sending') AND COALESCE(lease_owner, 0) = $6",
                vec![
                    attempted.into(),
                    (*at).into(),
                    status.map(i32::from).into(),
                    error.clone().into(),
                    id.into(),
                    token.into(),
                ],
            ),
            Decision::Dead { status, error } => (
                "UPDATE weft_delivery SET state = 'dead', attempts = attempts + $1, finished_at = $2, \
                 last_status = $3, last_error = $4, lease_until = NULL, lease_owner = NULL \
                 WHERE id = $5 AND state IN ('pending', 'sending') AND COALESCE(lease_owner, 0) = $6",
                vec![
                    attempted.into(),
                    now.into(),
                    status.map(i32::from).into(),
                    error.clone().into(),
                    id.into(),
                    token.into(),
                ],
            ),
            Decision::Paused { until } => (
                "UPDATE weft_delivery SET state = 'pending', next_attempt_at = $1, lease_until = NULL, \
                 lease_owner = NULL WHERE id = $2 AND state IN ('pending', 'sending') AND COALESCE(lease_owner, 0) = $3",
                vec![(*until).into(), id.into(), token.into()],
            ),
            Decision::Gone => {
                out.extend(retire(backend, &f.delivery, now));
                continue;
            }
        };
        out.push(Statement::from_sql_and_values(backend, sql(text), values));
    }
    for ((status, token), ids) in done {
        let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 4)).collect();
        let text = format!(
            "UPDATE weft_delivery SET state = 'done', attempts = attempts + 1, finished_at = $1, \
             last_status = $2, last_error = NULL, lease_until = NULL, lease_owner = NULL \
             WHERE state IN ('pending', 'sending') AND COALESCE(lease_owner, 0) = $3 AND id IN ({})",
            marks.join(", ")
        );
        let mut values: Vec<sea_orm::Value> =
            vec![now.into(), i32::from(status).into(), token.into()];
        values.extend(ids.into_iter().map(sea_orm::Value::from));
        out.push(Statement::from_sql_and_values(backend, sql(&text), values));
    }
    out
}

/// 410: this delivery and the source's other pending ones to the URL end `dead`; the URL is
/// remembered so that no new ones are written.
fn retire(backend: sea_orm::DatabaseBackend, d: &Claimed, now: NaiveDateTime) -> Vec<Statement> {
    let error = format!(
        "{} answered 410 Gone: the URL is retired for this {}",
        weft_logstore::redact::text(&d.url),
        d.kind.as_str()
    );
    let kind = d.kind.as_str();
    let insert = "INSERT INTO weft_retired_url (source_kind, source_id, url, create_date) VALUES ($1, $2, $3, $4) \
                  ON CONFLICT (source_kind, source_id, url) DO NOTHING";
    let this = "UPDATE weft_delivery SET state = 'dead', attempts = attempts + 1, finished_at = $1, last_status = 410, \
                last_error = $2, lease_until = NULL, lease_owner = NULL WHERE id = $3 \
                AND state IN ('pending', 'sending') AND COALESCE(lease_owner, 0) = $4";
    let others = "UPDATE weft_delivery SET state = 'dead', finished_at = $1, last_error = $2 \
                  WHERE source_kind = $3 AND source_id = $4 AND url = $5 AND state = 'pending'";
    vec![
        Statement::from_sql_and_values(
            backend,
            placeholders(backend, insert),
            [
                kind.into(),
                d.source_id.into(),
                d.url.clone().into(),
                now.into(),
            ],
        ),
        Statement::from_sql_and_values(
            backend,
            placeholders(backend, this),
            [
                now.into(),
                error.clone().into(),
                d.id.into(),
                d.token.into(),
            ],
        ),
        Statement::from_sql_and_values(
            backend,
            placeholders(backend, others),
            [
                now.into(),
                error.into(),
                kind.into(),
                d.source_id.into(),
                d.url.clone().into(),
            ],
        ),
    ]
}

const ATTEMPT_COLUMNS: &[&str] = &[
    "delivery_id",
    "attempt",
    "create_date",
    "duration_ms",
    "status",
    "error",
    "response_preview",
    "note",
];

fn attempt_rows(finished: &[Finished]) -> Vec<BulkRow> {
    finished
        .iter()
        .filter_map(|f| {
            let answer = f.answer.as_ref()?;
            let (status, error) = status_and_error(&f.decision);
            // Masked whole (as text, or as JSON when it is), then cut: a cut secret is still one.
            let mut answered = Value::String(String::from_utf8_lossy(&answer.response).into());
            weft_logstore::redact::value(&mut answered);
            let preview: String = answered
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(RESPONSE_PREVIEW)
                .collect();
            Some(BulkRow {
                table: "weft_delivery_attempt",
                columns: ATTEMPT_COLUMNS,
                values: vec![
                    f.delivery.id.into(),
                    (f.delivery.attempts + 1).into(),
                    f.started.into(),
                    (answer.duration.as_secs_f64() * 1000.0).into(),
                    status.map(i32::from).into(),
                    error.map(str::to_string).into(),
                    preview.replace('\0', "").into(),
                    answer.note.clone().into(),
                ],
            })
        })
        .collect()
}

fn status_and_error(decision: &Decision) -> (Option<u16>, Option<&str>) {
    match decision {
        Decision::Done { status } => (Some(*status), None),
        Decision::Retry { status, error, .. } | Decision::Dead { status, error } => {
            (*status, Some(error.as_str()))
        }
        Decision::Gone => (Some(410), Some("410 Gone")),
        Decision::Paused { .. } => (None, None),
    }
}

/// The `send` log of an attempt (research §12.6: route = the URL, function = the source's name).
fn send_log(f: Finished) -> Option<Entry> {
    let answer = f.answer?;
    let (status, error) = status_and_error(&f.decision);
    let request = serde_json::from_str::<Value>(&f.delivery.body)
        .unwrap_or_else(|_| Value::String(f.delivery.body.clone()));
    let response = match (error, serde_json::from_slice::<Value>(&answer.response)) {
        (None, Ok(json)) => Body::Json(json),
        (None, Err(_)) => Body::Bytes(answer.response),
        (Some(error), _) => Body::Json(json!({"status": status, "error": error})),
    };
    Some(Entry {
        at: source::now(),
        log_type: LogType::Send,
        route: f.delivery.url,
        function_name: f.source_name,
        model: Some(f.delivery.model.clone()),
        res_model: Some(f.delivery.model),
        res_id: Some(f.delivery.res_id),
        callback_url: None,
        success: matches!(f.decision, Decision::Done { .. }),
        request: Body::Json(request),
        response,
        preview_limit: 2000,
        duration: answer.duration,
        user_id: None,
        idempotency_key: None,
    })
}

/// Delete up to `chunk` deliveries finished before `cutoff`, with their attempts.
pub async fn purge_chunk(store: &Store, cutoff: NaiveDateTime, chunk: u64) -> Result<u64> {
    let backend = store.backend();
    let old = "SELECT id FROM weft_delivery WHERE state IN ('done', 'dead') AND finished_at < $1 ORDER BY id LIMIT $2";
    let attempts = Statement::from_sql_and_values(
        backend,
        placeholders(
            backend,
            &format!("DELETE FROM weft_delivery_attempt WHERE delivery_id IN ({old})"),
        ),
        [cutoff.into(), (chunk as i64).into()],
    );
    let deliveries = Statement::from_sql_and_values(
        backend,
        placeholders(
            backend,
            &format!("DELETE FROM weft_delivery WHERE id IN ({old})"),
        ),
        [cutoff.into(), (chunk as i64).into()],
    );
    let writer = store.clone();
    store
        .on_writer(async move {
            let tx = writer.begin(&Env::superuser()).await?;
            tx.connection().execute_raw(attempts).await?;
            let deleted = tx
                .connection()
                .execute_raw(deliveries)
                .await?
                .rows_affected();
            tx.commit_only().await?;
            Ok(deleted)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::COLUMNS;
    use sea_orm::ConnectionTrait;
    use weft_registry::Registry;
    use weft_store::testing::each_backend;

    /// Deliveries in `state`, finished `days_ago` days ago (none when pending), with an attempt each.
    async fn deliveries(store: &Store, state: &str, days_ago: i64, n: usize) {
        let finished = source::now() - chrono::Duration::days(days_ago);
        let tx = store.begin(&Env::superuser()).await.unwrap();
        for i in 0..n {
            let msg_id = format!("msg_{state}_{days_ago}_{i}");
            let values: Vec<sea_orm::Value> = vec![
                msg_id.clone().into(),
                "rule".into(),
                1i64.into(),
                "rule".into(),
                "res.partner".into(),
                1i64.into(),
                "https://example.com/".into(),
                (i as i64).into(),
                "application/json".into(),
                "{}".into(),
                state.into(),
                1i32.into(),
                finished.into(),
                finished.into(),
            ];
            let row = BulkRow {
                table: "weft_delivery",
                columns: COLUMNS,
                values,
            };
            weft_store::insert_all(tx.connection(), vec![row])
                .await
                .unwrap();
            if state != "pending" {
                let set = Statement::from_sql_and_values(
                    store.backend(),
                    placeholders(
                        store.backend(),
                        "UPDATE weft_delivery SET finished_at = $1 WHERE msg_id = $2",
                    ),
                    [finished.into(), msg_id.clone().into()],
                );
                tx.connection().execute_raw(set).await.unwrap();
            }
            let attempt = Statement::from_sql_and_values(
                store.backend(),
                placeholders(
                    store.backend(),
                    "INSERT INTO weft_delivery_attempt (delivery_id, attempt, create_date, duration_ms, response_preview) \
                     SELECT id, 1, $1, 1.0, '' FROM weft_delivery WHERE msg_id = $2",
                ),
                [finished.into(), msg_id.into()],
            );
            tx.connection().execute_raw(attempt).await.unwrap();
        }
        tx.commit_only().await.unwrap();
    }

    async fn count(store: &Store, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = store
            .connection()
            .query_one_raw(Statement::from_string(store.backend(), sql))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "n").unwrap()
    }

    #[tokio::test]
    async fn retention_purges_old_finished_deliveries_with_their_attempts_only() {
        each_backend(Registry::demo, async |store, _| {
            deliveries(&store, "done", 20, 3).await;
            deliveries(&store, "dead", 20, 2).await;
            deliveries(&store, "done", 1, 2).await;
            deliveries(&store, "pending", 20, 2).await;
            let cutoff = source::now() - chrono::Duration::days(14);
            assert_eq!(
                purge_chunk(&store, cutoff, 4).await.unwrap(),
                4,
                "a chunk at a time"
            );
            assert_eq!(purge_chunk(&store, cutoff, 4).await.unwrap(), 1);
            assert_eq!(purge_chunk(&store, cutoff, 4).await.unwrap(), 0);
            // Recent finished ones and unfinished ones stay, each with its attempt.
            assert_eq!(count(&store, "weft_delivery").await, 4);
            assert_eq!(count(&store, "weft_delivery_attempt").await, 4);
        })
        .await;
    }
}
