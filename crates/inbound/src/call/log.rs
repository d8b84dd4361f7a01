//! Logging a call (DESIGN.md §7): a `receive` row with the request as received and the `result`
//! object answered. A write call that succeeds is logged inside its own transaction, so the log
//! costs no commit of its own; a failed call is logged after its rollback, and a search in a
//! transaction of its own. A log that cannot be written is reported to the tracing output and the
//! call's answer stands.

use super::{CallOutcome, Route};
use serde_json::{Map, Value};
use std::time::Instant;
use weft_logstore::{Entry, LogType, Side};
use weft_store::{Env, Store, Tx};

/// What the caller of `run` knows about the call, for its log. None = the route's log is off.
#[derive(Debug, Clone)]
pub struct CallLog {
    /// The request body as received, ready to store (made before the call takes its turn).
    pub request: Side,
    /// `webhook.preview_limit`.
    pub preview_limit: usize,
    pub idempotency_key: Option<String>,
}

pub(crate) struct Logging<'a> {
    pub log: &'a CallLog,
    pub route: Route,
    pub model: &'a str,
    pub vals: &'a Map<String, Value>,
    pub uid: Option<i64>,
    pub started: Instant,
}

impl Logging<'_> {
    fn entry(&self, outcome: &CallOutcome) -> Entry {
        let res_id = outcome.records.first().copied();
        Entry {
            log_type: LogType::Receive,
            route: format!("/api/{}", self.route.name()),
            function_name: self.route.name().to_string(),
            model: Some(self.model.to_string()),
            res_model: res_id.map(|_| self.model.to_string()),
            res_id,
            callback_url: self
                .vals
                .get("callback_url")
                .and_then(Value::as_str)
                .map(str::to_string),
            success: outcome.error.is_none(),
            request: self.log.request.clone(),
            response: Side::new(outcome.body.clone(), self.log.preview_limit),
            duration: self.started.elapsed(),
            user_id: self.uid,
            idempotency_key: self.log.idempotency_key.clone(),
        }
    }

    /// Log the call with its transaction: the row is inserted when it commits. The insert has no
    /// constraint to break, so only a database fault can fail it, and that fault would fail the
    /// commit too.
    pub async fn in_tx(&self, tx: &mut Tx, outcome: &CallOutcome) {
        let entry = self.entry(outcome);
        if let Err(e) = weft_logstore::write_with(tx, &entry).await {
            tracing::error!(error = %e, route = self.route.name(), "the call's log was not written");
        }
    }

    /// Write the log in a transaction of its own.
    pub async fn alone(&self, store: &Store, env: &Env, outcome: &CallOutcome) {
        let entry = self.entry(outcome);
        let written = async {
            let tx = store.begin(env).await?;
            weft_logstore::write(tx.connection(), &entry).await?;
            tx.commit_only().await?;
            Ok::<_, weft_logstore::LogError>(())
        };
        if let Err(e) = written.await {
            tracing::error!(error = %e, route = self.route.name(), "the call's log was not written");
        }
    }
}
