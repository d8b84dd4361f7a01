//! The admin API (parameters, models, users, keys), private callback URLs, and caches shared
//! between instances on one PostgreSQL database.

use crate::odoo_error;
use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::{Value, json};
use weft_store::testing::{Backend, backends};

#[tokio::test]
async fn the_admin_api_manages_parameters_models_users_and_keys() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let api = |path: &str| format!("{}/api/v1{path}", server.url);
        let admin = |req: reqwest::RequestBuilder| req.header("x-api-key", ADMIN_KEY);

        let params: Value = admin(server.client.get(api("/parameters")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rollback = params["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == "webhook.rollback_except")
            .unwrap();
        assert_eq!(rollback["value"], json!("true"));
        let set = admin(
            server
                .client
                .put(api("/parameters/webhook.rollback_except")),
        )
        .json(&json!({"value": "0"}))
        .send()
        .await
        .unwrap();
        assert_eq!(set.status(), 200);
        assert_eq!(set.json::<Value>().await.unwrap()["value"], json!("false"));
        let bad = admin(server.client.put(api("/parameters/webhook.preview_limit")))
            .json(&json!({"value": "-5"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 422);
        assert_eq!(
            bad.json::<Value>().await.unwrap()["error"]["code"],
            json!("invalid_value")
        );
        let unknown = admin(server.client.put(api("/parameters/webhook.nope")))
            .json(&json!({"value": "1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);

        let model: Value = admin(server.client.get(api("/models/sale.order")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(model["fields"]["partner_id"]["type"], json!("many2one"));
        assert_eq!(
            model["fields"]["partner_id"]["relation"],
            json!("res.partner")
        );
        assert_eq!(
            model["fields"]["order_line"]["relation_field"],
            json!("order_id")
        );
        assert!(
            model["methods"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["name"] == "action_confirm")
        );
        let missing = admin(server.client.get(api("/models/no.such")))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);

        let user = admin(server.client.post(api("/users")))
            .json(&json!({"login": "erp", "name": "ERP"}))
            .send()
            .await
            .unwrap();
        assert_eq!(user.status(), 201);
        let user: Value = user.json().await.unwrap();
        assert_eq!(user["role"], json!("integration"));
        let key = admin(server.client.post(api("/api-keys"))).json(&json!({"user_id": user["id"], "name": "erp key", "allowed_models": ["res.partner"]})).send().await.unwrap();
        assert_eq!(key.status(), 201);
        let key: Value = key.json().await.unwrap();
        let secret = key["key"].as_str().unwrap().to_string();
        assert!(secret.starts_with(&format!("weft_{}_", key["prefix"].as_str().unwrap())));
        let listed: Value = admin(server.client.get(api("/api-keys")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|k| k["key"].is_null()),
            "secrets are never listed"
        );

        let as_integration = server
            .client
            .get(api("/parameters"))
            .header("x-api-key", &secret)
            .send()
            .await
            .unwrap();
        assert_eq!(
            as_integration.status(),
            403,
            "an integration key is refused on admin routes"
        );
        let anonymous = server.client.get(api("/parameters")).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        ok(&server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "from erp"}}),
                &[("x-api-key", &secret)],
            )
            .await);

        // The key was used: its last use is stamped, off the request's path.
        let mut stamped = Value::Null;
        for _ in 0..40 {
            let listed: Value = admin(server.client.get(api("/api-keys")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let this = listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["id"] == key["id"]);
            stamped = this.unwrap()["last_used_at"].clone();
            if stamped.is_string() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(stamped.is_string(), "last_used_at never set: {stamped}");

        let revoked = admin(
            server
                .client
                .delete(api(&format!("/api-keys/{}", key["id"]))),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(revoked.status(), 204);
        let after = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "x"}}),
                &[("x-api-key", &secret)],
            )
            .await;
        assert_eq!(odoo_error(&after).0, "werkzeug.exceptions.BadRequest");
    }
}

#[tokio::test]
async fn a_private_callback_url_needs_weft_allowed_targets() {
    let vals = json!({"payload": {"name": "ACME"}, "callback_url": "http://127.0.0.1:9/hook"});
    let guarded = TestServer::start(backends()[0]).await;
    let refused = guarded
        .call("/api/create_data", "res.partner", vals.clone())
        .await;
    assert_eq!(
        refused["result"]["error"]["code"],
        json!("invalid_value"),
        "{refused}"
    );
    assert_eq!(refused["result"]["error"]["path"], json!("callback_url"));
    let open =
        TestServer::start_with(backends()[0], &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await;
    ok(&open.call("/api/create_data", "res.partner", vals).await);
}

/// Two instances on one PostgreSQL database: a parameter or key changed through one (or the CLI)
/// reaches the other's cache at once, not when its 10-second key cache expires.
#[tokio::test]
async fn instances_on_postgresql_drop_their_caches_when_another_announces_a_change() {
    if !backends().contains(&Backend::Postgres) {
        eprintln!("skipped: needs WEFT_TEST_POSTGRES_URL");
        return;
    }
    let a = TestServer::start(Backend::Postgres).await;
    let b = a.sibling().await;
    let api = |path: &str| format!("{}/api/v1{path}", a.url);
    let admin = |req: reqwest::RequestBuilder| req.header("x-api-key", ADMIN_KEY);
    let user: Value = admin(a.client.post(api("/users")))
        .json(&json!({"login": "erp", "name": "ERP"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new_key = async || -> (i64, String) {
        let key: Value = admin(a.client.post(api("/api-keys")))
            .json(&json!({"user_id": user["id"], "name": "erp key"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            key["id"].as_i64().unwrap(),
            key["key"].as_str().unwrap().to_string(),
        )
    };
    let on_b = async |secret: &str| -> Value {
        let body = json!({"params": {"model": "res.partner", "vals": {"payload": {"name": "x", "shoe_size": 44}}}});
        a.client
            .post(format!("{}/api/create_data", b.url))
            .header("x-api-key", secret)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    // Polls `on_b` until `done`; panics after 3 s (well under the key cache's 10 s).
    let until = async |secret: &str, done: &dyn Fn(&Value) -> bool| {
        let start = std::time::Instant::now();
        loop {
            let reply = on_b(secret).await;
            if done(&reply) {
                return start.elapsed();
            }
            assert!(
                start.elapsed().as_secs() < 3,
                "instance B still answers {reply}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };

    let (id, secret) = new_key().await;
    let refused = on_b(&secret).await;
    assert_eq!(
        refused["result"]["error"]["code"],
        json!("unknown_field"),
        "{refused}"
    );
    let set = admin(
        a.client
            .put(api("/parameters/webhook.ignore_unknown_fields")),
    )
    .json(&json!({"value": "true"}))
    .send()
    .await
    .unwrap();
    assert_eq!(set.status(), 200);
    let waited = until(&secret, &|r| r["result"]["is_success"] == json!(true)).await;
    eprintln!("parameter reached instance B after {waited:?}");

    let bad_key = |r: &Value| r["error"]["data"]["name"] == json!("werkzeug.exceptions.BadRequest");
    let revoked = admin(a.client.delete(api(&format!("/api-keys/{id}"))))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let waited = until(&secret, &bad_key).await;
    eprintln!("revocation through the API reached instance B after {waited:?}");

    let (id, secret) = new_key().await;
    ok(&on_b(&secret).await);
    a.cli(&["keys", "revoke", &id.to_string()], &[]);
    let waited = until(&secret, &bad_key).await;
    eprintln!("revocation by the CLI reached instance B after {waited:?}");
}
