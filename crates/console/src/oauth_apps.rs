//! `/console/oauth-apps` (issue 18): the OAuth apps through which Synconics' clients reach
//! `/restapi/1.0`. The list (name, access type, user, consumer key, redirect URIs, active), a
//! form to make one (inputs named as `NewOAuthApp`'s fields), and per app: reveal the secret (an
//! OAuth 1.0a app's only: the others keep a hash), regenerate the key and secret, revoke every
//! token, deactivate or activate. Each calls `weft_inbound::oauth::apps`, as `/api/v1/oauth-apps`
//! does, so the checks are the API's and a change holds from the next call on.
//!
//! A secret is shown on the answer to the POST that made, regenerated or revealed it and nowhere
//! else (no redirect carries it, no log line names it; every page is `no-store`).

use crate::Console;
use crate::form::{FieldErrors, Posted};
use crate::frame::{Frame, Nav, When, see_other};
use crate::session::Admin;
use crate::users::{errors_at, general_error, store_error, store_failed};
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use serde::Deserialize;
use std::collections::HashMap;
use weft_inbound::accounts;
use weft_inbound::oauth::apps::{self, AppError, AppSettings};
use weft_inbound::oauth::entity::app;

/// The inputs of the form, as `NewOAuthApp` names them.
const FIELDS: &[&str] = &[
    "name",
    "description",
    "user_id",
    "access_type",
    "redirect_uris",
    "allowed_models",
    "oauth1_reply",
];

pub fn routes() -> Route {
    Route::new()
        .at("/", get(page).post(create))
        .at("/:id/secret", post(reveal))
        .at("/:id/regenerate", post(regenerate))
        .at("/:id/revoke-tokens", post(revoke_tokens))
        .at("/:id/active", post(set_active))
}

struct Row {
    id: i64,
    name: String,
    description: String,
    access_type: String,
    user: String,
    consumer_key: String,
    redirect_uris: Vec<String>,
    models: Option<Vec<String>>,
    active: bool,
    created: When,
}

struct Owner {
    id: String,
    label: String,
}

/// What the form shows: as posted after an error, else the defaults.
struct Draft {
    name: String,
    description: String,
    user_id: String,
    access_type: String,
    redirect_uris: String,
    allowed_models: Vec<String>,
    oauth1_reply: String,
}

impl Default for Draft {
    fn default() -> Draft {
        Draft {
            name: String::new(),
            description: String::new(),
            user_id: String::new(),
            access_type: "oauth2".into(),
            redirect_uris: String::new(),
            allowed_models: Vec::new(),
            oauth1_reply: "json".into(),
        }
    }
}

impl Draft {
    fn of(form: &Posted) -> Draft {
        let text = |name: &str| form.get(name).unwrap_or_default().trim().to_string();
        Draft {
            name: text("name"),
            description: text("description"),
            user_id: text("user_id"),
            access_type: text("access_type"),
            redirect_uris: form.get("redirect_uris").unwrap_or_default().to_string(),
            allowed_models: form.all("allowed_models"),
            oauth1_reply: text("oauth1_reply"),
        }
    }

    /// The API's settings; a user that is not a number is reported at its field.
    fn request(&self) -> Result<AppSettings, FieldErrors> {
        let user_id = match self.user_id.parse::<i64>() {
            Ok(id) => id,
            Err(_) => return Err(errors_at("user_id", "is required: choose a user", FIELDS)),
        };
        let uris = self
            .redirect_uris
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        Ok(AppSettings {
            name: Some(self.name.clone()),
            description: Some(Some(self.description.clone())),
            user_id: Some(user_id),
            access_type: Some(self.access_type.clone()),
            redirect_uris: Some(uris),
            allowed_models: Some(
                (!self.allowed_models.is_empty()).then(|| self.allowed_models.clone()),
            ),
            oauth1_reply: Some(self.oauth1_reply.clone()),
            active: Some(true),
        })
    }

    fn allows(&self, model: &str) -> bool {
        self.allowed_models.iter().any(|m| m == model)
    }
}

/// A consumer key and secret, shown on this answer only.
struct Shown {
    id: i64,
    name: String,
    /// What happened: "made", "regenerated" or "revealed".
    what: &'static str,
    consumer_key: String,
    consumer_secret: String,
}

impl Shown {
    fn of(
        app: &app::Model,
        what: &'static str,
        consumer_key: String,
        consumer_secret: String,
    ) -> Shown {
        Shown {
            id: app.id,
            name: app.name.clone(),
            what,
            consumer_key,
            consumer_secret,
        }
    }
}

/// The page with `shown`'s key and secret on it (this answer only).
async fn show(admin: &Admin, console: &Console, shown: Shown, status: StatusCode) -> Response {
    let shape = Shape {
        shown: Some(shown),
        status,
        ..Shape::plain()
    };
    render(admin, console, shape).await
}

#[derive(Template, WebTemplate)]
#[template(path = "oauth_apps.html")]
struct AppsPage {
    frame: Frame,
    public_url: String,
    rows: Vec<Row>,
    owners: Vec<Owner>,
    models: Vec<String>,
    draft: Draft,
    errors: FieldErrors,
    notice: Option<String>,
    shown: Option<Shown>,
}

struct Shape {
    draft: Draft,
    errors: FieldErrors,
    notice: Option<String>,
    shown: Option<Shown>,
    status: StatusCode,
}

impl Shape {
    fn plain() -> Shape {
        Shape {
            draft: Draft::default(),
            errors: FieldErrors::default(),
            notice: None,
            shown: None,
            status: StatusCode::OK,
        }
    }
}

async fn render(admin: &Admin, console: &Console, shape: Shape) -> Response {
    let store = &console.store;
    let users = match accounts::list_users(store).await {
        Ok(users) => users,
        Err(e) => return store_failed("reading the users", e),
    };
    let found = match apps::list(store).await {
        Ok(found) => found,
        Err(e) => return store_failed("reading the OAuth apps", e),
    };
    let logins: HashMap<i64, String> = users.iter().map(|u| (u.id, u.login.clone())).collect();
    AppsPage {
        frame: admin.frame(Nav::OAuthApps),
        public_url: console.public_url.trim_end_matches('/').to_string(),
        rows: found.into_iter().map(|a| row(a, &logins)).collect(),
        owners: users
            .iter()
            .filter(|u| u.active)
            .map(|u| Owner {
                id: u.id.to_string(),
                label: format!("{} — {} ({})", u.login, u.name, u.role.as_str()),
            })
            .collect(),
        models: store.registry().models().map(|m| m.name.clone()).collect(),
        draft: shape.draft,
        errors: shape.errors,
        notice: shape.notice,
        shown: shape.shown,
    }
    .with_status(shape.status)
    .into_response()
}

fn row(a: app::Model, logins: &HashMap<i64, String>) -> Row {
    Row {
        id: a.id,
        redirect_uris: apps::redirect_uris(&a),
        models: apps::allowed_models(&a),
        user: logins
            .get(&a.user_id)
            .cloned()
            .unwrap_or_else(|| format!("user {}", a.user_id)),
        name: a.name,
        description: a.description.unwrap_or_default(),
        access_type: a.access_type,
        consumer_key: a.consumer_key,
        active: a.active,
        created: When::of(a.create_date),
    }
}

#[derive(Deserialize)]
pub struct Notice {
    notice: Option<String>,
    id: Option<i64>,
}

/// `GET /console/oauth-apps`: the list and the form; after an action, its notice.
#[handler]
pub async fn page(admin: Admin, console: Data<&Console>, query: Query<Notice>) -> Response {
    let mut shape = Shape::plain();
    let id = query.id.unwrap_or_default();
    shape.notice = match query.notice.as_deref() {
        Some("revoked") => Some(format!(
            "Revoked every token of OAuth app {id}: calls with them are refused from now on."
        )),
        Some("deactivated") => Some(format!(
            "Deactivated OAuth app {id}: its tokens are refused and it gets no new ones."
        )),
        Some("activated") => Some(format!("Activated OAuth app {id}.")),
        _ => None,
    };
    render(&admin, &console, shape).await
}

/// `POST /console/oauth-apps`: make the app and show its key and secret, once.
#[handler]
pub async fn create(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let draft = Draft::of(&Posted(pairs));
    let refused = |draft: Draft, (status, errors): (StatusCode, FieldErrors)| Shape {
        draft,
        errors,
        status,
        ..Shape::plain()
    };
    let settings = match draft.request() {
        Ok(settings) => settings,
        Err(errors) => {
            let shape = refused(draft, (StatusCode::UNPROCESSABLE_ENTITY, errors));
            return render(&admin, &console, shape).await;
        }
    };
    match apps::create(&console.store, settings).await {
        Ok((row, issued)) => {
            tracing::info!(app_id = row.id, by = %admin.caller.login, "OAuth app created");
            let shown = Shown::of(&row, "made", issued.consumer_key, issued.consumer_secret);
            show(&admin, &console, shown, StatusCode::CREATED).await
        }
        Err(e) => render(&admin, &console, refused(draft, app_errors(&e))).await,
    }
}

/// The API's error at its field, with the status the API answers.
fn app_errors(error: &AppError) -> (StatusCode, FieldErrors) {
    match error {
        AppError::Invalid { field, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors_at(field, reason, FIELDS),
        ),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, general_error(error.to_string())),
        AppError::Store(e) => store_error(e, FIELDS),
    }
}

async fn refused(admin: &Admin, console: &Console, error: &AppError) -> Response {
    let (status, errors) = app_errors(error);
    let shape = Shape {
        errors,
        status,
        ..Shape::plain()
    };
    render(admin, console, shape).await
}

/// `POST /console/oauth-apps/:id/secret`: an OAuth 1.0a app's secret, on this answer.
#[handler]
pub async fn reveal(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    let found = match apps::get(&console.store, id.0).await {
        Ok(found) => found,
        Err(e) => return refused(&admin, &console, &e).await,
    };
    let Some(secret) = apps::reveal(&found).map(String::from) else {
        let text = format!(
            "OAuth app {} keeps its secret only as a hash, so it cannot be shown: regenerate it \
             for a new one.",
            found.id
        );
        let shape = Shape {
            errors: general_error(text),
            status: StatusCode::CONFLICT,
            ..Shape::plain()
        };
        return render(&admin, &console, shape).await;
    };
    tracing::info!(app_id = found.id, by = %admin.caller.login, "OAuth app secret revealed");
    let shown = Shown::of(&found, "revealed", found.consumer_key.clone(), secret);
    show(&admin, &console, shown, StatusCode::OK).await
}

/// `POST /console/oauth-apps/:id/regenerate`: a new key and secret, shown once; the old ones
/// and every token stop at once.
#[handler]
pub async fn regenerate(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    match apps::regenerate(&console.store, id.0).await {
        Ok((row, issued)) => {
            tracing::info!(app_id = row.id, by = %admin.caller.login, "OAuth app regenerated");
            let shown = Shown::of(
                &row,
                "regenerated",
                issued.consumer_key,
                issued.consumer_secret,
            );
            show(&admin, &console, shown, StatusCode::OK).await
        }
        Err(e) => refused(&admin, &console, &e).await,
    }
}

/// `POST /console/oauth-apps/:id/revoke-tokens`.
#[handler]
pub async fn revoke_tokens(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    let done = async {
        apps::get(&console.store, id.0).await?;
        apps::revoke_tokens(&console.store, id.0).await
    };
    match done.await {
        Ok(count) => {
            tracing::info!(app_id = id.0, count, by = %admin.caller.login, "OAuth app tokens revoked");
            see_other(&format!("/console/oauth-apps?notice=revoked&id={}", id.0))
        }
        Err(e) => refused(&admin, &console, &e).await,
    }
}

/// `POST /console/oauth-apps/:id/active` with `active=true|false`.
#[handler]
pub async fn set_active(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let active = Posted(pairs).get("active") == Some("true");
    let change = AppSettings {
        active: Some(active),
        ..AppSettings::default()
    };
    match apps::update(&console.store, id.0, change).await {
        Ok(_) => {
            let notice = if active { "activated" } else { "deactivated" };
            see_other(&format!("/console/oauth-apps?notice={notice}&id={}", id.0))
        }
        Err(e) => refused(&admin, &console, &e).await,
    }
}
