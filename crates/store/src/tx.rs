//! `Tx`: one transaction of record operations. Public operations call the hooks around the write and
//! fold what they changed into the transaction's `ChangeSet`. After any failed operation the
//! transaction only rolls back (dropping a `Tx` rolls back too), so a failed call never leaves half a
//! change behind.

use crate::changeset::{ChangeKind, ChangeSet, RecordChange};
use crate::current::CurrentRows;
use crate::env::Env;
use crate::error::{Result, StoreError};
use crate::group::Turn;
use crate::hook::{ChangeHook, HookState, Operation, Touched};
use chrono::NaiveDateTime;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction};
use serde_json::{Map, Value};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use weft_domain::Domain;
use weft_registry::{Model, Registry};

/// `search` parameters beside the domain.
#[derive(Debug, Clone, Default)]
pub struct SearchOptions<'a> {
    /// `name desc, id`: field names and asc/desc only. None = the model's default order.
    pub order: Option<&'a str>,
    pub limit: Option<u64>,
    pub offset: u64,
    /// Search archived records too (Odoo's `active_test: false`).
    pub include_archived: bool,
}

pub struct Tx {
    pub(crate) conn: DatabaseTransaction,
    pub(crate) registry: Arc<Registry>,
    pub(crate) hooks: Vec<Arc<dyn ChangeHook>>,
    pub(crate) env: Env,
    changes: ChangeSet,
    failed: bool,
    /// One timestamp for the whole transaction, as Odoo stamps `create_date`/`write_date`.
    pub(crate) now: NaiveDateTime,
    /// Records this transaction created or found by a search (and has not deleted): they exist and
    /// are visible to the env, so a many2one pointing at them needs no existence query.
    known: std::sync::Mutex<std::collections::HashSet<(String, i64)>>,
    /// Whole stored rows as this transaction last read or wrote them (`current.rs`).
    pub(crate) current: CurrentRows,
    /// What hooks keep between `after` and `before_commit`, one value per type.
    stash: std::sync::Mutex<HashMap<TypeId, Box<dyn Any + Send>>>,
    /// How many change hooks are running now: what they read is not bounded by the caller's
    /// model allow-list (`access.rs`).
    hooks_running: std::sync::atomic::AtomicU32,
    /// Run once the commit is durable.
    on_commit: std::sync::Mutex<Vec<Box<dyn FnOnce() + Send>>>,
    /// The writer's turn on a SQLite file, where `conn` is a savepoint in a group commit. Declared
    /// after `conn` so a dropped transaction rolls its savepoint back before the batch moves on.
    pub(crate) turn: Option<Turn>,
}

impl Tx {
    pub(crate) fn new(
        conn: DatabaseTransaction,
        registry: Arc<Registry>,
        hooks: Vec<Arc<dyn ChangeHook>>,
        env: Env,
    ) -> Tx {
        let now = chrono::Utc::now().naive_utc().with_nanosecond_zero();
        Tx {
            conn,
            registry,
            hooks,
            env,
            changes: ChangeSet::default(),
            failed: false,
            now,
            known: Default::default(),
            current: Default::default(),
            stash: Default::default(),
            hooks_running: Default::default(),
            on_commit: Default::default(),
            turn: None,
        }
    }

    /// The database transaction, for system entities written in the same commit (outbox rows, logs).
    /// A record table changed through it behind `write` would leave the rows this transaction
    /// keeps (`current.rs`) stale: only columns no domain reads (a created user's password hash).
    pub fn connection(&self) -> &DatabaseTransaction {
        &self.conn
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.conn.get_database_backend()
    }

    /// Everything this transaction changed so far.
    pub fn changes(&self) -> &ChangeSet {
        &self.changes
    }

    /// Work on this transaction's value of type `T` (`T::default()` at first): how a hook carries
    /// what it decided in `after` to its `before_commit`.
    pub fn stash<T: Default + Send + 'static, R>(&self, work: impl FnOnce(&mut T) -> R) -> R {
        let mut stash = self.stash.lock().expect("stash lock");
        let value = stash
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        work(
            value
                .downcast_mut::<T>()
                .expect("stash entries are keyed by type"),
        )
    }

    /// Take this transaction's value of type `T` out of the stash.
    pub fn take_stash<T: Default + Send + 'static>(&self) -> T {
        let mut stash = self.stash.lock().expect("stash lock");
        stash
            .remove(&TypeId::of::<T>())
            .and_then(|value| value.downcast::<T>().ok())
            .map_or_else(T::default, |value| *value)
    }

    /// Run `work` once this transaction has committed (never if it rolls back).
    pub fn on_commit(&self, work: impl FnOnce() + Send + 'static) {
        self.on_commit
            .lock()
            .expect("on_commit lock")
            .push(Box::new(work));
    }

    /// Create a record from Odoo-style values (x2many as command lists, lines nested) and return its id.
    pub async fn create(&mut self, model: &str, vals: &Map<String, Value>) -> Result<i64> {
        self.check_open()?;
        let result = self.create_op(model, vals).await;
        self.settle(result)
    }

    /// Write the same values on every record of `ids`.
    pub async fn write(
        &mut self,
        model: &str,
        ids: &[i64],
        vals: &Map<String, Value>,
    ) -> Result<()> {
        self.check_open()?;
        let result = self.write_op(model, ids, vals).await;
        self.settle(result)
    }

    /// Delete records, applying every `ondelete` that points at them.
    pub async fn unlink(&mut self, model: &str, ids: &[i64]) -> Result<()> {
        self.check_open()?;
        let result = self.unlink_op(model, ids).await;
        self.settle(result)
    }

    /// Commit and return what the transaction changed, every after row included.
    pub async fn commit(mut self) -> Result<ChangeSet> {
        if self.failed {
            self.rollback().await?;
            return Err(StoreError::Aborted);
        }
        let mut changes = std::mem::take(&mut self.changes);
        self.fill_after_rows(&mut changes, |_| true).await?;
        self.hooks_before_commit().await?;
        self.end(true).await?;
        Ok(changes)
    }

    /// Commit without reading the after rows that no hook asked for: for callers that need the
    /// commit, not the `ChangeSet` (reading them costs a query per model and x2many field).
    pub async fn commit_only(self) -> Result<()> {
        if self.failed {
            self.rollback().await?;
            return Err(StoreError::Aborted);
        }
        self.hooks_before_commit().await?;
        self.end(true).await
    }

    /// Commit whatever the transaction holds, even after a failed operation (half of it may be
    /// written). Only for callers that turned rollback off (`webhook.rollback_*` = false). The
    /// after rows of models no hook watches are not read.
    pub async fn commit_partial(mut self) -> Result<ChangeSet> {
        let changes = std::mem::take(&mut self.changes);
        self.hooks_before_commit().await?;
        self.end(true).await?;
        Ok(changes)
    }

    pub async fn rollback(self) -> Result<()> {
        self.end(false).await
    }

    /// Commit (`keep`) or roll back, and return when that is durable. In a group commit, the
    /// savepoint is released into the batch and the batch's commit is awaited.
    async fn end(self, keep: bool) -> Result<()> {
        let Tx {
            conn,
            turn,
            on_commit,
            ..
        } = self;
        let ended = if keep {
            conn.commit().await
        } else {
            conn.rollback().await
        };
        if let Some(turn) = turn {
            turn.end(keep && ended.is_ok()).await?;
        }
        ended?;
        if keep {
            let work = on_commit.into_inner().expect("on_commit lock");
            work.into_iter().for_each(|work| work());
        }
        Ok(())
    }

    /// Whether a change hook is running (`access.rs`).
    pub(crate) fn in_hooks(&self) -> bool {
        self.hooks_running
            .load(std::sync::atomic::Ordering::Relaxed)
            > 0
    }

    /// Mark hooks as running until the guard is dropped.
    fn hooks_run(&self) -> HooksRunning<'_> {
        self.hooks_running
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HooksRunning(&self.hooks_running)
    }

    async fn hooks_before_commit(&self) -> Result<()> {
        let _running = self.hooks_run();
        for hook in &self.hooks {
            hook.before_commit(self)
                .await
                .map_err(|e| StoreError::Hook(e.0))?;
        }
        Ok(())
    }

    pub(crate) fn model(&self, name: &str) -> Result<&Model> {
        self.registry
            .model(name)
            .ok_or_else(|| StoreError::UnknownModel(name.to_string()))
    }

    /// A many2one target that needs no existence check: created or found by this transaction, or
    /// the env's company.
    pub(crate) fn known_to_exist(&self, model: &str, id: i64) -> bool {
        (model == "res.company" && id == self.env.company_id)
            || self
                .known
                .lock()
                .expect("known ids lock")
                .contains(&(model.to_string(), id))
    }

    pub(crate) fn note_known(&self, model: &str, ids: &[i64], exists: bool) {
        let mut known = self.known.lock().expect("known ids lock");
        for id in ids {
            if exists {
                known.insert((model.to_string(), *id));
            } else {
                known.remove(&(model.to_string(), *id));
            }
        }
    }

    fn check_open(&self) -> Result<()> {
        if self.failed {
            Err(StoreError::Aborted)
        } else {
            Ok(())
        }
    }

    fn settle<T>(&mut self, result: Result<T>) -> Result<T> {
        if result.is_err() {
            self.failed = true;
            self.current.forget_all();
        }
        result
    }

    async fn create_op(&mut self, model: &str, vals: &Map<String, Value>) -> Result<i64> {
        self.model(model)?;
        self.allow(model, true)?;
        let touched = Touched {
            model: model.to_string(),
            operation: Operation::Create,
            ids: Vec::new(),
            fields: vals.keys().cloned().collect(),
        };
        let states = self.hooks_before(&touched).await?;
        let mut op = ChangeSet::default();
        let id = self.insert_record(model, vals, &mut op).await?;
        self.finish_op(op, states).await?;
        Ok(id)
    }

    async fn write_op(
        &mut self,
        model: &str,
        ids: &[i64],
        vals: &Map<String, Value>,
    ) -> Result<()> {
        self.allow(model, true)?;
        let ids = self.check_access(model, ids).await?;
        let touched = Touched {
            model: model.to_string(),
            operation: Operation::Write,
            ids: ids.clone(),
            fields: vals.keys().cloned().collect(),
        };
        let states = self.hooks_before(&touched).await?;
        let mut op = ChangeSet::default();
        self.write_records(model, &ids, vals, &mut op).await?;
        self.finish_op(op, states).await
    }

    async fn unlink_op(&mut self, model: &str, ids: &[i64]) -> Result<()> {
        self.allow(model, true)?;
        let ids = self.check_access(model, ids).await?;
        let touched = Touched {
            model: model.to_string(),
            operation: Operation::Unlink,
            ids: ids.clone(),
            fields: Vec::new(),
        };
        let states = self.hooks_before(&touched).await?;
        let mut op = ChangeSet::default();
        self.unlink_records(model, &ids, &mut op).await?;
        self.finish_op(op, states).await
    }

    /// Run the after hooks with the after rows of the models they watch, and keep the operation's
    /// changes. Other after rows are read only if `commit` asks for them.
    async fn finish_op(&mut self, mut op: ChangeSet, states: Vec<HookState>) -> Result<()> {
        if !self.hooks.is_empty() {
            let hooks = self.hooks.clone();
            self.fill_after_rows(&mut op, |model| hooks.iter().any(|h| h.watches(model)))
                .await?;
            let _running = self.hooks_run();
            for (hook, state) in hooks.iter().zip(states) {
                hook.after(self, &op, state)
                    .await
                    .map_err(|e| StoreError::Hook(e.0))?;
            }
        }
        self.changes.merge(op);
        Ok(())
    }

    async fn hooks_before(&self, touched: &Touched) -> Result<Vec<HookState>> {
        let _running = self.hooks_run();
        let mut states = Vec::with_capacity(self.hooks.len());
        for hook in &self.hooks {
            states.push(
                hook.before(self, touched)
                    .await
                    .map_err(|e| StoreError::Hook(e.0))?,
            );
        }
        Ok(states)
    }

    /// Read the missing after rows of the changed records of the `wanted` models, a query per model.
    async fn fill_after_rows(
        &self,
        op: &mut ChangeSet,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<()> {
        let missing = |c: &RecordChange| {
            c.kind != ChangeKind::Deleted && c.after.is_none() && wanted(&c.model)
        };
        let mut by_model: Vec<(String, Vec<i64>)> = Vec::new();
        for change in op.changes.iter().filter(|c| missing(c)) {
            match by_model.iter_mut().find(|(m, _)| m == &change.model) {
                Some((_, ids)) => ids.push(change.id),
                None => by_model.push((change.model.clone(), vec![change.id])),
            }
        }
        for (model, ids) in by_model {
            let mut rows = self.load_rows(&model, &ids, None).await?;
            for change in op
                .changes
                .iter_mut()
                .filter(|c| c.model == model && missing(c))
            {
                change.after = rows.remove(&change.id);
            }
        }
        Ok(())
    }

    /// Record that `model` `id` is about to change (kind) with its row as it is now.
    pub(crate) fn note_change(
        op: &mut ChangeSet,
        model: &str,
        id: i64,
        kind: ChangeKind,
        before: Option<crate::Row>,
    ) {
        op.merge(ChangeSet {
            changes: vec![RecordChange {
                model: model.to_string(),
                id,
                kind,
                before,
                after: None,
            }],
        });
    }

    /// Search with a domain; the result is ordered and limited as asked.
    pub async fn search(
        &self,
        model: &str,
        domain: &Domain,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<i64>> {
        let ids = crate::read::search(self, model, domain, options).await?;
        self.note_known(model, &ids, true);
        Ok(ids)
    }

    /// `search` for records about to be written: their whole stored rows are read in the same
    /// query (locked `FOR UPDATE` on PostgreSQL, so no other transaction changes them first) and
    /// kept, so the write that follows need not read its before rows.
    pub async fn search_for_write(
        &self,
        model: &str,
        domain: &Domain,
        options: &SearchOptions<'_>,
    ) -> Result<Vec<i64>> {
        let m = self.model(model)?;
        let columns: Vec<&str> = m.columns().map(|f| f.name.as_str()).collect();
        let rows = crate::read::search_rows(self, model, domain, options, &columns, true).await?;
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        self.note_known(model, &ids, true);
        self.current
            .remember(model, rows.iter().map(|(id, row)| (*id, row)));
        Ok(rows.into_iter().map(|(id, _)| id).collect())
    }

    /// Which of `ids` match `domain` as the records are now, archived ones included: in memory
    /// from the rows this transaction holds when the domain reads only the record's own columns
    /// (`BoundDomain::reads_only_its_row`), otherwise one query.
    pub async fn matching(&self, model: &str, domain: &Domain, ids: &[i64]) -> Result<Vec<i64>> {
        crate::read::matching(self, model, domain, ids).await
    }

    /// Which of `rows` (whole stored rows by id, as a `ChangeSet` holds them) match `domain`,
    /// archived or not, with the SQL's answer; None when the domain reads more than the rows.
    pub fn rows_matching<'r>(
        &self,
        model: &str,
        domain: &Domain,
        rows: impl IntoIterator<Item = (i64, &'r crate::Row)>,
    ) -> Result<Option<Vec<i64>>> {
        crate::read::rows_matching(self, model, domain, rows)
    }

    /// `search`, returning with each id the stored values of `fields` (scalar and many2one fields),
    /// read in the same query.
    pub async fn search_rows(
        &self,
        model: &str,
        domain: &Domain,
        options: &SearchOptions<'_>,
        fields: &[&str],
    ) -> Result<Vec<(i64, crate::Row)>> {
        let rows = crate::read::search_rows(self, model, domain, options, fields, false).await?;
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        self.note_known(model, &ids, true);
        Ok(rows)
    }

    pub async fn count(&self, model: &str, domain: &Domain, include_archived: bool) -> Result<u64> {
        crate::read::count(self, model, domain, include_archived).await
    }

    /// Stored rows (the `Row` format of `ChangeSet`s and of the domain evaluator) of existing ids.
    pub async fn stored_rows(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, crate::Row>> {
        self.model(model)?;
        self.allow(model, false)?;
        self.load_rows(model, ids, None).await
    }

    /// `stored_rows` with only the fields `wanted` keeps (and `id`): each x2many field left out is
    /// a query saved.
    pub async fn stored_rows_where(
        &self,
        model: &str,
        ids: &[i64],
        wanted: impl Fn(&weft_registry::Field) -> bool,
    ) -> Result<std::collections::HashMap<i64, crate::Row>> {
        let m = self.model(model)?;
        let fields: Vec<&weft_registry::Field> = m
            .fields()
            .iter()
            .filter(|f| f.name == "id" || wanted(f))
            .collect();
        self.load_rows(model, ids, Some(&fields)).await
    }

    /// Display names (`rec_name`) of existing ids; a record the env may not see is named
    /// `model,id`, as beside a many2one value. The model itself must be one the env may use.
    pub async fn names(&self, model: &str, ids: &[i64]) -> Result<HashMap<i64, String>> {
        self.model(model)?;
        self.allow(model, false)?;
        self.display_names(model, ids).await
    }

    /// Odoo's read(): one dict per existing id in the given order, `fields` empty = all fields.
    pub async fn read(
        &self,
        model: &str,
        ids: &[i64],
        fields: &[&str],
    ) -> Result<Vec<Map<String, Value>>> {
        crate::read::read(self, model, ids, fields).await
    }
}

/// Counts a running hook until dropped (also when the hook fails or its future is dropped).
struct HooksRunning<'t>(&'t std::sync::atomic::AtomicU32);

impl Drop for HooksRunning<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

trait NanosecondZero {
    fn with_nanosecond_zero(self) -> Self;
}

impl NanosecondZero for NaiveDateTime {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}
