//! The `common` and `db` services over XML-RPC: version, login by password or API key (false on
//! bad credentials), authenticate, and the one database.

use crate::support::TestServer;
use crate::{call, fault, int_code, text_code};
use serde_json::json;
use weft_store::testing::backends;

#[tokio::test]
async fn version_login_and_db_answer_as_odoo_does() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        for path in ["/xmlrpc/2/common", "/xmlrpc/common"] {
            let version = call(&server, path, "version", &[]).await.unwrap();
            assert_eq!(version["server_version"], "17.0", "{version}");
            assert_eq!(
                version["server_version_info"],
                json!([17, 0, 0, "final", 0, ""])
            );
            assert_eq!(version["protocol_version"], 1);
        }
        let key = server.user_key("xml", "integration", None).await;
        let (_, users) = server.admin("GET", "/api/v1/users", None).await;
        let uid = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["login"] == "xml")
            .map(|u| u["id"].clone())
            .expect("the user");
        let common = "/xmlrpc/2/common";
        // The API key and the password both log in; anything else is false, not a fault.
        for secret in [key.as_str(), "xml-password"] {
            let params = [json!("weft"), json!("xml"), json!(secret)];
            let logged = call(&server, common, "login", &params).await;
            assert_eq!(logged.unwrap(), uid);
        }
        for (login, secret) in [("xml", "wrong"), ("nobody", "xml-password"), ("xml", "")] {
            let params = [json!("weft"), json!(login), json!(secret)];
            let refused = call(&server, common, "login", &params).await;
            assert_eq!(refused.unwrap(), json!(false), "{login}/{secret}");
        }
        let env = json!({"base_location": "http://localhost"});
        let params = [json!("weft"), json!("xml"), json!(key), env];
        let authenticated = call(&server, common, "authenticate", &params).await;
        assert_eq!(authenticated.unwrap(), uid);
        // A missing argument is a TypeError (code 1); on the legacy route its text is the code.
        let short = fault(call(&server, common, "login", &[json!("weft")]).await);
        assert_eq!(int_code(&short), 1, "{short:?}");
        let legacy = fault(call(&server, "/xmlrpc/common", "login", &[json!("weft")]).await);
        assert_eq!(text_code(&legacy), short.string);

        let db = "/xmlrpc/2/db";
        assert_eq!(
            call(&server, db, "list", &[]).await.unwrap(),
            json!(["weft"])
        );
        assert_eq!(
            call(&server, db, "server_version", &[]).await.unwrap(),
            json!("17.0")
        );
        assert_eq!(
            call(&server, db, "exist", &[json!("weft")]).await.unwrap(),
            json!(true)
        );
        let drop = fault(call(&server, db, "drop", &[json!("admin"), json!("weft")]).await);
        assert_eq!(int_code(&drop), 3, "{drop:?}");
        let legacy = fault(
            call(
                &server,
                "/xmlrpc/db",
                "drop",
                &[json!("admin"), json!("weft")],
            )
            .await,
        );
        assert_eq!(
            (text_code(&legacy), legacy.string.as_str()),
            ("AccessDenied", drop.string.as_str())
        );
    }
}
