//! Each standard method's arguments and answer, as Odoo 17 shapes them.

use super::*;
use crate::common::{create, read, test_registry};
use weft_inbound::rpc::{signature, writes};
use weft_store::testing::each_backend;

#[tokio::test]
async fn search_takes_positional_keyword_and_false_arguments() {
    each_backend(test_registry, async |store, _| {
        let a = create(&store, "res.partner", json!({"name": "A"})).await;
        let b = create(&store, "res.partner", json!({"name": "B"})).await;
        let c = create(&store, "res.partner", json!({"name": "C", "active": false})).await;
        let env = su();
        let all = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[]]),
            json!({}),
        )
        .await;
        assert_eq!(all, json!([a, b]));
        let page = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[], 1, 1, "name desc"]),
            json!({}),
        )
        .await;
        assert_eq!(page, json!([a]));
        let page = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[]]),
            json!({"offset": false, "limit": false, "order": false}),
        )
        .await;
        assert_eq!(page, json!([a, b]));
        let zero = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[]]),
            json!({"limit": 0}),
        )
        .await;
        assert_eq!(zero, json!([a, b]));
        let n = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[]]),
            json!({"count": true}),
        )
        .await;
        assert_eq!(n, json!(2));
        let archived = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[]]),
            json!({"context": {"active_test": false}}),
        )
        .await;
        assert_eq!(archived, json!([a, b, c]));
        let text = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!(["[('name', '=', 'B')]"]),
            json!({}),
        )
        .await;
        assert_eq!(text, json!([b]));
        let n = ok(
            &store,
            &env,
            "res.partner",
            "search_count",
            json!([[]]),
            json!({"limit": 1}),
        )
        .await;
        assert_eq!(n, json!(1));
        let n = ok(
            &store,
            &env,
            "res.partner",
            "search_count",
            json!([[["name", "ilike", "a"]]]),
            json!({}),
        )
        .await;
        assert_eq!(n, json!(1));
    })
    .await;
}

#[tokio::test]
async fn read_and_search_read_shape_records_as_odoo() {
    each_backend(test_registry, async |store, _| {
        let acme = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let order = create(
            &store,
            "sale.order",
            json!({"partner_id": acme, "date_order": "2024-01-05 10:00:00"}),
        )
        .await;
        let env = su();
        let rows = ok(
            &store,
            &env,
            "sale.order",
            "read",
            json!([
                [order, 999],
                ["partner_id", "date_order", "display_name", "tag_ids"]
            ]),
            json!({}),
        )
        .await;
        assert_eq!(
            rows,
            json!([{"id": order, "partner_id": [acme, "ACME"], "date_order": "2024-01-05 10:00:00",
                    "display_name": "SO00001", "tag_ids": []}])
        );
        let bare = ok(
            &store,
            &env,
            "sale.order",
            "read",
            json!([order]),
            json!({"fields": ["partner_id"], "load": "_classic_write"}),
        )
        .await;
        assert_eq!(bare, json!([{"id": order, "partner_id": acme}]));
        let every = ok(
            &store,
            &env,
            "sale.order",
            "read",
            json!([[order]]),
            json!({}),
        )
        .await;
        let row = every[0].as_object().unwrap();
        for field in [
            "name",
            "state",
            "order_line",
            "display_name",
            "create_date",
            "amount_total",
            "note",
        ] {
            assert!(row.contains_key(field), "{field} in {row:?}");
        }
        assert_eq!(row["note"], json!(false));
        assert_eq!(row["amount_total"], json!(0.0));
        // The ids' order, not the model's.
        let b = create(&store, "res.partner", json!({"name": "B"})).await;
        let rows = ok(
            &store,
            &env,
            "res.partner",
            "read",
            json!([[b, acme], ["name"]]),
            json!({}),
        )
        .await;
        assert_eq!(
            rows,
            json!([{"id": b, "name": "B"}, {"id": acme, "name": "ACME"}])
        );
        let found = ok(
            &store,
            &env,
            "res.partner",
            "search_read",
            json!([[["name", "=", "B"]], ["name"]]),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([{"id": b, "name": "B"}]));
        let found = ok(
            &store,
            &env,
            "sale.order",
            "search_read",
            json!([]),
            json!({"fields": ["partner_id"], "load": false}),
        )
        .await;
        assert_eq!(found, json!([{"id": order, "partner_id": acme}]));
    })
    .await;
}

#[tokio::test]
async fn create_write_unlink_and_copy() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let tag = create(&store, "crm.tag", json!({"name": "VIP"})).await;
        let other_tag = create(&store, "crm.tag", json!({"name": "Export"})).await;
        let partner = ok(
            &store,
            &env,
            "res.partner",
            "create",
            json!([{"name": "ACME"}]),
            json!({}),
        )
        .await;
        assert!(partner.is_i64(), "{partner}");
        let many = ok(
            &store,
            &env,
            "res.partner",
            "create",
            json!([[{"name": "X"}, {"name": "Y"}]]),
            json!({}),
        )
        .await;
        assert_eq!(many.as_array().unwrap().len(), 2);
        let empty = ok(
            &store,
            &env,
            "res.partner",
            "create",
            json!([[]]),
            json!({}),
        )
        .await;
        assert_eq!(empty, json!([]));
        let order = ok(&store, &env, "sale.order", "create", json!([{
            "partner_id": partner, "date_order": "2024-02-01 08:00:00", "tag_ids": [[6, 0, [tag]]],
            "order_line": [[0, 0, {"name": "Desk", "price_unit": 10.0}]]
        }]), json!({})).await;
        let id = order.as_i64().unwrap();
        let answer = call(
            &store,
            &env,
            "sale.order",
            "write",
            json!([[id], {"tag_ids": [[4, other_tag]]}]),
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!((answer.result, answer.records), (json!(true), vec![id]));
        assert_eq!(
            read(&store, "sale.order", id).await["tag_ids"],
            json!([tag, other_tag])
        );
        for (commands, expected) in [
            (json!([[3, tag]]), json!([other_tag])),
            (json!([[5]]), json!([])),
            (json!([tag, other_tag]), json!([tag, other_tag])),
            (json!([[6, 0, [other_tag]]]), json!([other_tag])),
        ] {
            ok(
                &store,
                &env,
                "sale.order",
                "write",
                json!([id, {"tag_ids": commands}]),
                json!({}),
            )
            .await;
            assert_eq!(
                read(&store, "sale.order", id).await["tag_ids"],
                expected,
                "{commands}"
            );
        }
        let lines = read(&store, "sale.order", id).await["order_line"].clone();
        ok(
            &store,
            &env,
            "sale.order",
            "write",
            json!([id, {"order_line": [[2, lines[0]]]}]),
            json!({}),
        )
        .await;
        assert_eq!(
            read(&store, "sale.order", id).await["order_line"],
            json!([])
        );
        let copy = ok(
            &store,
            &env,
            "sale.order",
            "copy",
            json!([id]),
            json!({"default": {"note": "<p>copied</p>"}}),
        )
        .await;
        let copied = read(&store, "sale.order", copy.as_i64().unwrap()).await;
        assert_eq!(copied["partner_id"][0], json!(partner));
        assert_eq!(copied["note"], json!("<p>copied</p>"));
        assert_ne!(copied["name"], read(&store, "sale.order", id).await["name"]);
        let f = fault(
            &store,
            &env,
            "sale.order",
            "copy",
            json!([[id, copy]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "Expected singleton");
        let done = ok(
            &store,
            &env,
            "res.partner",
            "unlink",
            json!([many]),
            json!({}),
        )
        .await;
        assert_eq!(done, json!(true));
        let left = ok(
            &store,
            &env,
            "res.partner",
            "search",
            json!([[]]),
            json!({}),
        )
        .await;
        assert_eq!(left, json!([partner]));
        // Dates are written and read in the server's formats.
        ok(
            &store,
            &env,
            "sale.order",
            "write",
            json!([[id], {"date_order": "2024-03-04 05:06:07"}]),
            json!({}),
        )
        .await;
        assert_eq!(
            read(&store, "sale.order", id).await["date_order"],
            json!("2024-03-04 05:06:07")
        );
    })
    .await;
}

#[tokio::test]
async fn names_defaults_and_declared_methods() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let created = ok(
            &store,
            &env,
            "res.partner",
            "name_create",
            json!(["Azure Interior"]),
            json!({}),
        )
        .await;
        let id = created[0].as_i64().unwrap();
        assert_eq!(created, json!([id, "Azure Interior"]));
        create(&store, "res.partner", json!({"name": "Deco Addict"})).await;
        let found = ok(
            &store,
            &env,
            "res.partner",
            "name_search",
            json!(["azure"]),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([[id, "Azure Interior"]]));
        let all = ok(
            &store,
            &env,
            "res.partner",
            "name_search",
            json!([]),
            json!({"limit": 1}),
        )
        .await;
        assert_eq!(all.as_array().unwrap().len(), 1);
        let scoped = ok(
            &store,
            &env,
            "res.partner",
            "name_search",
            json!(["", [["name", "=", "Deco Addict"]]]),
            json!({}),
        )
        .await;
        assert_eq!(scoped[0][1], json!("Deco Addict"));
        let exact = ok(
            &store,
            &env,
            "res.partner",
            "name_search",
            json!(["Azure"]),
            json!({"operator": "=", "domain": []}),
        )
        .await;
        assert_eq!(exact, json!([]));
        let defaults = ok(
            &store,
            &env,
            "res.partner",
            "default_get",
            json!([["company_type", "active", "name"]]),
            json!({}),
        )
        .await;
        assert_eq!(defaults, json!({"company_type": "person", "active": true}));
        let order = create(&store, "sale.order", json!({"partner_id": id})).await;
        let answer = call(
            &store,
            &env,
            "sale.order",
            "action_confirm",
            json!([[order]]),
            json!({}),
        )
        .await
        .unwrap();
        assert_eq!((answer.result, answer.records), (json!(true), vec![order]));
        assert_eq!(
            read(&store, "sale.order", order).await["state"],
            json!("sale")
        );
        let context = ok(
            &store,
            &user(),
            "res.users",
            "context_get",
            json!([]),
            json!({}),
        )
        .await;
        assert_eq!(context, json!({"lang": "en_US", "tz": "UTC", "uid": 7}));
    })
    .await;
}

#[tokio::test]
async fn declared_parameters_bind_by_position_and_name() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let id = create(&store, "webhook.test", json!({"name": "T"})).await;
        ok(
            &store,
            &env,
            "webhook.test",
            "action_call_api_with_params",
            json!([[id], "x", "y"]),
            json!({"note": "z"}),
        )
        .await;
        let row = read(&store, "webhook.test", id).await;
        assert_eq!(
            (&row["a_value"], &row["b_value"], &row["note"]),
            (&json!("x"), &json!("y"), &json!("z"))
        );
        let f = fault(
            &store,
            &env,
            "webhook.test",
            "action_set_quantity",
            json!([[id], "many"]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValidationError, "quantity");
        let copy = ok(
            &store,
            &env,
            "webhook.test",
            "action_duplicate",
            json!([id]),
            json!({}),
        )
        .await;
        assert!(copy.is_i64(), "{copy}");
        let sig = signature(&store, "webhook.test", "action_call_api_with_params").unwrap();
        assert_eq!(
            (sig.params, sig.on_records),
            (vec!["a".to_string(), "b".into(), "note".into()], true)
        );
    })
    .await;
}

#[tokio::test]
async fn fields_get_and_access_rights() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let fields = ok(
            &store,
            &env,
            "sale.order",
            "fields_get",
            json!([]),
            json!({}),
        )
        .await;
        assert_eq!(fields["partner_id"]["type"], json!("many2one"));
        assert_eq!(fields["partner_id"]["relation"], json!("res.partner"));
        assert_eq!(fields["partner_id"]["required"], json!(true));
        assert_eq!(
            fields["state"]["selection"][0],
            json!(["draft", "Quotation"])
        );
        assert_eq!(fields["order_line"]["relation_field"], json!("order_id"));
        assert_eq!(fields["id"]["readonly"], json!(true));
        assert_eq!(fields["display_name"]["store"], json!(false));
        for key in ["string", "help", "store", "searchable", "sortable"] {
            assert!(fields["name"].get(key).is_some() || key == "help", "{key}");
        }
        let some = ok(
            &store,
            &env,
            "sale.order",
            "fields_get",
            json!([["name", "state"]]),
            json!({"attributes": ["type"]}),
        )
        .await;
        assert_eq!(
            some,
            json!({"name": {"type": "char"}, "state": {"type": "selection"}})
        );
        let yes = ok(
            &store,
            &user(),
            "sale.order",
            "check_access_rights",
            json!(["unlink"]),
            json!({}),
        )
        .await;
        assert_eq!(yes, json!(true));
        let read_users = ok(
            &store,
            &user(),
            "res.users",
            "check_access_rights",
            json!(["read"]),
            json!({}),
        )
        .await;
        assert_eq!(read_users, json!(true));
    })
    .await;
}

#[tokio::test]
async fn signatures_and_writers_come_from_one_table() {
    each_backend(test_registry, async |store, _| {
        let search = signature(&store, "res.partner", "search").unwrap();
        assert_eq!(
            search.params,
            ["domain", "offset", "limit", "order", "count"]
        );
        assert!(!search.on_records);
        let read = signature(&store, "res.partner", "read").unwrap();
        assert_eq!(
            (read.params, read.on_records),
            (vec!["fields".to_string(), "load".into()], true)
        );
        assert!(signature(&store, "res.partner", "_private").is_none());
        assert!(signature(&store, "res.partner", "nope").is_none());
        assert!(signature(&store, "ir.model.data", "check_object_reference").is_some());
        let call = |model: &str, method: &str| ModelCall {
            model: model.into(),
            method: method.into(),
            args: vec![],
            kwargs: Map::new(),
        };
        assert!(writes(&store, &call("res.partner", "create")));
        assert!(writes(&store, &call("sale.order", "action_confirm")));
        assert!(!writes(&store, &call("res.partner", "search_read")));
        assert!(!writes(&store, &call("ir.model", "search_read")));
    })
    .await;
}
