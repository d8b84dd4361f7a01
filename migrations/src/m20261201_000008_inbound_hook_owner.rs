//! Inbound hooks get an owner (DESIGN.md §8, §14): the user a hook's actions run as, with that
//! user's companies, instead of the superuser. Hooks saved before this get the first admin user,
//! who could see them all along; on a database with no admin they keep no owner and do nothing
//! until an admin gives them one. A hook made by an admin key limited to some models keeps that
//! list (`allowed_models`): its actions touch no other model.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("weft_inbound_hook"))
                    .add_column(big_integer_null(Alias::new("owner_id")))
                    .to_owned(),
            )
            .await?;
        // The allow-list of the key that made the hook: what its actions may touch. (SQLite alters
        // one column a statement.)
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("weft_inbound_hook"))
                    .add_column(json_null(Alias::new("allowed_models")))
                    .to_owned(),
            )
            .await?;
        let first_admin = Query::select()
            .expr(Expr::col(Alias::new("id")).min())
            .from(Alias::new("res_users"))
            .and_where(Expr::col(Alias::new("role")).eq("admin"))
            .to_owned();
        let adopt = Query::update()
            .table(Alias::new("weft_inbound_hook"))
            .value(
                Alias::new("owner_id"),
                SimpleExpr::SubQuery(None, Box::new(first_admin.into_sub_query_statement())),
            )
            .and_where(Expr::col(Alias::new("owner_id")).is_null())
            .to_owned();
        manager.exec_stmt(adopt).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("weft_inbound_hook"))
                    .drop_column(Alias::new("allowed_models"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("weft_inbound_hook"))
                    .drop_column(Alias::new("owner_id"))
                    .to_owned(),
            )
            .await
    }
}
