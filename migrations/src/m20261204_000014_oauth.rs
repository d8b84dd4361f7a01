//! OAuth apps (Synconics' `auth.auth`, research/synconics-restapi-oauth.md §1) and what they
//! issue: `weft_oauth_app` (one row per app; the consumer secret kept as a SHA-256, and in clear
//! only for OAuth 1.0a apps, whose HMAC signatures need it), `weft_oauth_token` (authorization
//! codes, access and refresh tokens, OAuth 1.0a request and access tokens, each found by the
//! SHA-256 of its text, which is never stored) and `weft_oauth_nonce` (the OAuth 1.0a nonces seen
//! within the timestamp window, shared by every instance on the database).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn app() -> Alias {
    Alias::new("weft_oauth_app")
}
fn token() -> Alias {
    Alias::new("weft_oauth_token")
}
fn nonce() -> Alias {
    Alias::new("weft_oauth_nonce")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let apps = Table::create()
            .table(app())
            .col(big_pk_auto(Alias::new("id")))
            .col(text(Alias::new("name")))
            .col(text_null(Alias::new("description")))
            // The user every call of the app runs as (res_users.id), with its role and companies.
            .col(big_integer(Alias::new("user_id")))
            // oauth1 | oauth2 | basic
            .col(text(Alias::new("access_type")))
            .col(text(Alias::new("consumer_key")).unique_key())
            .col(text(Alias::new("consumer_secret_sha256")))
            .col(text_null(Alias::new("consumer_secret")))
            // A JSON list of exact redirect URIs.
            .col(json(Alias::new("redirect_uris")))
            // A JSON list of model names; NULL: every model the user reaches.
            .col(json_null(Alias::new("allowed_models")))
            // How OAuth 1.0a token replies are written when `Accept` names neither: json | form.
            .col(text(Alias::new("oauth1_reply")))
            .col(boolean(Alias::new("active")))
            .col(date_time(Alias::new("create_date")))
            .col(date_time(Alias::new("write_date")))
            .to_owned();
        manager.create_table(apps).await?;
        let tokens = Table::create()
            .table(token())
            .col(text(Alias::new("token_sha256")).primary_key())
            .col(big_integer(Alias::new("app_id")))
            // code | access | refresh | request | oauth1
            .col(text(Alias::new("kind")))
            // The tokens of one grant (a code, the access and refresh tokens it led to) share it.
            .col(text(Alias::new("grant_id")))
            .col(date_time_null(Alias::new("expires_at")))
            // A code exchanged, a refresh token rotated, a request token traded: never again.
            .col(date_time_null(Alias::new("used_at")))
            // An OAuth 1.0a token's secret (HMAC needs it in clear).
            .col(text_null(Alias::new("secret")))
            .col(text_null(Alias::new("redirect_uri")))
            .col(text_null(Alias::new("code_challenge")))
            .col(text_null(Alias::new("callback")))
            .col(text_null(Alias::new("verifier_sha256")))
            .col(date_time(Alias::new("create_date")))
            .to_owned();
        manager.create_table(tokens).await?;
        let by_app = Index::create()
            .name("weft_oauth_token_app_index")
            .table(token())
            .col(Alias::new("app_id"))
            .col(Alias::new("grant_id"))
            .to_owned();
        manager.create_index(by_app).await?;
        let by_expiry = Index::create()
            .name("weft_oauth_token_expires_index")
            .table(token())
            .col(Alias::new("expires_at"))
            .to_owned();
        manager.create_index(by_expiry).await?;
        let nonces = Table::create()
            .table(nonce())
            // SHA-256 of consumer key, token, timestamp and nonce.
            .col(text(Alias::new("key_sha256")).primary_key())
            .col(date_time(Alias::new("expires_at")))
            .to_owned();
        manager.create_table(nonces).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [nonce(), token(), app()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
