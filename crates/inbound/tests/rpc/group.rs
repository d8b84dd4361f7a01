//! `read_group` in Odoo 17's shape.

use super::*;
use crate::common::{create, test_registry};
use weft_store::testing::each_backend;

/// ACME with two orders (Jan and Feb 2024), Bolt with one (Jan 2024), one order in Mar undated... no:
/// every order has a date; amounts 10, 20 and 5.
async fn orders(store: &Store) -> (i64, i64) {
    let acme = create(store, "res.partner", json!({"name": "ACME"})).await;
    let bolt = create(store, "res.partner", json!({"name": "Bolt"})).await;
    for (partner, date, amount, state) in [
        (acme, "2024-01-05 10:00:00", 10.0, "draft"),
        (acme, "2024-02-10 11:00:00", 20.0, "sale"),
        (bolt, "2024-01-20 12:00:00", 5.0, "draft"),
    ] {
        create(store, "sale.order", json!({"partner_id": partner, "date_order": date, "amount_total": amount, "state": state})).await;
    }
    (acme, bolt)
}

#[tokio::test]
async fn groups_by_a_many2one_with_aggregates_lazily() {
    each_backend(test_registry, async |store, _| {
        let (acme, bolt) = orders(&store).await;
        let groups = ok(
            &store,
            &su(),
            "sale.order",
            "read_group",
            json!([
                [],
                ["amount_total:sum", "date_order:max"],
                ["partner_id", "state"]
            ]),
            json!({}),
        )
        .await;
        assert_eq!(
            groups,
            json!([
                {"partner_id": [acme, "ACME"], "partner_id_count": 2, "amount_total": 30.0,
                 "date_order": "2024-02-10 11:00:00", "__domain": [["partner_id", "=", acme]],
                 "__context": {"group_by": ["state"]}},
                {"partner_id": [bolt, "Bolt"], "partner_id_count": 1, "amount_total": 5.0,
                 "date_order": "2024-01-20 12:00:00", "__domain": [["partner_id", "=", bolt]],
                 "__context": {"group_by": ["state"]}},
            ])
        );
    })
    .await;
}

#[tokio::test]
async fn groups_by_month_not_lazily_with_the_domain_and_order() {
    each_backend(test_registry, async |store, _| {
        let (acme, _) = orders(&store).await;
        let domain = json!([["partner_id", "=", acme]]);
        let groups = ok(&store, &su(), "sale.order", "read_group", json!([domain, ["amount_total"], ["date_order:month", "state"]]),
            json!({"lazy": false, "orderby": "amount_total desc"})).await;
        assert_eq!(groups.as_array().unwrap().len(), 2, "{groups}");
        assert_eq!(groups[0]["date_order:month"], json!("February 2024"));
        assert_eq!(groups[0]["state"], json!("sale"));
        assert_eq!(groups[0]["__count"], json!(1));
        assert_eq!(groups[0]["amount_total"], json!(20.0));
        assert_eq!(
            groups[0]["__domain"],
            json!(["&", "&", ["partner_id", "=", acme], "&",
                   ["date_order", ">=", "2024-02-01 00:00:00"], ["date_order", "<", "2024-03-01 00:00:00"],
                   ["state", "=", "sale"]])
        );
        assert_eq!(groups[0]["__range"], json!({"date_order:month": {"from": "2024-02-01 00:00:00", "to": "2024-03-01 00:00:00"}}));
        assert_eq!(groups[1]["date_order:month"], json!("January 2024"));
        // The group's __domain selects exactly its records.
        let n = ok(&store, &su(), "sale.order", "search_count", json!([groups[0]["__domain"].clone()]), json!({})).await;
        assert_eq!(n, json!(1));
        let paged = ok(&store, &su(), "sale.order", "read_group", json!([[], [], ["date_order:year"]]), json!({"offset": 0, "limit": 5})).await;
        assert_eq!(paged, json!([{"date_order:year": "2024", "date_order_count": 3,
            "__domain": ["&", ["date_order", ">=", "2024-01-01 00:00:00"], ["date_order", "<", "2025-01-01 00:00:00"]],
            "__range": {"date_order:year": {"from": "2024-01-01 00:00:00", "to": "2025-01-01 00:00:00"}}}]));
        let counted = ok(&store, &su(), "sale.order", "read_group", json!([[], ["state:count"], []]), json!({})).await;
        assert_eq!(counted, json!([{"__count": 3, "state": 3, "__domain": []}]));
    })
    .await;
}

#[tokio::test]
async fn bad_group_specs_are_value_errors() {
    each_backend(test_registry, async |store, _| {
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "read_group",
            json!([[], [], ["nope"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "nope");
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "read_group",
            json!([[], ["amount_total:median"], ["state"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "median");
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "read_group",
            json!([[], [], ["state:month"]]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValueError, "granularity");
        let f = fault(
            &store,
            &su(),
            "sale.order",
            "read_group",
            json!([[], []]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::TypeError, "groupby");
    })
    .await;
}
