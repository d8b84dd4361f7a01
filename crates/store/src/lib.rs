//! Weft's persistence layer. System tables are sea-orm migrations (`weft-migrations`); record tables
//! come from the registry (`schema`). Every record operation runs in a `Tx`: one database transaction
//! (`BEGIN IMMEDIATE` on SQLite, so writers queue instead of failing mid-way) that collects a
//! `ChangeSet` with the full row of every touched record before and after, calls the registered
//! `ChangeHook`s inside the transaction, and either commits all of it or none of it.
//!
//! ```text
//! let mut tx = store.begin(&env).await?;
//! let id = tx.create("sale.order", &vals).await?;
//! let changes = tx.commit().await?;
//! ```

mod changeset;
mod codec;
mod connect;
pub mod entity;
pub mod env;
mod error;
mod hook;
pub mod parameters;
mod read;
mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod tx;
mod write;

pub use changeset::{ChangeKind, ChangeSet, FieldChange, RecordChange, Row};
pub use connect::{ConnectSettings, SqliteDurability};
pub use env::Env;
pub use error::{Result, StoreError};
pub use hook::{ChangeHook, HookError, HookState, Operation, Touched};
pub use schema::{SchemaPlan, SchemaStep};
pub use tx::{SearchOptions, Tx};

use sea_orm::{
    DatabaseBackend, DatabaseConnection, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use std::sync::{Arc, RwLock};
use weft_migrations::{Migrator, MigratorTrait};
use weft_registry::Registry;

/// A handle on the database and the registry that describes its record tables. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    registry: Arc<Registry>,
    hooks: RwLock<Vec<Arc<dyn ChangeHook>>>,
    /// SQLite has one writer at a time. Writers queue here, in order, instead of meeting in
    /// SQLite's busy handler, which sleeps in growing steps and turns contention into long tails.
    sqlite_writer: Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Connect and bring the system tables up to date. Record tables are not touched: see `apply_schema`.
    pub async fn open(settings: &ConnectSettings, registry: Arc<Registry>) -> Result<Store> {
        let db = connect::connect(settings).await?;
        Migrator::up(&db, None).await?;
        Ok(Store {
            inner: Arc::new(Inner {
                db,
                registry,
                hooks: RwLock::new(Vec::new()),
                sqlite_writer: Arc::new(tokio::sync::Mutex::new(())),
            }),
        })
    }

    /// Run the system-table migrations only (`weft migrate`).
    pub async fn migrate(settings: &ConnectSettings) -> Result<()> {
        let db = connect::connect(settings).await?;
        Migrator::up(&db, None).await?;
        db.close().await?;
        Ok(())
    }

    pub fn registry(&self) -> &Arc<Registry> {
        &self.inner.registry
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.inner.db.get_database_backend()
    }

    /// The sea-orm connection, for system entities.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.inner.db
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
        let plan = {
            let _writer = self.inner.sqlite_writer.lock().await;
            let tx = self.begin_raw().await?;
            let plan = schema::apply(&tx, &self.inner.registry, force).await?;
            tx.commit().await?;
            plan
        };
        let mut tx = self.begin(&Env::superuser()).await?;
        tx.load_data_records().await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Start a write transaction acting as `env`.
    pub async fn begin(&self, env: &Env) -> Result<Tx> {
        let writer = match self.backend() {
            DatabaseBackend::Sqlite => Some(self.inner.sqlite_writer.clone().lock_owned().await),
            _ => None,
        };
        let conn = self.begin_raw().await?;
        let hooks = self.inner.hooks.read().expect("hook list lock").clone();
        Ok(Tx::new(
            conn,
            self.inner.registry.clone(),
            hooks,
            env.clone(),
            writer,
        ))
    }

    async fn begin_raw(&self) -> Result<sea_orm::DatabaseTransaction> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.inner.db.begin_with_options(options).await?)
    }

    /// Start a read-only transaction (no write lock on SQLite); writes through it fail at the database.
    pub async fn begin_read(&self, env: &Env) -> Result<Tx> {
        let conn = self.inner.db.begin().await?;
        Ok(Tx::new(
            conn,
            self.inner.registry.clone(),
            Vec::new(),
            env.clone(),
            None,
        ))
    }

    pub async fn close(self) -> Result<()> {
        if let Ok(inner) = Arc::try_unwrap(self.inner) {
            inner.db.close().await?;
        }
        Ok(())
    }
}
