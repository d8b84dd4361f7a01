//! The receive log of the webhooks resource (`/restapi/1.0/webhooks`), so that a call made with an
//! OAuth token or a key is seen in the API logs as the object resource's calls are (those go
//! through `odoo::run`). Gated by `webhook.rpc_log`, like them. The request is logged as
//! `{"query": {...}, "body": ...}`: as JSON objects, the log's redaction masks secrets by key
//! (`access_token`, `oauth_signature`, a webhook's `secret`) whatever the client sent them in; the
//! `Authorization` header is never logged.

use crate::state::AppState;
use poem::{Endpoint, IntoResponse, Request, Response};
use serde_json::{Map, Value, json};
use std::time::Instant;
use weft_logstore::{Body, Entry, LogType};

/// Call `endpoint` with `req` and log the call (`state` gives the writer and the parameters).
pub async fn logged<E: Endpoint>(
    state: &AppState,
    endpoint: &E,
    mut req: Request,
) -> poem::Result<Response> {
    let parameters = state.parameters();
    if !parameters.flag("webhook.rpc_log") {
        return endpoint.call(req).await.map(IntoResponse::into_response);
    }
    let started = Instant::now();
    let bytes = req.take_body().into_vec().await.unwrap_or_default();
    req.set_body(bytes.clone());
    let route = req.original_uri().path().to_string();
    let method = req.method().to_string();
    let query: Map<String, Value> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), literal(&v)))
            .collect();
    let body = readable(&bytes);
    let response = endpoint.call(req).await.map(IntoResponse::into_response)?;
    let status = response.status();
    let (parts, sent) = response.into_parts();
    let sent = sent.into_vec().await.unwrap_or_default();
    state
        .logs
        .record(Entry {
            at: chrono::Utc::now().naive_utc(),
            log_type: LogType::Receive,
            route,
            function_name: method,
            model: None,
            res_model: None,
            res_id: None,
            callback_url: None,
            success: status.is_success(),
            request: Body::Json(json!({"query": query, "body": body})),
            response: Body::Bytes(sent.clone()),
            preview_limit: parameters.count("webhook.preview_limit") as usize,
            duration: started.elapsed(),
            user_id: None,
            idempotency_key: None,
        })
        .await;
    Ok(Response::from_parts(parts, sent.into()))
}

/// A body as JSON when it is JSON or a Python literal, a form as an object; other text only by
/// its size (without keys, nothing in it could be masked).
fn readable(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let text = String::from_utf8_lossy(bytes);
    if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
        return value;
    }
    if let Ok(value) = weft_domain::parse_literal(&text) {
        return value;
    }
    if text.contains('=') {
        let form: Map<String, Value> = url::form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), literal(&v)))
            .collect();
        return Value::Object(form);
    }
    json!(format!("({} bytes of text)", bytes.len()))
}

/// A parameter's value: a `{...}` or `[...]` literal read as the data it is (so its keys can be
/// masked), else the text.
fn literal(text: &str) -> Value {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(value) = weft_domain::parse_literal(text)
    {
        return value;
    }
    Value::String(text.to_string())
}
