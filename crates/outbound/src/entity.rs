//! sea-orm entities for the outbound tables (migrations `m20261122_000005_outbound` and
//! `m20261201_000007_credential_hosts`, `m20261203_000012_target_pause`).

pub mod rule {
    use sea_orm::entity::prelude::*;

    /// An outbound rule (research §12.1 as DESIGN.md §6 amends it).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_outbound_rule")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub active: bool,
        pub model: String,
        pub timeout_s: Option<i32>,
        pub max_retries: Option<i32>,
        pub secret: String,
        pub previous_secret: Option<String>,
        pub previous_secret_until: Option<DateTime>,
        pub create_date: DateTime,
        pub write_date: DateTime,
        pub trigger_domain: String,
        pub mode: String,
        pub endpoint_source: String,
        pub endpoint_url: Option<String>,
        pub payload_fields: Option<String>,
        pub auth_header: Option<String>,
        pub note: Option<String>,
        /// A JSON list of the hosts `auth_header` may go to when the URL is a record's
        /// (migration `m20261201_000007_credential_hosts`); NULL is none.
        pub allowed_callback_hosts: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod subscription {
    use sea_orm::entity::prelude::*;

    /// A webhook subscription (seed 000 §4.2).
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_subscription")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub active: bool,
        pub model: String,
        pub timeout_s: Option<i32>,
        pub max_retries: Option<i32>,
        pub secret: String,
        pub previous_secret: Option<String>,
        pub previous_secret_until: Option<DateTime>,
        pub create_date: DateTime,
        pub write_date: DateTime,
        pub kind: String,
        pub address: String,
        pub format: String,
        pub language: String,
        /// A JSON list of field names.
        pub fields: String,
        /// The domain as canonical JSON.
        pub condition: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod delivery {
    use sea_orm::entity::prelude::*;

    /// One event for one URL: a row of the outbox.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_delivery")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub msg_id: String,
        pub source_kind: String,
        pub source_id: i64,
        pub event: String,
        pub model: String,
        pub res_id: i64,
        pub url: String,
        pub order_key: i64,
        pub content_type: String,
        pub body: String,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_at: DateTime,
        pub lease_until: Option<DateTime>,
        pub lease_owner: Option<i64>,
        pub last_status: Option<i32>,
        pub last_error: Option<String>,
        pub create_date: DateTime,
        pub finished_at: Option<DateTime>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attempt {
    use sea_orm::entity::prelude::*;

    /// One try of a delivery.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_delivery_attempt")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub delivery_id: i64,
        pub attempt: i32,
        pub create_date: DateTime,
        pub duration_ms: f64,
        pub status: Option<i32>,
        pub error: Option<String>,
        pub response_preview: String,
        /// What the attempt did differently, e.g. that it withheld the rule's `Authorization`.
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod target_pause {
    use sea_orm::entity::prelude::*;

    /// A paused outbound URL (migration `m20261203_000012_target_pause`): no delivery to it is
    /// claimed until the row goes.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_target_pause")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub url: String,
        pub paused_at: DateTime,
        /// The user who paused it.
        pub paused_by: i64,
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
