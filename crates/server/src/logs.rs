//! `/api/v1/logs` (DESIGN.md §11): the API log, newest first, filtered on indexed columns and paged
//! with a keyset cursor; one log; a log's full payload. A key limited to some models reads only the
//! logs of those.

use crate::admin::{AdminError, AdminResult, body, require_admin, require_model};
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use serde_json::Value;
use weft_inbound::identity::Caller;
use weft_logstore::Filter;
use weft_logstore::entity::api_log;
use weft_registry::value::{DATETIME_FORMAT, parse_datetime};

#[derive(Tags)]
enum LogTags {
    /// Every call received and every outbound attempt.
    Logs,
}

/// One call in or out (DESIGN.md §7).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiLog {
    pub id: i64,
    /// `YYYY-MM-DD HH:MM:SS` (UTC).
    pub create_date: String,
    /// `receive` or `send`.
    pub log_type: String,
    /// The path called, or the URL posted to.
    pub route: String,
    pub function_name: String,
    pub model: Option<String>,
    pub res_model: Option<String>,
    pub res_id: Option<i64>,
    pub callback_url: Option<String>,
    /// `done` or `failed`.
    pub state: String,
    /// The first `webhook.preview_limit` characters, plus ` ...` when cut; secrets masked.
    pub request_preview: String,
    pub response_preview: String,
    /// Characters of the whole request.
    pub request_size: i64,
    pub response_size: i64,
    pub duration_ms: f64,
    pub user_id: Option<i64>,
    pub idempotency_key: Option<String>,
    /// The whole request and response are kept (`GET /api/v1/logs/{id}/payload`).
    pub has_payload: bool,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiLogList {
    pub items: Vec<ApiLog>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

pub struct LogsApi {
    pub state: AppState,
}

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;

#[OpenApi(prefix_path = "/api/v1")]
impl LogsApi {
    /// Logs, newest first.
    #[oai(path = "/logs", method = "get", tag = "LogTags::Logs")]
    #[allow(clippy::too_many_arguments)]
    async fn list_logs(
        &self,
        req: &Request,
        /// `receive` or `send`.
        log_type: Query<Option<String>>,
        /// `done` or `failed`.
        state: Query<Option<String>>,
        /// The path called or the URL posted to, exactly.
        route: Query<Option<String>>,
        model: Query<Option<String>>,
        res_id: Query<Option<i64>>,
        /// From this time on (`YYYY-MM-DD HH:MM:SS` UTC, or a date).
        since: Query<Option<String>>,
        /// Before this time.
        until: Query<Option<String>>,
        /// Terms (separated by spaces) that must all appear, case-insensitively, inside the
        /// request or response preview, as Odoo's `ilike`: `SO00` finds `SO0042`; `%` and `_` are
        /// literal. A term with three letters or digits in a row is looked up in a trigram index;
        /// any other (`42`, `@`) only filters what those found, or, alone, the logs read newest
        /// first until the page is full: add another filter for a rare short term. A log is found
        /// as soon as its call is answered.
        q: Query<Option<String>>,
        /// At most 500; 50 by default.
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> AdminResult<Json<ApiLogList>> {
        let caller = self.reader(req).await?;
        if let Some(model) = &model.0 {
            require_model(&caller, model)?;
        }
        let filter = Filter {
            log_type: log_type.0,
            state: state.0,
            route: route.0,
            model: model.0,
            res_id: res_id.0,
            since: time("since", since.0)?,
            until: time("until", until.0)?,
            q: q.0,
            models: caller.allowed_models.clone(),
            before: cursor
                .0
                .map(|c| {
                    c.parse::<i64>()
                        .map_err(|_| invalid("cursor", "is not a cursor this service gave"))
                })
                .transpose()?,
        };
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(invalid("limit", &format!("must be 1 to {MAX_LIMIT}")));
        }
        let (rows, next) = weft_logstore::list(self.state.store.connection(), &filter, limit)
            .await
            .map_err(internal)?;
        Ok(Json(ApiLogList {
            items: rows.into_iter().map(log_of).collect(),
            next_cursor: next.map(|id| id.to_string()),
        }))
    }

    /// One log.
    #[oai(path = "/logs/:id", method = "get", tag = "LogTags::Logs")]
    async fn get_log(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<ApiLog>> {
        let caller = self.reader(req).await?;
        Ok(Json(log_of(self.log(&caller, id.0).await?)))
    }

    /// The whole request and response of a log: `{"request": .., "response": ..}`, secrets masked.
    /// 404 when the log has none (`has_payload` false: its previews are the whole of it).
    #[oai(path = "/logs/:id/payload", method = "get", tag = "LogTags::Logs")]
    async fn get_payload(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<Value>> {
        let caller = self.reader(req).await?;
        if caller.allowed_models.is_some() {
            self.log(&caller, id.0).await?;
        }
        weft_logstore::payload(self.state.store.connection(), id.0)
            .await
            .map_err(internal)?
            .map(Json)
            .ok_or_else(|| {
                AdminError::NotFound(body(
                    "not_found",
                    format!("log {} has no payload (or does not exist)", id.0),
                ))
            })
    }
}

impl LogsApi {
    /// An admin may read, and finds the log of every call answered before (logs are stored in
    /// batches, `weft_logstore::LogWriter`).
    async fn reader(&self, req: &Request) -> AdminResult<Caller> {
        let caller = require_admin(&self.state, req).await?;
        self.state.logs.flush().await;
        Ok(caller)
    }

    /// Log `id`, if the caller may use its model (a log of no model is for unlimited keys only).
    async fn log(&self, caller: &Caller, id: i64) -> AdminResult<api_log::Model> {
        let row = weft_logstore::get(self.state.store.connection(), id)
            .await
            .map_err(internal)?
            .ok_or_else(|| not_found(id))?;
        if caller.allowed_models.is_some() {
            require_model(caller, row.model.as_deref().unwrap_or("(none)"))?;
        }
        Ok(row)
    }
}

fn log_of(row: api_log::Model) -> ApiLog {
    ApiLog {
        id: row.id,
        create_date: row.create_date.format(DATETIME_FORMAT).to_string(),
        log_type: row.log_type,
        route: row.route,
        function_name: row.function_name,
        model: row.model,
        res_model: row.res_model,
        res_id: row.res_id,
        callback_url: row.callback_url,
        state: row.state,
        request_preview: row.request_preview,
        response_preview: row.response_preview,
        request_size: row.request_size,
        response_size: row.response_size,
        duration_ms: row.duration_ms,
        user_id: row.user_id,
        idempotency_key: row.idempotency_key,
        has_payload: row.has_payload,
    }
}

fn time(name: &str, value: Option<String>) -> AdminResult<Option<chrono::NaiveDateTime>> {
    value
        .map(|v| parse_datetime(&v).map_err(|reason| invalid(name, &reason)))
        .transpose()
}

fn invalid(name: &str, reason: &str) -> AdminError {
    AdminError::BadRequest(body("invalid_value", format!("{name}: {reason}")))
}

fn not_found(id: i64) -> AdminError {
    AdminError::NotFound(body("not_found", format!("no log {id}")))
}

fn internal(e: weft_logstore::LogError) -> AdminError {
    tracing::error!(error = %e, "log review failed");
    AdminError::Internal(body(
        "internal_error",
        "internal error (see the server log)",
    ))
}
