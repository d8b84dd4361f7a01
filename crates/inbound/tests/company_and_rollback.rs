//! Company scoping of lookups (the payload level's company or the user's, plus shared records;
//! exact `ignore_checkcompany_model` names) and the rollback settings.

mod common;

use common::*;
use serde_json::json;
use weft_inbound::call::{CallSettings, Route};
use weft_store::testing::each_backend;
use weft_store::{Env, Store};

/// A user in company 1 who may also see company 2.
fn user() -> Env {
    Env {
        uid: None,
        company_id: 1,
        company_ids: vec![1, 2],
        superuser: false,
        models: None,
    }
}

/// Company 2 and partners: Shared (no company), Own (1), Other (2), Twin in 1 and in 2.
async fn companies(store: &Store) -> (i64, i64, i64) {
    let second = create(store, "res.company", json!({"name": "Second"})).await;
    assert_eq!(second, 2);
    let shared = create(
        store,
        "res.partner",
        json!({"name": "Shared", "company_id": false}),
    )
    .await;
    create(
        store,
        "res.partner",
        json!({"name": "Own", "company_id": 1}),
    )
    .await;
    let other = create(
        store,
        "res.partner",
        json!({"name": "Other", "company_id": 2}),
    )
    .await;
    let twin = create(
        store,
        "res.partner",
        json!({"name": "Twin", "company_id": 1}),
    )
    .await;
    create(
        store,
        "res.partner",
        json!({"name": "Twin", "company_id": 2}),
    )
    .await;
    (shared, other, twin)
}

async fn order_for(
    store: &Store,
    settings: &CallSettings,
    payload: serde_json::Value,
) -> weft_inbound::call::CallOutcome {
    run_as(
        store,
        &user(),
        Route::CreateData,
        "sale.order",
        json!({"payload": payload}),
        settings,
    )
    .await
}

#[tokio::test]
async fn lookups_see_the_level_company_and_shared_records() {
    each_backend(test_registry, async |store, _| {
        let (shared, other, twin) = companies(&store).await;
        let default = CallSettings::default();
        let partner_of = async |outcome: &weft_inbound::call::CallOutcome| {
            read(&store, "sale.order", id_of(&ok(outcome))).await["partner_id"][0].clone()
        };
        let outcome = order_for(&store, &default, json!({"partner_id": {"name": "Shared"}})).await;
        assert_eq!(partner_of(&outcome).await, json!(shared));
        // The user may see company 2, but this lookup is scoped to company 1.
        let error =
            err(&order_for(&store, &default, json!({"partner_id": {"name": "Other"}})).await);
        assert_eq!(error.code, "not_found");
        let outcome = order_for(&store, &default, json!({"partner_id": {"name": "Twin"}})).await;
        assert_eq!(partner_of(&outcome).await, json!(twin));
        // The payload's company scopes its own level.
        let outcome = order_for(
            &store,
            &default,
            json!({"company_id": 2, "partner_id": {"name": "Other"}}),
        )
        .await;
        assert_eq!(partner_of(&outcome).await, json!(other));
        let outcome = order_for(
            &store,
            &default,
            json!({"company_id": {"name": "Second"}, "partner_id": {"name": "Shared"}}),
        )
        .await;
        assert_eq!(partner_of(&outcome).await, json!(shared));
        // A pure id lookup is not company-filtered.
        let outcome = order_for(&store, &default, json!({"partner_id": {"id": other}})).await;
        assert_eq!(partner_of(&outcome).await, json!(other));
        // Ignored models are looked up in every visible company; names must match exactly.
        let near = CallSettings {
            ignore_checkcompany_model: vec!["res.partner.category".into()],
            ..Default::default()
        };
        assert_eq!(
            err(&order_for(&store, &near, json!({"partner_id": {"name": "Other"}})).await).code,
            "not_found"
        );
        let ignored = CallSettings {
            ignore_checkcompany_model: vec!["res.partner".into()],
            ..Default::default()
        };
        let outcome = order_for(&store, &ignored, json!({"partner_id": {"name": "Other"}})).await;
        assert_eq!(partner_of(&outcome).await, json!(other));
        assert_eq!(
            err(&order_for(&store, &ignored, json!({"partner_id": {"name": "Twin"}})).await).code,
            "multiple_matches"
        );
    })
    .await;
}

#[tokio::test]
async fn a_user_never_finds_records_of_a_company_it_may_not_see() {
    each_backend(test_registry, async |store, _| {
        companies(&store).await;
        let only_first = Env {
            company_ids: vec![1],
            ..user()
        };
        let ignored = CallSettings {
            ignore_checkcompany_model: vec!["res.partner".into()],
            ..Default::default()
        };
        let outcome = run_as(
            &store,
            &only_first,
            Route::CreateData,
            "sale.order",
            json!({"payload": {"partner_id": {"name": "Other"}}}),
            &ignored,
        )
        .await;
        assert_eq!(err(&outcome).code, "not_found");
        let outcome = run_as(
            &store,
            &only_first,
            Route::SearchData,
            "res.partner",
            json!({"payload": {"search_field": ["name"], "order": "name"}}),
            &ignored,
        )
        .await;
        let names: Vec<String> = ok(&outcome)
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["Own", "Shared", "Twin"]);
    })
    .await;
}

#[tokio::test]
async fn with_rollback_except_off_the_work_before_the_failure_is_committed() {
    each_backend(test_registry, async |store, _| {
        let f = fixtures(&store).await;
        let keep = CallSettings {
            rollback_except: false,
            ..Default::default()
        };
        // Payload keys are converted in name order: the customer is auto-created before the
        // tags fail.
        let vals = json!({"payload": {"partner_id": {"name": "Auto"},
                                      "order_line": [{"product_id": {"default_code": "DESK"}}],
                                      "tag_ids": {"records": [{"name": "Nope"}]}},
                          "auto_create": {"partner_id": {"name": "Auto"}}});
        // Default settings: nothing stays.
        let before = footprint(&store).await;
        err(&run(&store, Route::CreateData, "sale.order", vals.clone()).await);
        assert_eq!(footprint(&store).await, before);
        // Rollback off: the auto-created customer, made before the failure, stays.
        let error = err(&run_as(&store, &Env::superuser(), Route::CreateData, "sale.order", vals, &keep).await);
        assert_eq!(error.path.as_deref(), Some("tag_ids"));
        assert_eq!(search(&store, "res.partner", "[('name', '=', 'Auto')]").await.len(), 1);
        assert_eq!(count(&store, "sale.order").await, 0);
        // A failure inside the write: the order stays; its lines are checked together before
        // any is inserted, so none of them does.
        let outcome = run_as(&store, &Env::superuser(), Route::CreateData, "sale.order",
            json!({"payload": {"partner_id": f.acme, "order_line": [{"product_id": f.desk}, {"product_id": 999_999}]}}),
            &keep).await;
        assert_eq!(err(&outcome).code, "invalid_value");
        assert_eq!((count(&store, "sale.order").await, count(&store, "sale.order.line").await), (1, 0));
    })
    .await;
}

/// A change hook that fails the way a broken database would.
struct Broken;

#[async_trait::async_trait]
impl weft_store::ChangeHook for Broken {
    async fn after(
        &self,
        _tx: &weft_store::Tx,
        _changes: &weft_store::ChangeSet,
        _state: weft_store::HookState,
    ) -> Result<(), weft_store::HookError> {
        Err(weft_store::HookError(
            "relation \"weft_outbox\" does not exist (SELECT secret FROM ...)".into(),
        ))
    }
}

#[tokio::test]
async fn internal_failures_answer_a_generic_message_and_roll_back() {
    each_backend(test_registry, async |store, _| {
        fixtures(&store).await;
        store.register_hook(std::sync::Arc::new(Broken));
        let before = footprint(&store).await;
        let outcome = run(&store, Route::CreateData, "sale.order",
            json!({"payload": {"partner_id": {"name": "ACME"}, "attachment_ids": [{"name": "a.txt", "datas": HELLO}]},
                   "callback_url": "https://ext/cb"})).await;
        let error = err(&outcome);
        assert_eq!(error.code, "internal_error");
        assert!(!error.message.contains("secret") && !error.message.contains("SELECT"), "{}", error.message);
        assert_eq!((error.field, error.path), (None, None));
        assert_eq!(footprint(&store).await, before);
    })
    .await;
}
