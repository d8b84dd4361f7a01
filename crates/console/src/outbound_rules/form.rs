//! The outbound rule form: `GET /console/outbound-rules/new` and `/{id}`, saved by a post to the
//! same path. Its inputs are named after `NewOutboundRule`'s fields, the save calls
//! `weft_outbound::rule::create` / `update` as `/api/v1/outbound-rules` does (with the same key
//! checks), and a refusal comes back as the form with the API's message at its field.

use crate::Console;
use crate::form::{FieldErrors, Posted, object, source_checks};
use crate::frame::{Frame, Nav, failed, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::Value;
use weft_outbound::entity::rule::Model as RuleRow;
use weft_outbound::rule;
use weft_outbound::source::SourceError;

/// The form's values as text, as the inputs show them.
#[derive(Default)]
pub(super) struct Values {
    pub name: String,
    pub active: bool,
    pub model: String,
    pub trigger_domain: String,
    pub mode: String,
    pub endpoint_source: String,
    pub endpoint_url: String,
    pub payload_fields: String,
    /// On edit the stored header's scheme only (`Bearer ***`); the input itself starts empty.
    pub auth_scheme: String,
    pub allowed_callback_hosts: String,
    pub note: String,
    pub timeout_s: String,
    pub max_retries: String,
}

impl Values {
    fn of(row: &RuleRow) -> Values {
        let view = rule::view(row);
        let text = |key: &str| match &view[key] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        Values {
            name: row.name.clone(),
            active: row.active,
            model: row.model.clone(),
            trigger_domain: row.trigger_domain.clone(),
            mode: row.mode.clone(),
            endpoint_source: row.endpoint_source.clone(),
            endpoint_url: row.endpoint_url.clone().unwrap_or_default(),
            payload_fields: text("payload_fields"),
            auth_scheme: text("auth_header"),
            allowed_callback_hosts: view["allowed_callback_hosts"]
                .as_array()
                .map(|hosts| {
                    let hosts: Vec<&str> = hosts.iter().filter_map(Value::as_str).collect();
                    hosts.join("\n")
                })
                .unwrap_or_default(),
            note: text("note"),
            timeout_s: text("timeout_s"),
            max_retries: text("max_retries"),
        }
    }

    /// What was posted, to show again with its errors.
    fn posted(form: &Posted, stored: Option<&RuleRow>) -> Values {
        let get = |k: &str| form.get(k).unwrap_or_default().to_string();
        Values {
            name: get("name"),
            active: form.flag("active") != Some(Value::Bool(false)),
            model: get("model"),
            trigger_domain: get("trigger_domain"),
            mode: get("mode"),
            endpoint_source: get("endpoint_source"),
            endpoint_url: get("endpoint_url"),
            payload_fields: get("payload_fields"),
            auth_scheme: stored
                .map(|r| Values::of(r).auth_scheme)
                .unwrap_or_default(),
            allowed_callback_hosts: get("allowed_callback_hosts"),
            note: get("note"),
            timeout_s: get("timeout_s"),
            max_retries: get("max_retries"),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "outbound_rule.html")]
pub(super) struct FormPage {
    pub frame: Frame,
    /// None for a new rule.
    pub id: Option<i64>,
    pub values: Values,
    pub errors: FieldErrors,
    pub models: Vec<String>,
    pub notice: Option<String>,
    /// A test delivery just queued: its id.
    pub queued: Option<i64>,
}

impl FormPage {
    /// Where the form posts.
    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/console/outbound-rules/{id}"),
            None => "/console/outbound-rules/new".into(),
        }
    }
}

fn page(admin: &Admin, console: &Console, id: Option<i64>, values: Values) -> FormPage {
    FormPage {
        frame: admin.frame(Nav::OutboundRules),
        id,
        values,
        errors: FieldErrors::default(),
        models: console
            .store
            .registry()
            .models()
            .filter(|m| admin.caller.may_use_model(&m.name))
            .map(|m| m.name.clone())
            .collect(),
        notice: None,
        queued: None,
    }
}

#[handler]
pub async fn new_form(admin: Admin, console: Data<&Console>) -> Response {
    let values = Values {
        active: true,
        mode: "transition".into(),
        endpoint_source: "static".into(),
        trigger_domain: "[]".into(),
        ..Values::default()
    };
    page(&admin, &console, None, values).into_response()
}

/// What the page says after a redirect to it.
#[derive(Deserialize, Default)]
pub struct Said {
    saved: Option<String>,
    queued: Option<i64>,
    rotated: Option<String>,
    active: Option<bool>,
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
    view.notice = match (&said.saved, &said.rotated, said.active) {
        (Some(_), ..) => Some("Saved. The rule applies to the next change of a record.".into()),
        (_, Some(_), _) => Some(
            "A new signing secret is in use. The previous one keeps signing for 24 hours: \
             each delivery carries both signatures until then, so receivers can switch over."
                .into(),
        ),
        (_, _, Some(true)) => Some("Restored: the rule fires again.".into()),
        (_, _, Some(false)) => Some("Archived: the rule no longer fires.".into()),
        _ => None,
    };
    view.queued = said.queued;
    view.into_response()
}

#[handler]
pub async fn create(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let form = Posted(pairs);
    let values = object(api_fields(&form, false), true);
    let result = match checks(&admin, &console, &values, None) {
        Ok(()) => rule::create(&console.store, &console.allowed_targets, &values).await,
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
    let values = object(api_fields(&form, true), false);
    let result = match checks(&admin, &console, &values, Some(&row)) {
        Ok(()) => rule::update(&console.store, &console.allowed_targets, id, &values).await,
        Err(e) => Err(e),
    };
    finish(&admin, &console, Some(&row), &form, result).await
}

/// Archive (`active=false`) or restore a rule.
#[handler]
pub async fn set_active(
    admin: Admin,
    console: Data<&Console>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = stored(&admin, &console, id).await {
        return response;
    }
    let active = Posted(pairs).get("active") == Some("true");
    let patch = object(vec![("active", Value::Bool(active))], false);
    match rule::update(&console.store, &console.allowed_targets, id, &patch).await {
        Ok(_) => {
            console.sources.changed().await;
            see_other(&format!("/console/outbound-rules/{id}?active={active}"))
        }
        Err(e) => failed("archiving the rule", &e.to_string()),
    }
}

/// The form as the API object: on edit a blank `auth_header` keeps the stored one (its input
/// never shows it) unless `auth_header_remove` is ticked.
pub(super) fn api_fields(form: &Posted, editing: bool) -> Vec<(&'static str, Value)> {
    let mut fields = vec![
        ("name", form.text("name")),
        ("model", form.text("model")),
        ("trigger_domain", form.text("trigger_domain")),
        ("mode", form.text("mode")),
        ("endpoint_source", form.text("endpoint_source")),
        ("endpoint_url", form.text("endpoint_url")),
        ("payload_fields", form.text("payload_fields")),
        (
            "allowed_callback_hosts",
            form.lines("allowed_callback_hosts"),
        ),
        ("note", form.text("note")),
        ("timeout_s", form.number("timeout_s")),
        ("max_retries", form.number("max_retries")),
    ];
    if let Some(active) = form.flag("active") {
        fields.push(("active", active));
    }
    match form.text("auth_header") {
        Value::Null if editing && form.get("auth_header_remove").is_none() => {}
        header => fields.push(("auth_header", header)),
    }
    fields
}

/// The API handler's key checks: the model, and what the domain and payload reach.
pub(super) fn checks(
    admin: &Admin,
    console: &Console,
    values: &serde_json::Map<String, Value>,
    stored: Option<&RuleRow>,
) -> Result<(), SourceError> {
    let model = values
        .get("model")
        .and_then(Value::as_str)
        .or(stored.map(|r| r.model.as_str()));
    let stored_domain = stored.map(|r| Value::String(r.trigger_domain.clone()));
    let stored_payload = stored.and_then(|r| r.payload_fields.clone().map(Value::String));
    source_checks(
        &admin.caller,
        console.store.registry(),
        model,
        values.get("trigger_domain").or(stored_domain.as_ref()),
        values.get("payload_fields").or(stored_payload.as_ref()),
    )
}

/// After a save: to the rule's page, or the form again with the error at its field.
async fn finish(
    admin: &Admin,
    console: &Console,
    stored: Option<&RuleRow>,
    form: &Posted,
    result: Result<RuleRow, SourceError>,
) -> Response {
    match result {
        Ok(row) => {
            console.sources.changed().await;
            see_other(&format!("/console/outbound-rules/{}?saved=1", row.id))
        }
        Err(e) => {
            let mut view = page(
                admin,
                console,
                stored.map(|r| r.id),
                Values::posted(form, stored),
            );
            view.errors = FieldErrors::from_config(&e, &rule::FIELDS);
            view.with_status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response()
        }
    }
}

/// Rule `id`, if it exists and the admin may use its model; else the page to answer.
pub(super) async fn stored(admin: &Admin, console: &Console, id: i64) -> Result<RuleRow, Response> {
    match rule::get(&console.store, id).await {
        Ok(row) if admin.caller.may_use_model(&row.model) => Ok(row),
        Ok(_) | Err(SourceError::NotFound(..)) => Err((
            StatusCode::NOT_FOUND,
            format!("There is no outbound rule {id}."),
        )
            .into_response()),
        Err(e) => Err(failed("reading the outbound rule", &e.to_string())),
    }
}
