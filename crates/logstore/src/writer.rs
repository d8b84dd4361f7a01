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
/// Bytes of logs waiting, likewise (`Entry::weight`: the bodies as received or serialised, and
/// the text columns): many large calls must not hold memory unbounded. A log larger than the
/// whole budget waits until it is the only one.
const QUEUE_BYTES: u32 = 64 << 20;
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
    /// The budget's size in bytes.
    budget_bytes: u32,
}

impl LogWriter {
    /// Start the task that stores the logs in `store` (on the current Tokio runtime).
    pub fn start(store: Store) -> LogWriter {
        let (writer, receiver) = LogWriter::unstarted(QUEUE_BYTES);
        tokio::spawn(run(store, receiver));
        writer
    }

    /// A writer with a budget of `bytes`, and the queue its task reads.
    fn unstarted(bytes: u32) -> (LogWriter, mpsc::Receiver<Message>) {
        let (sender, receiver) = mpsc::channel(QUEUE);
        let writer = LogWriter {
            sender,
            budget: Arc::new(Semaphore::new(bytes as usize)),
            budget_bytes: bytes,
        };
        (writer, receiver)
    }

    /// Hand a log over. Waits only when `QUEUE` logs are already waiting, or too many of the
    /// budget's bytes for this one.
    pub async fn record(&self, entry: Entry) {
        let weight = u32::try_from(entry.weight())
            .unwrap_or(u32::MAX)
            .clamp(1, self.budget_bytes);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Body, LogType};
    use serde_json::json;
    use std::future::Future;
    use std::task::Poll;

    /// A log whose request holds a name of `len` characters.
    fn entry(len: usize) -> Entry {
        Entry {
            at: chrono::Utc::now().naive_utc(),
            log_type: LogType::Receive,
            route: "/api/create_data".into(),
            function_name: "create_data".into(),
            model: Some("res.partner".into()),
            res_model: None,
            res_id: None,
            callback_url: None,
            success: true,
            request: Body::Json(json!({"name": "x".repeat(len)})),
            response: Body::Json(json!({"is_success": true})),
            preview_limit: 2000,
            duration: Duration::ZERO,
            user_id: None,
            idempotency_key: None,
        }
    }

    /// Whether `future` is done after one poll (no waiting, no timing).
    async fn done_at_once(future: &mut std::pin::Pin<&mut impl Future>) -> bool {
        std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_ready())).await
    }

    #[test]
    fn a_json_body_weighs_its_serialised_size() {
        let large = entry(1 << 20);
        let text = |b: &Body| match b {
            Body::Json(v) => v.to_string().len(),
            Body::Bytes(b) => b.len(),
        };
        let bodies = text(&large.request) + text(&large.response);
        assert!(large.weight() >= bodies, "{} < {bodies}", large.weight());
        assert!(
            large.weight() < bodies + 100,
            "the columns add their few bytes"
        );
    }

    #[tokio::test]
    async fn a_burst_of_large_logs_waits_for_the_budget() {
        let (writer, mut queue) = LogWriter::unstarted(100_000);
        let weight = entry(30_000).weight();
        // Three logs of 30 kB fit in 100 kB: handed over at once.
        for _ in 0..3 {
            let mut record = std::pin::pin!(writer.record(entry(30_000)));
            assert!(done_at_once(&mut record).await);
        }
        assert_eq!(writer.budget.available_permits(), 100_000 - 3 * weight);
        // A fourth waits while the three are waiting to be stored...
        let mut fourth = std::pin::pin!(writer.record(entry(30_000)));
        assert!(!done_at_once(&mut fourth).await);
        assert!(!done_at_once(&mut fourth).await);
        // ...and goes once one of them is (its share given back).
        let stored = queue.recv().await;
        assert!(matches!(stored, Some(Message::Log(..))));
        drop(stored);
        assert!(done_at_once(&mut fourth).await);
        assert_eq!(writer.budget.available_permits(), 100_000 - 3 * weight);
    }

    #[tokio::test]
    async fn a_log_larger_than_the_budget_waits_until_it_is_alone() {
        let (writer, mut queue) = LogWriter::unstarted(100_000);
        writer.record(entry(10)).await;
        let mut huge = std::pin::pin!(writer.record(entry(500_000)));
        assert!(!done_at_once(&mut huge).await);
        drop(queue.recv().await);
        assert!(done_at_once(&mut huge).await);
        assert_eq!(
            writer.budget.available_permits(),
            0,
            "it holds the whole budget"
        );
        drop(queue.recv().await);
        assert_eq!(writer.budget.available_permits(), 100_000);
    }
}
