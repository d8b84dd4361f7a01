//! The attacks on `/api/v1` of a key that is not an unlimited admin: an integration key, and an
//! admin key limited to `sale.order` trying to widen itself (keys, users, companies, parameters)
//! or to reach objects of other models (subscriptions, rules, models, logs, deliveries).

use super::{as_key, refused, user_id};
use crate::support::TestServer;
use serde_json::{Value, json};
use weft_store::testing::backends;

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
