//! The one runner of every model call of Odoo's protocols (`object` calls over `/jsonrpc` and
//! XML-RPC, `/web/dataset/call_kw`, JSON-2), so that each has the guarantees of the ecosoft
//! routes: the caller's rate limit, a task of its own (a call that ran is logged even when its
//! client stopped waiting), the store's writer for a call that writes, a `receive` log (gated by
//! `webhook.rpc_log`; the request as given, its secret already masked) and the
//! `weft_rpc_calls_total{wire,method,outcome}` counter.

use super::{Refusal, Wire, outcome_label};
use crate::state::AppState;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use weft_inbound::identity::Caller;
use weft_inbound::rpc::{self, Answer, Fault, FaultKind, ModelCall};
use weft_logstore::{Body, Entry, LogType};

/// Run `call` for `caller`; `route` and `request` (the decoded call, without any secret) are
/// what its receive log shows.
pub async fn model_call(
    state: &AppState,
    caller: &Caller,
    wire: Wire,
    route: &str,
    call: ModelCall,
    request: Value,
) -> Result<Answer, Refusal> {
    if let Err(seconds) = state.rate_limiter.check(caller.uid) {
        return Err(Refusal::TooMany {
            seconds,
            message: format!("too many requests: retry after {seconds} s"),
        });
    }
    // One snapshot of the parameters serves the call and its log.
    let parameters = state.parameters();
    let settings = state.call_settings(&parameters);
    let preview_limit = parameters
        .flag("webhook.rpc_log")
        .then(|| parameters.count("webhook.preview_limit") as usize);
    let (store, logs, env, uid) = (
        state.store.clone(),
        state.logs.clone(),
        caller.env.clone(),
        caller.uid,
    );
    let route = route.to_string();
    let finished = tokio::spawn(async move {
        let started = Instant::now();
        let label = method_label(&store, &call);
        let (outcome, call) = if rpc::writes(&store, &call) {
            let writer = store.clone();
            let work = async move {
                let outcome = rpc::dispatch(&writer, &env, &call, &settings).await;
                (outcome, call)
            };
            store.on_writer(work).await
        } else {
            (rpc::dispatch(&store, &env, &call, &settings).await, call)
        };
        let outcome_name = match &outcome {
            Ok(_) => "ok",
            Err(fault) => outcome_label(fault.kind),
        };
        metrics::counter!("weft_rpc_calls_total", "wire" => wire.label(), "method" => label, "outcome" => outcome_name)
            .increment(1);
        let shown = weft_logstore::redact::text(&call.model); // a client's text, masked as in a log
        tracing::info!(route = %route, model = %shown, uid, success = outcome.is_ok(), "rpc call");
        if let Some(preview_limit) = preview_limit {
            let entry = log_entry(&route, &call, request, &outcome, started.elapsed(), uid);
            logs.record(Entry {
                preview_limit,
                ..entry
            })
            .await;
        }
        outcome
    });
    match finished.await {
        Ok(outcome) => outcome.map_err(Refusal::from),
        Err(e) => {
            tracing::error!(error = %e, "an rpc call's task broke down");
            Err(Fault::new(FaultKind::Internal, "internal error").into())
        }
    }
}

/// The method as a metrics label: its name when the model has it, else "unknown" (a client's
/// made-up names must not grow the label set without end).
fn method_label(store: &weft_store::Store, call: &ModelCall) -> String {
    match rpc::signature(store, &call.model, &call.method) {
        Some(_) => call.method.clone(),
        None => "unknown".into(),
    }
}

fn log_entry(
    route: &str,
    call: &ModelCall,
    request: Value,
    outcome: &Result<Answer, Fault>,
    duration: Duration,
    uid: i64,
) -> Entry {
    let (res_id, response) = match outcome {
        Ok(answer) => (answer.records.first().copied(), answer.result.clone()),
        Err(fault) => (
            None,
            json!({"error": {"name": fault.kind.odoo_name(), "message": fault.message}}),
        ),
    };
    Entry {
        at: chrono::Utc::now().naive_utc(),
        log_type: LogType::Receive,
        route: route.to_string(),
        function_name: call.method.clone(),
        model: Some(call.model.clone()),
        res_model: res_id.map(|_| call.model.clone()),
        res_id,
        callback_url: None,
        success: outcome.is_ok(),
        request: Body::Json(request),
        response: Body::Json(response),
        preview_limit: 0,
        duration,
        user_id: Some(uid),
        idempotency_key: None,
    }
}
