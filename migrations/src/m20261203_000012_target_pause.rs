//! Paused targets (`weft_outbound::target`): one row per outbound URL a person paused. The
//! dispatcher claims no delivery to a URL listed here; they wait, pending, until it is resumed.
//! Also an index on the attempts' time, for the per-target figures of the last 24 hours, and one
//! on the deliveries' URL, for the deliveries of one target.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn table() -> Alias {
    Alias::new("weft_target_pause")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = Table::create()
            .table(table())
            .col(text(Alias::new("url")).primary_key())
            .col(date_time(Alias::new("paused_at")))
            // The user who paused it (res_users.id).
            .col(big_integer(Alias::new("paused_by")))
            .col(text_null(Alias::new("note")))
            .to_owned();
        manager.create_table(create).await?;
        let by_time = Index::create()
            .name("weft_delivery_attempt_create_date_index")
            .table(Alias::new("weft_delivery_attempt"))
            .col(Alias::new("create_date"))
            .to_owned();
        manager.create_index(by_time).await?;
        // The deliveries to one target, newest first (`/console/deliveries?url=`, keyset on id).
        let by_url = Index::create()
            .name("weft_delivery_url_index")
            .table(Alias::new("weft_delivery"))
            .col(Alias::new("url"))
            .col(Alias::new("id"))
            .to_owned();
        manager.create_index(by_url).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("weft_delivery_url_index")
                    .table(Alias::new("weft_delivery"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("weft_delivery_attempt_create_date_index")
                    .table(Alias::new("weft_delivery_attempt"))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(table()).to_owned())
            .await
    }
}
