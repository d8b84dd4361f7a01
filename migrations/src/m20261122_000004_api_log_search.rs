//! Full-text search over log previews (`q` of `GET /api/v1/logs`). PostgreSQL: a generated
//! `tsvector` column with a GIN index, current at every insert. SQLite: an FTS5 index over the
//! previews (external content: the text is not stored twice), filled in the background up to the
//! `weft_api_log_indexed` mark, so a call never waits for tokenising.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "ALTER TABLE weft_api_log ADD COLUMN search tsvector GENERATED ALWAYS AS \
                     (to_tsvector('simple', request_preview || ' ' || response_preview)) STORED",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX weft_api_log_search_index ON weft_api_log USING GIN (search)",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE weft_api_log_fts USING fts5(request_preview, \
                     response_preview, content='weft_api_log', content_rowid='id')",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TABLE weft_api_log_indexed (id INTEGER PRIMARY KEY CHECK (id = 1), \
                     up_to BIGINT NOT NULL)",
                )
                .await?;
                db.execute_unprepared("INSERT INTO weft_api_log_indexed (id, up_to) VALUES (1, 0)")
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("ALTER TABLE weft_api_log DROP COLUMN search")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TABLE weft_api_log_fts").await?;
                db.execute_unprepared("DROP TABLE weft_api_log_indexed")
                    .await?;
            }
        }
        Ok(())
    }
}
