//! `/console/parameters` (issue 17 §5): every `webhook.*` parameter with its meaning, default and
//! current value, each edited in place by its own small form (`POST /console/parameters/{key}`,
//! a `value` as `PUT /api/v1/parameters/{key}` takes) and validated by the same
//! `Store::set_parameter`, which tells the other instances; this instance reads them again at once.

use crate::Console;
use crate::frame::{Frame, Nav, failed, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use serde::Deserialize;
use weft_store::parameters::{Kind, PARAMETERS};

pub fn routes() -> Route {
    Route::new().at("/", get(page)).at("/:key", post(set))
}

struct Row {
    key: &'static str,
    meaning: &'static str,
    default: &'static str,
    value: String,
    /// `true`/`false` parameters get a select.
    boolean: bool,
    /// What a valid value is.
    rule: String,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "parameters.html")]
struct ParametersPage {
    frame: Frame,
    rows: Vec<Row>,
    notice: Option<String>,
}

#[derive(Deserialize)]
struct Said {
    saved: Option<String>,
}

#[handler]
async fn page(admin: Admin, console: Data<&Console>, Query(said): Query<Said>) -> Response {
    // Only a key that is one of ours is named in the notice.
    let notice = said
        .saved
        .as_deref()
        .and_then(|key| PARAMETERS.iter().find(|(k, ..)| *k == key))
        .map(|(key, ..)| format!("Saved {key}. It applies from the next call."));
    render(&admin, &console, notice, None).await
}

async fn render(
    admin: &Admin,
    console: &Console,
    notice: Option<String>,
    refused: Option<(&str, String, String)>,
) -> Response {
    let current = match console.store.parameters().await {
        Ok(current) => current,
        Err(e) => return failed("reading the parameters", &e.to_string()),
    };
    let rows = PARAMETERS
        .iter()
        .map(|(key, default, kind, meaning)| {
            let typed = refused.as_ref().filter(|(k, ..)| k == key);
            Row {
                key,
                meaning,
                default,
                value: typed
                    .map(|(_, v, _)| v.clone())
                    .unwrap_or_else(|| current.get(key).to_string()),
                boolean: *kind == Kind::Bool,
                rule: match kind {
                    Kind::Bool => "true or false".into(),
                    Kind::Count(max) => format!("a whole number from 0 to {max}"),
                    Kind::ModelList => "a JSON list of model names".into(),
                },
                error: typed.map(|(.., e)| e.clone()),
            }
        })
        .collect();
    let view = ParametersPage {
        frame: admin.frame(Nav::Parameters),
        rows,
        notice,
    };
    match refused {
        Some(_) => view
            .with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response(),
        None => view.into_response(),
    }
}

#[derive(Deserialize)]
struct Value {
    value: String,
}

#[handler]
async fn set(
    admin: Admin,
    console: Data<&Console>,
    Path(key): Path<String>,
    Form(form): Form<Value>,
) -> Response {
    // What a key limited to some models may not do on the API (parameters reach every model).
    if admin.caller.allowed_models.is_some() {
        return (StatusCode::FORBIDDEN, "Parameters reach every model.").into_response();
    }
    match console.store.set_parameter(&key, &form.value).await {
        Ok(Some(_)) => {
            if let Err(e) = console.store.reload_parameters(&console.parameters).await {
                tracing::warn!(error = %e, "re-reading the parameters failed");
            }
            see_other(&format!("/console/parameters?saved={key}#{key}"))
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("There is no parameter '{key}'."),
        )
            .into_response(),
        Err(weft_store::StoreError::InvalidValue { field, reason }) => {
            render(&admin, &console, None, Some((&field, form.value, reason))).await
        }
        Err(e) => failed("saving the parameter", &e.to_string()),
    }
}
