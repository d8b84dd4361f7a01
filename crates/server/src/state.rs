//! What every handler shares. Parameters and API keys are cached here; a change made through this
//! instance replaces its copy at once, and on PostgreSQL a change made by any instance (or the CLI)
//! arrives as an announcement (`follow_announcements`).

use std::sync::{Arc, RwLock};
use tokio::sync::Notify;
use weft_inbound::auth::KeyCache;
use weft_inbound::call::CallSettings;
use weft_inbound::ratelimit::{LoginLimiter, RateLimiter};
use weft_logstore::LogWriter;
use weft_outbound::catalog::Sources;
use weft_outbound::hook::OutboundHook;
use weft_store::parameters::Parameters;
use weft_store::{Cached, Store};
use weft_webhook::targets::AllowedTargets;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// `WEFT_PUBLIC_URL`: how clients reach this service.
    pub public_url: String,
    /// `WEFT_DATABASE_NAME`: the database name Odoo's protocols see.
    pub database_name: String,
    parameters: Arc<RwLock<Parameters>>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Failed logins per login and per client address (`WEFT_LOGIN_RATE_LIMIT`, ...).
    pub login_limiter: Arc<LoginLimiter>,
    pub keys: Arc<KeyCache>,
    pub allowed_targets: AllowedTargets,
    /// Stores the API logs of calls, in batches.
    pub logs: LogWriter,
    /// Outbound rules and subscriptions, in memory.
    pub sources: Arc<Sources>,
    /// Signalled when deliveries commit; this instance's dispatcher waits on it.
    pub outbox_wake: Arc<Notify>,
    /// The per-URL circuits of this instance's dispatcher, once it runs (`serve`).
    pub circuits: Option<Arc<weft_outbound::circuit::Circuits>>,
}

impl AppState {
    pub async fn new(
        store: Store,
        public_url: String,
        rate_limit: u32,
    ) -> anyhow::Result<AppState> {
        let parameters = Arc::new(RwLock::new(store.parameters().await?));
        let rate_limiter = Arc::new(RateLimiter::new(rate_limit));
        let logs = LogWriter::start(store.clone());
        let sources = Sources::load(store.clone()).await?;
        let outbox_wake = Arc::new(Notify::new());
        store.register_hook(Arc::new(OutboundHook::new(
            sources.clone(),
            outbox_wake.clone(),
            logs.clone(),
        )));
        Ok(AppState {
            logs,
            sources,
            outbox_wake,
            store,
            public_url,
            database_name: "weft".into(),
            parameters,
            rate_limiter,
            login_limiter: Arc::new(LoginLimiter::new(Default::default())),
            keys: Arc::default(),
            allowed_targets: AllowedTargets::default(),
            circuits: None,
        })
    }

    /// The parts of this state the console's pages use.
    pub fn console(&self) -> weft_console::Console {
        weft_console::Console {
            store: self.store.clone(),
            logs: self.logs.clone(),
            outbox_wake: self.outbox_wake.clone(),
            login_limiter: self.login_limiter.clone(),
            public_url: self.public_url.clone(),
            circuits: self.circuits.clone(),
            sources: self.sources.clone(),
            allowed_targets: self.allowed_targets.clone(),
            keys: self.keys.clone(),
            parameters: self.parameters.clone(),
        }
    }

    pub fn parameters(&self) -> Parameters {
        self.parameters.read().expect("parameters lock").clone()
    }

    /// Drop cached keys (and the users they carry) and re-read parameters whenever another process announces a change.
    pub fn follow_announcements(&self) {
        let state = self.clone();
        self.store.on_announcement(move |what| {
            if matches!(what, Cached::ApiKeys | Cached::Users | Cached::Everything) {
                state.keys.clear();
            }
            if matches!(what, Cached::Sources | Cached::Everything) {
                let sources = state.sources.clone();
                tokio::spawn(async move {
                    if let Err(e) = sources.reload().await {
                        tracing::warn!(error = %e, "re-reading the outbound sources failed");
                    }
                });
            }
            if matches!(what, Cached::Parameters | Cached::Everything) {
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(e) = state.reload_parameters().await {
                        tracing::warn!(error = %e, "re-reading the parameters failed");
                    }
                });
            }
        });
    }

    /// Delete logs older than `webhook.log_retention_days`, a minute after start and hourly after
    /// that, a thousand at a time (each chunk its own transaction, so calls are not held up).
    /// Expired sessions, OAuth tokens and nonces go at the same time (they are refused anyway).
    pub fn purge_old_logs(&self) {
        let state = self.clone();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
            let mut every = tokio::time::interval_at(start, std::time::Duration::from_secs(3600));
            loop {
                every.tick().await;
                match weft_inbound::identity::purge_expired_sessions(&state.store).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "expired sessions purged"),
                    Err(e) => tracing::warn!(error = %e, "purging expired sessions failed"),
                }
                match weft_console::purge_expired_sessions(&state.store).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, "ended console sessions purged"),
                    Err(e) => tracing::warn!(error = %e, "purging console sessions failed"),
                }
                match weft_inbound::oauth::tokens::purge(&state.store).await {
                    Ok(0) => {}
                    Ok(deleted) => {
                        tracing::info!(deleted, "expired OAuth tokens and nonces purged")
                    }
                    Err(e) => tracing::warn!(error = %e, "purging OAuth tokens failed"),
                }
                let days = state.parameters().count("webhook.log_retention_days");
                if days == 0 {
                    continue;
                }
                let cutoff = chrono::Utc::now().naive_utc() - chrono::Duration::days(days as i64);
                match weft_logstore::purge(&state.store, cutoff, 1000).await {
                    Ok(0) => {}
                    Ok(deleted) => tracing::info!(deleted, days, "old logs purged"),
                    Err(e) => tracing::warn!(error = %e, "purging old logs failed"),
                }
            }
        });
    }

    /// Re-read the parameters after a write.
    pub async fn reload_parameters(&self) -> anyhow::Result<()> {
        Ok(self.store.reload_parameters(&self.parameters).await?)
    }

    /// The parameters the dispatcher reads as it runs.
    pub fn delivery_defaults(&self) -> weft_outbound::dispatcher::Defaults {
        // Read on every attempt: under the lock, not from a copy of every parameter.
        let p = self.parameters.read().expect("parameters lock");
        let count = |key| u32::try_from(p.count(key)).unwrap_or(u32::MAX);
        weft_outbound::dispatcher::Defaults {
            timeout_s: count("webhook.timeout"),
            retries: count("webhook.retry"),
            retention_days: count("webhook.delivery_retention_days"),
        }
    }

    /// The call settings of DESIGN.md §4.1, from a snapshot of the parameters.
    pub fn call_settings(&self, p: &Parameters) -> CallSettings {
        CallSettings::from_parameters(p, &self.allowed_targets)
    }
}
