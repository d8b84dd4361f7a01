//! `Idempotency-Key`: the first response to a (user, key) pair, replayed for 24 hours.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(Alias::new("weft_idempotency"))
            .col(big_integer(Alias::new("user_id")))
            .col(text(Alias::new("key")))
            .col(text(Alias::new("route")))
            .col(text(Alias::new("request_sha256")))
            // NULL while the first call runs.
            .col(text_null(Alias::new("response")))
            .col(date_time(Alias::new("create_date")))
            .primary_key(
                Index::create()
                    .col(Alias::new("user_id"))
                    .col(Alias::new("key")),
            )
            .to_owned();
        manager.create_table(table).await?;
        let index = Index::create()
            .name("weft_idempotency_create_date_index")
            .table(Alias::new("weft_idempotency"))
            .col(Alias::new("create_date"))
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("weft_idempotency"))
                    .to_owned(),
            )
            .await
    }
}
