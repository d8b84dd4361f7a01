//! The registry's vocabulary: models, fields, methods and the data records a schema ships.
//! These are checked, resolved types: a `Registry` that exists is internally consistent.

use crate::file::SequenceSpec;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::collections::HashMap;

/// What `ondelete` does when the record a many2one points at is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    SetNull,
    Restrict,
    Cascade,
}

impl OnDelete {
    pub fn as_str(self) -> &'static str {
        match self {
            OnDelete::SetNull => "set null",
            OnDelete::Restrict => "restrict",
            OnDelete::Cascade => "cascade",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// (key, label) in declaration order.
    pub options: Vec<(String, String)>,
    /// language -> key -> label
    pub translations: BTreeMap<String, BTreeMap<String, String>>,
}

impl Selection {
    pub fn has_key(&self, key: &str) -> bool {
        self.options.iter().any(|(k, _)| k == key)
    }

    /// The label of `key` in `language`, falling back to the declared label.
    pub fn label<'a>(&'a self, key: &str, language: &str) -> Option<&'a str> {
        let declared = self.options.iter().find(|(k, _)| k == key)?;
        Some(
            self.translations
                .get(language)
                .and_then(|labels| labels.get(key))
                .map_or(declared.1.as_str(), String::as_str),
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldType {
    /// The primary key every table has.
    Id,
    Char,
    Text,
    Html,
    Integer,
    Float,
    Monetary,
    Boolean,
    Date,
    Datetime,
    Selection(Selection),
    Binary,
    Json,
    Many2one {
        comodel: String,
        ondelete: OnDelete,
    },
    One2many {
        comodel: String,
        inverse: String,
    },
    Many2many {
        comodel: String,
        relation: String,
        column1: String,
        column2: String,
    },
}

impl FieldType {
    /// The name used in the schema file and in `fields_get`.
    pub fn name(&self) -> &'static str {
        match self {
            FieldType::Id => "integer",
            FieldType::Char => "char",
            FieldType::Text => "text",
            FieldType::Html => "html",
            FieldType::Integer => "integer",
            FieldType::Float => "float",
            FieldType::Monetary => "monetary",
            FieldType::Boolean => "boolean",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Selection(_) => "selection",
            FieldType::Binary => "binary",
            FieldType::Json => "json",
            FieldType::Many2one { .. } => "many2one",
            FieldType::One2many { .. } => "one2many",
            FieldType::Many2many { .. } => "many2many",
        }
    }

    /// The comodel of a relational field.
    pub fn comodel(&self) -> Option<&str> {
        match self {
            FieldType::Many2one { comodel, .. }
            | FieldType::One2many { comodel, .. }
            | FieldType::Many2many { comodel, .. } => Some(comodel),
            _ => None,
        }
    }

    /// Whether the field has a column in its model's table (x2many fields live elsewhere).
    pub fn is_stored_column(&self) -> bool {
        !matches!(
            self,
            FieldType::One2many { .. } | FieldType::Many2many { .. }
        )
    }

    pub fn is_x2many(&self) -> bool {
        matches!(
            self,
            FieldType::One2many { .. } | FieldType::Many2many { .. }
        )
    }

    /// Numbers and booleans are stored NOT NULL (Odoo reads an unset one as 0 / false).
    pub fn is_not_null(&self) -> bool {
        matches!(
            self,
            FieldType::Id
                | FieldType::Integer
                | FieldType::Float
                | FieldType::Monetary
                | FieldType::Boolean
        )
    }

    /// The value a NOT NULL column holds when nothing was written.
    pub fn empty_value(&self) -> Value {
        match self {
            FieldType::Integer | FieldType::Id => Value::from(0),
            FieldType::Float | FieldType::Monetary => Value::from(0.0),
            FieldType::Boolean => Value::Bool(false),
            _ => Value::Null,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    /// Human label (`string` in Odoo).
    pub string: String,
    pub help: Option<String>,
    pub kind: FieldType,
    pub required: bool,
    pub unique: bool,
    pub index: bool,
    pub readonly: bool,
    /// Already checked against the field type.
    pub default: Option<Value>,
    pub sequence: Option<SequenceSpec>,
    /// `id`, `create_date`, `write_date`, `create_uid`, `write_uid`: maintained by the store only.
    pub system: bool,
}

impl Field {
    pub(crate) fn new(name: &str, kind: FieldType) -> Field {
        Field {
            name: name.to_string(),
            string: label_of(name),
            help: None,
            kind,
            required: false,
            unique: false,
            index: false,
            readonly: false,
            default: None,
            sequence: None,
            system: false,
        }
    }

    /// Whether a client may write this field.
    pub fn is_writable(&self) -> bool {
        !self.system && !self.readonly
    }
}

/// `partner_id` -> `Partner`, `date_order` -> `Date Order` (Odoo's default labels).
pub(crate) fn label_of(name: &str) -> String {
    let trimmed = name
        .strip_suffix("_ids")
        .or_else(|| name.strip_suffix("_id"))
        .unwrap_or(name);
    trimmed
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or(String::new(), |c| {
                c.to_uppercase().collect::<String>() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A method `call_function` may call.
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    pub name: String,
    pub kind: MethodKind,
    /// Declared parameters in order: name and type.
    pub params: Vec<(String, ParamType)>,
    /// A domain (canonical JSON) each record must match before the method runs.
    pub require: Option<weft_domain::Domain>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MethodKind {
    /// Write `values` on the records; a value `{"$param": "name"}` takes the call's parameter.
    Write {
        values: Map<String, Value>,
    },
    Unlink,
    Copy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Char,
    Text,
    Integer,
    Float,
    Boolean,
    Date,
    Datetime,
}

impl ParamType {
    pub fn parse(name: &str) -> Option<ParamType> {
        Some(match name {
            "char" => ParamType::Char,
            "text" => ParamType::Text,
            "integer" => ParamType::Integer,
            "float" => ParamType::Float,
            "boolean" => ParamType::Boolean,
            "date" => ParamType::Date,
            "datetime" => ParamType::Datetime,
            _ => return None,
        })
    }

    /// The field type a parameter of this type is checked as.
    pub fn field_type(self) -> FieldType {
        match self {
            ParamType::Char => FieldType::Char,
            ParamType::Text => FieldType::Text,
            ParamType::Integer => FieldType::Integer,
            ParamType::Float => FieldType::Float,
            ParamType::Boolean => FieldType::Boolean,
            ParamType::Date => FieldType::Date,
            ParamType::Datetime => FieldType::Datetime,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub name: String,
    pub table: String,
    pub description: String,
    pub rec_name: String,
    /// Default order, already checked (`Order::parse` and every field exists).
    pub order: String,
    pub parent_field: Option<String>,
    /// The many2one through which records without a `company_id` of their own belong to a scoped
    /// parent's company (`company_from = "order_id"`), checked by the loader.
    pub company_from: Option<String>,
    /// Built-in models (`res.company`, `res.users`) are backed by system tables.
    pub builtin: bool,
    pub(crate) fields: Vec<Field>,
    pub(crate) by_name: HashMap<String, usize>,
    pub methods: BTreeMap<String, Method>,
}

impl Model {
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.by_name.get(name).map(|&i| &self.fields[i])
    }

    /// Fields stored as columns of this model's table, `id` first.
    pub fn columns(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.kind.is_stored_column())
    }

    /// A model with a `company_id` many2one to `res.company` is company-scoped.
    pub fn is_company_scoped(&self) -> bool {
        matches!(self.field("company_id").map(|f| &f.kind),
            Some(FieldType::Many2one { comodel, .. }) if comodel == "res.company")
    }

    /// The many2one field and its comodel that give this model's records their company, when
    /// they have none of their own (`company_from`).
    pub fn company_parent(&self) -> Option<(&str, &str)> {
        let field = self.field(self.company_from.as_deref()?)?;
        Some((field.name.as_str(), field.kind.comodel()?))
    }

    pub fn has_active(&self) -> bool {
        matches!(
            self.field("active").map(|f| &f.kind),
            Some(FieldType::Boolean)
        )
    }

    pub(crate) fn push_field(&mut self, field: Field) {
        self.by_name.insert(field.name.clone(), self.fields.len());
        self.fields.push(field);
    }
}

/// A record the schema ships (demo data), created once by `schema apply` and remembered by its key.
#[derive(Debug, Clone, PartialEq)]
pub struct DataRecord {
    pub key: String,
    pub model: String,
    /// Values in the store's write format; a many2one may be `{"$ref": "<key>"}`.
    pub values: Map<String, Value>,
}
