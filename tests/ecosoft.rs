//! Seed 002's request examples and the acceptance cases of ecosoft's test_webhook_utils (research §15)
//! over real HTTP against the real binary, on SQLite and PostgreSQL.

mod support;

use serde_json::{Value, json};
use support::{TestServer, ok};
use weft_store::testing::backends;

async fn id(server: &TestServer, model: &str, payload: Value) -> i64 {
    ok(&server
        .call("/api/create_data", model, json!({"payload": payload}))
        .await)["id"]
        .as_i64()
        .unwrap()
}

async fn search(server: &TestServer, model: &str, payload: Value) -> Value {
    ok(&server
        .call("/api/search_data", model, json!({"payload": payload}))
        .await)
    .clone()
}

fn failed(reply: &Value) -> &Value {
    assert_eq!(reply["result"]["is_success"], json!(false), "{reply}");
    assert!(reply["result"].get("result").is_none(), "{reply}");
    &reply["result"]["error"]
}

#[tokio::test]
async fn seed_002_examples_work_end_to_end() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        id(
            &server,
            "product.product",
            json!({"name": "Product A", "default_code": "PA"}),
        )
        .await;
        id(&server, "crm.tag", json!({"name": "Existing"})).await;

        // create_data: customer by name (auto-created), lines by product name, tags, attachments,
        // result_field and callback_url.
        let created = server
            .call(
                "/api/create_data",
                "sale.order",
                json!({
                    "callback_url": "https://ext-system/webhook/so-status",
                    "payload": {
                        "partner_id": {"name": "ABC Co."},
                        "tag_ids": {"mode": "replace", "records": [{"name": "Existing"}, {"name": "Tag1"}]},
                        "order_line": [{"product_id": {"name": "Product A"}, "product_uom_qty": 1,
                                        "attachment_ids": [{"name": "line.txt", "datas": "SGVsbG8gV29ybGQ="}]}],
                        "attachment_ids": [{"name": "po.txt", "datas": "SGVsbG8gV29ybGQ="}]
                    },
                    "auto_create": {"partner_id": {"name": "ABC Co."}, "tag_ids": [{"name": "Tag1"}]},
                    "result_field": ["name", "state"]
                }),
            )
            .await;
        assert_eq!(
            created["result"]["messages"],
            json!("Record created successfully")
        );
        let order = ok(&created).clone();
        assert_eq!(
            (&order["name"], &order["state"]),
            (&json!("SO00001"), &json!("draft"))
        );
        let order_id = order["id"].as_i64().unwrap();

        // search_data with expansion, a Python-literal domain, order and limit.
        let found = search(
            &server,
            "sale.order",
            json!({"search_field": ["name", "partner_id{name}", "tag_ids{name}", "order_line{product_id{default_code}, product_uom_qty}"],
                   "search_domain": "[('state', '=', 'draft')]", "limit": 10, "order": "name desc"}),
        )
        .await;
        let row = &found[0];
        assert_eq!(row["id"], json!(order_id));
        assert_eq!(
            row["partner_id"][0]["name"],
            json!("ABC Co."),
            "an expanded many2one is a list of one dict"
        );
        let tags: Vec<&Value> = row["tag_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| &t["name"])
            .collect();
        assert_eq!(tags, [&json!("Existing"), &json!("Tag1")]);
        assert_eq!(
            row["order_line"][0]["product_id"],
            json!([{"id": 1, "default_code": "PA"}])
        );
        assert_eq!(row["order_line"][0]["product_uom_qty"], json!(1.0));

        // update_data: many2one by id, many2many add.
        let partner = row["partner_id"][0]["id"].as_i64().unwrap();
        let updated = server
            .call("/api/update_data", "sale.order", json!({"search_key": {"name": "SO00001"}, "payload": {"partner_id": {"id": partner}, "tag_ids": {"mode": "add", "records": [{"name": "Existing"}]}, "note": "<p>rush</p>"}}))
            .await;
        assert_eq!(
            updated["result"]["messages"],
            json!("Record updated successfully")
        );
        assert_eq!(ok(&updated), &json!({"id": [order_id], "name": "SO00001"}));

        // create_update_data both ways.
        let upsert = |name: &str| json!({"search_key": {"ref": "C001"}, "payload": {"name": name, "ref": "C001"}, "result_field": ["name"]});
        let first = server
            .call("/api/create_update_data", "res.partner", upsert("First"))
            .await;
        assert_eq!(ok(&first)["name"], json!("First"));
        let second = server
            .call("/api/create_update_data", "res.partner", upsert("Second"))
            .await;
        assert_eq!(ok(&second)["id"], json!([ok(&first)["id"]]));
        assert_eq!(
            search(
                &server,
                "res.partner",
                json!({"search_field": ["name"], "search_domain": [["ref", "=", "C001"]]})
            )
            .await,
            json!([{"id": ok(&first)["id"], "name": "Second"}])
        );

        // call_function: action_post with a context, on account.move.
        let mv = id(
            &server,
            "account.move",
            json!({"move_type": "out_invoice", "partner_id": partner}),
        )
        .await;
        let posted = server.call("/api/call_function", "account.move", json!({"search_key": {"id": mv}, "payload": {"method": "action_post", "context": {"lang": "th_TH"}}})).await;
        assert_eq!(
            posted["result"]["messages"],
            json!("Function 'action_post' called successfully")
        );
        let again = server
            .call(
                "/api/call_function",
                "account.move",
                json!({"search_key": {"id": mv}, "payload": {"method": "action_post"}}),
            )
            .await;
        assert_eq!(
            failed(&again)["code"],
            json!("invalid_value"),
            "its require no longer holds"
        );
        let undeclared = server
            .call(
                "/api/call_function",
                "account.move",
                json!({"search_key": {"id": mv}, "payload": {"method": "unlink_all"}}),
            )
            .await;
        assert_eq!(failed(&undeclared)["code"], json!("unknown_method"));
    }
}

#[tokio::test]
async fn a_failed_call_names_the_path_and_leaves_nothing_behind() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        id(&server, "res.partner", json!({"name": "ACME"})).await;
        id(
            &server,
            "product.product",
            json!({"name": "Desk", "default_code": "DESK"}),
        )
        .await;
        let reply = server
            .call(
                "/api/create_data",
                "sale.order",
                json!({
                    "callback_url": "https://erp.example.com/so",
                    "payload": {
                        "partner_id": {"name": "ACME"},
                        "attachment_ids": [{"name": "po.txt", "datas": "SGVsbG8="}],
                        "order_line": [
                            {"product_id": {"default_code": "DESK"}},
                            {"product_id": {"default_code": "DESK"}},
                            {"product_id": {"default_code": "NOPE"}}
                        ]
                    }
                }),
            )
            .await;
        let error = failed(&reply);
        assert_eq!(error["code"], json!("not_found"));
        assert_eq!(error["path"], json!("order_line[2].product_id"));
        assert_eq!(error["field"], json!("product_id"));
        assert!(
            reply["result"]["messages"]
                .as_str()
                .unwrap()
                .contains("NOPE"),
            "{reply}"
        );
        assert_eq!(search(&server, "sale.order", json!({})).await, json!([]));
        assert_eq!(
            search(&server, "sale.order.line", json!({})).await,
            json!([])
        );
        assert_eq!(
            search(&server, "res.partner", json!({"search_field": ["name"]}))
                .await
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
}

/// ecosoft tests/test_webhook_utils.py 01-07, on demo models.
#[tokio::test]
async fn ecosoft_acceptance_cases() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        // 01 create_data from a plain payload.
        let partner = id(
            &server,
            "res.partner",
            json!({"name": "Test Partner", "email": "t@example.com"}),
        )
        .await;
        // 02 update_data by id.
        let updated = server
            .call(
                "/api/update_data",
                "res.partner",
                json!({"search_key": {"id": partner}, "payload": {"email": "new@example.com"}}),
            )
            .await;
        assert_eq!(ok(&updated), &json!({"id": partner}));
        // 03 search_data with a string domain and limit 1.
        let found = search(&server, "res.partner", json!({"search_field": ["email"], "search_domain": "[('name', '=', 'Test Partner')]", "limit": 1})).await;
        assert_eq!(found, json!([{"id": partner, "email": "new@example.com"}]));
        // 04 many2one by name with auto_create; 04b by id.
        let child = server
            .call("/api/create_data", "res.partner", json!({"payload": {"name": "Child", "parent_id": {"name": "Test New Parent"}}, "auto_create": {"parent_id": {"name": "Test New Parent"}}}))
            .await;
        ok(&child);
        let by_id = server.call("/api/create_data", "res.partner", json!({"payload": {"name": "Child 2", "parent_id": {"id": partner}}, "result_field": ["parent_id"]})).await;
        assert_eq!(ok(&by_id)["parent_id"], json!([partner, "Test Partner"]));
        // 04c-f many2many add, replace, default mode, invalid mode.
        let a = id(&server, "res.partner.category", json!({"name": "A"})).await;
        let b = id(&server, "res.partner.category", json!({"name": "B"})).await;
        let tags = |value: Value| json!({"search_key": {"id": partner}, "payload": {"category_id": value}});
        ok(&server
            .call(
                "/api/update_data",
                "res.partner",
                tags(json!({"mode": "add", "records": [{"name": "A"}, {"name": "B"}]})),
            )
            .await);
        let read = async || {
            search(
                &server,
                "res.partner",
                json!({"search_field": ["category_id"], "search_domain": [["id", "=", partner]]}),
            )
            .await[0]["category_id"]
                .clone()
        };
        assert_eq!(read().await, json!([a, b]));
        ok(&server
            .call(
                "/api/update_data",
                "res.partner",
                tags(json!({"mode": "replace", "records": [{"name": "B"}]})),
            )
            .await);
        assert_eq!(read().await, json!([b]));
        ok(&server
            .call(
                "/api/update_data",
                "res.partner",
                tags(json!({"records": [{"name": "A"}]})),
            )
            .await);
        assert_eq!(read().await, json!([a]), "replace is the default mode");
        let upsert = server
            .call(
                "/api/update_data",
                "res.partner",
                tags(json!({"mode": "upsert", "records": [{"name": "A"}]})),
            )
            .await;
        assert_eq!(failed(&upsert)["code"], json!("invalid_value"));
        // 05 an attachment on the created record.
        ok(&server.call("/api/create_data", "res.partner", json!({"payload": {"name": "With file", "attachment_ids": [{"name": "test.txt", "datas": "SGVsbG8gV29ybGQ="}]}})).await);
        // 06 call_function with an empty parameter.
        let order = ok(&server
            .call(
                "/api/create_data",
                "sale.order",
                json!({"payload": {"partner_id": partner}}),
            )
            .await)["id"]
            .as_i64()
            .unwrap();
        let confirmed = server.call("/api/call_function", "sale.order", json!({"search_key": {"id": order}, "payload": {"method": "action_confirm", "parameter": {}}})).await;
        assert_eq!(ok(&confirmed), &json!(true));
        // 07 update_data without search_key.
        let missing = server
            .call(
                "/api/update_data",
                "res.partner",
                json!({"payload": {"name": "x"}}),
            )
            .await;
        let error = failed(&missing);
        assert_eq!(error["code"], json!("missing_field"));
        assert!(
            error["message"].as_str().unwrap().contains("search_key"),
            "{missing}"
        );
        // Weft differs from ecosoft: an update that matches nothing is not_found.
        let nothing = server
            .call(
                "/api/update_data",
                "res.partner",
                json!({"search_key": {"ref": "none"}, "payload": {"name": "x"}}),
            )
            .await;
        assert_eq!(failed(&nothing)["code"], json!("not_found"));
    }
}
