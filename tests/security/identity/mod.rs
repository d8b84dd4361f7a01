//! Identities (DESIGN.md §9, §14): users and companies change only through `/api/v1` by an admin
//! key that is not limited to some models; a key limited to models cannot widen itself or reach
//! objects of other models; a revoked key, a deactivated user and a user's changed companies apply
//! on the very next request, on this instance and (PostgreSQL) on every other one. The attacks of
//! limited keys on `/api/v1` are in `limited_keys`; here the caches and the last admin.

use crate::support::{Sibling, TestServer, ok};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use weft_store::testing::{Backend, backends};

mod limited_keys;

/// A second instance on the same database: only PostgreSQL runs several.
async fn second_instance(server: &TestServer) -> Option<Sibling> {
    match server.db.backend {
        Backend::Postgres => Some(server.twin().await),
        Backend::Sqlite => None,
    }
}

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
async fn a_revoked_key_is_refused_on_the_next_request_on_every_instance() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let twin = second_instance(&server).await;
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
        let twin = second_instance(&server).await;
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
        let twin = second_instance(&server).await;
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
