//! The `weft_api_log` table (migration `m20261122_000003_api_log`).

pub mod api_log {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_api_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub create_date: DateTime,
        pub log_type: String,
        pub route: String,
        pub function_name: String,
        pub model: Option<String>,
        pub res_model: Option<String>,
        pub res_id: Option<i64>,
        pub callback_url: Option<String>,
        pub state: String,
        pub request_preview: String,
        pub response_preview: String,
        pub request_size: i64,
        pub response_size: i64,
        pub duration_ms: f64,
        pub user_id: Option<i64>,
        pub idempotency_key: Option<String>,
        pub has_payload: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
