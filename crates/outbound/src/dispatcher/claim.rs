//! Claiming due deliveries: on PostgreSQL a lease per row under `FOR UPDATE SKIP LOCKED`, on
//! SQLite an in-memory claim by the holder of the database's dispatcher lease; both only the
//! oldest unfinished delivery of each ordering key, and none to a paused URL. Also the reaping of
//! expired leases.

use super::{DATABASE_LEASE, Dispatcher, LEASE_MARGIN};
use crate::send::Claimed;
use crate::source::{self, SourceKind};
use chrono::NaiveDateTime;
use rand::Rng;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::time::{Duration, Instant};
use weft_store::{Result, Store};

impl Dispatcher {
    /// Mark up to `limit` due deliveries `sending` under this dispatcher's lease and return them.
    pub(super) async fn claim(&self, limit: usize) -> Result<Vec<Claimed>> {
        if self.store.backend() != DatabaseBackend::Postgres {
            return self.claim_in_memory(limit).await;
        }
        let now = source::now();
        let lease_until = now + chrono::Duration::from_std(self.lease_length()).unwrap_or_default();
        let sql = claim_sql();
        // Each claim has its own token: an outcome is stored only while the row still carries
        // it, so a row whose lease ran out and was claimed again is not touched by the old claim.
        let token: i64 = rand::rng().random_range(1..i64::MAX);
        let values: Vec<sea_orm::Value> = vec![
            lease_until.into(),
            token.into(),
            now.into(),
            (limit as i64).into(),
        ];
        let statement = Statement::from_sql_and_values(self.store.backend(), sql, values);
        let store = self.store.clone();
        let rows = self
            .store
            .on_writer(async move {
                let tx = store.begin(&weft_store::Env::superuser()).await?;
                let rows = tx.connection().query_all_raw(statement).await?;
                tx.commit_only().await?;
                Ok::<_, weft_store::StoreError>(rows)
            })
            .await?;
        let expires = Instant::now() + self.lease_length();
        let mut claimed = rows
            .iter()
            .map(|row| claimed_from_row(row, token, expires))
            .collect::<std::result::Result<Vec<_>, sea_orm::DbErr>>()?;
        claimed.sort_by_key(|c| c.id);
        Ok(claimed)
    }

    /// Claim on a SQLite file: this process holds the database's dispatcher lease, so no other
    /// dispatcher can send; the claim is kept in memory (`held`) and costs the single writer
    /// nothing. Held rows stay `pending` in the table, so the ordering check still sees them,
    /// and after a crash they are simply due again.
    async fn claim_in_memory(&self, limit: usize) -> Result<Vec<Claimed>> {
        let held = self.held.lock().expect("held lock").clone();
        let sql = placeholders(self.store.backend(), &claim_sql_in_memory());
        let values: Vec<sea_orm::Value> =
            vec![source::now().into(), ((limit + held.len()) as i64).into()];
        let statement = Statement::from_sql_and_values(self.store.backend(), sql, values);
        let rows = self.store.connection().query_all_raw(statement).await?;
        let far = Instant::now() + Duration::from_secs(86_400);
        let mut claimed = Vec::with_capacity(limit);
        for row in &rows {
            let delivery = claimed_from_row(row, 0, far)?;
            if !held.contains(&delivery.id) && claimed.len() < limit {
                claimed.push(delivery);
            }
        }
        self.held
            .lock()
            .expect("held lock")
            .extend(claimed.iter().map(|c| c.id));
        Ok(claimed)
    }

    /// The longest a claimed delivery may take: the longest timeout any source may set.
    fn lease_length(&self) -> Duration {
        let defaults = (self.defaults)();
        let longest = self
            .sources
            .current()
            .longest_timeout()
            .max(defaults.timeout_s);
        Duration::from_secs(longest as u64) + LEASE_MARGIN
    }

    /// Return deliveries whose lease expired (their dispatcher died or stalled) to the queue.
    pub(super) async fn reap(&self) -> Result<()> {
        let sql = "UPDATE weft_delivery SET state = 'pending', lease_until = NULL, lease_owner = NULL \
                   WHERE state = 'sending' AND lease_until < $1";
        self.execute(sql, vec![source::now().into()])
            .await
            .map(|_| ())
    }

    /// How long until the next delivery waiting for a retry falls due.
    pub(super) async fn next_due(&self) -> Result<Option<Duration>> {
        let now = source::now();
        let sql = "SELECT MIN(next_attempt_at) AS due FROM weft_delivery d \
                   WHERE state = 'pending' AND next_attempt_at > $1 \
                   AND NOT EXISTS (SELECT 1 FROM weft_target_pause p WHERE p.url = d.url)";
        let statement = Statement::from_sql_and_values(
            self.store.backend(),
            placeholders(self.store.backend(), sql),
            [now.into()],
        );
        let row = self.store.connection().query_one_raw(statement).await?;
        let due: Option<NaiveDateTime> = match row {
            Some(row) => row.try_get("", "due")?,
            None => None,
        };
        Ok(due.map(|due| (due - now).to_std().unwrap_or_default()))
    }

    async fn execute(&self, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64> {
        execute(&self.store, sql, values).await
    }

    /// On SQLite, hold the database's dispatcher lease (renewed as it runs); elsewhere, always.
    /// Taking it over from a holder that stopped renewing returns that holder's deliveries.
    pub(super) async fn hold_database_lease(&self, renewed: &mut Option<Instant>) -> bool {
        if self.store.backend() == DatabaseBackend::Postgres {
            return true;
        }
        if renewed.is_some_and(|at| at.elapsed() < DATABASE_LEASE / 3) {
            return true;
        }
        let now = source::now();
        let until = now + chrono::Duration::from_std(DATABASE_LEASE).unwrap_or_default();
        let sql = "INSERT INTO weft_dispatcher_lease (name, owner, lease_until) VALUES ('dispatcher', $1, $2) \
                   ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until \
                   WHERE weft_dispatcher_lease.owner = excluded.owner OR weft_dispatcher_lease.lease_until < $3";
        match self
            .execute(sql, vec![self.owner.into(), until.into(), now.into()])
            .await
        {
            Ok(1) => {
                // An earlier holder's deliveries go back to the queue as their leases run out
                // (`reap`), not before: it may still be storing their outcomes.
                if renewed.is_none() {
                    tracing::info!("dispatching deliveries for this database");
                }
                *renewed = Some(Instant::now());
                true
            }
            Ok(_) => {
                if renewed.take().is_some() {
                    tracing::warn!("another process took over dispatching for this database");
                }
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "renewing the dispatcher lease failed");
                renewed.is_some_and(|at| at.elapsed() < DATABASE_LEASE)
            }
        }
    }
}

/// What releasing the SQLite dispatcher lease needs, once the dispatcher itself is gone.
pub(super) struct LeaseHolder {
    pub(super) store: Store,
    pub(super) owner: i64,
}

impl LeaseHolder {
    pub(super) async fn release(&self) {
        if self.store.backend() == DatabaseBackend::Postgres {
            return;
        }
        let sql = "DELETE FROM weft_dispatcher_lease WHERE name = 'dispatcher' AND owner = $1";
        if let Err(e) = execute(&self.store, sql, vec![self.owner.into()]).await {
            tracing::warn!(error = %e, "releasing the dispatcher lease failed");
        }
    }
}

/// Run one statement in a transaction of its own on the writer; rows affected.
async fn execute(store: &Store, sql: &str, values: Vec<sea_orm::Value>) -> Result<u64> {
    let statement =
        Statement::from_sql_and_values(store.backend(), placeholders(store.backend(), sql), values);
    let writer = store.clone();
    store
        .on_writer(async move {
            let tx = writer.begin(&weft_store::Env::superuser()).await?;
            let result = tx.connection().execute_raw(statement).await?;
            tx.commit_only().await?;
            Ok(result.rows_affected())
        })
        .await
}

/// `$n` placeholders as SQLite wants them (`?n` keeps the numbering).
pub(crate) fn placeholders(backend: DatabaseBackend, sql: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => sql.to_string(),
        _ => sql.replace('$', "?"),
    }
}

/// Due, pending, its URL not paused, no unfinished delivery of the same key before it (`$3` is
/// now). The pause table holds the few URLs a person paused, looked up by primary key.
const DUE: &str = "d.state = 'pending' AND d.next_attempt_at <= $3 \
    AND NOT EXISTS (SELECT 1 FROM weft_target_pause p WHERE p.url = d.url) \
    AND NOT EXISTS (SELECT 1 FROM weft_delivery e WHERE e.order_key = d.order_key AND e.id < d.id \
                    AND e.state IN ('pending', 'sending'))";
const CLAIMED_COLUMNS: &str =
    "id, msg_id, source_kind, source_id, model, res_id, url, content_type, body, attempts";

/// The in-memory claim's query (SQLite), oldest due first: `$1` is now, `$2` how many.
fn claim_sql_in_memory() -> String {
    let due = DUE.replace("$3", "$1");
    format!(
        "SELECT {CLAIMED_COLUMNS} FROM weft_delivery d WHERE {due} \
         ORDER BY d.next_attempt_at, d.id LIMIT $2"
    )
}

/// Claim on PostgreSQL: mark due rows `sending` under a lease, skipping the rows another
/// instance is claiming at the same moment.
fn claim_sql() -> String {
    format!(
        "UPDATE weft_delivery SET state = 'sending', lease_until = $1, lease_owner = $2 \
         WHERE id IN (SELECT d.id FROM weft_delivery d WHERE {DUE} \
           ORDER BY d.next_attempt_at, d.id LIMIT $4 FOR UPDATE SKIP LOCKED) \
         RETURNING {CLAIMED_COLUMNS}"
    )
}

fn claimed_from_row(
    row: &sea_orm::QueryResult,
    token: i64,
    lease_expires: Instant,
) -> std::result::Result<Claimed, sea_orm::DbErr> {
    let kind: String = row.try_get("", "source_kind")?;
    Ok(Claimed {
        token,
        lease_expires,
        id: row.try_get("", "id")?,
        msg_id: row.try_get("", "msg_id")?,
        kind: SourceKind::parse(&kind).unwrap_or(SourceKind::Rule),
        source_id: row.try_get("", "source_id")?,
        model: row.try_get("", "model")?,
        res_id: row.try_get("", "res_id")?,
        url: row.try_get("", "url")?,
        content_type: row.try_get("", "content_type")?,
        body: row.try_get("", "body")?,
        attempts: row.try_get("", "attempts")?,
    })
}
