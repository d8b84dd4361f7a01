//! A rule's credentials follow only the hosts it names (DESIGN.md §14): `allowed_callback_hosts`
//! on outbound rules (a JSON list of host names; NULL is none, so a rule whose URL comes from the
//! record never sends its `Authorization` header to a caller's URL), and a `note` on each attempt,
//! which says when that header was withheld.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column): one ALTER TABLE each, as SQLite allows.
const COLUMNS: [(&str, &str); 2] = [
    ("weft_outbound_rule", "allowed_callback_hosts"),
    ("weft_delivery_attempt", "note"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(ColumnDef::new(Alias::new(column)).text().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .drop_column(Alias::new(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
