//! Many rows of a system table in one statement: for writers that gather rows and store them
//! together (the API log's writer), where a statement per row would cost a round trip each.

use crate::error::Result;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Query};

/// Rows that SQLite's limit on bound values (32,766) lets one INSERT carry, with room to spare.
const ROWS_PER_INSERT: usize = 500;

/// One row for `table`, its values in the order of `columns`.
#[derive(Debug, Clone)]
pub struct BulkRow {
    pub table: &'static str,
    pub columns: &'static [&'static str],
    pub values: Vec<sea_orm::Value>,
}

/// Insert `rows`, those of one table and column list together, in one statement per
/// `ROWS_PER_INSERT`.
pub async fn insert_all(conn: &impl ConnectionTrait, mut rows: Vec<BulkRow>) -> Result<()> {
    rows.sort_by_key(|r| (r.table, r.columns));
    for group in rows.chunk_by(|a, b| (a.table, a.columns) == (b.table, b.columns)) {
        for chunk in group.chunks(ROWS_PER_INSERT) {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new(chunk[0].table))
                .columns(chunk[0].columns.iter().map(|c| Alias::new(*c)));
            for row in chunk {
                insert.values_panic(row.values.iter().cloned().map(Into::into));
            }
            conn.execute(&insert).await?;
        }
    }
    Ok(())
}
