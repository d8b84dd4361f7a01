//! `/console/api-keys` (issue 17 §4): every API key (never its text), a form to make one (its
//! inputs named as `NewApiKey`'s fields) and revocation after a confirmation page. Both call
//! `weft_inbound::keys`, as `/api/v1/api-keys` does, so the checks (an active user, the schema's
//! models, a datetime expiry) and the cache clearing are the API's.
//!
//! A new key's text is in the answer to the POST that made it and nowhere else: the page is
//! rendered there (not a redirect carrying it in a query), no log line names it, and every page
//! is `no-store` (guard.rs).

use crate::Console;
use crate::form::{FieldErrors, Posted};
use crate::frame::{Frame, Nav, When, see_other};
use crate::session::Admin;
use crate::users::{errors_at, general_error, store_error, store_failed};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDateTime, Utc};
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler};
use serde::Deserialize;
use std::collections::HashMap;
use weft_inbound::accounts;
use weft_inbound::keys::{self, KeyError, NewApiKey};
use weft_store::entity::api_key;

/// The inputs of the form, as `NewApiKey` names them.
const FIELDS: &[&str] = &["user_id", "name", "allowed_models", "expires_at"];

pub fn routes() -> Route {
    Route::new()
        .at("/", get(page).post(create))
        .at("/:id/revoke", get(confirm).post(revoke))
}

/// One key as the list shows it.
struct Row {
    id: i64,
    name: String,
    /// `weft_<prefix>_…`: enough to tell keys apart, nothing to use.
    prefix: String,
    user: String,
    role: &'static str,
    /// None: every model.
    models: Option<Vec<String>>,
    expires: Option<When>,
    expired: bool,
    revoked: bool,
    last_used: Option<When>,
    created: When,
}

/// A user a key can be made for.
struct Owner {
    id: String,
    label: String,
}

/// What the form shows: as posted after an error, empty otherwise.
#[derive(Default)]
struct Draft {
    user_id: String,
    name: String,
    expires_at: String,
    allowed_models: Vec<String>,
}

impl Draft {
    fn of(form: &Posted) -> Draft {
        Draft {
            user_id: form.get("user_id").unwrap_or_default().trim().to_string(),
            name: form.get("name").unwrap_or_default().to_string(),
            expires_at: form
                .get("expires_at")
                .unwrap_or_default()
                .trim()
                .to_string(),
            allowed_models: form.all("allowed_models"),
        }
    }

    /// The API's object; a user that is not a number is reported at its field.
    fn request(&self) -> Result<NewApiKey, FieldErrors> {
        let user_id = match self.user_id.parse::<i64>() {
            Ok(id) => id,
            Err(_) if self.user_id.is_empty() => {
                return Err(errors_at("user_id", "is required: choose a user", FIELDS));
            }
            Err(_) => {
                let reason = format!("expected a user's id, got '{}'", self.user_id);
                return Err(errors_at("user_id", &reason, FIELDS));
            }
        };
        Ok(NewApiKey {
            user_id,
            name: self.name.clone(),
            // None ticked: every model, as an omitted `allowed_models`.
            allowed_models: (!self.allowed_models.is_empty()).then(|| self.allowed_models.clone()),
            expires_at: (!self.expires_at.is_empty()).then(|| self.expires_at.clone()),
        })
    }

    fn allows(&self, model: &str) -> bool {
        self.allowed_models.iter().any(|m| m == model)
    }
}

/// The key just made: shown on this answer only.
struct Shown {
    id: i64,
    name: String,
    prefix: String,
    user: String,
    key: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys.html")]
struct KeysPage {
    frame: Frame,
    rows: Vec<Row>,
    owners: Vec<Owner>,
    models: Vec<String>,
    draft: Draft,
    errors: FieldErrors,
    notice: Option<String>,
    created: Option<Shown>,
}

/// What a page of keys needs besides the form.
struct Listed {
    rows: Vec<Row>,
    owners: Vec<Owner>,
    models: Vec<String>,
}

async fn listed(admin: &Admin, console: &Console) -> Result<Listed, Response> {
    let store = &console.store;
    let users = accounts::list_users(store)
        .await
        .map_err(|e| store_failed("reading the users", e))?;
    let found = keys::list(store, &admin.caller)
        .await
        .map_err(|e| store_failed("reading the API keys", e))?;
    let by_id: HashMap<i64, &accounts::User> = users.iter().map(|u| (u.id, u)).collect();
    let now = Utc::now().naive_utc();
    let rows = found
        .into_iter()
        .rev()
        .map(|k| row(k, &by_id, now))
        .collect();
    let owners = users
        .iter()
        .filter(|u| u.active)
        .map(|u| Owner {
            id: u.id.to_string(),
            label: format!("{} — {} ({})", u.login, u.name, u.role.as_str()),
        })
        .collect();
    let models = store.registry().models().map(|m| m.name.clone()).collect();
    Ok(Listed {
        rows,
        owners,
        models,
    })
}

fn row(k: api_key::Model, users: &HashMap<i64, &accounts::User>, now: NaiveDateTime) -> Row {
    let user = users.get(&k.user_id);
    Row {
        models: keys::models_of(&k),
        id: k.id,
        name: k.name,
        prefix: format!("weft_{}_…", k.prefix),
        user: user.map_or_else(|| format!("user {}", k.user_id), |u| u.login.clone()),
        role: user.map_or("", |u| u.role.as_str()),
        expired: k.expires_at.is_some_and(|at| at <= now),
        expires: k.expires_at.map(When::of),
        revoked: k.revoked_at.is_some(),
        last_used: k.last_used_at.map(When::of),
        created: When::of(k.create_date),
    }
}

struct Shape {
    draft: Draft,
    errors: FieldErrors,
    notice: Option<String>,
    created: Option<Shown>,
    status: StatusCode,
}

impl Shape {
    fn plain() -> Shape {
        Shape {
            draft: Draft::default(),
            errors: FieldErrors::default(),
            notice: None,
            created: None,
            status: StatusCode::OK,
        }
    }
}

async fn render(admin: &Admin, console: &Console, shape: Shape) -> Response {
    let listed = match listed(admin, console).await {
        Ok(listed) => listed,
        Err(failed) => return failed,
    };
    KeysPage {
        frame: admin.frame(Nav::ApiKeys),
        rows: listed.rows,
        owners: listed.owners,
        models: listed.models,
        draft: shape.draft,
        errors: shape.errors,
        notice: shape.notice,
        created: shape.created,
    }
    .with_status(shape.status)
    .into_response()
}

#[derive(Deserialize)]
pub struct Notice {
    revoked: Option<i64>,
}

/// `GET /console/api-keys`: the list and the form; after a revocation, its notice.
#[handler]
pub async fn page(admin: Admin, console: Data<&Console>, query: Query<Notice>) -> Response {
    let mut shape = Shape::plain();
    if let Some(id) = query.revoked {
        shape.notice = Some(format!(
            "Revoked API key {id}: every request with it is refused from now on."
        ));
    }
    render(&admin, &console, shape).await
}

/// `POST /console/api-keys`: make the key and show it, once, on this answer.
#[handler]
pub async fn create(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let draft = Draft::of(&Posted(pairs));
    let refused = |draft: Draft, errors: FieldErrors| Shape {
        draft,
        errors,
        status: StatusCode::UNPROCESSABLE_ENTITY,
        ..Shape::plain()
    };
    let asked = match draft.request() {
        Ok(asked) => asked,
        Err(errors) => return render(&admin, &console, refused(draft, errors)).await,
    };
    let (row, key) = match keys::create(&console.store, &admin.caller, asked).await {
        Ok(made) => made,
        Err(e) => {
            let (status, errors) = key_errors(&e);
            let shape = Shape {
                status,
                ..refused(draft, errors)
            };
            return render(&admin, &console, shape).await;
        }
    };
    // The prefix only: the key itself is in no log line.
    tracing::info!(key_id = row.id, prefix = %row.prefix, by = %admin.caller.login, "API key created");
    let user = accounts::user(&console.store, row.user_id)
        .await
        .map_or_else(|_| format!("user {}", row.user_id), |u| u.login);
    let shown = Shown {
        id: row.id,
        name: row.name,
        prefix: row.prefix,
        user,
        key,
    };
    let shape = Shape {
        created: Some(shown),
        status: StatusCode::CREATED,
        ..Shape::plain()
    };
    render(&admin, &console, shape).await
}

/// The API's error at its field, with the status the API answers.
fn key_errors(error: &KeyError) -> (StatusCode, FieldErrors) {
    match error {
        KeyError::Invalid { field, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors_at(field, reason, FIELDS),
        ),
        KeyError::Store(e) => store_error(e, FIELDS),
        other => {
            let errors = general_error(other.to_string());
            (StatusCode::FORBIDDEN, errors)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "api_keys_revoke.html")]
struct RevokePage {
    frame: Frame,
    key: Row,
}

/// `GET /console/api-keys/:id/revoke`: what revoking this key does, and the button that does it.
#[handler]
pub async fn confirm(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    let listed = match listed(&admin, &console).await {
        Ok(listed) => listed,
        Err(failed) => return failed,
    };
    match listed.rows.into_iter().find(|r| r.id == id.0) {
        Some(key) => RevokePage {
            frame: admin.frame(Nav::ApiKeys),
            key,
        }
        .into_response(),
        None => missing(&admin, &console, id.0).await,
    }
}

/// `POST /console/api-keys/:id/revoke`: refused at once (the key cache is cleared), then back to
/// the list with a notice.
#[handler]
pub async fn revoke(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    match keys::revoke(&console.store, &console.keys, &admin.caller, id.0).await {
        Ok(key) => {
            tracing::info!(key_id = key.id, prefix = %key.prefix, by = %admin.caller.login, "API key revoked");
            see_other(&format!("/console/api-keys?revoked={}", key.id))
        }
        Err(KeyError::NotFound(id)) => missing(&admin, &console, id).await,
        Err(e) => {
            let (status, errors) = key_errors(&e);
            let shape = Shape {
                errors,
                status,
                ..Shape::plain()
            };
            render(&admin, &console, shape).await
        }
    }
}

async fn missing(admin: &Admin, console: &Console, id: i64) -> Response {
    let shape = Shape {
        errors: general_error(format!("There is no API key {id}.")),
        status: StatusCode::NOT_FOUND,
        ..Shape::plain()
    };
    render(admin, console, shape).await
}
