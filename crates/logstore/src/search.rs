//! `q`: full-text search over the previews (migration `m20261122_000004_api_log_search`). Client
//! text only ever travels as a bound value: on SQLite it is first turned into an FTS5 query of
//! quoted terms (every term must appear), on PostgreSQL `plainto_tsquery` parses it.

use crate::LogError;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

/// Logs indexed per turn at the writer: `index_pending` indexed this many when more may be waiting.
pub const INDEX_CHUNK: u64 = 5_000;

/// The condition "the previews hold every term of `q`"; None when `q` has no term.
pub(crate) fn matches(backend: DatabaseBackend, q: &str) -> Option<SimpleExpr> {
    q.split_whitespace().next()?;
    // The placeholder is the backend's own: `$1` on PostgreSQL, `?` on SQLite.
    Some(match backend {
        DatabaseBackend::Postgres => {
            Expr::cust_with_values("search @@ plainto_tsquery('simple', $1)", [q.to_string()])
        }
        _ => Expr::cust_with_values(
            "id IN (SELECT rowid FROM weft_api_log_fts WHERE weft_api_log_fts MATCH ?)",
            [fts5_query(q)],
        ),
    })
}

/// `ACME "SO 1` -> `"ACME" """SO" "1"`: each term a quoted string, so nothing in `q` is FTS5 syntax.
fn fts5_query(q: &str) -> String {
    q.split_whitespace()
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// SQLite: add the logs written since the last run to the FTS5 index, up to `INDEX_CHUNK` of them;
/// how many. PostgreSQL indexes at insert: nothing to do.
pub async fn index_pending(store: &weft_store::Store) -> Result<u64, LogError> {
    if store.backend() == DatabaseBackend::Postgres {
        return Ok(0);
    }
    let tx = store.begin(&weft_store::Env::superuser()).await?;
    let conn = tx.connection();
    let next = |sql: &str| {
        Statement::from_sql_and_values(DatabaseBackend::Sqlite, sql, [(INDEX_CHUNK as i64).into()])
    };
    let indexed = conn
        .execute_raw(next(
            "INSERT INTO weft_api_log_fts (rowid, request_preview, response_preview) \
             SELECT id, request_preview, response_preview FROM weft_api_log \
             WHERE id > (SELECT up_to FROM weft_api_log_indexed) ORDER BY id LIMIT $1",
        ))
        .await?
        .rows_affected();
    if indexed > 0 {
        conn.execute_raw(next(
            "UPDATE weft_api_log_indexed SET up_to = (SELECT max(id) FROM (SELECT id FROM \
             weft_api_log WHERE id > up_to ORDER BY id LIMIT $1))",
        ))
        .await?;
    }
    tx.commit_only().await?;
    Ok(indexed)
}

/// SQLite: take logs about to be deleted out of the FTS5 index (it needs the indexed text back).
pub(crate) async fn unindex(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), LogError> {
    if conn.get_database_backend() == DatabaseBackend::Postgres || ids.is_empty() {
        return Ok(());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    // The ids are integers this crate read from the table, not client text.
    let sql = format!(
        "INSERT INTO weft_api_log_fts (weft_api_log_fts, rowid, request_preview, response_preview) \
         SELECT 'delete', id, request_preview, response_preview FROM weft_api_log \
         WHERE id IN ({list}) AND id <= (SELECT up_to FROM weft_api_log_indexed)"
    );
    conn.execute_unprepared(&sql).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_term_is_quoted_so_nothing_is_fts5_syntax() {
        assert_eq!(super::fts5_query("ACME  SO001"), r#""ACME" "SO001""#);
        assert_eq!(
            super::fts5_query(r#"a"b OR NEAR(x*"#),
            r#""a""b" "OR" "NEAR(x*""#
        );
    }
}
