//! The form of a new hook and each hook's page, and what they post: a save (the same
//! `stored::create` / `stored::update` as the API, with its owner default and model checks), the
//! row buttons of the structured fields, Rotate Secret (the old URL answers 404 at once), the
//! signing secret's reveal and rotation, and deletion. Saves 303 back to the hook's page with a
//! notice; a refused save shows the form again with the API's error at its field.

use super::editor::{self, Editor};
use super::try_it::Panel;
use crate::Console;
use crate::form::{FieldErrors, Posted};
use crate::frame::{Frame, Nav, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde_json::{Map, Value, json};
use weft_inbound::hook::stored::{self, Author, entity::Model as Hook};
use weft_store::admin::ConfigError;
use weft_webhook::signing::Secret;

/// What the page shows of a stored hook.
pub(super) struct Shown {
    pub id: i64,
    /// `WEFT_PUBLIC_URL/web/hook/<secret>`: the credential, on this page only.
    pub url: String,
    /// Shown after Reveal or a rotation, never otherwise.
    pub signing_secret: Option<String>,
    pub logs_link: String,
    pub owner_id: Option<i64>,
    pub allowed_models: Option<String>,
    pub create_date: String,
    pub write_date: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbound_hook.html")]
pub(super) struct HookPage {
    pub frame: Frame,
    /// None: the form of a new hook.
    pub hook: Option<Shown>,
    pub editor: Editor,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    /// The schema's models, offered as the input's suggestions.
    pub models: Vec<String>,
    /// The signed-in admin, the owner of a new hook by default.
    pub uid: i64,
    pub try_panel: Option<Panel>,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbound_hook_missing.html")]
struct Missing {
    frame: Frame,
    message: String,
}

/// A failure reading or writing the hooks: logged, shown without its detail.
pub(super) fn failed(what: &str, error: &ConfigError) -> Response {
    tracing::error!(error = %error, "{what} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The inbound hooks could not be read (see the server log).",
    )
        .into_response()
}

/// Hook `id`, when the admin may use its model (as the API's `.../inbound-hooks/{id}`).
pub(super) async fn load(admin: &Admin, console: &Console, id: i64) -> Result<Hook, Response> {
    let refused = |status: StatusCode, message: String| {
        let page = Missing {
            frame: admin.frame(Nav::InboundHooks),
            message,
        };
        page.with_status(status).into_response()
    };
    let hook = match stored::get(&console.store, id).await {
        Ok(hook) => hook,
        Err(e @ ConfigError::NotFound(..)) => {
            return Err(refused(StatusCode::NOT_FOUND, format!("{e}.")));
        }
        Err(e) => return Err(failed("reading an inbound hook", &e)),
    };
    if let Err(e) = admin.caller.require_model(&hook.model) {
        return Err(refused(StatusCode::FORBIDDEN, e.to_string()));
    }
    Ok(hook)
}

impl HookPage {
    /// The error of action row `i` (`actions[i]...`), shown in that row.
    fn action_error(&self, i: &usize) -> Option<&str> {
        self.errors.of(&format!("actions[{i}]"))
    }

    fn new(admin: &Admin, console: &Console, editor: Editor) -> HookPage {
        let mut models: Vec<String> = console
            .store
            .registry()
            .models()
            .map(|m| m.name.clone())
            .filter(|m| admin.caller.may_use_model(m))
            .collect();
        models.sort();
        HookPage {
            frame: admin.frame(Nav::InboundHooks),
            hook: None,
            editor: editor.with_blank_rows(),
            errors: FieldErrors::default(),
            notice: None,
            models,
            uid: admin.caller.uid,
            try_panel: None,
        }
    }

    /// The page of a stored hook: the form as stored, its URL, a Try it panel.
    pub(super) async fn of(admin: &Admin, console: &Console, hook: &Hook) -> HookPage {
        let view = stored::view(hook, &console.public_url, false);
        let mut page = HookPage::new(admin, console, Editor::stored(&view));
        page.hook = Some(shown(hook, &view));
        page.try_panel = Some(Panel::sample(admin, console, hook).await);
        page
    }

    fn render(self, status: StatusCode) -> Response {
        self.with_status(status).into_response()
    }

    /// The posted form shown again, with the errors of a refused save.
    fn refused(mut self, editor: Editor, errors: FieldErrors) -> Response {
        self.editor = editor.with_blank_rows();
        self.errors = errors;
        self.render(StatusCode::UNPROCESSABLE_ENTITY)
    }
}

fn shown(hook: &Hook, view: &Value) -> Shown {
    let text = |key: &str| view[key].as_str().unwrap_or_default().to_string();
    Shown {
        id: hook.id,
        url: text("url"),
        signing_secret: None,
        logs_link: logs_link(&hook.model),
        owner_id: hook.owner_id,
        allowed_models: view["allowed_models"].as_array().map(|m| {
            let names: Vec<&str> = m.iter().filter_map(Value::as_str).collect();
            names.join(", ")
        }),
        create_date: text("create_date"),
        write_date: text("write_date"),
    }
}

/// The receive logs of the hooks on `model` (a call's log names its hook in its function).
fn logs_link(model: &str) -> String {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/console/logs?type=receive&route={}&model={}",
        encode(stored::LOG_ROUTE),
        encode(model)
    )
}

#[derive(serde::Deserialize, Default)]
pub struct Notice {
    notice: Option<String>,
}

/// The notice a redirect asked for (by name: a link cannot make the page say anything else).
fn notice_of(kind: Option<&str>) -> Option<String> {
    let text = match kind? {
        "created" => "Created the hook. Its URL is below: copy it to the system that will call it.",
        "saved" => "Saved the hook. Its URL stays the same.",
        "rotated" => {
            "Rotated the secret: the URL below is the hook's new one, and the old URL answers 404 from now on."
        }
        _ => return None,
    };
    Some(text.to_string())
}

/// `GET /console/inbound-hooks/new`.
#[handler]
pub async fn new_form(admin: Admin, console: Data<&Console>) -> Response {
    HookPage::new(&admin, &console, Editor::default()).render(StatusCode::OK)
}

/// `GET /console/inbound-hooks/{id}`.
#[handler]
pub async fn show(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    query: Query<Notice>,
) -> Response {
    let hook = match load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    let mut page = HookPage::of(&admin, &console, &hook).await;
    page.notice = notice_of(query.notice.as_deref());
    page.render(StatusCode::OK)
}

/// The `_edit` row button a post pressed, if any: the form comes back with the row changed and
/// nothing saved.
fn row_button(form: &Posted, editor: &mut Editor) -> bool {
    form.get("_edit").is_some_and(|edit| editor.apply(edit))
}

/// A key limited to some models may not aim a hook at another (the API's 403), shown at `model`.
fn model_refused(admin: &Admin, editor: &Editor) -> Option<FieldErrors> {
    let model = editor.model.trim();
    if model.is_empty() {
        return None;
    }
    let refused = admin.caller.require_model(model).err()?;
    let mut errors = FieldErrors::default();
    errors.set("model", refused.to_string());
    Some(errors)
}

/// `POST /console/inbound-hooks/new`: `stored::create`, owned by the admin unless `owner_id`.
#[handler]
pub async fn create(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Posted(pairs);
    let mut editor = Editor::posted(&form);
    let page = HookPage::new(&admin, &console, Editor::default());
    if row_button(&form, &mut editor) {
        return HookPage {
            editor: editor.with_blank_rows(),
            ..page
        }
        .render(StatusCode::OK);
    }
    if let Some(errors) = model_refused(&admin, &editor) {
        return page.refused(editor, errors);
    }
    let author = Author::of(&admin.caller);
    match stored::create(&console.store, &editor.object(true), &author).await {
        Ok(hook) => {
            tracing::info!(hook = hook.id, by = %admin.caller.login, "inbound hook created");
            see_other(&format!(
                "/console/inbound-hooks/{}?notice=created",
                hook.id
            ))
        }
        Err(e) => page.refused(editor, editor::errors_of(&e)),
    }
}

/// `POST /console/inbound-hooks/{id}`: `stored::update` with the whole form (the URL stays).
#[handler]
pub async fn save(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let hook = match load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    let form = Posted(pairs);
    let mut editor = Editor::posted(&form);
    let page = HookPage::of(&admin, &console, &hook).await;
    if row_button(&form, &mut editor) {
        return HookPage {
            editor: editor.with_blank_rows(),
            ..page
        }
        .render(StatusCode::OK);
    }
    if let Some(errors) = model_refused(&admin, &editor) {
        return page.refused(editor, errors);
    }
    let author = Author::of(&admin.caller);
    match stored::update(&console.store, hook.id, &editor.object(false), &author).await {
        Ok(_) => {
            tracing::info!(hook = hook.id, by = %admin.caller.login, "inbound hook changed");
            see_other(&format!("/console/inbound-hooks/{}?notice=saved", hook.id))
        }
        Err(e) => page.refused(editor, editor::errors_of(&e)),
    }
}

/// `POST /console/inbound-hooks/{id}/rotate`: a new URL secret; the old URL stops at once.
#[handler]
pub async fn rotate(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    let hook = match load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    match stored::rotate(&console.store, hook.id).await {
        Ok(_) => {
            tracing::info!(hook = hook.id, by = %admin.caller.login, "inbound hook URL rotated");
            see_other(&format!(
                "/console/inbound-hooks/{}?notice=rotated",
                hook.id
            ))
        }
        Err(e) => failed("rotating an inbound hook's secret", &e),
    }
}

/// `POST /console/inbound-hooks/{id}/signing-secret`: the page with the signing secret shown (a
/// post, so it is asked for on purpose and never lands in a URL or the history).
#[handler]
pub async fn reveal_signing_secret(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
) -> Response {
    let hook = match load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    with_signing_secret(&admin, &console, &hook, None).await
}

async fn with_signing_secret(
    admin: &Admin,
    console: &Console,
    hook: &Hook,
    notice: Option<String>,
) -> Response {
    let mut page = HookPage::of(admin, console, hook).await;
    if let Some(shown) = &mut page.hook {
        shown.signing_secret = Some(hook.signing_secret.clone());
    }
    page.notice = notice;
    page.render(StatusCode::OK)
}

/// `POST /console/inbound-hooks/{id}/signing-secret/rotate`: a new generated `signing_secret`
/// (the API's PATCH of that field); calls signed with the old one are refused from now on.
#[handler]
pub async fn rotate_signing_secret(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
) -> Response {
    let hook = match load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    let mut patch = Map::new();
    patch.insert(
        "signing_secret".into(),
        json!(Secret::generate().to_string()),
    );
    let author = Author::of(&admin.caller);
    match stored::update(&console.store, hook.id, &patch, &author).await {
        Ok(changed) => {
            tracing::info!(hook = hook.id, by = %admin.caller.login, "inbound hook signing secret rotated");
            let notice = "Rotated the signing secret: calls signed with the old one are refused from now on. Give the new one below to the sender.";
            with_signing_secret(&admin, &console, &changed, Some(notice.into())).await
        }
        Err(e) => {
            let mut page = HookPage::of(&admin, &console, &hook).await;
            page.errors = editor::errors_of(&e);
            page.render(StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}

/// `POST /console/inbound-hooks/{id}/delete`: the hook and its URL are gone.
#[handler]
pub async fn delete(admin: Admin, console: Data<&Console>, id: Path<i64>) -> Response {
    let hook = match load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    match stored::delete(&console.store, hook.id).await {
        Ok(()) => {
            tracing::info!(hook = hook.id, by = %admin.caller.login, "inbound hook deleted");
            see_other("/console/inbound-hooks?notice=deleted")
        }
        Err(e) => failed("deleting an inbound hook", &e),
    }
}

/// The page of `hook` with a Try it result in its panel.
pub(super) async fn with_try(
    admin: &Admin,
    console: &Console,
    hook: &Hook,
    panel: Panel,
) -> Response {
    let mut page = HookPage::of(admin, console, hook).await;
    page.try_panel = Some(panel);
    page.render(StatusCode::OK)
}

/// Used by `try_it` to name the hook's models for the sample.
pub(super) fn definition(hook: &Hook) -> Value {
    stored::view(hook, "", false)
}
