//! The log at a glance on real SQLite and PostgreSQL: calls counted into the right hour at its
//! edges (59.999 s past, and on the hour), by type and state; the latest failures newest first.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::json;
use weft_logstore::summary::{HourCount, hourly, latest_failed};
use weft_logstore::{Body, Entry, LogType};
use weft_registry::Registry;
use weft_store::testing::each_backend;

fn at(h: u32, m: u32, s: u32, ms: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_milli_opt(h, m, s, ms)
        .unwrap()
}

fn entry(when: NaiveDateTime, log_type: LogType, success: bool) -> Entry {
    Entry {
        at: when,
        log_type,
        route: "/api/create_data".into(),
        function_name: "create_data".into(),
        model: Some("res.partner".into()),
        res_model: None,
        res_id: None,
        callback_url: None,
        success,
        request: Body::Json(json!({})),
        response: Body::Json(json!({"is_success": success})),
        preview_limit: 2000,
        duration: std::time::Duration::from_millis(1),
        user_id: None,
        idempotency_key: None,
    }
}

#[tokio::test]
async fn hours_count_their_own_calls_and_the_latest_failures_come_first() {
    each_backend(Registry::demo, async |store, _| {
        let logs = [
            (at(9, 59, 59, 999), LogType::Receive, true),
            (at(10, 0, 0, 0), LogType::Receive, true),
            (at(10, 30, 0, 0), LogType::Receive, false),
            (at(10, 59, 59, 999), LogType::Send, false),
            (at(11, 0, 0, 0), LogType::Send, true),
            // Before the window: not counted.
            (at(8, 59, 59, 0), LogType::Receive, true),
        ];
        let mut ids = Vec::new();
        for (when, log_type, success) in logs {
            let id = weft_logstore::write(store.writer(), entry(when, log_type, success))
                .await
                .unwrap();
            ids.push(id);
        }
        let counts = hourly(store.connection(), at(9, 0, 0, 0), 3).await.unwrap();
        assert_eq!(
            counts.len(),
            3 * 4,
            "every hour, type and state: {counts:?}"
        );
        let nonzero: Vec<(u32, &str, &str, i64)> = counts
            .iter()
            .filter(|c| c.count > 0)
            .map(|c: &HourCount| {
                use chrono::Timelike;
                (
                    c.hour.hour(),
                    c.log_type.as_str(),
                    c.state.as_str(),
                    c.count,
                )
            })
            .collect();
        assert_eq!(
            nonzero,
            [
                (9, "receive", "done", 1),
                (10, "receive", "done", 1),
                (10, "receive", "failed", 1),
                (10, "send", "failed", 1),
                (11, "send", "done", 1),
            ]
        );
        assert!(counts.windows(2).all(|w| w[0].hour <= w[1].hour));

        let failed = latest_failed(store.connection(), at(9, 0, 0, 0), 10)
            .await
            .unwrap();
        let failed: Vec<i64> = failed.iter().map(|l| l.id).collect();
        assert_eq!(failed, [ids[3], ids[2]]);
        let one = latest_failed(store.connection(), at(10, 45, 0, 0), 10)
            .await
            .unwrap();
        assert_eq!(one.len(), 1);
        let none = latest_failed(
            store.connection(),
            at(11, 0, 0, 0) + Duration::seconds(1),
            10,
        )
        .await
        .unwrap();
        assert!(none.is_empty());
    })
    .await;
}
