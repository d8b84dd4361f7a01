//! `GET /console/models/{model}/records`: a model's records as the signed-in admin may read them
//! (their companies apply), `search_data`-style: a domain (Python or JSON; its mistake shown with
//! its position), the fields to show, an order, and pages of at most `MAX_LIMIT` rows. One search,
//! one count and one read a page: relations are shown by their display names as `read` gives them.

use crate::Console;
use crate::frame::{Frame, Nav};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use serde_json::Value;
use weft_domain::{BindOptions, Domain};
use weft_store::SearchOptions;

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;
/// Columns shown when none are asked for: the first fields that are neither system nor x2many.
const DEFAULT_COLUMNS: usize = 6;

#[derive(Deserialize, Default)]
pub struct Wanted {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    fields: String,
    #[serde(default)]
    order: String,
    limit: Option<u64>,
    offset: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "model_records.html")]
struct RecordsPage {
    frame: Frame,
    model: String,
    domain: String,
    fields: String,
    order: String,
    limit: u64,
    offset: u64,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    total: u64,
    /// What is wrong with the domain, fields or order.
    error: Option<(&'static str, String)>,
    previous: Option<String>,
    next: Option<String>,
}

#[handler]
pub async fn records(
    admin: Admin,
    console: Data<&Console>,
    Path(model): Path<String>,
    Query(wanted): Query<Wanted>,
) -> Response {
    let registry = console.store.registry();
    let Some(m) = registry
        .model(&model)
        .filter(|_| admin.caller.may_use_model(&model))
    else {
        return (
            StatusCode::NOT_FOUND,
            format!("There is no model '{model}'."),
        )
            .into_response();
    };
    let limit = wanted.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = wanted.offset.unwrap_or(0);
    let mut page = RecordsPage {
        frame: admin.frame(Nav::Models),
        model: model.clone(),
        domain: wanted.domain.clone(),
        fields: wanted.fields.clone(),
        order: wanted.order.clone(),
        limit,
        offset,
        columns: Vec::new(),
        rows: Vec::new(),
        total: 0,
        error: None,
        previous: None,
        next: None,
    };
    let columns = match columns(m, &wanted.fields) {
        Ok(columns) => columns,
        Err(e) => return page.refused("fields", e),
    };
    let domain = match parse(registry, &model, &wanted.domain) {
        Ok(domain) => domain,
        Err(e) => return page.refused("domain", e),
    };
    let order = Some(wanted.order.trim()).filter(|o| !o.is_empty());
    let tx = match console.store.begin_read(&admin.caller.env).await {
        Ok(tx) => tx,
        Err(e) => return crate::frame::failed("reading the records", &e.to_string()),
    };
    let options = SearchOptions {
        order,
        limit: Some(limit),
        offset,
        include_archived: false,
    };
    let found = match tx.search(&model, &domain, &options).await {
        Ok(ids) => ids,
        Err(e) => return page.refused("order", e.to_string()),
    };
    let names: Vec<&str> = columns.iter().map(String::as_str).collect();
    let read = tx.read(&model, &found, &names).await;
    let total = tx.count(&model, &domain, false).await;
    let _ = tx.rollback().await;
    let (read, total) = match (read, total) {
        (Ok(read), Ok(total)) => (read, total),
        (Err(e), _) | (_, Err(e)) => {
            return crate::frame::failed("reading the records", &e.to_string());
        }
    };
    page.rows = read
        .iter()
        .map(|row| columns.iter().map(|c| shown(&row[c.as_str()])).collect())
        .collect();
    page.total = total;
    page.columns = columns;
    page.previous = (offset > 0).then(|| page.link(offset.saturating_sub(limit)));
    page.next = (offset + limit < total).then(|| page.link(offset + limit));
    page.into_response()
}

impl RecordsPage {
    fn refused(mut self, field: &'static str, reason: String) -> Response {
        self.error = Some((field, reason));
        self.with_status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response()
    }

    /// This page's query at another offset.
    fn link(&self, offset: u64) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("domain", &self.domain)
            .append_pair("fields", &self.fields)
            .append_pair("order", &self.order)
            .append_pair("limit", &self.limit.to_string())
            .append_pair("offset", &offset.to_string())
            .finish();
        format!("/console/models/{}/records?{query}", self.model)
    }
}

/// The fields asked for (comma separated), each a field of the model; or the default columns.
fn columns(model: &weft_registry::Model, asked: &str) -> Result<Vec<String>, String> {
    let asked: Vec<&str> = asked
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if asked.is_empty() {
        let mut out = vec!["id".to_string()];
        out.extend(
            model
                .fields()
                .iter()
                .filter(|f| !f.system && f.kind.is_stored_column())
                .take(DEFAULT_COLUMNS - 1)
                .map(|f| f.name.clone()),
        );
        return Ok(out);
    }
    if let Some(unknown) = asked.iter().find(|name| model.field(name).is_none()) {
        return Err(format!("'{unknown}' is not a field of {}", model.name));
    }
    Ok(asked.iter().map(|s| s.to_string()).collect())
}

/// The domain box: empty is every record; a mistake says where.
fn parse(registry: &weft_registry::Registry, model: &str, text: &str) -> Result<Domain, String> {
    if text.trim().is_empty() {
        return Ok(Domain::all());
    }
    let domain = Domain::parse_json(&Value::String(text.to_string())).map_err(|e| e.to_string())?;
    domain
        .bind(registry, model, &BindOptions { active_test: false })
        .map_err(|e| e.to_string())?;
    Ok(domain)
}

/// A value of `read` as a cell: a many2one by its display name, x2many by their count.
fn shown(value: &Value) -> String {
    match value {
        Value::Null | Value::Bool(false) => String::new(),
        Value::Bool(true) => "yes".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => match items.as_slice() {
            [Value::Number(_), Value::String(name)] => name.clone(),
            ids => format!(
                "{} record{}",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" }
            ),
        },
        other => other.to_string(),
    }
}
