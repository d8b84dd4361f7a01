//! Outbound (DESIGN.md §6): outbound rules and webhook subscriptions (the sources), the outbox of
//! deliveries they write in the transaction of a change, one attempt row per try, the URLs a
//! receiver retired with 410, and the lease that lets one dispatcher run per SQLite database.
//!
//! The dispatcher's queries name their state in the SQL text ('pending', 'sending'), so the
//! partial indexes below match them on PostgreSQL's generic plans too.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 6] = [
    "weft_outbound_rule",
    "weft_subscription",
    "weft_delivery",
    "weft_delivery_attempt",
    "weft_retired_url",
    "weft_dispatcher_lease",
];

/// Partial and plain indexes, in SQL both back ends read alike.
const INDEXES: [&str; 7] = [
    // Claiming: due pending rows, oldest first.
    "CREATE INDEX weft_delivery_due_index ON weft_delivery (next_attempt_at, id) WHERE state = 'pending'",
    // Ordering: is an earlier delivery of this key unfinished?
    "CREATE INDEX weft_delivery_key_index ON weft_delivery (order_key, id) WHERE state IN ('pending', 'sending')",
    // Expired leases.
    "CREATE INDEX weft_delivery_lease_index ON weft_delivery (lease_until) WHERE state = 'sending'",
    // Review filters (newest first) and retention.
    "CREATE INDEX weft_delivery_state_id_index ON weft_delivery (state, id)",
    "CREATE INDEX weft_delivery_source_id_index ON weft_delivery (source_kind, source_id, id)",
    "CREATE INDEX weft_delivery_record_id_index ON weft_delivery (model, res_id, id)",
    "CREATE INDEX weft_delivery_attempt_delivery_index ON weft_delivery_attempt (delivery_id, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            rules(),
            subscriptions(),
            deliveries(),
            attempts(),
            retired(),
            lease(),
        ] {
            manager.create_table(table).await?;
        }
        let conn = manager.get_connection();
        for index in INDEXES {
            conn.execute_unprepared(index).await?;
        }
        conn.execute_unprepared(
            "CREATE INDEX weft_delivery_finished_index ON weft_delivery (finished_at) \
             WHERE state IN ('done', 'dead')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            manager
                .drop_table(Table::drop().table(Alias::new(*table)).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// What every source has: a name, a switch, its own timeout and retries (null: the parameters'),
/// and its signing secret with the one it replaced, which still signs until `previous_secret_until`.
fn source(name: &str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        .col(text(Alias::new("name")))
        .col(boolean(Alias::new("active")).default(true))
        .col(text(Alias::new("model")))
        .col(integer_null(Alias::new("timeout_s")))
        .col(integer_null(Alias::new("max_retries")))
        .col(text(Alias::new("secret")))
        .col(text_null(Alias::new("previous_secret")))
        .col(date_time_null(Alias::new("previous_secret_until")))
        .col(date_time(Alias::new("create_date")))
        .col(date_time(Alias::new("write_date")))
        .to_owned()
}

fn rules() -> TableCreateStatement {
    source("weft_outbound_rule")
        .col(text(Alias::new("trigger_domain")))
        .col(text(Alias::new("mode")))
        .col(text(Alias::new("endpoint_source")))
        .col(text_null(Alias::new("endpoint_url")))
        .col(text_null(Alias::new("payload_fields")))
        .col(text_null(Alias::new("auth_header")))
        .col(text_null(Alias::new("note")))
        .to_owned()
}

fn subscriptions() -> TableCreateStatement {
    source("weft_subscription")
        .col(text(Alias::new("kind")))
        .col(text(Alias::new("address")))
        .col(text(Alias::new("format")))
        .col(text(Alias::new("language")))
        .col(text(Alias::new("fields")))
        .col(text_null(Alias::new("condition")))
        .to_owned()
}

fn deliveries() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_delivery"))
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        // The `webhook-id` every attempt carries.
        .col(text(Alias::new("msg_id")).unique_key())
        .col(text(Alias::new("source_kind")))
        .col(big_integer(Alias::new("source_id")))
        .col(text(Alias::new("event")))
        .col(text(Alias::new("model")))
        .col(big_integer(Alias::new("res_id")))
        .col(text(Alias::new("url")))
        // Hash of (source, url, model, record): deliveries of one key go in order.
        .col(big_integer(Alias::new("order_key")))
        .col(text(Alias::new("content_type")))
        .col(text(Alias::new("body")))
        .col(text(Alias::new("state")))
        .col(integer(Alias::new("attempts")).default(0))
        .col(date_time(Alias::new("next_attempt_at")))
        .col(date_time_null(Alias::new("lease_until")))
        .col(big_integer_null(Alias::new("lease_owner")))
        .col(integer_null(Alias::new("last_status")))
        .col(text_null(Alias::new("last_error")))
        .col(date_time(Alias::new("create_date")))
        .col(date_time_null(Alias::new("finished_at")))
        .to_owned()
}

fn attempts() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_delivery_attempt"))
        .col(big_integer(Alias::new("id")).auto_increment().primary_key())
        .col(big_integer(Alias::new("delivery_id")))
        .col(integer(Alias::new("attempt")))
        .col(date_time(Alias::new("create_date")))
        .col(double(Alias::new("duration_ms")))
        .col(integer_null(Alias::new("status")))
        .col(text_null(Alias::new("error")))
        .col(text(Alias::new("response_preview")))
        .to_owned()
}

fn retired() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_retired_url"))
        .col(text(Alias::new("source_kind")))
        .col(big_integer(Alias::new("source_id")))
        .col(text(Alias::new("url")))
        .col(date_time(Alias::new("create_date")))
        .primary_key(
            Index::create()
                .col(Alias::new("source_kind"))
                .col(Alias::new("source_id"))
                .col(Alias::new("url")),
        )
        .to_owned()
}

fn lease() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("weft_dispatcher_lease"))
        .col(text(Alias::new("name")).primary_key())
        .col(big_integer(Alias::new("owner")))
        .col(date_time(Alias::new("lease_until")))
        .to_owned()
}
