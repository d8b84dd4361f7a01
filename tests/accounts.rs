//! Users and companies over `/api/v1` (DESIGN.md §9, §11): made, changed, moved between companies,
//! and every bad input refused naming its field, on SQLite and PostgreSQL. The attacks on these
//! routes are in `tests/security/identity`.

mod support;

use serde_json::{Value, json};
use support::TestServer;
use weft_store::testing::backends;

/// `/api/v1/companies` and `PATCH /api/v1/users/{id}`: companies made and changed, users moved
/// between them, and every bad input refused with the field it is about.
#[tokio::test]
async fn the_admin_api_manages_companies_and_users_and_checks_their_input() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let error = |reply: &(u16, Value), status: u16, field: &str| {
            assert_eq!(reply.0, status, "{}", reply.1);
            let message = reply.1["error"]["message"].as_str().unwrap();
            assert!(message.contains(field), "'{message}' should name {field}");
        };

        let (status, beta) = server
            .admin(
                "POST",
                "/api/v1/companies",
                Some(json!({"name": "Beta", "email": "ops@beta.example"})),
            )
            .await;
        assert_eq!(status, 201, "{beta}");
        assert_eq!(
            beta,
            // An absent phone is left out, not sent as null.
            json!({"id": beta["id"], "name": "Beta", "email": "ops@beta.example", "active": true})
        );
        let beta_id = beta["id"].as_i64().unwrap();
        let one = format!("/api/v1/companies/{beta_id}");
        error(
            &server
                .admin("POST", "/api/v1/companies", Some(json!({"name": "Beta"})))
                .await,
            409,
            "name",
        );
        error(
            &server
                .admin("POST", "/api/v1/companies", Some(json!({"email": "x@y"})))
                .await,
            422,
            "name",
        );
        error(
            &server
                .admin("PATCH", &one, Some(json!({"name": "  "})))
                .await,
            422,
            "name",
        );
        let (status, patched) = server
            .admin(
                "PATCH",
                &one,
                Some(json!({"phone": "+66 2 123", "email": ""})),
            )
            .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(
            (&patched["phone"], &patched["email"]),
            (&json!("+66 2 123"), &Value::Null)
        );
        let (_, listed) = server.admin("GET", "/api/v1/companies", None).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 2, "{listed}");
        assert_eq!(listed["next_cursor"], Value::Null);
        error(
            &server.admin("GET", "/api/v1/companies/99", None).await,
            404,
            "99",
        );

        // Users: company_ids must exist and hold company_id; a login is unique.
        let new_user =
            |body: Value| async { server.admin("POST", "/api/v1/users", Some(body)).await };
        error(
            &new_user(json!({"login": "x", "company_ids": [1, 99]})).await,
            422,
            "company_ids",
        );
        error(
            &new_user(json!({"login": "x", "company_id": 1, "company_ids": [beta_id]})).await,
            422,
            "company_id",
        );
        error(
            &new_user(json!({"login": "x", "company_ids": []})).await,
            422,
            "company_ids",
        );
        error(
            &new_user(json!({"login": "x", "role": "root"})).await,
            422,
            "role",
        );
        let (status, erp) = new_user(json!({"login": "erp", "company_ids": [beta_id, 1]})).await;
        assert_eq!(status, 201, "{erp}");
        assert_eq!(
            (&erp["company_id"], &erp["company_ids"], &erp["active"]),
            (&json!(beta_id), &json!([1, beta_id]), &json!(true)),
            "company_id defaults to the first of company_ids"
        );
        error(&new_user(json!({"login": "erp"})).await, 409, "login");
        let user = format!("/api/v1/users/{}", erp["id"]);
        let patch = |body: Value| async { server.admin("PATCH", &user, Some(body)).await };
        error(
            &patch(json!({"company_ids": [1]})).await,
            422,
            "company_ids",
        );
        error(&patch(json!({"company_ids": []})).await, 422, "company_ids");
        error(&patch(json!({"company_id": 99})).await, 422, "company_id");
        error(&patch(json!({"name": ""})).await, 422, "name");
        error(&patch(json!({"password": ""})).await, 422, "password");
        error(
            &server
                .admin("PATCH", "/api/v1/users/999", Some(json!({"name": "x"})))
                .await,
            404,
            "999",
        );
        let (status, moved) =
            patch(json!({"company_id": 1, "company_ids": [1], "name": "ERP", "role": "admin"}))
                .await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(
            (
                &moved["company_id"],
                &moved["company_ids"],
                &moved["name"],
                &moved["role"]
            ),
            (&json!(1), &json!([1]), &json!("ERP"), &json!("admin"))
        );
        let (status, moved) = patch(json!({"company_id": beta_id})).await;
        assert_eq!(status, 200, "{moved}");
        assert_eq!(
            moved["company_ids"],
            json!([1, beta_id]),
            "a company_id given alone joins the user's companies"
        );

        // A company cannot be archived while it is an active user's company.
        error(
            &server
                .admin("PATCH", &one, Some(json!({"active": false})))
                .await,
            409,
            "erp",
        );
        let (status, _) = patch(json!({"company_id": 1})).await;
        assert_eq!(status, 200);
        let (status, archived) = server
            .admin("PATCH", &one, Some(json!({"active": false})))
            .await;
        assert_eq!((status, &archived["active"]), (200, &json!(false)));
        error(
            &new_user(json!({"login": "late", "company_id": beta_id})).await,
            422,
            "archived",
        );
    }
}
