//! Writing logs on real SQLite and PostgreSQL databases: previews, sizes, payloads, redaction.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use std::time::Duration;
use weft_logstore::entity::api_log;
use weft_logstore::{Body, Entry, LogType};
use weft_registry::Registry;
use weft_store::testing::each_backend;

fn entry(request: serde_json::Value, response: serde_json::Value) -> Entry {
    Entry {
        at: chrono::Utc::now().naive_utc(),
        log_type: LogType::Receive,
        route: "/api/create_data".into(),
        function_name: "create_data".into(),
        model: Some("res.partner".into()),
        res_model: Some("res.partner".into()),
        res_id: Some(7),
        callback_url: None,
        success: true,
        request: Body::Json(request),
        response: Body::Json(response),
        preview_limit: 2000,
        duration: Duration::from_micros(1500),
        user_id: Some(1),
        idempotency_key: None,
    }
}

#[tokio::test]
async fn a_long_call_keeps_a_preview_its_size_and_its_redacted_payload() {
    each_backend(Registry::demo, async |store, _| {
        let long = "é".repeat(3000);
        let request = json!({"params": {"model": "res.partner", "vals": {"payload": {"name": long, "password": "hunter2"}}}});
        let response = json!({"is_success": true, "result": {"id": 7}});
        let id = weft_logstore::write(store.writer(), entry(request.clone(), response.clone()))
            .await
            .unwrap();
        let row = api_log::Entity::find_by_id(id)
            .one(store.connection())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.request_preview.chars().count(), 2004);
        assert!(row.request_preview.ends_with(" ..."));
        let mut redacted = request.clone();
        redacted["params"]["vals"]["payload"]["password"] = json!("***");
        assert_eq!(row.request_size, redacted.to_string().chars().count() as i64);
        assert!(row.has_payload);
        assert_eq!(row.state, "done");
        assert!((row.duration_ms - 1.5).abs() < 1e-9);
        let payload = weft_logstore::payload(store.connection(), id).await.unwrap().unwrap();
        assert_eq!(payload, json!({"request": redacted, "response": response}));
        assert!(!payload.to_string().contains("hunter2"));

        let short = weft_logstore::write(store.writer(), entry(json!({"a": 1}), json!({"b": 2})))
            .await
            .unwrap();
        let row = api_log::Entity::find_by_id(short).one(store.connection()).await.unwrap().unwrap();
        assert!(!row.has_payload);
        assert_eq!(row.request_preview, r#"{"a":1}"#);
        assert!(weft_logstore::payload(store.connection(), short).await.unwrap().is_none());

        assert_eq!(weft_logstore::delete(store.writer(), &[id, short]).await.unwrap(), 2);
        assert!(weft_logstore::payload(store.connection(), id).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn retention_purges_old_logs_with_their_payloads_in_chunks() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use weft_store::entity::{attachment, blob};
    use weft_store::testing::Backend;
    each_backend(Registry::demo, async |store, backend| {
        let mut ids = Vec::new();
        for i in 0..5 {
            // Every other log is long enough to keep a payload; each payload differs.
            let text = if i % 2 == 0 {
                format!("{i}").repeat(2500)
            } else {
                format!("{i}")
            };
            let id = weft_logstore::write(store.writer(), entry(json!({"name": text}), json!({})))
                .await
                .unwrap();
            ids.push(id);
        }
        let old = chrono::Utc::now().naive_utc() - chrono::Duration::days(40);
        api_log::Entity::update_many()
            .col_expr(
                api_log::Column::CreateDate,
                sea_orm::sea_query::Expr::value(old),
            )
            .filter(api_log::Column::Id.is_in(ids[..3].to_vec()))
            .exec(store.writer())
            .await
            .unwrap();
        assert_eq!(
            blob::Entity::find()
                .count(store.connection())
                .await
                .unwrap(),
            3
        );

        // Found before the purge, and no more after it (log 4 is kept).
        let found = |q: &str| {
            let filter = weft_logstore::Filter {
                q: Some(q.into()),
                ..Default::default()
            };
            let store = store.clone();
            async move {
                let (rows, _) = weft_logstore::list(store.connection(), &filter, 10)
                    .await
                    .unwrap();
                rows.into_iter().map(|r| r.id).collect::<Vec<_>>()
            }
        };
        assert_eq!(found("00000").await, vec![ids[0]]);
        assert_eq!(found("22222").await, vec![ids[2]]);
        let cutoff = chrono::Utc::now().naive_utc() - chrono::Duration::days(30);
        assert_eq!(weft_logstore::purge(&store, cutoff, 2).await.unwrap(), 3);
        if backend == Backend::Sqlite {
            // The trigram index dropped exactly the purged logs (its delete trigger).
            use sea_orm::ConnectionTrait;
            store
                .writer()
                .execute_unprepared(
                    "INSERT INTO weft_api_log_trigram (weft_api_log_trigram, rank) \
                     VALUES ('integrity-check', 1)",
                )
                .await
                .expect("the trigram index matches the logs");
        }
        assert_eq!(found("00000").await, Vec::<i64>::new());
        assert_eq!(found("22222").await, Vec::<i64>::new());
        assert_eq!(found("44444").await, vec![ids[4]]);
        let left: Vec<i64> = api_log::Entity::find()
            .all(store.connection())
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.id)
            .collect();
        assert_eq!(left, ids[3..].to_vec());
        // Logs 0 and 2 had payloads: gone with their blobs; log 4's stays.
        let payloads = attachment::Entity::find()
            .filter(attachment::Column::ResModel.eq(weft_logstore::PAYLOAD_MODEL))
            .count(store.connection())
            .await
            .unwrap();
        assert_eq!(payloads, 1);
        assert_eq!(
            blob::Entity::find()
                .count(store.connection())
                .await
                .unwrap(),
            1
        );
        assert!(
            weft_logstore::payload(store.connection(), ids[4])
                .await
                .unwrap()
                .is_some()
        );
    })
    .await;
}

#[tokio::test]
async fn the_log_writer_stores_every_log_it_was_given_in_order() {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    each_backend(Registry::demo, async |store, _| {
        let logs = weft_logstore::LogWriter::start(store.clone());
        // More than one batch holds, with payloads among them, from several tasks at once.
        let mut tasks = Vec::new();
        for task in 0..4 {
            let logs = logs.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..700 {
                    let name = if i % 100 == 0 {
                        "x".repeat(2500)
                    } else {
                        format!("{task}-{i}")
                    };
                    let mut e = entry(json!({"name": name}), json!({"n": i}));
                    e.res_id = Some(task * 1000 + i);
                    if i == 350 {
                        // PostgreSQL refuses NUL in text; a client can send one as the model.
                        e.model = Some(format!("res.partner\0{task}"));
                        // Not JSON: nothing in it could be masked, so it is not kept.
                        e.request = Body::Bytes(b"login=erp&password=hunter2".to_vec());
                    }
                    logs.record(e).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        logs.flush().await;
        let rows: Vec<(i64, Option<i64>, bool)> = api_log::Entity::find()
            .select_only()
            .columns([
                api_log::Column::Id,
                api_log::Column::ResId,
                api_log::Column::HasPayload,
            ])
            .order_by_asc(api_log::Column::Id)
            .into_tuple()
            .all(store.connection())
            .await
            .unwrap();
        assert_eq!(rows.len(), 2800);
        assert_eq!(rows.iter().filter(|r| r.2).count(), 28);
        // Each task's logs are stored in the order it recorded them.
        for task in 0..4 {
            let mine: Vec<i64> = rows
                .iter()
                .filter_map(|r| r.1)
                .filter(|r| r / 1000 == task)
                .collect();
            assert_eq!(mine, (0..700).map(|i| task * 1000 + i).collect::<Vec<_>>());
        }
        let odd = api_log::Entity::find()
            .filter(api_log::Column::ResId.eq(350))
            .one(store.connection())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(odd.model.as_deref(), Some("res.partner\u{fffd}0"));
        assert_eq!(
            odd.request_preview,
            r#""(26 bytes that are not JSON; not kept)""#
        );
        let with_payload = rows.iter().find(|r| r.2).unwrap().0;
        let payload = weft_logstore::payload(store.connection(), with_payload)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(payload["request"]["name"], json!("x".repeat(2500)));

        // Logs still waiting when the last writer is dropped are stored all the same.
        logs.record(entry(json!({"last": true}), json!({}))).await;
        drop(logs);
        let mut stored = 0;
        for _ in 0..100 {
            stored = api_log::Entity::find()
                .count(store.connection())
                .await
                .unwrap();
            if stored == 2801 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(stored, 2801);
    })
    .await;
}

#[tokio::test]
async fn a_send_log_keeps_no_secret_in_its_columns_previews_or_payload() {
    each_backend(Registry::demo, async |store, _| {
        let url = "https://user:hunter2@erp.example.com/cb?token=abc&x=1";
        let mut e = entry(
            json!({"name": "N".repeat(2500), "next": url,
                   "deep": [{"Client-Secret": "cs-1", "refresh_token": "rt-1"}],
                   "headers": [{"name": "X-Api-Key", "value": "xk-1"}]}),
            json!({"status": 500, "error": format!("error sending request for url ({url})")}),
        );
        e.log_type = LogType::Send;
        e.route = url.into();
        e.function_name = format!("rule posting to {url}");
        e.callback_url = Some(url.into());
        let id = weft_logstore::write(store.writer(), e).await.unwrap();
        let row = api_log::Entity::find_by_id(id)
            .one(store.connection())
            .await
            .unwrap()
            .unwrap();
        let masked = "https://***@erp.example.com/cb?token=***&x=1";
        assert_eq!(row.route, masked);
        assert_eq!(row.callback_url.as_deref(), Some(masked));
        assert_eq!(row.function_name, format!("rule posting to {masked}"));
        assert!(row.has_payload);
        let payload = weft_logstore::payload(store.connection(), id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(payload["request"]["next"], json!(masked));
        let stored = format!("{row:?} {payload}");
        for secret in ["hunter2", "abc", "cs-1", "rt-1", "xk-1"] {
            assert!(
                !stored.contains(secret),
                "{secret} reached the log: {stored}"
            );
        }
    })
    .await;
}
