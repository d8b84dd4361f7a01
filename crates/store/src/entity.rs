//! sea-orm entities for the system tables that later layers (authentication, parameters,
//! attachments) work with through the ORM rather than through record tables.

pub mod parameter {
    use sea_orm::entity::prelude::*;

    /// A service parameter (`webhook.preview_limit` ...), validated by whoever writes it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_parameter")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub write_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod blob {
    use sea_orm::entity::prelude::*;

    /// Content-addressed bytes: attachments and full log payloads point here by SHA-256.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_blob")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sha256: String,
        pub data: Vec<u8>,
        pub size: i64,
        pub create_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attachment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_attachment")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub res_model: Option<String>,
        pub res_id: Option<i64>,
        pub res_field: Option<String>,
        pub mimetype: Option<String>,
        pub blob_sha256: String,
        pub file_size: i64,
        pub create_uid: Option<i64>,
        pub create_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod record_callback {
    use sea_orm::entity::prelude::*;

    /// The `callback_url` an inbound call gave for a record: where `record` outbound rules post.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_record_callback")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub res_model: String,
        pub res_id: i64,
        pub url: String,
        pub write_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_key {
    use sea_orm::entity::prelude::*;

    /// `weft_<prefix>_<secret>`: found by `prefix`, checked against the SHA-256 of the whole key.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_api_key")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub user_id: i64,
        pub name: String,
        pub prefix: String,
        pub secret_sha256: String,
        /// A JSON list of model names the key may touch; None = every model.
        pub allowed_models: Option<Json>,
        pub expires_at: Option<DateTime>,
        pub last_used_at: Option<DateTime>,
        pub revoked_at: Option<DateTime>,
        pub create_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod console_session {
    use sea_orm::entity::prelude::*;

    /// A console sign-in; the cookie's token itself is never stored.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_console_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sid_sha256: String,
        pub user_id: i64,
        pub create_date: DateTime,
        pub last_seen_at: DateTime,
        pub expires_at: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    /// A `/web/session/authenticate` login; the cookie value itself is never stored.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_session")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub sid_sha256: String,
        pub user_id: i64,
        pub company_id: i64,
        pub expires_at: DateTime,
        pub create_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
