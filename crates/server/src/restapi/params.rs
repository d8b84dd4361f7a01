//! The query parameters of `/restapi/1.0/webhooks` (`ids`, `domain`, `fields`, `order`, `offset`,
//! `limit`, `count`, `vals`), each parsed into a typed value or a 403 naming the parameter, and the
//! webhooks as the domain evaluator reads them (a virtual `webhook` model over their JSON views).

use super::render::Failure;
use super::{COLUMNS, MODEL, View, field};
use crate::outbound::source_error;
use poem::Request;
use poem::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use weft_domain::{BindOptions, BoundDomain, Domain, FieldInfo, FieldKind, Order, Records, Schema};
use weft_outbound::entity::subscription::Model as Row;
use weft_outbound::subscription;

// ---------------------------------------------------------------------------------------------
// Query parameters, each error naming the parameter.

pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn of(req: &Request) -> Result<Params, Failure> {
        req.params::<HashMap<String, String>>()
            .map(Params)
            .map_err(|e| Failure::invalid("query string", e.to_string()))
    }

    /// The parameter, unless absent or blank.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    pub(super) fn ids(&self) -> Result<Option<Vec<i64>>, Failure> {
        self.get("ids").map(parse_ids).transpose()
    }

    pub(super) fn required_ids(&self) -> Result<Vec<i64>, Failure> {
        self.ids()?.ok_or_else(|| {
            Failure::invalid("ids", "is required (comma-separated ids such as 7,12)")
        })
    }

    pub(super) fn domain(&self) -> Result<Option<BoundDomain>, Failure> {
        self.get("domain").map(parse_domain).transpose()
    }

    pub(super) fn fields(&self) -> Result<Option<Vec<String>>, Failure> {
        self.get("fields").map(parse_fields).transpose()
    }

    pub(super) fn order(&self) -> Result<Order, Failure> {
        let order = Order::parse(self.get("order").unwrap_or(""))
            .map_err(|e| Failure::invalid("order", e.to_string()))?;
        for term in &order.0 {
            match column(&term.field) {
                None => return Err(unknown_field("order", &term.field)),
                Some(FieldKind::Json) => {
                    let reason = format!("cannot sort by '{}', a list", term.field);
                    return Err(Failure::invalid("order", reason));
                }
                Some(_) => {}
            }
        }
        Ok(order)
    }

    /// A non-negative integer (`offset`, `limit`).
    pub(super) fn number(&self, name: &str) -> Result<Option<usize>, Failure> {
        self.get(name)
            .map(|text| {
                text.trim().parse::<usize>().map_err(|_| {
                    Failure::invalid(name, format!("'{text}' is not a non-negative integer"))
                })
            })
            .transpose()
    }

    /// `True`/`true`/`1` or `False`/`false`/`0`; absent is false.
    pub(super) fn flag(&self, name: &str) -> Result<bool, Failure> {
        match self.get(name).map(str::trim) {
            None | Some("False" | "false" | "0") => Ok(false),
            Some("True" | "true" | "1") => Ok(true),
            Some(other) => Err(Failure::invalid(
                name,
                format!("'{other}' is not True or False"),
            )),
        }
    }
}

/// `3,12`, or a list `[3, 12]`: positive ids, duplicates dropped.
fn parse_ids(text: &str) -> Result<Vec<i64>, Failure> {
    let trimmed = text.trim();
    let parts: Vec<Value> = if trimmed.starts_with('[') || trimmed.starts_with('(') {
        match literal("ids", trimmed)? {
            Value::Array(items) => items,
            _ => return Err(Failure::invalid("ids", "expected ids such as 3,12")),
        }
    } else {
        trimmed.split(',').map(|p| json!(p.trim())).collect()
    };
    let mut ids = Vec::new();
    for part in &parts {
        let id = match part {
            Value::String(s) => s.parse::<i64>().ok(),
            other => other.as_i64(),
        };
        let id = id.filter(|id| *id > 0).ok_or_else(|| {
            let reason = format!("{} is not an id (expected ids such as 3,12)", quoted(part));
            Failure::invalid("ids", reason)
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// A client value in a message: text in single quotes, anything else as JSON.
fn quoted(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// A domain over the webhooks; two-element terms `(field, value)` read as `(field, '=', value)`.
fn parse_domain(text: &str) -> Result<BoundDomain, Failure> {
    let mut value = literal("domain", text)?;
    if let Value::Array(items) = &mut value {
        for item in items.iter_mut() {
            if let Value::Array(term) = item
                && term.len() == 2
            {
                term.insert(1, json!("="));
            }
        }
    }
    let domain =
        Domain::parse_json(&value).map_err(|e| Failure::invalid("domain", e.to_string()))?;
    let options = BindOptions { active_test: false };
    domain
        .bind(&WebhookSchema, MODEL, &options)
        .map_err(|e| Failure::invalid("domain", e.to_string()))
}

/// `['name','model']` (Python-literal or JSON), or plain `name,model`; each a webhook field.
fn parse_fields(text: &str) -> Result<Vec<String>, Failure> {
    let trimmed = text.trim();
    let items = if trimmed.starts_with('[') || trimmed.starts_with('(') {
        match literal("fields", trimmed)? {
            Value::Array(items) => items,
            _ => return Err(Failure::invalid("fields", "expected a list of field names")),
        }
    } else {
        trimmed.split(',').map(|f| json!(f.trim())).collect()
    };
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(name) if column(name).is_some() => Ok(name.to_string()),
            Some(name) => Err(unknown_field("fields", name)),
            None => Err(Failure::invalid(
                "fields",
                format!("{item} is not a field name"),
            )),
        })
        .collect()
}

pub(super) fn literal(name: &str, text: &str) -> Result<Value, Failure> {
    weft_domain::parse_literal(text).map_err(|e| Failure::invalid(name, e.to_string()))
}

/// A path id; one that is not a number names no webhook.
pub(super) fn webhook_id(text: &str) -> Result<i64, Failure> {
    text.parse::<i64>().map_err(|_| Failure {
        status: StatusCode::NOT_FOUND,
        code: "not_found".into(),
        message: format!("webhook '{text}' does not exist"),
    })
}

fn column(name: &str) -> Option<FieldKind<'static>> {
    COLUMNS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

fn unknown_field(parameter: &str, name: &str) -> Failure {
    let known: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
    Failure {
        status: StatusCode::FORBIDDEN,
        code: "unknown_field".into(),
        message: format!(
            "{parameter}: '{name}' is not a webhook field ({})",
            known.join(", ")
        ),
    }
}

pub(super) fn missing(id: i64) -> Failure {
    source_error(weft_outbound::source::SourceError::NotFound("webhook", id)).into()
}

/// No webhook of `ids` exists (or matches the domain): Synconics' 404 "Record not found".
pub(super) fn none_of(ids: &[i64]) -> Failure {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    Failure {
        status: StatusCode::NOT_FOUND,
        code: "not_found".into(),
        message: format!(
            "Record not found: no webhook of ids {} matches",
            ids.join(",")
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Domains over the webhooks' views, in memory.

struct WebhookSchema;

impl Schema for WebhookSchema {
    fn table(&self, model: &str) -> Option<&str> {
        (model == MODEL).then_some(MODEL)
    }

    fn field(&self, model: &str, name: &str) -> Option<FieldInfo<'_>> {
        if model != MODEL {
            return None;
        }
        COLUMNS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(name, kind)| FieldInfo { name, kind: *kind })
    }

    fn rec_name(&self, _model: &str) -> &str {
        "name"
    }

    fn parent_field(&self, _model: &str) -> Option<&str> {
        None
    }

    fn has_active(&self, model: &str) -> bool {
        model == MODEL
    }
}

/// The webhooks as the evaluator reads them: an empty `fields` list is empty (False).
pub(super) struct Views(HashMap<i64, View>);

impl Views {
    pub(super) fn of(rows: &[Row]) -> Views {
        let row = |r: &Row| {
            let mut view = subscription::view(r);
            if field(&view, "fields").as_array().is_some_and(Vec::is_empty) {
                view.insert("fields".into(), Value::Null);
            }
            (r.id, view)
        };
        Views(rows.iter().map(row).collect())
    }
}

impl Records for Views {
    fn row(&self, model: &str, id: i64) -> Option<&View> {
        if model != MODEL {
            return None;
        }
        self.0.get(&id)
    }
}
