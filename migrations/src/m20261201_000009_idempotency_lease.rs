//! `Idempotency-Key` claims get an owner and a lease: the process running the first call renews
//! the lease while the call runs, so a claim is taken over only when its owner stopped renewing it
//! (the process died), never because the call is slow.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn table() -> Alias {
    Alias::new("weft_idempotency")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite alters one at a time.
        let owner = Table::alter()
            .table(table())
            .add_column(text_null(Alias::new("owner")))
            .to_owned();
        manager.alter_table(owner).await?;
        let lease = Table::alter()
            .table(table())
            .add_column(date_time_null(Alias::new("lease_until")))
            .to_owned();
        manager.alter_table(lease).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["lease_until", "owner"] {
            let drop = Table::alter()
                .table(table())
                .drop_column(Alias::new(column))
                .to_owned();
            manager.alter_table(drop).await?;
        }
        Ok(())
    }
}
