//! `search_data`: the seed 002 search with `partner_id{name,vat}` and
//! `order_line{product_id{default_code}, product_uom_qty}`, the domain as a Python-literal string
//! and as a JSON array, limit, offset, order, and the errors of each.

mod common;

use common::*;
use serde_json::{Value, json};
use weft_inbound::call::Route;
use weft_store::testing::each_backend;

/// Three orders: SO00001 (ACME, Desk x2 + Chair x1), SO00002 (ACME, no lines), SO00003 (Globex,
/// Chair x5, confirmed).
async fn orders(store: &weft_store::Store) -> (Fixtures, Vec<i64>) {
    let f = fixtures(store).await;
    create(store, "res.partner", json!({"name": "Globex"})).await;
    let mut ids = Vec::new();
    for (partner, date, lines) in [
        (
            "ACME",
            "2026-01-01 10:00:00",
            json!([{"product_id": {"default_code": "DESK"}, "product_uom_qty": 2},
                                                {"product_id": {"default_code": "CHAIR"}, "product_uom_qty": 1}]),
        ),
        ("ACME", "2026-01-02 10:00:00", json!([])),
        (
            "Globex",
            "2026-01-03 10:00:00",
            json!([{"product_id": {"default_code": "CHAIR"}, "product_uom_qty": 5}]),
        ),
    ] {
        let vals = json!({"payload": {"partner_id": {"name": partner}, "date_order": date, "order_line": lines}});
        ids.push(id_of(&ok(&run(
            store,
            Route::CreateData,
            "sale.order",
            vals,
        )
        .await)));
    }
    ok(&run(
        store,
        Route::CallFunction,
        "sale.order",
        json!({"search_key": {"id": ids[2]}, "payload": {"method": "action_confirm"}}),
    )
    .await);
    (f, ids)
}

fn search_vals(payload: Value) -> Value {
    json!({"payload": payload})
}

#[tokio::test]
async fn seed_search_expands_relations_at_any_depth() {
    each_backend(test_registry, async |store, _| {
        let (f, ids) = orders(&store).await;
        let outcome = run(
            &store,
            Route::SearchData,
            "sale.order",
            search_vals(json!({
                "search_field": ["name", "state", "partner_id{name,vat}",
                                 "order_line{product_id{default_code}, product_uom_qty}", "tag_ids"],
                "search_domain": "[('partner_id.name', '=', 'ACME'), ('state', 'in', ('draft', 'sent'))]",
                "limit": 10,
                "order": "name asc"
            })),
        )
        .await;
        let result = ok(&outcome);
        assert_eq!(outcome.body["messages"], json!("Record search successfully"));
        let rows = result.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        let first = &rows[0];
        assert_eq!(first["id"], json!(ids[0]));
        assert_eq!(first["name"], json!("SO00001"));
        assert_eq!(first["state"], json!("draft"));
        assert_eq!(first["tag_ids"], json!([]));
        assert_eq!(first["partner_id"], json!([{"id": f.acme, "name": "ACME", "vat": "TH123"}]));
        let lines = first["order_line"].as_array().unwrap();
        assert_eq!(lines.len(), 2);
        // Lines in the line model's order (order_id, id), each with id and the sub-fields.
        assert_eq!(lines[0]["product_id"], json!([{"id": f.desk, "default_code": "DESK"}]));
        assert_eq!(lines[0]["product_uom_qty"], json!(2.0));
        assert_eq!(lines[1]["product_id"], json!([{"id": f.chair, "default_code": "CHAIR"}]));
        assert_eq!(lines[0].as_object().unwrap().len(), 3);
        assert_eq!(rows[1]["order_line"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn domain_as_json_array_limit_offset_and_order() {
    each_backend(test_registry, async |store, _| {
        let (_, ids) = orders(&store).await;
        let names = |result: &Value| -> Vec<String> {
            result.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()
        };
        let all = ok(&run(&store, Route::SearchData, "sale.order",
            search_vals(json!({"search_field": ["name"], "search_domain": [["partner_id", "!=", false]],
                               "order": "date_order desc"}))).await);
        assert_eq!(names(&all), ["SO00003", "SO00002", "SO00001"]);
        let page = ok(&run(&store, Route::SearchData, "sale.order",
            search_vals(json!({"search_field": ["name"], "search_domain": [], "order": "name",
                               "limit": 1, "offset": 1}))).await);
        assert_eq!(names(&page), ["SO00002"]);
        let offset_only = ok(&run(&store, Route::SearchData, "sale.order",
            search_vals(json!({"search_field": ["name"], "order": "name", "offset": 2}))).await);
        assert_eq!(names(&offset_only), ["SO00003"]);
        // The model's default order (date_order desc) when none is given; prefix operators work.
        let either = ok(&run(&store, Route::SearchData, "sale.order",
            search_vals(json!({"search_field": ["name"],
                               "search_domain": "['|', ('state', '=', 'sale'), ('order_line', '=', False)]"}))).await);
        assert_eq!(names(&either), ["SO00003", "SO00002"]);
        // No search_field: every field in read() format.
        let whole = ok(&run(&store, Route::SearchData, "sale.order",
            search_vals(json!({"search_domain": [["id", "=", ids[0]]]}))).await);
        let row = &whole[0];
        assert_eq!(row["partner_id"][1], json!("ACME"));
        assert_eq!(row["order_line"].as_array().unwrap().len(), 2);
        assert!(row.get("amount_total").is_some() && row.get("create_date").is_some());
    })
    .await;
}

#[tokio::test]
async fn empty_braces_expand_every_field_and_many2one_may_be_empty() {
    each_backend(test_registry, async |store, _| {
        orders(&store).await;
        let result = ok(&run(
            &store,
            Route::SearchData,
            "sale.order",
            search_vals(
                json!({"search_field": ["name", "currency_id{}", "partner_id{}",
                                                "order_line{order_id{partner_id{name}}}"],
                               "order": "name", "limit": 1}),
            ),
        )
        .await);
        let row = &result[0];
        assert_eq!(row["currency_id"], json!([]));
        let partner = &row["partner_id"][0];
        assert_eq!(partner["name"], json!("ACME"));
        assert!(partner.get("email").is_some() && partner.get("category_id").is_some());
        assert_eq!(
            row["order_line"][1]["order_id"][0]["partner_id"][0]["name"],
            json!("ACME")
        );
    })
    .await;
}

#[tokio::test]
async fn search_errors_are_named() {
    each_backend(test_registry, async |store, _| {
        orders(&store).await;
        let cases = [
            (
                json!({"search_domain": "[('name', '=', 'x'"}),
                "invalid_domain",
            ),
            (
                json!({"search_domain": [["nope", "=", 1]]}),
                "invalid_domain",
            ),
            (json!({"search_domain": 5}), "invalid_domain"),
            (
                json!({"order": "name; DROP TABLE sale_order"}),
                "invalid_order",
            ),
            (json!({"order": "colour desc"}), "invalid_order"),
            (json!({"limit": -1}), "invalid_value"),
            (json!({"limit": 2_147_483_649u64}), "invalid_value"),
            (json!({"offset": "1"}), "invalid_value"),
            (
                json!({"search_field": ["partner_id{name"]}),
                "invalid_value",
            ),
            (json!({"search_field": ["name{x}"]}), "invalid_value"),
            (
                json!({"search_field": ["partner_id{colour}"]}),
                "unknown_field",
            ),
            (
                json!({"search_field": ["r{r{r{r{r{r{r{r{r{x}}}}}}}}}"]}),
                "invalid_value",
            ),
        ];
        for (payload, code) in cases {
            let error = err(&run(
                &store,
                Route::SearchData,
                "sale.order",
                search_vals(payload.clone()),
            )
            .await);
            assert_eq!(error.code, code, "{payload}: {error:?}");
        }
        let error = err(&run(
            &store,
            Route::SearchData,
            "sale.order",
            search_vals(json!({"search_domain": "[('name', '=', 'x'"})),
        )
        .await);
        assert!(error.message.contains("position"), "{}", error.message);
        assert_eq!(error.field.as_deref(), Some("search_domain"));
        let error = err(&run(
            &store,
            Route::SearchData,
            "sale.order",
            search_vals(json!({"search_field": ["partner_id{name,}"]})),
        )
        .await);
        assert!(error.message.contains("position 16"), "{}", error.message);
        // The domain crate refuses more than 1,000 leaves.
        let leaves: Vec<Value> = (0..1001).map(|i| json!(["id", "!=", i])).collect();
        let error = err(&run(
            &store,
            Route::SearchData,
            "sale.order",
            search_vals(json!({"search_domain": leaves})),
        )
        .await);
        assert_eq!(error.code, "invalid_domain");
        // A term Odoo refuses (`in` with a lone string on a char field) names its position.
        let error = err(&run(
            &store,
            Route::SearchData,
            "sale.order",
            search_vals(json!({"search_domain": [["name", "!=", false], ["name", "in", "x"]]})),
        )
        .await);
        assert_eq!(error.code, "invalid_domain");
        assert!(error.message.contains("term 1"), "{}", error.message);
        assert!(
            ok(&run(
                &store,
                Route::SearchData,
                "sale.order",
                search_vals(json!({"search_domain": "[('name', '=', 'none')]"}))
            )
            .await)
                == json!([])
        );
    })
    .await;
}
