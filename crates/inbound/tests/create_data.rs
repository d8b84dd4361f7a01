//! `create_data`: the seed 002 sale order (customer lookup, lines with product lookups, tags,
//! attachments at header and line level, auto_create, result_field, callback_url) and the rule that
//! a failed call leaves nothing behind.

mod common;

use common::*;
use serde_json::json;
use weft_inbound::call::Route;
use weft_store::testing::each_backend;

#[tokio::test]
async fn seed_sale_order_is_created_with_lookups_lines_tags_attachments_and_callback() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let outcome = run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({
                "callback_url": "https://ext-system/webhook/so-status",
                "payload": {
                    "partner_id": {"name": "ACME"},
                    "date_order": "2026-11-22 09:30:00",
                    "tag_ids": {"mode": "replace", "records": [{"name": "VIP"}, {"name": "Export"}]},
                    "attachment_ids": [{"name": "po.pdf", "datas": HELLO}],
                    "order_line": [
                        {"product_id": {"default_code": "DESK"}, "product_uom_qty": 2, "price_unit": 120.0,
                         "attachment_ids": [{"name": "spec.txt", "datas": "bGluZSAw"}]},
                        {"product_id": {"name": "Chair"}, "product_uom_qty": 4},
                        {"name": "Delivery", "price_unit": 10,
                         "attachment_ids": [{"name": "map.png", "datas": HELLO}]}
                    ]
                },
                "result_field": ["name", "state", "partner_id"]
            }),
        )
        .await;
        let result = ok(&outcome);
        assert_eq!(outcome.body["messages"], json!("Record created successfully"));
        let id = id_of(&result);
        assert_eq!(outcome.records, vec![id]);
        assert_eq!(result["name"], json!("SO00001"));
        assert_eq!(result["state"], json!("draft"));
        assert_eq!(result["partner_id"], json!([f.acme, "ACME"]));

        let order = read(&store, "sale.order", id).await;
        assert_eq!(order["partner_id"], json!([f.acme, "ACME"]));
        assert_eq!(order["tag_ids"], json!([f.vip, f.export]));
        let lines = order["order_line"].as_array().unwrap().clone();
        assert_eq!(lines.len(), 3);
        let line = |i: usize| lines[i].as_i64().unwrap();
        let first = read(&store, "sale.order.line", line(0)).await;
        assert_eq!(first["product_id"], json!([f.desk, "Desk"]));
        assert_eq!(first["product_uom_qty"], json!(2.0));
        let second = read(&store, "sale.order.line", line(1)).await;
        assert_eq!(second["product_id"], json!([f.chair, "Chair"]));

        // Header file on the order, line files on the lines created from the same position.
        let header = attachments_of(&store, "sale.order", id).await;
        assert_eq!(header.len(), 1);
        assert_eq!(header[0].name, "po.pdf");
        assert_eq!(header[0].mimetype.as_deref(), Some("application/pdf"));
        assert_eq!(header[0].file_size, 11);
        assert_eq!(blob_data(&store, &header[0].blob_sha256).await, b"Hello World");
        let on_first = attachments_of(&store, "sale.order.line", line(0)).await;
        assert_eq!(on_first.len(), 1);
        assert_eq!(on_first[0].name, "spec.txt");
        assert_eq!(blob_data(&store, &on_first[0].blob_sha256).await, b"line 0");
        assert!(attachments_of(&store, "sale.order.line", line(1)).await.is_empty());
        let on_third = attachments_of(&store, "sale.order.line", line(2)).await;
        assert_eq!(on_third[0].mimetype.as_deref(), Some("image/png"));
        // The same bytes twice are one blob.
        assert_eq!(on_third[0].blob_sha256, header[0].blob_sha256);
        let counts = footprint(&store).await;
        assert_eq!((counts.attachments, counts.blobs), (3, 2));

        let stored = callbacks(&store).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(
            (stored[0].res_model.as_str(), stored[0].res_id, stored[0].url.as_str()),
            ("sale.order", id, "https://ext-system/webhook/so-status")
        );
    })
    .await;
}

#[tokio::test]
async fn research_example_auto_creates_the_customer_and_adds_tags() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let vals = json!({
            "callback_url": "https://ext/webhook/so",
            "payload": {"partner_id": {"ref": "C002"}, "company_id": 1,
                "tag_ids": {"mode": "add", "records": [{"name": "VIP"}]},
                "order_line": [{"product_id": {"default_code": "DESK"}, "product_uom_qty": 2,
                                "attachment_ids": [{"name": "spec.pdf", "datas": HELLO}]}]},
            "auto_create": {"partner_id": {"name": "New Customer", "ref": "C002"}},
            "result_field": ["name", "state"]
        });
        let first = ok(&run(&store, Route::CreateData, "sale.order", vals.clone()).await);
        let created = search(&store, "res.partner", "[('ref', '=', 'C002')]").await;
        assert_eq!(created.len(), 1);
        let order = read(&store, "sale.order", id_of(&first)).await;
        assert_eq!(order["partner_id"], json!([created[0], "New Customer"]));
        assert_eq!(order["tag_ids"], json!([f.vip]));
        assert_eq!(first["state"], json!("draft"));
        // The second time the customer exists: found, not created again.
        ok(&run(&store, Route::CreateData, "sale.order", vals).await);
        assert_eq!(
            search(&store, "res.partner", "[('ref', '=', 'C002')]")
                .await
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn auto_create_applies_at_every_depth_and_only_for_what_it_covers() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let outcome = run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({
                "payload": {"partner_id": {"name": "ACME"},
                    "tag_ids": {"records": [{"name": "VIP"}, {"name": "New tag"}]},
                    "order_line": [
                        {"product_id": {"default_code": "LAMP"}},
                        {"product_id": {"default_code": "LAMP"}},
                        {"product_id": {"default_code": "DESK"}}
                    ]},
                "auto_create": {
                    "product_id": [{"name": "Lamp", "default_code": "LAMP"}, {"name": "Rug", "default_code": "RUG"}],
                    "tag_ids": {"name": "New tag"}
                }
            }),
        )
        .await;
        ok(&outcome);
        assert_eq!(search(&store, "product.product", "[('default_code', '=', 'LAMP')]").await.len(), 1);
        assert!(search(&store, "product.product", "[('default_code', '=', 'RUG')]").await.is_empty());
        assert_eq!(search(&store, "crm.tag", "[('name', '=', 'New tag')]").await.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn unknown_product_in_the_third_line_fails_and_leaves_nothing_behind() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let before = footprint(&store).await;
        let outcome = run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({
                "callback_url": "https://ext/webhook/so",
                "payload": {"partner_id": {"name": "Brand new"},
                    "attachment_ids": [{"name": "po.pdf", "datas": "UE8gZmlsZQ=="}],
                    "order_line": [
                        {"product_id": {"default_code": "DESK"}, "attachment_ids": [{"name": "a.txt", "datas": "bGluZQ=="}]},
                        {"product_id": {"default_code": "CHAIR"}},
                        {"product_id": {"default_code": "NOPE"}}
                    ]},
                "auto_create": {"partner_id": {"name": "Brand new"}}
            }),
        )
        .await;
        let error = err(&outcome);
        assert_eq!(error.code, "not_found");
        assert_eq!(error.path.as_deref(), Some("order_line[2].product_id"));
        assert_eq!(error.field.as_deref(), Some("product_id"));
        assert!(error.message.contains("NOPE"), "{}", error.message);
        assert!(outcome.records.is_empty());
        // Not even the auto-created customer survives.
        assert_eq!(footprint(&store).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_failure_inside_the_write_rolls_back_the_order_lines_and_everything_else() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let before = footprint(&store).await;
        // A bare id is checked by the store, after the order row and the first lines are written.
        let outcome = run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({
                "callback_url": "https://ext/webhook/so",
                "payload": {"partner_id": f.acme,
                    "attachment_ids": [{"name": "po.pdf", "datas": "UE8gZmlsZQ=="}],
                    "order_line": [{"product_id": f.desk}, {"product_id": f.chair}, {"product_id": 999_999}]},
            }),
        )
        .await;
        let error = err(&outcome);
        assert_eq!(error.code, "invalid_value");
        assert_eq!(error.path.as_deref(), Some("order_line[2].product_id"));
        assert_eq!(footprint(&store).await, before);
    })
    .await;
}

#[tokio::test]
async fn several_matches_for_a_many2one_is_multiple_matches() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        create(&store, "res.partner", json!({"name": "ACME"})).await;
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"}}}),
        )
        .await);
        assert_eq!(error.code, "multiple_matches");
        assert_eq!(error.path.as_deref(), Some("partner_id"));
        assert!(error.message.contains("ACME"), "{}", error.message);
        // All pairs are ANDed: adding the ref makes it unique.
        ok(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME", "ref": "C001"}}}),
        )
        .await);
    })
    .await;
}

#[tokio::test]
async fn many2many_names_every_missing_value_in_one_error() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let before = footprint(&store).await;
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"},
                "tag_ids": {"mode": "add", "records": [{"name": "VIP"}, {"name": "Gold"}, {"name": "Export"}, {"name": "Silver"}]}}}),
        )
        .await);
        assert_eq!(error.code, "not_found");
        assert_eq!(error.path.as_deref(), Some("tag_ids"));
        assert!(error.message.contains("Gold") && error.message.contains("Silver"), "{}", error.message);
        assert!(!error.message.contains("VIP"), "{}", error.message);
        assert_eq!(footprint(&store).await, before);

        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"}, "tag_ids": {"mode": "upsert", "records": []}}}),
        )
        .await);
        assert_eq!(error.code, "invalid_value");
        assert_eq!(error.path.as_deref(), Some("tag_ids.mode"));
    })
    .await;
}

#[tokio::test]
async fn plain_ids_and_command_lists_pass_through() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let result = ok(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": f.acme, "tag_ids": [f.export],
                "order_line": [[0, 0, {"product_id": f.desk, "product_uom_qty": 3}]]}}),
        )
        .await);
        let order = read(&store, "sale.order", id_of(&result)).await;
        assert_eq!(order["tag_ids"], json!([f.export]));
        assert_eq!(order["order_line"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn unknown_keys_are_refused_unless_ignored() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let vals = json!({"payload": {"partner_id": {"name": "ACME"}, "x_legacy": 1,
            "order_line": [{"product_id": {"default_code": "DESK"}, "x_color": "red"}]}});
        let error = err(&run(&store, Route::CreateData, "sale.order", vals.clone()).await);
        assert_eq!(error.code, "unknown_field");
        assert_eq!(error.path.as_deref(), Some("order_line[0].x_color"));
        let settings = weft_inbound::call::CallSettings {
            ignore_unknown_fields: true,
            ..Default::default()
        };
        let outcome = run_as(
            &store,
            &weft_store::Env::superuser(),
            Route::CreateData,
            "sale.order",
            vals,
            &settings,
        )
        .await;
        ok(&outcome);
        // A lookup by a field the comodel lacks is unknown too.
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"code": "C001"}}}),
        )
        .await);
        assert_eq!(error.code, "unknown_field");
        assert_eq!(error.path.as_deref(), Some("partner_id.code"));
    })
    .await;
}

#[tokio::test]
async fn system_and_read_only_fields_and_bad_scalars_are_invalid_values() {
    each_backend(test_registry, async |store, _| {
        for (payload, path) in [
            (json!({"name": "x", "id": 5}), "id"),
            (
                json!({"name": "x", "create_date": "2026-01-01 00:00:00"}),
                "create_date",
            ),
            (json!({"name": "x", "write_uid": 1}), "write_uid"),
            (json!({"name": "x", "locked_code": "L1"}), "locked_code"),
            (json!({"name": "x", "quantity": "three"}), "quantity"),
            (json!({"name": "x", "subtype_id": "Retail"}), "subtype_id"),
        ] {
            let error = err(&run(
                &store,
                Route::CreateData,
                "webhook.test",
                json!({"payload": payload}),
            )
            .await);
            assert_eq!(error.code, "invalid_value", "{path}: {error:?}");
            assert_eq!(error.path.as_deref(), Some(path));
            assert_eq!(error.field.as_deref(), Some(path));
        }
        assert_eq!(count(&store, "webhook.test").await, 0);
    })
    .await;
}

#[tokio::test]
async fn result_field_callback_url_and_request_limits_are_checked() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let base = json!({"partner_id": {"name": "ACME"}});
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": base, "result_field": ["name", "colour"]}),
        )
        .await);
        assert_eq!(error.code, "unknown_field");
        for bad in [
            json!("ftp://x/y"),
            json!("https://"),
            json!(42),
            json!("https://a b"),
        ] {
            let error = err(&run(
                &store,
                Route::CreateData,
                "sale.order",
                json!({"payload": base, "callback_url": bad}),
            )
            .await);
            assert_eq!(error.code, "invalid_value");
            assert_eq!(error.field.as_deref(), Some("callback_url"));
        }
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "AC\u{0}ME"}}}),
        )
        .await);
        assert_eq!(error.code, "invalid_value");
        assert_eq!(error.path.as_deref(), Some("partner_id.name"));
        let mut deep = json!("x");
        for _ in 0..70 {
            deep = json!([deep]);
        }
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"note": deep}}),
        )
        .await);
        assert_eq!(error.code, "invalid_value");
        assert!(error.message.contains("64"), "{}", error.message);
        let error = err(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"},
                   "attachment_ids": [{"name": "a.txt", "datas": "%%%"}]}}),
        )
        .await);
        assert_eq!(error.code, "invalid_value");
        assert_eq!(error.path.as_deref(), Some("attachment_ids[0].datas"));
        let error = err(&run(&store, Route::CreateData, "sale.order", json!({})).await);
        assert_eq!(error.code, "missing_field");
        let error = err(&run(
            &store,
            Route::CreateData,
            "no.such.model",
            json!({"payload": {}}),
        )
        .await);
        assert_eq!(error.code, "unknown_model");
        assert_eq!(count(&store, "sale.order").await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_outcome_future_is_send() {
    // The server runs calls on a multi-threaded runtime.
    fn assert_send<T: Send>(_: T) {}
    each_backend(test_registry, async |store, _| {
        let env = weft_store::Env::superuser();
        let settings = weft_inbound::call::CallSettings::default();
        let vals = obj(json!({}));
        assert_send(weft_inbound::call::run(
            &store,
            &env,
            Route::SearchData,
            "sale.order",
            &vals,
            &settings,
        ));
    })
    .await;
}
