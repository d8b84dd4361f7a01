//! Secrets are found by shape, not only by name (DESIGN.md §7, §14): a hostile integration key
//! sends credentials where the old list of key names missed them (URL userinfo and query strings
//! of a `callback_url`, `access_token`, `client_secret` and `X-Api-Key` keys deep in a request,
//! values a refused call's message quotes), and no stored log row, preview, full payload, `route`,
//! `callback_url` or `model` column, nor the error message answered, may hold them.

use crate::support::receiver::Receiver;
use crate::support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(10);
/// The password of a callback URL's userinfo.
const PASSWORD: &str = "hunter2";
/// The value of a callback URL's `token` query parameter.
const QUERY_TOKEN: &str = "abc";
/// Values of secret keys sent deep in a request.
const DEEP: [&str; 3] = ["at-9f2e-access", "cs-7b1d-client", "xk-4c8a-header"];
/// The secret part of the admin key (after `weft_<prefix>_`), sent in a payload by a hostile key.
const ADMIN_SECRET: &str = "test-admin-secret-for-end-to-end-tests";
/// A token a receiver answers with.
const ANSWERED: &str = "rt-5e0c-answered";

/// A server that may deliver to 127.0.0.1, with a preview limit low enough that every request
/// below keeps its full payload too (both are reviewed).
async fn server(backend: Backend) -> TestServer {
    let server = TestServer::start_with(
        backend,
        &[
            ("WEFT_ALLOWED_TARGETS", "127.0.0.0/8"),
            ("WEFT_RETRY_SCHEDULE", "50ms,50ms"),
        ],
    )
    .await;
    let (status, body) = server
        .admin(
            "PUT",
            "/api/v1/parameters/webhook.preview_limit",
            Some(json!({"value": "80"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    server
}

/// An outbound rule that posts every partner with a `ref` to the record's `callback_url`.
async fn back_to_sender(server: &TestServer) {
    let (status, body) = server
        .admin(
            "POST",
            "/api/v1/outbound-rules",
            Some(json!({"name": "Back to sender", "model": "res.partner",
                        "trigger_domain": [["ref", "!=", false]]})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// POST a JSON-RPC body to `route` with `key`: the reply as text (what the client is told).
async fn call(server: &TestServer, key: &str, route: &str, body: Value) -> String {
    let response = server
        .client
        .post(format!("{}{route}", server.url))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .expect("a reply");
    response.text().await.expect("a body")
}

/// create_data of a partner with `callback_url`, and secrets under keys the old list missed.
fn create_partner(reference: &str, callback_url: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "model": "res.partner",
        "vals": {"payload": {"name": "ACME", "ref": reference}, "callback_url": callback_url},
        "context": {"oauth": {"access_token": DEEP[0], "refresh": [{"client_secret": DEEP[1]}]},
                    "headers": {"X-Api-Key": DEEP[2]},
                    // Another's Weft API key, found by its shape under an ordinary key.
                    "note": format!("forwarded with {ADMIN_KEY}")}}})
}

async fn get(server: &TestServer, path: &str) -> Value {
    let (status, body) = server.admin("GET", &format!("/api/v1{path}"), None).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// Every log (a test makes a few), newest first.
async fn logs(server: &TestServer) -> Vec<Value> {
    let page = get(server, "/logs?limit=200").await;
    page["items"].as_array().expect("items").clone()
}

/// The send logs, once `n` are stored: the dispatcher logs an attempt after the receiver got it.
async fn send_logs(server: &TestServer, n: usize) -> Vec<Value> {
    let started = std::time::Instant::now();
    loop {
        let page = get(server, "/logs?log_type=send").await;
        let items = page["items"].as_array().expect("items").clone();
        if items.len() >= n || started.elapsed() > WAIT {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// All that a reviewer can read of the logs: rows (previews and columns) and full payloads.
async fn everything_logged(server: &TestServer) -> String {
    let rows = logs(server).await;
    let mut all = serde_json::to_string(&rows).expect("JSON");
    for row in &rows {
        if row["has_payload"] == json!(true) {
            let payload = get(server, &format!("/logs/{}/payload", row["id"])).await;
            all.push_str(&payload.to_string());
        }
    }
    all
}

fn assert_holds_none(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} is in {what}: {text}");
    }
}

#[tokio::test]
async fn a_callback_url_with_credentials_and_deep_secret_keys_leave_no_secret_in_any_log() {
    for backend in backends() {
        let server = server(backend).await;
        back_to_sender(&server).await;
        let receiver = Receiver::start().await;
        let address = receiver.url.trim_start_matches("http://");
        let callback = format!("http://user:{PASSWORD}@{address}/cb?token={QUERY_TOKEN}");
        let masked = format!("http://***@{address}/cb?token=***");
        let key = server.integration_key("hostile", None).await;

        let reply = call(
            &server,
            &key,
            "/api/create_data",
            create_partner("R1", &callback),
        )
        .await;
        assert!(ADMIN_KEY.ends_with(ADMIN_SECRET));
        let secrets = [
            PASSWORD,
            QUERY_TOKEN,
            DEEP[0],
            DEEP[1],
            DEEP[2],
            ADMIN_SECRET,
        ];
        assert_holds_none(&reply, &secrets, "the reply");
        let accepted = serde_json::from_str::<Value>(&reply).expect("JSON")["result"]["is_success"]
            == json!(true);
        let receive = get(&server, "/logs?log_type=receive").await;
        let log = &receive["items"][0];
        assert_eq!(log["route"], json!("/api/create_data"), "{log}");
        assert_eq!(
            log["has_payload"],
            json!(true),
            "the full payload is kept and reviewed"
        );
        let payload = get(&server, &format!("/logs/{}/payload", log["id"])).await;
        assert_eq!(
            payload["request"]["params"]["vals"]["callback_url"],
            json!(masked)
        );
        assert_eq!(
            payload["request"]["params"]["context"]["oauth"]["access_token"],
            json!("***")
        );
        if accepted {
            // The URL is kept as given (it is where the rule posts), and masked in every log.
            assert_eq!(log["callback_url"], json!(masked), "{log}");
            let got = receiver.wait_for(1, WAIT).await;
            assert_eq!(got[0].path, "/cb");
            let sent = send_logs(&server, 1).await;
            assert_eq!(sent.len(), 1, "{sent:?}");
            assert_eq!(sent[0]["route"], json!(masked), "the send log's route");
            assert_eq!(sent[0]["state"], json!("done"), "{}", sent[0]);
        } else {
            // A target guard that refuses userinfo: the refusal names the field, not the secret.
            assert!(reply.contains("callback_url"), "{reply}");
        }
        assert_holds_none(&everything_logged(&server).await, &secrets, "the logs");
    }
}

#[tokio::test]
async fn a_token_in_a_callback_urls_query_is_masked_in_the_send_logs_route() {
    for backend in backends() {
        let server = server(backend).await;
        back_to_sender(&server).await;
        // A receiver that answers with a credential of its own: kept on the attempt, masked.
        let receiver = Receiver::scripted(Box::new(|_| {
            (
                200,
                json!({"ok": true, "access_token": ANSWERED}).to_string(),
            )
        }))
        .await;
        let callback = format!("{}/cb?access_token={QUERY_TOKEN}&x=1", receiver.url);
        let masked = format!("{}/cb?access_token=***&x=1", receiver.url);
        let key = server.integration_key("hostile", None).await;

        let reply = call(
            &server,
            &key,
            "/api/create_data",
            create_partner("R2", &callback),
        )
        .await;
        assert!(reply.contains(r#""is_success":true"#), "{reply}");
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].path, "/cb", "the receiver gets the URL as given");
        let sent = send_logs(&server, 1).await;
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0]["route"], json!(masked));
        let receive = get(&server, "/logs?log_type=receive").await;
        assert_eq!(receive["items"][0]["callback_url"], json!(masked));
        let secrets = [
            QUERY_TOKEN,
            DEEP[0],
            DEEP[1],
            DEEP[2],
            ADMIN_SECRET,
            ANSWERED,
        ];
        assert_holds_none(&everything_logged(&server).await, &secrets, "the logs");
        let deliveries = get(&server, "/deliveries").await;
        let delivery = get(
            &server,
            &format!("/deliveries/{}", deliveries["items"][0]["id"]),
        )
        .await;
        let attempt = &delivery["attempts"][0];
        assert_eq!(attempt["status"], json!(200), "{delivery}");
        assert!(
            attempt["response_preview"]
                .as_str()
                .expect("a preview")
                .contains(r#""ok":true"#)
        );
        assert_holds_none(&attempt.to_string(), &[ANSWERED], "the attempt");
    }
}

#[tokio::test]
async fn a_refused_call_that_quotes_a_url_does_not_quote_its_credentials() {
    for backend in backends() {
        let server = server(backend).await;
        let key = server.integration_key("hostile", None).await;
        let url = format!("https://erp:{PASSWORD}@erp.example.com/x?token={QUERY_TOKEN}");
        let masked = "https://***@erp.example.com/x?token=***";
        // A date the store refuses, quoting the value; a model that is not one, quoted likewise.
        let bad_date = json!({"jsonrpc": "2.0", "params": {"model": "account.move",
            "vals": {"payload": {"date": url}}}});
        let bad_model =
            json!({"jsonrpc": "2.0", "params": {"model": url, "vals": {"payload": {}}}});
        for body in [bad_date, bad_model] {
            let reply = call(&server, &key, "/api/create_data", body).await;
            let parsed: Value = serde_json::from_str(&reply).expect("JSON");
            assert_eq!(parsed["result"]["is_success"], json!(false), "{reply}");
            let message = parsed["result"]["error"]["message"]
                .as_str()
                .expect("a message");
            assert!(
                message.contains(masked),
                "the message still says what: {message}"
            );
            assert_holds_none(&reply, &[PASSWORD, QUERY_TOKEN], "the reply");
        }
        let rows = logs(&server).await;
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0]["model"], json!(masked), "the model column");
        assert_holds_none(
            &everything_logged(&server).await,
            &[PASSWORD, QUERY_TOKEN],
            "the logs",
        );
    }
}
