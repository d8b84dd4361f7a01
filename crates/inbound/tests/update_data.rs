//! `update_data` and `create_update_data`: the seed 002 upsert both ways, every match updated,
//! zero matches `not_found`, lines replaced, attachments and callbacks on every updated record.

mod common;

use common::*;
use serde_json::json;
use weft_inbound::call::Route;
use weft_store::testing::each_backend;

async fn order_with_lines(store: &weft_store::Store, f: &Fixtures, client_ref: &str) -> i64 {
    let vals = json!({"payload": {"partner_id": f.acme, "note": client_ref,
        "order_line": [{"product_id": f.desk}, {"product_id": f.chair}]}});
    id_of(&ok(&run(store, Route::CreateData, "sale.order", vals).await))
}

#[tokio::test]
async fn seed_update_sets_a_customer_by_id_and_adds_a_tag() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let order = order_with_lines(&store, &f, "R1").await;
        let other = create(&store, "res.partner", json!({"name": "Other"})).await;
        create(&store, "crm.tag", json!({"name": "Rush"})).await;
        ok(&run(&store, Route::UpdateData, "sale.order",
            json!({"search_key": {"id": order}, "payload": {"tag_ids": {"mode": "add", "records": [{"name": "VIP"}]}}})).await);
        let outcome = run(
            &store,
            Route::UpdateData,
            "sale.order",
            json!({"search_key": {"id": order},
                   "payload": {"partner_id": {"id": other},
                               "tag_ids": {"mode": "add", "records": [{"name": "Rush"}]}},
                   "callback_url": "https://ext/cb"}),
        )
        .await;
        let result = ok(&outcome);
        assert_eq!(outcome.body["messages"], json!("Record updated successfully"));
        // A search key named id replaces the id list, as in ecosoft.
        assert_eq!(result, json!({"id": order}));
        assert_eq!(outcome.records, vec![order]);
        let row = read(&store, "sale.order", order).await;
        assert_eq!(row["partner_id"][0], json!(other));
        assert_eq!(row["tag_ids"].as_array().unwrap().len(), 2);
        // Lines were not in the payload: untouched.
        assert_eq!(row["order_line"].as_array().unwrap().len(), 2);
        let stored = callbacks(&store).await;
        assert_eq!((stored[0].res_id, stored[0].url.as_str()), (order, "https://ext/cb"));
    })
    .await;
}

#[tokio::test]
async fn update_writes_every_match_and_replaces_their_lines() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let a = order_with_lines(&store, &f, "BATCH").await;
        let b = order_with_lines(&store, &f, "BATCH").await;
        let untouched = order_with_lines(&store, &f, "OTHER").await;
        let lines_before = count(&store, "sale.order.line").await;
        let outcome = run(
            &store,
            Route::UpdateData,
            "sale.order",
            json!({"search_key": {"note": "BATCH"},
                   "payload": {"order_line": [{"product_id": {"default_code": "CHAIR"}, "product_uom_qty": 7,
                                               "attachment_ids": [{"name": "l.txt", "datas": HELLO}]}],
                               "attachment_ids": [{"name": "h.txt", "datas": HELLO}]},
                   "callback_url": "https://ext/cb"}),
        )
        .await;
        let result = ok(&outcome);
        // In the model's default order (date_order desc, id desc).
        assert_eq!(result, json!({"id": [b, a], "note": "BATCH"}));
        for id in [a, b] {
            let row = read(&store, "sale.order", id).await;
            let lines = row["order_line"].as_array().unwrap();
            assert_eq!(lines.len(), 1);
            let line = read(&store, "sale.order.line", lines[0].as_i64().unwrap()).await;
            assert_eq!(line["product_id"][0], json!(f.chair));
            assert_eq!(line["product_uom_qty"], json!(7.0));
            assert_eq!(attachments_of(&store, "sale.order", id).await.len(), 1);
            assert_eq!(attachments_of(&store, "sale.order.line", lines[0].as_i64().unwrap()).await.len(), 1);
        }
        assert_eq!(read(&store, "sale.order", untouched).await["order_line"].as_array().unwrap().len(), 2);
        assert_eq!(count(&store, "sale.order.line").await, lines_before - 4 + 2);
        let mut ids: Vec<i64> = callbacks(&store).await.iter().map(|c| c.res_id).collect();
        ids.sort();
        assert_eq!(ids, vec![a, b]);
        // A list value means `in`; an empty line list deletes every line.
        ok(&run(&store, Route::UpdateData, "sale.order",
            json!({"search_key": {"id": [a, untouched]}, "payload": {"order_line": []}})).await);
        assert_eq!(read(&store, "sale.order", untouched).await["order_line"], json!([]));
        assert_eq!(read(&store, "sale.order", b).await["order_line"].as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn callback_url_is_upserted_per_record() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let order = order_with_lines(&store, &f, "R").await;
        for url in ["https://ext/one", "https://ext/two"] {
            ok(&run(
                &store,
                Route::UpdateData,
                "sale.order",
                json!({"search_key": {"id": order}, "payload": {}, "callback_url": url}),
            )
            .await);
        }
        let stored = callbacks(&store).await;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].url, "https://ext/two");
    })
    .await;
}

#[tokio::test]
async fn update_with_no_match_is_not_found_and_search_key_is_required() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let error = err(&run(
            &store,
            Route::UpdateData,
            "sale.order",
            json!({"search_key": {"name": "SO99999"}, "payload": {"note": "x"}}),
        )
        .await);
        assert_eq!(error.code, "not_found");
        assert_eq!(error.field.as_deref(), Some("search_key"));
        for vals in [
            json!({"payload": {"note": "x"}}),
            json!({"search_key": {}, "payload": {}}),
        ] {
            let error = err(&run(&store, Route::UpdateData, "sale.order", vals).await);
            assert_eq!(error.code, "missing_field");
            assert_eq!(error.field.as_deref(), Some("search_key"));
        }
        let error = err(&run(
            &store,
            Route::UpdateData,
            "sale.order",
            json!({"search_key": {"colour": "red"}, "payload": {}}),
        )
        .await);
        assert_eq!(error.code, "unknown_field");
    })
    .await;
}

#[tokio::test]
async fn create_update_creates_when_nothing_matches_and_updates_otherwise() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let vals = |phone: &str| {
            json!({"search_key": {"ref": "C777"},
                   "payload": {"name": "Globex", "ref": "C777", "phone": phone,
                               "category_id": {"records": []}},
                   "result_field": ["name", "phone"],
                   "callback_url": "https://ext/partner"})
        };
        let created = run(&store, Route::CreateUpdateData, "res.partner", vals("111")).await;
        let result = ok(&created);
        assert_eq!(
            created.body["messages"],
            json!("Record created successfully")
        );
        let id = id_of(&result);
        assert_eq!(result, json!({"id": id, "name": "Globex", "phone": "111"}));
        assert_eq!(created.records, vec![id]);

        let updated = run(&store, Route::CreateUpdateData, "res.partner", vals("222")).await;
        assert_eq!(ok(&updated), json!({"id": [id], "ref": "C777"}));
        assert_eq!(
            updated.body["messages"],
            json!("Record updated successfully")
        );
        assert_eq!(updated.records, vec![id]);
        assert_eq!(read(&store, "res.partner", id).await["phone"], json!("222"));
        assert_eq!(
            search(&store, "res.partner", "[('ref', '=', 'C777')]").await,
            vec![id]
        );
        assert_eq!(callbacks(&store).await.len(), 1);
    })
    .await;
}
