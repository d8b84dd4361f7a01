//! The JSON-RPC envelope and authentication in ecosoft's order, with Odoo's error shapes; sessions.

use crate::odoo_error;
use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::{Value, json};
use weft_store::testing::backends;

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
