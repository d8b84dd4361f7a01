//! Every example of the five seed documents (`/work/shared/seeds/*.txt`), as written, against the
//! real binary on the demo schema and every test backend. One module per seed that holds examples;
//! each test names its seed and section so a failure says which example broke.
//!
//! Seeds 001 (Synconics' store page) and 003 (Synconics' "developer's tool" page) hold prose only:
//! no request, domain, payload or condition to run (their OAuth mention is not implemented).

#[path = "../support/mod.rs"]
mod support;

mod ecosoft;
mod studio;
mod synconics;

use serde_json::{Value, json};
use support::{TestServer, ok};
use weft_store::testing::Backend;

/// A server that may deliver to the local receiver.
async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(backend, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await
}

/// `search_data` on `model` with `domain` and `fields`: the records found.
async fn read(server: &TestServer, model: &str, domain: Value, fields: Value) -> Value {
    let reply = server
        .call(
            "/api/search_data",
            model,
            json!({"payload": {"search_domain": domain, "search_field": fields}}),
        )
        .await;
    ok(&reply).clone()
}

/// `create_data` on `model` with `payload`, which must succeed: the new id.
async fn create(server: &TestServer, model: &str, payload: Value) -> i64 {
    let reply = server
        .call("/api/create_data", model, json!({"payload": payload}))
        .await;
    ok(&reply)["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{reply}"))
}
