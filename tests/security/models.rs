//! The models a call may touch (issue 13, points 1 and 3): the identity models `res.users` and
//! `res.company` are not data (read as Odoo lets an ordinary user read them, never written through
//! the data routes), and a key's `allowed_models` bounds every model a call touches — lookups,
//! `auto_create`, x2many commands, dotted domain paths and `{}` expansions — not only
//! `params.model`.

use crate::companies::{call, company, create, refused, search};
use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// Assert an `access_denied` refusal whose message names `model`.
fn denied(reply: &Value, model: &str) {
    let error = refused(reply);
    assert_eq!(error["code"], "access_denied", "{reply}");
    assert!(
        error["message"]
            .as_str()
            .unwrap_or_default()
            .contains(model),
        "names {model}: {reply}"
    );
}

/// The users and companies as the admin API lists them, to compare before and after an attack.
async fn identities(server: &TestServer) -> (Value, Value) {
    let (_, users) = server.admin("GET", "/api/v1/users", None).await;
    let (_, companies) = server.admin("GET", "/api/v1/companies", None).await;
    (users, companies)
}

#[tokio::test]
async fn identity_models_are_not_writable_through_the_data_routes() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let other = company(&server, "Other Co").await;
        let key = server.integration_key("mallory", None).await;
        let before = identities(&server).await;
        let attacks = [
            (
                "/api/update_data",
                "res.users",
                json!({"search_key": {"login": "mallory"}, "payload": {"company_ids": [[6, 0, [1, other]]]}}),
            ),
            (
                "/api/update_data",
                "res.users",
                json!({"search_key": {"login": "admin"}, "payload": {"active": false}}),
            ),
            (
                "/api/create_data",
                "res.users",
                json!({"payload": {"name": "Evil", "login": "evil"}}),
            ),
            (
                "/api/create_update_data",
                "res.users",
                json!({"search_key": {"login": "evil"}, "payload": {"name": "Evil", "login": "evil"}}),
            ),
            (
                "/api/create_data",
                "res.company",
                json!({"payload": {"name": "Shell Co"}}),
            ),
            (
                "/api/update_data",
                "res.company",
                json!({"search_key": {"id": 1}, "payload": {"name": "Renamed"}}),
            ),
            (
                "/api/call_function",
                "res.users",
                json!({"search_key": {"login": "mallory"}, "payload": {"method": "write"}}),
            ),
        ];
        for (route, model, vals) in attacks {
            let reply = call(&server, &key, route, model, vals.clone()).await;
            let error = refused(&reply);
            assert!(
                ["access_denied", "unknown_method"].contains(&error["code"].as_str().unwrap()),
                "{backend:?} {route} {vals}: {reply}"
            );
        }
        // The admin key cannot either: identities are managed through /api/v1.
        let reply = call(
            &server,
            ADMIN_KEY,
            "/api/create_data",
            "res.company",
            json!({"payload": {"name": "Shell Co"}}),
        )
        .await;
        denied(&reply, "res.company");
        assert_eq!(
            identities(&server).await,
            before,
            "{backend:?}: nothing changed"
        );
        // A company-scoped record may not be moved to a company the caller is not in.
        let reply = call(
            &server,
            &key,
            "/api/create_data",
            "res.partner",
            json!({"payload": {"name": "Moved", "company_id": other}}),
        )
        .await;
        assert_eq!(
            refused(&reply)["code"],
            "access_denied",
            "{backend:?} {reply}"
        );
    }
}

#[tokio::test]
async fn identity_models_read_as_an_ordinary_user_would() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        company(&server, "Other Co").await;
        let key = server.integration_key("mallory", None).await;
        let users = search(&server, &key, "res.users", json!([]), json!(["login"])).await;
        assert_eq!(users.len(), 1, "{backend:?}: only its own user: {users:?}");
        assert_eq!(users[0]["login"], "mallory");
        let companies = search(&server, &key, "res.company", json!([]), json!(["name"])).await;
        assert_eq!(
            companies.len(),
            1,
            "{backend:?}: only its own company: {companies:?}"
        );
        // The names of users of its companies show beside records they made.
        let partner = create(
            &server,
            ADMIN_KEY,
            "res.partner",
            json!({"name": "Made by admin"}),
        )
        .await;
        let seen = search(
            &server,
            &key,
            "res.partner",
            json!([["id", "=", partner]]),
            json!(["create_uid"]),
        )
        .await;
        assert_eq!(
            seen[0]["create_uid"][1], "Administrator",
            "{backend:?}: {seen:?}"
        );
    }
}

#[tokio::test]
async fn allowed_models_bound_every_model_a_call_touches() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let tag = create(&server, ADMIN_KEY, "crm.tag", json!({"name": "Gold"})).await;
        let partner = create(
            &server,
            ADMIN_KEY,
            "res.partner",
            json!({"name": "ACME", "ref": "C1"}),
        )
        .await;
        let key = server
            .integration_key("orders-only", Some(&["sale.order"]))
            .await;
        let order = create(&server, &key, "sale.order", json!({"partner_id": partner})).await;
        let write = |payload: Value| json!({"search_key": {"id": order}, "payload": payload});
        let attacks = [
            (
                "/api/update_data",
                write(json!({"tag_ids": [[1, tag, {"name": "Renamed"}]]})),
                "crm.tag",
            ),
            (
                "/api/update_data",
                write(json!({"tag_ids": [[2, tag]]})),
                "crm.tag",
            ),
            (
                "/api/update_data",
                write(json!({"tag_ids": [[4, tag]]})),
                "crm.tag",
            ),
            (
                "/api/update_data",
                write(json!({"tag_ids": [[0, 0, {"name": "New"}]]})),
                "crm.tag",
            ),
            (
                "/api/update_data",
                write(json!({"order_line": [{"name": "x", "price_unit": 1.0}]})),
                "sale.order.line",
            ),
            (
                "/api/update_data",
                write(json!({"partner_id": {"ref": "C1"}})),
                "res.partner",
            ),
            (
                "/api/create_data",
                json!({"payload": {"partner_id": partner, "tag_ids": {"mode": "add", "records": [{"name": "VIP"}]}},
                                        "auto_create": {"tag_ids": [{"name": "VIP"}]}}),
                "crm.tag",
            ),
            (
                "/api/search_data",
                json!({"payload": {"search_domain": [["partner_id.ref", "=", "C1"]]}}),
                "res.partner",
            ),
            (
                "/api/search_data",
                json!({"payload": {"search_field": ["partner_id{name,ref}"]}}),
                "res.partner",
            ),
            (
                "/api/search_data",
                json!({"payload": {"search_field": ["order_line{name}"]}}),
                "sale.order.line",
            ),
        ];
        for (route, vals, model) in attacks {
            let reply = call(&server, &key, route, "sale.order", vals.clone()).await;
            denied(&reply, model);
        }
        // Nothing changed: the tag keeps its name, no new tag or line exists.
        let tags = search(&server, ADMIN_KEY, "crm.tag", json!([]), json!(["name"])).await;
        assert_eq!(
            tags,
            vec![json!({"id": tag, "name": "Gold"})],
            "{backend:?}"
        );
        let lines = search(
            &server,
            ADMIN_KEY,
            "sale.order.line",
            json!([]),
            json!(["id"]),
        )
        .await;
        assert!(lines.is_empty(), "{backend:?}");
        // A many2one's display name is allowed, as in Odoo.
        let seen = search(
            &server,
            &key,
            "sale.order",
            json!([]),
            json!(["partner_id"]),
        )
        .await;
        assert_eq!(
            seen[0]["partner_id"],
            json!([partner, "ACME"]),
            "{backend:?}"
        );
        // The allowed model itself still works.
        let reply = call(
            &server,
            &key,
            "/api/call_function",
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"method": "action_confirm"}}),
        )
        .await;
        ok(&reply);
    }
}
