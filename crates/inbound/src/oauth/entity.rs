//! The rows of OAuth apps and what they issue (migration `m20261204_000014_oauth`).

pub mod app {
    use sea_orm::entity::prelude::*;

    /// An OAuth app (Synconics' `auth.auth`): a consumer key and secret that act as `user_id`.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_oauth_app")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub description: Option<String>,
        pub user_id: i64,
        /// `oauth1`, `oauth2` or `basic`.
        pub access_type: String,
        #[sea_orm(unique)]
        pub consumer_key: String,
        pub consumer_secret_sha256: String,
        /// Kept in clear only for `oauth1` apps: an HMAC-SHA1 signature is checked with it.
        pub consumer_secret: Option<String>,
        /// A JSON list of exact redirect URIs.
        pub redirect_uris: Json,
        /// A JSON list of model names; None: every model the user reaches.
        pub allowed_models: Option<Json>,
        /// `json` or `form`: how OAuth 1.0a token replies are written when `Accept` names neither.
        pub oauth1_reply: String,
        pub active: bool,
        pub create_date: DateTime,
        pub write_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod token {
    use sea_orm::entity::prelude::*;

    /// Something an app was issued, found by the SHA-256 of its text (the text is never stored).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_oauth_token")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_sha256: String,
        pub app_id: i64,
        /// `code`, `access`, `refresh`, `request` (OAuth 1.0a) or `oauth1` (an OAuth 1.0a access token).
        pub kind: String,
        /// The tokens of one grant share it: revoking one of them, or replaying its code, ends all.
        pub grant_id: String,
        pub expires_at: Option<DateTime>,
        pub used_at: Option<DateTime>,
        /// An OAuth 1.0a token's secret.
        pub secret: Option<String>,
        pub redirect_uri: Option<String>,
        /// PKCE: the S256 challenge a code was asked with.
        pub code_challenge: Option<String>,
        /// OAuth 1.0a: where `authorize` sends the user back.
        pub callback: Option<String>,
        pub verifier_sha256: Option<String>,
        pub create_date: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod nonce {
    use sea_orm::entity::prelude::*;

    /// An OAuth 1.0a nonce seen within the timestamp window.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "weft_oauth_nonce")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key_sha256: String,
        pub expires_at: DateTime,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
