//! A few real model calls through each front end (the shapes of every method are the
//! dispatcher's tests): `/jsonrpc` object calls by jsonrpsee, `call_kw` with a session, JSON-2's
//! named arguments and its 403/404/422 bodies, and the receive log's `res_id` and the counter's
//! method for a create.

use crate::support::{ADMIN_KEY, TestServer};
use crate::{fault_name, post, rpc, rpc_client, user};
use serde_json::{Value, json};
use weft_store::testing::backends;

#[tokio::test]
async fn object_calls_create_search_and_read_through_jsonrpsee() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let client = rpc_client(&server);
        let (uid, key) = user(&server, "jane").await;
        let kw = |secret: &str, model: &str, method: &str, args: Value, kwargs: Value| {
            let args = json!(["weft", uid, secret, model, method, args, kwargs]);
            rpc(&client, "object", "execute_kw", args)
        };
        let id = kw(
            "jane-password",
            "res.partner",
            "create",
            json!([{"name": "Azure"}]),
            json!({}),
        )
        .await
        .unwrap();
        let found = kw(
            &key,
            "res.partner",
            "search_read",
            json!([[["id", "=", id]]]),
            json!({"fields": ["name"]}),
        );
        assert_eq!(found.await.unwrap(), json!([{"id": id, "name": "Azure"}]));
        let execute = json!([
            "weft",
            uid,
            key,
            "res.partner",
            "search",
            [["name", "=", "Azure"]]
        ]);
        assert_eq!(
            rpc(&client, "object", "execute", execute).await.unwrap(),
            json!([id])
        );
        let private = kw(&key, "res.partner", "_write", json!([[id], {}]), json!({}));
        assert_eq!(
            fault_name(&private.await.unwrap_err()),
            "odoo.exceptions.AccessError"
        );

        // The create's log names its record; the counter names the method.
        let (_, logs) = server.admin("GET", "/api/v1/logs?limit=100", None).await;
        let create = logs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["function_name"] == json!("create"))
            .expect("the create's log")
            .clone();
        assert_eq!(
            (&create["res_model"], &create["res_id"]),
            (&json!("res.partner"), &id),
            "{create}"
        );
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
                && l.contains("method=\"create\"")
                && l.contains("outcome=\"ok\"")),
            "{text}"
        );
        assert!(
            text.lines().any(|l| l.starts_with("weft_rpc_calls_total{")
                && l.contains("outcome=\"access_error\""))
        );
    }
}

#[tokio::test]
async fn call_kw_runs_as_the_sessions_user() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        user(&server, "jane").await;
        let login = json!({"params": {"db": "weft", "login": "jane", "password": "jane-password"}});
        let (_, headers, _) = post(
            &server,
            "/web/session/authenticate",
            &login.to_string(),
            &[],
        )
        .await;
        let cookie = headers["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let call = |method: &str, args: Value| {
            json!({"id": 9, "params": {"model": "res.partner", "method": method, "args": args, "kwargs": {}}})
                .to_string()
        };
        let (_, _, reply) = post(
            &server,
            "/web/dataset/call_kw/res.partner/create",
            &call("create", json!([{"name": "Web"}])),
            &[("cookie", &cookie)],
        )
        .await;
        let id = reply["result"].clone();
        assert!(id.is_i64(), "{reply}");
        let (_, _, reply) = post(
            &server,
            "/web/dataset/call_kw/res.partner/read",
            &call("read", json!([[id], ["name"]])),
            &[("cookie", &cookie)],
        )
        .await;
        assert_eq!(
            reply["result"],
            json!([{"id": id, "name": "Web"}]),
            "{reply}"
        );
        let (_, logs) = server.admin("GET", "/api/v1/logs?limit=100", None).await;
        assert!(
            logs["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["route"] == json!("/web/dataset/call_kw")),
            "{logs}"
        );
    }
}

#[tokio::test]
async fn json2_binds_named_arguments_and_answers_odoo_19s_statuses() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (_, key) = user(&server, "jane").await;
        let limited = server
            .integration_key("lim", Some(&["product.product"]))
            .await;
        let call = |method: &'static str, body: Value| json2(&server, &key, method, body);
        let (status, _, ids) = call(
            "create",
            json!({"vals_list": [{"name": "A"}, {"name": "B"}]}),
        )
        .await;
        assert_eq!(status, 200, "{ids}");
        let (status, _, rows) = call(
            "search_read",
            json!({"domain": [["id", "in", ids]], "fields": ["name"], "order": "name desc"}),
        )
        .await;
        assert_eq!(status, 200, "{rows}");
        assert_eq!(rows[0]["name"], json!("B"));
        let (status, _, rows) = call("read", json!({"ids": ids, "fields": ["name"]})).await;
        assert_eq!((status, rows.as_array().map(Vec::len)), (200, Some(2)));
        let (status, _, count) = call(
            "search_count",
            json!({"domain": [], "context": {"lang": "en_US"}}),
        )
        .await;
        assert_eq!((status, count), (200, json!(2)));
        // One dict is a recordset of one in Odoo 19: the answer is still a list of ids.
        let (status, _, one) = call("create", json!({"vals_list": {"name": "C"}})).await;
        assert_eq!(status, 200, "{one}");
        assert_eq!(one.as_array().map(Vec::len), Some(1), "{one}");
        let (status, _, copy) = call("copy", json!({"ids": one})).await;
        assert_eq!(status, 200, "{copy}");
        assert!(
            copy.as_array()
                .is_some_and(|c| c.len() == 1 && c != one.as_array().unwrap()),
            "{copy}"
        );

        let unprocessable = |message: &str| {
            json!({"name": "werkzeug.exceptions.UnprocessableEntity",
            "message": message, "arguments": [message, 422], "context": {}, "debug": ""})
        };
        let (status, _, body) = call("search", json!({"ids": [1], "domain": []})).await;
        assert_eq!(
            (status, body),
            (
                422,
                unprocessable("cannot call res.partner.search with ids")
            )
        );
        let (status, _, body) = call("search", json!({"domain": [], "colour": "red"})).await;
        assert_eq!(
            (status, body),
            (
                422,
                unprocessable("search() got an unexpected keyword argument 'colour'")
            )
        );
        let (status, _, body) =
            call("write", json!({"ids": [999_999], "vals": {"name": "x"}})).await;
        assert_eq!(
            (status, &body["name"]),
            (404, &json!("odoo.exceptions.MissingError")),
            "{body}"
        );
        let (status, _, body) = call("_private", json!({})).await;
        assert_eq!(
            (status, &body["name"]),
            (403, &json!("odoo.exceptions.AccessError")),
            "{body}"
        );
        let (status, _, body) = call("no_such_method", json!({})).await;
        assert_eq!(
            (status, &body["name"]),
            (404, &json!("werkzeug.exceptions.NotFound")),
            "{body}"
        );
        let (status, _, body) = call("search", json!({"domain": "[garbage"})).await;
        assert_eq!(
            (status, &body["name"]),
            (422, &json!("builtins.ValueError")),
            "{body}"
        );
        // A key limited to another model is refused on this one.
        let bearer = format!("Bearer {limited}");
        let (status, _, body) = post(
            &server,
            "/json/2/res.partner/search",
            r#"{"domain": []}"#,
            &[("authorization", &bearer)],
        )
        .await;
        assert_eq!(status, 403, "{body}");

        // /doc-bearer names the parameters after the ids, in order, and the model methods.
        let doc = server
            .client
            .get(format!("{}/doc-bearer/res.partner.json", server.url))
            .header("authorization", format!("Bearer {ADMIN_KEY}"))
            .send()
            .await
            .unwrap();
        assert_eq!(doc.status(), 200);
        let text = doc.text().await.unwrap();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["methods"]["search"]["api"], json!(["model"]));
        assert_eq!(doc["methods"]["read"]["api"], json!([]));
        let search = text.find("\"search\": {").unwrap();
        let order: Vec<usize> = ["\"domain\"", "\"offset\"", "\"limit\"", "\"order\""]
            .iter()
            .map(|p| search + text[search..].find(p).unwrap())
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "search's parameters in order: {text}"
        );
    }
}

/// `POST /json/2/res.partner/{method}` with jane's bearer key and the database header.
async fn json2(
    server: &TestServer,
    key: &str,
    method: &str,
    body: Value,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let bearer = format!("Bearer {key}");
    let auth = [
        ("authorization", bearer.as_str()),
        ("x-odoo-database", "weft"),
    ];
    let path = format!("/json/2/res.partner/{method}");
    post(server, &path, &body.to_string(), &auth).await
}
