//! Applying schemas: additive changes go through, destructive ones are refused with a message naming
//! them unless forced, and data records load once.

use serde_json::json;
use std::sync::Arc;
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::testing::{TestDb, backends};
use weft_store::{ConnectSettings, Env, SchemaStep, Store};

const V1: &str = r#"
[models."x.item"]
order = "name, id"
[models."x.item".fields]
name = { type = "char", required = true }
qty = { type = "integer" }
note = { type = "text" }

[[records]]
key = "x.first"
model = "x.item"
values = { name = "First", qty = 1 }
"#;

const V2_ADDS: &str = r#"
[models."x.item"]
order = "name, id"
[models."x.item".fields]
name = { type = "char", required = true }
qty = { type = "integer" }
note = { type = "text" }
code = { type = "char", unique = true }
done = { type = "boolean" }
tag_ids = { type = "many2many", comodel = "x.tag" }
[models."x.tag".fields]
name = { type = "char" }
"#;

const V3_DROPS_AND_RETYPES: &str = r#"
[models."x.item"]
order = "name, id"
[models."x.item".fields]
name = { type = "char", required = true }
qty = { type = "float" }
"#;

async fn open(db: &TestDb, schema: &str) -> Store {
    let registry = Registry::from_toml(schema).expect("valid schema");
    Store::open(&ConnectSettings::new(&db.url), Arc::new(registry))
        .await
        .expect("open")
}

#[tokio::test]
async fn additive_changes_apply_and_destructive_ones_need_force() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let v1 = open(&db, V1).await;
        let plan = v1.apply_schema(false).await.unwrap();
        assert!(plan.steps.contains(&SchemaStep::CreateTable {
            model: "x.item".into(),
            table: "x_item".into()
        }));
        assert!(
            v1.apply_schema(false).await.unwrap().steps.is_empty(),
            "a second apply changes nothing"
        );
        v1.close().await.unwrap();

        let v2 = open(&db, V2_ADDS).await;
        let plan = v2.plan_schema().await.unwrap();
        for expected in [
            SchemaStep::AddColumn {
                model: "x.item".into(),
                field: "code".into(),
            },
            SchemaStep::AddColumn {
                model: "x.item".into(),
                field: "done".into(),
            },
            SchemaStep::CreateTable {
                model: "x.tag".into(),
                table: "x_tag".into(),
            },
            SchemaStep::CreateRelation {
                table: "x_item_x_tag_rel".into(),
            },
            SchemaStep::CreateIndex {
                name: "x_item_code_key".into(),
            },
        ] {
            assert!(
                plan.steps.contains(&expected),
                "{expected} missing from {:?}",
                plan.steps
            );
        }
        assert_eq!(plan.destructive().count(), 0);
        v2.apply_schema(false).await.unwrap();
        let mut tx = v2.begin(&Env::superuser()).await.unwrap();
        let tag = tx
            .create("x.tag", json!({"name": "t"}).as_object().unwrap())
            .await
            .unwrap();
        let item = tx
            .search("x.item", &Domain::all(), &Default::default())
            .await
            .unwrap()[0];
        tx.write(
            "x.item",
            &[item],
            json!({"code": "A1", "tag_ids": [[4, tag]]})
                .as_object()
                .unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let tx = v2.begin_read(&Env::superuser()).await.unwrap();
        let row = &tx.read("x.item", &[item], &[]).await.unwrap()[0];
        assert_eq!(
            (&row["name"], &row["qty"], &row["done"], &row["tag_ids"]),
            (&json!("First"), &json!(1), &json!(false), &json!([tag])),
            "old rows keep their data; new columns read empty"
        );
        tx.rollback().await.unwrap();
        v2.close().await.unwrap();

        let v3 = open(&db, V3_DROPS_AND_RETYPES).await;
        let err = v3.apply_schema(false).await.unwrap_err().to_string();
        for named in [
            "drop field x.item.note",
            "drop field x.item.code",
            "retype field x.item.qty from int to float",
            "drop model x.tag",
        ] {
            assert!(err.contains(named), "«{named}» not named in: {err}");
        }
        assert!(err.contains("--force"), "{err}");
        let plan = v3.apply_schema(true).await.unwrap();
        assert_eq!(plan.destructive().count(), 5, "{:?}", plan.steps);
        assert!(v3.apply_schema(false).await.unwrap().steps.is_empty());
        let mut tx = v3.begin(&Env::superuser()).await.unwrap();
        tx.create(
            "x.item",
            json!({"name": "Second", "qty": 2.5}).as_object().unwrap(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        v3.close().await.unwrap();
    }
}
