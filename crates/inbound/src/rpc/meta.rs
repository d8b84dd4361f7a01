//! What a client asks about a model rather than its records: `fields_get`, `check_access_rights`
//! and `res.users.context_get`. Answered from the registry and the env, never from another
//! model than the one the env may use.

use super::fault::{Outcome, value_error};
use super::params::Bound;
use super::records::Done;
use super::values;
use super::{Fault, FaultKind};
use serde_json::{Map, Value, json};
use weft_registry::{Field, FieldType, Model};
use weft_store::Env;

/// The identity models: read by their users, never written as data (`weft_store`'s access rule).
fn is_identity(model: &str) -> bool {
    matches!(model, "res.users" | "res.company")
}

/// `fields_get(allfields=None, attributes=None)`.
pub(crate) fn fields_get(model: &Model, args: &Bound) -> Outcome<Done> {
    let only = values::names(args.get("allfields"), "allfields")?;
    let attributes = values::names(args.get("attributes"), "attributes")?;
    let mut out = Map::new();
    let described = model
        .fields()
        .iter()
        .map(|f| (f.name.clone(), describe(f)))
        .chain([("display_name".to_string(), display_name())]);
    for (name, mut description) in described {
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        if !attributes.is_empty() {
            description.retain(|key, _| attributes.contains(key));
        }
        out.insert(name, Value::Object(description));
    }
    Ok((Value::Object(out), Vec::new()))
}

/// One field as Odoo's `fields_get` describes it.
pub(crate) fn describe(field: &Field) -> Map<String, Value> {
    let mut d = Map::new();
    d.insert("type".into(), json!(field.kind.name()));
    d.insert("string".into(), json!(field.string));
    if let Some(help) = &field.help {
        d.insert("help".into(), json!(help));
    }
    d.insert("required".into(), json!(field.required));
    d.insert("readonly".into(), json!(!field.is_writable()));
    d.insert("store".into(), json!(true));
    d.insert("searchable".into(), json!(true));
    d.insert("sortable".into(), json!(field.kind.is_stored_column()));
    d.insert("manual".into(), json!(false));
    d.insert("company_dependent".into(), json!(false));
    if let Some(comodel) = field.kind.comodel() {
        d.insert("relation".into(), json!(comodel));
    }
    match &field.kind {
        FieldType::One2many { inverse, .. } => {
            d.insert("relation_field".into(), json!(inverse));
        }
        FieldType::Selection(selection) => {
            let pairs: Vec<Value> = selection
                .options
                .iter()
                .map(|(k, l)| json!([k, l]))
                .collect();
            d.insert("selection".into(), Value::Array(pairs));
        }
        _ => {}
    }
    d
}

/// `display_name`, computed from the model's `rec_name`.
fn display_name() -> Map<String, Value> {
    let value = json!({
        "type": "char", "string": "Display Name", "required": false, "readonly": true,
        "store": false, "searchable": false, "sortable": false, "manual": false,
        "company_dependent": false,
    });
    value.as_object().cloned().unwrap_or_default()
}

/// Whether `env` may do `operation` on `model`: its key's models bound every operation, and the
/// identity models are only read.
pub(crate) fn allowed(env: &Env, model: &str, operation: &str) -> bool {
    if env.superuser {
        return true;
    }
    env.may_use_model(model) && (operation == "read" || !is_identity(model))
}

/// `check_access_rights(operation, raise_exception=True)`.
pub(crate) fn check_access_rights(env: &Env, model: &str, args: &Bound) -> Outcome<Done> {
    let operation = match args.get("operation") {
        Some(Value::String(op)) if ["read", "write", "create", "unlink"].contains(&op.as_str()) => {
            op.as_str()
        }
        other => {
            let got = other.map_or("nothing".to_string(), Value::to_string);
            return Err(value_error(
                "operation",
                format!("expected 'read', 'write', 'create' or 'unlink', got {got}"),
            )
            .into());
        }
    };
    let virtual_model = model.starts_with("ir.model");
    let ok = if virtual_model {
        operation == "read"
    } else {
        allowed(env, model, operation)
    };
    if ok {
        return Ok((Value::Bool(true), Vec::new()));
    }
    if values::flag(args.get("raise_exception"), true) {
        return Err(refused(model, operation).into());
    }
    Ok((Value::Bool(false), Vec::new()))
}

/// Odoo's wording of a refused operation.
pub(crate) fn refused(model: &str, operation: &str) -> Fault {
    let verb = match operation {
        "read" => "read",
        "write" => "modify",
        "create" => "create",
        _ => "delete",
    };
    Fault::new(
        FaultKind::AccessError,
        format!("You are not allowed to {verb} '{model}' ({model}) records."),
    )
}

/// `res.users.context_get()`: Weft keeps times in UTC and speaks en_US.
pub(crate) fn context_get(env: &Env) -> Done {
    let uid = env.uid.map_or(Value::Bool(false), Value::from);
    (
        json!({"lang": "en_US", "tz": "UTC", "uid": uid}),
        Vec::new(),
    )
}
