//! The model registry: what models exist, their fields and the methods `call_function` may call,
//! read from a schema file (TOML) on top of the built-in `res.company` and `res.users`.
//!
//! A `Registry` is checked once when it is built (unknown comodels, missing inverses, bad defaults and
//! selections are refused with a message naming the model and field) and is read-only afterwards.
//! It never touches the database: the store turns it into tables.

mod error;
pub mod field_spec;
mod file;
mod load;
mod model;
mod resolve;
pub mod value;

pub use error::SchemaError;
pub use file::SequenceSpec;
pub use model::{
    DataRecord, Field, FieldType, Method, MethodKind, Model, OnDelete, ParamType, Selection,
};

use std::collections::BTreeMap;
use weft_domain::{FieldInfo, FieldKind, Schema};

/// The embedded demo schema (DESIGN.md §3), used when `WEFT_SCHEMA` is unset.
pub const DEMO_SCHEMA: &str = include_str!("demo.toml");

#[derive(Debug, Clone)]
pub struct Registry {
    models: BTreeMap<String, Model>,
    records: Vec<DataRecord>,
}

impl Registry {
    /// Build a registry from a schema file's text; the built-in models are always included.
    pub fn from_toml(text: &str) -> Result<Registry, SchemaError> {
        load::load(text)
    }

    /// The embedded demo schema.
    pub fn demo() -> Registry {
        Registry::from_toml(DEMO_SCHEMA).expect("the embedded demo schema is valid")
    }

    /// Only the built-in models.
    pub fn builtin() -> Registry {
        Registry::from_toml("").expect("the built-in schema is valid")
    }

    pub fn model(&self, name: &str) -> Option<&Model> {
        self.models.get(name)
    }

    /// Models in name order.
    pub fn models(&self) -> impl Iterator<Item = &Model> {
        self.models.values()
    }

    /// Data records the schema ships, in file order.
    pub fn records(&self) -> &[DataRecord] {
        &self.records
    }
}

/// The domain language resolves fields through this.
impl Schema for Registry {
    fn table(&self, model: &str) -> Option<&str> {
        self.model(model).map(|m| m.table.as_str())
    }

    fn field(&self, model: &str, name: &str) -> Option<FieldInfo<'_>> {
        let field = self.model(model)?.field(name)?;
        let kind = match &field.kind {
            FieldType::Id => FieldKind::Id,
            FieldType::Char => FieldKind::Char,
            FieldType::Text => FieldKind::Text,
            FieldType::Html => FieldKind::Html,
            FieldType::Integer => FieldKind::Integer,
            FieldType::Float => FieldKind::Float,
            FieldType::Monetary => FieldKind::Monetary,
            FieldType::Boolean => FieldKind::Boolean,
            FieldType::Date => FieldKind::Date,
            FieldType::Datetime => FieldKind::Datetime,
            FieldType::Selection(_) => FieldKind::Selection,
            FieldType::Binary => FieldKind::Binary,
            FieldType::Json => FieldKind::Json,
            FieldType::Many2one { comodel, .. } => FieldKind::Many2one { comodel },
            FieldType::One2many { comodel, inverse } => FieldKind::One2many { comodel, inverse },
            FieldType::Many2many {
                comodel,
                relation,
                column1,
                column2,
            } => FieldKind::Many2many {
                comodel,
                relation,
                column1,
                column2,
            },
        };
        Some(FieldInfo {
            name: &field.name,
            kind,
        })
    }

    fn rec_name(&self, model: &str) -> &str {
        self.model(model).map_or("name", |m| m.rec_name.as_str())
    }

    fn parent_field(&self, model: &str) -> Option<&str> {
        self.model(model)?.parent_field.as_deref()
    }

    fn has_active(&self, model: &str) -> bool {
        self.model(model).is_some_and(Model::has_active)
    }
}
