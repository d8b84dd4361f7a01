//! Record create, write, unlink, read and search on real SQLite and PostgreSQL databases.

use serde_json::{Map, Value, json};
use std::sync::Arc;
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::{Backend, each_backend};
use weft_store::{
    ChangeHook, ChangeKind, ChangeSet, Env, HookError, HookState, SearchOptions, Store, StoreError,
    Tx,
};

fn vals(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

fn domain(text: &str) -> Domain {
    Domain::parse_text(text).expect("valid domain")
}

async fn create(store: &Store, model: &str, values: Value) -> i64 {
    let mut tx = store.begin(&Env::superuser()).await.unwrap();
    let id = tx.create(model, &vals(values)).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn count(store: &Store, model: &str) -> u64 {
    let tx = store.begin_read(&Env::superuser()).await.unwrap();
    tx.count(model, &Domain::all(), true).await.unwrap()
}

/// Partner ACME, products Desk and Chair, tag VIP.
async fn fixtures(store: &Store) -> (i64, i64, i64, i64) {
    let partner = create(
        store,
        "res.partner",
        json!({"name": "ACME", "company_type": "company"}),
    )
    .await;
    let desk = create(
        store,
        "product.product",
        json!({"name": "Desk", "default_code": "DESK", "list_price": 120.0}),
    )
    .await;
    let chair = create(
        store,
        "product.product",
        json!({"name": "Chair", "default_code": "CHAIR"}),
    )
    .await;
    let tag = create(store, "crm.tag", json!({"name": "VIP"})).await;
    (partner, desk, chair, tag)
}

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
async fn search_takes_domains_orders_limits_and_refuses_bad_ones() {
    each_backend(Registry::demo, async |store, _| {
        for (name, rank, active) in [
            ("Azure", 3, true),
            ("Bolt", 1, true),
            ("Cobalt", 2, true),
            ("Dusk", 5, false),
        ] {
            create(
                &store,
                "res.partner",
                json!({"name": name, "customer_rank": rank, "active": active}),
            )
            .await;
        }
        let tx = store.begin_read(&Env::superuser()).await.unwrap();
        let names = async |d: &str, order: Option<&str>, limit: Option<u64>, offset: u64| {
            let ids = tx
                .search(
                    "res.partner",
                    &domain(d),
                    &SearchOptions {
                        order,
                        limit,
                        offset,
                        include_archived: false,
                    },
                )
                .await
                .unwrap();
            let rows = tx.read("res.partner", &ids, &["name"]).await.unwrap();
            rows.iter()
                .map(|r| r["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names("[]", None, None, 0).await,
            ["Azure", "Bolt", "Cobalt"],
            "archived hidden, default order by name"
        );
        assert_eq!(
            names(
                "[('customer_rank', '>=', 2)]",
                Some("customer_rank desc"),
                None,
                0
            )
            .await,
            ["Azure", "Cobalt"]
        );
        assert_eq!(
            names("[]", Some("name desc"), Some(2), 1).await,
            ["Bolt", "Azure"]
        );
        assert_eq!(
            names("[]", None, None, 2).await,
            ["Cobalt"],
            "offset without limit"
        );
        assert_eq!(
            names("[('active', '=', False)]", None, None, 0).await,
            ["Dusk"],
            "a domain on active lifts the filter"
        );
        assert_eq!(
            names(
                "['|', ('name', 'ilike', 'AZ'), ('name', '=like', 'C%')]",
                None,
                None,
                0
            )
            .await,
            ["Azure", "Cobalt"]
        );
        assert_eq!(
            tx.count("res.partner", &Domain::all(), true).await.unwrap(),
            4
        );

        for bad in [
            "name; DROP TABLE res_partner",
            "name sideways",
            "nope desc",
            "category_id",
        ] {
            let err = tx
                .search(
                    "res.partner",
                    &Domain::all(),
                    &SearchOptions {
                        order: Some(bad),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err();
            assert_eq!(err.code(), "invalid_order", "{bad}: {err}");
        }
        let err = tx
            .search(
                "res.partner",
                &domain("[('colour', '=', 'red')]"),
                &SearchOptions::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_domain");
        assert!(err.to_string().contains("colour"), "{err}");
        let malformed = Domain::parse_text("[('name', '=' 'x')]").unwrap_err();
        assert!(malformed.to_string().contains("position"), "{malformed}");
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

/// A hook that refuses any sale order: its error must undo everything in the transaction.
struct RefuseOrders;

#[async_trait::async_trait]
impl ChangeHook for RefuseOrders {
    async fn after(
        &self,
        _tx: &Tx,
        changes: &ChangeSet,
        _state: HookState,
    ) -> Result<(), HookError> {
        if changes.of_model("sale.order").next().is_some() {
            return Err(HookError("orders are refused".into()));
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_hook_error_rolls_everything_back() {
    each_backend(Registry::demo, async |store, _| {
        store.register_hook(Arc::new(RefuseOrders));
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let partner = tx
            .create(
                "res.partner",
                &vals(json!({"name": "Kept only if committed"})),
            )
            .await
            .unwrap();
        let err = tx
            .create(
                "sale.order",
                &vals(json!({"partner_id": partner, "order_line": [[0, 0, {"name": "x"}]]})),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Hook(ref m) if m == "orders are refused"),
            "{err}"
        );
        assert!(tx.commit().await.is_err());
        assert_eq!(count(&store, "res.partner").await, 0);
        assert_eq!(count(&store, "sale.order").await, 0);
        assert_eq!(count(&store, "sale.order.line").await, 0);
    })
    .await;
}

#[tokio::test]
async fn users_see_only_their_companies() {
    each_backend(Registry::demo, async |store, _| {
        let other_company = create(&store, "res.company", json!({"name": "Other Co"})).await;
        let mine = create(&store, "res.partner", json!({"name": "Main's customer"})).await;
        let shared = create(
            &store,
            "res.partner",
            json!({"name": "Shared", "company_id": false}),
        )
        .await;
        let main_user = Env::user(2, 1, vec![1]);
        let other_user = Env::user(3, other_company, vec![other_company]);

        let mut tx = store.begin(&other_user).await.unwrap();
        let theirs = tx
            .create("res.partner", &vals(json!({"name": "Other's customer"})))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let tx = store.begin_read(&main_user).await.unwrap();
        let visible = tx
            .search("res.partner", &Domain::all(), &SearchOptions::default())
            .await
            .unwrap();
        assert_eq!(visible, vec![mine, shared]);
        let err = tx
            .read("res.partner", &[theirs], &["name"])
            .await
            .unwrap_err();
        assert_eq!(err.code(), "access_denied");
        tx.rollback().await.unwrap();

        let mut tx = store.begin(&main_user).await.unwrap();
        let err = tx
            .write("res.partner", &[theirs], &vals(json!({"name": "hijacked"})))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "access_denied");
        tx.rollback().await.unwrap();
        let mut tx = store.begin(&main_user).await.unwrap();
        let err = tx
            .create(
                "res.partner",
                &vals(json!({"name": "X", "company_id": other_company})),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "access_denied", "{err}");
        tx.rollback().await.unwrap();
        let mut tx = store.begin(&main_user).await.unwrap();
        let err = tx
            .create("sale.order", &vals(json!({"partner_id": theirs})))
            .await
            .unwrap_err();
        assert_eq!(err.field(), Some("partner_id"), "{err}");
    })
    .await;
}

#[tokio::test]
async fn sequences_unique_fields_and_demo_data() {
    each_backend(Registry::demo, async |store, _| {
        let partner = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let first = create(&store, "sale.order", json!({"partner_id": partner})).await;
        let second = create(&store, "sale.order", json!({"partner_id": partner})).await;
        let named = create(
            &store,
            "sale.order",
            json!({"partner_id": partner, "name": "EXT-1"}),
        )
        .await;
        let tx = store.begin_read(&Env::superuser()).await.unwrap();
        let names: Vec<Value> = tx
            .read("sale.order", &[first, second, named], &["name"])
            .await
            .unwrap()
            .into_iter()
            .map(|r| r["name"].clone())
            .collect();
        assert_eq!(names, [json!("SO00001"), json!("SO00002"), json!("EXT-1")]);
        let currencies = tx
            .search("res.currency", &Domain::all(), &SearchOptions::default())
            .await
            .unwrap();
        let codes: Vec<Value> = tx
            .read("res.currency", &currencies, &["name"])
            .await
            .unwrap()
            .into_iter()
            .map(|r| r["name"].clone())
            .collect();
        assert_eq!(codes, [json!("EUR"), json!("THB"), json!("USD")]);
        assert_eq!(
            tx.count("stock.picking.type", &Domain::all(), false)
                .await
                .unwrap(),
            2
        );
        tx.rollback().await.unwrap();

        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        let err = tx
            .create("crm.tag", &vals(json!({"name": "VIP"})))
            .await
            .and(tx.create("crm.tag", &vals(json!({"name": "VIP"}))).await)
            .unwrap_err();
        assert_eq!(err.code(), "conflict");
        assert!(err.to_string().contains("crm.tag.name"), "{err}");
        tx.rollback().await.unwrap();

        store.apply_schema(false).await.unwrap();
        assert_eq!(
            count(&store, "res.currency").await,
            3,
            "data records load once"
        );
    })
    .await;
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_case_sensitive_like() {
    each_backend(Registry::demo, async |store, backend| {
        if backend != Backend::Sqlite {
            return;
        }
        use sea_orm::{ConnectionTrait, Statement};
        let db = store.connection();
        let mode = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "PRAGMA journal_mode",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
        create(&store, "res.partner", json!({"name": "Azure"})).await;
        let tx = store.begin_read(&Env::superuser()).await.unwrap();
        assert_eq!(
            tx.count("res.partner", &domain("[('name', 'like', 'azure')]"), false)
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            tx.count(
                "res.partner",
                &domain("[('name', 'ilike', 'azure')]"),
                false
            )
            .await
            .unwrap(),
            1
        );
    })
    .await;
}

/// Records which touched orders were confirmed before the write and after it, the way outbound
/// transition rules will: one search per side, restricted to the touched ids.
#[derive(Default)]
struct ConfirmedTransitions {
    seen: std::sync::Mutex<Vec<(Vec<i64>, Vec<i64>)>>,
}

#[async_trait::async_trait]
impl ChangeHook for ConfirmedTransitions {
    async fn before(&self, tx: &Tx, touched: &weft_store::Touched) -> Result<HookState, HookError> {
        if touched.model != "sale.order" {
            return Ok(None);
        }
        let ids = confirmed(tx, &touched.ids).await?;
        Ok(Some(Box::new((touched.ids.clone(), ids))))
    }

    async fn after(&self, tx: &Tx, changes: &ChangeSet, state: HookState) -> Result<(), HookError> {
        let Some(state) = state else { return Ok(()) };
        let (touched, before) = *state
            .downcast::<(Vec<i64>, Vec<i64>)>()
            .expect("our own state");
        let touched = if touched.is_empty() {
            changes.of_model("sale.order").map(|c| c.id).collect()
        } else {
            touched
        };
        let after = confirmed(tx, &touched).await?;
        self.seen.lock().unwrap().push((before, after));
        Ok(())
    }
}

async fn confirmed(tx: &Tx, ids: &[i64]) -> Result<Vec<i64>, HookError> {
    let domain = Domain::parse_json(&json!([["id", "in", ids], ["state", "=", "sale"]])).unwrap();
    let options = SearchOptions {
        order: Some("id"),
        ..Default::default()
    };
    tx.search("sale.order", &domain, &options)
        .await
        .map_err(|e| HookError(e.to_string()))
}

#[tokio::test]
async fn hooks_see_the_records_before_and_after_the_write() {
    each_backend(Registry::demo, async |store, _| {
        let hook = Arc::new(ConfirmedTransitions::default());
        store.register_hook(hook.clone());
        let partner = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let draft = create(&store, "sale.order", json!({"partner_id": partner})).await;
        let sold = create(
            &store,
            "sale.order",
            json!({"partner_id": partner, "state": "sale"}),
        )
        .await;
        let mut tx = store.begin(&Env::superuser()).await.unwrap();
        tx.write(
            "sale.order",
            &[draft, sold],
            &vals(json!({"state": "sale"})),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let seen = hook.seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            vec![
                (vec![], vec![]),
                (vec![], vec![sold]),
                (vec![sold], vec![draft, sold])
            ]
        );
    })
    .await;
}
