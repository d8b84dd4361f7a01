//! What a transaction changed: for every touched record, its stored row before and after (before
//! an update: every column, and the x2many fields that were written or that a hook watches).
//! Outbound rules and subscriptions read this to decide what fires; tests read it to see exactly
//! which fields moved.

use serde_json::{Map, Value};

/// A record's stored values by field name (see `weft_registry::value`), x2many fields as id lists.
pub type Row = Map<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordChange {
    pub model: String,
    pub id: i64,
    pub kind: ChangeKind,
    /// None for a created record.
    pub before: Option<Row>,
    /// None for a deleted record.
    pub after: Option<Row>,
}

/// One field whose value differs between before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange<'a> {
    pub field: &'a str,
    pub old: &'a Value,
    pub new: &'a Value,
}

impl RecordChange {
    /// Fields whose stored value changed (for a created record: every field that is not empty;
    /// for a deleted one: none). `write_date` and `write_uid` are bookkeeping and left out, and
    /// so is an x2many field the before row does not hold (not written, and no hook watched).
    pub fn changed_fields(&self) -> Vec<FieldChange<'_>> {
        static NULL: Value = Value::Null;
        let Some(after) = &self.after else {
            return Vec::new();
        };
        after
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "write_date" | "write_uid"))
            .filter_map(|(field, new)| {
                let old = match &self.before {
                    None => &NULL,
                    Some(before) => before.get(field)?,
                };
                (old != new).then_some(FieldChange { field, old, new })
            })
            .collect()
    }

    pub fn changed(&self, field: &str) -> bool {
        self.changed_fields().iter().any(|c| c.field == field)
    }
}

/// Every record a transaction (or one operation of it) touched, in the order they were first touched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    pub changes: Vec<RecordChange>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn get(&self, model: &str, id: i64) -> Option<&RecordChange> {
        self.changes.iter().find(|c| c.model == model && c.id == id)
    }

    pub fn of_model<'a>(&'a self, model: &'a str) -> impl Iterator<Item = &'a RecordChange> + 'a {
        self.changes.iter().filter(move |c| c.model == model)
    }

    /// Fold a later change set in: a record touched twice keeps its first `before` and last `after`;
    /// a record created and then deleted in the same transaction disappears.
    pub fn merge(&mut self, later: ChangeSet) {
        for change in later.changes {
            let existing = self
                .changes
                .iter()
                .position(|c| c.model == change.model && c.id == change.id);
            match existing {
                None => self.changes.push(change),
                Some(i) => {
                    let first = &mut self.changes[i];
                    if first.kind == ChangeKind::Created && change.kind == ChangeKind::Deleted {
                        self.changes.remove(i);
                        continue;
                    }
                    if first.kind != ChangeKind::Created {
                        first.kind = change.kind;
                    } else if change.kind == ChangeKind::Deleted {
                        first.kind = ChangeKind::Deleted;
                    }
                    first.after = change.after;
                }
            }
        }
    }
}
