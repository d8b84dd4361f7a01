//! Ecosoft's `test_webhook_utils` cases 01–07 (research §15), on the `webhook.test` model that
//! stands in for their `api.log` fixtures. Where Weft differs on purpose (DESIGN.md §12) the test
//! says so.

mod common;

use common::*;
use serde_json::json;
use weft_inbound::call::Route;
use weft_store::testing::each_backend;

#[tokio::test]
async fn test_01_create_data() {
    each_backend(test_registry, async |store, _| {
        let result = ok(&run(
            &store,
            Route::CreateData,
            "webhook.test",
            json!({"payload": {"name": "T1", "function_name": "created"}}),
        )
        .await);
        let id = id_of(&result);
        assert_eq!(
            read(&store, "webhook.test", id).await["function_name"],
            json!("created")
        );
    })
    .await;
}

#[tokio::test]
async fn test_02_update_data() {
    each_backend(test_registry, async |store, _| {
        let id = create(&store, "webhook.test", json!({"name": "T1"})).await;
        let result = ok(&run(
            &store,
            Route::UpdateData,
            "webhook.test",
            json!({"search_key": {"id": id}, "payload": {"function_name": "updated"}}),
        )
        .await);
        assert_eq!(result, json!({"id": id}));
        assert_eq!(
            read(&store, "webhook.test", id).await["function_name"],
            json!("updated")
        );
    })
    .await;
}

#[tokio::test]
async fn test_03_search_data() {
    each_backend(test_registry, async |store, _| {
        create(
            &store,
            "webhook.test",
            json!({"name": "T1", "function_name": "first"}),
        )
        .await;
        create(
            &store,
            "webhook.test",
            json!({"name": "T2", "function_name": "second"}),
        )
        .await;
        let result = ok(&run(
            &store,
            Route::SearchData,
            "webhook.test",
            json!({"payload": {"search_field": ["function_name"],
                               "search_domain": "[('function_name', '=', 'second')]", "limit": 1}}),
        )
        .await);
        assert_eq!(result.as_array().unwrap().len(), 1);
        assert_eq!(result[0]["function_name"], json!("second"));
    })
    .await;
}

#[tokio::test]
async fn test_04_many2one_by_name_with_auto_create_and_by_id() {
    each_backend(test_registry, async |store, _| {
        let result = ok(&run(
            &store,
            Route::CreateData,
            "webhook.test",
            json!({"payload": {"name": "T", "subtype_id": {"name": "Test New Subtype"}},
                   "auto_create": {"subtype_id": {"name": "Test New Subtype"}}}),
        )
        .await);
        let subtype = search(
            &store,
            "res.partner.category",
            "[('name', '=', 'Test New Subtype')]",
        )
        .await;
        assert_eq!(subtype.len(), 1);
        assert_eq!(
            read(&store, "webhook.test", id_of(&result)).await["subtype_id"][0],
            json!(subtype[0])
        );
        // 04b: by id.
        let result = ok(&run(
            &store,
            Route::CreateData,
            "webhook.test",
            json!({"payload": {"name": "T", "subtype_id": {"id": subtype[0]}}}),
        )
        .await);
        assert_eq!(
            read(&store, "webhook.test", id_of(&result)).await["subtype_id"][0],
            json!(subtype[0])
        );
        // Without auto_create a missing name is not_found.
        let error = err(&run(
            &store,
            Route::CreateData,
            "webhook.test",
            json!({"payload": {"name": "T", "subtype_id": {"name": "Nope"}}}),
        )
        .await);
        assert_eq!(
            (error.code, error.path.as_deref()),
            ("not_found", Some("subtype_id"))
        );
    })
    .await;
}

#[tokio::test]
async fn test_04c_to_04f_many2many_modes() {
    each_backend(test_registry, async |store, _| {
        let t1 = create(&store, "crm.tag", json!({"name": "Tag 1"})).await;
        let t2 = create(&store, "crm.tag", json!({"name": "Tag 2"})).await;
        let id = create(&store, "webhook.test", json!({"name": "T"})).await;
        let update = |tags: serde_json::Value| json!({"search_key": {"id": id}, "payload": {"tag_ids": tags}});
        let tags = async || read(&store, "webhook.test", id).await["tag_ids"].clone();
        // 04c add: (4, id1), (4, id2).
        ok(&run(&store, Route::UpdateData, "webhook.test",
            update(json!({"mode": "add", "records": [{"name": "Tag 1"}, {"name": "Tag 2"}]}))).await);
        assert_eq!(tags().await, json!([t1, t2]));
        // 04d replace: (6, 0, [id]).
        ok(&run(&store, Route::UpdateData, "webhook.test",
            update(json!({"mode": "replace", "records": [{"name": "Tag 2"}]}))).await);
        assert_eq!(tags().await, json!([t2]));
        // 04e no mode is replace.
        ok(&run(&store, Route::UpdateData, "webhook.test", update(json!({"records": [{"name": "Tag 1"}]}))).await);
        assert_eq!(tags().await, json!([t1]));
        // 04f an unknown mode is refused.
        let error = err(&run(&store, Route::UpdateData, "webhook.test",
            update(json!({"mode": "upsert", "records": [{"name": "Tag 1"}]}))).await);
        assert_eq!(error.code, "invalid_value");
        assert!(error.message.contains("'mode' must be 'add' or 'replace'"), "{}", error.message);
        // Replace with no records clears.
        ok(&run(&store, Route::UpdateData, "webhook.test", update(json!({"records": []}))).await);
        assert_eq!(tags().await, json!([]));
    })
    .await;
}

#[tokio::test]
async fn test_05_attachment() {
    each_backend(test_registry, async |store, _| {
        let result = ok(&run(&store, Route::CreateData, "webhook.test",
            json!({"payload": {"name": "T", "attachment_ids": [{"name": "test.txt", "datas": HELLO}]}})).await);
        let files = attachments_of(&store, "webhook.test", id_of(&result)).await;
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].name, "test.txt");
        assert_eq!(files[0].res_model.as_deref(), Some("webhook.test"));
        assert_eq!(blob_data(&store, &files[0].blob_sha256).await, b"Hello World");
    })
    .await;
}

#[tokio::test]
async fn test_06_call_function_parameters_and_context() {
    each_backend(test_registry, async |store, _| {
        let id = create(&store, "webhook.test", json!({"name": "T"})).await;
        let call = |payload: serde_json::Value| json!({"search_key": {"id": id}, "payload": payload});
        // 06: no parameter.
        let outcome = run(&store, Route::CallFunction, "webhook.test",
            call(json!({"method": "action_call_api_with_context", "parameter": {}}))).await;
        ok(&outcome);
        assert_eq!(outcome.body["messages"], json!("Function 'action_call_api_with_context' called successfully"));
        assert_eq!(read(&store, "webhook.test", id).await["function_name"], json!("called"));
        // 06b: keyword arguments in any order; the optional one left out.
        ok(&run(&store, Route::CallFunction, "webhook.test",
            call(json!({"method": "action_call_api_with_params", "parameter": {"b": "world", "a": "hello"}}))).await);
        let row = read(&store, "webhook.test", id).await;
        assert_eq!((&row["a_value"], &row["b_value"], &row["note"]), (&json!("hello"), &json!("world"), &json!(false)));
        // 06c: with the optional one.
        ok(&run(&store, Route::CallFunction, "webhook.test",
            call(json!({"method": "action_call_api_with_params",
                        "parameter": {"a": "foo", "b": "bar", "note": "baz"}}))).await);
        let row = read(&store, "webhook.test", id).await;
        assert_eq!((&row["a_value"], &row["b_value"], &row["note"]), (&json!("foo"), &json!("bar"), &json!("baz")));
        // 06d: a context is accepted (Weft methods are declarative, so it changes nothing).
        ok(&run(&store, Route::CallFunction, "webhook.test",
            call(json!({"method": "action_call_api_with_context", "context": {"is_context": "1"}}))).await);
    })
    .await;
}

#[tokio::test]
async fn test_07_update_without_search_key() {
    each_backend(test_registry, async |store, _| {
        let error = err(&run(
            &store,
            Route::UpdateData,
            "webhook.test",
            json!({"payload": {"function_name": "x"}}),
        )
        .await);
        assert_eq!(error.code, "missing_field");
        assert!(
            error
                .message
                .contains("Parameter 'search_key' in 'vals' not found")
                || error
                    .message
                    .contains("parameter 'search_key' in 'vals' not found"),
            "{}",
            error.message
        );
    })
    .await;
}
