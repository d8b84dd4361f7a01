//! Shared test helpers: calling a route as the superuser or a given env, reading outcomes, counting
//! what a call left behind, and the schemas the tests run on (the demo schema, plus a small
//! `webhook.test` model standing in for ecosoft's `api.log` test fixtures).
#![allow(dead_code)]

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_inbound::call::{self, ApiError, CallOutcome, CallSettings, Route};
use weft_registry::{DEMO_SCHEMA, Registry};
use weft_store::entity::{attachment, blob, record_callback};
use weft_store::{Env, Store};

/// A model for ecosoft's acceptance cases (research §15): a many2one and a many2many to look up,
/// a read-only field, and methods with typed parameters.
const TEST_MODEL: &str = r#"
[models."webhook.test"]
description = "Webhook test record"
order = "id"
[models."webhook.test".fields]
name = { type = "char", required = true }
function_name = { type = "char" }
a_value = { type = "char" }
b_value = { type = "char" }
note = { type = "char" }
quantity = { type = "integer" }
locked_code = { type = "char", readonly = true }
subtype_id = { type = "many2one", comodel = "res.partner.category" }
tag_ids = { type = "many2many", comodel = "crm.tag", relation = "webhook_test_tag_rel", column1 = "test_id", column2 = "tag_id" }
[models."webhook.test".methods]
action_call_api_with_params = { kind = "write", values = { a_value = { "$param" = "a" }, b_value = { "$param" = "b" }, note = { "$param" = "note" } }, params = { a = "char", b = "char", note = "char" } }
action_call_api_with_context = { kind = "write", values = { function_name = "called" } }
action_set_quantity = { kind = "write", values = { quantity = { "$param" = "quantity" } }, params = { quantity = "integer" } }
action_duplicate = { kind = "copy" }
action_delete = { kind = "unlink" }
"#;

/// The demo schema with `webhook.test` and a `copy` method on `sale.order`.
pub fn test_registry() -> Registry {
    let demo = DEMO_SCHEMA.replace(
        "[models.\"sale.order\".methods]\n",
        "[models.\"sale.order\".methods]\naction_duplicate = { kind = \"copy\" }\n",
    );
    Registry::from_toml(&format!("{demo}\n{TEST_MODEL}")).expect("the test schema is valid")
}

pub fn obj(value: Value) -> Map<String, Value> {
    value.as_object().expect("an object").clone()
}

pub async fn run(store: &Store, route: Route, model: &str, vals: Value) -> CallOutcome {
    run_as(
        store,
        &Env::superuser(),
        route,
        model,
        vals,
        &CallSettings::default(),
    )
    .await
}

pub async fn run_as(
    store: &Store,
    env: &Env,
    route: Route,
    model: &str,
    vals: Value,
    settings: &CallSettings,
) -> CallOutcome {
    call::run(store, env, route, model, &obj(vals), settings).await
}

/// The `result` of a successful call (panics with the body otherwise).
pub fn ok(outcome: &CallOutcome) -> Value {
    assert_eq!(
        outcome.body["is_success"],
        json!(true),
        "expected success, got {}",
        outcome.body
    );
    assert!(outcome.error.is_none());
    outcome.body["result"].clone()
}

/// The error of a failed call, after checking the body's shape.
pub fn err(outcome: &CallOutcome) -> ApiError {
    let body = &outcome.body;
    assert_eq!(
        body["is_success"],
        json!(false),
        "expected failure, got {body}"
    );
    assert!(
        body.get("result").is_none(),
        "a failure has no result: {body}"
    );
    let error = outcome.error.clone().expect("an error");
    assert_eq!(body["messages"], json!(error.message));
    assert_eq!(body["error"]["code"], json!(error.code));
    assert!(!error.message.contains('\n'), "one line: {}", error.message);
    error
}

pub fn id_of(result: &Value) -> i64 {
    result["id"].as_i64().expect("an id")
}

/// Create a record directly through the store, as the superuser.
pub async fn create(store: &Store, model: &str, values: Value) -> i64 {
    let mut tx = store.begin(&Env::superuser()).await.unwrap();
    let id = tx.create(model, &obj(values)).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// read() of one record, as the superuser.
pub async fn read(store: &Store, model: &str, id: i64) -> Map<String, Value> {
    let tx = store.begin_read(&Env::superuser()).await.unwrap();
    let mut rows = tx.read(model, &[id], &[]).await.unwrap();
    tx.rollback().await.unwrap();
    rows.pop().expect("the record exists")
}

/// Ids matching a domain text, archived included.
pub async fn search(store: &Store, model: &str, domain: &str) -> Vec<i64> {
    let tx = store.begin_read(&Env::superuser()).await.unwrap();
    let options = weft_store::SearchOptions {
        include_archived: true,
        ..Default::default()
    };
    let ids = tx
        .search(model, &Domain::parse_text(domain).unwrap(), &options)
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    ids
}

pub async fn count(store: &Store, model: &str) -> u64 {
    let tx = store.begin_read(&Env::superuser()).await.unwrap();
    let n = tx.count(model, &Domain::all(), true).await.unwrap();
    tx.rollback().await.unwrap();
    n
}

/// What a call can leave behind, to compare before and after.
#[derive(Debug, PartialEq, Eq)]
pub struct Footprint {
    pub orders: u64,
    pub lines: u64,
    pub partners: u64,
    pub products: u64,
    pub tags: u64,
    pub attachments: u64,
    pub blobs: u64,
    pub callbacks: u64,
}

pub async fn footprint(store: &Store) -> Footprint {
    let conn = store.connection();
    Footprint {
        orders: count(store, "sale.order").await,
        lines: count(store, "sale.order.line").await,
        partners: count(store, "res.partner").await,
        products: count(store, "product.product").await,
        tags: count(store, "crm.tag").await,
        attachments: attachment::Entity::find().count(conn).await.unwrap(),
        blobs: blob::Entity::find().count(conn).await.unwrap(),
        callbacks: record_callback::Entity::find().count(conn).await.unwrap(),
    }
}

pub async fn attachments_of(store: &Store, model: &str, id: i64) -> Vec<attachment::Model> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    attachment::Entity::find()
        .filter(attachment::Column::ResModel.eq(model))
        .filter(attachment::Column::ResId.eq(id))
        .order_by_asc(attachment::Column::Id)
        .all(store.connection())
        .await
        .unwrap()
}

pub async fn blob_data(store: &Store, sha256: &str) -> Vec<u8> {
    blob::Entity::find_by_id(sha256.to_string())
        .one(store.connection())
        .await
        .unwrap()
        .expect("the blob exists")
        .data
}

pub async fn callbacks(store: &Store) -> Vec<record_callback::Model> {
    use sea_orm::QueryOrder;
    record_callback::Entity::find()
        .order_by_asc(record_callback::Column::Id)
        .all(store.connection())
        .await
        .unwrap()
}

/// Customer ACME (ref C001), products Desk (DESK) and Chair (CHAIR), tags VIP and Export.
pub struct Fixtures {
    pub acme: i64,
    pub desk: i64,
    pub chair: i64,
    pub vip: i64,
    pub export: i64,
}

pub async fn fixtures(store: &Store) -> Fixtures {
    Fixtures {
        acme: create(
            store,
            "res.partner",
            json!({"name": "ACME", "ref": "C001", "vat": "TH123", "company_type": "company"}),
        )
        .await,
        desk: create(
            store,
            "product.product",
            json!({"name": "Desk", "default_code": "DESK", "list_price": 120.0}),
        )
        .await,
        chair: create(
            store,
            "product.product",
            json!({"name": "Chair", "default_code": "CHAIR", "list_price": 45.5}),
        )
        .await,
        vip: create(store, "crm.tag", json!({"name": "VIP"})).await,
        export: create(store, "crm.tag", json!({"name": "Export"})).await,
    }
}

/// `Hello World`, base64.
pub const HELLO: &str = "SGVsbG8gV29ybGQ=";
