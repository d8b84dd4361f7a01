//! `call_function` (research §7 as amended by DESIGN.md §12): only the methods the schema declares
//! can be called. `search_key` selects the records (none is `not_found`), `parameter` is checked
//! against the method's typed parameters, `context` is accepted and not used, and the method's
//! `require` domain must hold for every record before anything runs.

use super::callback;
use super::copy;
use super::error::{CallError, CallResult, Code};
use super::path::Path;
use super::untrusted::{self, FromPayload};
use super::vals;
use super::write;
use super::{Call, Success};
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_registry::value::coerce;
use weft_registry::{Method, MethodKind, Model};
use weft_store::{SearchOptions, Tx};

pub(crate) async fn call_function(call: &Call<'_>, tx: &mut Tx) -> CallResult<Success> {
    let payload = vals::payload(call.vals, false)?;
    let method = method(call.model, payload)?;
    let parameters = parameters(method, payload.get("parameter"), call.from_payload)?;
    if !matches!(
        payload.get("context"),
        None | Some(Value::Null | Value::Object(_))
    ) {
        return Err(CallError::invalid(
            &Path::of("context"),
            "expected an object",
        ));
    }
    let callback_url = callback::parse(call.vals, &call.settings.allowed_targets)?;
    let search_key = vals::search_key(call.vals)?;
    let ids = write::find(tx, call.model, search_key).await?;
    if ids.is_empty() {
        return Err(write::no_match(call.model, search_key));
    }
    check_require(tx, call.model, method, &ids).await?;
    let (result, records) =
        run_method(tx, &call.registry, call.model, method, &ids, &parameters).await?;
    if let Some(url) = &callback_url {
        callback::store(tx, &call.model.name, &records, url).await?;
    }
    Ok(Success {
        result,
        message: format!("Function '{}' called successfully", method.name),
        records,
    })
}

/// Run a declared `method` on `ids` (whose `require` domain was checked) with its parameters in
/// stored form: what it answers (true, or the copies' ids) and the ids it created or wrote.
pub(crate) async fn run_method(
    tx: &mut Tx,
    registry: &weft_registry::Registry,
    model: &Model,
    method: &Method,
    ids: &[i64],
    parameters: &Map<String, Value>,
) -> CallResult<(Value, Vec<i64>)> {
    let name = model.name.as_str();
    Ok(match &method.kind {
        MethodKind::Write { values } => {
            tx.write(name, ids, &substitute(values, parameters)).await?;
            (Value::Bool(true), ids.to_vec())
        }
        MethodKind::Unlink => {
            tx.unlink(name, ids).await?;
            (Value::Bool(true), Vec::new())
        }
        MethodKind::Copy => {
            let created = copy::copy(tx, registry, model, ids).await?;
            let result = match created.as_slice() {
                [one] => json!(one),
                many => json!(many),
            };
            (result, created)
        }
    })
}

fn method<'m>(model: &'m Model, payload: &Map<String, Value>) -> CallResult<&'m Method> {
    let path = Path::of("method");
    let name = match payload.get("method") {
        None | Some(Value::Null) => {
            return Err(CallError::at(
                Code::MissingField,
                &path,
                "missing 'method' in payload",
            ));
        }
        Some(Value::String(name)) if !name.is_empty() => name,
        Some(_) => return Err(CallError::invalid(&path, "expected a method name")),
    };
    model.methods.get(name).ok_or_else(|| {
        let declared: Vec<&str> = model.methods.keys().map(String::as_str).collect();
        CallError::at(
            Code::UnknownMethod,
            &path,
            format!(
                "{} has no method '{name}' that call_function may call (declared: {})",
                model.name,
                if declared.is_empty() {
                    "none".to_string()
                } else {
                    declared.join(", ")
                }
            ),
        )
    })
}

/// The call's parameters in stored form. A declared parameter that is not given is empty
/// (`false`), like a keyword argument left to its default. A value an inbound hook took from its
/// payload is converted as a payload value (`untrusted::scalar`).
pub(crate) fn parameters(
    method: &Method,
    value: Option<&Value>,
    from_payload: &FromPayload,
) -> CallResult<Map<String, Value>> {
    let path = Path::of("parameter");
    let given = match value {
        None | Some(Value::Null) => vals::empty(),
        Some(Value::Object(given)) => given,
        Some(_) => return Err(CallError::invalid(&path, "expected an object")),
    };
    let mut out = Map::new();
    for (name, value) in given {
        let Some((_, kind)) = method.params.iter().find(|(p, _)| p == name) else {
            let declared: Vec<&str> = method.params.iter().map(|(p, _)| p.as_str()).collect();
            return Err(CallError::invalid(
                &path.key(name),
                format!(
                    "'{name}' is not a parameter of {} (declared: {})",
                    method.name,
                    if declared.is_empty() {
                        "none".to_string()
                    } else {
                        declared.join(", ")
                    }
                ),
            ));
        };
        let at = path.key(name);
        let value = match from_payload.source(&at) {
            Some(source) => &untrusted::scalar(&kind.field_type(), value, &at, source)?,
            None => value,
        };
        let stored =
            coerce(&kind.field_type(), value).map_err(|reason| CallError::invalid(&at, reason))?;
        out.insert(name.clone(), stored);
    }
    Ok(out)
}

/// The method's values with each `{"$param": p}` replaced by the parameter.
fn substitute(values: &Map<String, Value>, parameters: &Map<String, Value>) -> Map<String, Value> {
    values
        .iter()
        .map(|(field, value)| {
            let resolved = match value.get("$param").and_then(Value::as_str) {
                Some(p) => parameters.get(p).cloned().unwrap_or(Value::Bool(false)),
                None => value.clone(),
            };
            (field.clone(), resolved)
        })
        .collect()
}

/// Every record must match the method's `require` domain (one search for all of them).
pub(crate) async fn check_require(
    tx: &Tx,
    model: &Model,
    method: &Method,
    ids: &[i64],
) -> CallResult<()> {
    let Some(require) = &method.require else {
        return Ok(());
    };
    let scope = Domain::parse_json(&json!([["id", "in", ids]])).expect("an id domain");
    let options = SearchOptions {
        include_archived: true,
        ..SearchOptions::default()
    };
    let fit = tx
        .search(&model.name, &require.clone().and(scope), &options)
        .await?;
    let offending: Vec<String> = ids
        .iter()
        .filter(|id| !fit.contains(id))
        .map(i64::to_string)
        .collect();
    if offending.is_empty() {
        return Ok(());
    }
    Err(CallError::invalid(
        &Path::of("method"),
        format!(
            "{} cannot run on {} record(s) {}: they do not meet its requirement {require}",
            method.name,
            model.name,
            offending.join(", ")
        ),
    ))
}
