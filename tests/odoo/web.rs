//! The web client's routes as odooly and odoorpc use them: `/` (odooly HEADs it first), the
//! version, the database list, `authenticate` then `call_kw` and `get_session_info` with the
//! session cookie (or `X-Openerp-Session-Id`), and Odoo's SessionExpired without one.

use crate::support::TestServer;
use crate::{post, user};
use serde_json::{Value, json};
use weft_store::testing::backends;

fn expired(reply: &Value) -> bool {
    reply["error"]["code"] == json!(100)
        && reply["error"]["message"] == json!("Odoo Session Expired")
        && reply["error"]["data"]["name"] == json!("odoo.http.SessionExpiredException")
        && reply["error"]["data"]["debug"] == json!("")
}

/// Log in through `/web/session/authenticate`: the reply and the session cookie's value.
async fn authenticate(server: &TestServer, login: &str, password: &str) -> (Value, Option<String>) {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1,
                      "params": {"db": "weft", "login": login, "password": password}});
    let (status, headers, reply) =
        post(server, "/web/session/authenticate", &body.to_string(), &[]).await;
    assert_eq!(status, 200);
    let sid = headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.strip_prefix("session_id="))
        .map(|c| c.split(';').next().unwrap().to_string());
    (reply, sid)
}

fn call_kw(model: &str, method: &str, args: Value) -> String {
    json!({"jsonrpc": "2.0", "method": "call", "id": "ab12",
           "params": {"model": model, "method": method, "args": args, "kwargs": {"context": {"lang": "en_US"}}}})
    .to_string()
}

#[tokio::test]
async fn without_a_session_the_web_routes_answer_session_expired() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let search = call_kw("res.partner", "search", json!([[]]));
        for path in [
            "/web/dataset/call_kw",
            "/web/dataset/call_kw/res.partner/search",
        ] {
            let (status, _, reply) = post(&server, path, &search, &[]).await;
            assert_eq!(status, 200);
            assert!(expired(&reply), "{path}: {reply}");
            assert_eq!(reply["id"], json!("ab12"));
            let stale = [("cookie", "session_id=0123456789abcdef")];
            let (_, _, reply) = post(&server, path, &search, &stale).await;
            assert!(expired(&reply), "{reply}");
        }
        for headers in [
            vec![],
            vec![("cookie", "session_id=deadbeef")],
            vec![("x-openerp-session-id", "x")],
        ] {
            let (_, _, reply) =
                post(&server, "/web/session/get_session_info", "{}", &headers).await;
            assert!(expired(&reply), "{reply}");
        }
        // A wrong API key is not a missing session: the ecosoft routes' refusal.
        let (_, _, reply) = post(
            &server,
            "/web/dataset/call_kw",
            &search,
            &[("x-api-key", "nope")],
        )
        .await;
        assert_eq!(
            reply["error"]["data"]["name"],
            json!("werkzeug.exceptions.BadRequest"),
            "{reply}"
        );
    }
}

#[tokio::test]
async fn a_session_from_authenticate_calls_models_and_reads_its_info() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (uid, _) = user(&server, "jane").await;
        let (reply, sid) = authenticate(&server, "jane", "wrong").await;
        assert_eq!(
            reply["error"]["data"]["name"],
            json!("odoo.exceptions.AccessDenied")
        );
        assert!(sid.is_none());
        let (reply, sid) = authenticate(&server, "jane", "jane-password").await;
        let sid = sid.expect("a session cookie");
        assert_eq!(reply["result"]["uid"], json!(uid));
        assert_eq!(reply["result"]["db"], json!("weft"));
        assert_eq!(reply["result"]["user_context"]["uid"], json!(uid));

        let cookie = format!("session_id={sid}");
        let (_, _, info) = post(
            &server,
            "/web/session/get_session_info",
            "{}",
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(
            (&info["result"]["uid"], &info["result"]["db"]),
            (&json!(uid), &json!("weft")),
            "{info}"
        );
        let (_, _, info) = post(
            &server,
            "/web/session/get_session_info",
            "{}",
            &[("x-openerp-session-id", &sid)],
        )
        .await;
        assert_eq!(info["result"]["username"], json!("jane"), "{info}");

        // With the session, call_kw reaches the dispatcher (whatever it answers, not an expiry).
        let search = call_kw("res.partner", "search", json!([[]]));
        for (path, header) in [
            (
                "/web/dataset/call_kw/res.partner/search",
                ("cookie", cookie.as_str()),
            ),
            (
                "/web/dataset/call_kw",
                ("x-openerp-session-id", sid.as_str()),
            ),
            (
                "/web/dataset/call_kw/res.partner",
                ("cookie", cookie.as_str()),
            ),
        ] {
            let (status, _, reply) = post(&server, path, &search, &[header]).await;
            assert_eq!(status, 200);
            assert!(!expired(&reply), "{path}: {reply}");
            assert_eq!(reply["id"], json!("ab12"));
        }
        let (_, _, reply) = post(
            &server,
            "/web/dataset/call_kw",
            r#"{"id": 3, "params": {"model": "res.partner"}}"#,
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(
            reply["error"]["data"]["name"],
            json!("builtins.TypeError"),
            "{reply}"
        );

        // Logged out: the same cookie is expired.
        let (_, _, _) = post(
            &server,
            "/web/session/destroy",
            "{}",
            &[("cookie", &cookie)],
        )
        .await;
        let (_, _, reply) = post(
            &server,
            "/web/dataset/call_kw",
            &search,
            &[("cookie", &cookie)],
        )
        .await;
        assert!(expired(&reply), "{reply}");
    }
}

#[tokio::test]
async fn the_server_names_itself_its_version_and_its_database() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (_, _, version) = post(
            &server,
            "/web/webclient/version_info",
            r#"{"id": 1, "params": {}}"#,
            &[],
        )
        .await;
        assert_eq!(version["result"]["server_version"], json!("17.0"));
        assert_eq!(
            version["result"]["server_version_info"],
            json!([17, 0, 0, "final", 0, ""])
        );
        let (_, _, list) = post(&server, "/web/database/list", "{}", &[]).await;
        assert_eq!(list["result"], json!(["weft"]));
        // `/` leads to the console, as Odoo's leads to its web client.
        let no_follow = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for request in [
            no_follow.get(format!("{}/", server.url)),
            no_follow.head(format!("{}/", server.url)),
        ] {
            let home = request.send().await.unwrap();
            assert_eq!(home.status(), 303);
            assert_eq!(home.headers()["location"], "/console");
        }
        let page = server
            .client
            .get(format!("{}/", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200, "the redirects end at the sign-in form");
        let text = page.text().await.unwrap();
        assert!(text.contains("name=\"password\""), "{text}");
    }
}
