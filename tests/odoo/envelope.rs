//! `/jsonrpc`'s envelope as Odoo's: any `id` echoed as sent (odoorpc sends ints, odooly hex
//! strings; Odoo echoes floats, negatives and objects too), no `jsonrpc` needed, and the error
//! object exactly (`code` 200, "Odoo Server Error", `data` with name, message, arguments,
//! context and an empty debug), a body that is not JSON a BadRequest.

use crate::post;
use crate::support::TestServer;
use serde_json::{Value, json};
use weft_store::testing::backends;

fn call(id: &Value, service: &str, method: &str, args: Value) -> String {
    json!({"jsonrpc": "2.0", "method": "call", "id": id,
           "params": {"service": service, "method": method, "args": args}})
    .to_string()
}

#[tokio::test]
async fn every_id_is_echoed_in_results_and_errors() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let ids = [
            json!(7),
            json!(-3),
            json!(1.5),
            json!("c0ffee"),
            json!(null),
            json!({"a": [1]}),
            json!([1, "x"]),
            json!(18_446_744_073_709_551_615u64),
        ];
        for id in &ids {
            let body = call(id, "common", "version", json!([]));
            let (status, _, reply) = post(&server, "/jsonrpc", &body, &[]).await;
            assert_eq!(status, 200);
            assert_eq!(
                (&reply["id"], &reply["jsonrpc"]),
                (id, &json!("2.0")),
                "{reply}"
            );
            assert_eq!(reply["result"]["server_version"], json!("17.0"));
            let body = call(id, "db", "drop", json!(["admin", "weft"]));
            let (_, _, reply) = post(&server, "/jsonrpc", &body, &[]).await;
            assert_eq!(&reply["id"], id, "{reply}");
            assert!(reply.get("result").is_none(), "{reply}");
        }
    }
}

#[tokio::test]
async fn the_error_object_is_odoos_and_the_envelope_is_lax() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        // No jsonrpc, no method, no id: Odoo reads it all the same.
        let bare = json!({"params": {"service": "db", "method": "list"}}).to_string();
        let (status, _, reply) = post(&server, "/jsonrpc", &bare, &[]).await;
        assert_eq!(status, 200);
        assert_eq!(
            reply,
            json!({"jsonrpc": "2.0", "id": null, "result": ["weft"]})
        );

        let body = call(
            &json!(4),
            "object",
            "execute_kw",
            json!(["weft", 2, "wrong", "res.partner", "search", [[]]]),
        );
        let (_, _, reply) = post(&server, "/jsonrpc", &body, &[]).await;
        assert_eq!(
            reply,
            json!({"jsonrpc": "2.0", "id": 4, "error": {"code": 200, "message": "Odoo Server Error",
                   "data": {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied",
                            "arguments": ["Access Denied"], "context": {}, "debug": ""}}})
        );

        for (body, says) in [
            ("{not json", "Invalid JSON data"),
            ("[1, 2]", "must be an object"),
            (r#"{"id": 5, "params": [1]}"#, "'params' is not an object"),
        ] {
            let (status, _, reply) = post(&server, "/jsonrpc", body, &[]).await;
            assert_eq!(status, 200, "{body}");
            let data = &reply["error"]["data"];
            assert_eq!(
                data["name"],
                json!("werkzeug.exceptions.BadRequest"),
                "{reply}"
            );
            assert!(data["message"].as_str().unwrap().contains(says), "{reply}");
            assert_eq!(data["debug"], json!(""));
        }
        for params in [
            json!({"method": "version"}),
            json!({"service": "common"}),
            json!({"service": 1, "method": "version"}),
            json!({"service": "common", "method": "version", "args": {"a": 1}}),
        ] {
            let body = json!({"id": 6, "params": params}).to_string();
            let (_, _, reply) = post(&server, "/jsonrpc", &body, &[]).await;
            assert_eq!(reply["id"], json!(6));
            assert_eq!(
                reply["error"]["data"]["name"],
                json!("builtins.TypeError"),
                "{reply}"
            );
        }
        // The ecosoft routes' errors carry the empty debug too.
        let ecosoft = json!({"params": {"model": "res.partner", "vals": {}}}).to_string();
        let (_, _, reply) = post(&server, "/api/search_data", &ecosoft, &[]).await;
        assert_eq!(reply["error"]["data"]["debug"], json!(""), "{reply}");
    }
}
