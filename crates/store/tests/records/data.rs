//! Sequences, unique fields, demo data, and SQLite's WAL mode with case-sensitive LIKE.

use crate::{count, create, domain, vals};
use serde_json::{Value, json};
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::{Backend, each_backend};
use weft_store::{Env, SearchOptions};

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
