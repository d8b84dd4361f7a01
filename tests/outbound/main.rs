//! Outbound rules and subscriptions over real HTTP (DESIGN.md §6), on SQLite and PostgreSQL: the
//! real binary writes deliveries in the transaction of each change and its dispatcher POSTs them,
//! signed, to real receivers on 127.0.0.1:0. Covers the outbound cases of research §15 that apply
//! (with `transition` as the default), every subscription kind and format, retries, dead
//! deliveries and their retry through the API, 410, and rolled-back calls.
//! One module for rules, one for subscriptions; the helpers they share are here.

#[path = "../support/mod.rs"]
mod support;

mod rules;
mod subscriptions;

use serde_json::{Value, json};
use std::time::Duration;
use support::receiver::Received;
use support::{TestServer, ok};
use weft_store::testing::Backend;
use weft_webhook::signing::{self, Secret};

pub(crate) const WAIT: Duration = Duration::from_secs(10);
pub(crate) const QUIET: Duration = Duration::from_millis(600);

/// A server whose outbound requests may reach 127.0.0.1, with short retries.
pub(crate) async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(
        backend,
        &[
            ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
            ("WEFT_RETRY_SCHEDULE", "50ms,50ms,50ms,50ms"),
        ],
    )
    .await
}

pub(crate) async fn create(server: &TestServer, path: &str, body: Value) -> Value {
    let (status, created) = server.admin("POST", path, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// create_data of a partner; a `callback_url` among `values` goes beside the payload.
pub(crate) async fn partner(server: &TestServer, mut values: Value) -> i64 {
    let callback = values.as_object_mut().unwrap().remove("callback_url");
    let mut vals = json!({"payload": values});
    if let Some(url) = callback {
        vals["callback_url"] = url;
    }
    let reply = server.call("/api/create_data", "res.partner", vals).await;
    ok(&reply)["id"].as_i64().expect("an id")
}

pub(crate) async fn update(server: &TestServer, id: i64, payload: Value) {
    let reply = server
        .call(
            "/api/update_data",
            "res.partner",
            json!({"search_key": {"id": id}, "payload": payload}),
        )
        .await;
    ok(&reply);
}

/// The signature checks out with the source's secret (the Python check is in tests/python).
pub(crate) fn assert_signed(received: &Received, secret: &str) {
    let secret = Secret::parse(secret).expect("a whsec_ secret");
    let id = received.header("webhook-id");
    assert!(id.starts_with("msg_"), "{id}");
    let timestamp: i64 = received
        .header("webhook-timestamp")
        .parse()
        .expect("seconds");
    let [_, _, (_, signature)] =
        signing::headers(&[&secret], id, timestamp, received.body.as_bytes());
    assert_eq!(received.header("webhook-signature"), signature);
}

/// The first delivery in `state`, waiting up to `WAIT` for one.
pub(crate) async fn wait_for_state(server: &TestServer, state: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, page) = server
            .admin("GET", &format!("/api/v1/deliveries?state={state}"), None)
            .await;
        if let Some(first) = page["items"].as_array().and_then(|items| items.first()) {
            return first.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {state} delivery"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
