//! The first set of system tables. Column types follow the store's record-table DDL for the columns of
//! `res_company` and `res_users` that the built-in models declare, so `schema apply` finds them as it
//! would have made them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            company(),
            users(),
            company_users(),
            api_keys(),
            sessions(),
            parameters(),
            blobs(),
            attachments(),
            callbacks(),
            sequences(),
            data_keys(),
            models(),
        ] {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        // The main company: every user and company-scoped record needs one to belong to.
        let insert = Query::insert()
            .into_table(ResCompany::Table)
            .columns([ResCompany::Id, ResCompany::Name, ResCompany::Active])
            .values_panic([1.into(), "My Company".into(), true.into()])
            .to_owned();
        manager.exec_stmt(insert).await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            // The explicit id above does not move the identity sequence.
            manager
                .get_connection()
                .execute_unprepared("SELECT setval(pg_get_serial_sequence('res_company', 'id'), 1)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Alias::new("weft_model"),
            Alias::new("weft_data_key"),
            Alias::new("weft_sequence"),
            Alias::new("weft_record_callback"),
            Alias::new("weft_attachment"),
            Alias::new("weft_blob"),
            Alias::new("weft_parameter"),
            Alias::new("weft_session"),
            Alias::new("weft_api_key"),
            Alias::new("res_company_users_rel"),
            Alias::new("res_users"),
            Alias::new("res_company"),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// `id`, then the audit columns every record table has.
fn record_table(name: impl IntoIden + 'static) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        .col(date_time_null(Alias::new("create_date")))
        .col(big_integer_null(Alias::new("create_uid")))
        .col(date_time_null(Alias::new("write_date")))
        .col(big_integer_null(Alias::new("write_uid")))
        .to_owned()
}

fn company() -> TableCreateStatement {
    record_table(ResCompany::Table)
        .col(text(ResCompany::Name))
        .col(text_null(Alias::new("email")))
        .col(text_null(Alias::new("phone")))
        .col(boolean(ResCompany::Active).default(true))
        .to_owned()
}

fn users() -> TableCreateStatement {
    record_table(Alias::new("res_users"))
        .col(text(Alias::new("name")))
        .col(text(Alias::new("login")))
        .col(text_null(Alias::new("email")))
        .col(boolean(Alias::new("active")).default(true))
        .col(big_integer(Alias::new("company_id")))
        // Credentials and role: not fields of res.users, so no read() or search ever returns them.
        .col(text_null(Alias::new("password_hash")))
        .col(text(Alias::new("role")).default("integration"))
        .to_owned()
}

fn company_users() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("res_company_users_rel"))
        .col(big_integer(Alias::new("user_id")))
        .col(big_integer(Alias::new("cid")))
        .primary_key(
            Index::create()
                .col(Alias::new("user_id"))
                .col(Alias::new("cid")),
        )
        .to_owned()
}

fn api_keys() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_api_key"))
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        .col(big_integer(Alias::new("user_id")))
        .col(text(Alias::new("name")))
        // `weft_<prefix>_<secret>`: found by prefix, checked by the SHA-256 of the secret.
        .col(text(Alias::new("prefix")).unique_key())
        .col(text(Alias::new("secret_sha256")))
        .col(json_null(Alias::new("allowed_models")))
        .col(date_time_null(Alias::new("expires_at")))
        .col(date_time_null(Alias::new("last_used_at")))
        .col(date_time_null(Alias::new("revoked_at")))
        .col(date_time(Alias::new("create_date")))
        .to_owned()
}

fn sessions() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_session"))
        // SHA-256 of the session id: the cookie itself is never stored.
        .col(text(Alias::new("sid_sha256")).primary_key())
        .col(big_integer(Alias::new("user_id")))
        .col(big_integer(Alias::new("company_id")))
        .col(date_time(Alias::new("expires_at")))
        .col(date_time(Alias::new("create_date")))
        .to_owned()
}

fn parameters() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_parameter"))
        .col(text(Alias::new("key")).primary_key())
        .col(text(Alias::new("value")))
        .col(date_time(Alias::new("write_date")))
        .to_owned()
}

fn blobs() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_blob"))
        .col(text(Alias::new("sha256")).primary_key())
        .col(blob(Alias::new("data")))
        .col(big_integer(Alias::new("size")))
        .col(date_time(Alias::new("create_date")))
        .to_owned()
}

fn attachments() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_attachment"))
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        .col(text(Alias::new("name")))
        .col(text_null(Alias::new("res_model")))
        .col(big_integer_null(Alias::new("res_id")))
        .col(text_null(Alias::new("res_field")))
        .col(text_null(Alias::new("mimetype")))
        .col(text(Alias::new("blob_sha256")))
        .col(big_integer(Alias::new("file_size")))
        .col(big_integer_null(Alias::new("create_uid")))
        .col(date_time(Alias::new("create_date")))
        .to_owned()
}

fn callbacks() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_record_callback"))
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        .col(text(Alias::new("res_model")))
        .col(big_integer(Alias::new("res_id")))
        .col(text(Alias::new("url")))
        .col(date_time(Alias::new("write_date")))
        .to_owned()
}

fn sequences() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_sequence"))
        .col(text(Alias::new("res_model")))
        .col(text(Alias::new("field")))
        .col(big_integer(Alias::new("next_number")))
        .primary_key(
            Index::create()
                .col(Alias::new("res_model"))
                .col(Alias::new("field")),
        )
        .to_owned()
}

fn data_keys() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_data_key"))
        .col(text(Alias::new("key")).primary_key())
        .col(text(Alias::new("res_model")))
        .col(big_integer(Alias::new("res_id")))
        .to_owned()
}

/// Models whose record tables `schema apply` made: how a later apply tells a dropped model from a system table.
fn models() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_model"))
        .col(text(Alias::new("name")).primary_key())
        .col(text(Alias::new("table_name")))
        .col(json(Alias::new("fields")))
        .col(date_time(Alias::new("write_date")))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    let index = |name: &str, table: &str, cols: &[&str], unique: bool| {
        let mut stmt = Index::create();
        stmt.name(name).table(Alias::new(table));
        for col in cols {
            stmt.col(Alias::new(*col));
        }
        if unique {
            stmt.unique();
        }
        stmt.to_owned()
    };
    vec![
        index("res_company_name_key", "res_company", &["name"], true),
        index("res_users_login_key", "res_users", &["login"], true),
        index(
            "res_users_company_id_index",
            "res_users",
            &["company_id"],
            false,
        ),
        index(
            "res_company_users_rel_cid_index",
            "res_company_users_rel",
            &["cid"],
            false,
        ),
        index(
            "weft_api_key_user_id_index",
            "weft_api_key",
            &["user_id"],
            false,
        ),
        index(
            "weft_session_user_id_index",
            "weft_session",
            &["user_id"],
            false,
        ),
        index(
            "weft_attachment_res_index",
            "weft_attachment",
            &["res_model", "res_id"],
            false,
        ),
        index(
            "weft_attachment_blob_index",
            "weft_attachment",
            &["blob_sha256"],
            false,
        ),
        index(
            "weft_record_callback_res_key",
            "weft_record_callback",
            &["res_model", "res_id"],
            true,
        ),
    ]
}

#[derive(DeriveIden)]
enum ResCompany {
    Table,
    Id,
    Name,
    Active,
}
