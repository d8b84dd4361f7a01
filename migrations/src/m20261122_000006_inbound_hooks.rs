//! Inbound hooks (DESIGN.md §8): the hooks themselves, and the `webhook-id`s of signed calls
//! accepted, each kept until its timestamp leaves the 15-minute window, so a replayed call is
//! refused for as long as its signature would still be taken.
//!
//! A hook's URL secret is its only credential; it is kept beside its SHA-256 (`secret_hash`, the
//! lookup key), so finding a hook by URL never compares the secret itself in SQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("weft_inbound_hook"))
                    .col(big_integer(Alias::new("id")).auto_increment().primary_key())
                    .col(text(Alias::new("name")))
                    .col(text(Alias::new("model")))
                    .col(boolean(Alias::new("active")).default(true))
                    // JSON: the target and the actions (checked against the schema when saved).
                    .col(text(Alias::new("target")))
                    .col(text(Alias::new("actions")))
                    .col(boolean(Alias::new("log_calls")).default(false))
                    .col(boolean(Alias::new("require_signature")).default(false))
                    .col(text(Alias::new("secret")))
                    .col(text(Alias::new("secret_hash")).unique_key())
                    .col(text(Alias::new("signing_secret")))
                    .col(date_time(Alias::new("create_date")))
                    .col(date_time(Alias::new("write_date")))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("weft_inbound_hook_seen"))
                    .col(big_integer(Alias::new("hook_id")))
                    .col(text(Alias::new("webhook_id")))
                    .col(date_time(Alias::new("expires_at")))
                    .primary_key(
                        Index::create()
                            .col(Alias::new("hook_id"))
                            .col(Alias::new("webhook_id")),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("weft_inbound_hook_seen_expires_index")
                    .table(Alias::new("weft_inbound_hook_seen"))
                    .col(Alias::new("expires_at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["weft_inbound_hook_seen", "weft_inbound_hook"] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
