//! Telling every instance that cached data changed (DESIGN.md §9). Keys (with the users they act
//! as) and parameters are cached in memory; on PostgreSQL the instance that changes one sends a
//! NOTIFY on `weft_cache` and every instance (itself included) drops its copy at once. A SQLite
//! file has one service process: the process that changed it clears its own cache, and caches
//! expire soon enough for the CLI.

use crate::Store;
use crate::error::Result;
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::time::Duration;

const CHANNEL: &str = "weft_cache";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cached {
    Parameters,
    ApiKeys,
    /// A user's role, companies, password or active flag: callers cached by key are stale.
    Users,
    /// Outbound rules and webhook subscriptions.
    Sources,
    /// Notifications may have been missed (the listener reconnected): drop everything.
    Everything,
}

impl Cached {
    fn name(self) -> &'static str {
        match self {
            Cached::Parameters => "parameters",
            Cached::ApiKeys => "api_keys",
            Cached::Users => "users",
            Cached::Sources => "sources",
            Cached::Everything => "everything",
        }
    }

    fn from_name(name: &str) -> Cached {
        match name {
            "parameters" => Cached::Parameters,
            "api_keys" => Cached::ApiKeys,
            "users" => Cached::Users,
            "sources" => Cached::Sources,
            _ => Cached::Everything,
        }
    }
}

impl Store {
    /// Announce a change to every instance as part of the transaction `tx` that makes it, so the
    /// announcement goes out exactly when the change commits (PostgreSQL; nothing on SQLite).
    pub async fn announce_in(&self, tx: &impl ConnectionTrait, what: Cached) -> Result<()> {
        if self.backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let notify = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), what.name().into()],
        );
        tx.execute_raw(notify).await?;
        Ok(())
    }

    /// Call `dropped` with every announced change, for as long as the process runs (PostgreSQL; on
    /// SQLite nothing is ever announced and nothing is started).
    pub fn on_announcement(&self, dropped: impl Fn(Cached) + Send + Sync + 'static) {
        // What was announced before LISTEN (or while reconnecting) is lost: whatever the caches
        // hold may be older than it. `None` says so.
        self.on_notification(CHANNEL, move |payload| {
            dropped(payload.map_or(Cached::Everything, Cached::from_name))
        });
    }

    /// Call `heard` with the payload of every NOTIFY on `channel`, and with None whenever some may
    /// have been missed (at start and after a reconnection), for as long as the process runs
    /// (PostgreSQL; nothing is started on SQLite).
    pub fn on_notification(
        &self,
        channel: &'static str,
        heard: impl Fn(Option<&str>) + Send + Sync + 'static,
    ) {
        let Some(url) = self.postgres_url() else {
            return;
        };
        let url = url.to_string();
        tokio::spawn(async move {
            loop {
                match PgListener::connect(&url).await {
                    Ok(mut listener) => {
                        if let Err(e) = listener.listen(channel).await {
                            tracing::warn!(error = %e, "LISTEN {channel} failed");
                        } else {
                            tracing::debug!("listening on {channel}");
                            heard(None);
                            listen(&mut listener, channel, &heard).await;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot LISTEN on {channel}"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

async fn listen(listener: &mut PgListener, channel: &str, heard: &impl Fn(Option<&str>)) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                tracing::trace!(channel, payload = notification.payload(), "notification");
                heard(Some(notification.payload()))
            }
            // The connection was lost and is back: notifications in between are gone.
            Ok(None) => heard(None),
            Err(e) => {
                tracing::warn!(error = %e, "listening on {channel} failed");
                return;
            }
        }
    }
}
