//! `q`: full-text search over the previews (migration `m20261122_000004_api_log_search`). Client
//! text only ever travels as a bound value: on SQLite it is first turned into an FTS5 query of
//! quoted terms (every term must appear), on PostgreSQL `plainto_tsquery` parses it.
//!
//! The index is filled in the background (`index_pending`), up to a mark. On PostgreSQL ids are
//! taken from a sequence before their transactions commit, so a log may commit after a higher id
//! was indexed: each run also looks back `LOOKBACK` ids for logs still missing from the index.

use crate::LogError;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

/// Logs indexed per turn at the writer: `index_pending` indexed this many when more may be waiting.
pub const INDEX_CHUNK: u64 = 5_000;
/// How far behind its mark the PostgreSQL indexer looks for logs that committed late.
const LOOKBACK: i64 = 10_000;

/// The condition "the previews hold every term of `q`"; None when `q` has no term.
pub(crate) fn matches(backend: DatabaseBackend, q: &str) -> Option<SimpleExpr> {
    q.split_whitespace().next()?;
    // The placeholder is the backend's own: `$1` on PostgreSQL, `?` on SQLite.
    Some(match backend {
        DatabaseBackend::Postgres => Expr::cust_with_values(
            "id IN (SELECT id FROM weft_api_log_search WHERE search @@ plainto_tsquery('simple', $1))",
            [q.to_string()],
        ),
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

/// Add logs written since the last run to the search index, up to `INDEX_CHUNK` of them; how many.
pub async fn index_pending(store: &weft_store::Store) -> Result<u64, LogError> {
    let backend = store.backend();
    let tx = store.begin(&weft_store::Env::superuser()).await?;
    let conn = tx.connection();
    let statement = |sql: &str, values: Vec<sea_orm::Value>| {
        Statement::from_sql_and_values(backend, sql, values)
    };
    let chunk = INDEX_CHUNK as i64;
    let indexed = match backend {
        DatabaseBackend::Postgres => conn
            .execute_raw(statement(
                "INSERT INTO weft_api_log_search (id, search) \
                 SELECT l.id, to_tsvector('simple', l.request_preview || ' ' || l.response_preview) \
                 FROM weft_api_log l \
                 WHERE l.id > (SELECT up_to FROM weft_api_log_indexed) - $1 \
                 AND NOT EXISTS (SELECT 1 FROM weft_api_log_search s WHERE s.id = l.id) \
                 ORDER BY l.id LIMIT $2",
                vec![LOOKBACK.into(), chunk.into()],
            ))
            .await?
            .rows_affected(),
        _ => conn
            .execute_raw(statement(
                "INSERT INTO weft_api_log_fts (rowid, request_preview, response_preview) \
                 SELECT id, request_preview, response_preview FROM weft_api_log \
                 WHERE id > (SELECT up_to FROM weft_api_log_indexed) ORDER BY id LIMIT $1",
                vec![chunk.into()],
            ))
            .await?
            .rows_affected(),
    };
    if indexed > 0 {
        let mark = match backend {
            DatabaseBackend::Postgres => {
                "UPDATE weft_api_log_indexed SET up_to = (SELECT max(id) FROM weft_api_log_search)"
            }
            // SQLite's writer numbers and commits in order: the chunk just indexed ends the mark.
            _ => {
                "UPDATE weft_api_log_indexed SET up_to = (SELECT max(id) FROM (SELECT id FROM \
                 weft_api_log WHERE id > up_to ORDER BY id LIMIT $1))"
            }
        };
        let values = if backend == DatabaseBackend::Postgres {
            vec![]
        } else {
            vec![chunk.into()]
        };
        conn.execute_raw(statement(mark, values)).await?;
    }
    tx.commit_only().await?;
    Ok(indexed)
}

/// Take logs about to be deleted out of the search index (SQLite's FTS5 needs the indexed text
/// back to remove it).
pub(crate) async fn unindex(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), LogError> {
    if ids.is_empty() {
        return Ok(());
    }
    // The ids are integers this crate read from the table, not client text.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = match conn.get_database_backend() {
        DatabaseBackend::Postgres => {
            format!("DELETE FROM weft_api_log_search WHERE id IN ({list})")
        }
        _ => format!(
            "INSERT INTO weft_api_log_fts (weft_api_log_fts, rowid, request_preview, \
             response_preview) SELECT 'delete', id, request_preview, response_preview \
             FROM weft_api_log WHERE id IN ({list}) \
             AND id <= (SELECT up_to FROM weft_api_log_indexed)"
        ),
    };
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
