//! `call_function`: the seed 002 `action_post` on account.move (with a context), `action_confirm`
//! twice (the second fails its `require`), declared methods only, typed parameters, copy and unlink.

mod common;

use common::*;
use serde_json::json;
use weft_inbound::call::Route;
use weft_store::testing::each_backend;

#[tokio::test]
async fn seed_action_post_on_an_invoice() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let invoice = id_of(&ok(&run(&store, Route::CreateData, "account.move",
            json!({"payload": {"move_type": "out_invoice", "partner_id": {"ref": "C001"}, "date": "2026-01-31",
                               "invoice_line_ids": [{"product_id": {"default_code": "DESK"}, "quantity": 2}]}})).await));
        let outcome = run(
            &store,
            Route::CallFunction,
            "account.move",
            json!({"search_key": {"id": invoice},
                   "payload": {"method": "action_post", "context": {"lang": "th_TH"}}}),
        )
        .await;
        assert_eq!(ok(&outcome), json!(true));
        assert_eq!(outcome.body["messages"], json!("Function 'action_post' called successfully"));
        assert_eq!(outcome.records, vec![invoice]);
        let row = read(&store, "account.move", invoice).await;
        assert_eq!(row["state"], json!("posted"));
        assert_eq!(row["partner_id"][0], json!(f.acme));
        // The posted invoice is found by the seed's search.
        let found = ok(&run(&store, Route::SearchData, "account.move",
            json!({"payload": {"search_field": ["name", "date", "partner_id{name,vat}",
                                                 "invoice_line_ids{product_id{default_code}, quantity}"],
                               "search_domain": "[('move_type','=','out_invoice'),('state','=','posted')]",
                               "limit": 10, "order": "date desc"}})).await);
        assert_eq!(found[0]["date"], json!("2026-01-31"));
        assert_eq!(found[0]["invoice_line_ids"][0]["product_id"], json!([{"id": f.desk, "default_code": "DESK"}]));
    })
    .await;
}

#[tokio::test]
async fn action_confirm_twice_fails_its_requirement_the_second_time() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let order = id_of(&ok(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"}}}),
        )
        .await));
        let vals = json!({"search_key": {"id": order}, "payload": {"method": "action_confirm"}});
        assert_eq!(
            ok(&run(&store, Route::CallFunction, "sale.order", vals.clone()).await),
            json!(true)
        );
        assert_eq!(
            read(&store, "sale.order", order).await["state"],
            json!("sale")
        );
        let error = err(&run(&store, Route::CallFunction, "sale.order", vals).await);
        assert_eq!(error.code, "invalid_value");
        assert!(
            error.message.contains("action_confirm"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains(&order.to_string()),
            "{}",
            error.message
        );
        assert_eq!(
            read(&store, "sale.order", order).await["state"],
            json!("sale")
        );
    })
    .await;
}

#[tokio::test]
async fn only_declared_methods_with_declared_parameters() {
    each_backend(test_registry, async |store, _| {
        let id = create(&store, "webhook.test", json!({"name": "T"})).await;
        let call =
            |payload: serde_json::Value| json!({"search_key": {"id": id}, "payload": payload});
        let cases = [
            (json!({"method": "write"}), "unknown_method"),
            (json!({"method": "unlink"}), "unknown_method"),
            (json!({}), "missing_field"),
            (json!({"method": 3}), "invalid_value"),
            (
                json!({"method": "action_set_quantity", "parameter": {"quantity": "many"}}),
                "invalid_value",
            ),
            (
                json!({"method": "action_set_quantity", "parameter": {"qty": 1}}),
                "invalid_value",
            ),
            (
                json!({"method": "action_set_quantity", "parameter": [1]}),
                "invalid_value",
            ),
            (
                json!({"method": "action_set_quantity", "context": "th_TH"}),
                "invalid_value",
            ),
        ];
        for (payload, code) in cases {
            let error = err(&run(
                &store,
                Route::CallFunction,
                "webhook.test",
                call(payload.clone()),
            )
            .await);
            assert_eq!(error.code, code, "{payload}: {error:?}");
        }
        let error = err(&run(
            &store,
            Route::CallFunction,
            "webhook.test",
            call(json!({"method": "action_set_quantity", "parameter": {"qty": 1}})),
        )
        .await);
        assert_eq!(error.path.as_deref(), Some("parameter.qty"));
        let error = err(&run(
            &store,
            Route::CallFunction,
            "webhook.test",
            json!({"search_key": {"id": id + 100}, "payload": {"method": "action_set_quantity"}}),
        )
        .await);
        assert_eq!(error.code, "not_found");
        let error = err(&run(
            &store,
            Route::CallFunction,
            "webhook.test",
            json!({"payload": {"method": "action_set_quantity"}}),
        )
        .await);
        assert_eq!(error.code, "missing_field");
        ok(&run(
            &store,
            Route::CallFunction,
            "webhook.test",
            call(json!({"method": "action_set_quantity", "parameter": {"quantity": 12}})),
        )
        .await);
        assert_eq!(
            read(&store, "webhook.test", id).await["quantity"],
            json!(12)
        );
    })
    .await;
}

#[tokio::test]
async fn copy_returns_the_new_ids_and_copies_owned_lines() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let order = id_of(&ok(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": f.acme, "tag_ids": [f.vip],
                               "order_line": [{"product_id": f.desk, "product_uom_qty": 3}]}}),
        )
        .await));
        let outcome = run(
            &store,
            Route::CallFunction,
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"method": "action_duplicate"},
                   "callback_url": "https://ext/copy"}),
        )
        .await;
        let copy = ok(&outcome).as_i64().expect("one id");
        assert_ne!(copy, order);
        assert_eq!(outcome.records, vec![copy]);
        let row = read(&store, "sale.order", copy).await;
        assert_eq!(row["name"], json!("SO00002"));
        assert_eq!(row["tag_ids"], json!([f.vip]));
        let line = row["order_line"][0].as_i64().unwrap();
        assert_ne!(
            line,
            read(&store, "sale.order", order).await["order_line"][0]
                .as_i64()
                .unwrap()
        );
        assert_eq!(
            read(&store, "sale.order.line", line).await["product_uom_qty"],
            json!(3.0)
        );
        assert_eq!(callbacks(&store).await[0].res_id, copy);

        let a = create(&store, "webhook.test", json!({"name": "A"})).await;
        let b = create(&store, "webhook.test", json!({"name": "B"})).await;
        let copies = ok(&run(
            &store,
            Route::CallFunction,
            "webhook.test",
            json!({"search_key": {"id": [a, b]}, "payload": {"method": "action_duplicate"}}),
        )
        .await);
        assert_eq!(copies.as_array().unwrap().len(), 2);
        assert_eq!(count(&store, "webhook.test").await, 4);
    })
    .await;
}

#[tokio::test]
async fn unlink_respects_its_requirement() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        let order = id_of(&ok(&run(
            &store,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"}, "order_line": [{"name": "x"}]}}),
        )
        .await));
        ok(&run(
            &store,
            Route::CallFunction,
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"method": "action_confirm"}}),
        )
        .await);
        let vals = json!({"search_key": {"id": order}, "payload": {"method": "unlink"}});
        assert_eq!(
            err(&run(&store, Route::CallFunction, "sale.order", vals.clone()).await).code,
            "invalid_value"
        );
        ok(&run(
            &store,
            Route::CallFunction,
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"method": "action_cancel"}}),
        )
        .await);
        let outcome = run(&store, Route::CallFunction, "sale.order", vals).await;
        assert_eq!(ok(&outcome), json!(true));
        assert!(outcome.records.is_empty());
        assert_eq!(
            (
                count(&store, "sale.order").await,
                count(&store, "sale.order.line").await
            ),
            (0, 0)
        );
    })
    .await;
}
