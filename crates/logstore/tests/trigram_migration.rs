//! Migration 000010 on SQLite and PostgreSQL: the logs of a database upgraded from the word index are
//! found by a fragment at once, and `down` gives the word index of 000004 back, from which `up`
//! comes again.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use weft_logstore::Filter;
use weft_migrations::{Migrator, MigratorTrait};
use weft_store::testing::{Backend, TestDb, backends};

/// The migrations before the trigram index.
const BEFORE: u32 = 9;

async fn found(conn: &DatabaseConnection, q: &str) -> usize {
    let filter = Filter {
        q: Some(q.into()),
        ..Filter::default()
    };
    let (rows, _) = weft_logstore::list(conn, &filter, 50).await.unwrap();
    rows.len()
}

async fn count(conn: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    let statement = Statement::from_string(conn.get_database_backend(), sql);
    let row = conn.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get_by_index(0).unwrap()
}

async fn store_log(conn: &DatabaseConnection, request: &str) {
    let sql = "INSERT INTO weft_api_log (create_date, log_type, route, function_name, state, \
               request_preview, response_preview, request_size, response_size, duration_ms, \
               has_payload) VALUES ('2026-11-30 00:00:00', 'receive', '/api/create_data', \
               'create_data', 'done', $1, '{}', 10, 2, 1.0, false)";
    let backend = conn.get_database_backend();
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        sql.to_string()
    } else {
        sql.replace("$1", "?")
    };
    let statement = Statement::from_sql_and_values(backend, sql, [request.into()]);
    conn.execute_raw(statement).await.unwrap();
}

#[tokio::test]
async fn logs_stored_before_the_trigram_index_are_found_and_down_gives_the_word_index_back() {
    for backend in backends() {
        let db = TestDb::new(backend).await;
        let url = match backend {
            Backend::Sqlite => format!("{}?mode=rwc", db.url),
            Backend::Postgres => db.url.clone(),
        };
        let conn = Database::connect(&url).await.unwrap();
        Migrator::up(&conn, Some(BEFORE)).await.unwrap();
        store_log(&conn, r#"{"origin":"SO0042"}"#).await;
        store_log(&conn, r#"{"origin":"SO0043"}"#).await;

        Migrator::up(&conn, None).await.unwrap();
        assert_eq!(found(&conn, "so00").await, 2, "{backend:?}");
        assert_eq!(found(&conn, "O0042").await, 1, "{backend:?}");

        // Back to before the trigram index (the migrations after it go down too).
        let after = Migrator::migrations().len() as u32 - BEFORE;
        Migrator::down(&conn, Some(after)).await.unwrap();
        assert_eq!(count(&conn, "weft_api_log_indexed").await, 1);
        // The word index is back, empty, for its indexer to fill from the mark.
        let words = match backend {
            Backend::Sqlite => "weft_api_log_fts WHERE weft_api_log_fts MATCH 'so0042'",
            Backend::Postgres => "weft_api_log_search",
        };
        assert_eq!(count(&conn, words).await, 0, "{backend:?}");

        Migrator::up(&conn, None).await.unwrap();
        store_log(&conn, r#"{"origin":"SO0044"}"#).await;
        assert_eq!(found(&conn, "SO00").await, 3, "{backend:?}");
        if backend == Backend::Sqlite {
            conn.execute_unprepared(
                "INSERT INTO weft_api_log_trigram (weft_api_log_trigram, rank) \
                 VALUES ('integrity-check', 1)",
            )
            .await
            .expect("the trigram index matches the logs");
        }
        conn.close().await.unwrap();
    }
}
