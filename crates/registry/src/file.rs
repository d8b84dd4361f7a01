//! The schema file as written by people: TOML, deserialised as-is before any checking.
//!
//! ```toml
//! [models."sale.order"]
//! description = "Sales Order"
//! order = "date_order desc, id desc"
//!
//! [models."sale.order".fields]
//! name = { type = "char", required = true, sequence = { prefix = "SO", padding = 5 } }
//! partner_id = { type = "many2one", comodel = "res.partner", required = true, ondelete = "restrict" }
//!
//! [models."sale.order".methods]
//! action_confirm = { kind = "write", values = { state = "sale" }, require = "[('state', 'in', ['draft', 'sent'])]" }
//!
//! [[records]]
//! key = "base.USD"
//! model = "res.currency"
//! values = { name = "USD", symbol = "$" }
//! ```
//!
//! Field order in the file is kept: it is the order `read()` and `fields_get` report.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFile {
    #[serde(default)]
    pub models: toml::Table,
    #[serde(default)]
    pub records: Vec<RecordSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub rec_name: Option<String>,
    #[serde(default)]
    pub order: Option<String>,
    #[serde(default)]
    pub parent_field: Option<String>,
    /// A many2one whose record's company this model's records share (order lines: `order_id`).
    #[serde(default)]
    pub company_from: Option<String>,
    #[serde(default)]
    pub fields: toml::Table,
    #[serde(default)]
    pub methods: toml::Table,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub string: Option<String>,
    #[serde(default)]
    pub help: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub unique: bool,
    #[serde(default)]
    pub index: bool,
    #[serde(default)]
    pub readonly: bool,
    #[serde(default)]
    pub default: Option<toml::Value>,
    #[serde(default)]
    pub comodel: Option<String>,
    #[serde(default)]
    pub ondelete: Option<String>,
    #[serde(default)]
    pub inverse: Option<String>,
    #[serde(default)]
    pub relation: Option<String>,
    #[serde(default)]
    pub column1: Option<String>,
    #[serde(default)]
    pub column2: Option<String>,
    /// `[["draft", "Quotation"], ["sale", "Sales Order"]]`
    #[serde(default)]
    pub selection: Option<Vec<(String, String)>>,
    /// `{ fr_FR = { draft = "Devis" } }`
    #[serde(default)]
    pub translations: Option<toml::Table>,
    #[serde(default)]
    pub sequence: Option<SequenceSpec>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SequenceSpec {
    pub prefix: String,
    #[serde(default = "default_padding")]
    pub padding: u8,
}

fn default_padding() -> u8 {
    5
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSpec {
    pub kind: String,
    #[serde(default)]
    pub values: toml::Table,
    /// Parameter name -> type name (`char`, `integer`, `float`, `boolean`, `date`, `datetime`, `text`).
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub require: Option<String>,
    #[serde(default)]
    pub help: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordSpec {
    pub key: String,
    pub model: String,
    pub values: toml::Table,
}
