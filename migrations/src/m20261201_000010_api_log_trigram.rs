//! `q` of `GET /api/v1/logs` finds fragments (Odoo's `ilike`), not only whole words: trigram indexes
//! over the previews replace the word indexes of `m20261122_000004_api_log_search`. On SQLite an FTS5
//! table with the `trigram` tokenizer (external content: the text is not stored twice) kept by
//! triggers on `weft_api_log`; on PostgreSQL a `pg_trgm` GIN index on the table itself. Either way
//! a log is searchable in the transaction that stores it, so the background indexer and its mark
//! (`weft_api_log_indexed`) are gone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The previews as one text, the expression the PostgreSQL index is on and `q` searches. Terms hold
/// no whitespace, so none can match across the space between the two previews.
const PREVIEWS: &str = "(request_preview || ' ' || response_preview)";

const SQLITE_UP: &[&str] = &[
    "DROP TABLE weft_api_log_fts",
    "DROP TABLE weft_api_log_indexed",
    // Case-insensitive by default (`case_sensitive 0`); a term of 3 characters or more matches
    // anywhere inside a value.
    "CREATE VIRTUAL TABLE weft_api_log_trigram USING fts5(request_preview, response_preview, \
     content='weft_api_log', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER weft_api_log_trigram_insert AFTER INSERT ON weft_api_log BEGIN \
     INSERT INTO weft_api_log_trigram (rowid, request_preview, response_preview) \
     VALUES (new.id, new.request_preview, new.response_preview); END",
    // An external-content index needs the indexed text back to take a row out.
    "CREATE TRIGGER weft_api_log_trigram_delete AFTER DELETE ON weft_api_log BEGIN \
     INSERT INTO weft_api_log_trigram (weft_api_log_trigram, rowid, request_preview, \
     response_preview) VALUES ('delete', old.id, old.request_preview, old.response_preview); END",
    "CREATE TRIGGER weft_api_log_trigram_update AFTER UPDATE OF request_preview, response_preview \
     ON weft_api_log BEGIN \
     INSERT INTO weft_api_log_trigram (weft_api_log_trigram, rowid, request_preview, \
     response_preview) VALUES ('delete', old.id, old.request_preview, old.response_preview); \
     INSERT INTO weft_api_log_trigram (rowid, request_preview, response_preview) \
     VALUES (new.id, new.request_preview, new.response_preview); END",
    // The logs already stored.
    "INSERT INTO weft_api_log_trigram (weft_api_log_trigram) VALUES ('rebuild')",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER weft_api_log_trigram_insert",
    "DROP TRIGGER weft_api_log_trigram_delete",
    "DROP TRIGGER weft_api_log_trigram_update",
    "DROP TABLE weft_api_log_trigram",
    "CREATE VIRTUAL TABLE weft_api_log_fts USING fts5(request_preview, response_preview, \
     content='weft_api_log', content_rowid='id')",
];

/// `pg_trgm` is a trusted extension (PostgreSQL 13+): a role with CREATE on the database may add it.
const POSTGRES_UP: &[&str] = &[
    "DROP TABLE weft_api_log_search",
    "DROP TABLE weft_api_log_indexed",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
];

const POSTGRES_DOWN: &[&str] = &[
    // The extension stays: something else may have come to use it since.
    "DROP INDEX weft_api_log_previews_trigram_index",
    "CREATE TABLE weft_api_log_search (id BIGINT PRIMARY KEY, search tsvector NOT NULL)",
    "CREATE INDEX weft_api_log_search_index ON weft_api_log_search USING GIN (search)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for sql in if postgres { POSTGRES_UP } else { SQLITE_UP } {
            db.execute_unprepared(sql).await?;
        }
        if postgres {
            db.execute_unprepared(&format!(
                "CREATE INDEX weft_api_log_previews_trigram_index ON weft_api_log \
                 USING GIN ({PREVIEWS} gin_trgm_ops)"
            ))
            .await?;
        }
        Ok(())
    }

    /// Back to the word index of `m20261122_000004`, empty: its background indexer fills it from
    /// its mark, set back to 0.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DatabaseBackend::Postgres;
        for sql in if postgres { POSTGRES_DOWN } else { SQLITE_DOWN } {
            db.execute_unprepared(sql).await?;
        }
        db.execute_unprepared(
            "CREATE TABLE weft_api_log_indexed (id INTEGER PRIMARY KEY CHECK (id = 1), \
             up_to BIGINT NOT NULL)",
        )
        .await?;
        db.execute_unprepared("INSERT INTO weft_api_log_indexed (id, up_to) VALUES (1, 0)")
            .await?;
        Ok(())
    }
}
