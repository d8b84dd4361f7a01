//! Record create, write, unlink, read and search on real SQLite and PostgreSQL databases. One module
//! a concern; the fixtures they share are here.

mod data;
mod hooks;
mod search;
mod write;

use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_store::{Env, Store};

pub(crate) fn vals(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

pub(crate) fn domain(text: &str) -> Domain {
    Domain::parse_text(text).expect("valid domain")
}

pub(crate) async fn create(store: &Store, model: &str, values: Value) -> i64 {
    let mut tx = store.begin(&Env::superuser()).await.unwrap();
    let id = tx.create(model, &vals(values)).await.unwrap();
    tx.commit().await.unwrap();
    id
}

pub(crate) async fn count(store: &Store, model: &str) -> u64 {
    let tx = store.begin_read(&Env::superuser()).await.unwrap();
    tx.count(model, &Domain::all(), true).await.unwrap()
}

/// Partner ACME, products Desk and Chair, tag VIP.
pub(crate) async fn fixtures(store: &Store) -> (i64, i64, i64, i64) {
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
