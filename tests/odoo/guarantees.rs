//! What every model call of Odoo's protocols shares with the ecosoft routes: a receive log that
//! names the route, model and method and never the password or key (`webhook.rpc_log` switches
//! it), the `weft_rpc_calls_total` counter, the caller's rate limit and the failed-login limits.

use crate::support::{ADMIN_KEY, TestServer};
use crate::{post, user};
use serde_json::{Value, json};
use weft_store::testing::backends;

fn execute_kw(uid: i64, secret: &str, model: &str, method: &str) -> String {
    json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object",
           "method": "execute_kw", "args": ["weft", uid, secret, model, method, [[]], {"limit": 1}]}})
    .to_string()
}

async fn logs(server: &TestServer) -> Vec<Value> {
    let (status, page) = server.admin("GET", "/api/v1/logs?limit=100", None).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// Everything a log shows of its call, payload included when it has one.
async fn everything(server: &TestServer, log: &Value) -> String {
    let (_, payload) = server
        .admin("GET", &format!("/api/v1/logs/{}/payload", log["id"]), None)
        .await;
    format!("{log} {payload}")
}

#[tokio::test]
async fn an_object_call_is_logged_without_its_secret() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (uid, key) = user(&server, "jane").await;
        let password = "jane-password";
        for secret in [password, key.as_str()] {
            let body = execute_kw(uid, secret, "res.partner", "search_read");
            let (status, _, reply) = post(&server, "/jsonrpc", &body, &[]).await;
            assert_eq!(status, 200, "{reply}");
        }
        // A refused call ran nothing: no log.
        post(
            &server,
            "/jsonrpc",
            &execute_kw(uid, "wrong", "res.partner", "search"),
            &[],
        )
        .await;
        let logs = logs(&server).await;
        assert_eq!(logs.len(), 2, "{logs:#?}");
        for log in &logs {
            assert_eq!(log["route"], json!("/jsonrpc"), "{log}");
            assert_eq!(log["function_name"], json!("search_read"));
            assert_eq!(log["model"], json!("res.partner"));
            assert_eq!(log["user_id"], json!(uid), "{log}");
            let shown = everything(&server, log).await;
            assert!(shown.contains("********"), "{shown}");
            assert!(
                !shown.contains(password) && !shown.contains(&key),
                "{shown}"
            );
        }
        let (status, _) = server
            .admin(
                "PUT",
                "/api/v1/parameters/webhook.rpc_log",
                Some(json!({"value": "false"})),
            )
            .await;
        assert_eq!(status, 200);
        post(
            &server,
            "/jsonrpc",
            &execute_kw(uid, password, "res.partner", "search"),
            &[],
        )
        .await;
        assert_eq!(
            crate::guarantees::logs(&server).await.len(),
            2,
            "webhook.rpc_log off"
        );
    }
}

#[tokio::test]
async fn web_and_json2_calls_are_logged_with_their_routes_and_counted() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let call_kw = json!({"params": {"model": "res.partner", "method": "search", "args": [[]]}});
        let (status, _, _) = post(
            &server,
            "/web/dataset/call_kw/res.partner/search",
            &call_kw.to_string(),
            &[("x-api-key", ADMIN_KEY)],
        )
        .await;
        assert_eq!(status, 200);
        let bearer = format!("Bearer {ADMIN_KEY}");
        post(
            &server,
            "/json/2/res.partner/search",
            r#"{"domain": []}"#,
            &[("authorization", &bearer)],
        )
        .await;
        let logs = logs(&server).await;
        let routes: Vec<&Value> = logs.iter().map(|l| &l["route"]).collect();
        assert!(
            routes.contains(&&json!("/web/dataset/call_kw")),
            "{logs:#?}"
        );
        assert!(!logs.iter().any(|l| l.to_string().contains(ADMIN_KEY)));

        let metrics = server
            .client
            .get(format!("{}/metrics", server.url))
            .send()
            .await
            .unwrap();
        let text = metrics.text().await.unwrap();
        let counted = |wire: &str| {
            text.lines().any(|l| {
                l.starts_with("weft_rpc_calls_total{") && l.contains(&format!("wire=\"{wire}\""))
            })
        };
        assert!(counted("web"), "{text}");
        // A service call counts too.
        post(
            &server,
            "/jsonrpc",
            r#"{"params": {"service": "common", "method": "version"}}"#,
            &[],
        )
        .await;
        let text = server
            .client
            .get(format!("{}/metrics", server.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("weft_rpc_calls_total{")
                && l.contains("wire=\"jsonrpc\"")
                && l.contains("method=\"common.version\"")
                && l.contains("outcome=\"ok\"")),
            "{text}"
        );
    }
}

#[tokio::test]
async fn guessing_and_flooding_are_cut_by_the_limits() {
    for backend in backends() {
        let env = [("WEFT_LOGIN_RATE_LIMIT", "3"), ("WEFT_RATE_LIMIT", "3")];
        let server = TestServer::start_with(backend, &env).await;
        let (uid, _) = user(&server, "jane").await;
        let login = |password: &str| {
            json!({"params": {"service": "common", "method": "login", "args": ["weft", "jane", password]}})
                .to_string()
        };
        for _ in 0..3 {
            let (status, _, reply) = post(&server, "/jsonrpc", &login("wrong"), &[]).await;
            assert_eq!((status, &reply["result"]), (200, &json!(false)));
        }
        // Over the limit: refused before any check, even with the right password.
        let (status, headers, reply) =
            post(&server, "/jsonrpc", &login("jane-password"), &[]).await;
        assert_eq!(status, 429, "{reply}");
        assert!(headers.contains_key("retry-after"));
        assert!(
            reply.to_string().contains("too many failed logins"),
            "{reply}"
        );
        // Wrong object credentials count as failed logins too (per uid).
        for _ in 0..3 {
            let (status, _, _) = post(
                &server,
                "/jsonrpc",
                &execute_kw(uid, "bad", "res.partner", "search"),
                &[],
            )
            .await;
            assert_eq!(status, 200);
        }
        let (status, _, _) = post(
            &server,
            "/jsonrpc",
            &execute_kw(uid, "bad", "res.partner", "search"),
            &[],
        )
        .await;
        assert_eq!(status, 429);

        // The caller's rate limit: a burst past WEFT_RATE_LIMIT is answered 429.
        let admin = json!({"params": {"service": "common", "method": "login", "args": ["weft", "admin", ADMIN_KEY]}});
        let (_, _, reply) = post(&server, "/jsonrpc", &admin.to_string(), &[]).await;
        let admin_uid = reply["result"].as_i64().expect("the admin's uid");
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let body = execute_kw(admin_uid, ADMIN_KEY, "res.partner", "search");
            statuses.push(post(&server, "/jsonrpc", &body, &[]).await.0);
        }
        assert!(statuses.contains(&429), "{statuses:?}");
    }
}
