//! The `common`, `db` and `object` services over `/jsonrpc`, through jsonrpsee's HTTP client:
//! logins by password or API key (`false` when wrong), the one database, and credentials checked
//! on every `object` call, a revoked key or a deactivated user refused at once.

use crate::support::{ADMIN_KEY, TestServer};
use crate::{fault_name, rpc, rpc_client, user};
use serde_json::json;
use weft_store::testing::backends;

#[tokio::test]
async fn wrong_credentials_log_in_nobody_and_right_ones_give_the_uid() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let client = rpc_client(&server);
        let (uid, key) = user(&server, "jane").await;
        for wrong in ["nope", "", "jane-password ", "weft_0123456789ab_wrong"] {
            let answer = rpc(&client, "common", "login", json!(["weft", "jane", wrong])).await;
            assert_eq!(answer, Ok(json!(false)), "{wrong:?}");
        }
        let unknown = rpc(&client, "common", "login", json!(["weft", "nobody", "x"])).await;
        assert_eq!(unknown, Ok(json!(false)));
        // Another user's key is not jane's password.
        let admin_key_as_jane = rpc(
            &client,
            "common",
            "login",
            json!(["weft", "jane", ADMIN_KEY]),
        );
        assert_eq!(admin_key_as_jane.await, Ok(json!(false)));
        // A database that is not this one is a fault, not a quiet false.
        let other_db = rpc(
            &client,
            "common",
            "login",
            json!(["prod", "jane", "jane-password"]),
        );
        let fault = other_db.await.unwrap_err();
        assert_eq!(fault_name(&fault), "odoo.exceptions.UserError");
        assert!(
            fault.1["message"].as_str().unwrap().contains("'weft'"),
            "{fault:?}"
        );
        let short = rpc(&client, "common", "login", json!(["weft", "jane"])).await;
        assert_eq!(fault_name(&short.unwrap_err()), "builtins.TypeError");

        let by_key = rpc(&client, "common", "login", json!(["weft", "jane", key])).await;
        assert_eq!(by_key, Ok(json!(uid)));
        let authenticate = rpc(
            &client,
            "common",
            "authenticate",
            json!(["weft", "jane", "jane-password", {"interactive": false}]),
        );
        assert_eq!(authenticate.await, Ok(json!(uid)));
        let version = rpc(&client, "common", "version", json!([])).await.unwrap();
        assert_eq!(
            version,
            json!({"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""],
                   "server_serie": "17.0", "protocol_version": 1})
        );
        assert!(
            rpc(&client, "common", "about", json!([]))
                .await
                .unwrap()
                .is_string()
        );
        let unknown = rpc(&client, "common", "set_password", json!([])).await;
        assert_eq!(fault_name(&unknown.unwrap_err()), "builtins.NameError");
        let service = rpc(&client, "report", "render", json!([])).await;
        assert_eq!(fault_name(&service.unwrap_err()), "builtins.NameError");
    }
}

#[tokio::test]
async fn object_calls_check_the_credentials_on_every_call() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let client = rpc_client(&server);
        let (uid, key) = user(&server, "jane").await;
        let (other_uid, other_key) = user(&server, "john").await;
        let call = |uid: serde_json::Value, secret: &str| {
            let args = json!(["weft", uid, secret, "res.partner", "search", [[]]]);
            rpc(&client, "object", "execute", args)
        };
        let denied = |answer: Result<serde_json::Value, (i32, serde_json::Value)>| match answer {
            Err(fault) => fault_name(&fault) == "odoo.exceptions.AccessDenied",
            Ok(_) => false,
        };
        // Wrong every time, however often (nothing wrong is remembered as right).
        for _ in 0..3 {
            assert!(denied(call(json!(uid), "wrong").await));
        }
        assert!(
            denied(call(json!(uid), &other_key).await),
            "john's key is not jane's"
        );
        assert!(denied(call(json!(other_uid), &key).await));
        assert!(denied(call(json!("abc"), "jane-password").await));
        assert!(denied(call(json!(null), "jane-password").await));
        assert!(denied(call(json!(999_999), "jane-password").await));
        assert!(denied(call(json!(-1), "jane-password").await));
        // A wrong database is refused before anything else.
        let args = json!(["prod", uid, "jane-password", "res.partner", "search", [[]]]);
        let fault = rpc(&client, "object", "execute_kw", args)
            .await
            .unwrap_err();
        assert_eq!(fault_name(&fault), "odoo.exceptions.UserError");

        // Right ones pass (the uid may come as a string, as Odoo int()s it).
        assert!(!denied(call(json!(uid), "jane-password").await));
        assert!(!denied(call(json!(uid.to_string()), "jane-password").await));
        assert!(!denied(call(json!(uid), &key).await));
        assert!(!denied(call(json!(uid), &key).await), "the cached success");

        // Revoked: refused on the very next call, the cache notwithstanding.
        let (status, keys) = server.admin("GET", "/api/v1/api-keys", None).await;
        assert_eq!(status, 200);
        let key_id = keys["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["user_id"] == json!(uid))
            .expect("jane's key")["id"]
            .clone();
        let (status, _) = server
            .admin("DELETE", &format!("/api/v1/api-keys/{key_id}"), None)
            .await;
        assert_eq!(status, 204);
        assert!(
            denied(call(json!(uid), &key).await),
            "a revoked key is refused at once"
        );
        let login = rpc(&client, "common", "login", json!(["weft", "jane", key])).await;
        assert_eq!(login, Ok(json!(false)));

        // Deactivated: the cached password is refused at once too.
        assert!(!denied(call(json!(other_uid), "john-password").await));
        let (status, body) = server
            .admin(
                "PATCH",
                &format!("/api/v1/users/{other_uid}"),
                Some(json!({"active": false})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(denied(call(json!(other_uid), "john-password").await));
        assert!(denied(call(json!(other_uid), &other_key).await));
    }
}

#[tokio::test]
async fn the_db_service_lists_one_database_and_refuses_the_destructive_methods() {
    for backend in backends() {
        let server = TestServer::start_with(backend, &[("WEFT_DATABASE_NAME", "erp")]).await;
        let client = rpc_client(&server);
        assert_eq!(
            rpc(&client, "db", "list", json!([])).await,
            Ok(json!(["erp"]))
        );
        assert_eq!(
            rpc(&client, "db", "exist", json!(["erp"])).await,
            Ok(json!(true))
        );
        assert_eq!(
            rpc(&client, "db", "exist", json!(["weft"])).await,
            Ok(json!(false))
        );
        assert_eq!(
            rpc(&client, "db", "server_version", json!([])).await,
            Ok(json!("17.0"))
        );
        assert_eq!(
            rpc(&client, "db", "list_lang", json!([])).await,
            Ok(json!([["en_US", "English (US)"]]))
        );
        for (method, args) in [
            ("drop", json!(["admin", "erp"])),
            (
                "create_database",
                json!(["admin", "x", false, "en_US", "a"]),
            ),
            ("duplicate_database", json!(["admin", "erp", "copy"])),
            ("dump", json!(["admin", "erp", "zip"])),
            ("restore", json!(["admin", "erp", "data"])),
            ("change_admin_password", json!(["admin", "new"])),
            ("rename", json!(["admin", "erp", "other"])),
            ("migrate_databases", json!(["admin", ["erp"]])),
        ] {
            let fault = rpc(&client, "db", method, args).await.unwrap_err();
            assert_eq!(
                fault_name(&fault),
                "odoo.exceptions.AccessDenied",
                "{method}"
            );
        }
        let fault = rpc(&client, "db", "vacuum", json!([])).await.unwrap_err();
        assert_eq!(fault_name(&fault), "builtins.NameError");
        // The name is the one configured, everywhere.
        let login = rpc(
            &client,
            "common",
            "login",
            json!(["weft", "admin", ADMIN_KEY]),
        );
        assert_eq!(
            fault_name(&login.await.unwrap_err()),
            "odoo.exceptions.UserError"
        );
        let login = rpc(
            &client,
            "common",
            "login",
            json!(["erp", "admin", ADMIN_KEY]),
        );
        assert!(login.await.unwrap().is_i64());
    }
}
