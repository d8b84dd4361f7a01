//! Weft's persistence layer. System tables are sea-orm migrations (`weft-migrations`); record tables
//! come from the registry (`schema`). Every record operation runs in a `Tx`: one database transaction
//! (`BEGIN IMMEDIATE` on SQLite, so writers queue instead of failing mid-way) that collects a
//! `ChangeSet` with the row of every touched record before and after (before: its stored columns,
//! and the x2many fields written or watched by a hook), calls the registered
//! `ChangeHook`s inside the transaction, and either commits all of it or none of it.
//!
//! ```text
//! let mut tx = store.begin(&env).await?;
//! let id = tx.create("sale.order", &vals).await?;
//! let changes = tx.commit().await?;
//! ```

mod access;
pub mod admin;
mod announce;
mod bulk;
mod changeset;
mod checkpoint;
mod codec;
mod commands;
mod connect;
mod current;
mod data;
pub mod entity;
pub mod env;
mod error;
mod expand;
pub mod files;
mod group;
mod hook;
mod lane;
pub mod parameters;
mod read;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod tx;
mod write;

pub use announce::Cached;
pub use bulk::{BulkRow, insert_all};
pub use changeset::{ChangeKind, ChangeSet, FieldChange, RecordChange, Row};
pub use connect::{ConnectSettings, SqliteDurability};
pub use env::Env;
pub use error::{Result, StoreError};
pub use expand::AnswerBudget;
pub use hook::{ChangeHook, HookError, HookState, Operation, Touched};
pub use schema::{SchemaPlan, SchemaStep};
pub use tx::{SearchOptions, Tx};

use sea_orm::{DatabaseBackend, DatabaseConnection, TransactionTrait};
use std::sync::{Arc, RwLock};
use weft_migrations::{Migrator, MigratorTrait};
use weft_registry::Registry;

/// A handle on the database and the registry that describes its record tables. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// Reads, and anything that does not write.
    db: DatabaseConnection,
    /// Write transactions and system writes (one connection on a SQLite file: see `connect`).
    writer: DatabaseConnection,
    registry: Arc<Registry>,
    hooks: RwLock<Vec<Arc<dyn ChangeHook>>>,
    /// Where write transactions run on a SQLite file (see `on_writer`).
    lane: Option<lane::WriterLane>,
    /// Where to LISTEN for announcements (PostgreSQL only).
    postgres_url: Option<String>,
    /// Write transactions on a SQLite file commit in groups.
    group: Option<group::GroupCommit>,
    _checkpointer: Option<checkpoint::Checkpointer>,
}

impl Store {
    /// Connect and bring the system tables up to date. Record tables are not touched: see `apply_schema`.
    pub async fn open(settings: &ConnectSettings, registry: Arc<Registry>) -> Result<Store> {
        let pools = connect::connect(settings).await?;
        Migrator::up(&pools.writer, None).await?;
        let lane = pools
            .single_writer
            .then(lane::WriterLane::start)
            .transpose()?;
        let group = pools
            .single_writer
            .then(|| group::GroupCommit::new(pools.writer.clone()));
        let postgres_url = (pools.writer.get_database_backend() == DatabaseBackend::Postgres)
            .then(|| settings.url.clone());
        let checkpointer = group
            .clone()
            .map(|group| checkpoint::Checkpointer::start(pools.reader.clone(), group));
        Ok(Store {
            inner: Arc::new(Inner {
                db: pools.reader,
                writer: pools.writer,
                registry,
                hooks: RwLock::new(Vec::new()),
                lane,
                postgres_url,
                group,
                _checkpointer: checkpointer,
            }),
        })
    }

    /// Run the system-table migrations only (`weft migrate`).
    pub async fn migrate(settings: &ConnectSettings) -> Result<()> {
        let pools = connect::connect(settings).await?;
        Migrator::up(&pools.writer, None).await?;
        pools.reader.close().await?;
        pools.writer.close().await?;
        Ok(())
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.inner.registry
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.inner.db.get_database_backend()
    }

    pub(crate) fn postgres_url(&self) -> Option<&str> {
        self.inner.postgres_url.as_deref()
    }

    /// The sea-orm connection, for reading system entities.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The connection for writing system entities outside a `Tx` (it queues with write transactions
    /// instead of meeting them in SQLite's busy handler).
    pub fn writer(&self) -> &DatabaseConnection {
        &self.inner.writer
    }

    /// Hooks run in registration order inside every write transaction.
    pub fn register_hook(&self, hook: Arc<dyn ChangeHook>) {
        self.inner.hooks.write().expect("hook list lock").push(hook);
    }

    /// What `apply_schema` would change, without changing anything.
    pub async fn plan_schema(&self) -> Result<SchemaPlan> {
        let tx = self.inner.db.begin().await?;
        let plan = schema::plan(&tx, &self.inner.registry).await?;
        tx.rollback().await?;
        Ok(plan)
    }

    /// Create what the registry declares and the database lacks, then load the schema's data records
    /// that are not loaded yet. Destructive changes need `force`. All in one transaction.
    pub async fn apply_schema(&self, force: bool) -> Result<SchemaPlan> {
        let tx = self.begin_raw().await?;
        let plan = schema::apply(&tx, &self.inner.registry, force).await?;
        tx.commit().await?;
        let mut tx = self.begin(&Env::superuser()).await?;
        tx.load_data_records().await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Run `work`, which writes, where writes run best. On a SQLite file that is the writer's own
    /// thread: one transaction at a time holds the only write connection, and on the shared
    /// runtime its task would wait behind request parsing for every statement's result, keeping
    /// every other writer waiting too. Elsewhere `work` runs on the caller's task.
    pub async fn on_writer<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> T {
        match &self.inner.lane {
            Some(lane) => lane.run(work).await,
            None => work.await,
        }
    }

    /// Start a write transaction acting as `env`.
    pub async fn begin(&self, env: &Env) -> Result<Tx> {
        let hooks = self.inner.hooks.read().expect("hook list lock").clone();
        let registry = self.inner.registry.clone();
        Ok(match &self.inner.group {
            Some(group) => {
                let (savepoint, turn) = group.begin().await?;
                let mut tx = Tx::new(savepoint, registry, hooks, env.clone());
                tx.turn = Some(turn);
                tx
            }
            None => Tx::new(self.begin_raw().await?, registry, hooks, env.clone()),
        })
    }

    async fn begin_raw(&self) -> Result<sea_orm::DatabaseTransaction> {
        Ok(group::begin_immediate(&self.inner.writer).await?)
    }

    /// Start a read-only transaction (no write lock on SQLite); writes through it fail at the database.
    pub async fn begin_read(&self, env: &Env) -> Result<Tx> {
        let conn = self.inner.db.begin().await?;
        Ok(Tx::new(
            conn,
            self.inner.registry.clone(),
            Vec::new(),
            env.clone(),
        ))
    }

    pub async fn close(self) -> Result<()> {
        if let Ok(inner) = Arc::try_unwrap(self.inner) {
            inner.db.close().await?;
            inner.writer.close().await?;
        }
        Ok(())
    }
}
