//! No request can hold the service (issue 13, point 7): an expansion that multiplies a wide tree,
//! a `limit` past the documented maximum, and an x2many command with more ids than a field value
//! may carry are refused with an error naming what is too large, and change nothing.

use crate::companies::{call, create, refused, search};
use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::json;
use weft_store::testing::backends;

#[tokio::test]
async fn an_expansion_that_multiplies_a_wide_tree_is_refused() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let key = server.integration_key("wide", None).await;
        let children: Vec<_> = (0..20)
            .map(|i| json!([0, 0, {"name": format!("child {i:02}")}]))
            .collect();
        let parent = create(
            &server,
            &key,
            "res.partner",
            json!({"name": "Parent", "child_ids": children}),
        )
        .await;
        // 21 partners; each level of child_ids{parent_id{..}} copies the 20 children again:
        // 20^4 = 160,000 records at the fourth child_ids.
        let spec =
            "child_ids{parent_id{child_ids{parent_id{child_ids{parent_id{child_ids{name}}}}}}}";
        let reply = call(
            &server,
            &key,
            "/api/search_data",
            "res.partner",
            json!({"payload": {"search_field": ["name", spec]}}),
        )
        .await;
        let error = refused(&reply);
        assert_eq!(error["code"], "invalid_value", "{backend:?} {reply}");
        let path = error["path"].as_str().unwrap_or_default();
        assert!(
            path.starts_with("search_field.child_ids"),
            "{backend:?} {reply}"
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("100000 records"),
            "{reply}"
        );
        // Two levels are a normal answer.
        let rows = search(
            &server,
            &key,
            "res.partner",
            json!([["id", "=", parent]]),
            json!(["child_ids{parent_id{name}}"]),
        )
        .await;
        assert_eq!(
            rows[0]["child_ids"].as_array().unwrap().len(),
            20,
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn limit_is_capped_and_an_unlimited_search_pages() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let key = server.integration_key("pager", None).await;
        let reply = call(
            &server,
            &key,
            "/api/search_data",
            "res.partner",
            json!({"payload": {"limit": 10_001}}),
        )
        .await;
        let error = refused(&reply);
        assert_eq!(
            (error["code"].as_str(), error["path"].as_str()),
            (Some("invalid_value"), Some("limit")),
            "{reply}"
        );
        assert!(
            error["message"].as_str().unwrap().contains("10000"),
            "{reply}"
        );
        let reply = call(
            &server,
            &key,
            "/api/search_data",
            "res.partner",
            json!({"payload": {"limit": 10_000}}),
        )
        .await;
        ok(&reply);
    }
}

#[tokio::test]
async fn an_x2many_command_with_too_many_ids_is_refused_and_dedup_is_linear() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let key = server.integration_key("bulk", None).await;
        let partner = create(&server, &key, "res.partner", json!({"name": "ACME"})).await;
        let tag = create(&server, ADMIN_KEY, "crm.tag", json!({"name": "Gold"})).await;
        let order = create(
            &server,
            &key,
            "sale.order",
            json!({"partner_id": partner, "tag_ids": [[6, 0, [tag]]]}),
        )
        .await;
        let too_many: Vec<i64> = (1..=100_001).collect();
        let reply = call(
            &server,
            &key,
            "/api/update_data",
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"tag_ids": [[6, 0, too_many]]}}),
        )
        .await;
        let error = refused(&reply);
        assert_eq!(error["code"], "invalid_value", "{backend:?}");
        assert!(
            error["path"].as_str().unwrap().starts_with("tag_ids"),
            "{reply}"
        );
        assert!(
            error["message"]
                .as_str()
                .unwrap()
                .contains("at most 100000"),
            "{reply}"
        );
        // 100,000 copies of one id: de-duplicated (linearly) into one link.
        let repeated = vec![tag; 100_000];
        let reply = call(
            &server,
            &key,
            "/api/update_data",
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"tag_ids": [[6, 0, repeated]]}}),
        )
        .await;
        ok(&reply);
        // 100,000 ids of which none exists: not found, nothing changed.
        let missing: Vec<i64> = (1_000_000..1_100_000).collect();
        let reply = call(
            &server,
            &key,
            "/api/update_data",
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"tag_ids": [[6, 0, missing]]}}),
        )
        .await;
        assert_eq!(refused(&reply)["code"], "not_found", "{backend:?}");
        let seen = search(
            &server,
            &key,
            "sale.order",
            json!([["id", "=", order]]),
            json!(["tag_ids"]),
        )
        .await;
        assert_eq!(seen[0]["tag_ids"], json!([tag]), "{backend:?}");
    }
}
