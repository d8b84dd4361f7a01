//! Odoo's own protocols over real HTTP against the real binary, on SQLite and PostgreSQL:
//! `/jsonrpc` (driven by jsonrpsee's stock HTTP client), the web client's routes, JSON-2 and
//! `/doc-bearer`, and the guarantees every model call shares (credentials on every call, the
//! receive log without the secret, metrics, rate limits). One module a concern.

#[path = "../support/mod.rs"]
mod support;

mod calls;
mod envelope;
mod guarantees;
mod json2;
mod services;
mod web;

use jsonrpsee::core::client::{ClientT, Error as ClientError};
use jsonrpsee::core::params::ObjectParams;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use serde_json::{Value, json};
use support::TestServer;

/// A jsonrpsee client of the server's `/jsonrpc`.
pub(crate) fn rpc_client(server: &TestServer) -> HttpClient {
    HttpClientBuilder::default()
        .build(format!("{}/jsonrpc", server.url))
        .expect("a jsonrpsee client")
}

/// `service.method(*args)` over `/jsonrpc` with jsonrpsee: the result, or the Odoo error's
/// `(code, data)` as the client decoded it.
pub(crate) async fn rpc(
    client: &HttpClient,
    service: &str,
    method: &str,
    args: Value,
) -> Result<Value, (i32, Value)> {
    let mut params = ObjectParams::new();
    params.insert("service", service).unwrap();
    params.insert("method", method).unwrap();
    params.insert("args", args).unwrap();
    match client.request::<Value, _>("call", params).await {
        Ok(result) => Ok(result),
        Err(ClientError::Call(error)) => {
            let data = error
                .data()
                .map(|raw| serde_json::from_str(raw.get()).unwrap())
                .unwrap_or(Value::Null);
            assert_eq!(error.message(), "Odoo Server Error", "{data}");
            Err((error.code(), data))
        }
        Err(other) => panic!("jsonrpsee could not read the reply: {other}"),
    }
}

/// The fault's exception name, asserting the rest of Odoo's error data.
pub(crate) fn fault_name(fault: &(i32, Value)) -> String {
    let (code, data) = fault;
    assert_eq!(*code, 200, "{data}");
    assert_eq!(data["debug"], json!(""), "{data}");
    assert_eq!(data["arguments"], json!([data["message"]]), "{data}");
    data["name"].as_str().unwrap().to_string()
}

/// A user with a password (`<login>-password`) and an API key: (uid, key).
pub(crate) async fn user(server: &TestServer, login: &str) -> (i64, String) {
    let key = server.integration_key(login, None).await;
    let client = rpc_client(server);
    let uid = rpc(
        &client,
        "common",
        "login",
        json!(["weft", login, format!("{login}-password")]),
    )
    .await
    .unwrap();
    (uid.as_i64().expect("a uid"), key)
}

/// `POST path` with a JSON body and headers: (status, headers, body as JSON or null).
pub(crate) async fn post(
    server: &TestServer,
    path: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = server
        .client
        .post(format!("{}{path}", server.url))
        .header("content-type", "application/json")
        .body(body.to_string());
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}
