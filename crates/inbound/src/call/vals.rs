//! Reading the parts of `vals` the routes take (`payload`, `search_key`, `auto_create`,
//! `result_field`), with their shape checks. Keys a route does not use are ignored, as ecosoft does.

use super::error::{CallError, CallResult, Code};
use super::path::Path;
use serde_json::{Map, Value};
use std::sync::LazyLock;
use weft_registry::Model;

static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

pub(crate) fn empty() -> &'static Map<String, Value> {
    &EMPTY
}

/// `vals.payload`; when it is optional, a missing one is an empty object.
pub(crate) fn payload(
    vals: &Map<String, Value>,
    required: bool,
) -> CallResult<&Map<String, Value>> {
    object(vals, "payload", required)
}

fn object<'v>(
    vals: &'v Map<String, Value>,
    key: &str,
    required: bool,
) -> CallResult<&'v Map<String, Value>> {
    match vals.get(key) {
        None | Some(Value::Null) if required => Err(CallError::at(
            Code::MissingField,
            &Path::of(key),
            format!("parameter '{key}' in 'vals' not found"),
        )),
        None | Some(Value::Null) => Ok(empty()),
        Some(Value::Object(object)) => Ok(object),
        Some(_) => Err(CallError::invalid(&Path::of(key), "expected an object")),
    }
}

/// `vals.search_key`: required and not empty (ecosoft test 07).
pub(crate) fn search_key(vals: &Map<String, Value>) -> CallResult<&Map<String, Value>> {
    let key = object(vals, "search_key", true)?;
    if key.is_empty() {
        return Err(CallError::at(
            Code::MissingField,
            &Path::of("search_key"),
            "parameter 'search_key' in 'vals' not found",
        ));
    }
    Ok(key)
}

/// `vals.auto_create`: field name -> a payload or a list of payloads.
pub(crate) fn auto_create(vals: &Map<String, Value>) -> CallResult<&Map<String, Value>> {
    let auto = object(vals, "auto_create", false)?;
    for (field, entry) in auto {
        let path = Path::of("auto_create").key(field);
        match entry {
            Value::Object(_) => {}
            Value::Array(items) => {
                if let Some(i) = items.iter().position(|i| !i.is_object()) {
                    return Err(CallError::invalid(&path.index(i), "expected an object"));
                }
            }
            _ => {
                return Err(CallError::invalid(
                    &path,
                    "expected an object or a list of objects",
                ));
            }
        }
    }
    Ok(auto)
}

/// The payloads `auto_create` holds for a field (checked by `auto_create`).
pub(crate) fn auto_create_entries<'a>(
    auto: &'a Map<String, Value>,
    field: &str,
) -> Vec<&'a Map<String, Value>> {
    match auto.get(field) {
        Some(Value::Object(one)) => vec![one],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// `vals.result_field`: field names of the model, read back after a create.
pub(crate) fn result_field(vals: &Map<String, Value>, model: &Model) -> CallResult<Vec<String>> {
    let path = Path::of("result_field");
    let items = match vals.get("result_field") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(CallError::invalid(&path, "expected a list of field names")),
    };
    let mut names = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let name = item
            .as_str()
            .ok_or_else(|| CallError::invalid(&path.index(i), "expected a field name"))?;
        if model.field(name).is_none() {
            return Err(CallError::at(
                Code::UnknownField,
                &path.index(i),
                format!("{} has no field '{name}'", model.name),
            ));
        }
        names.push(name.to_string());
    }
    Ok(names)
}
