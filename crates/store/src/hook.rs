//! Code that runs inside the write transaction: after the store has decided what it will touch and
//! before it writes (`before`), and after the write but before the commit (`after`). An error from a
//! hook fails the operation and the whole transaction rolls back, so what a hook writes (outbox rows)
//! commits exactly when the change does.

use crate::changeset::ChangeSet;
use crate::tx::Tx;
use std::any::Any;

/// The records an operation is about to change. `ids` is empty for a create.
#[derive(Debug, Clone, PartialEq)]
pub struct Touched {
    pub model: String,
    pub operation: Operation,
    pub ids: Vec<i64>,
    /// The fields the caller's values name (a write that names a field touches it, changed or not).
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Write,
    Unlink,
}

/// What `before` wants to hand to `after` (for example which records matched a domain before).
pub type HookState = Option<Box<dyn Any + Send>>;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HookError(pub String);

#[async_trait::async_trait]
pub trait ChangeHook: Send + Sync {
    /// Whether the hook looks at `model`'s records at all: a write's UPDATE then returns their
    /// rows, which `Tx::matching` and this transaction's reads use instead of querying.
    fn looks_at(&self, _model: &str) -> bool {
        true
    }

    /// Whether `after` needs the after rows of `model`'s records (reading them costs queries).
    fn watches(&self, _model: &str) -> bool {
        true
    }

    /// Called before the write; `tx` sees the database as it was.
    async fn before(&self, _tx: &Tx, _touched: &Touched) -> Result<HookState, HookError> {
        Ok(None)
    }

    /// Called after the write with what it changed; `tx` sees the database as it now is.
    async fn after(&self, tx: &Tx, changes: &ChangeSet, state: HookState) -> Result<(), HookError>;

    /// Called once when the transaction is about to commit, after its last operation: the place
    /// for work that must see the records as the whole transaction leaves them (what `after`
    /// decided can wait in `Tx::stash`). An error rolls everything back.
    async fn before_commit(&self, _tx: &Tx) -> Result<(), HookError> {
        Ok(())
    }
}
