//! The hook form's structured fields: `target` and `actions` edited as rows of inputs, not as raw
//! JSON, read back into exactly the JSON `POST /api/v1/inbound-hooks` takes. Inputs are named
//! after the JSON paths they fill (`target.by`, `actions[0].type`, `actions[0].values.field`), and
//! the API's errors (`actions[1].values.phone: ...`) go to the row they name.
//!
//! A value (of `target.key` or an action's `values`) is a row of field, source and value: the
//! source `payload` makes `{"$payload": "<path>"}`, `value` a fixed value (JSON when it parses as
//! JSON, else the text itself).

use crate::form::{FieldErrors, Posted};
use serde_json::{Map, Value, json};
use weft_store::admin::ConfigError;

/// The inputs above the target and actions whose errors show at their own field.
pub const PLAIN_FIELDS: [&str; 7] = [
    "name",
    "model",
    "active",
    "log_calls",
    "require_signature",
    "signing_secret",
    "owner_id",
];

/// The form as typed (or as stored, for an edit).
#[derive(Debug, Clone, PartialEq)]
pub struct Editor {
    pub name: String,
    pub model: String,
    pub active: bool,
    pub log_calls: bool,
    pub require_signature: bool,
    pub owner_id: String,
    /// Only on a new hook: a `whsec_` secret of one's own (blank: generated).
    pub signing_secret: String,
    /// `model_id`, `search` or `none`.
    pub target_by: String,
    pub key: Vec<ValueRow>,
    pub actions: Vec<ActionRow>,
}

/// One field of `target.key` or of an action's `values`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValueRow {
    pub field: String,
    /// `payload` or `value`.
    pub source: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionRow {
    /// `update`, `create` or `call` (the action's `type`).
    pub kind: String,
    /// `create` only: the model to create (blank: the hook's).
    pub model: String,
    /// `call` only.
    pub method: String,
    /// `call` only: a JSON object.
    pub parameter: String,
    /// Payload paths, one a line.
    pub required: String,
    pub values: Vec<ValueRow>,
}

impl Default for ActionRow {
    fn default() -> Self {
        ActionRow {
            kind: "update".into(),
            model: String::new(),
            method: String::new(),
            parameter: String::new(),
            required: String::new(),
            values: Vec::new(),
        }
    }
}

impl Default for Editor {
    /// A new hook: active, one update action on the record the payload names (Odoo's default).
    fn default() -> Self {
        Editor {
            name: String::new(),
            model: String::new(),
            active: true,
            log_calls: true,
            require_signature: false,
            owner_id: String::new(),
            signing_secret: String::new(),
            target_by: "model_id".into(),
            key: Vec::new(),
            actions: vec![ActionRow::default()],
        }
    }
}

impl ValueRow {
    fn blank(&self) -> bool {
        self.field.trim().is_empty()
    }

    /// The value the API takes for this row.
    fn json(&self) -> Value {
        let text = self.value.trim();
        if self.source == "payload" {
            return json!({ "$payload": text });
        }
        serde_json::from_str(text).unwrap_or_else(|_| Value::String(self.value.clone()))
    }

    /// A stored value as a row: a lone `$payload` reference by its path, text as typed (quoted
    /// only when it would read as JSON), anything else as compact JSON.
    fn of(field: &str, value: &Value) -> ValueRow {
        let reference = value
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("$payload"))
            .and_then(Value::as_str);
        let (source, value) = match (reference, value) {
            (Some(path), _) => ("payload", path.to_string()),
            (None, Value::String(s)) if serde_json::from_str::<Value>(s).is_err() => {
                ("value", s.clone())
            }
            (None, other) => ("value", other.to_string()),
        };
        ValueRow {
            field: field.to_string(),
            source: source.into(),
            value,
        }
    }
}

/// Rows as the object they stand for, blank rows left out.
fn object_of(rows: &[ValueRow]) -> Value {
    let map: Map<String, Value> = rows
        .iter()
        .filter(|r| !r.blank())
        .map(|r| (r.field.trim().to_string(), r.json()))
        .collect();
    Value::Object(map)
}

fn rows_of(value: Option<&Value>) -> Vec<ValueRow> {
    value
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| ValueRow::of(k, v)).collect())
        .unwrap_or_default()
}

/// Rows posted as three inputs repeated (`<prefix>.field`, `.source`, `.value`), by position.
fn posted_rows(form: &Posted, prefix: &str) -> Vec<ValueRow> {
    let column = |name: &str| -> Vec<String> {
        let name = format!("{prefix}.{name}");
        form.0
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (fields, sources, values) = (column("field"), column("source"), column("value"));
    fields
        .into_iter()
        .enumerate()
        .map(|(i, field)| ValueRow {
            field,
            source: sources.get(i).cloned().unwrap_or_else(|| "value".into()),
            value: values.get(i).cloned().unwrap_or_default(),
        })
        .filter(|r| !r.blank())
        .collect()
}

/// The indexes of the posted action rows (`actions[<n>].type`), in order.
fn posted_actions(form: &Posted) -> Vec<usize> {
    let mut indexes: Vec<usize> = form
        .0
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("actions[")?.strip_suffix("].type"))
        .filter_map(|n| n.parse().ok())
        .collect();
    indexes.sort_unstable();
    indexes.dedup();
    indexes
}

impl Editor {
    /// The form as posted (blank value rows dropped).
    pub fn posted(form: &Posted) -> Editor {
        let text = |name: &str| form.get(name).unwrap_or_default().to_string();
        let flag = |name: &str| form.flag(name) == Some(Value::Bool(true));
        let actions = posted_actions(form)
            .into_iter()
            .map(|i| {
                let at = |name: &str| text(&format!("actions[{i}].{name}"));
                ActionRow {
                    kind: at("type"),
                    model: at("model"),
                    method: at("method"),
                    parameter: at("parameter"),
                    required: at("required"),
                    values: posted_rows(form, &format!("actions[{i}].values")),
                }
            })
            .collect();
        Editor {
            name: text("name"),
            model: text("model"),
            active: flag("active"),
            log_calls: flag("log_calls"),
            require_signature: flag("require_signature"),
            owner_id: text("owner_id"),
            signing_secret: text("signing_secret"),
            target_by: text("target.by"),
            key: posted_rows(form, "target.key"),
            actions,
        }
    }

    /// A stored hook, as the API shows it (`stored::view`).
    pub fn stored(view: &Value) -> Editor {
        let target = &view["target"];
        let actions = view["actions"]
            .as_array()
            .map(|items| items.iter().map(action_row).collect())
            .unwrap_or_default();
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Editor {
            name: text(&view["name"]),
            model: text(&view["model"]),
            active: view["active"].as_bool().unwrap_or(true),
            log_calls: view["log_calls"].as_bool().unwrap_or(false),
            require_signature: view["require_signature"].as_bool().unwrap_or(false),
            owner_id: view["owner_id"]
                .as_i64()
                .map(|id| id.to_string())
                .unwrap_or_default(),
            signing_secret: String::new(),
            target_by: text(&target["by"]),
            key: rows_of(target.get("key")),
            actions,
        }
    }

    /// `target` as the API takes it; the key rows count only for a search.
    pub fn target(&self) -> Value {
        let by = self.target_by.trim();
        if by == "search" {
            json!({"by": by, "key": object_of(&self.key)})
        } else {
            json!({ "by": by })
        }
    }

    /// `actions` as the API takes them: each row's inputs that its type uses.
    pub fn actions(&self) -> Value {
        Value::Array(self.actions.iter().map(ActionRow::json).collect())
    }

    /// The object a save sends (`NewInboundHook`): blanks left out, so the API's defaults apply
    /// (and an edit keeps the owner and the signing secret it has).
    pub fn object(&self, with_signing_secret: bool) -> Map<String, Value> {
        let blank_is_null = |s: &str| match s.trim() {
            "" => Value::Null,
            s => Value::String(s.to_string()),
        };
        let owner = match self.owner_id.trim() {
            "" => Value::Null,
            s => s.parse::<i64>().map(Value::from).unwrap_or(json!(s)),
        };
        let mut fields = vec![
            ("name", blank_is_null(&self.name)),
            ("model", blank_is_null(&self.model)),
            ("active", Value::Bool(self.active)),
            ("target", self.target()),
            ("actions", self.actions()),
            ("log_calls", Value::Bool(self.log_calls)),
            ("require_signature", Value::Bool(self.require_signature)),
            ("owner_id", owner),
        ];
        if with_signing_secret {
            fields.push(("signing_secret", blank_is_null(&self.signing_secret)));
        }
        crate::form::object(fields, true)
    }

    /// Apply a row button (`_edit`): `add-key`, `add-action`, `remove-action:<n>`,
    /// `add-value:<n>`. False when there is no such button (the post is a save).
    pub fn apply(&mut self, edit: &str) -> bool {
        let (what, at) = match edit.split_once(':') {
            Some((what, n)) => (what, n.parse::<usize>().ok()),
            None => (edit, None),
        };
        match (what, at) {
            ("add-key", _) => self.key.push(ValueRow::default()),
            ("add-action", _) => self.actions.push(ActionRow::default()),
            ("remove-action", Some(n)) if n < self.actions.len() => {
                self.actions.remove(n);
            }
            ("add-value", Some(n)) if n < self.actions.len() => {
                self.actions[n].values.push(ValueRow::default())
            }
            _ => return false,
        }
        true
    }

    /// The rows as the page shows them: one blank row more for each list, so a value can be
    /// typed without a script or a button.
    pub fn with_blank_rows(mut self) -> Editor {
        self.key.push(ValueRow::default());
        for action in &mut self.actions {
            action.values.push(ValueRow::default());
        }
        self
    }
}

impl ActionRow {
    fn json(&self) -> Value {
        let kind = self.kind.trim();
        let mut action = Map::new();
        action.insert("type".into(), json!(kind));
        match kind {
            "create" | "update" => {
                if kind == "create" && !self.model.trim().is_empty() {
                    action.insert("model".into(), json!(self.model.trim()));
                }
                action.insert("values".into(), object_of(&self.values));
            }
            "call" => {
                action.insert("method".into(), json!(self.method.trim()));
                if let Some(parameter) = parameter(&self.parameter) {
                    action.insert("parameter".into(), parameter);
                }
            }
            _ => {}
        }
        let required: Vec<Value> = self
            .required
            .split(['\n', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| json!(s))
            .collect();
        if !required.is_empty() {
            action.insert("required".into(), Value::Array(required));
        }
        Value::Object(action)
    }
}

/// A call's parameter: its JSON, or the text (which the API refuses as not an object).
fn parameter(text: &str) -> Option<Value> {
    match text.trim() {
        "" => None,
        t => Some(serde_json::from_str(t).unwrap_or_else(|_| json!(t))),
    }
}

fn action_row(item: &Value) -> ActionRow {
    let text = |key: &str| item[key].as_str().unwrap_or_default().to_string();
    let required = item["required"]
        .as_array()
        .map(|paths| {
            let paths: Vec<&str> = paths.iter().filter_map(Value::as_str).collect();
            paths.join("\n")
        })
        .unwrap_or_default();
    ActionRow {
        kind: text("type"),
        model: text("model"),
        method: text("method"),
        parameter: match &item["parameter"] {
            Value::Null => String::new(),
            p => serde_json::to_string_pretty(p).unwrap_or_default(),
        },
        required,
        values: rows_of(item.get("values")),
    }
}

/// The API's error at the part of the form it names: `target...` at the target, `actions[n]...`
/// at that action's row, `actions` above the actions, the others at their input.
pub fn errors_of(error: &ConfigError) -> FieldErrors {
    let ConfigError::Invalid { field, reason } = error else {
        return FieldErrors::from_config(error, &PLAIN_FIELDS);
    };
    let mut errors = FieldErrors::default();
    let shown = |input: &str| {
        if input == field {
            reason.clone()
        } else {
            format!("{field}: {reason}")
        }
    };
    let row = field
        .strip_prefix("actions[")
        .and_then(|rest| rest.split_once(']'))
        .map(|(n, _)| format!("actions[{n}]"));
    if let Some(row) = row {
        errors.set(&row, shown(&row));
    } else if field == "actions" || field.starts_with("actions.") {
        errors.set("actions", shown("actions"));
    } else if field.starts_with("target") {
        errors.set("target", shown("target"));
    } else {
        return FieldErrors::from_config(error, &PLAIN_FIELDS);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_store::admin::invalid;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn the_rows_read_as_the_json_the_api_takes() {
        let form = posted(&[
            ("name", " Phones "),
            ("model", "res.partner"),
            ("active", "false"),
            ("active", "true"),
            ("log_calls", "false"),
            ("target.by", "search"),
            ("target.key.field", "ref"),
            ("target.key.source", "payload"),
            ("target.key.value", "customer.code"),
            ("target.key.field", ""),
            ("target.key.source", "value"),
            ("target.key.value", ""),
            ("actions[0].type", "update"),
            ("actions[0].values.field", "phone"),
            ("actions[0].values.source", "payload"),
            ("actions[0].values.value", "phone"),
            ("actions[0].values.field", "customer_rank"),
            ("actions[0].values.source", "value"),
            ("actions[0].values.value", "1"),
            ("actions[0].required", "phone\ncustomer.code"),
            ("actions[1].type", "call"),
            ("actions[1].method", "action_archive"),
            ("actions[1].parameter", ""),
            ("actions[1].values.field", "ignored"),
            ("actions[1].values.source", "value"),
            ("actions[1].values.value", "x"),
        ]);
        let editor = Editor::posted(&form);
        let sent = Value::Object(editor.object(false));
        assert_eq!(
            sent,
            json!({"name": "Phones", "model": "res.partner", "active": true, "log_calls": false,
                   "require_signature": false,
                   "target": {"by": "search", "key": {"ref": {"$payload": "customer.code"}}},
                   "actions": [
                       {"type": "update", "values": {"phone": {"$payload": "phone"}, "customer_rank": 1},
                        "required": ["phone", "customer.code"]},
                       {"type": "call", "method": "action_archive"}]})
        );
        // Stored and shown again, the form is what was typed (blank rows aside).
        let again = Editor::stored(&sent);
        assert_eq!(Value::Object(again.object(false)), sent);
    }

    #[test]
    fn text_values_keep_their_type_through_a_round_trip() {
        let view = json!({"name": "n", "model": "res.partner", "target": {"by": "none"},
            "actions": [{"type": "create", "model": "res.partner",
                         "values": {"name": "Ada", "ref": "42", "customer_rank": 3,
                                    "company_type": {"x": 1}}}]});
        let editor = Editor::stored(&view);
        let values = &editor.actions[0].values;
        let by = |f: &str| values.iter().find(|r| r.field == f).unwrap().value.clone();
        assert_eq!(by("name"), "Ada");
        assert_eq!(by("ref"), "\"42\"", "a text that reads as JSON is quoted");
        assert_eq!(by("customer_rank"), "3");
        assert_eq!(editor.actions(), view["actions"]);
    }

    #[test]
    fn row_buttons_add_and_remove_rows() {
        let mut editor = Editor::default();
        assert!(editor.apply("add-action"));
        assert!(editor.apply("add-value:1"));
        assert_eq!(editor.actions.len(), 2);
        assert_eq!(editor.actions[1].values.len(), 1);
        assert!(editor.apply("remove-action:0"));
        assert_eq!(editor.actions.len(), 1);
        assert!(!editor.apply("remove-action:9"));
        assert!(!editor.apply("save"));
    }

    #[test]
    fn errors_go_to_the_row_they_name() {
        let errors = errors_of(&invalid("actions[1].values.colour", "no field"));
        assert_eq!(
            errors.of("actions[1]"),
            Some("actions[1].values.colour: no field")
        );
        let errors = errors_of(&invalid("target.key.colour", "no field"));
        assert_eq!(errors.of("target"), Some("target.key.colour: no field"));
        let errors = errors_of(&invalid("actions", "expected a non-empty list"));
        assert_eq!(errors.of("actions"), Some("expected a non-empty list"));
        let errors = errors_of(&invalid("name", "required"));
        assert_eq!(errors.of("name"), Some("required"));
    }
}
