//! `create_data`, `update_data` and `create_update_data` (research §3.1–3.3 as amended by DESIGN.md
//! §4 and §12): convert the payload, create or write, store the attachments and the callback URL,
//! all in the call's transaction. An update that matches nothing is `not_found`; on update, the
//! lines of each one2many given as line dicts are replaced (the new lines are created, the current
//! ones deleted with `[2, id]`).

use super::attachment;
use super::callback;
use super::error::{CallError, CallResult, Code};
use super::path::Path;
use super::vals;
use super::{Call, Success};
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_registry::Model;
use weft_store::{SearchOptions, StoreError, Tx};

pub(crate) const CREATED: &str = "Record created successfully";
pub(crate) const UPDATED: &str = "Record updated successfully";

/// What the write routes read from `vals`, checked before anything is written.
struct WriteRequest<'v> {
    payload: &'v Map<String, Value>,
    auto_create: &'v Map<String, Value>,
    result_field: Vec<String>,
    callback_url: Option<String>,
}

/// Which route reads the request: `update_data` ignores `result_field` (as ecosoft), and only
/// `create_data` requires a payload.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Update,
    Upsert,
}

impl<'v> WriteRequest<'v> {
    fn read(call: &Call<'v>, kind: Kind) -> CallResult<WriteRequest<'v>> {
        let result_field = match kind {
            Kind::Update => Vec::new(),
            Kind::Create | Kind::Upsert => vals::result_field(call.vals, call.model)?,
        };
        Ok(WriteRequest {
            payload: vals::payload(call.vals, kind == Kind::Create)?,
            auto_create: vals::auto_create(call.vals)?,
            result_field,
            callback_url: callback::parse(call.vals, &call.settings.allowed_targets)?,
        })
    }
}

pub(crate) async fn create_data(call: &Call<'_>, tx: &mut Tx) -> CallResult<Success> {
    let request = WriteRequest::read(call, Kind::Create)?;
    create(call, tx, &request).await
}

pub(crate) async fn update_data(call: &Call<'_>, tx: &mut Tx) -> CallResult<Success> {
    let search_key = vals::search_key(call.vals)?;
    let request = WriteRequest::read(call, Kind::Update)?;
    let ids = find(tx, call.model, search_key).await?;
    if ids.is_empty() {
        return Err(no_match(call.model, search_key));
    }
    update(call, tx, &request, &ids).await?;
    Ok(Success {
        result: update_result(&ids, search_key),
        message: UPDATED.into(),
        records: ids,
    })
}

pub(crate) async fn create_update_data(call: &Call<'_>, tx: &mut Tx) -> CallResult<Success> {
    let search_key = vals::search_key(call.vals)?;
    let request = WriteRequest::read(call, Kind::Upsert)?;
    let ids = find(tx, call.model, search_key).await?;
    if ids.is_empty() {
        return create(call, tx, &request).await;
    }
    update(call, tx, &request, &ids).await?;
    Ok(Success {
        result: update_result(&ids, search_key),
        message: UPDATED.into(),
        records: ids,
    })
}

async fn create(call: &Call<'_>, tx: &mut Tx, request: &WriteRequest<'_>) -> CallResult<Success> {
    let model = call.model.name.as_str();
    let converter = call.converter(request.auto_create);
    let converted = converter
        .convert(tx, model, request.payload, &Path::root())
        .await?;
    let id = tx.create(model, &converted.vals).await?;
    attachment::store(tx, model, &[id], &converted.attachments).await?;
    if let Some(url) = &request.callback_url {
        callback::store(tx, model, &[id], url).await?;
    }
    let result = create_result(tx, model, id, &request.result_field).await?;
    Ok(Success {
        result,
        message: CREATED.into(),
        records: vec![id],
    })
}

async fn update(
    call: &Call<'_>,
    tx: &mut Tx,
    request: &WriteRequest<'_>,
    ids: &[i64],
) -> CallResult<()> {
    let model = call.model.name.as_str();
    let converter = call.converter(request.auto_create);
    let converted = converter
        .convert(tx, model, request.payload, &Path::root())
        .await?;
    if converted.replaced.is_empty() {
        if !converted.vals.is_empty() {
            tx.write(model, ids, &converted.vals).await?;
        }
    } else {
        // Each record deletes its own current lines, so each gets its own write.
        let fields: Vec<&str> = converted.replaced.iter().map(String::as_str).collect();
        for row in tx.read(model, ids, &fields).await? {
            let id = row["id"].as_i64().unwrap_or_default();
            let vals = with_deletes(&converted.vals, &converted.replaced, &row);
            tx.write(model, &[id], &vals).await?;
        }
    }
    attachment::store(tx, model, ids, &converted.attachments).await?;
    if let Some(url) = &request.callback_url {
        callback::store(tx, model, ids, url).await?;
    }
    Ok(())
}

/// The converted values with `[2, id]` for every current line of each replaced one2many. The
/// deletes go after the new lines so that errors about a new line keep its payload index.
fn with_deletes(
    vals: &Map<String, Value>,
    replaced: &[String],
    row: &Map<String, Value>,
) -> Map<String, Value> {
    let mut vals = vals.clone();
    for field in replaced {
        let current = row[field].as_array().cloned().unwrap_or_default();
        if let Some(Value::Array(commands)) = vals.get_mut(field) {
            commands.extend(current.into_iter().map(|line| json!([2, line])));
        }
    }
    vals
}

/// `{"id": N}` plus each `result_field` in read() format.
async fn create_result(tx: &Tx, model: &str, id: i64, fields: &[String]) -> CallResult<Value> {
    let mut result = Map::new();
    if !fields.is_empty() {
        let names: Vec<&str> = fields.iter().map(String::as_str).collect();
        if let Some(row) = tx.read(model, &[id], &names).await?.into_iter().next() {
            for name in fields {
                result.insert(name.clone(), row.get(name).cloned().unwrap_or(Value::Null));
            }
        }
    }
    result.insert("id".into(), Value::from(id));
    Ok(Value::Object(result))
}

/// `{"id": [ids], ...search_key}`: as ecosoft, a search key named `id` replaces the list.
fn update_result(ids: &[i64], search_key: &Map<String, Value>) -> Value {
    let mut result = Map::new();
    result.insert("id".into(), json!(ids));
    for (key, value) in search_key {
        result.insert(key.clone(), value.clone());
    }
    Value::Object(result)
}

/// The records `search_key` selects: a list value means `in`, anything else `=`, all ANDed. Their
/// rows are read in the same query, for the write that follows.
pub(crate) async fn find(
    tx: &Tx,
    model: &Model,
    search_key: &Map<String, Value>,
) -> CallResult<Vec<i64>> {
    let path = Path::of("search_key");
    let mut leaves = Vec::with_capacity(search_key.len());
    for (key, value) in search_key {
        let first = key.split('.').next().unwrap_or(key);
        if model.field(first).is_none() {
            return Err(CallError::at(
                Code::UnknownField,
                &path.key(key),
                format!("{} has no field '{first}'", model.name),
            ));
        }
        let operator = if value.is_array() { "in" } else { "=" };
        leaves.push(json!([key, operator, value]));
    }
    let domain = Domain::parse_json(&Value::Array(leaves))
        .map_err(|e| CallError::invalid(&path, format!("is not a usable search: {e}")))?;
    tx.search_for_write(&model.name, &domain, &SearchOptions::default())
        .await
        .map_err(|e| match e {
            StoreError::InvalidDomain(d) => {
                CallError::invalid(&path, format!("is not a usable search: {d}"))
            }
            other => other.into(),
        })
}

pub(crate) fn no_match(model: &Model, search_key: &Map<String, Value>) -> CallError {
    CallError::at(
        Code::NotFound,
        &Path::of("search_key"),
        format!(
            "no {} record matches {}",
            model.name,
            Value::Object(search_key.clone())
        ),
    )
}
