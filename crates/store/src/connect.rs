//! Opening the database: SQLite (the embedded default) or PostgreSQL, chosen by the URL.
//!
//! SQLite runs in WAL mode, `synchronous=NORMAL` unless told `full`, a busy timeout so a writer from
//! another process queues instead of failing, and `case_sensitive_like` so `like` means the same on
//! both databases (DESIGN.md §5). sqlx no longer turns WAL on by itself (research/rust-stack-check.md §5).
//!
//! SQLite allows one writer at a time, so a file database gets two pools: readers, and a single
//! writer connection that every write transaction takes in turn. The writer keeps its page and
//! statement caches warm (a pooled connection reloads pages another connection changed), and writers
//! queue fairly in the pool instead of meeting in SQLite's busy handler, which sleeps in growing steps.

use sea_orm::sqlx::sqlite::{SqliteConnection, SqliteJournalMode, SqliteSynchronous};
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

/// The pools of one database: `writer` is where write transactions run (the same pool as `reader`
/// except for a SQLite file).
pub(crate) struct Pools {
    pub reader: DatabaseConnection,
    pub writer: DatabaseConnection,
    /// `writer` is one connection that writers take in turn.
    pub single_writer: bool,
}

pub(crate) async fn connect(settings: &ConnectSettings) -> Result<Pools, DbErr> {
    let url = normalise_sqlite_url(&settings.url);
    if !url.starts_with("sqlite:") {
        let mut opt = base_options(&url);
        // A transaction spends most of its time waiting for round trips, not on the server's
        // cores: three connections per configured one keep PostgreSQL busy under load.
        opt.max_connections(settings.max_connections * 3)
            // A ping costs a round trip to the server on every begin; only a connection that sat
            // idle for a while is worth checking.
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
        let pool = Database::connect(opt).await?;
        return Ok(Pools {
            reader: pool.clone(),
            writer: pool,
            single_writer: false,
        });
    }
    // Each connection to `:memory:` would get its own empty database: one connection does it all.
    if url.contains(":memory:") || url.contains("mode=memory") {
        let pool = Database::connect(sqlite_options(&url, settings, 1, Journal::Memory)).await?;
        return Ok(Pools {
            reader: pool.clone(),
            writer: pool,
            single_writer: false,
        });
    }
    let reader_size = settings.max_connections.max(2);
    let reader =
        Database::connect(sqlite_options(&url, settings, reader_size, Journal::Wal)).await?;
    let writer =
        Database::connect(sqlite_options(&url, settings, 1, Journal::WalNoCheckpoint)).await?;
    Ok(Pools {
        reader,
        writer,
        single_writer: true,
    })
}

fn base_options(url: &str) -> ConnectOptions {
    let mut opt = ConnectOptions::new(url.to_string());
    opt.sqlx_logging(std::env::var("WEFT_LOG_SQL").is_ok())
        .acquire_timeout(Duration::from_secs(30));
    opt
}

#[derive(Clone, Copy, PartialEq)]
enum Journal {
    /// An in-memory database: no WAL.
    Memory,
    Wal,
    /// WAL, and commits never checkpoint: the background checkpointer does (`checkpoint`).
    WalNoCheckpoint,
}

fn sqlite_options(
    url: &str,
    settings: &ConnectSettings,
    connections: u32,
    journal: Journal,
) -> ConnectOptions {
    let mut opt = base_options(url);
    // A ping is a round trip to the connection's worker thread, and a local file does not go away.
    opt.max_connections(connections).test_before_acquire(false);
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
        match journal {
            Journal::Memory => o,
            Journal::Wal => o.journal_mode(SqliteJournalMode::Wal),
            Journal::WalNoCheckpoint => o
                .journal_mode(SqliteJournalMode::Wal)
                .pragma("wal_autocheckpoint", "0"),
        }
    });
    opt.map_sqlx_sqlite_pool_opts(|pool| {
        pool.after_connect(|conn, _| Box::pin(keep_plans_stable(conn)))
    });
    opt
}

/// Turn on SQLite's query planner stability guarantee. Without it, a statement whose plan could
/// depend on a bound value (a bound `LIMIT`, a `LIKE` pattern) is compiled again each time the value
/// is bound, which undoes the statement cache for every `search` with a limit.
async fn keep_plans_stable(conn: &mut SqliteConnection) -> Result<(), sea_orm::sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: the handle is locked away from the connection's worker thread for the duration of
    // the call, and this option takes an int and a nullable out-pointer.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::ffi::c_int,
            std::ptr::null_mut::<std::ffi::c_int>(),
        )
    };
    if rc != libsqlite3_sys::SQLITE_OK {
        return Err(sea_orm::sqlx::Error::Configuration(
            format!("sqlite3_db_config(ENABLE_QPSG) failed with code {rc}").into(),
        ));
    }
    Ok(())
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
