//! `/api/v1`: the admin REST API (role `admin`). Errors are `{"error":{"code","message"}}` with the
//! right status; lists are `{"items":[..],"next_cursor":..}`; a created object comes back whole with 201.
//!
//! An admin key limited to some models (`allowed_models`) is bounded here too (DESIGN.md §14): it
//! sees and manages only the objects tied to its models (`require_model`, lists filtered with
//! `Caller::may_use_model`) and nothing that is not tied to a model (`require_all_models`: users,
//! companies, parameters). Every route of this API goes through `require_admin` first.

use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use std::collections::BTreeMap;
use weft_inbound::auth::{self, Credentials};
use weft_inbound::identity::{Caller, Role};
use weft_registry::{FieldType, Model};
use weft_store::StoreError;
use weft_store::parameters::PARAMETERS;

#[derive(Tags)]
enum AdminTags {
    /// Service parameters (DESIGN.md §4.1).
    Parameters,
    /// The models of the schema.
    Models,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// Every refusal of `/api/v1`, documented on every operation: the ones the handlers answer, and the
/// transport ones the application answers before a handler runs (413 in `body_limit::limit_body`,
/// 400 for an unreadable body or parameter and 415 in `app::error_response`), all with the same JSON
/// body.
#[derive(ApiResponse)]
pub enum AdminError {
    /// A body that is not the documented JSON, or a parameter that does not parse (the message names it).
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No API key or session, or one that is unknown, revoked or expired.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The caller is not an admin, or its key is limited to other models.
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    #[oai(status = 409)]
    Conflict(Json<ErrorBody>),
    /// The body is larger than `WEFT_MAX_BODY`.
    #[oai(status = 413)]
    PayloadTooLarge(Json<ErrorBody>),
    /// A body without `Content-Type: application/json`.
    #[oai(status = 415)]
    UnsupportedMediaType(Json<ErrorBody>),
    /// A value that does not fit (the message names the field and why).
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
#[oai(skip_serializing_if_is_none)]
pub struct Parameter {
    pub key: String,
    pub value: String,
    pub default: String,
    pub description: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ParameterList {
    pub items: Vec<Parameter>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ParameterValue {
    /// Booleans: true/false/1/0; numbers: non-negative integers; lists: JSON.
    pub value: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ModelSummary {
    pub model: String,
    pub description: String,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ModelList {
    pub items: Vec<ModelSummary>,
    pub next_cursor: Option<String>,
}

/// A field as Odoo's `fields_get` describes it.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
pub struct ModelDescription {
    pub model: String,
    pub description: String,
    pub rec_name: String,
    pub order: String,
    pub company_scoped: bool,
    pub fields: BTreeMap<String, FieldDescription>,
    pub methods: Vec<MethodDescription>,
}

pub struct AdminApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl AdminApi {
    /// Every parameter with its current value and default.
    #[oai(path = "/parameters", method = "get", tag = "AdminTags::Parameters")]
    async fn list_parameters(&self, req: &Request) -> AdminResult<Json<ParameterList>> {
        require_all_models(&self.admin(req).await?, "parameters")?;
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
        require_all_models(&self.admin(req).await?, "parameters")?;
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
        let caller = self.admin(req).await?;
        let items = self
            .state
            .store
            .registry()
            .models()
            .filter(|m| caller.may_use_model(&m.name))
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
        require_model(&self.admin(req).await?, &model)?;
        let registry = self.state.store.registry();
        let found = registry.model(&model).ok_or_else(|| {
            AdminError::NotFound(body(
                "unknown_model",
                format!("unknown model '{}'", model.0),
            ))
        })?;
        Ok(Json(describe_model(found)))
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

/// Refuse a key limited to some models the routes that are tied to no model (`what`: users,
/// companies, parameters): what they change reaches every model.
pub(crate) fn require_all_models(caller: &Caller, what: &str) -> AdminResult<()> {
    match &caller.allowed_models {
        None => Ok(()),
        Some(models) => Err(AdminError::Forbidden(body(
            "access_denied",
            format!(
                "this key is limited to the models {}: it may not manage {what}",
                models.join(", ")
            ),
        ))),
    }
}

/// Refuse an object tied to `model` (a rule, subscription, hook, delivery or log of it) to a key not
/// allowed that model.
pub(crate) fn require_model(caller: &Caller, model: &str) -> AdminResult<()> {
    caller.require_model(model).map_err(refused)
}

/// A key's model limits as the API's 403.
pub(crate) fn refused(e: weft_inbound::identity::ModelRefused) -> AdminError {
    AdminError::Forbidden(body("access_denied", e.to_string()))
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
