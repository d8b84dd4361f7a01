//! `q` on real SQLite and PostgreSQL databases: every term found inside the previews the way Odoo's
//! `ilike` finds it, through the trigram indexes, at once after the log is stored.

use serde_json::{Value, json};
use std::time::Duration;
use weft_logstore::{Body, Entry, Filter, LogType};
use weft_registry::Registry;
use weft_store::Store;
use weft_store::testing::each_backend;

fn entry(request: Value, response: Value) -> Entry {
    Entry {
        at: chrono::Utc::now().naive_utc(),
        log_type: LogType::Receive,
        route: "/api/create_data".into(),
        function_name: "create_data".into(),
        model: Some("sale.order".into()),
        res_model: None,
        res_id: None,
        callback_url: None,
        success: true,
        request: Body::Json(request),
        response: Body::Json(response),
        preview_limit: 2000,
        duration: Duration::ZERO,
        user_id: None,
        idempotency_key: None,
    }
}

/// The logs `q` finds, newest first.
async fn found(store: &Store, q: &str) -> Vec<i64> {
    let filter = Filter {
        q: Some(q.into()),
        ..Filter::default()
    };
    let (rows, _) = weft_logstore::list(store.connection(), &filter, 50)
        .await
        .unwrap_or_else(|e| panic!("q={q}: {e}"));
    rows.into_iter().map(|r| r.id).collect()
}

/// Store a log whose request holds `request` and whose response holds `response`; its id.
async fn log(store: &Store, request: Value, response: Value) -> i64 {
    weft_logstore::write(store.writer(), entry(request, response))
        .await
        .unwrap()
}

/// Every log `q` finds, walking the cursor two at a time.
async fn paged(store: &Store, q: &str) -> Vec<i64> {
    let mut filter = Filter {
        q: Some(q.into()),
        ..Filter::default()
    };
    let mut ids = Vec::new();
    loop {
        let (rows, next) = weft_logstore::list(store.connection(), &filter, 2)
            .await
            .unwrap();
        ids.extend(rows.iter().map(|r| r.id));
        match next {
            Some(before) => filter.before = Some(before),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn q_finds_a_fragment_of_a_value_as_odoo_ilike_does() {
    each_backend(Registry::demo, async |store, backend| {
        let order = log(
            &store,
            json!({"client_order_ref": "SO0042", "partner": "Zanzibarian Spice"}),
            json!({"id": 7}),
        )
        .await;
        let email = log(
            &store,
            json!({"email": "jane.doe@example.com"}),
            json!({"is_success": true}),
        )
        .await;
        let answer = log(
            &store,
            json!({"name": "x"}),
            json!({"messages": "Record SO0042 created"}),
        )
        .await;
        // Stored a moment ago, found now: the index is kept in the transaction.
        assert_eq!(
            found(&store, "SO00").await,
            vec![answer, order],
            "{backend:?}"
        );
        assert_eq!(found(&store, "so0042").await, vec![answer, order]);
        assert_eq!(found(&store, "doe@exam").await, vec![email]);
        assert_eq!(found(&store, "E.DOE").await, vec![email]);
        assert_eq!(found(&store, "ibar").await, vec![order]);
        assert_eq!(found(&store, "IBARIAN").await, vec![order]);
        // Every term, in either preview.
        assert_eq!(found(&store, "SO00 zanz").await, vec![order]);
        assert_eq!(found(&store, "zanz   SO00 id\":7").await, vec![order]);
        assert_eq!(found(&store, "SO00 created").await, vec![answer]);
        assert_eq!(found(&store, "SO00 nowhere").await, Vec::<i64>::new());
        assert_eq!(found(&store, "SO0043").await, Vec::<i64>::new());
        assert_eq!(found(&store, "   ").await, vec![answer, email, order]);
    })
    .await;
}

#[tokio::test]
async fn wildcards_and_query_syntax_in_q_are_literal() {
    each_backend(Registry::demo, async |store, backend| {
        let percent = log(&store, json!({"note": "100%off, 5% more"}), json!({})).await;
        let plain = log(&store, json!({"note": "100Xoff, 5X more"}), json!({})).await;
        let snake = log(&store, json!({"field": "snake_case_name"}), json!({})).await;
        let camel = log(&store, json!({"field": "snakeXcaseYname"}), json!({})).await;
        let quoted = log(&store, json!({"q": "a\"b OR NEAR(x*"}), json!({})).await;
        let path = log(&store, json!({"path": r"C:\tmp\ok"}), json!({})).await;
        assert_eq!(found(&store, "100%off").await, vec![percent], "{backend:?}");
        assert_eq!(found(&store, "5%").await, vec![percent]);
        assert_eq!(found(&store, "snake_case").await, vec![snake]);
        assert_eq!(found(&store, "e_c").await, vec![snake]);
        assert_eq!(found(&store, "%").await, vec![percent]);
        assert_eq!(found(&store, "_").await, vec![snake]);
        assert_eq!(found(&store, "100Xoff").await, vec![plain]);
        assert_eq!(found(&store, "snakeX").await, vec![camel]);
        assert_eq!(found(&store, r#"a\"b"#).await, vec![quoted]);
        assert_eq!(found(&store, "NEAR(x*").await, vec![quoted]);
        assert_eq!(found(&store, r"C:\\tmp").await, vec![path]);
        for odd in ["\"", "*", "-", "NEAR(", "a OR b", "^x", "\\", "%%%", "'"] {
            found(&store, odd).await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_term_under_three_letters_filters_what_the_others_found() {
    each_backend(Registry::demo, async |store, backend| {
        let mut ids = Vec::new();
        for n in 0..12 {
            let vals = json!({"origin": format!("INV{:04}", n * 7), "name": format!("Acme {n}")});
            ids.push(log(&store, vals, json!({})).await);
        }
        // "42": n = 6 (INV0042); "7": every n with a 7 in its code or its name.
        assert_eq!(found(&store, "42").await, vec![ids[6]], "{backend:?}");
        assert_eq!(found(&store, "INV 42").await, vec![ids[6]]);
        assert_eq!(found(&store, "acme 42").await, vec![ids[6]]);
        let sevens: Vec<i64> = (0..12)
            .rev()
            .filter(|n| format!("INV{:04} Acme {n}", n * 7).contains('7'))
            .map(|n| ids[n])
            .collect();
        assert_eq!(found(&store, "ACME 7").await, sevens);
        assert_eq!(found(&store, "7 acme").await, sevens);
        // Paged with a cursor like any other filter, with or without an indexed term.
        assert_eq!(paged(&store, "7").await, sevens);
        assert_eq!(paged(&store, "ACME 7").await, sevens);
        let all: Vec<i64> = ids.iter().rev().copied().collect();
        assert_eq!(paged(&store, "inv0").await, all);
        let model = Filter {
            q: Some("acme".into()),
            model: Some("sale.order".into()),
            before: Some(ids[5]),
            ..Filter::default()
        };
        let (rows, _) = weft_logstore::list(store.connection(), &model, 50)
            .await
            .unwrap();
        let older: Vec<i64> = ids[..5].iter().rev().copied().collect();
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), older);
    })
    .await;
}

/// Matches older than the newest 10,000 logs (PostgreSQL checks those one by one, then asks the
/// trigram index for the older ones) are found, newest first, and paged across the boundary.
#[tokio::test]
async fn a_rare_term_is_found_beyond_the_newest_ten_thousand_logs() {
    each_backend(Registry::demo, async |store, backend| {
        let oldest = log(&store, json!({"origin": "RARE-7741 first"}), json!({})).await;
        let old = log(&store, json!({"origin": "rare-7741 second"}), json!({})).await;
        let filler = log(&store, json!({"origin": "nothing to see"}), json!({})).await;
        copies_of(&store, filler, 10_050).await;
        let newest = log(&store, json!({"origin": "Rare-7741 third"}), json!({})).await;
        assert_eq!(
            found(&store, "rare-7741").await,
            vec![newest, old, oldest],
            "{backend:?}"
        );
        assert_eq!(paged(&store, "RARE-7741").await, vec![newest, old, oldest]);
        assert_eq!(found(&store, "7741 first").await, vec![oldest]);
        assert_eq!(found(&store, "nothing").await.len(), 50);
    })
    .await;
}

/// `n` copies of log `id`, in one statement (the same SQL on both databases).
async fn copies_of(store: &Store, id: i64, n: u32) {
    use sea_orm::ConnectionTrait;
    let columns = "create_date, log_type, route, function_name, model, res_model, res_id, \
                   callback_url, state, request_preview, response_preview, request_size, \
                   response_size, duration_ms, user_id, idempotency_key, has_payload";
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
         INSERT INTO weft_api_log ({columns}) SELECT {columns} FROM weft_api_log, n \
         WHERE weft_api_log.id = {id}"
    );
    store.connection().execute_unprepared(&sql).await.unwrap();
}
