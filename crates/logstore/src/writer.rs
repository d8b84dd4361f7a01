//! The log writer: a call hands its log over without waiting for the database, and a task of its
//! own stores what has arrived, together, in one transaction: at most `FLUSH_EVERY` after the first
//! log of a batch, or at once when `BATCH_ROWS` are waiting.
//!
//! Why not in the call's own transaction: a log row and its six indexes, written with each call,
//! cost create_data 15-22 % of its throughput on SQLite (every group commit touched a leaf page of
//! each index and wrote it to the WAL), and a WAL flush per call on PostgreSQL; masking and
//! previews on the request's path cost more. A batch of a hundred rows touches those pages once,
//! and this task makes the previews (BENCHMARKS.md). The price is a window: a log is normally
//! stored within `FLUSH_EVERY` of its call's answer (longer when the database falls behind), so a
//! process killed outright loses the logs still waiting; a graceful stop stores them all (`flush`,
//! and the task drains its queue when the last `LogWriter` is dropped). The review API flushes
//! before it reads, so a caller always finds the log of a call it has had the answer of.

use crate::{Entry, LogError, Side, log_row, write_prepared};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::time::Instant;
use weft_store::{Env, Store};

/// How long the first log of a batch waits for others before the batch is stored.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// A batch is stored at once when this many logs are waiting.
const BATCH_ROWS: usize = 1_000;
/// Logs waiting for the database before `record` waits too (the database has stalled).
const QUEUE: usize = 20_000;
/// Bytes of bodies waiting, likewise: a few very large calls must not hold memory unbounded.
const QUEUE_BYTES: usize = 64 << 20;
/// A batch the database refused is tried once more after this pause, then log by log.
const RETRY_AFTER: Duration = Duration::from_secs(1);

enum Message {
    /// A log, and its share of `QUEUE_BYTES`, given back once it is stored.
    Log(Box<Entry>, OwnedSemaphorePermit),
    /// Store every log received before this, then answer.
    Flush(oneshot::Sender<()>),
}

/// Hands logs to the task that stores them. Cheap to clone; the task ends, after storing what it
/// holds, when the last clone is dropped.
#[derive(Clone)]
pub struct LogWriter {
    sender: mpsc::Sender<Message>,
    budget: Arc<Semaphore>,
}

impl LogWriter {
    /// Start the task that stores the logs in `store` (on the current Tokio runtime).
    pub fn start(store: Store) -> LogWriter {
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(run(store, receiver));
        LogWriter {
            sender,
            budget: Arc::new(Semaphore::new(QUEUE_BYTES)),
        }
    }

    /// Hand a log over. Waits only when `QUEUE` logs or `QUEUE_BYTES` are already waiting.
    pub async fn record(&self, entry: Entry) {
        let weight = entry.weight().clamp(1, QUEUE_BYTES) as u32;
        let Ok(share) = self.budget.clone().acquire_many_owned(weight).await else {
            return; // never closed
        };
        let message = Message::Log(Box::new(entry), share);
        if self.sender.send(message).await.is_err() {
            tracing::error!("a log was recorded after its writer stopped; it is lost");
        }
    }

    /// Wait until every log recorded before this call is stored (or reported lost).
    pub async fn flush(&self) {
        let (done, stored) = oneshot::channel();
        if self.sender.send(Message::Flush(done)).await.is_ok() {
            let _ = stored.await;
        }
    }
}

async fn run(store: Store, mut receiver: mpsc::Receiver<Message>) {
    let mut batch = Vec::new();
    let mut shares = Vec::new();
    let mut flushed = Vec::new();
    while let Some(first) = receiver.recv().await {
        let deadline = Instant::now() + FLUSH_EVERY;
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Log(entry, share) => {
                    batch.push(*entry);
                    shares.push(share);
                }
                Message::Flush(done) => {
                    flushed.push(done);
                    break;
                }
            }
            if batch.len() >= BATCH_ROWS {
                break;
            }
            // None when the deadline passed or every LogWriter is gone: store the batch now.
            next = tokio::time::timeout_at(deadline, receiver.recv())
                .await
                .ok()
                .flatten();
        }
        store_batch(&store, prepare(std::mem::take(&mut batch)).await).await;
        shares.clear();
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
    }
}

/// Masking and previews, off the calls' path and outside the transaction, on a thread where a
/// batch of large bodies holds up no other task.
async fn prepare(batch: Vec<Entry>) -> Arc<Vec<Entry<Side>>> {
    let prepared =
        tokio::task::spawn_blocking(move || batch.into_iter().map(Entry::prepare).collect());
    Arc::new(prepared.await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "preparing logs failed; they are lost");
        Vec::new()
    }))
}

async fn store_batch(store: &Store, batch: Arc<Vec<Entry<Side>>>) {
    if batch.is_empty() {
        return;
    }
    let Err(first) = write_batch(store, batch.clone(), 0..batch.len()).await else {
        return;
    };
    tracing::warn!(error = %first, logs = batch.len(), "storing logs failed; trying again");
    tokio::time::sleep(RETRY_AFTER).await;
    if write_batch(store, batch.clone(), 0..batch.len())
        .await
        .is_ok()
    {
        return;
    }
    // Whatever in the batch the database refuses, only that log is lost.
    for i in 0..batch.len() {
        if let Err(e) = write_batch(store, batch.clone(), i..i + 1).await {
            tracing::error!(error = %e, route = %batch[i].route, "a log could not be stored; it is lost");
        }
    }
}

/// `batch[logs]` in one transaction, on the writer's thread, numbered in the order they were
/// recorded: a run of logs without a payload in one multi-row INSERT, a log with one on its own
/// (its attachment needs its id).
async fn write_batch(
    store: &Store,
    batch: Arc<Vec<Entry<Side>>>,
    logs: std::ops::Range<usize>,
) -> Result<(), LogError> {
    let writer = store.clone();
    store
        .on_writer(async move { write_all(&writer, &batch[logs]).await })
        .await
}

async fn write_all(store: &Store, batch: &[Entry<Side>]) -> Result<(), LogError> {
    let tx = store.begin(&Env::superuser()).await?;
    let conn = tx.connection();
    for run in batch.chunk_by(|a, b| a.has_payload() == b.has_payload()) {
        if run[0].has_payload() {
            for entry in run {
                write_prepared(conn, entry).await?;
            }
        } else {
            weft_store::insert_all(conn, run.iter().map(log_row).collect()).await?;
        }
    }
    tx.commit_only().await?;
    Ok(())
}
