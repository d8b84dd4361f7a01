//! Create and write: Odoo's read format, failed creates, bad payloads with the field named,
//! ondelete rules, x2many commands.

use crate::{count, create, fixtures, vals};
use serde_json::{Map, Value, json};
use weft_registry::Registry;
use weft_store::testing::each_backend;
use weft_store::{ChangeKind, Env, StoreError};

#[tokio::test]
async fn sale_order_with_three_lines_reads_back_in_odoo_format_and_changes_show_before_and_after() {
    each_backend(Registry::demo, async |store, _| {
        let (partner, desk, chair, tag) = fixtures(&store).await;
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let order = tx
            .create(
                "sale.order",
                &vals(json!({
                    "partner_id": partner,
                    "date_order": "2026-11-22 09:30:00",
                    "tag_ids": [[6, 0, [tag]]],
                    "order_line": [
                        [0, 0, {"product_id": desk, "product_uom_qty": 2, "price_unit": 120.0}],
                        [0, 0, {"product_id": chair, "price_unit": 45.5}],
                        [0, 0, {"name": "Delivery"}],
                    ],
                })),
            )
            .await
            .unwrap();
        let created = tx.commit().await.unwrap();
        assert_eq!(created.of_model("sale.order").count(), 1);
        assert_eq!(created.of_model("sale.order.line").count(), 3);

        let tx = store.begin_read(&Env::superuser()).await.unwrap();
        let read = tx.read("sale.order", &[order], &[]).await.unwrap();
        let record = &read[0];
        assert_eq!(record["id"], json!(order));
        assert_eq!(record["name"], json!("SO00001"));
        assert_eq!(record["partner_id"], json!([partner, "ACME"]));
        assert_eq!(record["state"], json!("draft"));
        assert_eq!(record["date_order"], json!("2026-11-22 09:30:00"));
        assert_eq!(record["tag_ids"], json!([tag]));
        assert_eq!(record["order_line"].as_array().unwrap().len(), 3);
        assert_eq!(record["note"], json!(false), "empty html reads as false");
        assert_eq!(record["currency_id"], json!(false), "empty many2one reads as false");
        assert_eq!(record["amount_total"], json!(0.0), "unset monetary reads as 0");
        assert_eq!(record["company_id"], json!([1, "My Company"]));
        let lines: Vec<i64> = record["order_line"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let line_rows = tx.read("sale.order.line", &lines, &["product_id", "product_uom_qty", "name"]).await.unwrap();
        assert_eq!(Value::Object(line_rows[0].clone()), json!({"id": lines[0], "product_id": [desk, "Desk"], "product_uom_qty": 2.0, "name": false}));
        assert_eq!(line_rows[1]["product_uom_qty"], json!(1.0), "the field default applies");
        assert_eq!(line_rows[2]["product_id"], json!(false));
        tx.rollback().await.unwrap();

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.write("sale.order", &[order], &vals(json!({"state": "sale", "note": "<p>Rush</p>"}))).await.unwrap();
        let changes = tx.commit().await.unwrap();
        let change = changes.get("sale.order", order).unwrap();
        assert_eq!(change.kind, ChangeKind::Updated);
        let moved: Vec<(&str, Value, Value)> =
            change.changed_fields().into_iter().map(|c| (c.field, c.old.clone(), c.new.clone())).collect();
        assert_eq!(moved, vec![("note", Value::Null, json!("<p>Rush</p>")), ("state", json!("draft"), json!("sale"))]);
        let before = change.before.as_ref().unwrap();
        let after = change.after.as_ref().unwrap();
        assert_eq!(before["partner_id"], json!(partner), "whole rows, not just the written fields");
        assert_eq!(after["partner_id"], json!(partner));
        assert_eq!(after["order_line"], json!(lines));
        // Before: every stored column; an x2many field only when written or watched by a hook
        // (each costs a query).
        assert_eq!(before.len(), after.len() - 2);
        assert!(!before.contains_key("order_line") && !before.contains_key("tag_ids"));
    })
    .await;
}

#[tokio::test]
async fn a_failed_create_leaves_no_row_and_names_the_path() {
    each_backend(Registry::demo, async |store, _| {
        let (partner, desk, _, _) = fixtures(&store).await;
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let err = tx
            .create(
                "sale.order",
                &vals(json!({
                    "partner_id": partner,
                    "order_line": [
                        [0, 0, {"product_id": desk}],
                        [0, 0, {"product_id": desk}],
                        [0, 0, {"product_id": 999_999}],
                    ],
                })),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_value");
        assert_eq!(err.field(), Some("order_line[2].product_id"));
        assert!(
            err.to_string()
                .contains("product.product record 999999 does not exist"),
            "{err}"
        );
        let second = tx
            .create("res.partner", &vals(json!({"name": "after failure"})))
            .await
            .unwrap_err();
        assert!(matches!(second, StoreError::Aborted));
        assert!(matches!(
            tx.commit().await.unwrap_err(),
            StoreError::Aborted
        ));
        assert_eq!(count(&store, "sale.order").await, 0);
        assert_eq!(count(&store, "sale.order.line").await, 0);
        assert_eq!(count(&store, "res.partner").await, 1);
    })
    .await;
}

#[tokio::test]
async fn bad_payloads_are_refused_with_the_field_named() {
    each_backend(Registry::demo, async |store, _| {
        let cases = [
            (
                json!({"name": "X", "colour": "red"}),
                "unknown_field",
                "colour",
            ),
            (
                json!({"name": "X", "customer_rank": "many"}),
                "invalid_value",
                "customer_rank",
            ),
            (
                json!({"name": "X", "company_type": "robot"}),
                "invalid_value",
                "company_type",
            ),
            (json!({"name": "X", "id": 7}), "invalid_value", "id"),
            (
                json!({"name": "X", "category_id": [[9, 1]]}),
                "invalid_value",
                "category_id[0]",
            ),
            (json!({"email": "x@example.com"}), "missing_field", "name"),
            (json!({"name": "X\u{0}Y"}), "invalid_value", "name"),
        ];
        for (payload, code, field) in cases {
            let mut tx = store.begin(&Env::superuser()).await.unwrap();
            let err = tx
                .create("res.partner", &vals(payload.clone()))
                .await
                .unwrap_err();
            assert_eq!(
                (err.code(), err.field()),
                (code, Some(field)),
                "{payload}: {err}"
            );
            tx.rollback().await.unwrap();
        }
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let err = tx.create("res.nothing", &Map::new()).await.unwrap_err();
        assert_eq!(err.code(), "unknown_model");
        assert_eq!(count(&store, "res.partner").await, 0);
    })
    .await;
}

#[tokio::test]
async fn ondelete_restrict_cascade_and_set_null_are_enforced_by_the_store() {
    each_backend(Registry::demo, async |store, _| {
        let (partner, desk, _, _) = fixtures(&store).await;
        let contact = create(
            &store,
            "res.partner",
            json!({"name": "Jane", "parent_id": partner}),
        )
        .await;
        let order = create(
            &store,
            "sale.order",
            json!({"partner_id": partner, "order_line": [[0, 0, {"product_id": desk}]]}),
        )
        .await;

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let err = tx.unlink("res.partner", &[partner]).await.unwrap_err();
        assert_eq!(err.code(), "conflict");
        assert!(
            err.to_string().contains("sale.order") && err.to_string().contains("partner_id"),
            "{err}"
        );
        tx.rollback().await.unwrap();

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.unlink("sale.order", &[order]).await.unwrap();
        let changes = tx.commit().await.unwrap();
        assert_eq!(
            changes
                .of_model("sale.order.line")
                .filter(|c| c.kind == ChangeKind::Deleted)
                .count(),
            1
        );
        assert_eq!(count(&store, "sale.order.line").await, 0, "lines cascade");

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.unlink("res.partner", &[partner]).await.unwrap();
        let changes = tx.commit().await.unwrap();
        let orphan = changes.get("res.partner", contact).unwrap();
        assert_eq!(orphan.kind, ChangeKind::Updated);
        assert_eq!(
            orphan.after.as_ref().unwrap()["parent_id"],
            Value::Null,
            "parent_id is set null"
        );

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let err = tx.unlink("res.partner", &[partner]).await.unwrap_err();
        assert_eq!(err.code(), "not_found");
    })
    .await;
}

#[tokio::test]
async fn x2many_commands_update_link_and_replace() {
    each_backend(Registry::demo, async |store, _| {
        let (partner, desk, chair, tag) = fixtures(&store).await;
        let second_tag = create(&store, "crm.tag", json!({"name": "Export"})).await;
        let order = create(&store, "sale.order", json!({"partner_id": partner, "order_line": [[0, 0, {"product_id": desk}], [0, 0, {"product_id": chair}]]})).await;
        let tx = store.begin_read(&Env::superuser()).await.unwrap();
        let lines: Vec<i64> = serde_json::from_value(tx.read("sale.order", &[order], &["order_line"]).await.unwrap()[0]["order_line"].clone()).unwrap();
        tx.rollback().await.unwrap();

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.write(
            "sale.order",
            &[order],
            &vals(json!({
                "order_line": [[1, lines[0], {"product_uom_qty": 5}], [2, lines[1]], [0, 0, {"name": "Note"}]],
                "tag_ids": [[4, tag], [4, second_tag], [3, tag]],
            })),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let tx = store.begin_read(&Env::superuser()).await.unwrap();
        let record = &tx.read("sale.order", &[order], &["order_line", "tag_ids"]).await.unwrap()[0];
        assert_eq!(record["tag_ids"], json!([second_tag]));
        let now: Vec<i64> = serde_json::from_value(record["order_line"].clone()).unwrap();
        assert_eq!(now.len(), 2);
        assert_eq!(now[0], lines[0]);
        let first = &tx.read("sale.order.line", &[lines[0]], &["product_uom_qty"]).await.unwrap()[0];
        assert_eq!(first["product_uom_qty"], json!(5.0));
        tx.rollback().await.unwrap();

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let err = tx.write("sale.order", &[order], &vals(json!({"order_line": [[1, 999_999, {"name": "x"}]]}))).await.unwrap_err();
        assert_eq!(err.field(), Some("order_line[0].id"), "{err}");
    })
    .await;
}
