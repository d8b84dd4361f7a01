//! What an inbound hook does (DESIGN.md §8): the `target` record a call acts on and the `actions`
//! run on it in order. Both are checked against the schema when the hook is saved, so a call never
//! meets a definition that cannot run; every error names where in the definition it sits
//! (`actions[1].values.phone`).

use super::payload::{self, PayloadPath};
use serde_json::{Map, Value};
use weft_registry::{Model, Registry};

/// How a call finds the record its actions act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The payload's `_model` must be the hook's model and `_id` names the record (Odoo's default).
    ModelId,
    /// The one record whose fields equal `key` (values may be `$payload` references).
    Search { key: Map<String, Value> },
    /// No record: the actions only create.
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Write `values` (the inbound friendly format) on the target record.
    Update { values: Map<String, Value> },
    /// Create a record of `model` from `values`.
    Create {
        model: String,
        values: Map<String, Value>,
    },
    /// Call a method the schema declares on the target record.
    Call { method: String, parameter: Value },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub kind: ActionKind,
    /// Payload paths that must hold a value before the action runs.
    pub required: Vec<PayloadPath>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub target: Target,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct DefinitionError {
    /// Where in the hook: `target.key`, `actions[0].values.name`.
    pub at: String,
    pub message: String,
}

fn error(at: &str, message: impl Into<String>) -> DefinitionError {
    DefinitionError {
        at: at.to_string(),
        message: message.into(),
    }
}

impl Definition {
    /// Check `target` and `actions` for a hook on `model`.
    pub fn parse(
        registry: &Registry,
        model: &str,
        target: &Value,
        actions: &Value,
    ) -> Result<Definition, DefinitionError> {
        let m = registry
            .model(model)
            .ok_or_else(|| error("model", format!("'{model}' is not a model of the schema")))?;
        let target = parse_target(m, target)?;
        let Some(items) = actions.as_array().filter(|a| !a.is_empty()) else {
            return Err(error("actions", "expected a non-empty list of actions"));
        };
        let actions = items
            .iter()
            .enumerate()
            .map(|(i, item)| parse_action(registry, m, &target, item, &format!("actions[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Definition { target, actions })
    }
}

fn object<'v>(value: &'v Value, at: &str) -> Result<&'v Map<String, Value>, DefinitionError> {
    value
        .as_object()
        .ok_or_else(|| error(at, "expected an object"))
}

fn refuse_unknown_keys(
    map: &Map<String, Value>,
    known: &[&str],
    at: &str,
) -> Result<(), DefinitionError> {
    match map.keys().find(|k| !known.contains(&k.as_str())) {
        Some(key) => Err(error(
            &format!("{at}.{key}"),
            format!("unknown key (expected one of: {})", known.join(", ")),
        )),
        None => Ok(()),
    }
}

fn parse_target(m: &Model, target: &Value) -> Result<Target, DefinitionError> {
    let map = object(target, "target")?;
    let by = map.get("by").and_then(Value::as_str).unwrap_or_default();
    match by {
        "model_id" | "none" => {
            refuse_unknown_keys(map, &["by"], "target")?;
            Ok(if by == "none" {
                Target::None
            } else {
                Target::ModelId
            })
        }
        "search" => {
            refuse_unknown_keys(map, &["by", "key"], "target")?;
            let key = map
                .get("key")
                .and_then(Value::as_object)
                .filter(|k| !k.is_empty())
                .ok_or_else(|| {
                    error(
                        "target.key",
                        "expected an object of field values, such as {\"ref\": {\"$payload\": \"code\"}}",
                    )
                })?;
            fields_exist(m, key, "target.key")?;
            Ok(Target::Search { key: key.clone() })
        }
        _ => Err(error(
            "target.by",
            "expected \"model_id\", \"search\" or \"none\"",
        )),
    }
}

/// Every key names a field of `m` (the first part of a dotted key), and every reference parses.
fn fields_exist(m: &Model, values: &Map<String, Value>, at: &str) -> Result<(), DefinitionError> {
    for (key, value) in values {
        let field = key.split('.').next().unwrap_or(key);
        if m.field(field).is_none() {
            return Err(error(
                &format!("{at}.{key}"),
                format!("{} has no field '{field}'", m.name),
            ));
        }
        payload::check_references(value, &format!("{at}.{key}"))
            .map_err(|(at, message)| error(&at, message))?;
    }
    Ok(())
}

fn parse_action(
    registry: &Registry,
    m: &Model,
    target: &Target,
    item: &Value,
    at: &str,
) -> Result<Action, DefinitionError> {
    let map = object(item, at)?;
    let kind = map.get("type").and_then(Value::as_str).unwrap_or_default();
    let needs_record = |kind: &str| match target {
        Target::None => Err(error(
            &format!("{at}.type"),
            format!("{kind} acts on the target record, and target.by is \"none\""),
        )),
        _ => Ok(()),
    };
    let values = |model: &Model| -> Result<Map<String, Value>, DefinitionError> {
        let values = object(
            map.get("values").unwrap_or(&Value::Null),
            &format!("{at}.values"),
        )?;
        fields_exist(model, values, &format!("{at}.values"))?;
        Ok(values.clone())
    };
    let kind = match kind {
        "update" => {
            refuse_unknown_keys(map, &["type", "values", "required"], at)?;
            needs_record("update")?;
            ActionKind::Update { values: values(m)? }
        }
        "create" => {
            refuse_unknown_keys(map, &["type", "model", "values", "required"], at)?;
            let model = match map.get("model") {
                None => m,
                Some(Value::String(name)) => registry.model(name).ok_or_else(|| {
                    error(
                        &format!("{at}.model"),
                        format!("'{name}' is not a model of the schema"),
                    )
                })?,
                Some(_) => return Err(error(&format!("{at}.model"), "expected a model name")),
            };
            ActionKind::Create {
                model: model.name.clone(),
                values: values(model)?,
            }
        }
        "call" => {
            refuse_unknown_keys(map, &["type", "method", "parameter", "required"], at)?;
            needs_record("call")?;
            let method = map
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !m.methods.contains_key(method) {
                let declared: Vec<&str> = m.methods.keys().map(String::as_str).collect();
                return Err(error(
                    &format!("{at}.method"),
                    format!(
                        "'{method}' is not a method of {} (declared: {})",
                        m.name,
                        if declared.is_empty() {
                            "none".to_string()
                        } else {
                            declared.join(", ")
                        }
                    ),
                ));
            }
            let parameter = map.get("parameter").cloned().unwrap_or(Value::Null);
            if !matches!(parameter, Value::Null | Value::Object(_)) {
                return Err(error(&format!("{at}.parameter"), "expected an object"));
            }
            payload::check_references(&parameter, &format!("{at}.parameter"))
                .map_err(|(at, message)| error(&at, message))?;
            ActionKind::Call {
                method: method.to_string(),
                parameter,
            }
        }
        _ => {
            return Err(error(
                &format!("{at}.type"),
                "expected \"update\", \"create\" or \"call\"",
            ));
        }
    };
    Ok(Action {
        kind,
        required: required(map.get("required"), &format!("{at}.required"))?,
    })
}

fn required(value: Option<&Value>, at: &str) -> Result<Vec<PayloadPath>, DefinitionError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let items = value
        .as_array()
        .ok_or_else(|| error(at, "expected a list of payload paths"))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("{at}[{i}]");
            let text = item
                .as_str()
                .ok_or_else(|| error(&at, "expected a payload path such as \"customer.email\""))?;
            PayloadPath::parse(text).map_err(|e| error(&at, e))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(model: &str, target: Value, actions: Value) -> Result<Definition, DefinitionError> {
        Definition::parse(&Registry::demo(), model, &target, &actions)
    }

    #[test]
    fn the_two_examples_of_design_8_parse() {
        let currency = parse(
            "sale.order",
            json!({"by": "model_id"}),
            json!([{"type": "update", "values": {"currency_id": {"name": "USD"}}}]),
        )
        .unwrap();
        assert_eq!(currency.target, Target::ModelId);
        let contact = parse(
            "res.partner",
            json!({"by": "none"}),
            json!([{"type": "create", "required": ["name", "email"],
                    "values": {"name": {"$payload": "name"}, "email": {"$payload": "email"},
                               "phone": {"$payload": "phone"}, "company_type": "person",
                               "customer_rank": 1}}]),
        )
        .unwrap();
        let action = &contact.actions[0];
        assert_eq!(action.required.len(), 2);
        assert!(matches!(&action.kind, ActionKind::Create { model, .. } if model == "res.partner"));
        let search = parse(
            "res.partner",
            json!({"by": "search", "key": {"ref": {"$payload": "customer.code"}}}),
            json!([{"type": "update", "values": {"phone": {"$payload": "phone"}}}]),
        )
        .unwrap();
        assert!(matches!(search.target, Target::Search { .. }));
    }

    #[test]
    fn errors_name_where_they_are() {
        let cases = [
            ("res.partnr", json!({"by": "none"}), json!([]), "model"),
            ("res.partner", json!({"by": "id"}), json!([]), "target.by"),
            (
                "res.partner",
                json!({"by": "search"}),
                json!([]),
                "target.key",
            ),
            (
                "res.partner",
                json!({"by": "search", "key": {"colour": "red"}}),
                json!([]),
                "target.key.colour",
            ),
            ("res.partner", json!({"by": "none"}), json!([]), "actions"),
            (
                "res.partner",
                json!({"by": "none"}),
                json!([{"type": "update", "values": {"name": "x"}}]),
                "actions[0].type",
            ),
            (
                "res.partner",
                json!({"by": "model_id"}),
                json!([{"type": "update", "values": {"name": "x"}},
                       {"type": "update", "values": {"colour": "red"}}]),
                "actions[1].values.colour",
            ),
            (
                "res.partner",
                json!({"by": "none"}),
                json!([{"type": "create", "model": "res.nothing", "values": {}}]),
                "actions[0].model",
            ),
            (
                "res.partner",
                json!({"by": "none"}),
                json!([{"type": "create", "values": {"name": {"$payload": "a..b"}}}]),
                "actions[0].values.name",
            ),
            (
                "res.partner",
                json!({"by": "none"}),
                json!([{"type": "create", "values": {}, "required": ["name", 3]}]),
                "actions[0].required[1]",
            ),
            (
                "sale.order",
                json!({"by": "model_id"}),
                json!([{"type": "call", "method": "fly"}]),
                "actions[0].method",
            ),
            (
                "res.partner",
                json!({"by": "model_id"}),
                json!([{"type": "update", "values": {}, "when": "now"}]),
                "actions[0].when",
            ),
        ];
        for (model, target, actions, at) in cases {
            let err = parse(model, target, actions).unwrap_err();
            assert_eq!(err.at, at, "{err}");
            assert!(!err.message.is_empty());
        }
    }

    #[test]
    fn a_call_names_a_declared_method() {
        let registry = Registry::demo();
        let method = registry
            .model("sale.order")
            .unwrap()
            .methods
            .keys()
            .next()
            .expect("the demo declares methods on sale.order")
            .clone();
        let call = parse(
            "sale.order",
            json!({"by": "model_id"}),
            json!([{"type": "call", "method": method}]),
        )
        .unwrap();
        assert!(matches!(&call.actions[0].kind, ActionKind::Call { .. }));
    }
}
