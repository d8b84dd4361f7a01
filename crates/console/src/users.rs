//! `/console/users` (issue 17 §4): every user with its role, companies (by name), whether it is
//! active and has a password; a form to create one (inputs named as `NewUser`'s fields), an edit
//! form (`UserPatch`'s) and a password form. They call `weft_inbound::accounts::create_user` and
//! `change_user`, as `/api/v1/users` does: the same defaults and checks (the last active admin
//! stays one), and a new password or a deactivation ends the user's Odoo and console sessions
//! and reaches its API keys at once.

use crate::Console;
use crate::form::{FieldErrors, Posted};
use crate::frame::{Frame, Nav, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use serde::Deserialize;
use weft_inbound::accounts::{self, AccountError, Company, NewUser, User, UserChange};
use weft_store::StoreError;

/// The inputs of the forms, as `NewUser` and `UserPatch` name them (and the confirmation).
const FIELDS: &[&str] = &[
    "login",
    "name",
    "role",
    "company_id",
    "company_ids",
    "active",
    "password",
    "password_confirm",
];

pub fn routes() -> Route {
    Route::new()
        .at("/", get(list_page).post(create))
        .at("/:id", get(edit_page).post(update))
        .at("/:id/password", post(set_password))
}

/// `reason` at `field` when the form has it, else above the form.
pub(crate) fn errors_at(field: &str, reason: &str, fields: &[&str]) -> FieldErrors {
    let mut errors = FieldErrors::default();
    if fields.contains(&field) {
        errors.set(field, reason);
    } else {
        errors.general = Some(format!("{field}: {reason}"));
    }
    errors
}

/// `text` above the form.
pub(crate) fn general_error(text: String) -> FieldErrors {
    let mut errors = FieldErrors::default();
    errors.general = Some(text);
    errors
}

/// A page whose data could not be read: logged, and said without the detail.
pub(crate) fn store_failed(what: &str, error: impl std::fmt::Display) -> Response {
    tracing::error!(error = %error, "{what} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The page could not be read (see the server log).",
    )
        .into_response()
}

/// The API's error at its field, with the status the API answers.
fn account_errors(error: AccountError) -> (StatusCode, FieldErrors) {
    let general = general_error;
    match error {
        AccountError::Invalid { field, reason } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors_at(field, &reason, FIELDS),
        ),
        e @ AccountError::NotFound { .. } => (StatusCode::NOT_FOUND, general(e.to_string())),
        e @ AccountError::Conflict(_) => (StatusCode::CONFLICT, general(e.to_string())),
        AccountError::Store(e) => store_error(&e, FIELDS),
    }
}

/// `res.users.login must be unique: "ops" is already used by record 2` (write.rs) at the input
/// it names; another conflict above the form.
fn conflict_at(text: &str, fields: &[&str]) -> FieldErrors {
    let named = text.split_once(" must be unique").and_then(|(path, why)| {
        let field = path.rsplit('.').next()?;
        fields.contains(&field).then_some((field, why))
    });
    match named {
        Some((field, why)) => errors_at(field, &format!("must be unique{why}"), fields),
        None => general_error(text.to_string()),
    }
}

/// A store error with the status the API gives it (admin.rs): a value error at its field, a
/// conflict (a taken login or name) above the form, a database failure logged, without detail.
pub(crate) fn store_error(error: &StoreError, fields: &[&str]) -> (StatusCode, FieldErrors) {
    let text = error.to_string();
    match (error, error.code()) {
        (_, "internal_error") => {
            tracing::error!(error = %error, "a console change failed");
            let text = "The change could not be stored (see the server log).".to_string();
            (StatusCode::INTERNAL_SERVER_ERROR, general_error(text))
        }
        (_, "conflict") => (StatusCode::CONFLICT, conflict_at(&text, fields)),
        (_, "access_denied") => (StatusCode::FORBIDDEN, general_error(text)),
        (_, "not_found" | "unknown_model") => (StatusCode::NOT_FOUND, general_error(text)),
        (StoreError::InvalidValue { field, reason }, _) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors_at(field, reason, fields),
        ),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, general_error(text)),
    }
}

/// A company as a checkbox and an option.
struct Choice {
    id: i64,
    name: String,
    active: bool,
}

/// One user as the list shows it.
struct Row {
    id: i64,
    login: String,
    name: String,
    role: &'static str,
    /// The default company first, then the others, by name.
    companies: Vec<String>,
    active: bool,
    has_password: bool,
}

fn company_name(companies: &[Company], id: i64) -> String {
    companies
        .iter()
        .find(|c| c.id == id)
        .map_or_else(|| format!("company {id}"), |c| c.name.clone())
}

fn row(user: &User, companies: &[Company]) -> Row {
    let mut others: Vec<String> = user
        .company_ids
        .iter()
        .filter(|c| **c != user.company_id)
        .map(|c| company_name(companies, *c))
        .collect();
    others.sort();
    let mut names = vec![company_name(companies, user.company_id)];
    names.extend(others);
    Row {
        id: user.id,
        login: user.login.clone(),
        name: user.name.clone(),
        role: user.role.as_str(),
        companies: names,
        active: user.active,
        has_password: user.has_password,
    }
}

/// What a user form shows: as posted after an error, the user's values (or defaults) otherwise.
struct Draft {
    login: String,
    name: String,
    role: String,
    company_id: String,
    company_ids: Vec<String>,
    active: bool,
}

impl Draft {
    fn new_user() -> Draft {
        Draft {
            login: String::new(),
            name: String::new(),
            role: "integration".into(),
            company_id: String::new(),
            company_ids: Vec::new(),
            active: true,
        }
    }

    fn of_user(user: &User) -> Draft {
        Draft {
            login: user.login.clone(),
            name: user.name.clone(),
            role: user.role.as_str().into(),
            company_id: user.company_id.to_string(),
            company_ids: user.company_ids.iter().map(i64::to_string).collect(),
            active: user.active,
        }
    }

    fn of(form: &Posted) -> Draft {
        Draft {
            login: form.get("login").unwrap_or_default().trim().to_string(),
            name: form.get("name").unwrap_or_default().to_string(),
            role: form.get("role").unwrap_or_default().trim().to_string(),
            company_id: form
                .get("company_id")
                .unwrap_or_default()
                .trim()
                .to_string(),
            company_ids: form.all("company_ids"),
            active: form.flag("active").is_none_or(|v| v == true),
        }
    }

    fn is_company(&self, id: &i64) -> bool {
        self.company_ids.iter().any(|c| *c == id.to_string())
    }

    fn is_home(&self, id: &i64) -> bool {
        self.company_id == id.to_string()
    }

    /// `company_id`: blank is "not given"; text that is no id is reported at its field.
    fn company_id(&self) -> Result<Option<i64>, FieldErrors> {
        match self.company_id.as_str() {
            "" => Ok(None),
            text => text.parse().map(Some).map_err(|_| {
                let reason = format!("expected a company's id, got '{text}'");
                errors_at("company_id", &reason, FIELDS)
            }),
        }
    }

    /// `company_ids` as ids; None when none is ticked (the API's default on create).
    fn company_ids(&self) -> Result<Option<Vec<i64>>, FieldErrors> {
        let mut ids = Vec::new();
        for text in &self.company_ids {
            let id = text.parse().map_err(|_| {
                let reason = format!("expected a company's id, got '{text}'");
                errors_at("company_ids", &reason, FIELDS)
            })?;
            ids.push(id);
        }
        Ok((!ids.is_empty()).then_some(ids))
    }
}

/// The password and its confirmation as posted (never trimmed: spaces are part of it); None when
/// both are blank. Two that differ are refused at the confirmation.
fn password(form: &Posted, required: bool) -> Result<Option<String>, FieldErrors> {
    let given = form.get("password").unwrap_or_default();
    let again = form.get("password_confirm").unwrap_or_default();
    if given != again {
        let reason = "the two passwords differ: type the same one twice";
        return Err(errors_at("password_confirm", reason, FIELDS));
    }
    // Blank on a password form is sent as it is, so the API's own rule answers.
    Ok((required || !given.is_empty()).then(|| given.to_string()))
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    frame: Frame,
    rows: Vec<Row>,
    companies: Vec<Choice>,
    draft: Draft,
    errors: FieldErrors,
    notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "users_edit.html")]
struct EditPage {
    frame: Frame,
    user: Row,
    /// The signed-in admin edits themselves: the page says what that does to their session.
    is_self: bool,
    companies: Vec<Choice>,
    draft: Draft,
    errors: FieldErrors,
    /// Errors of the password form.
    password_errors: FieldErrors,
    notice: Option<String>,
}

async fn companies(console: &Console) -> Result<Vec<Company>, Response> {
    accounts::list_companies(&console.store)
        .await
        .map_err(|e| store_failed("reading the companies", e))
}

/// Active companies, and the archived ones `draft` holds (so an edit does not drop them).
fn choices(companies: &[Company], draft: &Draft) -> Vec<Choice> {
    companies
        .iter()
        .filter(|c| c.active || draft.is_company(&c.id) || draft.is_home(&c.id))
        .map(|c| Choice {
            id: c.id,
            name: c.name.clone(),
            active: c.active,
        })
        .collect()
}

async fn render_list(
    admin: &Admin,
    console: &Console,
    draft: Draft,
    errors: FieldErrors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let all = match companies(console).await {
        Ok(all) => all,
        Err(failed) => return failed,
    };
    let users = match accounts::list_users(&console.store).await {
        Ok(users) => users,
        Err(e) => return store_failed("reading the users", e),
    };
    UsersPage {
        frame: admin.frame(Nav::Users),
        rows: users.iter().map(|u| row(u, &all)).collect(),
        companies: choices(&all, &draft),
        draft,
        errors,
        notice,
    }
    .with_status(status)
    .into_response()
}

#[derive(Deserialize)]
pub struct ListNotice {
    created: Option<i64>,
}

/// `GET /console/users`: the users and the form to create one.
#[handler]
pub async fn list_page(
    admin: Admin,
    console: Data<&Console>,
    query: Query<ListNotice>,
) -> Response {
    let notice = match query.created {
        Some(id) => match accounts::user(&console.store, id).await {
            Ok(user) => Some(format!("Created the user {}.", user.login)),
            Err(_) => None,
        },
        None => None,
    };
    let draft = Draft::new_user();
    let errors = FieldErrors::default();
    render_list(&admin, &console, draft, errors, notice, StatusCode::OK).await
}

/// `POST /console/users`: create the user (as `POST /api/v1/users`), then its page.
#[handler]
pub async fn create(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Posted(pairs);
    let draft = Draft::of(&form);
    let new = match new_user(&form, &draft) {
        Ok(new) => new,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_list(&admin, &console, draft, errors, None, status).await;
        }
    };
    match accounts::create_user(&console.store, new).await {
        Ok(user) => {
            tracing::info!(user = %user.login, by = %admin.caller.login, "user created");
            see_other(&format!("/console/users?created={}", user.id))
        }
        Err(e) => {
            let (status, errors) = account_errors(e);
            render_list(&admin, &console, draft, errors, None, status).await
        }
    }
}

fn new_user(form: &Posted, draft: &Draft) -> Result<NewUser, FieldErrors> {
    let text = |name: &str| form.text(name).as_str().map(str::to_string);
    Ok(NewUser {
        login: draft.login.clone(),
        name: text("name"),
        password: password(form, false)?,
        role: text("role"),
        company_id: draft.company_id()?,
        company_ids: draft.company_ids()?,
    })
}

struct Edit<'a> {
    draft: Option<Draft>,
    errors: FieldErrors,
    password_errors: FieldErrors,
    notice: Option<&'a str>,
    status: StatusCode,
}

impl Edit<'_> {
    fn plain() -> Self {
        Edit {
            draft: None,
            errors: FieldErrors::default(),
            password_errors: FieldErrors::default(),
            notice: None,
            status: StatusCode::OK,
        }
    }
}

async fn render_edit(admin: &Admin, console: &Console, id: i64, edit: Edit<'_>) -> Response {
    let user = match accounts::user(&console.store, id).await {
        Ok(user) => user,
        Err(AccountError::NotFound { .. }) => {
            let errors = errors_at("user", &format!("there is no user {id}"), &[]);
            let status = StatusCode::NOT_FOUND;
            return render_list(admin, console, Draft::new_user(), errors, None, status).await;
        }
        Err(e) => return store_failed("reading a user", e),
    };
    let all = match companies(console).await {
        Ok(all) => all,
        Err(failed) => return failed,
    };
    let draft = edit.draft.unwrap_or_else(|| Draft::of_user(&user));
    EditPage {
        frame: admin.frame(Nav::Users),
        is_self: user.id == admin.caller.uid,
        user: row(&user, &all),
        companies: choices(&all, &draft),
        draft,
        errors: edit.errors,
        password_errors: edit.password_errors,
        notice: edit.notice.map(str::to_string),
    }
    .with_status(edit.status)
    .into_response()
}

#[derive(Deserialize)]
pub struct EditNotice {
    notice: Option<String>,
}

/// `GET /console/users/:id`: the user's form and its password form.
#[handler]
pub async fn edit_page(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    query: Query<EditNotice>,
) -> Response {
    // Only these texts: a link cannot make the page say what its author wants.
    let notice = match query.notice.as_deref() {
        Some("saved") => {
            Some("Saved: the user's keys and sessions see the change at their next request.")
        }
        Some("password") => Some(
            "Password set: the user's Odoo and console sessions have ended; it signs in with the new one.",
        ),
        _ => None,
    };
    let edit = Edit {
        notice,
        ..Edit::plain()
    };
    render_edit(&admin, &console, id.0, edit).await
}

/// `POST /console/users/:id`: change the user (as `PATCH /api/v1/users/:id`).
#[handler]
pub async fn update(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Posted(pairs);
    let draft = Draft::of(&form);
    let change = match user_change(&form, &draft) {
        Ok(change) => change,
        Err(errors) => return refused_edit(&admin, &console, id.0, draft, errors, None).await,
    };
    match accounts::change_user(&console.store, &console.keys, id.0, change).await {
        Ok(user) => {
            tracing::info!(user = %user.login, by = %admin.caller.login, "user changed");
            see_other(&format!("/console/users/{}?notice=saved", user.id))
        }
        Err(e) => {
            let (status, errors) = account_errors(e);
            refused_edit(&admin, &console, id.0, draft, errors, Some(status)).await
        }
    }
}

async fn refused_edit(
    admin: &Admin,
    console: &Console,
    id: i64,
    draft: Draft,
    errors: FieldErrors,
    status: Option<StatusCode>,
) -> Response {
    let edit = Edit {
        draft: Some(draft),
        errors,
        status: status.unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
        ..Edit::plain()
    };
    render_edit(admin, console, id, edit).await
}

/// The fields the edit form sends; its company boxes are the whole list (`company_ids`
/// replaces it), so none ticked is sent as an empty list and the API refuses it.
fn user_change(form: &Posted, draft: &Draft) -> Result<UserChange, FieldErrors> {
    let text = |name: &str| form.get(name).map(str::to_string);
    // The form puts a blank `company_ids` before its boxes, as it does for a checkbox's false.
    let company_ids = match form.get("company_ids") {
        Some(_) => Some(draft.company_ids()?.unwrap_or_default()),
        None => None,
    };
    Ok(UserChange {
        name: text("name"),
        role: text("role").map(|r| r.trim().to_string()),
        company_id: draft.company_id()?,
        company_ids,
        active: form.flag("active").and_then(|v| v.as_bool()),
        password: None,
    })
}

/// `POST /console/users/:id/password`: set the password (as a `PATCH` of `password`): the user's
/// sessions end, the signed-in admin's own too when it is theirs.
#[handler]
pub async fn set_password(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Posted(pairs);
    let refused = |errors: FieldErrors, status: StatusCode| Edit {
        password_errors: errors,
        status,
        ..Edit::plain()
    };
    let given = match password(&form, true) {
        Ok(given) => given,
        Err(errors) => {
            let edit = refused(errors, StatusCode::UNPROCESSABLE_ENTITY);
            return render_edit(&admin, &console, id.0, edit).await;
        }
    };
    let change = UserChange {
        password: given,
        ..UserChange::default()
    };
    match accounts::change_user(&console.store, &console.keys, id.0, change).await {
        Ok(user) => {
            tracing::info!(user = %user.login, by = %admin.caller.login, "password set");
            see_other(&format!("/console/users/{}?notice=password", user.id))
        }
        Err(e) => {
            let (status, errors) = account_errors(e);
            render_edit(&admin, &console, id.0, refused(errors, status)).await
        }
    }
}
