//! Values an inbound hook took from its caller's payload (DESIGN.md §8, §14). The hook's author
//! wrote the definition; the caller of its URL only fills in values. So a value from the payload
//! is converted by the type of the field it fills, as a friendly-format value is, and for a
//! relation it is a name looked up by the comodel's `rec_name`: never a record id, an Odoo command
//! list or a lookup object. Those arrive only where the hook's author wrote them literally.
//!
//! The substitution (`hook::payload::resolve`) marks where each payload value landed; the
//! conversion (`convert`, `function`, the hook's search target) asks these marks before it reads a
//! value, and treats a marked one with the rules below.

use super::error::{CallError, CallResult};
use super::path::Path;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use weft_registry::value::coerce;
use weft_registry::{Field, FieldType, Model, Registry};

/// Where payload values sit in a call's values (paths as errors write them: `tag_ids`,
/// `partner_id.ref`, `order_line[0].name`), each with the payload path it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FromPayload {
    at: BTreeMap<String, String>,
}

/// Lookups (field/value pairs), each with where it sits in the values.
pub(crate) type Lookups = Vec<(Path, Map<String, Value>)>;

/// A call with no payload values: the data routes, whose caller wrote the whole request.
pub(crate) static NONE: FromPayload = FromPayload {
    at: BTreeMap::new(),
};

impl FromPayload {
    /// The value at `at` (in the values) is the payload's value at `source`.
    pub fn mark(&mut self, at: String, source: String) {
        self.at.insert(at, source);
    }

    /// The payload path of the value at `path`, when that value came from the payload.
    pub(crate) fn source(&self, path: &Path) -> Option<&str> {
        self.at.get(path.as_str()).map(String::as_str)
    }
}

/// A payload value refused where it sits: the message names the field and the payload path.
fn refused(path: &Path, source: &str, reason: impl std::fmt::Display) -> CallError {
    CallError::invalid(path, format!("{reason} (the payload's '{source}')"))
}

/// An error about what a payload value named (no record has that name, several have it) says
/// which payload value it was.
pub(crate) fn sourced(error: CallError, source: &str) -> CallError {
    match error {
        CallError::Request {
            code,
            message,
            path,
        } => CallError::Request {
            code,
            message: format!("{message} (the payload's '{source}')"),
            path,
        },
        other => other,
    }
}

/// What a value is, for an error about its shape.
fn shape(value: &Value) -> &'static str {
    match value {
        Value::Array(items) if items.first().is_some_and(Value::is_array) => "a command list",
        Value::Array(items) if items.first().is_some_and(Value::is_object) => "a list of objects",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Null => "null",
    }
}

/// A payload value for a scalar field of `kind`, converted as a friendly-format value: text for
/// char-like fields (a number becomes its text), numbers or numeric text for numbers, `true`/
/// `false` (or `1`/`0`, `yes`/`no`, `on`/`off` as text: a query string has only text) for
/// booleans; dates, datetimes and selection keys as text. Never a list or an object.
pub(crate) fn scalar(
    kind: &FieldType,
    value: &Value,
    path: &Path,
    source: &str,
) -> CallResult<Value> {
    if matches!(kind, FieldType::Json) {
        return Ok(value.clone());
    }
    let bad = |reason: String| Err(refused(path, source, reason));
    let read = match (kind, value) {
        (_, Value::Array(_) | Value::Object(_)) => {
            return bad(format!("expected a single value, not {}", shape(value)));
        }
        (FieldType::Integer, Value::String(text)) => match text.trim().parse::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => return bad(format!("expected an integer, got '{text}'")),
        },
        (FieldType::Float | FieldType::Monetary, Value::String(text)) => {
            match text.trim().parse::<f64>().ok().filter(|f| f.is_finite()) {
                Some(f) => Value::from(f),
                None => return bad(format!("expected a number, got '{text}'")),
            }
        }
        (FieldType::Boolean, Value::String(text)) => {
            match text.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Value::Bool(true),
                "0" | "false" | "no" | "off" | "" => Value::Bool(false),
                _ => return bad(format!("expected true or false, got '{text}'")),
            }
        }
        (
            FieldType::Char | FieldType::Text | FieldType::Html | FieldType::Selection(_),
            Value::Number(n),
        ) => Value::String(n.to_string()),
        // Relations are read by `name_lookup`, `name_lookups` and `lookup_pairs`, never here.
        (
            FieldType::Many2one { .. } | FieldType::Many2many { .. } | FieldType::One2many { .. },
            _,
        ) => return bad("a relation takes names, not a single value".into()),
        _ => value.clone(),
    };
    coerce(kind, &read).map_err(|reason| refused(path, source, reason))?;
    Ok(read)
}

/// The text a payload value names a record by: text, or a number's text (never an id).
fn name(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The lookup a payload value for a many2one on `comodel` stands for: `{<rec_name>: <name>}`,
/// an exact match on the comodel's display name.
pub(crate) fn name_lookup(
    comodel: &Model,
    value: &Value,
    path: &Path,
    source: &str,
) -> CallResult<Map<String, Value>> {
    if comodel.rec_name == "id" {
        return Err(refused(
            path,
            source,
            format!(
                "{} has no name to look a payload value up by; write the lookup field in the hook, such as {{\"ref\": {{\"$payload\": \"{source}\"}}}}",
                comodel.name
            ),
        ));
    }
    let Some(name) = name(value) else {
        return Err(refused(
            path,
            source,
            format!(
                "expected the name of a {} record, not {}: a payload value is a name, never an id, a lookup or a command",
                comodel.name,
                shape(value)
            ),
        ));
    };
    let mut pairs = Map::new();
    pairs.insert(comodel.rec_name.clone(), Value::String(name));
    Ok(pairs)
}

/// The lookups a payload value for a many2many on `comodel` stands for: it must be a list of
/// names, each found by `rec_name`; the item paths are `path[i]`.
pub(crate) fn name_lookups(
    comodel: &Model,
    value: &Value,
    path: &Path,
    source: &str,
) -> CallResult<Lookups> {
    let items = match value {
        // Odoo commands (`[[2, id]]`, `[[6, 0, ids]]`): refused whole, before any item is read.
        Value::Array(items) if !items.iter().any(|i| i.is_array() || i.is_object()) => items,
        _ => {
            return Err(refused(
                path,
                source,
                format!(
                    "expected a list of {} names, not {}: a payload value is never an id, a lookup or a command",
                    comodel.name,
                    shape(value)
                ),
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = path.index(i);
            let source = format!("{source}[{i}]");
            name_lookup(comodel, item, &at, &source).map(|pairs| (at, pairs))
        })
        .collect()
}

/// The lookups of a list the hook wrote for a many2many where some items are payload values
/// (`[{"$payload": "tag"}]`): then every item must be one, a name (a `null`, a reference that named
/// nothing, is left out); None when none is.
pub(crate) fn listed_names(
    comodel: &Model,
    items: &[Value],
    path: &Path,
    marks: &FromPayload,
) -> CallResult<Option<Lookups>> {
    let sources: Vec<Option<&str>> = (0..items.len())
        .map(|i| marks.source(&path.index(i)))
        .collect();
    if sources.iter().all(Option::is_none) {
        return Ok(None);
    }
    items
        .iter()
        .zip(sources)
        .enumerate()
        .filter(|(_, (item, source))| !(item.is_null() && source.is_none()))
        .map(|(i, (item, source))| {
            let at = path.index(i);
            let Some(source) = source else {
                return Err(CallError::invalid(
                    &at,
                    "a list holding payload values is a list of names: ids and commands cannot be mixed in",
                ));
            };
            name_lookup(comodel, item, &at, source).map(|pairs| (at, pairs))
        })
        .collect::<CallResult<Vec<_>>>()
        .map(Some)
}

/// The `records` of a many2many `{"mode", "records"}` the hook wrote, at `path`: lookups whose
/// payload values are checked (`lookup_pairs`), payload names, or the whole list from the payload.
pub(crate) fn records(
    registry: &Registry,
    comodel: &Model,
    records: Option<&Value>,
    path: &Path,
    marks: &FromPayload,
) -> CallResult<Lookups> {
    if let Some(source) = marks.source(path) {
        return name_lookups(comodel, records.unwrap_or(&Value::Null), path, source);
    }
    let items = match records {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(CallError::invalid(path, "expected a list of lookups")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = path.index(i);
            if let Some(source) = marks.source(&at) {
                return name_lookup(comodel, item, &at, source).map(|pairs| (at, pairs));
            }
            let Value::Object(pairs) = item else {
                return Err(CallError::invalid(
                    &at,
                    "expected a lookup such as {\"name\": ...}",
                ));
            };
            let pairs = lookup_pairs(registry, comodel, pairs, &at, marks)?.into_owned();
            Ok((at, pairs))
        })
        .collect()
}

/// A lookup (or a search key) the hook wrote on `model`, at `path`, whose values may come from
/// the payload (`{"ref": {"$payload": "customer.code"}}`): each such value must be a single
/// value; one compared with a relation is a name (the domain matches it by `rec_name`), never an
/// id; one compared with a scalar field is converted by the field's type.
pub(crate) fn lookup_pairs<'p>(
    registry: &Registry,
    model: &Model,
    pairs: &'p Map<String, Value>,
    path: &Path,
    marks: &FromPayload,
) -> CallResult<Cow<'p, Map<String, Value>>> {
    let marked: Vec<(&String, &str)> = pairs
        .keys()
        .filter_map(|key| marks.source(&path.key(key)).map(|source| (key, source)))
        .collect();
    if marked.is_empty() {
        return Ok(Cow::Borrowed(pairs));
    }
    let mut checked = pairs.clone();
    for (key, source) in marked {
        let at = path.key(key);
        let value = &pairs[key];
        let read = match field_at(registry, model, key).map(|f| &f.kind) {
            Some(
                FieldType::Many2one { .. }
                | FieldType::Many2many { .. }
                | FieldType::One2many { .. },
            ) => match name(value) {
                Some(name) => Value::String(name),
                None => {
                    return Err(refused(
                        &at,
                        source,
                        format!(
                            "expected a name, not {}: a payload value is never an id",
                            shape(value)
                        ),
                    ));
                }
            },
            Some(kind) => scalar(kind, value, &at, source)?,
            // The key names no field: the lookup's own check reports it.
            None => value.clone(),
        };
        checked.insert(key.clone(), read);
    }
    Ok(Cow::Owned(checked))
}

/// The field a lookup key names, following a dotted key (`partner_id.ref`) through relations.
fn field_at<'r>(registry: &'r Registry, model: &'r Model, key: &str) -> Option<&'r Field> {
    let mut parts = key.split('.');
    let mut field = model.field(parts.next()?)?;
    for part in parts {
        let comodel = match &field.kind {
            FieldType::Many2one { comodel, .. }
            | FieldType::Many2many { comodel, .. }
            | FieldType::One2many { comodel, .. } => registry.model(comodel)?,
            _ => return None,
        };
        field = comodel.field(part)?;
    }
    Some(field)
}

/// A payload value where one2many lines go: refused, lines are written in the hook's definition
/// (with payload values inside them).
pub(crate) fn no_lines(path: &Path, source: &str) -> CallError {
    refused(
        path,
        source,
        "one2many lines come from the hook's definition (payload values go inside them), not from the payload",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(text: &str) -> Path {
        Path::of(text)
    }

    #[test]
    fn scalars_are_converted_by_field_type_and_never_a_list_or_object() {
        let ok = |kind: FieldType, value: Value| scalar(&kind, &value, &at("f"), "p").unwrap();
        assert_eq!(ok(FieldType::Char, json!(42)), json!("42"));
        assert_eq!(ok(FieldType::Char, json!("x")), json!("x"));
        assert_eq!(ok(FieldType::Integer, json!(" 7 ")), json!(7));
        assert_eq!(ok(FieldType::Integer, json!(7)), json!(7));
        assert_eq!(ok(FieldType::Float, json!("2.5")), json!(2.5));
        assert_eq!(ok(FieldType::Boolean, json!("yes")), json!(true));
        assert_eq!(ok(FieldType::Boolean, json!(false)), json!(false));
        assert_eq!(
            ok(FieldType::Date, json!("2026-12-01")),
            json!("2026-12-01")
        );
        assert_eq!(ok(FieldType::Json, json!({"a": [1]})), json!({"a": [1]}));
        for (kind, value, says) in [
            (FieldType::Char, json!(["x"]), "not a list"),
            (FieldType::Char, json!([[2, 1]]), "not a command list"),
            (FieldType::Integer, json!({"id": 1}), "not an object"),
            (FieldType::Integer, json!("three"), "expected an integer"),
            (FieldType::Boolean, json!("maybe"), "expected true or false"),
            (FieldType::Date, json!("yesterday"), ""),
        ] {
            let err = scalar(&kind, &value, &at("f"), "p").unwrap_err().to_api();
            assert!(err.message.starts_with("f: "), "{}", err.message);
            assert!(err.message.contains(says), "{}", err.message);
            assert!(err.message.contains("the payload's 'p'"), "{}", err.message);
        }
    }

    #[test]
    fn relations_take_names_never_ids_lookups_or_commands() {
        let registry = Registry::demo();
        let tags = registry.model("crm.tag").unwrap();
        assert_eq!(
            name_lookups(tags, &json!(["VIP", 7]), &at("tag_ids"), "tags").unwrap(),
            vec![
                (
                    at("tag_ids[0]"),
                    json!({"name": "VIP"}).as_object().unwrap().clone()
                ),
                (
                    at("tag_ids[1]"),
                    json!({"name": "7"}).as_object().unwrap().clone()
                ),
            ]
        );
        for attack in [
            json!([[2, 1]]),
            json!([[6, 0, [1]]]),
            json!([{"id": 1}]),
            json!("VIP"),
        ] {
            let err = name_lookups(tags, &attack, &at("tag_ids"), "tags")
                .unwrap_err()
                .to_api();
            assert!(err.message.contains("tag_ids"), "{}", err.message);
            assert!(err.message.contains("'tags"), "{}", err.message);
        }
        // A list the hook wrote with payload values in it is a list of names, nothing else.
        let mut marks = FromPayload::default();
        marks.mark("tag_ids[1]".into(), "tags[0]".into());
        let listed = listed_names(tags, &[json!(null), json!("VIP")], &at("tag_ids"), &marks);
        assert_eq!(
            listed.unwrap().unwrap().len(),
            1,
            "a reference that named nothing"
        );
        let mixed = listed_names(tags, &[json!(7), json!("VIP")], &at("tag_ids"), &marks);
        assert!(
            mixed
                .unwrap_err()
                .to_api()
                .message
                .contains("cannot be mixed")
        );
        let literal = listed_names(
            tags,
            &[json!([4, 7])],
            &at("tag_ids"),
            &FromPayload::default(),
        );
        assert!(
            literal.unwrap().is_none(),
            "the author's commands pass as written"
        );

        let partners = registry.model("res.partner").unwrap();
        assert!(name_lookup(partners, &json!({"id": 3}), &at("p"), "c").is_err());
        assert!(name_lookup(partners, &json!(true), &at("p"), "c").is_err());

        // A lookup the hook wrote: its payload values are single values, names for relations.
        let orders = registry.model("sale.order").unwrap();
        let mut marks = FromPayload::default();
        marks.mark("partner_id".into(), "customer".into());
        marks.mark("name".into(), "ref".into());
        let key = json!({"partner_id": 5, "name": 12})
            .as_object()
            .unwrap()
            .clone();
        let checked = lookup_pairs(&registry, orders, &key, &Path::root(), &marks).unwrap();
        assert_eq!(
            Value::Object(checked.into_owned()),
            json!({"partner_id": "5", "name": "12"})
        );
        let key = json!({"partner_id": [1, 2]}).as_object().unwrap().clone();
        assert!(lookup_pairs(&registry, orders, &key, &Path::root(), &marks).is_err());
        let key = json!({"partner_id.ref": ["a"]})
            .as_object()
            .unwrap()
            .clone();
        let mut marks = FromPayload::default();
        marks.mark("partner_id.ref".into(), "code".into());
        assert!(lookup_pairs(&registry, orders, &key, &Path::root(), &marks).is_err());
    }
}
