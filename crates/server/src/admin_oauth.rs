//! `/api/v1/oauth-apps` (research/synconics-restapi-oauth.md §1): the OAuth apps through which
//! Synconics' clients reach `/restapi/1.0`, for an admin key that is not limited to some models
//! (an app can reach every model its user does). The consumer secret is in the reply that makes
//! the app and in `regenerate`'s; afterwards `GET /api/v1/oauth-apps/{id}/secret` shows an OAuth
//! 1.0a app's (kept in clear for its HMAC signatures), while the others keep only a hash.
//! Deactivating, regenerating, deleting or `revoke-tokens` take effect on the next call: tokens
//! are checked against the database on every call, never cached.

use crate::admin::{
    AdminError, AdminResult, Created, Deleted, body, require_admin, require_all_models,
};
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{Object, OpenApi, Tags};
use weft_inbound::oauth::apps::{self, AppError, AppSettings, Issued};
use weft_inbound::oauth::entity::app;

#[derive(Tags)]
enum OAuthTags {
    /// OAuth apps of Synconics' REST API (`/restapi/1.0`).
    OAuthApps,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OAuthApp {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    /// Every call made with the app's tokens runs as this user, with its role and companies.
    pub user_id: i64,
    /// `oauth1`, `oauth2` or `basic`.
    pub access_type: String,
    /// Exact redirect URIs of the OAuth 2.0 authorize step.
    pub redirect_uris: Vec<String>,
    /// Models the app may touch; omitted: every model its user reaches.
    pub allowed_models: Option<Vec<String>>,
    /// `json` or `form`: how OAuth 1.0a token replies are written when `Accept` names neither.
    pub oauth1_reply: String,
    pub active: bool,
    pub consumer_key: String,
    /// Only when the app is made, regenerated, or its secret asked for.
    pub consumer_secret: Option<String>,
    pub create_date: String,
    pub write_date: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OAuthAppList {
    pub items: Vec<OAuthApp>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewOAuthApp {
    pub name: String,
    pub description: Option<String>,
    pub user_id: i64,
    /// `oauth1`, `oauth2` (default) or `basic`.
    pub access_type: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub allowed_models: Option<Vec<String>>,
    /// `json` (default, as Synconics) or `form` (RFC 5849 clients).
    pub oauth1_reply: Option<String>,
    pub active: Option<bool>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OAuthAppPatch {
    pub name: Option<String>,
    /// null clears it.
    pub description: MaybeUndefined<String>,
    pub user_id: Option<i64>,
    pub access_type: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    /// null: every model.
    pub allowed_models: MaybeUndefined<Vec<String>>,
    pub oauth1_reply: Option<String>,
    pub active: Option<bool>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OAuthAppSecret {
    pub consumer_key: String,
    pub consumer_secret: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RevokedTokens {
    /// How many codes and tokens were ended.
    pub revoked: u64,
}

pub struct OAuthAppsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl OAuthAppsApi {
    /// Every OAuth app, never its secret.
    #[oai(path = "/oauth-apps", method = "get", tag = "OAuthTags::OAuthApps")]
    async fn list(&self, req: &Request) -> AdminResult<Json<OAuthAppList>> {
        self.manager(req).await?;
        let items = apps::list(&self.state.store).await?;
        Ok(Json(OAuthAppList {
            items: items.into_iter().map(|a| app_of(a, None)).collect(),
        }))
    }

    /// Make an app; the reply is the one time its consumer secret is shown (but see `/secret`).
    #[oai(path = "/oauth-apps", method = "post", tag = "OAuthTags::OAuthApps")]
    async fn create(
        &self,
        req: &Request,
        new: Json<NewOAuthApp>,
    ) -> AdminResult<Created<OAuthApp>> {
        self.manager(req).await?;
        let new = new.0;
        let settings = AppSettings {
            name: Some(new.name),
            description: Some(new.description),
            user_id: Some(new.user_id),
            access_type: new.access_type,
            redirect_uris: new.redirect_uris,
            allowed_models: Some(new.allowed_models),
            oauth1_reply: new.oauth1_reply,
            active: new.active,
        };
        let (row, issued) = apps::create(&self.state.store, settings).await?;
        Ok(Created::Created(Json(app_of(row, Some(issued)))))
    }

    #[oai(path = "/oauth-apps/:id", method = "get", tag = "OAuthTags::OAuthApps")]
    async fn get(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<OAuthApp>> {
        self.manager(req).await?;
        Ok(Json(app_of(
            apps::get(&self.state.store, id.0).await?,
            None,
        )))
    }

    /// Change an app. A new user or access type ends its tokens; `active: false` refuses them.
    #[oai(
        path = "/oauth-apps/:id",
        method = "patch",
        tag = "OAuthTags::OAuthApps"
    )]
    async fn update(
        &self,
        req: &Request,
        id: Path<i64>,
        patch: Json<OAuthAppPatch>,
    ) -> AdminResult<Json<OAuthApp>> {
        self.manager(req).await?;
        let patch = patch.0;
        let settings = AppSettings {
            name: patch.name,
            description: maybe(patch.description),
            user_id: patch.user_id,
            access_type: patch.access_type,
            redirect_uris: patch.redirect_uris,
            allowed_models: maybe(patch.allowed_models),
            oauth1_reply: patch.oauth1_reply,
            active: patch.active,
        };
        let row = apps::update(&self.state.store, id.0, settings).await?;
        Ok(Json(app_of(row, None)))
    }

    /// Delete an app and every code and token it was issued.
    #[oai(
        path = "/oauth-apps/:id",
        method = "delete",
        tag = "OAuthTags::OAuthApps"
    )]
    async fn delete(&self, req: &Request, id: Path<i64>) -> AdminResult<Deleted> {
        self.manager(req).await?;
        apps::delete(&self.state.store, id.0).await?;
        Ok(Deleted::Deleted)
    }

    /// A new consumer key and secret; the old ones and every token issued stop at once.
    #[oai(
        path = "/oauth-apps/:id/regenerate",
        method = "post",
        tag = "OAuthTags::OAuthApps"
    )]
    async fn regenerate(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<OAuthApp>> {
        self.manager(req).await?;
        let (row, issued) = apps::regenerate(&self.state.store, id.0).await?;
        Ok(Json(app_of(row, Some(issued))))
    }

    /// End every code and token of the app (its key and secret stay).
    #[oai(
        path = "/oauth-apps/:id/revoke-tokens",
        method = "post",
        tag = "OAuthTags::OAuthApps"
    )]
    async fn revoke_tokens(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Json<RevokedTokens>> {
        self.manager(req).await?;
        apps::get(&self.state.store, id.0).await?;
        let revoked = apps::revoke_tokens(&self.state.store, id.0).await?;
        Ok(Json(RevokedTokens { revoked }))
    }

    /// An OAuth 1.0a app's secret; 409 for the others, whose secret is kept only as a hash
    /// (regenerate to get a new one).
    #[oai(
        path = "/oauth-apps/:id/secret",
        method = "get",
        tag = "OAuthTags::OAuthApps"
    )]
    async fn secret(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<OAuthAppSecret>> {
        self.manager(req).await?;
        let row = apps::get(&self.state.store, id.0).await?;
        match apps::reveal(&row) {
            Some(secret) => Ok(Json(OAuthAppSecret {
                consumer_key: row.consumer_key.clone(),
                consumer_secret: secret.to_string(),
            })),
            None => Err(AdminError::Conflict(body(
                "conflict",
                format!(
                    "OAuth app {} keeps its secret only as a hash: regenerate it for a new one",
                    row.id
                ),
            ))),
        }
    }
}

impl OAuthAppsApi {
    async fn manager(&self, req: &Request) -> AdminResult<()> {
        let caller = require_admin(&self.state, req).await?;
        require_all_models(&caller, "OAuth apps")
    }
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl From<AppError> for AdminError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid { .. } => {
                AdminError::Unprocessable(body("invalid_value", e.to_string()))
            }
            AppError::NotFound(_) => AdminError::NotFound(body("not_found", e.to_string())),
            AppError::Store(e) => e.into(),
        }
    }
}

fn app_of(row: app::Model, issued: Option<Issued>) -> OAuthApp {
    let format =
        |d: chrono::NaiveDateTime| d.format(weft_registry::value::DATETIME_FORMAT).to_string();
    OAuthApp {
        id: row.id,
        redirect_uris: apps::redirect_uris(&row),
        allowed_models: apps::allowed_models(&row),
        name: row.name,
        description: row.description,
        user_id: row.user_id,
        access_type: row.access_type,
        oauth1_reply: row.oauth1_reply,
        active: row.active,
        consumer_key: issued
            .as_ref()
            .map_or(row.consumer_key, |i| i.consumer_key.clone()),
        consumer_secret: issued.map(|i| i.consumer_secret),
        create_date: format(row.create_date),
        write_date: format(row.write_date),
    }
}
