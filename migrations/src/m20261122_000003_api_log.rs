//! The API log (DESIGN.md §7): one row per call received and per outbound attempt, with previews;
//! a full payload, when kept, is an attachment (`res_model = 'weft.api.log'`). Every review filter
//! has an index ending in `id`, so a filtered page newest-first is one index range scan.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "weft_api_log";
/// The review's equality filters, each an index ending in `id`. `state` leads one with `model` too:
/// "the failed calls of this model" is the question most asked, and `failed` is rare.
const FILTERED: [&[&str]; 5] = [
    &["log_type"],
    &["state", "model"],
    &["route"],
    &["model"],
    &["res_id"],
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(Alias::new(TABLE))
            .col(big_integer(Alias::new("id")).auto_increment().primary_key())
            .col(date_time(Alias::new("create_date")))
            .col(text(Alias::new("log_type")))
            .col(text(Alias::new("route")))
            .col(text(Alias::new("function_name")))
            .col(text_null(Alias::new("model")))
            .col(text_null(Alias::new("res_model")))
            .col(big_integer_null(Alias::new("res_id")))
            .col(text_null(Alias::new("callback_url")))
            .col(text(Alias::new("state")))
            .col(text(Alias::new("request_preview")))
            .col(text(Alias::new("response_preview")))
            .col(big_integer(Alias::new("request_size")))
            .col(big_integer(Alias::new("response_size")))
            .col(double(Alias::new("duration_ms")))
            .col(big_integer_null(Alias::new("user_id")))
            .col(text_null(Alias::new("idempotency_key")))
            .col(boolean(Alias::new("has_payload")))
            .to_owned();
        manager.create_table(table).await?;
        for columns in FILTERED {
            let mut index = Index::create();
            index
                .name(format!("{TABLE}_{}_id_index", columns.join("_")))
                .table(Alias::new(TABLE));
            for column in columns {
                index.col(Alias::new(*column));
            }
            manager
                .create_index(index.col(Alias::new("id")).to_owned())
                .await?;
        }
        let index = Index::create()
            .name(format!("{TABLE}_create_date_index"))
            .table(Alias::new(TABLE))
            .col(Alias::new("create_date"))
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alias::new(TABLE)).to_owned())
            .await
    }
}
