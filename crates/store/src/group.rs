//! Group commit for a SQLite file. SQLite commits cost more than the statements before them (each
//! commit appends every page it changed to the WAL: ten pages for an order with lines), and one
//! writer commits at a time. So write transactions that queue for the writer share one database
//! transaction: each runs inside its own savepoint, releases it on success (or rolls it back on
//! failure, which leaves the others untouched), and the batch commits once when nobody else is
//! queued, or when a flusher queued behind the batch gets its turn. Nobody is answered before the
//! commit that holds their work: `Turn::end` returns when it has committed, or its error.

use crate::error::{Result, StoreError};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

/// The writer of a SQLite file and the batch being built on it.
#[derive(Clone)]
pub(crate) struct GroupCommit {
    writer: DatabaseConnection,
    batch: Arc<Mutex<Batch>>,
    /// Transactions waiting for their turn: while there are some, a batch stays open for them.
    queued: Arc<AtomicUsize>,
}

#[derive(Default)]
struct Batch {
    /// The database transaction the members released their savepoints into.
    open: Option<DatabaseTransaction>,
    /// Members whose work is in `open`, waiting to hear whether it committed.
    members: Vec<oneshot::Sender<std::result::Result<(), String>>>,
    /// A flusher is queued for the writer and will commit what is open when its turn comes.
    flusher_queued: bool,
}

impl Batch {
    async fn commit(&mut self) {
        let result = match self.open.take() {
            Some(tx) => tx.commit().await.map_err(|e| e.to_string()),
            None => Ok(()),
        };
        if let Err(e) = &result {
            tracing::error!(error = %e, members = self.members.len(), "a batch commit failed");
        }
        for member in self.members.drain(..) {
            let _ = member.send(result.clone());
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
        let mut guard = {
            self.queued.fetch_add(1, Ordering::SeqCst);
            let _queued = Queued(self.queued.clone());
            self.batch.clone().lock_owned().await
        };
        if guard.open.is_none() {
            guard.open = Some(begin_immediate(&self.writer).await?);
        }
        let savepoint = guard.open.as_ref().expect("opened above").begin().await?;
        Ok((
            savepoint,
            Turn {
                batch: Some(guard),
                group: self.batch.clone(),
                queued: self.queued.clone(),
            },
        ))
    }
}

/// The writer's turn, held with no transaction open (`GroupCommit::quiet`).
pub(crate) struct Quiet(#[allow(dead_code)] OwnedMutexGuard<Batch>);

impl GroupCommit {
    /// Take the writer's turn with nothing open: the batch (if any) is committed first. Until the
    /// `Quiet` drops, no write transaction starts.
    pub(crate) async fn quiet(&self) -> Quiet {
        let mut batch = self.batch.clone().lock_owned().await;
        batch.commit().await;
        Quiet(batch)
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
    /// once the batch holding it has committed.
    pub(crate) async fn end(mut self, kept: bool) -> Result<()> {
        let mut batch = self.batch.take().expect("a turn ends once");
        let outcome = kept.then(|| {
            let (tx, rx) = oneshot::channel();
            batch.members.push(tx);
            rx
        });
        if self.queued.load(Ordering::SeqCst) == 0 {
            batch.commit().await;
        } else {
            leave_open(batch, &self.group);
        }
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
}

impl Drop for Turn {
    /// A transaction dropped mid-way: its savepoint rolls back with it; the batch it leaves must
    /// still commit for the others.
    fn drop(&mut self) {
        if let Some(batch) = self.batch.take() {
            leave_open(batch, &self.group);
        }
    }
}

/// Hand the writer on with the batch open, making sure a flusher will commit it.
fn leave_open(mut batch: OwnedMutexGuard<Batch>, group: &Arc<Mutex<Batch>>) {
    if batch.open.is_none() || batch.flusher_queued {
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        // No runtime to flush from: the next transaction to begin joins and commits the batch.
        return;
    };
    batch.flusher_queued = true;
    let group = group.clone();
    drop(batch);
    runtime.spawn(async move {
        let mut batch = group.lock_owned().await;
        batch.flusher_queued = false;
        batch.commit().await;
    });
}
