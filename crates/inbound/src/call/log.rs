//! Logging a call (DESIGN.md §7): the `receive` log of a call, made of the request as received and
//! the `result` object answered. The caller makes it once the call has its outcome, whatever that
//! is, and hands it to the `LogWriter`, which masks and previews it off the call's path.

use super::{CallOutcome, Route};
use serde_json::{Map, Value};
use std::time::Duration;
use weft_logstore::{Body, Entry, LogType};

/// What the caller of `run` knows about the call before it runs, for its log.
#[derive(Debug, Clone)]
pub struct CallLog {
    /// The request body as received.
    pub request: Body,
    /// `webhook.preview_limit`.
    pub preview_limit: usize,
    pub idempotency_key: Option<String>,
    pub uid: Option<i64>,
}

impl CallLog {
    /// The log of the call of `route` on `model` with `vals`, which took `duration` and ended in
    /// `outcome`.
    pub fn entry(
        self,
        route: Route,
        model: &str,
        vals: &Map<String, Value>,
        duration: Duration,
        outcome: &CallOutcome,
    ) -> Entry {
        let res_id = outcome.records.first().copied();
        Entry {
            at: chrono::Utc::now().naive_utc(),
            log_type: LogType::Receive,
            route: format!("/api/{}", route.name()),
            function_name: route.name().to_string(),
            model: Some(model.to_string()),
            res_model: res_id.map(|_| model.to_string()),
            res_id,
            callback_url: vals
                .get("callback_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            success: outcome.error.is_none(),
            request: self.request,
            response: Body::Json(outcome.body.clone()),
            preview_limit: self.preview_limit,
            duration,
            user_id: self.uid,
            idempotency_key: self.idempotency_key,
        }
    }
}
