//! `search_data` (research §6 as amended by DESIGN.md §12): `search_domain` as a Python-literal
//! string or a JSON array, `limit`, `offset`, `order`, and `search_field` with `f{a,b{c}}`
//! expansion at any depth (`weft_registry::field_spec`, read by `Tx::read_specs`).

use super::error::{CallError, CallResult, Code};
use super::path::Path;
use super::vals;
use super::{Call, Success};
use serde_json::{Map, Value};
use weft_domain::Domain;
use weft_registry::field_spec::{self, CheckError, FieldSpec};
use weft_registry::{Model, Registry};
use weft_store::{SearchOptions, StoreError, Tx};

pub(crate) const SEARCHED: &str = "Record search successfully";

/// `offset` above this is refused (DESIGN.md §4 limits).
const MAX_WINDOW: u64 = 1 << 31;

/// The most records one `search_data` returns: a larger `limit` is refused, and a search without
/// one that matches more asks the caller to page with `limit` and `offset`.
pub const MAX_LIMIT: u64 = 10_000;

struct SearchRequest {
    fields: Vec<FieldSpec>,
    domain: Domain,
    limit: Option<u64>,
    offset: u64,
    order: Option<String>,
}

pub(crate) async fn search_data(call: &Call<'_>, tx: &Tx) -> CallResult<Success> {
    let payload = vals::payload(call.vals, false)?;
    let request = read_request(&call.registry, call.model, payload)?;
    let options = SearchOptions {
        order: request.order.as_deref(),
        // One more than the cap tells a search without a limit that matches too many.
        limit: Some(request.limit.unwrap_or(MAX_LIMIT + 1)),
        offset: request.offset,
        include_archived: false,
    };
    let ids = tx
        .search(&call.model.name, &request.domain, &options)
        .await
        .map_err(search_error)?;
    if ids.len() as u64 > MAX_LIMIT {
        return Err(CallError::invalid(
            &Path::of("limit"),
            format!(
                "more than {MAX_LIMIT} records match: page through them with limit (at most \
                 {MAX_LIMIT}) and offset"
            ),
        ));
    }
    let rows = tx
        .read_specs(&call.model.name, &ids, &request.fields)
        .await
        .map_err(|e| CallError::from_store_at(e, &Path::of("search_field")))?;
    Ok(Success {
        result: Value::Array(rows.into_iter().map(Value::Object).collect()),
        message: SEARCHED.into(),
        records: Vec::new(),
    })
}

fn read_request(
    registry: &Registry,
    model: &Model,
    payload: &Map<String, Value>,
) -> CallResult<SearchRequest> {
    Ok(SearchRequest {
        fields: search_fields(registry, model, payload.get("search_field"))?,
        domain: search_domain(payload.get("search_domain"))?,
        limit: limit(payload.get("limit"))?,
        offset: window(payload.get("offset"), "offset")?.unwrap_or(0),
        order: order(payload.get("order"))?,
    })
}

/// Empty or absent: every field.
fn search_fields(
    registry: &Registry,
    model: &Model,
    value: Option<&Value>,
) -> CallResult<Vec<FieldSpec>> {
    let path = Path::of("search_field");
    let items: Vec<&str> = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().ok_or_else(|| {
                    CallError::invalid(&path.index(i), "expected a field spec string")
                })
            })
            .collect::<CallResult<_>>()?,
        Some(_) => return Err(CallError::invalid(&path, "expected a list of field specs")),
    };
    let mut specs = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        specs.extend(field_spec::parse(item).map_err(|e| CallError::invalid(&path.index(i), e))?);
    }
    let specs = field_spec::merge(specs);
    field_spec::check(registry, &model.name, &specs).map_err(|e| {
        let code = match e {
            CheckError::UnknownField { .. } => Code::UnknownField,
            _ => Code::InvalidValue,
        };
        CallError::at(code, &path, e)
    })?;
    Ok(specs)
}

fn search_domain(value: Option<&Value>) -> CallResult<Domain> {
    let path = Path::of("search_domain");
    match value {
        None | Some(Value::Null) => Ok(Domain::all()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Domain::all()),
        Some(value @ (Value::String(_) | Value::Array(_))) => {
            Domain::parse_json(value).map_err(|e| CallError::at(Code::InvalidDomain, &path, e))
        }
        Some(_) => Err(CallError::at(
            Code::InvalidDomain,
            &path,
            "expected a domain as a string or a list",
        )),
    }
}

/// An integer in 0..=2^31; null or absent is None.
fn window(value: Option<&Value>, key: &str) -> CallResult<Option<u64>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| *n <= MAX_WINDOW)
            .map(Some)
            .ok_or_else(|| {
                CallError::invalid(
                    &Path::of(key),
                    format!("expected an integer from 0 to {MAX_WINDOW}, got {v}"),
                )
            }),
    }
}

/// `limit`: 0 or absent is none (up to `MAX_LIMIT`), more than `MAX_LIMIT` is refused.
fn limit(value: Option<&Value>) -> CallResult<Option<u64>> {
    match value {
        Some(v) if v.as_u64().is_some_and(|n| n > MAX_LIMIT) => Err(CallError::invalid(
            &Path::of("limit"),
            format!("is at most {MAX_LIMIT} (got {v}): page with offset"),
        )),
        other => Ok(window(other, "limit")?.filter(|&l| l > 0)),
    }
}

fn order(value: Option<&Value>) -> CallResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(CallError::at(
            Code::InvalidOrder,
            &Path::of("order"),
            "expected a string such as \"date_order desc, name\"",
        )),
    }
}

fn search_error(error: StoreError) -> CallError {
    match error {
        StoreError::InvalidDomain(e) => {
            CallError::at(Code::InvalidDomain, &Path::of("search_domain"), e)
        }
        StoreError::InvalidOrder(e) => CallError::at(Code::InvalidOrder, &Path::of("order"), e),
        other => other.into(),
    }
}
