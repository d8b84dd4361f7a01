//! Group commit for a SQLite file. SQLite commits cost more than the statements before them (each
//! commit appends every page it changed to the WAL: ten pages for an order with lines), and one
//! writer commits at a time. So write transactions that queue for the writer share one database
//! transaction: each runs inside its own savepoint, releases it on success (or rolls it back on
//! failure, which leaves the others untouched), and the batch commits once: when nobody else is
//! queued, when a member fails, or when a flusher queued behind the batch gets its turn. Nobody is
//! answered before the commit that holds their work: `Turn::end` returns when it has committed, or
//! its error.
//!
//! Beginning and ending a turn run as tasks of their own, so a caller that stops waiting (a
//! dropped request, a timeout) cannot leave a savepoint or a commit half-sent: the task finishes
//! and drops what its caller no longer wants, which rolls it back.

use crate::error::{Result, StoreError};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};
use tokio::task::JoinHandle;

/// The writer of a SQLite file and the batch being built on it.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    writer: DatabaseConnection,
    batch: Arc<Mutex<Batch>>,
    /// Transactions waiting for their turn: while there are some, a batch stays open for them.
    queued: Arc<AtomicUsize>,
}

type Outcome = std::result::Result<(), String>;

#[derive(Default)]
struct Batch {
    /// The database transaction the members released their savepoints into.
    open: Option<DatabaseTransaction>,
    /// Members whose work is in `open`, waiting to hear whether it committed.
    members: Vec<oneshot::Sender<Outcome>>,
    /// The task that will commit what is open when its turn comes, if one is on its way.
    flusher: Option<JoinHandle<()>>,
}

impl Batch {
    /// Commit what is open and tell its members. They are taken first: if this is cut short, they
    /// hear that their batch was abandoned, never a later batch's outcome.
    async fn commit(&mut self) {
        let members = std::mem::take(&mut self.members);
        let result = match self.open.take() {
            Some(tx) => tx.commit().await.map_err(|e| e.to_string()),
            None => Ok(()),
        };
        if let Err(e) = &result {
            tracing::error!(error = %e, members = members.len(), "a batch commit failed");
        }
        for member in members {
            let _ = member.send(result.clone());
        }
    }

    /// Roll back what is open: its members' work is lost, and they are told so.
    async fn abandon(&mut self, reason: &str) {
        let members = std::mem::take(&mut self.members);
        if let Some(tx) = self.open.take() {
            let _ = tx.rollback().await;
        }
        tracing::error!(reason, members = members.len(), "a batch was rolled back");
        for member in members {
            let _ = member.send(Err(reason.to_string()));
        }
    }
}

/// One transaction's turn at the writer, from `begin` to `end` (or drop).
pub(crate) struct Turn {
    batch: Option<OwnedMutexGuard<Batch>>,
    group: Arc<Mutex<Batch>>,
    queued: Arc<AtomicUsize>,
}

/// Counts a queued transaction until it has its turn or gives up waiting.
struct Queued(Arc<AtomicUsize>);

impl Drop for Queued {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The writer's turn, held with no transaction open (`GroupCommit::quiet`).
pub(crate) struct Quiet(#[allow(dead_code)] OwnedMutexGuard<Batch>);

/// Run `work` as a task of its own and wait for it: dropping the wait does not stop the work.
async fn to_completion<T: Send + 'static>(
    work: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    match tokio::spawn(work).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(StoreError::Database(DbErr::Custom(
            "the runtime stopped during a write".into(),
        ))),
    }
}

impl GroupCommit {
    pub(crate) fn new(writer: DatabaseConnection) -> GroupCommit {
        GroupCommit {
            writer,
            batch: Arc::default(),
            queued: Arc::default(),
        }
    }

    /// Wait for the writer, then open a savepoint in the current batch (starting one if needed).
    pub(crate) async fn begin(&self) -> Result<(DatabaseTransaction, Turn)> {
        let this = self.clone();
        to_completion(async move { this.take_turn().await }).await
    }

    async fn take_turn(self) -> Result<(DatabaseTransaction, Turn)> {
        let mut batch = {
            self.queued.fetch_add(1, Ordering::SeqCst);
            let _queued = Queued(self.queued.clone());
            self.batch.clone().lock_owned().await
        };
        if batch.open.is_none() {
            batch.open = Some(begin_immediate(&self.writer).await?);
        }
        match batch.open.as_ref().expect("opened above").begin().await {
            Ok(savepoint) => Ok((
                savepoint,
                Turn {
                    batch: Some(batch),
                    group: self.batch.clone(),
                    queued: self.queued.clone(),
                },
            )),
            Err(e) => {
                // The failed savepoint's cleanup may have rolled back the whole batch: nobody in
                // it can be told it committed.
                batch
                    .abandon(&format!("opening a savepoint failed: {e}"))
                    .await;
                Err(e.into())
            }
        }
    }

    /// Take the writer's turn with nothing open: the batch (if any) is committed first. Until the
    /// `Quiet` drops, no write transaction starts.
    pub(crate) async fn quiet(&self) -> Result<Quiet> {
        let batch = self.batch.clone();
        to_completion(async move {
            let mut batch = batch.lock_owned().await;
            batch.commit().await;
            Ok(Quiet(batch))
        })
        .await
    }
}

/// A write transaction; on SQLite `BEGIN IMMEDIATE`, which takes the write lock now rather than at
/// the first write (a deferred transaction that must upgrade can fail instead of waiting).
pub(crate) async fn begin_immediate(
    db: &DatabaseConnection,
) -> std::result::Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    db.begin_with_options(options).await
}

impl Turn {
    /// End the turn after the savepoint was released (`kept`) or rolled back. A kept turn returns
    /// once the batch holding it has committed. A rolled-back turn commits the batch at once: the
    /// failure may have been one after which SQLite rolls back the whole transaction (disk full, an
    /// I/O error), and whoever came next would otherwise start a transaction of its own and commit
    /// it with its savepoint, ahead of the batch it believes it is in.
    pub(crate) async fn end(self, kept: bool) -> Result<()> {
        let outcome = to_completion(self.hand_on(kept)).await?;
        let Some(outcome) = outcome else {
            return Ok(());
        };
        match outcome.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Database(DbErr::Custom(format!(
                "the commit failed: {e}"
            )))),
            Err(_) => Err(StoreError::Database(DbErr::Custom(
                "the batch was abandoned before it committed".into(),
            ))),
        }
    }

    /// Join the batch's outcome (when `kept`), then commit it or leave it open for the queue.
    async fn hand_on(mut self, kept: bool) -> Result<Option<oneshot::Receiver<Outcome>>> {
        let mut batch = self.batch.take().expect("a turn ends once");
        let outcome = kept.then(|| {
            let (tx, rx) = oneshot::channel();
            batch.members.push(tx);
            rx
        });
        if !kept || self.queued.load(Ordering::SeqCst) == 0 {
            batch.commit().await;
        } else {
            leave_open(batch, &self.group);
        }
        Ok(outcome)
    }
}

impl Drop for Turn {
    /// A transaction dropped mid-way: its savepoint rolls back with it (queued to the connection
    /// first, as `Tx` drops its savepoint before its turn). As for a rollback, the batch commits
    /// before the writer is handed on.
    fn drop(&mut self) {
        let Some(mut batch) = self.batch.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to commit from: the next transaction joins the batch and commits it.
            return;
        };
        runtime.spawn(async move { batch.commit().await });
    }
}

/// Hand the writer on with the batch open, making sure a flusher will commit it.
fn leave_open(mut batch: OwnedMutexGuard<Batch>, group: &Arc<Mutex<Batch>>) {
    let flusher_on_its_way = batch.flusher.as_ref().is_some_and(|f| !f.is_finished());
    if batch.open.is_none() || flusher_on_its_way {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        // No runtime to flush from: the next transaction to begin joins and commits the batch.
        return;
    };
    let group = group.clone();
    batch.flusher = Some(runtime.spawn(async move {
        let mut batch = group.lock_owned().await;
        batch.flusher = None;
        batch.commit().await;
    }));
}
