//! Transport limits: body size, idempotency keys, the rate limit.

use crate::odoo_error;
use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::{Value, json};
use weft_store::testing::backends;

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let server = TestServer::start_with(backends()[0], &[("WEFT_MAX_BODY", "1024")]).await;
    let big = json!({"params": {"model": "res.partner", "vals": {"payload": {"name": "x".repeat(5000)}}}});
    let response = server
        .client
        .post(format!("{}/api/create_data", server.url))
        .header("x-api-key", ADMIN_KEY)
        .json(&big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], json!("payload_too_large"));
}

#[tokio::test]
async fn idempotency_keys_replay_the_first_response() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let vals = json!({"payload": {"name": "Once only"}});
        let headers = [("x-api-key", ADMIN_KEY), ("idempotency-key", "order-42")];
        let first = server
            .call_with("/api/create_data", "res.partner", vals.clone(), &headers)
            .await;
        let again = server
            .call_with("/api/create_data", "res.partner", vals.clone(), &headers)
            .await;
        assert_eq!(
            first["result"], again["result"],
            "the same response, not a second record"
        );
        let found = server
            .call(
                "/api/search_data",
                "res.partner",
                json!({"payload": {"search_domain": [["name", "=", "Once only"]]}}),
            )
            .await;
        assert_eq!(ok(&found).as_array().unwrap().len(), 1);
        let different = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Other"}}),
                &headers,
            )
            .await;
        assert_eq!(
            different["result"]["error"]["code"],
            json!("conflict"),
            "{different}"
        );
        let too_long = "k".repeat(256);
        let refused = server
            .call_with(
                "/api/create_data",
                "res.partner",
                vals,
                &[("x-api-key", ADMIN_KEY), ("idempotency-key", &too_long)],
            )
            .await;
        assert_eq!(odoo_error(&refused).0, "werkzeug.exceptions.BadRequest");
    }
}

#[tokio::test]
async fn a_caller_over_the_rate_limit_gets_429_with_retry_after() {
    let server = TestServer::start_with(backends()[0], &[("WEFT_RATE_LIMIT", "3")]).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = server
            .client
            .post(format!("{}/api/search_data", server.url))
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({"params": {"model": "res.partner", "vals": {"payload": {}}}}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            assert!(response.headers().get("retry-after").is_some());
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], json!("rate_limited"));
        }
        statuses.push(status);
    }
    assert_eq!(&statuses[..3], [200, 200, 200]);
    assert!(statuses.contains(&429), "{statuses:?}");
}
