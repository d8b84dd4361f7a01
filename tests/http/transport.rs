//! Transport errors of `/api/v1`, answered before any handler runs, carry the documented JSON body
//! `{"error": {"code", "message"}}` with their status (not poem's plain text).
use crate::support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// Send `request` with the admin key; the status and the JSON body (a body that is not JSON fails).
async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.header("x-api-key", ADMIN_KEY).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let text = response.text().await.unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{status} answered as {content_type}: {text}"
    );
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn transport_errors_of_the_admin_api_are_json_error_bodies() {
    let server = TestServer::start_with(backends()[0], &[("WEFT_MAX_BODY", "1024")]).await;
    let url = |path: &str| format!("{}/api/v1{path}", server.url);
    let client = &server.client;

    // No Content-Type: 415, naming the header.
    let (status, body) = send(client.post(url("/companies")).body(r#"{"name":"X"}"#)).await;
    assert_eq!(status, 415);
    assert_eq!(body["error"]["code"], json!("unsupported_media_type"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type"),
        "{body}"
    );

    // A wrong Content-Type is 415 too.
    let wrong = client
        .post(url("/companies"))
        .header("content-type", "text/plain")
        .body("{}");
    assert_eq!(send(wrong).await.0, 415);

    // JSON that does not parse, or lacks a required key: 400 (poem names the object, not the key).
    let broken = client
        .post(url("/companies"))
        .header("content-type", "application/json");
    let (status, body) = send(broken.body("{not json")).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], json!("bad_request"));
    let no_login = client
        .post(url("/users"))
        .json(&json!({"name": "No login"}));
    let (status, body) = send(no_login).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("NewUser"),
        "{body}"
    );

    // A query parameter that does not parse: 400 naming it.
    let (status, body) = send(client.get(url("/logs?limit=many"))).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("limit"),
        "{body}"
    );

    // A path id that is not a number: 400 naming it.
    let (status, body) = send(client.get(url("/companies/abc"))).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("id"),
        "{body}"
    );

    // Over WEFT_MAX_BODY: 413.
    let big = json!({"name": "x".repeat(5000)});
    let (status, body) = send(client.post(url("/companies")).json(&big)).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"]["code"], json!("payload_too_large"));

    // No key: 401, an unknown route: 404, a wrong method: 405; all JSON.
    let anonymous = client.get(url("/companies")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert!(body["error"]["code"].is_string(), "{body}");
    assert_eq!(send(client.get(url("/no-such-thing"))).await.0, 404);
    assert_eq!(send(client.put(url("/companies"))).await.0, 405);
}

#[tokio::test]
async fn absent_optional_values_are_left_out_not_sent_as_null() {
    let server = TestServer::start(backends()[0]).await;
    // A key without an expiry, a list with no next page, a char field with no relation.
    let (_, keys) = server.admin("GET", "/api/v1/api-keys", None).await;
    assert!(keys.get("next_cursor").is_none(), "{keys}");
    let admin_key = &keys["items"][0];
    assert!(admin_key["id"].is_i64(), "{keys}");
    assert!(admin_key.get("expires_at").is_none(), "{keys}");
    let (_, partner) = server
        .admin("GET", "/api/v1/models/res.partner", None)
        .await;
    let name = &partner["fields"]["name"];
    assert_eq!(name["type"], json!("char"));
    assert!(name.get("relation").is_none(), "{name}");
    assert!(!contains_null(&keys) && !contains_null(&partner));
}

fn contains_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(contains_null),
        Value::Object(map) => map.values().any(contains_null),
        _ => false,
    }
}
