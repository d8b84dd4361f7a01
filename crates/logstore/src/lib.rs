//! The API log (DESIGN.md §7): a row for every call received (`receive`) and every outbound attempt
//! (`send`), with previews of both sides, their true sizes, and the full request and response as one
//! attachment when either side is longer than the preview limit. Secrets are masked by shape
//! (`redact`) before anything is stored: in both bodies and in every text column.
//!
//! Calls hand their logs to a `LogWriter`, which stores them in batches; `write` stores one in a
//! transaction of the caller's.
//!
//! ```text
//! let entry = Entry { request: Body::Bytes(body), response: Body::Json(answer), preview_limit, .. };
//! logs.record(entry).await;                              // stored within FLUSH_EVERY
//! let id = weft_logstore::write(tx.connection(), entry).await?; // or at once, in tx
//! ```

pub mod entity;
mod preview;
pub mod redact;
mod search;
pub mod summary;
mod writer;

use preview::{chars, preview_json};
pub use writer::{FLUSH_EVERY, LogWriter};

use entity::api_log;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::files::{self, NewAttachment};

/// The `res_model` of full payloads in the attachment table.
pub const PAYLOAD_MODEL: &str = "weft.api.log";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogType {
    Receive,
    Send,
}

impl LogType {
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Receive => "receive",
            LogType::Send => "send",
        }
    }
}

/// One side of a call (its request or its response) as it happened.
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    /// Bytes as received or sent: stored as the JSON they hold. Other text is not kept, only its
    /// size: without keys to go by, nothing in it could be masked.
    Bytes(Vec<u8>),
}

impl Body {
    fn into_json(self) -> Value {
        match self {
            Body::Json(value) => value,
            Body::Bytes(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                Value::String(format!(
                    "({} bytes that are not JSON; not kept)",
                    bytes.len()
                ))
            }),
        }
    }

    /// The bytes of the body as it is kept until stored (bytes as received, JSON as serialised),
    /// for the `LogWriter`'s budget: counted, not written anywhere.
    fn weight(&self) -> usize {
        match self {
            Body::Json(value) => serialised_len(value),
            Body::Bytes(bytes) => bytes.len(),
        }
    }
}

/// The length of `value`'s JSON text, serialised into a counter rather than a buffer.
fn serialised_len(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Serialising a Value into a writer that never fails cannot fail.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

/// One side of a call masked, measured and previewed, ready to store. Making it is the costly
/// part of a log, which is why a call hands over its `Body` and the `LogWriter` makes this.
#[derive(Debug, Clone)]
pub struct Side {
    masked: Value,
    size: i64,
    preview: String,
    /// Longer than the preview: the log keeps the full payload.
    cut: bool,
}

impl Side {
    /// Takes the value to mask it in place: a request body is not copied on its way to the log.
    fn new(mut masked: Value, preview_limit: usize) -> Side {
        redact::value(&mut masked);
        let text = masked.to_string();
        let size = chars(&text);
        Side {
            preview: preview_json(&masked, &text, preview_limit),
            cut: size > preview_limit as i64,
            size,
            masked,
        }
    }
}

/// One call to log, as it happened (`S` = `Body`), or ready to store (`S` = `Side`).
#[derive(Debug, Clone)]
pub struct Entry<S = Body> {
    /// When the call ended: the log's `create_date`.
    pub at: chrono::NaiveDateTime,
    pub log_type: LogType,
    /// The path called (`/api/create_data`) or the URL posted to.
    pub route: String,
    /// The route's name or the rule's or subscription's name.
    pub function_name: String,
    pub model: Option<String>,
    /// The record the call is about, when there is one.
    pub res_model: Option<String>,
    pub res_id: Option<i64>,
    pub callback_url: Option<String>,
    pub success: bool,
    pub request: S,
    pub response: S,
    /// `webhook.preview_limit` when the call was made.
    pub preview_limit: usize,
    pub duration: Duration,
    pub user_id: Option<i64>,
    pub idempotency_key: Option<String>,
}

impl Entry {
    /// Mask, measure and preview both sides.
    fn prepare(self) -> Entry<Side> {
        let limit = self.preview_limit;
        let (request, response) = (self.request.into_json(), self.response.into_json());
        Entry {
            request: Side::new(request, limit),
            response: Side::new(response, limit),
            at: self.at,
            log_type: self.log_type,
            route: column(self.route),
            function_name: column(self.function_name),
            model: self.model.map(column),
            res_model: self.res_model.map(column),
            res_id: self.res_id,
            callback_url: self.callback_url.map(column),
            success: self.success,
            preview_limit: limit,
            duration: self.duration,
            user_id: self.user_id,
            idempotency_key: self.idempotency_key.map(column),
        }
    }

    /// The bytes the entry holds until it is stored, for the `LogWriter`'s budget: both bodies
    /// and the text columns (a client chooses `model` and `callback_url`, and their length).
    fn weight(&self) -> usize {
        let texts = [
            &self.model,
            &self.res_model,
            &self.callback_url,
            &self.idempotency_key,
        ];
        self.request.weight()
            + self.response.weight()
            + self.route.len()
            + self.function_name.len()
            + texts
                .iter()
                .filter_map(|t| t.as_ref())
                .map(String::len)
                .sum::<usize>()
    }
}

/// A text column's value: its secrets masked (`redact::text`: a `route` that is a target URL, a
/// `callback_url`), and NUL replaced, as PostgreSQL refuses NUL in text and a client can send one
/// (in `model`, say): it would fail the whole batch of logs it is stored with.
fn column(value: String) -> String {
    let value = match redact::text(&value) {
        std::borrow::Cow::Owned(masked) => masked,
        std::borrow::Cow::Borrowed(_) => value,
    };
    if value.contains('\0') {
        value.replace('\0', "\u{fffd}")
    } else {
        value
    }
}

impl Entry<Side> {
    /// Either side is longer than its preview: the log keeps the full payload.
    fn has_payload(&self) -> bool {
        self.request.cut || self.response.cut
    }

    fn state(&self) -> &'static str {
        if self.success { "done" } else { "failed" }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("writing the API log: {0}")]
pub struct LogError(String);

impl From<sea_orm::DbErr> for LogError {
    fn from(e: sea_orm::DbErr) -> Self {
        LogError(e.to_string())
    }
}

impl From<weft_store::StoreError> for LogError {
    fn from(e: weft_store::StoreError) -> Self {
        LogError(e.to_string())
    }
}

/// Write `entry` in `conn`'s transaction and return the log's id.
pub async fn write(conn: &impl ConnectionTrait, entry: Entry) -> Result<i64, LogError> {
    write_prepared(conn, &entry.prepare()).await
}

async fn write_prepared(conn: &impl ConnectionTrait, entry: &Entry<Side>) -> Result<i64, LogError> {
    use sea_orm::sea_query::{Alias, Query};
    let (request, response) = (&entry.request, &entry.response);
    let has_payload = entry.has_payload();
    let row = log_row(entry);
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new(row.table))
        .columns(row.columns.iter().map(|c| Alias::new(*c)))
        .values_panic(row.values.into_iter().map(Into::into))
        .returning_col(Alias::new("id"));
    let id: i64 = conn
        .query_one(&insert)
        .await?
        .ok_or_else(|| LogError("the log insert returned no id".into()))?
        .try_get_by_index(0)?;
    if has_payload {
        let payload = json!({"request": request.masked, "response": response.masked}).to_string();
        let name = format!("api_log_{id}.json");
        let attachment = NewAttachment {
            name: &name,
            res_model: PAYLOAD_MODEL,
            res_id: id,
            mimetype: Some("application/json"),
            data: payload.as_bytes(),
            create_uid: entry.user_id,
        };
        files::attach(conn, attachment).await?;
    }
    Ok(id)
}

/// The columns of a log row, in the order of `log_row`.
const COLUMNS: &[&str] = &[
    "create_date",
    "log_type",
    "route",
    "function_name",
    "model",
    "res_model",
    "res_id",
    "callback_url",
    "state",
    "request_preview",
    "response_preview",
    "request_size",
    "response_size",
    "duration_ms",
    "user_id",
    "idempotency_key",
    "has_payload",
];

/// The row of a log: inserted alone by `write`, or with others (`weft_store::insert_all`) when it has
/// no payload to attach.
fn log_row(entry: &Entry<Side>) -> weft_store::BulkRow {
    let values: Vec<sea_orm::Value> = vec![
        entry.at.into(),
        entry.log_type.as_str().into(),
        entry.route.clone().into(),
        entry.function_name.clone().into(),
        entry.model.clone().into(),
        entry.res_model.clone().into(),
        entry.res_id.into(),
        entry.callback_url.clone().into(),
        entry.state().into(),
        entry.request.preview.clone().into(),
        entry.response.preview.clone().into(),
        entry.request.size.into(),
        entry.response.size.into(),
        (entry.duration.as_secs_f64() * 1000.0).into(),
        entry.user_id.into(),
        entry.idempotency_key.clone().into(),
        entry.has_payload().into(),
    ];
    weft_store::BulkRow {
        table: "weft_api_log",
        columns: COLUMNS,
        values,
    }
}

/// The full payload of a log: `{"request": .., "response": ..}`, or None when it has none.
pub async fn payload(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Value>, LogError> {
    let Some(bytes) = files::first_attachment(conn, PAYLOAD_MODEL, id).await? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| LogError(format!("payload of log {id} is not JSON: {e}")))
}

/// Delete logs and their payloads (the search index follows by trigger).
pub async fn delete(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<u64, LogError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    if ids.is_empty() {
        return Ok(0);
    }
    files::detach_all(conn, PAYLOAD_MODEL, ids).await?;
    let deleted = api_log::Entity::delete_many()
        .filter(api_log::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected)
}

/// What `list` looks for; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub log_type: Option<String>,
    pub state: Option<String>,
    pub route: Option<String>,
    pub model: Option<String>,
    pub res_id: Option<i64>,
    pub since: Option<chrono::NaiveDateTime>,
    pub until: Option<chrono::NaiveDateTime>,
    /// Only logs older than this id (the previous page's cursor).
    pub before: Option<i64>,
    /// Terms that must all appear inside the previews, case-insensitively (`search`).
    pub q: Option<String>,
    /// Only logs of these models (an admin key's `allowed_models`); None = every log.
    pub models: Option<Vec<String>>,
}

/// One page of logs, newest first, and the cursor of the next page when there is one.
pub async fn list(
    conn: &(impl ConnectionTrait + sea_orm::TransactionTrait),
    filter: &Filter,
    limit: u64,
) -> Result<(Vec<api_log::Model>, Option<i64>), LogError> {
    use api_log::Column;
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let mut query = api_log::Entity::find();
    let equal = [
        (Column::LogType, &filter.log_type),
        (Column::State, &filter.state),
        (Column::Route, &filter.route),
        (Column::Model, &filter.model),
    ];
    for (column, value) in equal {
        if let Some(value) = value {
            query = query.filter(column.eq(value.clone()));
        }
    }
    if let Some(res_id) = filter.res_id {
        query = query.filter(Column::ResId.eq(res_id));
    }
    if let Some(models) = &filter.models {
        query = query.filter(Column::Model.is_in(models.clone()));
    }
    if let Some(since) = filter.since {
        query = query.filter(Column::CreateDate.gte(since));
    }
    if let Some(until) = filter.until {
        query = query.filter(Column::CreateDate.lt(until));
    }
    if let Some(before) = filter.before {
        query = query.filter(Column::Id.lt(before));
    }
    let backend = conn.get_database_backend();
    let mut rows = match filter.q.as_deref() {
        Some(q) if search::postgres_two_steps(backend, Some(q)) => {
            search::postgres_newest(conn, query, q, limit + 1).await?
        }
        q => {
            search::newest_matching(query, backend, q, filter.before)
                .limit(limit + 1)
                .all(conn)
                .await?
        }
    };
    let next = if rows.len() as u64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id)
    } else {
        None
    };
    Ok((rows, next))
}

pub async fn get(conn: &impl ConnectionTrait, id: i64) -> Result<Option<api_log::Model>, LogError> {
    Ok(api_log::Entity::find_by_id(id).one(conn).await?)
}

/// Delete the logs created before `cutoff`, `chunk` at a time, each chunk in a write transaction of
/// its own so that calls keep getting their turn in between. Returns how many were deleted.
pub async fn purge(
    store: &weft_store::Store,
    cutoff: chrono::NaiveDateTime,
    chunk: u64,
) -> Result<u64, LogError> {
    use api_log::Column;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut total = 0;
    loop {
        let tx = store.begin(&weft_store::Env::superuser()).await?;
        let ids: Vec<i64> = api_log::Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::CreateDate.lt(cutoff))
            .order_by_asc(Column::Id)
            .limit(chunk)
            .into_tuple()
            .all(tx.connection())
            .await?;
        if ids.is_empty() {
            tx.commit_only().await?;
            return Ok(total);
        }
        total += delete(tx.connection(), &ids).await?;
        tx.commit_only().await?;
    }
}
