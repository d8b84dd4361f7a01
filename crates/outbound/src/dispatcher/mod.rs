//! The dispatcher (DESIGN.md §6): claims due deliveries by lease, sends them, and hands what came
//! of each to the `record` task, which stores it in batches.
//!
//! On PostgreSQL, claiming marks a batch `sending` with `lease_until` and a token of its own in one
//! short statement, the rows locked `FOR UPDATE SKIP LOCKED`, so any number of instances share the
//! work without sending one delivery twice at the same time; an expired lease returns its row to
//! the queue. A SQLite database has one dispatcher, the holder of its `weft_dispatcher_lease` row,
//! which claims in memory (the rows stay `pending`, and after a crash they are simply due again).
//! Either way a delivery is claimed only when no earlier delivery of its ordering key is
//! unfinished (`dead` ones do not count), so one record's events reach a URL in order, and only
//! when its URL is not paused (`weft_target_pause`, see `crate::target`): a paused URL's
//! deliveries stay pending, no attempt counted, until it is resumed.
//!
//! The loop wakes when this process commits deliveries, when another instance does (LISTEN on
//! PostgreSQL), when a send finishes, at the next retry's due time, and every `poll` regardless.
//!
//! `claim` holds the queue's side: the claiming statements, leases and the SQLite dispatcher
//! lease; this file the loop, the attempts and the purge of finished deliveries.

mod claim;

use claim::LeaseHolder;
// The crate's other raw statements use it too; it lives with the claiming SQL.
pub(crate) use claim::placeholders;

use crate::catalog::Sources;
use crate::circuit::Circuits;
use crate::outbox::CHANNEL;
use crate::record::{self, Decision, Finished};
use crate::retry::RetrySchedule;
use crate::send::{self, Claimed, Outcome};
use crate::source;
use chrono::NaiveDateTime;
use rand::Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinHandle;
use weft_logstore::LogWriter;
use weft_store::Store;
use weft_webhook::targets::{self, AllowedTargets};

/// Deliveries claimed in one statement.
const BATCH: usize = 256;
/// How often expired leases go back to the queue.
const REAP_EVERY: Duration = Duration::from_secs(5);
/// A lease outlives the attempt's timeout by this much.
const LEASE_MARGIN: Duration = Duration::from_secs(15);
/// After a claim that emptied the queue, the next waits this long since it, so that the commits
/// of a busy service are claimed a few at a time instead of one claim (a write) per commit.
const CLAIM_SPACING: Duration = Duration::from_millis(3);
/// The SQLite dispatcher lease: held this long, renewed at a third of it.
const DATABASE_LEASE: Duration = Duration::from_secs(15);

/// The parameters of DESIGN.md §4.1 that the dispatcher reads (they can change while it runs).
#[derive(Debug, Clone, Copy)]
pub struct Defaults {
    pub timeout_s: u32,
    pub retries: u32,
    pub retention_days: u32,
}

pub type DefaultsFn = Arc<dyn Fn() -> Defaults + Send + Sync>;

#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    pub schedule: RetrySchedule,
    pub allowed: AllowedTargets,
    /// Requests in flight at once, over every URL.
    pub max_in_flight: usize,
    /// Requests in flight to one URL.
    pub per_url: usize,
    /// Failures in a row that open a URL's circuit, and its first pause.
    pub circuit_threshold: u32,
    pub circuit_pause: Duration,
    pub poll: Duration,
}

impl Default for DispatcherSettings {
    fn default() -> Self {
        DispatcherSettings {
            schedule: RetrySchedule::default(),
            allowed: AllowedTargets::default(),
            max_in_flight: 512,
            per_url: 64,
            circuit_threshold: 10,
            circuit_pause: Duration::from_secs(30),
            poll: Duration::from_secs(1),
        }
    }
}

pub struct Dispatcher {
    store: Store,
    sources: Arc<Sources>,
    wake: Arc<Notify>,
    settings: DispatcherSettings,
    defaults: DefaultsFn,
    /// This dispatcher's mark on the leases it holds.
    owner: i64,
    client: reqwest::Client,
    circuits: Arc<Circuits>,
    in_flight: AtomicUsize,
    freed: Notify,
    finished: mpsc::UnboundedSender<Finished>,
    /// SQLite: the deliveries claimed in memory and not yet stored as finished.
    held: Held,
}

/// Ids claimed in memory; the recorder lets go of them once their outcome is stored.
pub(crate) type Held = Arc<std::sync::Mutex<std::collections::HashSet<i64>>>;

/// A running dispatcher; `stop` finishes the requests in flight and stores their outcomes.
pub struct DispatcherHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    circuits: Arc<Circuits>,
}

impl DispatcherHandle {
    /// This dispatcher's per-URL circuits, for showing their state (`Circuits::snapshot`).
    pub fn circuits(&self) -> Arc<Circuits> {
        self.circuits.clone()
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

impl Dispatcher {
    /// Start dispatching on the current runtime. `wake` is the notifier the outbound hook of this
    /// process signals when deliveries commit.
    pub fn start(
        store: Store,
        sources: Arc<Sources>,
        logs: LogWriter,
        wake: Arc<Notify>,
        settings: DispatcherSettings,
        defaults: DefaultsFn,
    ) -> std::result::Result<DispatcherHandle, reqwest::Error> {
        let client = targets::client(&settings.allowed, Duration::from_secs(300))?;
        let (finished, outcomes) = mpsc::unbounded_channel();
        let held = Held::default();
        let recorder = tokio::spawn(record::run(
            store.clone(),
            sources.clone(),
            logs,
            wake.clone(),
            outcomes,
            held.clone(),
        ));
        let circuits = Arc::new(Circuits::new(
            settings.per_url,
            settings.circuit_threshold,
            settings.circuit_pause,
        ));
        let dispatcher = Arc::new(Dispatcher {
            circuits: circuits.clone(),
            store: store.clone(),
            sources,
            wake: wake.clone(),
            settings,
            defaults,
            owner: rand::rng().random_range(1..i64::MAX),
            client,
            in_flight: AtomicUsize::new(0),
            freed: Notify::new(),
            finished,
            held,
        });
        store.on_notification(CHANNEL, move |_| wake.notify_one());
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            dispatcher.clone().run(stopped).await;
            dispatcher.finish_in_flight().await;
            // Outcomes are stored before the lease goes: the next holder must not send again
            // what this one delivered.
            let lease = LeaseHolder {
                store: dispatcher.store.clone(),
                owner: dispatcher.owner,
            };
            drop(dispatcher);
            let _ = recorder.await;
            lease.release().await;
        });
        Ok(DispatcherHandle {
            stop,
            task,
            circuits,
        })
    }

    async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut last_reap: Option<Instant> = None;
        let mut lease_renewed: Option<Instant> = None;
        let mut emptied: Option<Instant> = None;
        let purger = tokio::spawn(purge_finished(self.store.clone(), self.defaults.clone()));
        while !*stop.borrow() {
            if !self.hold_database_lease(&mut lease_renewed).await {
                self.pause(&mut stop, self.settings.poll).await;
                continue;
            }
            if last_reap.is_none_or(|at| at.elapsed() >= REAP_EVERY) {
                if let Err(e) = self.reap().await {
                    tracing::warn!(error = %e, "returning expired leases failed");
                }
                last_reap = Some(Instant::now());
            }
            let free = self
                .settings
                .max_in_flight
                .saturating_sub(self.in_flight.load(Ordering::Acquire));
            let asked = free.min(BATCH);
            if asked > 0 {
                if let Some(at) = emptied {
                    tokio::time::sleep_until((at + CLAIM_SPACING).into()).await;
                }
                let claimed_at = Instant::now();
                match self.claim(asked).await {
                    Ok(batch) => {
                        let full = batch.len() == asked;
                        emptied = (!full).then_some(claimed_at);
                        for delivery in batch {
                            self.clone().dispatch(delivery);
                        }
                        if full {
                            continue;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming deliveries failed");
                        self.pause(&mut stop, self.settings.poll).await;
                        continue;
                    }
                }
            }
            let wait = match self.next_due().await {
                Ok(Some(due)) => due.min(self.settings.poll),
                _ => self.settings.poll,
            };
            self.pause(&mut stop, wait).await;
        }
        purger.abort();
    }

    /// Sleep until `wait` passes or something worth a look happens.
    async fn pause(&self, stop: &mut watch::Receiver<bool>, wait: Duration) {
        tokio::select! {
            () = self.wake.notified() => {}
            () = self.freed.notified() => {}
            () = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }

    async fn finish_in_flight(&self) {
        while self.in_flight.load(Ordering::Acquire) > 0 {
            let _ = tokio::time::timeout(Duration::from_millis(50), self.freed.notified()).await;
        }
    }

    fn dispatch(self: Arc<Self>, delivery: Claimed) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        tokio::spawn(async move {
            let finished = self.attempt(delivery).await;
            let _ = self.finished.send(finished);
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            self.freed.notify_one();
        });
    }

    /// One attempt, and what to do next.
    async fn attempt(&self, delivery: Claimed) -> Finished {
        let mut catalog = self.sources.current();
        if catalog
            .settings(delivery.kind, delivery.source_id)
            .is_none()
        {
            // Made on another instance a moment ago: its announcement may not have arrived yet.
            if let Err(e) = self.sources.reload().await {
                tracing::warn!(error = %e, "re-reading the outbound sources failed");
            }
            catalog = self.sources.current();
        }
        let Some(source) = catalog.settings(delivery.kind, delivery.source_id).cloned() else {
            let error = format!("its {} was deleted", delivery.kind.as_str());
            return Finished::without_attempt(
                delivery,
                Decision::Dead {
                    status: None,
                    error,
                },
            );
        };
        if let Some(until) = self.circuits.open_until(&delivery.url) {
            return Finished::without_attempt(delivery, Decision::Paused { until: at(until) });
        }
        let defaults = (self.defaults)();
        let timeout = Duration::from_secs(
            source.limits.timeout_s.unwrap_or(defaults.timeout_s).max(1) as u64,
        );
        let max_retries = source.limits.max_retries.unwrap_or(defaults.retries);
        // The wait for one of the URL's slots must leave the lease enough for the request.
        let wait_until = delivery
            .lease_expires
            .checked_sub(timeout + LEASE_MARGIN / 3);
        let slot = match wait_until {
            Some(until) => tokio::time::timeout_at(until.into(), self.circuits.slot(&delivery.url))
                .await
                .ok(),
            None => None,
        };
        let Some(_slot) = slot else {
            let until = source::now() + chrono::Duration::milliseconds(100);
            return Finished::without_attempt(delivery, Decision::Paused { until });
        };
        let started = source::now();
        let answer = send::post(
            &self.client,
            &self.settings.allowed,
            &delivery,
            &source,
            timeout,
        )
        .await;
        let outcome = match &answer.outcome {
            Outcome::Delivered { .. } => "delivered",
            Outcome::Gone => "gone",
            Outcome::Failed { .. } => "failed",
        };
        metrics::counter!("weft_delivery_attempts_total", "outcome" => outcome).increment(1);
        metrics::histogram!("weft_delivery_attempt_seconds").record(answer.duration.as_secs_f64());
        let decision = match &answer.outcome {
            Outcome::Delivered { status } => {
                self.circuits.succeeded(&delivery.url);
                Decision::Done { status: *status }
            }
            Outcome::Gone => {
                self.sources
                    .retire(delivery.kind, delivery.source_id, &delivery.url);
                Decision::Gone
            }
            Outcome::Failed {
                status,
                error,
                retry_after,
            } => {
                self.circuits.failed(&delivery.url);
                let failures = delivery.attempts as u32 + 1;
                if failures > max_retries {
                    Decision::Dead {
                        status: *status,
                        error: error.clone(),
                    }
                } else {
                    let wait =
                        self.settings
                            .schedule
                            .wait(failures, *retry_after, &mut rand::rng());
                    Decision::Retry {
                        at: source::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                        status: *status,
                        error: error.clone(),
                    }
                }
            }
        };
        Finished {
            delivery,
            started,
            source_name: source.name,
            answer: Some(answer),
            decision,
        }
    }
}

/// An `Instant` as a UTC time.
fn at(instant: Instant) -> NaiveDateTime {
    let ahead = instant.saturating_duration_since(Instant::now());
    source::now() + chrono::Duration::from_std(ahead).unwrap_or_default()
}

/// Delete finished deliveries (and their attempts) older than `webhook.delivery_retention_days`,
/// a minute after start and hourly after that, a thousand at a time.
async fn purge_finished(store: Store, defaults: DefaultsFn) {
    let start = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut every = tokio::time::interval_at(start, Duration::from_secs(3600));
    loop {
        every.tick().await;
        let days = defaults().retention_days;
        if days == 0 {
            continue;
        }
        let cutoff = source::now() - chrono::Duration::days(days as i64);
        loop {
            match record::purge_chunk(&store, cutoff, 1000).await {
                Ok(0) => break,
                Ok(n) => tracing::info!(deleted = n, days, "finished deliveries purged"),
                Err(e) => {
                    tracing::warn!(error = %e, "purging finished deliveries failed");
                    break;
                }
            }
        }
    }
}
