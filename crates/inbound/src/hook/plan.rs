//! What one call of an inbound hook asks for, read from its payload before any transaction: the
//! required values it must hold, the record its actions aim at, and the route and `vals` each
//! action runs as. Every value taken from the payload is marked (`FromPayload`), so the routes
//! read it as a value, never as an id or a command.

use super::definition::{ActionKind, Definition, Target};
use super::payload::resolve;
use super::run::Reply;
use crate::call::{FromPayload, Route};
use serde_json::{Map, Value, json};

/// The record(s) a call's actions act on.
pub(super) enum Aim {
    /// `target.by: none`: the actions only create.
    None,
    /// One record, by id.
    Id(i64),
    /// The one record whose fields equal `key`, with its payload values marked.
    Search {
        key: Map<String, Value>,
        from_payload: FromPayload,
    },
}

/// 422 naming every required payload path that holds no value.
pub(super) fn missing(definition: &Definition, payload: &Value) -> Option<Reply> {
    let mut missing: Vec<String> = Vec::new();
    for path in definition.actions.iter().flat_map(|a| &a.required) {
        let text = path.to_string();
        if path.find(payload).is_none() && !missing.contains(&text) {
            missing.push(text);
        }
    }
    (!missing.is_empty()).then(|| {
        Reply::Refused(format!(
            "the payload has no value for {}, which this hook requires",
            missing.join(", ")
        ))
    })
}

/// The record the payload aims the actions at (`model` is the hook's).
pub(super) fn aim(target: &Target, model: &str, payload: &Value) -> Result<Aim, Reply> {
    match target {
        Target::None => Ok(Aim::None),
        Target::Search { key } => {
            let mut from_payload = FromPayload::default();
            let resolved = resolve(&Value::Object(key.clone()), payload, "", &mut from_payload);
            let Value::Object(resolved) = resolved else {
                return Err(Reply::Fault);
            };
            // A value the payload lacks would widen the search to whatever the rest matches.
            if let Some((field, _)) = key.iter().find(|(k, _)| !resolved.contains_key(*k)) {
                return Err(Reply::Refused(format!(
                    "target.key.{field}: the payload has no value for it"
                )));
            }
            Ok(Aim::Search {
                key: resolved,
                from_payload,
            })
        }
        Target::ModelId => {
            let named = payload.get("_model").and_then(Value::as_str);
            if named != Some(model) {
                return Err(Reply::Refused(format!(
                    "_model: expected '{model}' (this hook's model), got {}",
                    payload.get("_model").unwrap_or(&Value::Null)
                )));
            }
            let id = match payload.get("_id") {
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
                _ => None,
            };
            match id.filter(|id| *id > 0) {
                Some(id) => Ok(Aim::Id(id)),
                None => Err(Reply::Refused(
                    "_id: expected the record's id, a positive integer".into(),
                )),
            }
        }
    }
}

/// An action as the route it runs as.
pub(super) struct ActionCall<'a> {
    pub route: Route,
    pub model: &'a str,
    pub vals: Map<String, Value>,
    /// Where `vals.payload` holds values from the call's payload.
    pub from_payload: FromPayload,
}

/// The route, model and `vals` an action runs as, on the `target` record when it has one.
pub(super) fn action_call<'a>(
    kind: &'a ActionKind,
    hook_model: &'a str,
    target: Option<i64>,
    payload: &Value,
) -> ActionCall<'a> {
    let mut from_payload = FromPayload::default();
    let mut vals = Map::new();
    let (route, model, values) = match kind {
        ActionKind::Update { values } => {
            let values = resolve(
                &Value::Object(values.clone()),
                payload,
                "",
                &mut from_payload,
            );
            (Route::UpdateData, hook_model, values)
        }
        ActionKind::Create { model, values } => {
            let values = resolve(
                &Value::Object(values.clone()),
                payload,
                "",
                &mut from_payload,
            );
            (Route::CreateData, model.as_str(), values)
        }
        ActionKind::Call { method, parameter } => {
            let parameter = resolve(parameter, payload, "parameter", &mut from_payload);
            let values = json!({"method": method, "parameter": parameter});
            (Route::CallFunction, hook_model, values)
        }
    };
    if let (Some(id), false) = (target, route == Route::CreateData) {
        vals.insert("search_key".into(), json!({"id": id}));
    }
    vals.insert("payload".into(), values);
    ActionCall {
        route,
        model,
        vals,
        from_payload,
    }
}
