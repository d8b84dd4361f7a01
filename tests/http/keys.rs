//! API keys limited to their models and companies.

use crate::odoo_error;
use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::json;
use weft_store::testing::backends;

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
