//! The subscription form: `GET /console/subscriptions/new` and `/{id}`, saved by a post to the
//! same path through `weft_outbound::subscription::create` / `update` (the API's functions and
//! key checks); the fields to send chosen from the model's (`GET .../fields?model=`), the
//! condition checked as you type, and the body of a notification previewed from a real record.

use crate::Console;
use crate::form::{
    DomainCheck, FieldErrors, Posted, count_matching, newest_or, object, source_checks,
};
use crate::frame::{Frame, Nav, failed, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::{Map, Value};
use weft_outbound::entity::subscription::Model as SubscriptionRow;
use weft_outbound::outbox;
use weft_outbound::source::SourceError;
use weft_outbound::subscription::{self, Format};

#[derive(Default)]
pub(super) struct Values {
    name: String,
    model: String,
    kind: String,
    address: String,
    format: String,
    language: String,
    fields: Vec<String>,
    condition: String,
    active: bool,
    timeout_s: String,
    max_retries: String,
}

impl Values {
    fn of(row: &SubscriptionRow) -> Values {
        let number = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
        Values {
            name: row.name.clone(),
            model: row.model.clone(),
            kind: row.kind.clone(),
            address: row.address.clone(),
            format: row.format.clone(),
            language: row.language.clone(),
            fields: serde_json::from_str(&row.fields).unwrap_or_default(),
            condition: row.condition.clone().unwrap_or_default(),
            active: row.active,
            timeout_s: number(row.timeout_s),
            max_retries: number(row.max_retries),
        }
    }

    fn posted(form: &Posted) -> Values {
        let get = |k: &str| form.get(k).unwrap_or_default().to_string();
        Values {
            name: get("name"),
            model: get("model"),
            kind: get("kind"),
            address: get("address"),
            format: get("format"),
            language: get("language"),
            fields: form.all("fields"),
            condition: get("condition"),
            active: form.flag("active") != Some(Value::Bool(false)),
            timeout_s: get("timeout_s"),
            max_retries: get("max_retries"),
        }
    }
}

/// One field of the model as a checkbox.
pub(super) struct Choice {
    name: String,
    label: String,
    checked: bool,
}

fn choices(console: &Console, model: &str, chosen: &[String]) -> Vec<Choice> {
    let Some(m) = console.store.registry().model(model) else {
        return Vec::new();
    };
    m.fields()
        .iter()
        .map(|f| Choice {
            name: f.name.clone(),
            label: f.string.clone(),
            checked: chosen.contains(&f.name),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "subscription.html")]
pub(super) struct FormPage {
    frame: Frame,
    id: Option<i64>,
    values: Values,
    choices: Vec<Choice>,
    errors: FieldErrors,
    models: Vec<String>,
    notice: Option<String>,
}

impl FormPage {
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/console/subscriptions/{id}"),
            None => "/console/subscriptions/new".into(),
        }
    }
}

fn page(admin: &Admin, console: &Console, id: Option<i64>, values: Values) -> FormPage {
    let models: Vec<String> = console
        .store
        .registry()
        .models()
        .filter(|m| admin.caller.may_use_model(&m.name))
        .map(|m| m.name.clone())
        .collect();
    let model = match values.model.is_empty() {
        true => models.first().cloned().unwrap_or_default(),
        false => values.model.clone(),
    };
    FormPage {
        frame: admin.frame(Nav::Subscriptions),
        id,
        choices: choices(console, &model, &values.fields),
        values,
        errors: FieldErrors::default(),
        models,
        notice: None,
    }
}

#[handler]
pub async fn new_form(admin: Admin, console: Data<&Console>) -> Response {
    let values = Values {
        kind: "on_create".into(),
        format: "json".into(),
        language: "en_US".into(),
        active: true,
        ..Values::default()
    };
    page(&admin, &console, None, values).into_response()
}

#[derive(Deserialize)]
pub struct Said {
    saved: Option<String>,
}

#[handler]
pub async fn edit_form(
    admin: Admin,
    console: Data<&Console>,
    Path(id): Path<i64>,
    Query(said): Query<Said>,
) -> Response {
    let row = match stored(&admin, &console, id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let mut view = page(&admin, &console, Some(id), Values::of(&row));
    if said.saved.is_some() {
        view.notice = Some("Saved. It applies to the next change of a record.".into());
    }
    view.into_response()
}

#[derive(Deserialize)]
pub struct FieldsOf {
    model: String,
}

/// The field checkboxes of another model (the model select changed).
#[derive(Template, WebTemplate)]
#[template(path = "subscription_fields.html")]
pub struct FieldChoices {
    choices: Vec<Choice>,
}

#[handler]
pub async fn field_choices(
    admin: Admin,
    console: Data<&Console>,
    Query(of): Query<FieldsOf>,
) -> FieldChoices {
    let allowed = admin.caller.may_use_model(&of.model);
    FieldChoices {
        choices: match allowed {
            true => choices(&console, &of.model, &[]),
            false => Vec::new(),
        },
    }
}

#[handler]
pub async fn check_condition(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> DomainCheck {
    let form = Posted(pairs);
    let text = form.get("condition").unwrap_or_default();
    let outcome = count_matching(
        &console.store,
        &admin.caller.env,
        form.get("model").unwrap_or_default(),
        "condition",
        if text.trim().is_empty() { "[]" } else { text },
    )
    .await;
    DomainCheck {
        field: "condition",
        outcome,
    }
}

#[handler]
pub async fn create(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Posted(pairs);
    let values = object(api_fields(&form), true);
    let result = match checks(&admin, &console, &values, None) {
        Ok(()) => subscription::create(&console.store, &console.allowed_targets, &values).await,
        Err(e) => Err(e),
    };
    finish(&admin, &console, None, &form, result).await
}

#[handler]
pub async fn save(
    admin: Admin,
    console: Data<&Console>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let row = match stored(&admin, &console, id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let form = Posted(pairs);
    let values = object(api_fields(&form), false);
    let result = match checks(&admin, &console, &values, Some(&row)) {
        Ok(()) => subscription::update(&console.store, &console.allowed_targets, id, &values).await,
        Err(e) => Err(e),
    };
    finish(&admin, &console, Some(id), &form, result).await
}

fn api_fields(form: &Posted) -> Vec<(&'static str, Value)> {
    let fields: Vec<Value> = form.all("fields").into_iter().map(Value::String).collect();
    let mut out = vec![
        ("name", form.text("name")),
        ("model", form.text("model")),
        ("kind", form.text("kind")),
        ("address", form.text("address")),
        ("format", form.text("format")),
        ("language", form.text("language")),
        ("fields", Value::Array(fields)),
        ("condition", form.text("condition")),
        ("timeout_s", form.number("timeout_s")),
        ("max_retries", form.number("max_retries")),
    ];
    if let Some(active) = form.flag("active") {
        out.push(("active", active));
    }
    out
}

/// The API handler's key checks: the model, and what the condition reaches.
fn checks(
    admin: &Admin,
    console: &Console,
    values: &Map<String, Value>,
    stored: Option<&SubscriptionRow>,
) -> Result<(), SourceError> {
    let model = values
        .get("model")
        .and_then(Value::as_str)
        .or(stored.map(|s| s.model.as_str()));
    let stored_condition = stored.and_then(|s| s.condition.clone().map(Value::String));
    let condition = values.get("condition").or(stored_condition.as_ref());
    source_checks(
        &admin.caller,
        console.store.registry(),
        model,
        condition,
        None,
    )
}

async fn finish(
    admin: &Admin,
    console: &Console,
    id: Option<i64>,
    form: &Posted,
    result: Result<SubscriptionRow, SourceError>,
) -> Response {
    match result {
        Ok(row) => {
            console.sources.changed().await;
            see_other(&format!("/console/subscriptions/{}?saved=1", row.id))
        }
        Err(e) => {
            let mut view = page(admin, console, id, Values::posted(form));
            view.errors = FieldErrors::from_config(&e, &subscription::FIELDS);
            view.with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "subscription_preview.html")]
pub struct Preview {
    problem: Option<String>,
    res_id: i64,
    content_type: &'static str,
    body: String,
}

fn problem(text: impl Into<String>) -> Preview {
    Preview {
        problem: Some(text.into()),
        res_id: 0,
        content_type: "",
        body: String::new(),
    }
}

/// The body a notification of the form (saved or not) would carry for a record now.
#[handler]
pub async fn preview(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Preview {
    let form = Posted(pairs);
    let id = form
        .get("subscription_id")
        .and_then(|s| s.parse::<i64>().ok());
    let values = object(api_fields(&form), id.is_none());
    let stored_row = match id {
        Some(id) => match stored(&admin, &console, id).await {
            Ok(row) => Some(row),
            Err(_) => return problem(format!("There is no subscription {id}.")),
        },
        None => None,
    };
    let drafted = match checks(&admin, &console, &values, stored_row.as_ref()) {
        Ok(()) => subscription::draft(&console.store, &console.allowed_targets, id, &values).await,
        Err(e) => Err(e),
    };
    let draft = match drafted {
        Ok(draft) => draft,
        Err(e) => {
            let shown = FieldErrors::from_config(&e, &[])
                .general
                .unwrap_or_default();
            return problem(format!("Fix the form to see a preview: {shown}"));
        }
    };
    let tx = match console.store.begin_read(&admin.caller.env).await {
        Ok(tx) => tx,
        Err(e) => return problem(format!("The record could not be read: {e}")),
    };
    let wanted = form.get("preview_id").and_then(|s| s.trim().parse().ok());
    let res_id = match newest_or(&tx, &draft.model, wanted).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            let _ = tx.rollback().await;
            return problem(format!("There is no {} record to show yet.", draft.model));
        }
        Err(e) => return problem(format!("The record could not be read: {e}")),
    };
    let rendered =
        outbox::preview_subscription(&tx, &console.sources.current(), &draft, res_id).await;
    let _ = tx.rollback().await;
    let delivery = match rendered.map(|r| r.deliveries.into_iter().next()) {
        Ok(Some(delivery)) => delivery,
        Ok(None) => {
            return problem("This address is retired for the subscription (it answered 410).");
        }
        Err(e) => return problem(format!("The notification could not be rendered: {}", e.0)),
    };
    let body = match draft.format {
        Format::Json => serde_json::from_str::<Value>(&delivery.body)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .unwrap_or(delivery.body),
        Format::Xml => delivery.body,
    };
    Preview {
        problem: None,
        res_id,
        content_type: delivery.content_type,
        body,
    }
}

/// Subscription `id`, if it exists and the admin may use its model; else the page to answer.
pub(super) async fn stored(
    admin: &Admin,
    console: &Console,
    id: i64,
) -> Result<SubscriptionRow, Response> {
    match subscription::get(&console.store, id).await {
        Ok(row) if admin.caller.may_use_model(&row.model) => Ok(row),
        Ok(_) | Err(SourceError::NotFound(..)) => Err((
            StatusCode::NOT_FOUND,
            format!("There is no webhook subscription {id}."),
        )
            .into_response()),
        Err(e) => Err(failed("reading the subscription", &e.to_string())),
    }
}
