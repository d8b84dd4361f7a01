//! The seed's create, update and delete calls: `POST ?vals=`, `PUT /{id}` and `PUT ?ids=`,
//! `DELETE /{id}` and `DELETE ?ids=`.

use super::*;

#[tokio::test]
async fn the_seed_calls_create_update_and_delete_webhooks() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, deletion, _] = seed_webhooks(&server).await;

        // The seed's example, verbatim (the demo schema has stock.picking and its operation type).
        let vals = "{'name':'Delivery Order Updation','model':'stock.picking','kind':'on_write','address':'https://requestbin.net/152eq511','format':'json','language':'en_US','condition':[('state','=', 'done'), ('picking_type_id.code', '=', 'outgoing')]}";
        let delivery = create(&server, vals).await;
        assert_eq!(delivery["name"], "Delivery Order Updation");
        assert_eq!(delivery["model"], "stock.picking");
        assert_eq!(delivery["fields"], json!([]));
        assert_eq!(
            delivery["condition"],
            json!([
                "&",
                ["state", "=", "done"],
                ["picking_type_id.code", "=", "outgoing"]
            ])
        );
        assert!(
            delivery["secret"].as_str().unwrap().starts_with("whsec_"),
            "{delivery}"
        );
        assert_eq!(delivery["create_date"], delivery["write_date"]);
        let id = delivery["id"].as_i64().unwrap();
        let stored = rest_ok(&server, "GET", &format!("/webhooks/{id}"), &[]).await;
        assert_eq!(stored["webhook"]["condition"], delivery["condition"]);
        assert!(stored["webhook"].get("secret").is_none());

        // vals as a JSON body; fields as a Python list inside the vals.
        let body = json!({"name": "Partners", "model": "res.partner", "kind": "on_create", "address": BIN, "fields": "['name', 'email']"});
        let (status, _, reply) = raw(
            &server,
            "POST",
            "/webhooks",
            &[],
            &[("x-api-key", ADMIN_KEY)],
            Some(body.to_string()),
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        let partners: Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(partners["webhook"]["fields"], json!(["name", "email"]));
        assert_eq!(partners["webhook"]["format"], "json", "the default");

        // Update one: the reply is the updated webhook.
        let moved = "https://requestbin.net/moved";
        let put = rest_ok(
            &server,
            "PUT",
            &format!("/webhooks/{update}"),
            &[("vals", &format!("{{'address': '{moved}'}}"))],
        )
        .await;
        assert_eq!(put["webhook"]["id"], update);
        assert_eq!(put["webhook"]["address"], moved);
        assert_eq!(put["webhook"]["name"], "Product Update");
        let put = rest_ok(
            &server,
            "PUT",
            &format!("/webhooks/{update}/"),
            &[(
                "vals",
                "{'active': False, 'fields': ['name', 'list_price']}",
            )],
        )
        .await;
        assert_eq!(put["webhook"]["active"], false);
        assert_eq!(put["webhook"]["fields"], json!(["name", "list_price"]));
        assert_eq!(put["webhook"]["address"], moved, "unchanged fields stay");

        // Update by ids: every one gets the same values.
        let ids = format!("{update},{deletion}");
        let put = rest_ok(
            &server,
            "PUT",
            "/webhooks",
            &[
                ("ids", &ids),
                ("vals", &format!("{{'address':'{BIN}/both'}}")),
            ],
        )
        .await;
        assert_eq!(names(&put), ["Product Update", "Product Deletion"]);
        assert!(
            put["webhook"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| w["address"] == format!("{BIN}/both"))
        );

        // vals as a JSON body.
        let body = json!({"name": "Product Update (JSON)"}).to_string();
        let path = format!("/webhooks/{update}");
        let (status, _, reply) = raw(
            &server,
            "PUT",
            &path,
            &[],
            &[("x-api-key", ADMIN_KEY)],
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(
            serde_json::from_str::<Value>(&reply).unwrap()["webhook"]["name"],
            "Product Update (JSON)"
        );

        // One refused: nothing changes (the first, already written, is put back).
        let mixed = format!("{id},{creation}");
        let message = refused(
            &server,
            "PUT",
            "/webhooks",
            &[
                ("ids", &mixed),
                (
                    "vals",
                    "{'fields': ['origin'], 'address': 'https://example.com/x'}",
                ),
            ],
            403,
        )
        .await;
        assert!(
            message.contains("origin") && message.contains("product.product"),
            "{message}"
        );
        let after = rest_ok(&server, "GET", &format!("/webhooks/{id}"), &[]).await;
        assert_eq!(after["webhook"]["fields"], json!([]));
        assert_eq!(after["webhook"]["address"], BIN);
        assert_eq!(after["webhook"]["condition"], delivery["condition"]);

        // The model cannot change.
        let message = refused(
            &server,
            "PUT",
            &format!("/webhooks/{id}"),
            &[("vals", "{'model': 'sale.order'}")],
            403,
        )
        .await;
        assert!(message.starts_with("model:"), "{message}");

        // Delete one; delete by ids (all or nothing: an unknown id is Synconics' 403).
        assert_eq!(
            rest_ok(&server, "DELETE", &format!("/webhooks/{id}"), &[]).await,
            json!({})
        );
        refused(&server, "GET", &format!("/webhooks/{id}"), &[], 404).await;
        refused(&server, "DELETE", &format!("/webhooks/{id}"), &[], 404).await;
        let with_unknown = format!("{creation},{id}");
        refused(
            &server,
            "DELETE",
            "/webhooks",
            &[("ids", &with_unknown)],
            403,
        )
        .await;
        rest_ok(&server, "GET", &format!("/webhooks/{creation}"), &[]).await;
        let both = format!("{creation},{deletion}");
        assert_eq!(
            rest_ok(&server, "DELETE", "/webhooks/", &[("ids", &both)]).await,
            json!({})
        );
        let left = rest_ok(&server, "GET", "/webhooks", &[]).await;
        assert_eq!(
            names(&left),
            ["Product Update (JSON)", "Order Status Update", "Partners"]
        );
    }
}
