//! XML-RPC end to end (research §2.5) on SQLite and PostgreSQL: raw `methodCall` bodies POSTed
//! over real HTTP to the real binary and its answers read with `weft_xmlrpc`, on `/xmlrpc/2/*`
//! (integer fault codes) and the legacy `/xmlrpc/*` (string ones). One module for the transport
//! (malformed, hostile and oversized bodies, routes and methods); the helpers are here.

#[path = "../support/mod.rs"]
mod support;

mod common;
mod object;
mod rules;
mod transport;

use support::TestServer;
use weft_xmlrpc::{Fault, FaultCode};

/// A raw reply: HTTP status, `Content-Type` and body.
pub(crate) struct Raw {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// POST `body` to `path` as `text/xml`.
pub(crate) async fn post(server: &TestServer, path: &str, body: impl Into<Vec<u8>>) -> Raw {
    let response = server
        .client
        .post(format!("{}{path}", server.url))
        .header("content-type", "text/xml")
        .body(body.into())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response.bytes().await.expect("a body").to_vec();
    Raw {
        status,
        content_type,
        body,
    }
}

/// POST a raw body and read the `methodResponse`: HTTP 200 `text/xml` always.
pub(crate) async fn answer(
    server: &TestServer,
    path: &str,
    body: impl Into<Vec<u8>>,
) -> Result<serde_json::Value, Fault> {
    let raw = post(server, path, body).await;
    let text = String::from_utf8_lossy(&raw.body).to_string();
    assert_eq!(raw.status, 200, "{path}: {text}");
    assert!(
        raw.content_type.starts_with("text/xml"),
        "{}",
        raw.content_type
    );
    assert!(!text.contains("Traceback"), "{text}");
    weft_xmlrpc::decode_response(&raw.body).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Call `method` of `path`'s service with `params`, written by the codec.
pub(crate) async fn call(
    server: &TestServer,
    path: &str,
    method: &str,
    params: &[serde_json::Value],
) -> Result<serde_json::Value, Fault> {
    let body = weft_xmlrpc::encode_call(method, params).expect("a call");
    answer(server, path, body).await
}

/// The fault of a refused call, asserting it was refused.
pub(crate) fn fault(outcome: Result<serde_json::Value, Fault>) -> Fault {
    match outcome {
        Ok(value) => panic!("expected a fault, got {value}"),
        Err(fault) => fault,
    }
}

/// The integer code of a `/xmlrpc/2` fault.
pub(crate) fn int_code(fault: &Fault) -> i32 {
    match fault.code {
        FaultCode::Int(code) => code,
        ref other => panic!("an int faultCode, got {other:?}"),
    }
}

/// The string code of a legacy fault.
pub(crate) fn text_code(fault: &Fault) -> &str {
    match &fault.code {
        FaultCode::Text(code) => code,
        other => panic!("a string faultCode, got {other:?}"),
    }
}

/// An integration user's uid and API key, logged in over XML-RPC.
pub(crate) struct Caller {
    pub uid: serde_json::Value,
    pub key: String,
}

pub(crate) async fn caller(server: &TestServer, login: &str, models: Option<&[&str]>) -> Caller {
    let key = server.user_key(login, "integration", models).await;
    let params = [
        serde_json::json!("weft"),
        serde_json::json!(login),
        serde_json::json!(key),
    ];
    let uid = call(server, "/xmlrpc/2/common", "login", &params)
        .await
        .expect("a login");
    assert!(uid.is_i64(), "{uid}");
    Caller { uid, key }
}

/// `object.execute_kw(db, uid, key, model, method, args, kwargs)` on `path`.
pub(crate) async fn execute_kw(
    server: &TestServer,
    path: &str,
    caller: &Caller,
    model: &str,
    method: &str,
    args: serde_json::Value,
    kwargs: serde_json::Value,
) -> Result<serde_json::Value, Fault> {
    let params = [
        serde_json::json!("weft"),
        caller.uid.clone(),
        serde_json::json!(caller.key),
        serde_json::json!(model),
        serde_json::json!(method),
        args,
        kwargs,
    ];
    call(server, path, "execute_kw", &params).await
}
