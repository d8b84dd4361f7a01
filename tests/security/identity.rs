//! Identities (DESIGN.md §9, §14): users and companies change only through `/api/v1` by an admin
//! key that is not limited to some models; a key limited to models cannot widen itself or reach
//! objects of other models; a revoked key, a deactivated user and a user's changed companies apply
//! on the very next request, on this instance and (PostgreSQL) on every other one.

use crate::support::{TestServer, ok};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use weft_store::testing::{Backend, backends};

/// Call `path` on the instance at `base` with `key`: status and JSON body (null when empty).
async fn as_key(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = client
        .request(method, format!("{base}{path}"))
        .header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The refusal of `/api/v1`: 403 `access_denied` whose message names `named`.
fn refused(reply: &(u16, Value), named: &str) {
    assert_eq!(reply.0, 403, "{}", reply.1);
    assert_eq!(
        reply.1["error"]["code"],
        json!("access_denied"),
        "{}",
        reply.1
    );
    let message = reply.1["error"]["message"].as_str().unwrap();
    assert!(message.contains(named), "'{message}' should name {named}");
}

/// The `id` of the user whose login is `login`.
async fn user_id(server: &TestServer, login: &str) -> i64 {
    let (_, users) = server.admin("GET", "/api/v1/users", None).await;
    users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["login"] == json!(login))
        .unwrap_or_else(|| panic!("no user {login} in {users}"))["id"]
        .as_i64()
        .unwrap()
}

/// A data-route search of partners named `name` with `key` on the instance at `base`.
async fn partners(server: &TestServer, base: &str, key: &str, name: &str) -> Value {
    let body = json!({"params": {"model": "res.partner", "vals": {"payload": {
        "search_field": ["name"], "search_domain": [["name", "=", name]]}}}});
    server
        .client
        .post(format!("{base}/api/search_data"))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The data routes' answer to an unknown, revoked or deactivated key.
fn bad_key(reply: &Value) -> bool {
    reply["error"]["data"]["name"] == json!("werkzeug.exceptions.BadRequest")
}

/// Ask `base` until `done` holds; the time it took. Another instance learns of a change by a
/// PostgreSQL NOTIFY, which arrives a few milliseconds after the commit: one second is plenty, and
/// far under the key cache's 10 seconds.
async fn within_a_second(ask: impl AsyncFn() -> Value, done: impl Fn(&Value) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let reply = ask().await;
        if done(&reply) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "still answered {reply}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_integration_key_cannot_read_or_change_companies_or_users() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let key = server.integration_key("intruder", None).await;
        let me = user_id(&server, "intruder").await;
        let (_, before) = server.admin("GET", "/api/v1/companies", None).await;
        let call = async |method: &str, path: &str, body: Option<Value>| {
            as_key(&server.client, &server.url, &key, method, path, body).await
        };

        refused(&call("GET", "/api/v1/companies", None).await, "admin role");
        refused(
            &call("POST", "/api/v1/companies", Some(json!({"name": "Mine"}))).await,
            "admin role",
        );
        refused(
            &call(
                "PATCH",
                "/api/v1/companies/1",
                Some(json!({"name": "Owned"})),
            )
            .await,
            "admin role",
        );
        refused(
            &call(
                "PATCH",
                &format!("/api/v1/users/{me}"),
                Some(json!({"role": "admin"})),
            )
            .await,
            "admin role",
        );

        let (_, after) = server.admin("GET", "/api/v1/companies", None).await;
        assert_eq!(before, after, "no company was made or renamed");
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        let intruder = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == json!(me))
            .unwrap();
        assert_eq!(intruder["role"], json!("integration"), "{intruder}");
    }
}

#[tokio::test]
async fn an_admin_key_limited_to_one_model_cannot_widen_itself() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let limited = server
            .user_key("orders-admin", "admin", Some(&["sale.order"]))
            .await;
        let victim = user_id(&server, "orders-admin").await;
        let (_, keys_before) = server.admin("GET", "/api/v1/api-keys", None).await;
        let (_, users_before) = server.admin("GET", "/api/v1/users", None).await;
        let call = async |method: &str, path: &str, body: Option<Value>| {
            as_key(&server.client, &server.url, &limited, method, path, body).await
        };
        let new_key = |models: Value| {
            Some(json!({"user_id": victim, "name": "wider", "allowed_models": models}))
        };

        refused(
            &call("POST", "/api/v1/api-keys", new_key(Value::Null)).await,
            "allowed_models",
        );
        refused(
            &call("POST", "/api/v1/api-keys", new_key(json!(["res.partner"]))).await,
            "res.partner",
        );
        refused(
            &call(
                "POST",
                "/api/v1/api-keys",
                new_key(json!(["sale.order", "res.partner"])),
            )
            .await,
            "res.partner",
        );
        refused(
            &call(
                "POST",
                "/api/v1/users",
                Some(json!({"login": "backdoor", "role": "admin"})),
            )
            .await,
            "users",
        );
        refused(
            &call(
                "PATCH",
                &format!("/api/v1/users/{victim}"),
                Some(json!({"name": "renamed"})),
            )
            .await,
            "users",
        );
        refused(&call("GET", "/api/v1/users", None).await, "users");
        refused(
            &call("POST", "/api/v1/companies", Some(json!({"name": "Shell"}))).await,
            "companies",
        );
        refused(
            &call(
                "PUT",
                "/api/v1/parameters/webhook.ignore_unknown_fields",
                Some(json!({"value": "true"})),
            )
            .await,
            "parameters",
        );
        refused(
            &call("GET", "/restapi/1.0/webhooks", None).await,
            "webhooks",
        );

        let (_, keys_after) = server.admin("GET", "/api/v1/api-keys", None).await;
        let ids = |keys: &Value| -> Vec<Value> {
            keys["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].clone())
                .collect()
        };
        assert_eq!(ids(&keys_before), ids(&keys_after), "no key was made");
        let (_, users_after) = server.admin("GET", "/api/v1/users", None).await;
        assert_eq!(users_before, users_after, "no user was made or changed");

        // What it may do: a key within its own model, listed among the keys it sees (not the
        // unlimited ones), and revoke it.
        let (status, made) = call("POST", "/api/v1/api-keys", new_key(json!(["sale.order"]))).await;
        assert_eq!(status, 201, "{made}");
        let (_, seen) = call("GET", "/api/v1/api-keys", None).await;
        let seen = seen["items"].as_array().unwrap();
        assert!(
            seen.iter()
                .all(|k| k["allowed_models"] == json!(["sale.order"])),
            "{seen:?}"
        );
        let bootstrap = keys_before["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["allowed_models"].is_null())
            .unwrap()["id"]
            .clone();
        refused(
            &call("DELETE", &format!("/api/v1/api-keys/{bootstrap}"), None).await,
            "beyond",
        );
        let (status, _) = server.admin("GET", "/api/v1/parameters", None).await;
        assert_eq!(status, 200, "the unlimited admin key still works");
    }
}

#[tokio::test]
async fn an_admin_key_limited_to_one_model_reaches_only_objects_of_that_model() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let limited = server
            .user_key("orders-admin", "admin", Some(&["sale.order"]))
            .await;
        let call = async |method: &str, path: &str, body: Option<Value>| {
            as_key(&server.client, &server.url, &limited, method, path, body).await
        };
        let subscription = |model: &str| {
            Some(
                json!({"name": format!("{model} feed"), "model": model, "kind": "on_create",
                        "address": "https://example.com/hook"}),
            )
        };
        let (status, partners) = server
            .admin("POST", "/api/v1/subscriptions", subscription("res.partner"))
            .await;
        assert_eq!(status, 201, "{partners}");
        let (status, orders) = server
            .admin("POST", "/api/v1/subscriptions", subscription("sale.order"))
            .await;
        assert_eq!(status, 201, "{orders}");
        let other = format!("/api/v1/subscriptions/{}", partners["id"]);

        let (_, listed) = call("GET", "/api/v1/subscriptions", None).await;
        let models: Vec<&Value> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| &s["model"])
            .collect();
        assert_eq!(models, [&json!("sale.order")], "{listed}");
        refused(&call("GET", &other, None).await, "res.partner");
        refused(
            &call("GET", &format!("{other}/secret"), None).await,
            "res.partner",
        );
        refused(
            &call(
                "PATCH",
                &other,
                Some(json!({"address": "https://evil.example/x"})),
            )
            .await,
            "res.partner",
        );
        refused(&call("DELETE", &other, None).await, "res.partner");
        refused(
            &call("POST", "/api/v1/subscriptions", subscription("res.partner")).await,
            "res.partner",
        );
        let rule = json!({"name": "partners out", "model": "res.partner", "trigger_domain": [],
                          "endpoint_source": "static", "endpoint_url": "https://example.com/r"});
        refused(
            &call("POST", "/api/v1/outbound-rules", Some(rule)).await,
            "res.partner",
        );
        refused(
            &call("GET", "/api/v1/models/res.partner", None).await,
            "res.partner",
        );
        refused(
            &call("GET", "/api/v1/logs?model=res.partner", None).await,
            "res.partner",
        );
        refused(
            &call("GET", "/api/v1/deliveries?model=res.partner", None).await,
            "res.partner",
        );
        let (_, described) = call("GET", "/api/v1/models", None).await;
        assert_eq!(
            described["items"],
            json!([{"model": "sale.order", "description": described["items"][0]["description"]}])
        );
        let (status, own) = call(
            "GET",
            &format!("/api/v1/subscriptions/{}", orders["id"]),
            None,
        )
        .await;
        assert_eq!(status, 200, "its own model's subscription: {own}");

        // Its own model, but a payload that reads partners: refused, and so is redirecting a wide
        // rule an unlimited admin wrote.
        let wide = json!({"name": "orders out", "model": "sale.order", "trigger_domain": [],
                          "endpoint_source": "static", "endpoint_url": "https://example.com/r",
                          "payload_fields": ["name", "partner_id{vat,email}"]});
        refused(
            &call("POST", "/api/v1/outbound-rules", Some(wide.clone())).await,
            "res.partner",
        );
        let by_domain = json!({"name": "orders out", "model": "sale.order",
                               "trigger_domain": "[('partner_id.vat', '=', 'TH123')]",
                               "endpoint_source": "static", "endpoint_url": "https://example.com/r"});
        refused(
            &call("POST", "/api/v1/outbound-rules", Some(by_domain)).await,
            "res.partner",
        );
        let (status, rule) = server
            .admin("POST", "/api/v1/outbound-rules", Some(wide))
            .await;
        assert_eq!(status, 201, "{rule}");
        let rule_path = format!("/api/v1/outbound-rules/{}", rule["id"]);
        refused(
            &call(
                "PATCH",
                &rule_path,
                Some(json!({"endpoint_url": "https://attacker.example/r"})),
            )
            .await,
            "res.partner",
        );
        let (_, kept) = server.admin("GET", &rule_path, None).await;
        assert_eq!(kept["endpoint_url"], json!("https://example.com/r"));
        let narrow = json!({"name": "orders only", "model": "sale.order", "trigger_domain": [],
                            "endpoint_source": "static", "endpoint_url": "https://example.com/r",
                            "payload_fields": ["name", "partner_id", "state"]});
        let (status, made) = call("POST", "/api/v1/outbound-rules", Some(narrow)).await;
        assert_eq!(status, 201, "within its models: {made}");

        let (_, after) = server.admin("GET", &other, None).await;
        assert_eq!(after["address"], json!("https://example.com/hook"));
        let (_, all) = server.admin("GET", "/api/v1/subscriptions", None).await;
        assert_eq!(
            all["items"].as_array().unwrap().len(),
            2,
            "nothing made or deleted"
        );
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_on_the_next_request_on_every_instance() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let twin = match backend {
            Backend::Postgres => Some(server.twin().await),
            Backend::Sqlite => None,
        };
        let key = server.integration_key("erp", None).await;
        let on = async |base: &str| partners(&server, base, &key, "nobody").await;
        ok(&on(&server.url).await);
        if let Some(twin) = &twin {
            ok(&on(&twin.url).await);
        }
        let (_, keys) = server.admin("GET", "/api/v1/api-keys", None).await;
        let id = keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["name"] == json!("erp"))
            .unwrap()["id"]
            .clone();
        let (status, _) = server
            .admin("DELETE", &format!("/api/v1/api-keys/{id}"), None)
            .await;
        assert_eq!(status, 204);

        let next = on(&server.url).await;
        assert!(bad_key(&next), "the very next request: {next}");
        if let Some(twin) = &twin {
            let waited = within_a_second(async || on(&twin.url).await, bad_key).await;
            eprintln!("the revocation reached the second instance after {waited:?}");
        }
    }
}

#[tokio::test]
async fn a_deactivated_users_keys_and_sessions_are_refused_on_the_next_request() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let twin = match backend {
            Backend::Postgres => Some(server.twin().await),
            Backend::Sqlite => None,
        };
        let key = server.integration_key("erp", None).await;
        let uid = user_id(&server, "erp").await;
        let on = async |base: &str| partners(&server, base, &key, "nobody").await;
        ok(&on(&server.url).await);
        if let Some(twin) = &twin {
            ok(&on(&twin.url).await);
        }
        let login = json!({"params": {"db": "weft", "login": "erp", "password": "erp-password"}});
        let response = server
            .client
            .post(format!("{}/web/session/authenticate", server.url))
            .json(&login)
            .send()
            .await
            .unwrap();
        let cookie = response.headers()["set-cookie"].to_str().unwrap();
        let session = cookie.split(';').next().unwrap().to_string();
        let search = json!({"search_field": ["name"], "search_domain": []});
        let by_session = async || {
            server
                .call_with(
                    "/api/search_data",
                    "res.partner",
                    json!({"payload": search}),
                    &[("cookie", &session)],
                )
                .await
        };
        ok(&by_session().await);

        let (status, user) = server
            .admin(
                "PATCH",
                &format!("/api/v1/users/{uid}"),
                Some(json!({"active": false})),
            )
            .await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(user["active"], json!(false));

        let next = on(&server.url).await;
        assert!(bad_key(&next), "the very next request: {next}");
        let next = by_session().await;
        assert_eq!(
            next["error"]["data"]["name"],
            json!("werkzeug.exceptions.Unauthorized"),
            "the session is over: {next}"
        );
        if let Some(twin) = &twin {
            let waited = within_a_second(async || on(&twin.url).await, bad_key).await;
            eprintln!("the deactivation reached the second instance after {waited:?}");
        }
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        let listed = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == json!(uid))
            .unwrap();
        assert_eq!(listed["active"], json!(false), "still listed, archived");
    }
}

#[tokio::test]
async fn a_users_changed_companies_apply_on_the_next_request() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let twin = match backend {
            Backend::Postgres => Some(server.twin().await),
            Backend::Sqlite => None,
        };
        let (status, beta) = server
            .admin("POST", "/api/v1/companies", Some(json!({"name": "Beta"})))
            .await;
        assert_eq!(status, 201, "{beta}");
        let beta = beta["id"].as_i64().unwrap();
        let (status, writer) = server
            .admin(
                "POST",
                "/api/v1/users",
                Some(json!({"login": "beta-erp", "company_id": beta})),
            )
            .await;
        assert_eq!(status, 201, "{writer}");
        assert_eq!(writer["company_ids"], json!([beta]));
        let (_, made) = server
            .admin(
                "POST",
                "/api/v1/api-keys",
                Some(json!({"user_id": writer["id"], "name": "beta"})),
            )
            .await;
        let writer_key = made["key"].as_str().unwrap();
        ok(&server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Beta customer"}}),
                &[("x-api-key", writer_key)],
            )
            .await);

        let reader = server.integration_key("main-erp", None).await;
        let uid = user_id(&server, "main-erp").await;
        let seen = async |base: &str| partners(&server, base, &reader, "Beta customer").await;
        let count = |reply: &Value| ok(reply).as_array().unwrap().len();
        assert_eq!(count(&seen(&server.url).await), 0, "not its company yet");
        if let Some(twin) = &twin {
            assert_eq!(count(&seen(&twin.url).await), 0);
        }

        let set = async |ids: Value| {
            let (status, user) = server
                .admin(
                    "PATCH",
                    &format!("/api/v1/users/{uid}"),
                    Some(json!({"company_ids": ids})),
                )
                .await;
            assert_eq!(status, 200, "{user}");
        };
        set(json!([1, beta])).await;
        assert_eq!(count(&seen(&server.url).await), 1, "the very next request");
        if let Some(twin) = &twin {
            within_a_second(async || seen(&twin.url).await, |r| count(r) == 1).await;
        }
        // Taking a company away matters most: it is gone at once too.
        set(json!([1])).await;
        assert_eq!(count(&seen(&server.url).await), 0, "the very next request");
        if let Some(twin) = &twin {
            let waited = within_a_second(async || seen(&twin.url).await, |r| count(r) == 0).await;
            eprintln!("the change of companies reached the second instance after {waited:?}");
        }
    }
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        let admins: Vec<i64> = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == json!("admin"))
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert_eq!(admins.len(), 1, "{users}");
        let first = format!("/api/v1/users/{}", admins[0]);
        for change in [json!({"role": "integration"}), json!({"active": false})] {
            let (status, reply) = server.admin("PATCH", &first, Some(change)).await;
            assert_eq!(status, 409, "{reply}");
            assert_eq!(reply["error"]["code"], json!("conflict"));
            let message = reply["error"]["message"].as_str().unwrap();
            assert!(message.contains("last active admin"), "{message}");
        }
        let (status, _) = server.admin("GET", "/api/v1/users", None).await;
        assert_eq!(status, 200, "the admin key still works");

        // With a second admin the first may step down (its key loses the role on its next
        // request); then the second is the last one.
        let deputy_key = server.user_key("deputy", "admin", None).await;
        let deputy = user_id(&server, "deputy").await;
        let (status, reply) = server
            .admin("PATCH", &first, Some(json!({"role": "integration"})))
            .await;
        assert_eq!(status, 200, "{reply}");
        refused(
            &server.admin("GET", "/api/v1/users", None).await,
            "admin role",
        );
        let (status, reply) = as_key(
            &server.client,
            &server.url,
            &deputy_key,
            "PATCH",
            &format!("/api/v1/users/{deputy}"),
            Some(json!({"active": false})),
        )
        .await;
        assert_eq!(status, 409, "{reply}");
    }
}
