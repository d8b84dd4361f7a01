//! x2many values in Odoo's command forms, with and without their trailing zeros, and dates in
//! the server's formats.

use super::*;
use crate::common::{create, read, test_registry};
use weft_store::testing::each_backend;

#[tokio::test]
async fn commands_take_their_long_and_short_forms() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let acme = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let (a, b) = (
            create(&store, "crm.tag", json!({"name": "A"})).await,
            create(&store, "crm.tag", json!({"name": "B"})).await,
        );
        let order = ok(&store, &env, "sale.order", "create", json!([{"partner_id": acme, "tag_ids": [[4, a, 0], [4, b, false]],
            "order_line": [[0, 0, {"name": "L1"}], [0, false, {"name": "L2"}]]}]), json!({})).await;
        let id = order.as_i64().unwrap();
        let row = read(&store, "sale.order", id).await;
        assert_eq!(row["tag_ids"], json!([a, b]));
        let lines = row["order_line"].as_array().unwrap().clone();
        assert_eq!(lines.len(), 2);
        ok(&store, &env, "sale.order", "write", json!([[id], {"tag_ids": [[3, a, 0]], "order_line": [[1, lines[0], {"name": "L1 bis"}], [2, lines[1], 0]]}]), json!({})).await;
        let row = read(&store, "sale.order", id).await;
        assert_eq!(row["tag_ids"], json!([b]));
        assert_eq!(row["order_line"], json!([lines[0]]));
        assert_eq!(read(&store, "sale.order.line", lines[0].as_i64().unwrap()).await["name"], json!("L1 bis"));
        ok(&store, &env, "sale.order", "write", json!([[id], {"tag_ids": [[5, 0, 0]]}]), json!({})).await;
        assert_eq!(read(&store, "sale.order", id).await["tag_ids"], json!([]));
        let f = fault(&store, &env, "sale.order", "write", json!([[id], {"tag_ids": [[9, 1]]}]), json!({})).await;
        assert_fault(&f, FaultKind::ValidationError, "tag_ids[0]");
    })
    .await;
}

#[tokio::test]
async fn dates_are_written_and_read_in_the_server_formats() {
    each_backend(test_registry, async |store, _| {
        let env = su();
        let acme = create(&store, "res.partner", json!({"name": "ACME"})).await;
        let id = ok(
            &store,
            &env,
            "account.move",
            "create",
            json!([{"partner_id": acme, "date": "2024-02-29"}]),
            json!({}),
        )
        .await;
        let row = ok(
            &store,
            &env,
            "account.move",
            "read",
            json!([id, ["date", "create_date"]]),
            json!({}),
        )
        .await;
        assert_eq!(row[0]["date"], json!("2024-02-29"));
        let stamp = row[0]["create_date"].as_str().unwrap().to_string();
        assert_eq!(stamp.len(), 19, "{stamp}");
        assert_eq!(&stamp[10..11], " ");
        let f = fault(
            &store,
            &env,
            "account.move",
            "write",
            json!([id, {"date": "29/02/2024"}]),
            json!({}),
        )
        .await;
        assert_fault(&f, FaultKind::ValidationError, "date");
        let found = ok(
            &store,
            &env,
            "account.move",
            "search",
            json!([[["date", ">=", "2024-02-01"], ["date", "<", "2024-03-01"]]]),
            json!({}),
        )
        .await;
        assert_eq!(found, json!([id]));
    })
    .await;
}
