//! `/restapi/1.0/webhooks` (seed 000 §4.3) against the real binary, on every test backend: every
//! call form the seed documents (list, by id, `ids`, `domain` with two- and three-element terms,
//! `fields`, `offset`, `limit`, `order`, `count`, `/count`, create with `vals`, update one and by
//! `ids`, delete one and by `ids`), the trailing slash, XML by `Accept`, the status codes, and the
//! test notification reaching a real receiver. Query values are URL-encoded, as a client would.
//! This file holds the shared helpers; one module a group of call forms.

#[path = "../support/mod.rs"]
mod support;

mod errors;
mod ids;
mod notification;
mod oauth;
mod oauth_code;
mod oauth_reach;
mod object;
mod object_guards;
mod read;
mod write;
mod xml;

use serde_json::{Value, json};
use std::time::Duration;
use support::receiver::Receiver;
use support::{ADMIN_KEY, TestServer, ok};
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(10);
const BIN: &str = "https://requestbin.net/152eq511";
const SIX: &str = "['name','model','kind','address','format','language']";

async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(backend, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await
}

/// One call: status, Content-Type and body text.
async fn raw(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let url = format!("{}/restapi/1.0{path}", server.url);
    let mut request = server.client.request(method, url).query(query);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// A call with the admin key: status and JSON body.
async fn rest(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let (status, content_type, body) = raw(
        server,
        method,
        path,
        query,
        &[("x-api-key", ADMIN_KEY)],
        None,
    )
    .await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON: {body}")),
    )
}

/// A call with the admin key that must succeed.
async fn rest_ok(server: &TestServer, method: &str, path: &str, query: &[(&str, &str)]) -> Value {
    let (status, body) = rest(server, method, path, query).await;
    assert_eq!(status, 200, "{method} {path} {query:?}: {body}");
    body
}

/// A call that must fail with `status`; the error message.
async fn refused(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    status: u16,
) -> String {
    let (got, body) = rest(server, method, path, query).await;
    assert_eq!(got, status, "{method} {path} {query:?}: {body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    body["error"]["message"].as_str().unwrap().to_string()
}

/// Create a webhook from Python-literal `vals`; its view.
async fn create(server: &TestServer, vals: &str) -> Value {
    rest_ok(server, "POST", "/webhooks", &[("vals", vals)]).await["webhook"].clone()
}

/// The seed's four webhooks (three on products, one on orders); their ids.
async fn seed_webhooks(server: &TestServer) -> [i64; 4] {
    let mut ids = [0; 4];
    let specs = [
        ("Product Creation", "product.product", "on_create", "json"),
        ("Product Update", "product.product", "on_write", "json"),
        ("Product Deletion", "product.product", "on_unlink", "json"),
        ("Order Status Update", "sale.order", "on_write", "xml"),
    ];
    for (i, (name, model, kind, format)) in specs.into_iter().enumerate() {
        let vals = format!(
            "{{'name': '{name}', 'model': '{model}', 'kind': '{kind}', 'address': '{BIN}', 'format': '{format}', 'language': 'en_US'}}"
        );
        ids[i] = create(server, &vals).await["id"].as_i64().unwrap();
    }
    ids
}

fn names(reply: &Value) -> Vec<&str> {
    reply["webhook"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect()
}

fn keys(webhook: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = webhook
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

/// Query parameters, as `reqwest` takes them.
type Query<'a> = &'a [(&'a str, &'a str)];

const SIX_AND_ID: [&str; 7] = [
    "address", "format", "id", "kind", "language", "model", "name",
];
