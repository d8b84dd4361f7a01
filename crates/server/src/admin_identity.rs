//! `/api/v1/users`, `/api/v1/companies` and `/api/v1/api-keys` (DESIGN.md §9, §11, §14): the only
//! way to change `res.users` and `res.company` (the data routes refuse them), for an admin key that
//! is not limited to some models. A key limited to models may only make and revoke keys no wider than
//! itself. Every change that could leave a cached caller stale (a revoked key, a changed or
//! deactivated user) clears this instance's key cache before the reply, and is announced to the
//! others in its transaction.

use crate::admin::{
    AdminError, AdminResult, Created, Deleted, body, require_admin, require_all_models,
};
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi, Tags};
use weft_inbound::accounts::{self, AccountError};
use weft_inbound::identity::Caller;
use weft_inbound::keys::{self, KeyError};

#[derive(Tags)]
enum IdentityTags {
    /// Users, companies and API keys.
    Identities,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// `admin` or `integration`.
    pub role: String,
    /// The company the user works in by default; one of `company_ids`.
    pub company_id: i64,
    /// The companies whose records the user may see.
    pub company_ids: Vec<i64>,
    /// An archived user's keys and sessions are refused.
    pub active: bool,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserList {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewUser {
    pub login: String,
    pub name: Option<String>,
    pub password: Option<String>,
    /// admin or integration (default)
    pub role: Option<String>,
    /// Default: the main company (1), or the first of `company_ids`.
    pub company_id: Option<i64>,
    /// Default: `[company_id]`; must hold `company_id`.
    pub company_ids: Option<Vec<i64>>,
}

/// Fields to change; the others stay. `company_ids` replaces the list and must hold the user's
/// `company_id` (the new one when given); a `company_id` given alone joins the user's companies.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<String>,
    pub company_id: Option<i64>,
    pub company_ids: Option<Vec<i64>>,
    /// false: its keys and sessions stop working at once (its sessions are ended).
    pub active: Option<bool>,
    /// Ends the user's sessions.
    pub password: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CompanyList {
    pub items: Vec<Company>,
    pub next_cursor: Option<String>,
}

/// A new company; `name` is required and unique.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewCompany {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Fields to change; an empty `email` or `phone` clears it. A company cannot be archived while it
/// is the `company_id` of an active user.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CompanyPatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: Option<bool>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiKey {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The key starts `weft_<prefix>_`.
    pub prefix: String,
    pub allowed_models: Option<Vec<String>>,
    pub expires_at: Option<String>,
    pub revoked: bool,
    pub create_date: String,
    /// When the service last checked the key for a request (to within its 10-second key cache).
    pub last_used_at: Option<String>,
    /// Only in the reply that creates the key.
    pub key: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewApiKey {
    pub user_id: i64,
    pub name: String,
    /// Models of the schema the key may touch; omitted = all (only for an unlimited key).
    pub allowed_models: Option<Vec<String>>,
    /// `YYYY-MM-DD HH:MM:SS` (UTC).
    pub expires_at: Option<String>,
}

pub struct IdentityApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl IdentityApi {
    /// Every user, archived ones included.
    #[oai(path = "/users", method = "get", tag = "IdentityTags::Identities")]
    async fn list_users(&self, req: &Request) -> AdminResult<Json<UserList>> {
        self.manager(req, "users").await?;
        let items = accounts::list_users(&self.state.store)
            .await?
            .into_iter()
            .map(user_of)
            .collect();
        Ok(Json(UserList {
            items,
            next_cursor: None,
        }))
    }

    /// Create a user; a taken login is 409, an unknown company 422.
    #[oai(path = "/users", method = "post", tag = "IdentityTags::Identities")]
    async fn create_user(&self, req: &Request, new: Json<NewUser>) -> AdminResult<Created<User>> {
        self.manager(req, "users").await?;
        let new = new.0;
        let made = accounts::create_user(
            &self.state.store,
            accounts::NewUser {
                login: new.login,
                name: new.name,
                password: new.password,
                role: new.role,
                company_id: new.company_id,
                company_ids: new.company_ids,
            },
        )
        .await?;
        Ok(Created::Created(Json(user_of(made))))
    }

    /// Change a user; it applies to its keys and sessions from their next request. The last active
    /// admin cannot be demoted or archived (409).
    #[oai(
        path = "/users/:id",
        method = "patch",
        tag = "IdentityTags::Identities"
    )]
    async fn update_user(
        &self,
        req: &Request,
        id: Path<i64>,
        patch: Json<UserPatch>,
    ) -> AdminResult<Json<User>> {
        self.manager(req, "users").await?;
        let patch = patch.0;
        let change = accounts::UserChange {
            name: patch.name,
            role: patch.role,
            company_id: patch.company_id,
            company_ids: patch.company_ids,
            active: patch.active,
            password: patch.password,
        };
        let changed =
            accounts::change_user(&self.state.store, &self.state.keys, id.0, change).await?;
        Ok(Json(user_of(changed)))
    }

    /// Every company, archived ones included.
    #[oai(path = "/companies", method = "get", tag = "IdentityTags::Identities")]
    async fn list_companies(&self, req: &Request) -> AdminResult<Json<CompanyList>> {
        self.manager(req, "companies").await?;
        let items = accounts::list_companies(&self.state.store)
            .await?
            .into_iter()
            .map(company_of)
            .collect();
        Ok(Json(CompanyList {
            items,
            next_cursor: None,
        }))
    }

    /// Create a company; a taken name is 409.
    #[oai(path = "/companies", method = "post", tag = "IdentityTags::Identities")]
    async fn create_company(
        &self,
        req: &Request,
        new: Json<NewCompany>,
    ) -> AdminResult<Created<Company>> {
        self.manager(req, "companies").await?;
        let name = new
            .name
            .as_deref()
            .ok_or_else(|| AdminError::Unprocessable(body("missing_field", "name: is required")))?;
        let made = accounts::create_company(
            &self.state.store,
            name,
            new.email.as_deref(),
            new.phone.as_deref(),
        )
        .await?;
        Ok(Created::Created(Json(company_of(made))))
    }

    #[oai(
        path = "/companies/:id",
        method = "get",
        tag = "IdentityTags::Identities"
    )]
    async fn get_company(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<Company>> {
        self.manager(req, "companies").await?;
        let found = accounts::company(&self.state.store, id.0).await?;
        Ok(Json(company_of(found)))
    }

    #[oai(
        path = "/companies/:id",
        method = "patch",
        tag = "IdentityTags::Identities"
    )]
    async fn update_company(
        &self,
        req: &Request,
        id: Path<i64>,
        patch: Json<CompanyPatch>,
    ) -> AdminResult<Json<Company>> {
        self.manager(req, "companies").await?;
        let patch = patch.0;
        let change = accounts::CompanyChange {
            name: patch.name,
            email: patch.email,
            phone: patch.phone,
            active: patch.active,
        };
        let changed = accounts::update_company(&self.state.store, id.0, change).await?;
        Ok(Json(company_of(changed)))
    }

    /// API keys, never their secrets. A key limited to models sees the keys within its models.
    #[oai(path = "/api-keys", method = "get", tag = "IdentityTags::Identities")]
    async fn list_keys(&self, req: &Request) -> AdminResult<Json<ApiKeyList>> {
        let caller = require_admin(&self.state, req).await?;
        let items = keys::list(&self.state.store, &caller)
            .await?
            .into_iter()
            .map(|k| key_of(k, None))
            .collect();
        Ok(Json(ApiKeyList {
            items,
            next_cursor: None,
        }))
    }

    /// Create a key; the reply is the only time its text is shown. A key limited to models makes
    /// keys limited to some of them, for users of its own companies.
    #[oai(path = "/api-keys", method = "post", tag = "IdentityTags::Identities")]
    async fn create_key(
        &self,
        req: &Request,
        new: Json<NewApiKey>,
    ) -> AdminResult<Created<ApiKey>> {
        let caller = require_admin(&self.state, req).await?;
        let new = new.0;
        let asked = keys::NewApiKey {
            user_id: new.user_id,
            name: new.name,
            allowed_models: new.allowed_models,
            expires_at: new.expires_at,
        };
        let (row, key) = keys::create(&self.state.store, &caller, asked).await?;
        Ok(Created::Created(Json(key_of(row, Some(key)))))
    }

    /// Revoke a key: refused from its next request on, on every instance.
    #[oai(
        path = "/api-keys/:id",
        method = "delete",
        tag = "IdentityTags::Identities"
    )]
    async fn revoke_key(&self, req: &Request, id: Path<i64>) -> AdminResult<Deleted> {
        let caller = require_admin(&self.state, req).await?;
        keys::revoke(&self.state.store, &self.state.keys, &caller, id.0).await?;
        Ok(Deleted::Deleted)
    }
}

impl IdentityApi {
    /// An admin who may manage `what` (users, companies): not a key limited to some models.
    async fn manager(&self, req: &Request, what: &str) -> AdminResult<Caller> {
        let caller = require_admin(&self.state, req).await?;
        require_all_models(&caller, what)?;
        Ok(caller)
    }
}

impl From<KeyError> for AdminError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Invalid { .. } => {
                AdminError::Unprocessable(body("invalid_value", e.to_string()))
            }
            KeyError::Forbidden(_) => AdminError::Forbidden(body("access_denied", e.to_string())),
            KeyError::NotFound(_) => AdminError::NotFound(body("not_found", e.to_string())),
            KeyError::Store(e) => e.into(),
        }
    }
}

impl From<AccountError> for AdminError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Invalid { .. } => {
                AdminError::Unprocessable(body("invalid_value", e.to_string()))
            }
            AccountError::NotFound { .. } => AdminError::NotFound(body("not_found", e.to_string())),
            AccountError::Conflict(_) => AdminError::Conflict(body("conflict", e.to_string())),
            AccountError::Store(e) => e.into(),
        }
    }
}

fn user_of(user: accounts::User) -> User {
    User {
        id: user.id,
        login: user.login,
        name: user.name,
        role: user.role.as_str().to_string(),
        company_id: user.company_id,
        company_ids: user.company_ids,
        active: user.active,
    }
}

fn company_of(company: accounts::Company) -> Company {
    Company {
        id: company.id,
        name: company.name,
        email: company.email,
        phone: company.phone,
        active: company.active,
    }
}

fn key_of(row: weft_store::entity::api_key::Model, key: Option<String>) -> ApiKey {
    let format =
        |d: chrono::NaiveDateTime| d.format(weft_registry::value::DATETIME_FORMAT).to_string();
    ApiKey {
        id: row.id,
        user_id: row.user_id,
        allowed_models: keys::models_of(&row),
        name: row.name,
        prefix: row.prefix,
        expires_at: row.expires_at.map(format),
        revoked: row.revoked_at.is_some(),
        create_date: format(row.create_date),
        last_used_at: row.last_used_at.map(format),
        key,
    }
}
