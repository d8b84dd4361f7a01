//! The console's overview (the last 24 hours by hour, type and state; the latest failures) reads
//! one index: `(state, create_date, log_type)`. The hourly counts are an index-only range scan per
//! state (a day of logs, not the whole table), and the latest failures are the last ten entries of
//! the `failed` range, where `(state, model, id)` would have to sort every failure ever kept.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "weft_api_log_state_create_date_index";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::create()
            .name(NAME)
            .table(Alias::new("weft_api_log"))
            .col(Alias::new("state"))
            .col(Alias::new("create_date"))
            .col(Alias::new("log_type"))
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::drop()
            .name(NAME)
            .table(Alias::new("weft_api_log"))
            .to_owned();
        manager.drop_index(index).await
    }
}
