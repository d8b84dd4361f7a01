//! The Parameters and Models pages against the real binary: a parameter saved in place is what
//! the API shows and takes effect; a refused value is shown at its row; reset to the default;
//! the models, one model's fields, selection values and methods; the record browser with its
//! domain box, its mistakes with their position, paging, and only the admin's companies.

use crate::Console;
use crate::support::{TestServer, ok};
use serde_json::json;
use weft_store::testing::{Backend, backends};

#[tokio::test]
async fn a_parameter_is_edited_in_place_validated_and_reset() {
    let server = TestServer::start(Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    let page = console.get("/console/parameters").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<code>webhook.preview_limit</code>"));
    assert!(page.text.contains("characters kept in a preview"));

    let saved = console
        .post(
            "/console/parameters/webhook.preview_limit",
            &[("value", "120")],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let (_, list) = server.admin("GET", "/api/v1/parameters", None).await;
    let value = |list: &serde_json::Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["key"] == "webhook.preview_limit")
            .unwrap()["value"]
            .clone()
    };
    assert_eq!(value(&list), "120");
    let page = console.get(saved.header("location")).await;
    assert!(
        page.text.contains("Saved webhook.preview_limit."),
        "{}",
        page.text
    );
    assert!(page.text.contains("Reset to 2000"));

    // It takes effect: the next call's preview is cut at 120 characters.
    let reply = server
        .call(
            "/api/create_data",
            "res.partner",
            json!({"payload": {"name": "Long", "comment": "x".repeat(500)}}),
        )
        .await;
    ok(&reply);
    let (_, logs) = server.admin("GET", "/api/v1/logs?limit=1", None).await;
    let preview = logs["items"][0]["request_preview"]
        .as_str()
        .unwrap_or_default();
    assert!(preview.chars().count() < 130, "cut at 120: {preview}");
    assert!(!preview.contains(&"x".repeat(200)), "{preview}");

    let refused = console
        .post(
            "/console/parameters/webhook.preview_limit",
            &[("value", "lots")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text.contains("id=\"error-webhook.preview_limit\""),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("value=\"lots\""),
        "what was typed stays"
    );
    let (_, list) = server.admin("GET", "/api/v1/parameters", None).await;
    assert_eq!(value(&list), "120", "unchanged");

    let reset = console
        .post(
            "/console/parameters/webhook.preview_limit",
            &[("value", "2000")],
        )
        .await;
    assert_eq!(reset.status, 303);
    let (_, list) = server.admin("GET", "/api/v1/parameters", None).await;
    assert_eq!(value(&list), "2000");

    let unknown = console
        .post("/console/parameters/webhook.nope", &[("value", "1")])
        .await;
    assert_eq!(unknown.status, 404);
    let no_token = console
        .post_raw(
            "/console/parameters/webhook.preview_limit",
            &[("value", "5")],
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_eq!(no_token.status, 403);
}

#[tokio::test]
async fn the_models_their_fields_and_methods() {
    let server = TestServer::start(Backend::Sqlite).await;
    let console = Console::admin(&server, "ops").await;
    let list = console.get("/console/models").await;
    assert!(
        list.text.contains("href=\"/console/models/sale.order\""),
        "{}",
        list.text
    );
    let order = console.get("/console/models/sale.order").await;
    assert_eq!(order.status, 200);
    assert!(
        order.text.contains("id=\"method-action_confirm\""),
        "{}",
        order.text
    );
    assert!(
        order.text.contains("<code>res.partner</code>"),
        "partner_id's relation"
    );
    let partner = console.get("/console/models/res.partner").await;
    let row = &partner.text[partner.text.find("id=\"field-company_type\"").unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("selection") && row.contains("company ("),
        "{row}"
    );
    assert_eq!(console.get("/console/models/no.such").await.status, 404);
}

#[tokio::test]
async fn the_record_browser_searches_pages_and_keeps_to_the_admins_companies() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        for n in 0..5 {
            ok(&server
                .call(
                    "/api/create_data",
                    "res.partner",
                    json!({"payload": {"name": format!("Browse {n}"), "ref": format!("B{n}")}}),
                )
                .await);
        }
        // A partner of another company, made by that company's admin.
        let (_, beta) = server
            .admin("POST", "/api/v1/companies", Some(json!({"name": "Beta"})))
            .await;
        let beta = beta["id"].as_i64().unwrap();
        let (status, user) = server
            .admin(
                "POST",
                "/api/v1/users",
                Some(json!({"login": "beta", "role": "admin", "company_id": beta,
                    "company_ids": [beta], "password": "beta-password"})),
            )
            .await;
        assert_eq!(status, 201, "{user}");
        let beta_console = Console::sign_in(&server, "beta", "beta-password").await;
        let console = Console::admin(&server, "ops").await;
        let (_, key) = server
            .admin(
                "POST",
                "/api/v1/api-keys",
                Some(json!({"user_id": user["id"], "name": "beta"})),
            )
            .await;
        let reply = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Browse Beta", "company_id": beta}}),
                &[("x-api-key", key["key"].as_str().unwrap())],
            )
            .await;
        ok(&reply);

        let path = "/console/models/res.partner/records?domain=%5B%28%27name%27%2C+%27like%27%2C+%27Browse%27%29%5D&fields=name%2C+ref&order=name&limit=2";
        let page = console.get(path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert!(page.text.contains("5 records match"), "{}", page.text);
        assert!(page.text.contains("<td>Browse 0</td>") && page.text.contains("<td>B1</td>"));
        assert!(!page.text.contains("Browse 2"), "two a page");
        assert!(
            !page.text.contains("Browse Beta"),
            "another company's record"
        );
        assert!(page.text.contains("offset=2"), "a next page: {}", page.text);
        let beta_page = beta_console.get(path).await;
        assert!(beta_page.text.contains("Browse Beta"), "{}", beta_page.text);
        assert!(
            beta_page.text.contains("1 record matches"),
            "{}",
            beta_page.text
        );

        let bad = console
            .get("/console/models/res.partner/records?domain=%5B%28%27name%27%2C+%27%3D%27")
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.text.contains("id=\"records-error\""), "{}", bad.text);
        assert!(bad.text.contains("position"), "{}", bad.text);
        let unknown = console
            .get("/console/models/res.partner/records?fields=name%2Cno_such")
            .await;
        assert!(
            unknown.text.contains("&#39;no_such&#39; is not a field")
                || unknown.text.contains("no_such")
        );
    }
}
