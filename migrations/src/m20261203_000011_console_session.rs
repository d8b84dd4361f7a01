//! Console sign-ins (`weft-console`): apart from Odoo's `weft_session`, whose cookie and lifetime
//! keep Odoo's meaning. A row expires when idle too long or too old, whichever comes first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn table() -> Alias {
    Alias::new("weft_console_session")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let create = Table::create()
            .table(table())
            // SHA-256 of the cookie's token: the token itself is never stored.
            .col(text(Alias::new("sid_sha256")).primary_key())
            .col(big_integer(Alias::new("user_id")))
            .col(date_time(Alias::new("create_date")))
            .col(date_time(Alias::new("last_seen_at")))
            // The absolute end, whatever the use.
            .col(date_time(Alias::new("expires_at")))
            .to_owned();
        manager.create_table(create).await?;
        let by_user = Index::create()
            .name("weft_console_session_user_id_index")
            .table(table())
            .col(Alias::new("user_id"))
            .to_owned();
        manager.create_index(by_user).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(table()).to_owned())
            .await
    }
}
