//! `{path:format}`: the values a path reads, dropped when blank, converted by the format (`label`,
//! `date`, `text`, `join`) and joined as Python prints them.

use super::html::html_to_text;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;
use weft_registry::FieldType;
use weft_registry::value::{DATE_FORMAT, DATETIME_FORMAT};

/// The `{path:format}` result: blank values dropped (`false` and 0 kept, as Python's
/// `v or v == 0`), each converted, then one value as itself, several (or `join`) as a `", "`-joined
/// string, none as `""`. None (→ null) when the format does not apply to the values.
pub(super) fn formatted(
    format: &str,
    kind: &FieldType,
    values: Vec<Value>,
    language: &str,
) -> Option<Value> {
    if format == "label" && !matches!(kind, FieldType::Selection(_)) {
        return None;
    }
    let values = values
        .into_iter()
        .filter(|v| !is_blank(v))
        .map(|v| convert(format, kind, v, language))
        .collect::<Option<Vec<Value>>>()?;
    Some(match values.as_slice() {
        [one] if format != "join" => one.clone(),
        _ => Value::from(values.iter().map(python_str).collect::<Vec<_>>().join(", ")),
    })
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(entries) => entries.is_empty(),
        _ => false,
    }
}

/// One value through a format; unknown formats leave it as it is.
fn convert(format: &str, kind: &FieldType, value: Value, language: &str) -> Option<Value> {
    match (format, kind) {
        ("label", FieldType::Selection(selection)) => {
            Some(Value::from(selection.label(value.as_str()?, language)?))
        }
        ("label", _) => None,
        ("date", _) => date_only(&value).map(Value::from),
        ("text", _) => Some(Value::from(html_to_text(&python_str(&value)))),
        _ => Some(value),
    }
}

/// A stored datetime (`YYYY-MM-DD HH:MM:SS`, UTC) or date as `YYYY-MM-DD`.
fn date_only(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    let date = NaiveDateTime::parse_from_str(text, DATETIME_FORMAT)
        .map(|at| at.date())
        .or_else(|_| NaiveDate::parse_from_str(text, DATE_FORMAT))
        .ok()?;
    Some(date.format(DATE_FORMAT).to_string())
}

/// A value as Python's `str()` prints it: `True`/`False`, numbers and JSON as JSON, text as is.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}
