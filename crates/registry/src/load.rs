//! Turning schema files into a checked `Registry`: built-in models first, then the file's models (which
//! may only add fields and methods to the built-ins), system fields, and every rule of DESIGN.md §3.
//! All problems are collected, so one `weft schema check` run lists them all.

use crate::Registry;
use crate::error::SchemaError;
use crate::file::{FieldSpec, MethodSpec, ModelSpec, RecordSpec, SchemaFile};
use crate::model::{DataRecord, Field, FieldType, Method, Model, OnDelete, label_of};
use crate::resolve::{check_company_from, resolve_method, resolve_record, resolve_selection};
use crate::value::{coerce, describe};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use weft_domain::Order;

const BUILTIN: &str = include_str!("builtin.toml");
/// PostgreSQL truncates identifiers longer than this.
const MAX_IDENTIFIER: usize = 63;
/// Columns every table has; a schema cannot declare them.
pub(crate) const SYSTEM_FIELDS: [&str; 5] =
    ["id", "create_date", "create_uid", "write_date", "write_uid"];

pub(crate) fn load(text: &str) -> Result<Registry, SchemaError> {
    let mut loader = Loader::default();
    let builtin = parse_file(BUILTIN).expect("the built-in schema is valid TOML");
    loader.declare_models(builtin.models, true);
    let file = parse_file(text)?;
    loader.declare_models(file.models, false);
    loader.resolve_fields();
    let mut registry = Registry {
        models: std::mem::take(&mut loader.models),
        records: Vec::new(),
    };
    loader.check_models(&registry);
    let methods = loader.resolve_methods(&registry);
    for (model, method) in methods {
        if let Some(m) = registry.models.get_mut(&model) {
            m.methods.insert(method.name.clone(), method);
        }
    }
    registry.records = loader.resolve_records(&registry, file.records);
    match loader.errors.len() {
        0 => Ok(registry),
        1 => Err(loader.errors.remove(0)),
        _ => Err(SchemaError::Many(loader.errors)),
    }
}

fn parse_file(text: &str) -> Result<SchemaFile, SchemaError> {
    toml::from_str(text).map_err(|e| SchemaError::Syntax(e.to_string().trim().replace('\n', " ")))
}

#[derive(Default)]
struct Loader {
    models: BTreeMap<String, Model>,
    /// Field specs waiting for every model to be known (relations point anywhere).
    pending_fields: Vec<(String, String, FieldSpec)>,
    pending_methods: Vec<(String, String, MethodSpec)>,
    errors: Vec<SchemaError>,
}

impl Loader {
    fn declare_models(&mut self, models: toml::Table, builtin: bool) {
        for (name, spec) in models {
            let spec = match ModelSpec::deserialize(spec) {
                Ok(spec) => spec,
                Err(e) => {
                    self.errors.push(SchemaError::model(&name, one_line(e)));
                    continue;
                }
            };
            if let Some(existing) = self.models.get(&name) {
                if existing.builtin
                    && (spec.description.is_some()
                        || spec.order.is_some()
                        || spec.rec_name.is_some())
                {
                    self.errors.push(SchemaError::model(
                        &name,
                        "is built in: a schema may add fields and methods to it, not redefine it",
                    ));
                }
            } else if let Err(reason) = check_model_name(&name) {
                self.errors.push(SchemaError::model(&name, reason));
                continue;
            } else {
                self.models
                    .insert(name.clone(), new_model(&name, &spec, builtin));
            }
            for (field, value) in spec.fields {
                match FieldSpec::deserialize(value) {
                    Ok(f) => self.pending_fields.push((name.clone(), field, f)),
                    Err(e) => self
                        .errors
                        .push(SchemaError::field(&name, &field, one_line(e))),
                }
            }
            for (method, value) in spec.methods {
                match MethodSpec::deserialize(value) {
                    Ok(m) => self.pending_methods.push((name.clone(), method, m)),
                    Err(e) => self.errors.push(SchemaError::Method {
                        model: name.clone(),
                        method,
                        reason: one_line(e),
                    }),
                }
            }
        }
    }

    fn resolve_fields(&mut self) {
        let names: HashSet<String> = self.models.keys().cloned().collect();
        let pending = std::mem::take(&mut self.pending_fields);
        // Pass 1: every field but one2many (whose inverse must already exist).
        let (one2many, others): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|(_, _, spec)| spec.kind == "one2many");
        for (model, name, spec) in others.into_iter().chain(one2many) {
            let result = self.resolve_field(&names, &model, &name, spec);
            match result {
                Ok(field) => {
                    let m = self.models.get_mut(&model).expect("declared above");
                    if m.field(&name).is_some() {
                        self.errors.push(SchemaError::field(
                            &model,
                            &name,
                            "is declared twice (built-in fields cannot be redefined)",
                        ));
                    } else {
                        m.push_field(field);
                    }
                }
                Err(reason) => self.errors.push(SchemaError::field(&model, &name, reason)),
            }
        }
    }

    fn resolve_field(
        &self,
        models: &HashSet<String>,
        model: &str,
        name: &str,
        spec: FieldSpec,
    ) -> Result<Field, String> {
        check_identifier(name)?;
        if SYSTEM_FIELDS.contains(&name) {
            return Err("is a system column every table has; it cannot be declared".into());
        }
        let kind = self.resolve_kind(models, model, &spec)?;
        if kind.is_x2many() && (spec.unique || spec.index || spec.required) {
            return Err(format!(
                "a {} field cannot be required, unique or indexed",
                kind.name()
            ));
        }
        if spec.sequence.is_some() && kind != FieldType::Char {
            return Err("only a char field can take its value from a sequence".into());
        }
        if spec.sequence.as_ref().is_some_and(|seq| seq.padding > 18) {
            return Err("sequence padding must be at most 18".into());
        }
        let default = match &spec.default {
            None => None,
            Some(v) => {
                let json = serde_json::to_value(v).map_err(|e| e.to_string())?;
                Some(
                    coerce(&kind, &json)
                        .map_err(|reason| format!("bad default {}: {reason}", describe(&json)))?,
                )
            }
        };
        Ok(Field {
            name: name.to_string(),
            string: spec.string.unwrap_or_else(|| label_of(name)),
            help: spec.help,
            kind,
            required: spec.required,
            unique: spec.unique,
            index: spec.index || spec.unique,
            readonly: spec.readonly,
            default,
            sequence: spec.sequence,
            system: false,
        })
    }

    fn resolve_kind(
        &self,
        models: &HashSet<String>,
        model: &str,
        spec: &FieldSpec,
    ) -> Result<FieldType, String> {
        let relational = matches!(spec.kind.as_str(), "many2one" | "one2many" | "many2many");
        let comodel = match (&spec.comodel, relational) {
            (Some(c), true) if models.contains(c) => Some(c.clone()),
            (Some(c), true) => return Err(format!("unknown comodel '{c}'")),
            (None, true) => return Err(format!("a {} field needs `comodel`", spec.kind)),
            (Some(_), false) => {
                return Err(format!(
                    "`comodel` is only for relational fields, not {}",
                    spec.kind
                ));
            }
            (None, false) => None,
        };
        let only_for = |key: &str, present: bool, kinds: &str| -> Result<(), String> {
            if present && !kinds.split(',').any(|k| k == spec.kind) {
                Err(format!("`{key}` does not apply to a {} field", spec.kind))
            } else {
                Ok(())
            }
        };
        only_for("ondelete", spec.ondelete.is_some(), "many2one")?;
        only_for("inverse", spec.inverse.is_some(), "one2many")?;
        only_for("relation", spec.relation.is_some(), "many2many")?;
        only_for("column1", spec.column1.is_some(), "many2many")?;
        only_for("column2", spec.column2.is_some(), "many2many")?;
        only_for("selection", spec.selection.is_some(), "selection")?;
        only_for("translations", spec.translations.is_some(), "selection")?;
        Ok(match spec.kind.as_str() {
            "char" => FieldType::Char,
            "text" => FieldType::Text,
            "html" => FieldType::Html,
            "integer" => FieldType::Integer,
            "float" => FieldType::Float,
            "monetary" => FieldType::Monetary,
            "boolean" => FieldType::Boolean,
            "date" => FieldType::Date,
            "datetime" => FieldType::Datetime,
            "binary" => FieldType::Binary,
            "json" => FieldType::Json,
            "selection" => FieldType::Selection(resolve_selection(spec)?),
            "many2one" => {
                let ondelete = match spec.ondelete.as_deref().unwrap_or("set null") {
                    "set null" => OnDelete::SetNull,
                    "restrict" => OnDelete::Restrict,
                    "cascade" => OnDelete::Cascade,
                    other => {
                        return Err(format!(
                            "ondelete '{other}' is not one of set null, restrict, cascade"
                        ));
                    }
                };
                if spec.required && ondelete == OnDelete::SetNull {
                    return Err("a required many2one cannot use ondelete 'set null' (use restrict or cascade)".into());
                }
                FieldType::Many2one {
                    comodel: comodel.expect("relational"),
                    ondelete,
                }
            }
            "one2many" => {
                let comodel = comodel.expect("relational");
                let inverse = spec
                    .inverse
                    .clone()
                    .ok_or("a one2many field needs `inverse`")?;
                let target = self.models.get(&comodel).and_then(|m| m.field(&inverse));
                match target.map(|f| &f.kind) {
                    Some(FieldType::Many2one { comodel: back, .. }) if back == model => {}
                    Some(_) => {
                        return Err(format!(
                            "inverse '{comodel}.{inverse}' is not a many2one to {model}"
                        ));
                    }
                    None => {
                        return Err(format!(
                            "missing inverse: {comodel} has no field '{inverse}'"
                        ));
                    }
                }
                FieldType::One2many { comodel, inverse }
            }
            "many2many" => {
                let comodel = comodel.expect("relational");
                let (table, cotable) = (table_of(model), table_of(&comodel));
                let relation = spec.relation.clone().unwrap_or_else(|| {
                    let (a, b) = if table <= cotable {
                        (&table, &cotable)
                    } else {
                        (&cotable, &table)
                    };
                    format!("{a}_{b}_rel")
                });
                let column1 = spec
                    .column1
                    .clone()
                    .unwrap_or_else(|| format!("{table}_id"));
                let column2 = spec
                    .column2
                    .clone()
                    .unwrap_or_else(|| format!("{cotable}_id"));
                for ident in [&relation, &column1, &column2] {
                    check_identifier(ident)?;
                }
                if column1 == column2 {
                    return Err(format!(
                        "column1 and column2 are both '{column1}': name them (a many2many to its own model needs both)"
                    ));
                }
                FieldType::Many2many {
                    comodel,
                    relation,
                    column1,
                    column2,
                }
            }
            other => {
                return Err(format!(
                    "unknown type '{other}' (char, text, html, integer, float, monetary, boolean, date, datetime, selection, binary, json, many2one, one2many, many2many)"
                ));
            }
        })
    }

    /// Rules that need every field in place: rec_name, order, parent field, table names, relation tables.
    fn check_models(&mut self, registry: &Registry) {
        let mut tables: HashMap<String, String> = HashMap::new();
        let mut relations: HashMap<String, (String, String, String, String)> = HashMap::new();
        for model in registry.models.values() {
            if let Some(other) = tables.insert(model.table.clone(), model.name.clone()) {
                self.errors.push(SchemaError::model(
                    &model.name,
                    format!("its table '{}' is also {other}'s", model.table),
                ));
            }
            let order_fields = Order::parse(&model.order).map(|o| o.0);
            match order_fields {
                Ok(terms) => {
                    for term in terms {
                        match model.field(&term.field) {
                            Some(f) if f.kind.is_stored_column() => {}
                            _ => self.errors.push(SchemaError::model(
                                &model.name,
                                format!(
                                    "order names '{}', which is not a stored field",
                                    term.field
                                ),
                            )),
                        }
                    }
                }
                Err(e) => self.errors.push(SchemaError::model(
                    &model.name,
                    format!("bad order '{}': {e}", model.order),
                )),
            }
            if model.field(&model.rec_name).is_none() {
                self.errors.push(SchemaError::model(
                    &model.name,
                    format!("rec_name '{}' is not a field", model.rec_name),
                ));
            }
            if let Some(parent) = &model.parent_field {
                match model.field(parent).map(|f| &f.kind) {
                    Some(FieldType::Many2one { comodel, .. }) if comodel == &model.name => {}
                    _ => self.errors.push(SchemaError::model(
                        &model.name,
                        format!(
                            "parent_field '{parent}' is not a many2one to {}",
                            model.name
                        ),
                    )),
                }
            }
            if let Err(reason) = check_company_from(registry, model) {
                self.errors.push(SchemaError::model(&model.name, reason));
            }
            for field in model.fields() {
                if let FieldType::Many2many {
                    comodel,
                    relation,
                    column1,
                    column2,
                } = &field.kind
                {
                    let this_side = (
                        model.name.clone(),
                        comodel.clone(),
                        column1.clone(),
                        column2.clone(),
                    );
                    match relations.get(relation) {
                        // The same table seen from the other side is fine when the columns mirror.
                        Some((m, c, c1, c2))
                            if m == comodel
                                && c == &model.name
                                && c1 == column2
                                && c2 == column1 => {}
                        Some((m, ..)) => self.errors.push(SchemaError::field(
                            &model.name,
                            &field.name,
                            format!(
                                "relation table '{relation}' is already used by a field of {m}"
                            ),
                        )),
                        None => {
                            relations.insert(relation.clone(), this_side);
                        }
                    }
                    if tables.contains_key(relation)
                        || registry.models.values().any(|m| &m.table == relation)
                    {
                        self.errors.push(SchemaError::field(
                            &model.name,
                            &field.name,
                            format!("relation table '{relation}' is a model's table"),
                        ));
                    }
                }
            }
        }
    }

    fn resolve_methods(&mut self, registry: &Registry) -> Vec<(String, Method)> {
        let mut out = Vec::new();
        for (model, name, spec) in std::mem::take(&mut self.pending_methods) {
            let Some(m) = registry.models.get(&model) else {
                continue;
            };
            match resolve_method(registry, m, &name, spec) {
                Ok(method) => out.push((model, method)),
                Err(reason) => self.errors.push(SchemaError::Method {
                    model,
                    method: name,
                    reason,
                }),
            }
        }
        out
    }

    fn resolve_records(&mut self, registry: &Registry, specs: Vec<RecordSpec>) -> Vec<DataRecord> {
        let mut known: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for spec in specs {
            match resolve_record(registry, &known, &spec) {
                Ok(record) => {
                    if known
                        .insert(record.key.clone(), record.model.clone())
                        .is_some()
                    {
                        self.errors.push(SchemaError::Record {
                            key: spec.key,
                            reason: "key is used twice".into(),
                        });
                    } else {
                        out.push(record);
                    }
                }
                Err(reason) => self.errors.push(SchemaError::Record {
                    key: spec.key,
                    reason,
                }),
            }
        }
        out
    }
}

fn new_model(name: &str, spec: &ModelSpec, builtin: bool) -> Model {
    let mut model = Model {
        name: name.to_string(),
        table: table_of(name),
        description: spec.description.clone().unwrap_or_else(|| name.to_string()),
        rec_name: spec.rec_name.clone().unwrap_or_else(|| {
            if spec.fields.contains_key("name") {
                "name".into()
            } else {
                "id".into()
            }
        }),
        order: spec.order.clone().unwrap_or_else(|| "id".into()),
        parent_field: spec.parent_field.clone().or_else(|| {
            let parent = spec.fields.get("parent_id")?;
            let comodel = parent.get("comodel")?.as_str()?;
            (comodel == name).then(|| "parent_id".to_string())
        }),
        company_from: spec.company_from.clone(),
        builtin,
        fields: Vec::new(),
        by_name: HashMap::new(),
        methods: BTreeMap::new(),
    };
    let users = FieldType::Many2one {
        comodel: "res.users".into(),
        ondelete: OnDelete::SetNull,
    };
    for (field, kind, label) in [
        ("id", FieldType::Id, "ID"),
        ("create_date", FieldType::Datetime, "Created on"),
        ("create_uid", users.clone(), "Created by"),
        ("write_date", FieldType::Datetime, "Last Updated on"),
        ("write_uid", users, "Last Updated by"),
    ] {
        let mut f = Field::new(field, kind);
        f.string = label.into();
        f.system = true;
        f.readonly = true;
        model.push_field(f);
    }
    model
}

/// `sale.order` -> `sale_order`.
pub(crate) fn table_of(model: &str) -> String {
    model.replace('.', "_")
}

fn check_model_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        && name.as_bytes()[0].is_ascii_lowercase();
    if !ok {
        return Err("a model name is lower-case words joined by dots (sale.order)".into());
    }
    if name.starts_with("weft.") || name.starts_with("weft_") || name.starts_with("seaql") {
        return Err("names starting with weft or seaql are reserved for system tables".into());
    }
    if table_of(name).len() > MAX_IDENTIFIER {
        return Err(format!(
            "its table name is longer than {MAX_IDENTIFIER} characters"
        ));
    }
    Ok(())
}

pub(crate) fn check_identifier(name: &str) -> Result<(), String> {
    let mut bytes = name.bytes();
    let ok = matches!(bytes.next(), Some(b) if b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(format!(
            "'{name}' is not a valid name (lower-case letters, digits and _)"
        ));
    }
    if name.len() > MAX_IDENTIFIER {
        return Err(format!(
            "'{name}' is longer than {MAX_IDENTIFIER} characters"
        ));
    }
    Ok(())
}

fn one_line(e: impl std::fmt::Display) -> String {
    e.to_string().trim().replace('\n', " ")
}
