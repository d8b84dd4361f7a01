//! `/api/v1`: the admin REST API (role `admin`). Errors are `{"error":{"code","message"}}` with the
//! right status; lists are `{"items":[..],"next_cursor":..}`; a created object comes back whole with 201.

use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use std::collections::BTreeMap;
use weft_inbound::auth::{self, Credentials};
use weft_inbound::identity::{self, Caller, Role};
use weft_registry::{FieldType, Model};
use weft_store::StoreError;
use weft_store::parameters::PARAMETERS;

#[derive(Tags)]
enum AdminTags {
    /// Service parameters (DESIGN.md §4.1).
    Parameters,
    /// The models of the schema.
    Models,
    /// Users and API keys.
    Identities,
}

#[derive(Object)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(Object)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(ApiResponse)]
pub enum AdminError {
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    #[oai(status = 422)]
    Unprocessable(Json<ErrorBody>),
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

pub(crate) fn body(code: &str, message: impl Into<String>) -> Json<ErrorBody> {
    Json(ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message: message.into(),
        },
    })
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e.code() {
            "not_found" | "unknown_model" => AdminError::NotFound(body(e.code(), message)),
            "conflict" => AdminError::Conflict(body("conflict", message)),
            "access_denied" => AdminError::Forbidden(body("access_denied", message)),
            "internal_error" => {
                tracing::error!(error = %message, "admin API failed");
                AdminError::Internal(body(
                    "internal_error",
                    "internal error (see the server log)",
                ))
            }
            code => AdminError::Unprocessable(body(code, message)),
        }
    }
}

pub(crate) type AdminResult<T> = Result<T, AdminError>;

#[derive(ApiResponse)]
pub enum Created<T: poem_openapi::types::ToJSON> {
    #[oai(status = 201)]
    Created(Json<T>),
}

#[derive(ApiResponse)]
pub enum Deleted {
    #[oai(status = 204)]
    Deleted,
}

#[derive(Object)]
pub struct Parameter {
    pub key: String,
    pub value: String,
    pub default: String,
    pub description: String,
}

#[derive(Object)]
pub struct ParameterList {
    pub items: Vec<Parameter>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
pub struct ParameterValue {
    /// Booleans: true/false/1/0; numbers: non-negative integers; lists: JSON.
    pub value: String,
}

#[derive(Object)]
pub struct ModelSummary {
    pub model: String,
    pub description: String,
}

#[derive(Object)]
pub struct ModelList {
    pub items: Vec<ModelSummary>,
    pub next_cursor: Option<String>,
}

/// A field as Odoo's `fields_get` describes it.
#[derive(Object)]
pub struct FieldDescription {
    #[oai(rename = "type")]
    pub kind: String,
    pub string: String,
    pub help: Option<String>,
    pub required: bool,
    pub readonly: bool,
    pub store: bool,
    /// The comodel of a relational field.
    pub relation: Option<String>,
    /// The inverse many2one of a one2many.
    pub relation_field: Option<String>,
    /// `[[key, label], ...]` of a selection.
    pub selection: Option<Vec<Vec<String>>>,
}

#[derive(Object)]
pub struct MethodDescription {
    pub name: String,
    pub kind: String,
    /// Parameter name -> type.
    pub params: BTreeMap<String, String>,
    /// The domain each record must match first.
    pub require: Option<String>,
    pub help: Option<String>,
}

#[derive(Object)]
pub struct ModelDescription {
    pub model: String,
    pub description: String,
    pub rec_name: String,
    pub order: String,
    pub company_scoped: bool,
    pub fields: BTreeMap<String, FieldDescription>,
    pub methods: Vec<MethodDescription>,
}

#[derive(Object)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub company_id: i64,
}

#[derive(Object)]
pub struct UserList {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
pub struct NewUser {
    pub login: String,
    pub name: Option<String>,
    pub password: Option<String>,
    /// admin or integration (default)
    pub role: Option<String>,
    /// Default: the main company (1).
    pub company_id: Option<i64>,
}

#[derive(Object)]
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
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
pub struct NewApiKey {
    pub user_id: i64,
    pub name: String,
    /// Models the key may touch; omitted = all.
    pub allowed_models: Option<Vec<String>>,
    /// `YYYY-MM-DD HH:MM:SS` (UTC).
    pub expires_at: Option<String>,
}

pub struct AdminApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl AdminApi {
    /// Every parameter with its current value and default.
    #[oai(path = "/parameters", method = "get", tag = "AdminTags::Parameters")]
    async fn list_parameters(&self, req: &Request) -> AdminResult<Json<ParameterList>> {
        self.admin(req).await?;
        let current = self.state.store.parameters().await?;
        let items = PARAMETERS
            .iter()
            .map(|(key, default, _, description)| Parameter {
                key: key.to_string(),
                value: current.get(key).to_string(),
                default: default.to_string(),
                description: description.to_string(),
            })
            .collect();
        Ok(Json(ParameterList {
            items,
            next_cursor: None,
        }))
    }

    /// Set a parameter; the value is validated (422) and an unknown key is 404.
    #[oai(
        path = "/parameters/:key",
        method = "put",
        tag = "AdminTags::Parameters"
    )]
    async fn set_parameter(
        &self,
        req: &Request,
        key: Path<String>,
        value: Json<ParameterValue>,
    ) -> AdminResult<Json<Parameter>> {
        self.admin(req).await?;
        let Some(stored) = self.state.store.set_parameter(&key, &value.value).await? else {
            return Err(AdminError::NotFound(body(
                "not_found",
                format!("no parameter '{}'", key.0),
            )));
        };
        self.state
            .reload_parameters()
            .await
            .map_err(|e| AdminError::Internal(body("internal_error", e.to_string())))?;
        let (_, default, _, description) = PARAMETERS
            .iter()
            .find(|(k, ..)| *k == key.0)
            .expect("validated key");
        Ok(Json(Parameter {
            key: key.0,
            value: stored,
            default: default.to_string(),
            description: description.to_string(),
        }))
    }

    /// The models of the schema.
    #[oai(path = "/models", method = "get", tag = "AdminTags::Models")]
    async fn list_models(&self, req: &Request) -> AdminResult<Json<ModelList>> {
        self.admin(req).await?;
        let items = self
            .state
            .store
            .registry()
            .models()
            .map(|m| ModelSummary {
                model: m.name.clone(),
                description: m.description.clone(),
            })
            .collect();
        Ok(Json(ModelList {
            items,
            next_cursor: None,
        }))
    }

    /// One model: its fields (as Odoo's fields_get) and callable methods.
    #[oai(path = "/models/:model", method = "get", tag = "AdminTags::Models")]
    async fn get_model(
        &self,
        req: &Request,
        model: Path<String>,
    ) -> AdminResult<Json<ModelDescription>> {
        self.admin(req).await?;
        let registry = self.state.store.registry();
        let found = registry.model(&model).ok_or_else(|| {
            AdminError::NotFound(body(
                "unknown_model",
                format!("unknown model '{}'", model.0),
            ))
        })?;
        Ok(Json(describe_model(found)))
    }

    #[oai(path = "/users", method = "get", tag = "AdminTags::Identities")]
    async fn list_users(&self, req: &Request) -> AdminResult<Json<UserList>> {
        self.admin(req).await?;
        let store = &self.state.store;
        let tx = store.begin_read(&weft_store::Env::superuser()).await?;
        let options = weft_store::SearchOptions {
            include_archived: true,
            order: Some("id"),
            ..Default::default()
        };
        let ids = tx
            .search("res.users", &weft_domain::Domain::all(), &options)
            .await?;
        drop(tx);
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(caller) = identity::caller_of(store, id, None).await? {
                items.push(user_of(&caller));
            }
        }
        Ok(Json(UserList {
            items,
            next_cursor: None,
        }))
    }

    #[oai(path = "/users", method = "post", tag = "AdminTags::Identities")]
    async fn create_user(&self, req: &Request, new: Json<NewUser>) -> AdminResult<Created<User>> {
        self.admin(req).await?;
        let role_text = new.role.clone().unwrap_or_else(|| "integration".into());
        let role = Role::parse(&role_text).ok_or_else(|| {
            AdminError::Unprocessable(body(
                "invalid_value",
                format!("role must be admin or integration, not '{role_text}'"),
            ))
        })?;
        let company = new.company_id.unwrap_or(weft_store::env::MAIN_COMPANY);
        let name = new.name.clone().unwrap_or_else(|| new.login.clone());
        let uid = identity::create_user(
            &self.state.store,
            &new.login,
            &name,
            new.password.as_deref(),
            role,
            company,
        )
        .await?;
        let caller = identity::caller_of(&self.state.store, uid, None)
            .await?
            .expect("just created");
        Ok(Created::Created(Json(user_of(&caller))))
    }

    /// API keys, never their secrets.
    #[oai(path = "/api-keys", method = "get", tag = "AdminTags::Identities")]
    async fn list_keys(&self, req: &Request) -> AdminResult<Json<ApiKeyList>> {
        self.admin(req).await?;
        let items = identity::list_api_keys(&self.state.store)
            .await?
            .into_iter()
            .map(|k| key_of(k, None))
            .collect();
        Ok(Json(ApiKeyList {
            items,
            next_cursor: None,
        }))
    }

    /// Create a key; the reply is the only time its text is shown.
    #[oai(path = "/api-keys", method = "post", tag = "AdminTags::Identities")]
    async fn create_key(
        &self,
        req: &Request,
        new: Json<NewApiKey>,
    ) -> AdminResult<Created<ApiKey>> {
        self.admin(req).await?;
        let store = &self.state.store;
        if identity::caller_of(store, new.user_id, None)
            .await?
            .is_none()
        {
            return Err(AdminError::Unprocessable(body(
                "invalid_value",
                format!("no active user {}", new.user_id),
            )));
        }
        let expires = match &new.expires_at {
            None => None,
            Some(text) => Some(
                weft_registry::value::parse_datetime(text).map_err(|reason| {
                    AdminError::Unprocessable(body(
                        "invalid_value",
                        format!("expires_at: {reason}"),
                    ))
                })?,
            ),
        };
        let made = identity::create_api_key(
            store,
            new.user_id,
            &new.name,
            new.allowed_models.clone(),
            expires,
            None,
        )
        .await?;
        let row = identity::list_api_keys(store)
            .await?
            .into_iter()
            .find(|k| k.id == made.id)
            .expect("just created");
        Ok(Created::Created(Json(key_of(row, Some(made.key)))))
    }

    #[oai(
        path = "/api-keys/:id",
        method = "delete",
        tag = "AdminTags::Identities"
    )]
    async fn revoke_key(&self, req: &Request, id: Path<i64>) -> AdminResult<Deleted> {
        self.admin(req).await?;
        if identity::revoke_api_key(&self.state.store, id.0).await? {
            self.state.keys.clear();
            Ok(Deleted::Deleted)
        } else {
            Err(AdminError::NotFound(body(
                "not_found",
                format!("no API key {}", id.0),
            )))
        }
    }
}

impl AdminApi {
    /// The caller, who must have the admin role.
    async fn admin(&self, req: &Request) -> AdminResult<Caller> {
        require_admin(&self.state, req).await
    }
}

/// The caller of an `/api/v1` route, who must have the admin role.
pub(crate) async fn require_admin(state: &AppState, req: &Request) -> AdminResult<Caller> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let credentials = Credentials {
        session_id: None,
        x_api_key: header("x-api-key"),
        authorization: header("authorization"),
    };
    let caller = auth::authenticate(&state.store, &state.keys, credentials)
        .await
        .map_err(|e| AdminError::Unauthorized(body("unauthorized", e.to_string())))?;
    if caller.role != Role::Admin {
        return Err(AdminError::Forbidden(body(
            "access_denied",
            "this route needs the admin role",
        )));
    }
    Ok(caller)
}

fn user_of(caller: &Caller) -> User {
    User {
        id: caller.uid,
        login: caller.login.clone(),
        name: caller.name.clone(),
        role: caller.role.as_str().to_string(),
        company_id: caller.env.company_id,
    }
}

fn key_of(row: weft_store::entity::api_key::Model, key: Option<String>) -> ApiKey {
    let format =
        |d: chrono::NaiveDateTime| d.format(weft_registry::value::DATETIME_FORMAT).to_string();
    ApiKey {
        id: row.id,
        user_id: row.user_id,
        name: row.name,
        prefix: row.prefix,
        allowed_models: row
            .allowed_models
            .and_then(|v| serde_json::from_value(v).ok()),
        expires_at: row.expires_at.map(format),
        revoked: row.revoked_at.is_some(),
        create_date: format(row.create_date),
        last_used_at: row.last_used_at.map(format),
        key,
    }
}

fn describe_model(model: &Model) -> ModelDescription {
    let fields = model
        .fields()
        .iter()
        .map(|f| {
            let (relation, relation_field) = match &f.kind {
                FieldType::One2many { comodel, inverse } => {
                    (Some(comodel.clone()), Some(inverse.clone()))
                }
                other => (other.comodel().map(str::to_string), None),
            };
            let selection = match &f.kind {
                FieldType::Selection(s) => Some(
                    s.options
                        .iter()
                        .map(|(k, l)| vec![k.clone(), l.clone()])
                        .collect(),
                ),
                _ => None,
            };
            let description = FieldDescription {
                kind: f.kind.name().to_string(),
                string: f.string.clone(),
                help: f.help.clone(),
                required: f.required,
                readonly: f.readonly,
                store: true,
                relation,
                relation_field,
                selection,
            };
            (f.name.clone(), description)
        })
        .collect();
    let methods = model
        .methods
        .values()
        .map(|m| MethodDescription {
            name: m.name.clone(),
            kind: match m.kind {
                weft_registry::MethodKind::Write { .. } => "write",
                weft_registry::MethodKind::Unlink => "unlink",
                weft_registry::MethodKind::Copy => "copy",
            }
            .to_string(),
            params: m
                .params
                .iter()
                .map(|(n, t)| (n.clone(), format!("{t:?}").to_lowercase()))
                .collect(),
            require: m.require.as_ref().map(ToString::to_string),
            help: m.help.clone(),
        })
        .collect();
    ModelDescription {
        model: model.name.clone(),
        description: model.description.clone(),
        rec_name: model.rec_name.clone(),
        order: model.order.clone(),
        company_scoped: model.is_company_scoped(),
        fields,
        methods,
    }
}
