//! Reading one argument of a model method: ids, a domain, offset/limit/order (where `False` and
//! null mean "none" and a limit of 0 means no limit), field lists, and the call's `context`
//! (`active_test`, `allowed_company_ids`), each refused with a `ValueError` naming it.

use super::fault::value_error;
use super::{Fault, FaultKind};
use serde_json::{Map, Value};
use weft_domain::Domain;
use weft_store::Env;

/// `offset` above this is refused, as `search_data` refuses it.
const MAX_WINDOW: u64 = 1 << 31;

/// The ids of a method on records: an int or a list of ints, each positive.
pub(crate) fn ids(value: Option<&Value>) -> Result<Vec<i64>, Fault> {
    let one = |v: &Value| v.as_i64().filter(|id| *id > 0);
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                one(item).ok_or_else(|| value_error("ids", format!("{item} is not a record id")))
            })
            .collect(),
        Some(Value::Bool(false) | Value::Null) => Ok(Vec::new()),
        Some(v) => one(v)
            .map(|id| vec![id])
            .ok_or_else(|| value_error("ids", format!("{v} is not a record id or a list of ids"))),
        None => Ok(Vec::new()),
    }
}

/// A domain as a JSON list (or Odoo's Python-literal text); none is every record.
pub(crate) fn domain(value: Option<&Value>, name: &str) -> Result<Domain, Fault> {
    match value {
        None | Some(Value::Null | Value::Bool(false)) => Ok(Domain::all()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Domain::all()),
        Some(v @ (Value::Array(_) | Value::String(_))) => Domain::parse_json(v).map_err(|e| {
            Fault::new(
                FaultKind::ValueError,
                format!("Invalid domain ({name}): {e}"),
            )
        }),
        Some(v) => Err(value_error(
            name,
            format!("expected a domain (a list), got {v}"),
        )),
    }
}

/// An offset: none is 0.
pub(crate) fn offset(value: Option<&Value>) -> Result<u64, Fault> {
    Ok(count(value, "offset")?.unwrap_or(0))
}

/// A limit: none or 0 is no limit.
pub(crate) fn limit(value: Option<&Value>) -> Result<Option<u64>, Fault> {
    Ok(count(value, "limit")?.filter(|l| *l > 0))
}

fn count(value: Option<&Value>, name: &str) -> Result<Option<u64>, Fault> {
    match value {
        None | Some(Value::Null | Value::Bool(false)) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= MAX_WINDOW)
            .map(Some)
            .ok_or_else(|| {
                value_error(
                    name,
                    format!("expected an integer from 0 to {MAX_WINDOW}, got {v}"),
                )
            }),
    }
}

/// An order string such as `"name desc, id"`; none is the model's order.
pub(crate) fn order(value: Option<&Value>, name: &str) -> Result<Option<String>, Fault> {
    match value {
        None | Some(Value::Null | Value::Bool(false)) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(value_error(
            name,
            format!("expected an order string, got {v}"),
        )),
    }
}

/// A list of field names (one name alone is a list of one); none or empty is every field.
pub(crate) fn names(value: Option<&Value>, name: &str) -> Result<Vec<String>, Fault> {
    match value {
        None | Some(Value::Null | Value::Bool(false)) => Ok(Vec::new()),
        Some(Value::String(one)) => Ok(vec![one.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| value_error(name, format!("{item} is not a field name")))
            })
            .collect(),
        Some(v) => Err(value_error(
            name,
            format!("expected a list of field names, got {v}"),
        )),
    }
}

/// A boolean flag: absent is `default`, any other value is read as Python's truth.
pub(crate) fn flag(value: Option<&Value>, default: bool) -> bool {
    match value {
        None => default,
        Some(Value::Null | Value::Bool(false)) => false,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Bool(true)) => true,
    }
}

/// A dict argument (`vals`, `default`): none is empty.
pub(crate) fn dict<'v>(
    value: Option<&'v Value>,
    name: &str,
    empty: &'v Map<String, Value>,
) -> Result<&'v Map<String, Value>, Fault> {
    match value {
        None | Some(Value::Null | Value::Bool(false)) => Ok(empty),
        Some(Value::Object(map)) => Ok(map),
        Some(v) => Err(value_error(
            name,
            format!("expected a dict of field values, got {v}"),
        )),
    }
}

/// What the call's `context` changes: archived records searched too, and the companies it acts in.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub active_test: bool,
    pub companies: Option<Vec<i64>>,
}

impl Context {
    pub fn parse(value: Option<&Value>) -> Result<Context, Fault> {
        let mut context = Context {
            active_test: true,
            companies: None,
        };
        let map = match value {
            None | Some(Value::Null | Value::Bool(false)) => return Ok(context),
            Some(Value::Object(map)) => map,
            Some(v) => return Err(value_error("context", format!("expected a dict, got {v}"))),
        };
        context.active_test = flag(map.get("active_test"), true);
        if let Some(companies) = map.get("allowed_company_ids") {
            let ids = ids(Some(companies)).map_err(|_| {
                value_error("allowed_company_ids", "expected a list of company ids")
            })?;
            context.companies = (!ids.is_empty()).then_some(ids);
        }
        Ok(context)
    }

    /// `env` narrowed to the context's companies (the first one current); a company outside the
    /// caller's is refused, as Odoo refuses it.
    pub fn env(&self, env: &Env) -> Result<Env, Fault> {
        let Some(companies) = &self.companies else {
            return Ok(env.clone());
        };
        if let Some(other) = companies
            .iter()
            .find(|c| !env.superuser && !env.company_ids.contains(c))
        {
            return Err(Fault::new(
                FaultKind::AccessError,
                format!("Access to unauthorized or invalid companies (company {other})."),
            ));
        }
        let mut narrowed = env.clone();
        narrowed.company_id = companies[0];
        if !env.superuser {
            narrowed.company_ids = companies.clone();
        }
        Ok(narrowed)
    }
}
