//! What the domain language needs to know about the outside world.
//!
//! [`Schema`] resolves models and fields (the registry implements it); [`Records`] hands rows to the
//! in-memory evaluator. Both are traits so this crate stays free of I/O and of the registry.

use serde_json::{Map, Value};

/// Models and fields, as the registry declares them. Field names are column names, and every
/// identifier is already validated as `[a-z_][a-z0-9_]*`, so the compiler may quote it into SQL.
pub trait Schema {
    /// The table of `model`; `None` for an unknown model.
    fn table(&self, model: &str) -> Option<&str>;
    /// A field of `model`, `"id"` included (as [`FieldKind::Id`]).
    fn field(&self, model: &str, name: &str) -> Option<FieldInfo<'_>>;
    /// The field searched when a relational field is compared with a name.
    fn rec_name(&self, model: &str) -> &str;
    /// The many2one that makes `model` a hierarchy, for `child_of` / `parent_of`.
    fn parent_field(&self, model: &str) -> Option<&str>;
    /// Whether `model` declares a boolean `active` (and so gets the implicit active filter).
    fn has_active(&self, model: &str) -> bool;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo<'a> {
    pub name: &'a str,
    pub kind: FieldKind<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind<'a> {
    Id,
    Char,
    Text,
    Html,
    Selection,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    Binary,
    Json,
    Many2one {
        comodel: &'a str,
    },
    One2many {
        comodel: &'a str,
        inverse: &'a str,
    },
    /// `column1` holds this model's id in `relation`, `column2` the comodel's.
    Many2many {
        comodel: &'a str,
        relation: &'a str,
        column1: &'a str,
        column2: &'a str,
    },
}

impl FieldKind<'_> {
    /// The model on the other side of a relational field.
    pub fn comodel(&self) -> Option<&str> {
        match self {
            FieldKind::Many2one { comodel }
            | FieldKind::One2many { comodel, .. }
            | FieldKind::Many2many { comodel, .. } => Some(comodel),
            _ => None,
        }
    }
}

/// Stored rows for the in-memory evaluator.
///
/// A row maps field names to stored values: scalars as stored (`null` when empty, booleans as
/// `true`/`false`, dates `"YYYY-MM-DD"`, datetimes `"YYYY-MM-DD HH:MM:SS"`), a many2one as the id
/// or `null`, a one2many or many2many as an array of ids. `id` need not be in the row.
pub trait Records {
    fn row(&self, model: &str, id: i64) -> Option<&Map<String, Value>>;

    /// Every id of `model`. Only `parent_of` with names needs it (the roots are found by a name
    /// search over the whole model); without it such a term matches nothing in memory.
    fn ids(&self, model: &str) -> Vec<i64> {
        let _ = model;
        Vec::new()
    }
}
