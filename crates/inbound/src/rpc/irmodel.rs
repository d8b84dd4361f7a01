//! `ir.model`, `ir.model.fields` and `ir.model.data`: tables Weft does not store but builds per
//! call, from the registry (models and fields, only those the env may use) and from the data
//! records the store loaded (`base.USD`, ... plus `base.main_company`, only records the env may
//! read). Domains are evaluated in memory by `weft_domain` over these rows, as the REST API does
//! for its webhooks; `check_object_reference` and `xmlid_to_res_id` read the record through the
//! store, so a record the env may not read is refused exactly as reading it is.

use super::fault::{Outcome, value_error};
use super::params::{self, Bound, Spec};
use super::records::Done;
use super::values;
use super::{Fault, FaultKind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use weft_domain::{BindOptions, FieldInfo, FieldKind, Records, Schema};
use weft_registry::Registry;
use weft_store::{SearchOptions, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Model,
    Fields,
    Data,
}

/// The key every database has for its main company, beside the schema's data records.
const MAIN_COMPANY_KEY: &str = "base.main_company";

/// Field ids are the model's id times this plus the field's position.
const FIELDS_PER_MODEL: i64 = 10_000;

type Columns = &'static [(&'static str, FieldKind<'static>, &'static str)];

const MODEL_COLUMNS: Columns = &[
    ("id", FieldKind::Id, "ID"),
    ("model", FieldKind::Char, "Model"),
    ("name", FieldKind::Char, "Model Description"),
    ("transient", FieldKind::Boolean, "Transient Model"),
    ("state", FieldKind::Selection, "Type"),
];

const FIELD_COLUMNS: Columns = &[
    ("id", FieldKind::Id, "ID"),
    ("name", FieldKind::Char, "Field Name"),
    ("model", FieldKind::Char, "Model Name"),
    (
        "model_id",
        FieldKind::Many2one {
            comodel: "ir.model",
        },
        "Model",
    ),
    ("field_description", FieldKind::Char, "Field Label"),
    ("help", FieldKind::Text, "Field Help"),
    ("ttype", FieldKind::Selection, "Field Type"),
    ("relation", FieldKind::Char, "Related Model"),
    ("relation_field", FieldKind::Char, "Relation Field"),
    ("required", FieldKind::Boolean, "Required"),
    ("readonly", FieldKind::Boolean, "Readonly"),
    ("store", FieldKind::Boolean, "Stored"),
    ("state", FieldKind::Selection, "Type"),
];

const DATA_COLUMNS: Columns = &[
    ("id", FieldKind::Id, "ID"),
    ("module", FieldKind::Char, "Module"),
    ("name", FieldKind::Char, "External Identifier"),
    ("complete_name", FieldKind::Char, "Complete ID"),
    ("model", FieldKind::Char, "Model Name"),
    ("res_id", FieldKind::Integer, "Record ID"),
    ("noupdate", FieldKind::Boolean, "Non Updatable"),
];

impl Table {
    pub fn of(model: &str) -> Option<Table> {
        Some(match model {
            "ir.model" => Table::Model,
            "ir.model.fields" => Table::Fields,
            "ir.model.data" => Table::Data,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Table::Model => "ir.model",
            Table::Fields => "ir.model.fields",
            Table::Data => "ir.model.data",
        }
    }

    fn columns(self) -> Columns {
        match self {
            Table::Model => MODEL_COLUMNS,
            Table::Fields => FIELD_COLUMNS,
            Table::Data => DATA_COLUMNS,
        }
    }

    fn default_order(self) -> &'static str {
        match self {
            Table::Model => "model",
            Table::Fields => "model, name",
            Table::Data => "module, model, name",
        }
    }

    /// The methods each table answers.
    pub fn method(self, method: &str) -> Option<&'static Spec> {
        let own = match (self, method) {
            (Table::Model, "get_available_models") => Some(&params::AVAILABLE_MODELS),
            (Table::Data, "check_object_reference") => Some(&params::CHECK_OBJECT_REFERENCE),
            (Table::Data, "xmlid_to_res_id") => Some(&params::XMLID_TO_RES_ID),
            _ => None,
        };
        own.or_else(|| {
            let reads = [
                "search",
                "search_count",
                "search_read",
                "read",
                "fields_get",
                "check_access_rights",
            ];
            params::standard(method).filter(|s| reads.contains(&s.name))
        })
    }
}

/// The rows of every table a call may see, by table and id.
struct Rows(HashMap<&'static str, HashMap<i64, Map<String, Value>>>);

impl Records for Rows {
    fn row(&self, model: &str, id: i64) -> Option<&Map<String, Value>> {
        self.0.get(model)?.get(&id)
    }
}

struct Virtual;

impl Schema for Virtual {
    fn table(&self, model: &str) -> Option<&str> {
        Table::of(model).map(Table::name)
    }

    fn field(&self, model: &str, name: &str) -> Option<FieldInfo<'_>> {
        let (name, kind, _) = Table::of(model)?
            .columns()
            .iter()
            .find(|(n, _, _)| *n == name)?;
        Some(FieldInfo { name, kind: *kind })
    }

    fn rec_name(&self, _model: &str) -> &str {
        "name"
    }

    fn parent_field(&self, _model: &str) -> Option<&str> {
        None
    }

    fn has_active(&self, _model: &str) -> bool {
        false
    }
}

pub(crate) async fn run(
    tx: &Tx,
    registry: &Registry,
    table: Table,
    spec: &Spec,
    args: &Bound,
) -> Outcome<Done> {
    let env = tx.env();
    let answer = match spec.name {
        "fields_get" => fields_get(table, args)?,
        "check_access_rights" => return super::meta::check_access_rights(env, table.name(), args),
        "get_available_models" => available_models(tx, registry),
        "check_object_reference" => {
            let module = text(args.get("module"), "module")?;
            let name = text(args.get("xml_id"), "xml_id")?;
            match lookup(tx, &format!("{module}.{name}"), true).await? {
                Some((model, id)) => json!([model, id]),
                None => Value::Bool(false),
            }
        }
        "xmlid_to_res_id" => {
            let xmlid = text(args.get("xmlid"), "xmlid")?;
            let raise = values::flag(args.get("raise_if_not_found"), false);
            match lookup(tx, &xmlid, raise).await? {
                Some((_, id)) => json!(id),
                None => Value::Bool(false),
            }
        }
        method => {
            let rows = rows(tx, registry, table).await?;
            query(table, &rows, method, args)?
        }
    };
    Ok((answer, Vec::new()))
}

fn text(value: Option<&Value>, name: &str) -> Result<String, Fault> {
    match value {
        Some(Value::String(s)) => Ok(s.clone()),
        other => Err(value_error(
            name,
            format!("expected a string, got {}", other.unwrap_or(&Value::Null)),
        )),
    }
}

/// The model and id an XML id names, read through the store (a record the env may not read is
/// refused as reading it is). Unknown: a `ValueError` when `raise`, else None.
async fn lookup(tx: &Tx, xmlid: &str, raise: bool) -> Outcome<Option<(String, i64)>> {
    let found = if xmlid == MAIN_COMPANY_KEY {
        Some(("res.company".to_string(), weft_store::env::MAIN_COMPANY))
    } else {
        tx.data_record(xmlid).await?
    };
    let readable = match found {
        Some((model, id)) => {
            let exists = !tx.read(&model, &[id], &["id"]).await?.is_empty();
            exists.then_some((model, id))
        }
        None => None,
    };
    if readable.is_none() && raise {
        return Err(Fault::new(
            FaultKind::ValueError,
            format!(
                "External ID not found in the system: {}",
                weft_logstore::redact::text(xmlid)
            ),
        )
        .into());
    }
    Ok(readable)
}

/// `ir.model.get_available_models()`: the models the env may read.
fn available_models(tx: &Tx, registry: &Registry) -> Value {
    let env = tx.env();
    let models: Vec<Value> = registry
        .models()
        .filter(|m| env.superuser || env.may_use_model(&m.name))
        .map(|m| json!({"model": m.name, "display_name": m.description}))
        .collect();
    Value::Array(models)
}

fn fields_get(table: Table, args: &Bound) -> Result<Value, Fault> {
    let only = values::names(args.get("allfields"), "allfields")?;
    let attributes = values::names(args.get("attributes"), "attributes")?;
    let mut out = Map::new();
    for (name, kind, label) in table.columns() {
        if !only.is_empty() && !only.iter().any(|o| o == name) {
            continue;
        }
        let mut d = json!({
            "type": type_name(kind), "string": label, "required": false, "readonly": true,
            "store": true, "searchable": true, "sortable": true,
        });
        if let Some(comodel) = kind.comodel() {
            d["relation"] = json!(comodel);
        }
        let mut d = d.as_object().cloned().unwrap_or_default();
        if !attributes.is_empty() {
            d.retain(|k, _| attributes.contains(k));
        }
        out.insert(name.to_string(), Value::Object(d));
    }
    Ok(Value::Object(out))
}

fn type_name(kind: &FieldKind<'_>) -> &'static str {
    match kind {
        FieldKind::Id | FieldKind::Integer => "integer",
        FieldKind::Boolean => "boolean",
        FieldKind::Selection => "selection",
        FieldKind::Text => "text",
        FieldKind::Many2one { .. } => "many2one",
        _ => "char",
    }
}

/// Every row of `table` (and of `ir.model`, which `ir.model.fields` points at) the env may see.
async fn rows(tx: &Tx, registry: &Registry, table: Table) -> Outcome<Rows> {
    let env = tx.env();
    let usable = |name: &str| env.superuser || env.may_use_model(name);
    let mut models = HashMap::new();
    let mut fields = HashMap::new();
    for (position, model) in registry.models().enumerate() {
        let id = position as i64 + 1;
        if !usable(&model.name) {
            continue;
        }
        models.insert(
            id,
            obj(json!({
                "model": model.name, "name": model.description, "transient": false, "state": "base",
            })),
        );
        if table != Table::Fields {
            continue;
        }
        for (i, f) in model.fields().iter().enumerate() {
            let description = super::meta::describe(f);
            fields.insert(id * FIELDS_PER_MODEL + i as i64 + 1, obj(json!({
                "name": f.name, "model": model.name, "model_id": id,
                "field_description": f.string, "help": f.help, "ttype": f.kind.name(),
                "relation": f.kind.comodel(), "relation_field": description.get("relation_field"),
                "required": f.required, "readonly": !f.is_writable(), "store": true, "state": "base",
            })));
        }
    }
    let mut all = HashMap::from([("ir.model", models), ("ir.model.fields", fields)]);
    if table == Table::Data {
        all.insert("ir.model.data", data_rows(tx).await?);
    }
    Ok(Rows(all))
}

/// The data records the env may read, numbered by their position in key order.
async fn data_rows(tx: &Tx) -> Outcome<HashMap<i64, Map<String, Value>>> {
    let env = tx.env();
    let mut keys = tx.data_records().await?;
    keys.push((MAIN_COMPANY_KEY.to_string(), "res.company".to_string(), 1));
    keys.sort();
    let mut by_model: HashMap<String, Vec<i64>> = HashMap::new();
    for (_, model, id) in &keys {
        by_model.entry(model.clone()).or_default().push(*id);
    }
    let mut visible: HashMap<String, Vec<i64>> = HashMap::new();
    for (model, ids) in by_model {
        if !(env.superuser || env.may_use_model(&model)) || tx.registry().model(&model).is_none() {
            continue;
        }
        let domain = weft_domain::Domain::parse_json(&json!([["id", "in", ids]]))
            .map_err(|e| super::fault::internal(&e.to_string()))?;
        let options = SearchOptions {
            include_archived: true,
            ..SearchOptions::default()
        };
        let found = tx.search(&model, &domain, &options).await?;
        visible.insert(model, found);
    }
    let mut rows = HashMap::new();
    for (position, (key, model, id)) in keys.iter().enumerate() {
        if !visible.get(model).is_some_and(|ids| ids.contains(id)) {
            continue;
        }
        let (module, name) = key.split_once('.').unwrap_or(("", key));
        rows.insert(
            position as i64 + 1,
            obj(json!({
                "module": module, "name": name, "complete_name": key, "model": model,
                "res_id": id, "noupdate": true,
            })),
        );
    }
    Ok(rows)
}

fn obj(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

/// `search`, `search_count`, `search_read` and `read` over the rows, in memory.
fn query(table: Table, rows: &Rows, method: &str, args: &Bound) -> Result<Value, Fault> {
    let of_table = rows.0.get(table.name()).cloned().unwrap_or_default();
    if method == "read" {
        let ids = values::ids(args.ids.as_ref())?;
        let found: Vec<i64> = ids
            .into_iter()
            .filter(|id| of_table.contains_key(id))
            .collect();
        return shape(table, rows, &found, args);
    }
    let domain = values::domain(args.get("domain"), "domain")?;
    let bound = domain
        .bind(&Virtual, table.name(), &BindOptions { active_test: false })
        .map_err(|e| Fault::new(FaultKind::ValueError, format!("Invalid domain: {e}")))?;
    let mut ids: Vec<i64> = of_table
        .keys()
        .copied()
        .filter(|id| bound.matches(rows, *id))
        .collect();
    if method == "search_count" || values::flag(args.get("count"), false) {
        return Ok(json!(ids.len()));
    }
    let order = values::order(args.get("order"), "order")?;
    sort(
        table,
        &of_table,
        &mut ids,
        order.as_deref().unwrap_or(table.default_order()),
    )?;
    let offset = values::offset(args.get("offset"))? as usize;
    let limit = values::limit(args.get("limit"))?.map_or(usize::MAX, |l| l as usize);
    let page: Vec<i64> = ids.into_iter().skip(offset).take(limit).collect();
    if method == "search" {
        return Ok(json!(page));
    }
    shape(table, rows, &page, args)
}

fn sort(
    table: Table,
    rows: &HashMap<i64, Map<String, Value>>,
    ids: &mut [i64],
    order: &str,
) -> Result<(), Fault> {
    let parsed = weft_domain::Order::parse(order).map_err(|e| value_error("order", e))?;
    for term in &parsed.0 {
        if !table.columns().iter().any(|(n, _, _)| *n == term.field) {
            return Err(value_error(
                "order",
                format!("{} has no field '{}'", table.name(), term.field),
            ));
        }
    }
    let key = |id: &i64, field: &str| -> Value {
        if field == "id" {
            return json!(id);
        }
        rows.get(id)
            .and_then(|r| r.get(field))
            .cloned()
            .unwrap_or(Value::Null)
    };
    ids.sort_by(|a, b| {
        for term in &parsed.0 {
            let ordering = compare(&key(a, &term.field), &key(b, &term.field));
            let ordering = if term.descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        a.cmp(b)
    });
    Ok(())
}

/// JSON values of one column: numbers by value, text by bytes, empty last.
pub(crate) fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Odoo's read() of virtual rows: empty values false, `model_id` as `[id, name]` or a bare id.
fn shape(table: Table, rows: &Rows, ids: &[i64], args: &Bound) -> Result<Value, Fault> {
    let fields = values::names(args.get("fields"), "fields")?;
    let classic = args
        .get("load")
        .is_none_or(|l| l.as_str() == Some("_classic_read"));
    let columns = table.columns();
    for f in &fields {
        if f != "display_name" && !columns.iter().any(|(n, _, _)| n == f) {
            return Err(Fault::new(
                FaultKind::ValueError,
                format!("Invalid field '{f}' on model '{}'", table.name()),
            ));
        }
    }
    let wanted = |name: &str| fields.is_empty() || fields.iter().any(|f| f == name);
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = rows.row(table.name(), *id) else {
            continue;
        };
        let mut record = Map::new();
        record.insert("id".into(), json!(id));
        for (name, kind, _) in columns.iter().filter(|(n, _, _)| *n != "id" && wanted(n)) {
            let value = row.get(*name).cloned().unwrap_or(Value::Null);
            let value = match (kind, value) {
                (FieldKind::Many2one { comodel }, Value::Number(n)) if classic => {
                    let target = rows.row(comodel, n.as_i64().unwrap_or_default());
                    let name = target
                        .and_then(|r| r.get("name"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    json!([n, name])
                }
                (_, Value::Null) => Value::Bool(false),
                (_, value) => value,
            };
            record.insert(name.to_string(), value);
        }
        if wanted("display_name") {
            let name = row.get(if table == Table::Data {
                "complete_name"
            } else {
                "name"
            });
            record.insert(
                "display_name".into(),
                name.cloned().unwrap_or(Value::Bool(false)),
            );
        }
        out.push(Value::Object(record));
    }
    Ok(Value::Array(out))
}
