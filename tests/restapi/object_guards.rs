//! The guards of `/restapi/1.0/object` (research §12.6, DESIGN.md's guarantees), on every backend:
//! a key limited to `res.partner` reaches no `sale.order`, a user of company A no partner of
//! company B (by path id, read, write or delete), a failed write changes nothing, every call is
//! counted under the `restapi` wire, and a burst past the rate limit is a 429 with `Retry-After`.

use crate::object::{call, expect, fault, not_found, partner};
use crate::support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// A new company: its id.
async fn company(server: &TestServer, name: &str) -> i64 {
    let body = json!({"name": name});
    let (status, created) = server.admin("POST", "/api/v1/companies", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

/// An integration user of `company` only, and a key of theirs.
async fn company_key(server: &TestServer, login: &str, company: i64) -> String {
    let user = json!({"login": login, "role": "integration", "company_id": company, "company_ids": [company]});
    let (status, user) = server.admin("POST", "/api/v1/users", Some(user)).await;
    assert_eq!(status, 201, "{user}");
    let key = json!({"user_id": user["id"], "name": login});
    let (status, key) = server.admin("POST", "/api/v1/api-keys", Some(key)).await;
    assert_eq!(status, 201, "{key}");
    key["key"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn object_keeps_allowed_models_and_companies() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let customer = partner(&server, "{'name': 'Customer'}").await;
        // A key limited to res.partner reaches no sale.order, by any form; nothing changes.
        let partners_only = server
            .integration_key("partners-only", Some(&["res.partner"]))
            .await;
        let vals = json!({"vals": {"partner_id": customer}});
        let attempts: [(&str, &str, Option<Value>); 4] = [
            ("POST", "/sale.order", Some(vals.clone())),
            ("PUT", "/sale.order", Some(vals)),
            ("GET", "/sale.order", None),
            ("GET", "/sale.order/search_count", None),
        ];
        for (method, path, body) in attempts {
            let (status, reply) = call(&server, &partners_only, method, path, &[], body).await;
            assert_eq!(status, 403, "{method} {path}: {reply}");
            assert!(fault(&reply).contains("sale.order"), "{reply}");
        }
        let count = expect(&server, 200, "GET", "/sale.order/search_count", &[], None).await;
        assert_eq!(count, json!({"count": 0}));
        // ... and can use res.partner.
        let (status, _) = call(&server, &partners_only, "GET", "/res.partner", &[], None).await;
        assert_eq!(status, 200);

        // Company B's partner is out of reach for a user of company A, by path id and by ids.
        let a = company(&server, "Company A").await;
        let b = company(&server, "Company B").await;
        let key_a = company_key(&server, "user-a", a).await;
        let key_b = company_key(&server, "user-b", b).await;
        let body = json!({"vals": {"name": "B's secret", "ref": "B"}});
        let (status, theirs) = call(&server, &key_b, "POST", "/res.partner", &[], Some(body)).await;
        assert_eq!(status, 201, "{theirs}");
        assert_eq!(theirs["res.partner"]["company_id"][0], json!(b), "{theirs}");
        let theirs = theirs["res.partner"]["id"].as_i64().unwrap();
        let path = format!("/res.partner/{theirs}");
        let (status, reply) = call(&server, &key_a, "GET", &path, &[], None).await;
        assert_eq!(status, 404, "{reply}");
        not_found(&reply);
        let path_read = format!("/res.partner/{theirs}/read");
        let (status, reply) = call(&server, &key_a, "GET", &path_read, &[], None).await;
        assert_ne!(status, 200, "{reply}");
        let vals = [("vals", "{'name': 'Taken'}")];
        let (status, reply) = call(&server, &key_a, "PUT", &path, &vals, None).await;
        assert_eq!(status, 403, "{reply}");
        fault(&reply);
        let (status, reply) = call(&server, &key_a, "DELETE", &path, &[], None).await;
        assert_eq!(status, 403, "{reply}");
        // B still sees its partner, unchanged.
        let (status, mine) = call(
            &server,
            &key_b,
            "GET",
            &path,
            &[("fields", "['name']")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine["res.partner"]["name"], json!("B's secret"));
    }
}

#[tokio::test]
async fn object_calls_are_atomic_counted_and_rate_limited() {
    for backend in backends() {
        let server = TestServer::start_with(backend, &[("WEFT_RATE_LIMIT", "5")]).await;
        let acme = partner(&server, "{'name': 'ACME', 'ref': 'A'}").await;
        // A write naming a missing record fails whole: the existing one keeps its values.
        let ids = format!("{acme},999999");
        let query = [("ids", ids.as_str()), ("vals", "{'ref': 'changed'}")];
        let (status, reply) = call(&server, ADMIN_KEY, "PUT", "/res.partner", &query, None).await;
        assert_eq!(status, 403, "{reply}");
        fault(&reply);
        let path = format!("/res.partner/{acme}");
        let one = expect(&server, 200, "GET", &path, &[("fields", "['ref']")], None).await;
        assert_eq!(one["res.partner"]["ref"], json!("A"));
        // A form body's fields are parameters too.
        let response = server
            .client
            .post(format!(
                "{}/restapi/1.0/object/res.partner/search_count",
                server.url
            ))
            .header("x-api-key", ADMIN_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("domain=%5B%28%27ref%27%2C%27%3D%27%2C%27A%27%29%5D")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"count": 1}));
        // Every call is counted under the `restapi` wire.
        let metrics = server
            .client
            .get(format!("{}/metrics", server.url))
            .send()
            .await;
        let text = metrics.unwrap().text().await.unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("weft_rpc_calls_total{")
                && l.contains("wire=\"restapi\"")
                && l.contains("method=\"search_count\"")),
            "{text}"
        );
        // A burst past WEFT_RATE_LIMIT: 429 with Retry-After.
        let mut refused = None;
        for _ in 0..12 {
            let response = server
                .client
                .get(format!("{}/restapi/1.0/object/res.partner", server.url))
                .header("x-api-key", ADMIN_KEY)
                .send()
                .await
                .unwrap();
            if response.status().as_u16() == 429 {
                let retry = response.headers().get("retry-after").cloned();
                refused = Some((retry, response.json::<Value>().await.unwrap()));
                break;
            }
        }
        let (retry, body) = refused.expect("a 429 within the burst");
        assert!(retry.is_some());
        assert_eq!(body["error"]["code"], json!(429), "{body}");
    }
}
