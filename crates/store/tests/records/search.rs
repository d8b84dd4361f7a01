//! Search with domains, orders and limits; users see only their companies.

use crate::{create, domain, vals};
use serde_json::json;
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::each_backend;
use weft_store::{Env, SearchOptions};

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
