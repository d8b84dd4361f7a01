//! The seed's list, read, filter and count calls: `GET /webhooks` with `ids`, `domain`, `fields`,
//! `offset`, `limit`, `order`, `count`, `GET /webhooks/count` and `GET /webhooks/{id}`.

use super::*;

#[tokio::test]
async fn the_seed_calls_list_read_filter_and_count_webhooks() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, deletion, order] = seed_webhooks(&server).await;

        // All of them, every documented property, no secret.
        let all = rest_ok(&server, "GET", "/webhooks", &[]).await;
        assert_eq!(
            names(&all),
            [
                "Product Creation",
                "Product Update",
                "Product Deletion",
                "Order Status Update"
            ]
        );
        let first = &all["webhook"][0];
        assert_eq!(first["id"], creation);
        assert_eq!(first["model"], "product.product");
        assert_eq!(first["kind"], "on_create");
        assert_eq!(first["address"], BIN);
        assert_eq!(
            (first["format"].as_str(), first["language"].as_str()),
            (Some("json"), Some("en_US"))
        );
        assert_eq!(first["fields"], json!([]));
        assert!(
            first["create_date"].as_str().unwrap().len() == 19 && first["write_date"].is_string(),
            "{first}"
        );
        assert!(
            first.get("secret").is_none(),
            "the secret only comes with the creation"
        );
        let six = rest_ok(&server, "GET", "/webhooks", &[("fields", SIX)]).await;
        assert_eq!(
            keys(&six["webhook"][3]),
            SIX_AND_ID,
            "id is always returned"
        );

        // One by id, whole and with six fields.
        let one = rest_ok(&server, "GET", &format!("/webhooks/{update}"), &[]).await;
        assert_eq!(one["webhook"]["name"], "Product Update");
        assert_eq!(one["webhook"]["kind"], "on_write");
        let one = rest_ok(
            &server,
            "GET",
            &format!("/webhooks/{update}"),
            &[("fields", SIX)],
        )
        .await;
        assert_eq!(keys(&one["webhook"]), SIX_AND_ID);

        // ids=3,12, with and without fields.
        let ids = format!("{creation},{deletion}");
        let two = rest_ok(&server, "GET", "/webhooks", &[("ids", &ids)]).await;
        assert_eq!(names(&two), ["Product Creation", "Product Deletion"]);
        assert_eq!(two["webhook"][1]["kind"], "on_unlink");
        let two = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[
                ("ids", &ids),
                (
                    "fields",
                    "['name', 'model', 'kind', 'address', 'format', 'language']",
                ),
            ],
        )
        .await;
        assert_eq!(keys(&two["webhook"][0]), SIX_AND_ID);
        let listed = format!("[{deletion}, {creation}, {creation}]");
        let two = rest_ok(&server, "GET", "/webhooks", &[("ids", &listed)]).await;
        assert_eq!(names(&two), ["Product Creation", "Product Deletion"]);

        // domain: the seed's two-element form (read as '='), its three-element form with fields
        // and limit, JSON, through the trailing slash.
        let seed_domain = "[('model','product.product'),('kind','on_write')]";
        let found = rest_ok(&server, "GET", "/webhooks", &[("domain", seed_domain)]).await;
        assert_eq!(names(&found), ["Product Update"]);
        assert_eq!(found["webhook"][0]["id"], update);
        let three = "[('model','=', 'product.product'), ('kind', '=', 'on_write')]";
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks/",
            &[
                ("domain", three),
                (
                    "fields",
                    "['name', 'model', 'kind', 'address', 'format', 'language']",
                ),
                ("limit", "5"),
            ],
        )
        .await;
        assert_eq!(names(&found), ["Product Update"]);
        assert_eq!(keys(&found["webhook"][0]), SIX_AND_ID);
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks/",
            &[("domain", r#"[["model", "=", "sale.order"]]"#)],
        )
        .await;
        assert_eq!(found["webhook"][0]["id"], order);
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[(
                "domain",
                "['|', ('format', '=', 'xml'), ('name', 'ilike', 'deletion')]",
            )],
        )
        .await;
        assert_eq!(names(&found), ["Product Deletion", "Order Status Update"]);
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[("domain", "[]"), ("fields", r#"["name"]"#)],
        )
        .await;
        assert_eq!(found["webhook"].as_array().unwrap().len(), 4);
        assert_eq!(keys(&found["webhook"][0]), ["id", "name"]);

        // order, offset, limit.
        let products = "[('model', '=', 'product.product')]";
        let page = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[
                ("domain", products),
                ("order", "name desc, id"),
                ("offset", "1"),
                ("limit", "2"),
            ],
        )
        .await;
        assert_eq!(names(&page), ["Product Deletion", "Product Creation"]);
        let sorted = rest_ok(&server, "GET", "/webhooks", &[("order", "kind, name desc")]).await;
        assert_eq!(
            names(&sorted),
            [
                "Product Creation",
                "Product Deletion",
                "Product Update",
                "Order Status Update"
            ]
        );
        let tail = rest_ok(&server, "GET", "/webhooks", &[("offset", "3")]).await;
        assert_eq!(names(&tail), ["Order Status Update"]);
        let none = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[("domain", "[('model', '=', 'res.partner')]")],
        )
        .await;
        assert_eq!(none, json!({"webhook": []}));

        // count, and /count.
        for yes in ["True", "true", "1"] {
            let counted = rest_ok(
                &server,
                "GET",
                "/webhooks",
                &[("domain", products), ("count", yes), ("limit", "1")],
            )
            .await;
            assert_eq!(counted, json!({"count": 3}));
        }
        let listed = rest_ok(&server, "GET", "/webhooks", &[("count", "False")]).await;
        assert_eq!(names(&listed).len(), 4);
        let counted = rest_ok(
            &server,
            "GET",
            "/webhooks/count",
            &[("domain", "[('model', '=', 'product.product')]")],
        )
        .await;
        assert_eq!(counted, json!({"count": 3}));
        assert_eq!(
            rest_ok(&server, "GET", "/webhooks/count", &[]).await,
            json!({"count": 4})
        );
    }
}
