//! Opening the database: SQLite (the embedded default) or PostgreSQL, chosen by the URL.
//!
//! SQLite runs in WAL mode with a small pool, `synchronous=NORMAL` unless told `full`, a busy timeout
//! so writers queue instead of failing, and `case_sensitive_like` so `like` means the same on both
//! databases (DESIGN.md §5). sqlx no longer turns WAL on by itself (research/rust-stack-check.md §5).

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// How durable SQLite commits are (`WEFT_SQLITE_SYNCHRONOUS`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SqliteDurability {
    /// A killed process loses nothing; a power cut may lose the last commits.
    #[default]
    Normal,
    /// Every commit reaches the disk.
    Full,
}

#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub url: String,
    pub max_connections: u32,
    pub sqlite_durability: SqliteDurability,
}

impl ConnectSettings {
    pub fn new(url: impl Into<String>) -> Self {
        ConnectSettings {
            url: url.into(),
            max_connections: 8,
            sqlite_durability: SqliteDurability::Normal,
        }
    }
}

pub(crate) async fn connect(settings: &ConnectSettings) -> Result<DatabaseConnection, DbErr> {
    let url = normalise_sqlite_url(&settings.url);
    let mut opt = ConnectOptions::new(url.clone());
    opt.sqlx_logging(std::env::var("WEFT_LOG_SQL").is_ok())
        .acquire_timeout(Duration::from_secs(30));
    if url.starts_with("sqlite:") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        // Each pooled connection to `:memory:` would get its own empty database.
        opt.max_connections(if in_memory {
            1
        } else {
            settings.max_connections.max(2)
        });
        let synchronous = match settings.sqlite_durability {
            SqliteDurability::Normal => SqliteSynchronous::Normal,
            SqliteDurability::Full => SqliteSynchronous::Full,
        };
        opt.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .synchronous(synchronous)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(false)
                .pragma("case_sensitive_like", "ON");
            if in_memory {
                o
            } else {
                o.journal_mode(SqliteJournalMode::Wal)
            }
        });
    } else {
        opt.max_connections(settings.max_connections);
    }
    Database::connect(opt).await
}

/// `sqlite://weft.db` creates the file when missing, as a first `weft serve` expects.
fn normalise_sqlite_url(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_string()
    }
}
