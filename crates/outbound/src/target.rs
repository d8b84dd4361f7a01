//! Outbound targets (the URLs deliveries go to): pausing and resuming one, and each one's figures
//! for the console's Targets page.
//!
//! A pause is a row of `weft_target_pause`, so it holds for every instance and survives a
//! restart: the dispatcher's claim skips deliveries to a paused URL (see `dispatcher`), so they
//! stay `pending` with their attempts and `next_attempt_at` untouched, and go out as soon as the
//! URL is resumed. Resuming wakes the dispatchers (NOTIFY on PostgreSQL; the caller signals its
//! own process's).
//!
//! `targets` gathers the figures with one grouped query per table, never one per URL, nor a
//! list of ids as long as the URLs are many.

use crate::dispatcher::placeholders;
use crate::entity::target_pause;
use crate::outbox::CHANNEL;
use crate::source;
use chrono::NaiveDateTime;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, Set, Statement};
use std::collections::{BTreeMap, HashSet};
use weft_store::{Result, Store};

/// Longest URL a pause accepts (deliveries' URLs are far shorter).
const MAX_URL: usize = 4096;

/// Why a URL cannot be paused.
#[derive(Debug, thiserror::Error)]
pub enum PauseError {
    #[error("the URL is empty")]
    Empty,
    #[error("the URL is longer than {MAX_URL} characters")]
    TooLong,
    #[error(transparent)]
    Store(#[from] weft_store::StoreError),
}

/// Pause `url` on behalf of user `by`: no delivery to it is sent until `resume`. Returns false
/// when it was paused already (the first pause, its time and author, stand).
pub async fn pause(
    store: &Store,
    url: &str,
    by: i64,
    note: Option<&str>,
) -> std::result::Result<bool, PauseError> {
    if url.trim().is_empty() {
        return Err(PauseError::Empty);
    }
    if url.len() > MAX_URL {
        return Err(PauseError::TooLong);
    }
    let row = target_pause::ActiveModel {
        url: Set(url.to_string()),
        paused_at: Set(source::now()),
        paused_by: Set(by),
        note: Set(note
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(String::from)),
    };
    let inserted = target_pause::Entity::insert(row)
        .on_conflict(
            OnConflict::column(target_pause::Column::Url)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(store.writer())
        .await
        .map_err(weft_store::StoreError::from)?;
    Ok(inserted > 0)
}

/// Resume `url`: its waiting deliveries are due again at once. Returns false when it was not
/// paused. Every instance's dispatcher is woken on PostgreSQL; the caller wakes its own.
pub async fn resume(store: &Store, url: &str) -> Result<bool> {
    let deleted = target_pause::Entity::delete_by_id(url.to_string())
        .exec(store.writer())
        .await?
        .rows_affected;
    if deleted > 0 && store.backend() == DatabaseBackend::Postgres {
        let notify = Statement::from_string(
            DatabaseBackend::Postgres,
            format!("SELECT pg_notify('{CHANNEL}', '')"),
        );
        store.writer().execute_raw(notify).await?;
    }
    Ok(deleted > 0)
}

/// The paused URLs.
pub async fn paused(store: &Store) -> Result<HashSet<String>> {
    Ok(pauses(store).await?.into_iter().map(|p| p.url).collect())
}

/// A paused URL: since when, by whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Pause {
    pub url: String,
    pub paused_at: NaiveDateTime,
    pub paused_by: i64,
    /// The login of `paused_by`, unless that user is gone.
    pub login: Option<String>,
    pub note: Option<String>,
}

/// Every pause, by URL, with the login of the user who made it.
pub async fn pauses(store: &Store) -> Result<Vec<Pause>> {
    let sql = "SELECT p.url, p.paused_at, p.paused_by, p.note, u.login FROM weft_target_pause p \
               LEFT JOIN res_users u ON u.id = p.paused_by ORDER BY p.url";
    let rows = store
        .connection()
        .query_all_raw(Statement::from_string(store.backend(), sql))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Pause {
                url: r.try_get("", "url")?,
                paused_at: r.try_get("", "paused_at")?,
                paused_by: r.try_get("", "paused_by")?,
                login: r.try_get("", "login")?,
                note: r.try_get("", "note")?,
            })
        })
        .collect::<std::result::Result<_, sea_orm::DbErr>>()
        .map_err(Into::into)
}

/// One target's figures. Attempts and failures count those made since the time asked for; the
/// queue counts (pending, sending, dead) are the deliveries in that state now, whatever their age.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetStats {
    pub url: String,
    /// The active rules (static endpoint) and subscriptions that send here, as `rule:3 Name`.
    pub sources: Vec<String>,
    pub attempts: i64,
    /// Attempts with an error: no answer, or one other than 2xx.
    pub failures: i64,
    pub last_attempt_at: Option<NaiveDateTime>,
    /// The latest failure: its error and when.
    pub last_error: Option<String>,
    pub last_error_at: Option<NaiveDateTime>,
    pub pending: i64,
    /// Leased by a dispatcher (PostgreSQL; SQLite keeps its claims in memory).
    pub sending: i64,
    pub dead: i64,
    pub pause: Option<Pause>,
}

impl TargetStats {
    /// Failures per attempt, 0.0 to 1.0; None without attempts.
    pub fn failure_rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.failures as f64 / self.attempts as f64)
    }
}

/// Every target known: URLs attempted since `since`, with deliveries waiting or dead, named by
/// an active source, or paused; by URL.
pub async fn targets(store: &Store, since: NaiveDateTime) -> Result<Vec<TargetStats>> {
    let mut by_url: BTreeMap<String, TargetStats> = BTreeMap::new();
    let conn = store.connection();
    let backend = store.backend();

    // Attempts since `since`, by URL (the attempt's time is indexed).
    let sql = "SELECT d.url AS url, COUNT(*) AS attempts, \
               COUNT(CASE WHEN a.error IS NOT NULL THEN 1 END) AS failures, \
               MAX(a.create_date) AS last_at \
               FROM weft_delivery_attempt a JOIN weft_delivery d ON d.id = a.delivery_id \
               WHERE a.create_date >= $1 GROUP BY d.url";
    let window: [sea_orm::Value; 1] = [since.into()];
    for r in conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, sql),
            window.clone(),
        ))
        .await?
    {
        let url: String = r.try_get("", "url")?;
        let t = stats(&mut by_url, &url);
        t.attempts = r.try_get("", "attempts")?;
        t.failures = r.try_get("", "failures")?;
        t.last_attempt_at = r.try_get("", "last_at")?;
    }
    // The latest failure of each URL: a grouped subquery joined back by primary key, so the
    // query stays one, whatever the number of URLs (no list of ids is sent).
    let sql = "SELECT d.url AS url, a.error AS error, a.create_date AS at \
               FROM (SELECT MAX(a.id) AS id FROM weft_delivery_attempt a \
               JOIN weft_delivery d ON d.id = a.delivery_id \
               WHERE a.create_date >= $1 AND a.error IS NOT NULL GROUP BY d.url) f \
               JOIN weft_delivery_attempt a ON a.id = f.id \
               JOIN weft_delivery d ON d.id = a.delivery_id";
    for r in conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, sql),
            window,
        ))
        .await?
    {
        let url: String = r.try_get("", "url")?;
        let t = stats(&mut by_url, &url);
        t.last_error = r.try_get("", "error")?;
        t.last_error_at = r.try_get("", "at")?;
    }

    // The queue now, by URL (the state is indexed; done deliveries are not read).
    let sql = "SELECT url, COUNT(CASE WHEN state = 'pending' THEN 1 END) AS pending, \
               COUNT(CASE WHEN state = 'sending' THEN 1 END) AS sending, \
               COUNT(CASE WHEN state = 'dead' THEN 1 END) AS dead \
               FROM weft_delivery WHERE state IN ('pending', 'sending', 'dead') GROUP BY url";
    for r in conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        let url: String = r.try_get("", "url")?;
        let t = stats(&mut by_url, &url);
        t.pending = r.try_get("", "pending")?;
        t.sending = r.try_get("", "sending")?;
        t.dead = r.try_get("", "dead")?;
    }

    // The URLs active sources name (a rule whose URL comes from each record names none).
    let sql = "SELECT 'rule' AS kind, id, name, endpoint_url AS url FROM weft_outbound_rule \
               WHERE active AND endpoint_source = 'static' AND endpoint_url IS NOT NULL \
               UNION ALL SELECT 'subscription' AS kind, id, name, address AS url \
               FROM weft_subscription WHERE active ORDER BY kind, id";
    for r in conn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?
    {
        let url: String = r.try_get("", "url")?;
        let kind: String = r.try_get("", "kind")?;
        let id: i64 = r.try_get("", "id")?;
        let name: String = r.try_get("", "name")?;
        stats(&mut by_url, &url)
            .sources
            .push(format!("{kind}:{id} {name}"));
    }

    for p in pauses(store).await? {
        let url = p.url.clone();
        stats(&mut by_url, &url).pause = Some(p);
    }
    Ok(by_url.into_values().collect())
}

fn stats<'a>(map: &'a mut BTreeMap<String, TargetStats>, url: &str) -> &'a mut TargetStats {
    map.entry(url.to_string()).or_insert_with(|| TargetStats {
        url: url.to_string(),
        ..TargetStats::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_registry::Registry;
    use weft_store::testing::each_backend;

    /// A delivery to `url` in `state`, with an attempt `hours_ago` per error (None = answered).
    async fn delivery(store: &Store, url: &str, state: &str, attempts: &[(i64, Option<&str>)]) {
        let now = source::now();
        let id: i64 = rand::random_range(1..i64::MAX / 2);
        let sql = "INSERT INTO weft_delivery (id, msg_id, source_kind, source_id, event, model, res_id, \
                   url, order_key, content_type, body, state, attempts, next_attempt_at, create_date) \
                   VALUES ($1, $2, 'rule', 1, 'rule', 'res.partner', 1, $3, $1, 'application/json', '{}', \
                   $4, 0, $5, $5)";
        let values: Vec<sea_orm::Value> = vec![
            id.into(),
            format!("msg_{id}").into(),
            url.into(),
            state.into(),
            now.into(),
        ];
        let conn = store.writer();
        let backend = store.backend();
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            placeholders(backend, sql),
            values,
        ))
        .await
        .unwrap();
        for (n, (hours_ago, error)) in attempts.iter().enumerate() {
            let sql = "INSERT INTO weft_delivery_attempt (delivery_id, attempt, create_date, \
                       duration_ms, status, error, response_preview) VALUES ($1, $2, $3, 1.0, $4, $5, '')";
            let at = now - chrono::Duration::hours(*hours_ago);
            let values: Vec<sea_orm::Value> = vec![
                id.into(),
                (n as i32 + 1).into(),
                at.into(),
                Some(if error.is_some() { 500 } else { 200 }).into(),
                error.map(str::to_string).into(),
            ];
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(backend, sql),
                values,
            ))
            .await
            .unwrap();
        }
    }

    #[tokio::test]
    async fn figures_per_target_over_the_window_and_pauses_by_url() {
        each_backend(Registry::demo, async |store, _| {
            let a = "https://a.example/hook";
            let b = "https://b.example/hook";
            delivery(&store, a, "done", &[(3, Some("first")), (2, None)]).await;
            delivery(&store, a, "dead", &[(1, Some("the receiver answered 500"))]).await;
            delivery(&store, a, "pending", &[]).await;
            // Only attempts older than the window: b is not a target of the last 24 h.
            delivery(&store, b, "done", &[(30, Some("old"))]).await;
            let since = source::now() - chrono::Duration::hours(24);
            let targets = targets(&store, since).await.unwrap();
            assert_eq!(targets.len(), 1, "{targets:?}");
            let t = &targets[0];
            assert_eq!(t.url, a);
            assert_eq!((t.attempts, t.failures), (3, 2));
            assert_eq!(t.failure_rate(), Some(2.0 / 3.0));
            assert_eq!(t.last_error.as_deref(), Some("the receiver answered 500"));
            assert!(t.last_error_at.is_some());
            assert_eq!((t.pending, t.sending, t.dead), (1, 0, 1));
            assert!(t.pause.is_none());

            // Paused: listed even without deliveries, once; a second pause changes nothing.
            assert!(pause(&store, b, 7, Some(" maintenance ")).await.unwrap());
            assert!(!pause(&store, b, 8, None).await.unwrap());
            assert!(matches!(
                pause(&store, " ", 7, None).await,
                Err(PauseError::Empty)
            ));
            assert_eq!(
                paused(&store).await.unwrap(),
                HashSet::from([b.to_string()])
            );
            let targets = self::targets(&store, since).await.unwrap();
            let p = targets[1].pause.as_ref().expect("b is paused");
            assert_eq!((targets[1].url.as_str(), p.paused_by), (b, 7));
            assert_eq!(p.note.as_deref(), Some("maintenance"));
            assert!(resume(&store, b).await.unwrap());
            assert!(!resume(&store, b).await.unwrap(), "not paused any more");
            assert!(paused(&store).await.unwrap().is_empty());
        })
        .await;
    }

    /// More failing URLs than a query can take parameters (SQLite 32766, PostgreSQL 65535): the
    /// figures are still read, each URL with its own last error.
    #[tokio::test]
    async fn many_failing_targets_are_read_without_a_list_of_ids() {
        each_backend(Registry::demo, async |store, _| {
            const URLS: i64 = 70_000;
            let now = source::now();
            let conn = store.writer();
            let backend = store.backend();
            let deliveries = format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {URLS}) \
                 INSERT INTO weft_delivery (id, msg_id, source_kind, source_id, event, model, res_id, \
                 url, order_key, content_type, body, state, attempts, next_attempt_at, create_date) \
                 SELECT i, 'm' || i, 'rule', 1, 'rule', 'res.partner', i, \
                 'https://t' || i || '.example/', i, 'application/json', '{{}}', 'done', 1, $1, $1 FROM n"
            );
            let attempts = "INSERT INTO weft_delivery_attempt (delivery_id, attempt, create_date, \
                            duration_ms, status, error, response_preview) SELECT id, 1, $1, 1.0, 500, \
                            'failed ' || id, '' FROM weft_delivery";
            for sql in [deliveries.as_str(), attempts] {
                conn.execute_raw(Statement::from_sql_and_values(
                    backend,
                    placeholders(backend, sql),
                    [now.into()],
                ))
                .await
                .unwrap();
            }
            let since = now - chrono::Duration::hours(24);
            let targets = targets(&store, since).await.unwrap();
            assert_eq!(targets.len() as i64, URLS);
            let t = targets
                .iter()
                .find(|t| t.url == "https://t12345.example/")
                .unwrap();
            assert_eq!((t.attempts, t.failures), (1, 1));
            assert_eq!(t.last_error.as_deref(), Some("failed 12345"));
        })
        .await;
    }

    #[test]
    fn the_failure_rate_is_failures_per_attempt() {
        let mut t = TargetStats::default();
        assert_eq!(t.failure_rate(), None, "no attempts, no rate");
        t.attempts = 4;
        t.failures = 1;
        assert_eq!(t.failure_rate(), Some(0.25));
    }

    /// How long `targets` takes over 1M finished deliveries (1M attempts, 100k of them in the
    /// window) to 50 URLs, on SQLite: `cargo test -p weft-outbound --release --lib
    /// target::tests::bench -- --ignored --nocapture`.
    #[tokio::test]
    #[ignore]
    async fn bench_targets_over_a_million_deliveries() {
        let db = weft_store::testing::TestDb::new(weft_store::testing::Backend::Sqlite).await;
        let store = db.store(Registry::demo()).await;
        let now = source::now();
        let old = now - chrono::Duration::days(3);
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000) \
                   INSERT INTO weft_delivery (id, msg_id, source_kind, source_id, event, model, res_id, \
                   url, order_key, content_type, body, state, attempts, next_attempt_at, create_date) \
                   SELECT i, 'm' || i, 'rule', 1, 'rule', 'res.partner', i, \
                   'https://t' || (i % 50) || '.example/', i, 'application/json', '{}', \
                   CASE WHEN i % 1000 = 0 THEN 'dead' WHEN i % 997 = 0 THEN 'pending' ELSE 'done' END, \
                   1, $1, $1 FROM n";
        let conn = store.writer();
        let backend = store.backend();
        let run = async |sql: &str, at: NaiveDateTime| {
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(backend, sql),
                [at.into()],
            ))
            .await
            .unwrap();
        };
        run(sql, old).await;
        let attempts = "INSERT INTO weft_delivery_attempt (delivery_id, attempt, create_date, duration_ms, \
                        status, error, response_preview) SELECT id, 1, \
                        CASE WHEN id > 900000 THEN $1 ELSE create_date END, 1.0, \
                        CASE WHEN id % 10 = 0 THEN 500 ELSE 200 END, \
                        CASE WHEN id % 10 = 0 THEN 'the receiver answered 500' END, '' FROM weft_delivery";
        run(attempts, now - chrono::Duration::hours(1)).await;
        conn.execute_unprepared("ANALYZE").await.unwrap();
        let since = now - chrono::Duration::hours(24);
        for _ in 0..3 {
            let started = std::time::Instant::now();
            let targets = targets(&store, since).await.unwrap();
            let took = started.elapsed();
            assert_eq!(targets.len(), 50);
            assert_eq!(targets.iter().map(|t| t.attempts).sum::<i64>(), 100_000);
            eprintln!("targets over 1M deliveries: {took:?}");
        }
    }
}
