//! The plans of a user's searches on SQLite (BENCHMARKS.md, rpc).

use super::*;
use crate::Env;
use crate::testing::{Backend as TestBackend, TestDb};
use sea_orm::Statement;
use serde_json::json;

/// A user's search of a company-scoped model walks the index of its domain and order, with the
/// company rule as a filter: SQLite (without statistics) otherwise looked the rows up through
/// `company_id`'s index, every row of the company, and sorted them (BENCHMARKS.md, rpc).
#[tokio::test]
async fn a_users_search_keeps_the_index_of_its_order_on_sqlite() {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let store = db.store(weft_registry::Registry::demo()).await;
    let mut tx = store.begin(&Env::superuser()).await.expect("begin");
    let b = json!({"name": "B"});
    assert_eq!(
        tx.create("res.company", b.as_object().unwrap())
            .await
            .expect("company"),
        2
    );
    let partners = [
        ("a", "R1", Some(1)),
        ("b", "R2", None),
        ("c", "R3", Some(1)),
        ("d", "R4", Some(2)),
    ];
    for (name, reference, company) in partners {
        let vals =
            json!({"name": name, "ref": reference, "customer_rank": 1, "company_id": company});
        tx.create("res.partner", vals.as_object().unwrap())
            .await
            .expect("create");
    }
    tx.commit().await.expect("commit");
    let tx = store
        .begin_read(&Env::user(1, 1, vec![1]))
        .await
        .expect("begin");
    let domain = Domain::parse_json(&json!([["ref", ">=", "R2"], ["customer_rank", ">", 0]]))
        .expect("domain");
    let options = SearchOptions {
        order: Some("ref"),
        limit: Some(80),
        ..Default::default()
    };
    let select =
        search_select(&tx, tx.model("res.partner").unwrap(), &domain, &options).expect("select");
    let statement = tx.backend().build(&select);
    let explain = Statement::from_sql_and_values(
        tx.backend(),
        format!("EXPLAIN QUERY PLAN {}", statement.sql),
        statement.values.clone().expect("values").0,
    );
    let plan: Vec<String> = tx
        .conn
        .query_all_raw(explain)
        .await
        .expect("explain")
        .iter()
        .map(|r| r.try_get_by_index::<String>(3).expect("detail"))
        .collect();
    let plan = plan.join("\n");
    assert!(plan.contains("res_partner_ref_index"), "{plan}");
    assert!(
        !plan.contains("company_id_index") && !plan.contains("TEMP B-TREE"),
        "{plan}"
    );
    // The rule still holds: shared partners and the company's, in the order asked.
    let ids = search(&tx, "res.partner", &domain, &options)
        .await
        .expect("search");
    let refs: Vec<String> = tx
        .read("res.partner", &ids, &["ref"])
        .await
        .expect("read")
        .iter()
        .map(|r| r["ref"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(refs, ["R2", "R3"]);
}
