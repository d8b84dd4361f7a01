//! The service over real HTTP: the JSON-RPC envelope, authentication in ecosoft's order with Odoo's
//! error shapes, sessions, key limits, company isolation and transport limits, on SQLite and PostgreSQL.

mod support;

use serde_json::{Value, json};
use support::{ADMIN_KEY, TestServer, ok};
use weft_store::testing::{Backend, backends};

fn odoo_error(reply: &Value) -> (&str, &str) {
    assert_eq!(reply["error"]["code"], json!(200), "{reply}");
    assert_eq!(
        reply["error"]["message"],
        json!("Odoo Server Error"),
        "{reply}"
    );
    assert!(reply.get("result").is_none(), "{reply}");
    let data = &reply["error"]["data"];
    (
        data["name"].as_str().unwrap(),
        data["message"].as_str().unwrap(),
    )
}

#[tokio::test]
async fn envelope_and_authentication_errors_have_odoo_shapes() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let health = server
            .client
            .get(format!("{}/healthz", server.url))
            .send()
            .await
            .unwrap();
        assert!(
            health.headers().get("x-request-id").is_some(),
            "every reply carries its request id"
        );
        assert_eq!(health.text().await.unwrap(), "ok");
        let ready = server
            .client
            .get(format!("{}/readyz", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);

        let not_json = server
            .post_raw(
                "/api/create_data",
                b"{not json".to_vec(),
                &[("x-api-key", ADMIN_KEY)],
            )
            .await;
        let (name, message) = odoo_error(&not_json);
        assert_eq!(name, "werkzeug.exceptions.BadRequest");
        assert!(message.contains("Invalid JSON data"), "{message}");
        let no_model = server
            .post_raw(
                "/api/create_data",
                br#"{"id":5,"params":{"vals":{}}}"#.to_vec(),
                &[("x-api-key", ADMIN_KEY)],
            )
            .await;
        assert_eq!(no_model["id"], json!(5));
        assert!(odoo_error(&no_model).1.contains("params.model"));

        let vals = json!({"payload": {"name": "ACME"}});
        let none = server
            .call_with("/api/create_data", "res.partner", vals.clone(), &[])
            .await;
        assert_eq!(
            odoo_error(&none),
            (
                "werkzeug.exceptions.Unauthorized",
                "401 Unauthorized: User not authenticated, use the \"Authorization\" header"
            )
        );
        let bad_key = server
            .call_with(
                "/api/create_data",
                "res.partner",
                vals.clone(),
                &[("x-api-key", "weft_nope_nope")],
            )
            .await;
        assert_eq!(
            odoo_error(&bad_key),
            (
                "werkzeug.exceptions.BadRequest",
                "400 Bad Request: Access token invalid"
            )
        );
        let bad_bearer = server
            .call_with(
                "/api/create_data",
                "res.partner",
                vals.clone(),
                &[("authorization", "Bearer nope")],
            )
            .await;
        assert_eq!(
            odoo_error(&bad_bearer),
            (
                "werkzeug.exceptions.Unauthorized",
                "401 Unauthorized: Invalid apikey"
            )
        );

        let bearer = format!("Bearer {ADMIN_KEY}");
        let created = server
            .call_with(
                "/api/create_data",
                "res.partner",
                vals.clone(),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(created["id"], json!(1));
        assert_eq!(
            created["result"]["messages"],
            json!("Record created successfully")
        );
        assert!(ok(&created)["id"].as_i64().unwrap() > 0);
        eprintln!("ran on {backend:?}");
    }
}

#[tokio::test]
async fn sessions_log_in_and_out_with_odoo_shapes() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        server.cli(
            &["users", "create", "jane", "--name", "Jane Doe"],
            &[("WEFT_NEW_PASSWORD", "s3cret-pass")],
        );
        let login = |password: &str| json!({"jsonrpc": "2.0", "method": "call", "id": 9, "params": {"db": "weft", "login": "jane", "password": password}});
        let wrong = server
            .post_raw(
                "/web/session/authenticate",
                login("wrong").to_string().into_bytes(),
                &[],
            )
            .await;
        assert_eq!(
            odoo_error(&wrong),
            ("odoo.exceptions.AccessDenied", "Access Denied")
        );

        let response = server
            .client
            .post(format!("{}/web/session/authenticate", server.url))
            .json(&login("s3cret-pass"))
            .send()
            .await
            .unwrap();
        let cookie = response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            cookie.starts_with("session_id=")
                && cookie.contains("HttpOnly")
                && cookie.contains("Max-Age=604800"),
            "{cookie}"
        );
        let info: Value = response.json().await.unwrap();
        assert_eq!(info["result"]["username"], json!("jane"));
        assert_eq!(info["result"]["db"], json!("weft"));
        assert_eq!(info["result"]["server_version_info"][0], json!(17));
        assert_eq!(
            info["result"]["user_companies"]["current_company"],
            json!(1)
        );
        let session = cookie.split(';').next().unwrap().to_string();

        let created = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Via session"}}),
                &[("cookie", &session)],
            )
            .await;
        ok(&created);
        let destroyed = server
            .post_raw(
                "/web/session/destroy",
                b"{}".to_vec(),
                &[("cookie", &session)],
            )
            .await;
        assert!(
            destroyed.get("result").is_none() && destroyed.get("error").is_none(),
            "{destroyed}"
        );
        let after = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "x"}}),
                &[("cookie", &session)],
            )
            .await;
        assert_eq!(odoo_error(&after).0, "werkzeug.exceptions.Unauthorized");
    }
}

#[tokio::test]
async fn keys_are_limited_to_their_models_and_companies() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (status, company) = server
            .admin(
                "POST",
                "/api/v1/companies",
                Some(json!({"name": "Other Co"})),
            )
            .await;
        assert_eq!(status, 201, "{company}");
        let other_company = company["id"].as_i64().unwrap();
        let main_partner = ok(&server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Main customer"}}),
            )
            .await)["id"]
            .as_i64()
            .unwrap();

        server.cli(
            &[
                "users",
                "create",
                "other",
                "--company",
                &other_company.to_string(),
            ],
            &[],
        );
        let key = server
            .cli(&["keys", "create", "other"], &[])
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_string();
        let other = [("x-api-key", key.as_str())];
        let theirs = ok(&server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Other customer"}}),
                &other,
            )
            .await)["id"]
            .as_i64()
            .unwrap();
        let seen = server
            .call_with(
                "/api/search_data",
                "res.partner",
                json!({"payload": {"search_field": ["name"]}}),
                &other,
            )
            .await;
        assert_eq!(
            ok(&seen),
            &json!([{"id": theirs, "name": "Other customer"}]),
            "company B sees only its own"
        );
        let write = server
            .call_with(
                "/api/update_data",
                "res.partner",
                json!({"search_key": {"id": main_partner}, "payload": {"name": "hijacked"}}),
                &other,
            )
            .await;
        assert_eq!(write["result"]["is_success"], json!(false), "{write}");
        let check = server.call("/api/search_data", "res.partner", json!({"payload": {"search_field": ["name"], "search_domain": [["id", "=", main_partner]]}})).await;
        assert_eq!(ok(&check)[0]["name"], json!("Main customer"));

        let limited = server
            .cli(&["keys", "create", "admin", "--model", "res.partner"], &[])
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_string();
        let refused = server
            .call_with(
                "/api/create_data",
                "crm.tag",
                json!({"payload": {"name": "x"}}),
                &[("x-api-key", &limited)],
            )
            .await;
        assert_eq!(
            odoo_error(&refused),
            (
                "odoo.exceptions.AccessDenied",
                "This API key may not use model crm.tag"
            )
        );
        ok(&server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "ok"}}),
                &[("x-api-key", &limited)],
            )
            .await);

        let listed = server.cli(&["keys", "list"], &[]);
        let id = listed
            .lines()
            .find(|l| l.contains("res.partner"))
            .unwrap()
            .split('\t')
            .next()
            .unwrap()
            .to_string();
        let revoke = server
            .client
            .delete(format!("{}/api/v1/api-keys/{id}", server.url))
            .header("x-api-key", ADMIN_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(
            revoke.status(),
            204,
            "revoked through the service, the key stops working at once"
        );
        let revoked = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "x"}}),
                &[("x-api-key", &limited)],
            )
            .await;
        assert_eq!(odoo_error(&revoked).0, "werkzeug.exceptions.BadRequest");
    }
}

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
