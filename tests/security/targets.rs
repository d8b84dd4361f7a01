//! Targets (DESIGN.md §14): outbound URLs are read by reqwest's own parser, so no notation of a
//! loopback address gets past the SSRF guard, and a rule's credentials go only to the hosts it
//! names. Each test aims at a real receiver on 127.0.0.1 with a server started without
//! `WEFT_ALLOWED_TARGETS` (so that receiver must be unreachable), or with it where the point is
//! what a delivered request carries.

use crate::support::receiver::Receiver;
use crate::support::{TestServer, ok};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::backends;

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(800);

/// The receiver's address written the ways the hand-written guard let through, and the ways a
/// WHATWG parser reads as loopback; each paired with the words the refusal must contain.
fn hostile_urls(receiver: &Receiver) -> Vec<(String, &'static str)> {
    let port = receiver.url.rsplit(':').next().unwrap().to_string();
    let private = "private or local address";
    [
        ("http://127.1:{P}/hook", private),
        ("http://2130706433:{P}/hook", private),
        ("http://0x7f000001:{P}/hook", private),
        ("http://0177.0.0.1:{P}/hook", private),
        ("http://127.0.0.1:{P}\\@example.com/hook", private),
        ("http://[::ffff:127.0.0.1]:{P}/hook", private),
        ("http://[::1]:{P}/hook", private),
        ("http://localhost.:{P}/hook", private),
        ("http://169.254.169.254/latest/meta-data/", private),
        ("http://10.0.0.1/hook", private),
        ("http://192.168.0.1/hook", private),
        ("http://100.64.0.1/hook", private),
        ("http://0.0.0.0:{P}/hook", private),
        ("http://[fe80::1]:{P}/hook", private),
        ("http://user:pw@example.com/hook", "user name or password"),
    ]
    .into_iter()
    .map(|(url, reason)| (url.replace("{P}", &port), reason))
    .collect()
}

/// A server with no `WEFT_ALLOWED_TARGETS`: nothing on 127.0.0.1 may be called.
async fn guarded(backend: weft_store::testing::Backend) -> TestServer {
    TestServer::start_with(backend, &[("WEFT_RETRY_SCHEDULE", "50ms")]).await
}

/// The admin route refused `body` with 422, naming `field` and `reason`.
async fn assert_refused(
    server: &TestServer,
    method: &str,
    path: &str,
    body: Value,
    field: &str,
    reason: &str,
) {
    let (status, reply) = server.admin(method, path, Some(body.clone())).await;
    assert_eq!(status, 422, "{method} {path} {body}: {reply}");
    assert_eq!(reply["error"]["code"], "invalid_value", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("{field}: ")) && message.contains(reason),
        "{body}: {message}"
    );
}

async fn count(server: &TestServer, path: &str) -> usize {
    let (status, list) = server.admin("GET", path, None).await;
    assert_eq!(status, 200, "{list}");
    list["items"].as_array().expect("a list").len()
}

/// A record change that would fire any rule or subscription on partners.
async fn touch_a_partner(server: &TestServer) {
    let reply = server
        .call(
            "/api/create_data",
            "res.partner",
            json!({"payload": {"name": "Trigger", "company_type": "company"}}),
        )
        .await;
    ok(&reply);
}

#[tokio::test]
async fn an_admin_cannot_aim_a_rule_or_a_subscription_at_loopback_in_any_notation() {
    for backend in backends() {
        let server = guarded(backend).await;
        let receiver = Receiver::start().await;
        // One good rule (inactive: it never calls out), to be patched at the receiver.
        let (status, good) = server
            .admin(
                "POST",
                "/api/v1/outbound-rules",
                Some(json!({"name": "Good", "model": "res.partner", "trigger_domain": [], "active": false,
                            "endpoint_source": "static", "endpoint_url": "https://erp.example.com/hook"})),
            )
            .await;
        assert_eq!(status, 201, "{good}");
        let good_path = format!("/api/v1/outbound-rules/{}", good["id"]);
        for (url, reason) in hostile_urls(&receiver) {
            let rule = json!({"name": "Hostile", "model": "res.partner", "trigger_domain": [],
                              "endpoint_source": "static", "endpoint_url": url});
            assert_refused(
                &server,
                "POST",
                "/api/v1/outbound-rules",
                rule,
                "endpoint_url",
                reason,
            )
            .await;
            let patch = json!({"endpoint_url": url});
            assert_refused(&server, "PATCH", &good_path, patch, "endpoint_url", reason).await;
            let subscription = json!({"name": "Hostile", "model": "res.partner", "kind": "on_create",
                                      "address": url});
            assert_refused(
                &server,
                "POST",
                "/api/v1/subscriptions",
                subscription,
                "address",
                reason,
            )
            .await;
            // Synconics' route takes Python-literal `vals` in the query string and answers every
            // refused parameter with 403 (seed 000).
            let vals = format!(
                "{{'name': 'Hostile', 'model': 'res.partner', 'kind': 'on_create', 'address': '{}'}}",
                url.replace('\\', "\\\\")
            );
            let (status, reply) = restapi_create(&server, &vals).await;
            assert_eq!(status, 403, "{vals}: {reply}");
            assert_eq!(reply["error"]["code"], "invalid_value", "{reply}");
            let message = reply["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.starts_with("address: ") && message.contains(reason),
                "{vals}: {message}"
            );
        }
        // Nothing stored, the good rule unchanged, and a change that would fire sends nothing.
        assert_eq!(count(&server, "/api/v1/outbound-rules").await, 1);
        assert_eq!(count(&server, "/api/v1/subscriptions").await, 0);
        let (_, still) = server.admin("GET", &good_path, None).await;
        assert_eq!(still["endpoint_url"], "https://erp.example.com/hook");
        let (status, _) = server.admin("DELETE", &good_path, None).await;
        assert_eq!(status, 204);
        touch_a_partner(&server).await;
        assert!(
            receiver.settle(QUIET).await.is_empty(),
            "{:?}",
            receiver.received()
        );
        assert_eq!(count(&server, "/api/v1/deliveries").await, 0);
    }
}

/// POST /restapi/1.0/webhooks with the admin key: status and JSON body.
/// A record rule with a credential: it POSTs to every callback URL stored for a partner.
async fn record_rule(server: &TestServer) -> Value {
    let (status, rule) = server
        .admin(
            "POST",
            "/api/v1/outbound-rules",
            Some(
                json!({"name": "To the caller", "model": "res.partner", "trigger_domain": [],
                        "endpoint_source": "record", "auth_header": "Bearer rule-credential"}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    rule
}

async fn restapi_create(server: &TestServer, vals: &str) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}/restapi/1.0/webhooks", server.url))
        .query(&[("vals", vals)])
        .header("x-api-key", crate::support::ADMIN_KEY)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_integration_key_cannot_store_a_callback_url_at_loopback_in_any_notation() {
    for backend in backends() {
        let server = guarded(backend).await;
        let receiver = Receiver::start().await;
        // A record rule: it would POST to every callback URL stored for a partner.
        record_rule(&server).await;
        let key = server.integration_key("hostile", None).await;
        let as_hostile = [("x-api-key", key.as_str())];
        let existing = ok(&server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Existing"}}),
            )
            .await)["id"]
            .as_i64()
            .unwrap();
        for (url, reason) in hostile_urls(&receiver) {
            for (route, vals) in [
                (
                    "/api/create_data",
                    json!({"payload": {"name": "Planted"}, "callback_url": url}),
                ),
                (
                    "/api/update_data",
                    json!({"search_key": {"id": existing}, "payload": {"name": "Renamed"}, "callback_url": url}),
                ),
                (
                    "/api/create_update_data",
                    json!({"search_key": {"name": "Planted"}, "payload": {"name": "Planted"}, "callback_url": url}),
                ),
            ] {
                let reply = server
                    .call_with(route, "res.partner", vals, &as_hostile)
                    .await;
                let result = &reply["result"];
                assert_eq!(result["is_success"], false, "{route} {url}: {reply}");
                assert_eq!(result["error"]["code"], "invalid_value", "{reply}");
                assert_eq!(result["error"]["path"], "callback_url", "{reply}");
                let message = result["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    message.starts_with("callback_url: ") && message.contains(reason),
                    "{url}: {message}"
                );
            }
        }
        // No record planted or renamed, no callback stored, nothing written to the outbox.
        let found = server
            .call(
                "/api/search_data",
                "res.partner",
                json!({"payload": {"search_field": ["name"],
                                   "search_domain": "[('name', 'in', ['Planted', 'Renamed', 'Existing'])]"}}),
            )
            .await;
        assert_eq!(ok(&found), &json!([{"id": existing, "name": "Existing"}]));
        let store = server.db.store(weft_registry::Registry::demo()).await;
        let callbacks = store
            .connection()
            .query_all_raw(sea_orm::Statement::from_string(
                store.backend(),
                "SELECT url FROM weft_record_callback",
            ))
            .await
            .unwrap();
        assert!(callbacks.is_empty(), "a callback was stored");
        assert_eq!(count(&server, "/api/v1/deliveries").await, 0);
        assert!(
            receiver.settle(QUIET).await.is_empty(),
            "{:?}",
            receiver.received()
        );
    }
}

#[tokio::test]
async fn a_callback_stored_under_the_old_guard_is_refused_when_it_would_be_sent() {
    for backend in backends() {
        let server = guarded(backend).await;
        let receiver = Receiver::start().await;
        let port = receiver.url.rsplit(':').next().unwrap().to_string();
        let (status, rule) = server
            .admin(
                "POST",
                "/api/v1/outbound-rules",
                Some(json!({"name": "To the caller", "model": "res.partner",
                            "trigger_domain": "[('company_type', '=', 'company')]",
                            "endpoint_source": "record", "max_retries": 0})),
            )
            .await;
        assert_eq!(status, 201, "{rule}");
        let id = ok(&server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Old"}}),
            )
            .await)["id"]
            .as_i64()
            .unwrap();
        // The hand-written guard read this URL's host as example.com and stored it; reqwest
        // reads 127.0.0.1. Put it where such a call left it.
        let planted = format!("http://127.0.0.1:{port}\\@example.com/hook");
        let store = server.db.store(weft_registry::Registry::demo()).await;
        let insert = sea_orm::Statement::from_sql_and_values(
            store.backend(),
            match store.backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "INSERT INTO weft_record_callback (res_model, res_id, url, write_date) VALUES ($1, $2, $3, now())"
                }
                _ => {
                    "INSERT INTO weft_record_callback (res_model, res_id, url, write_date) VALUES (?, ?, ?, CURRENT_TIMESTAMP)"
                }
            },
            ["res.partner".into(), id.into(), planted.clone().into()],
        );
        store.writer().execute_raw(insert).await.unwrap();

        let reply = server
            .call(
                "/api/update_data",
                "res.partner",
                json!({"search_key": {"id": id}, "payload": {"company_type": "company"}}),
            )
            .await;
        ok(&reply);
        let delivery = delivery_in(&server, "dead").await;
        assert_eq!(delivery["url"], planted.as_str());
        let error = delivery["attempts"][0]["error"]
            .as_str()
            .unwrap_or_default();
        assert!(
            error.contains("refused")
                && error.contains("127.0.0.1")
                && error.contains("WEFT_ALLOWED_TARGETS"),
            "{delivery}"
        );
        assert!(
            receiver.settle(QUIET).await.is_empty(),
            "{:?}",
            receiver.received()
        );
    }
}

/// The one delivery, once it is in `state` (`dead`, `done`), with its attempts.
async fn delivery_in(server: &TestServer, state: &str) -> Value {
    let started = std::time::Instant::now();
    loop {
        let (_, list) = server
            .admin("GET", &format!("/api/v1/deliveries?state={state}"), None)
            .await;
        if let Some(first) = list["items"].as_array().and_then(|items| items.first()) {
            let (_, delivery) = server
                .admin("GET", &format!("/api/v1/deliveries/{}", first["id"]), None)
                .await;
            return delivery;
        }
        assert!(started.elapsed() < WAIT, "no {state} delivery: {list}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_rules_credential_never_follows_a_callers_callback_url_to_an_unlisted_host() {
    for backend in backends() {
        // Here 127.0.0.1 may be called: the point is what the request carries.
        let server =
            TestServer::start_with(backend, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await;
        let receiver = Receiver::start().await;
        let rule = record_rule(&server).await;
        assert_eq!(rule["allowed_callback_hosts"], json!([]), "none by default");
        let key = server.integration_key("caller", None).await;
        let as_caller = [("x-api-key", key.as_str())];
        let callback = format!("{}/mine", receiver.url);

        // The caller's URL gets the delivery, without the rule's credential, and the attempt says so.
        let reply = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "First"}, "callback_url": callback}),
                &as_caller,
            )
            .await;
        ok(&reply);
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].path, "/mine");
        assert_eq!(got[0].json()["id"], ok(&reply)["id"]);
        assert_eq!(
            got[0].header("authorization"),
            "",
            "the credential followed the caller's URL"
        );
        let delivery = delivery_in(&server, "done").await;
        let note = delivery["attempts"][0]["note"].as_str().unwrap_or_default();
        assert!(
            note.contains("Authorization withheld")
                && note.contains("127.0.0.1")
                && note.contains("allowed_callback_hosts"),
            "{delivery}"
        );

        // Bad entries are refused, naming the entry and why.
        let path = format!("/api/v1/outbound-rules/{}", rule["id"]);
        for (hosts, field, reason) in [
            (
                json!(["http://127.0.0.1"]),
                "allowed_callback_hosts[0]",
                "not a bare host",
            ),
            (
                json!(["127.0.0.1", "127.0.0.1:8080"]),
                "allowed_callback_hosts[1]",
                "not a bare host",
            ),
            (
                json!(["erp.example.com/hook"]),
                "allowed_callback_hosts[0]",
                "not a bare host",
            ),
            (json!([""]), "allowed_callback_hosts[0]", "is empty"),
        ] {
            assert_refused(
                &server,
                "PATCH",
                &path,
                json!({"allowed_callback_hosts": hosts}),
                field,
                reason,
            )
            .await;
        }

        // Once the rule names the host, the credential goes with the delivery.
        let (status, patched) = server
            .admin(
                "PATCH",
                &path,
                Some(json!({"allowed_callback_hosts": ["127.0.0.1"]})),
            )
            .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(patched["allowed_callback_hosts"], json!(["127.0.0.1"]));
        let (_, shown) = server.admin("GET", &path, None).await;
        assert_eq!(shown["allowed_callback_hosts"], json!(["127.0.0.1"]));
        let reply = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Second"}, "callback_url": callback}),
                &as_caller,
            )
            .await;
        ok(&reply);
        let got = receiver.wait_for(2, WAIT).await;
        assert_eq!(got[1].json()["id"], ok(&reply)["id"]);
        assert_eq!(got[1].header("authorization"), "Bearer rule-credential");
        assert_eq!(receiver.settle(QUIET).await.len(), 2);
    }
}
