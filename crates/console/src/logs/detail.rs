//! `GET /console/logs/{id}`: one log with every property, its request and response previews as
//! foldable JSON, and the deliveries of its record; `…/full` the Full Log (the whole request and
//! response, when the previews were cut) in the same view, `…/full.json` its download.
//!
//! The outbox has no column naming the log of the call that queued a delivery, so the detail
//! lists the newest deliveries of the log's record, marks those queued while the call ran, and
//! links to all of them (`/console/deliveries?model=M&res_id=ID`).

use super::{Row, count};
use crate::Console;
use crate::frame::{Frame, Nav, When};
use crate::json::{self, JsonHtml};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, handler};
use serde_json::Value;
use weft_logstore::entity::api_log;
use weft_logstore::redact;

/// Deliveries of the record the detail lists.
const DELIVERIES_SHOWN: u64 = 10;

/// One side of a call as a page shows it.
pub struct Side {
    pub id: &'static str,
    pub title: &'static str,
    pub size: String,
    /// The foldable view, or None: `raw` is shown as text (a cut preview is not JSON).
    pub view: Option<JsonHtml>,
    /// The text the Copy button copies.
    pub raw: String,
    /// A Raw view next to the foldable one.
    pub raw_toggle: bool,
    pub note: Option<String>,
}

impl Side {
    fn preview(id: &'static str, title: &'static str, size: i64, preview: &str) -> Side {
        let view = json::view_text(preview);
        let cut = size > preview.chars().count() as i64 || preview.ends_with(" ...");
        let note = match (&view, cut) {
            (_, true) => Some(format!(
                "A preview: the first characters of the {}. The Full Log has the whole of it.",
                title.to_lowercase()
            )),
            (None, false) => Some("Not JSON: shown as it was kept.".to_string()),
            (Some(_), false) => None,
        };
        Side {
            id,
            title,
            size: count(size),
            raw_toggle: view.is_some(),
            view,
            raw: preview.to_string(),
            note,
        }
    }

    fn full(id: &'static str, title: &'static str, size: i64, value: &Value) -> Side {
        let raw = serde_json::to_string_pretty(value).unwrap_or_default();
        let view = json::view(value);
        let note = view
            .is_none()
            .then(|| "Too large to fold: shown as text. Download it to explore it.".to_string());
        Side {
            id,
            title,
            size: count(size),
            view,
            raw,
            raw_toggle: false,
            note,
        }
    }
}

/// A delivery of the log's record.
pub struct Delivery {
    pub id: i64,
    pub state: String,
    pub event: String,
    pub url: String,
    pub attempts: i64,
    pub when: Option<When>,
    /// "this call" (a receive log: queued while the call ran) or "this attempt" (a send log: the
    /// delivery posted to the log's URL).
    pub mark: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "log.html")]
struct LogPage {
    frame: Frame,
    log: Row,
    user_id: Option<i64>,
    callback_url: Option<String>,
    idempotency_key: Option<String>,
    sides: [Side; 2],
    deliveries: Vec<Delivery>,
    more_deliveries: bool,
    deliveries_href: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "full_log.html")]
struct FullLogPage {
    frame: Frame,
    log: Row,
    sides: [Side; 2],
}

#[derive(Template, WebTemplate)]
#[template(path = "log_missing.html")]
struct MissingPage {
    frame: Frame,
    message: String,
}

/// The log `id` names, when there is one the admin may read; else the answer to give.
async fn find(admin: &Admin, console: &Console, id: &str) -> Result<api_log::Model, Response> {
    let missing = |message: String| {
        MissingPage {
            frame: admin.frame(Nav::Logs),
            message,
        }
        .with_status(StatusCode::NOT_FOUND)
        .into_response()
    };
    let Ok(number) = id.parse::<i64>() else {
        return Err(missing(format!("'{id}' is not a log number.")));
    };
    console.logs.flush().await;
    let found = weft_logstore::get(console.store.connection(), number)
        .await
        .map_err(|e| failed(&e))?;
    let visible = |log: &api_log::Model| match &admin.caller.allowed_models {
        None => true,
        Some(models) => log.model.as_ref().is_some_and(|m| models.contains(m)),
    };
    match found {
        Some(log) if visible(&log) => Ok(log),
        _ => Err(missing(format!("There is no log {number}."))),
    }
}

fn failed(e: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %e, "reading a log for the console failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "The log could not be read (see the server log).",
    )
        .into_response()
}

/// `GET /console/logs/{id}`.
#[handler]
pub async fn page(admin: Admin, console: Data<&Console>, Path(id): Path<String>) -> Response {
    let log = match find(&admin, &console, &id).await {
        Ok(log) => log,
        Err(answer) => return answer,
    };
    let record = log.res_model.clone().zip(log.res_id);
    let (deliveries, more_deliveries) = match &record {
        Some((model, res_id)) => {
            match deliveries_of(&admin, &console, &log, model, *res_id).await {
                Ok(found) => found,
                Err(answer) => return answer,
            }
        }
        None => (Vec::new(), false),
    };
    let deliveries_href = record.as_ref().map(|(model, res_id)| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("model", model)
            .append_pair("res_id", &res_id.to_string());
        format!("/console/deliveries?{}", query.finish())
    });
    LogPage {
        frame: admin.frame(Nav::Logs),
        sides: [
            Side::preview("request", "Request", log.request_size, &log.request_preview),
            Side::preview(
                "response",
                "Response",
                log.response_size,
                &log.response_preview,
            ),
        ],
        user_id: log.user_id,
        callback_url: log
            .callback_url
            .as_deref()
            .map(|u| redact::text(u).into_owned()),
        idempotency_key: log.idempotency_key.clone(),
        deliveries,
        more_deliveries,
        deliveries_href,
        log: Row::of(log),
    }
    .into_response()
}

/// The newest deliveries of record `model` `res_id` (one query), those queued while the call ran
/// marked; and whether there are more.
async fn deliveries_of(
    admin: &Admin,
    console: &Console,
    log: &api_log::Model,
    model: &str,
    res_id: i64,
) -> Result<(Vec<Delivery>, bool), Response> {
    let filter = weft_outbound::deliveries::Filter {
        model: Some(model.to_string()),
        res_id: Some(res_id),
        models: admin.caller.allowed_models.clone(),
        ..Default::default()
    };
    let (items, next) =
        weft_outbound::deliveries::list(&console.store, &filter, DELIVERIES_SHOWN, None)
            .await
            .map_err(|e| failed(&e))?;
    // A receive log is stamped when its call ends; what the call queued was created in between.
    let ran_from = log.create_date
        - chrono::Duration::milliseconds(log.duration_ms.ceil() as i64)
        - chrono::Duration::seconds(1);
    let ran_until = log.create_date + chrono::Duration::seconds(1);
    let rows = items
        .iter()
        .map(|d| {
            let created = d["create_date"].as_str().and_then(|t| {
                NaiveDateTime::parse_from_str(t, weft_registry::value::DATETIME_FORMAT).ok()
            });
            // Shown redacted; the log's route was redacted when it was written.
            let url = redact::text(d["url"].as_str().unwrap_or_default()).into_owned();
            let mark = match log.log_type.as_str() {
                "receive" if created.is_some_and(|c| c >= ran_from && c <= ran_until) => {
                    Some("this call")
                }
                "send" if url == redact::text(&log.route) => Some("this attempt"),
                _ => None,
            };
            Delivery {
                id: d["id"].as_i64().unwrap_or_default(),
                state: d["state"].as_str().unwrap_or_default().to_string(),
                event: d["event"].as_str().unwrap_or_default().to_string(),
                attempts: d["attempt_count"].as_i64().unwrap_or_default(),
                when: created.map(When::of),
                url,
                mark,
            }
        })
        .collect();
    Ok((rows, next.is_some()))
}

/// The full payload of a log: `(request, response)`, or the answer to give.
async fn payload(
    admin: &Admin,
    console: &Console,
    id: &str,
) -> Result<(api_log::Model, Value, Value), Response> {
    let log = find(admin, console, id).await?;
    let found = weft_logstore::payload(console.store.connection(), log.id)
        .await
        .map_err(|e| failed(&e))?;
    match found {
        Some(mut whole) => {
            let request = whole["request"].take();
            let response = whole["response"].take();
            Ok((log, request, response))
        }
        None => Err(MissingPage {
            frame: admin.frame(Nav::Logs),
            message: format!(
                "Log {} has no Full Log: its previews hold the whole request and response.",
                log.id
            ),
        }
        .with_status(StatusCode::NOT_FOUND)
        .into_response()),
    }
}

/// `GET /console/logs/{id}/full`: the whole request and response.
#[handler]
pub async fn full(admin: Admin, console: Data<&Console>, Path(id): Path<String>) -> Response {
    match payload(&admin, &console, &id).await {
        Ok((log, request, response)) => FullLogPage {
            frame: admin.frame(Nav::Logs),
            sides: [
                Side::full("request", "Request", log.request_size, &request),
                Side::full("response", "Response", log.response_size, &response),
            ],
            log: Row::of(log),
        }
        .into_response(),
        Err(answer) => answer,
    }
}

/// `GET /console/logs/{id}/full.json`: the Full Log as a file.
#[handler]
pub async fn download(admin: Admin, console: Data<&Console>, Path(id): Path<String>) -> Response {
    match payload(&admin, &console, &id).await {
        Ok((log, request, response)) => {
            let whole = serde_json::json!({"request": request, "response": response});
            Response::builder()
                .header("content-type", "application/json")
                .header(
                    "content-disposition",
                    format!("attachment; filename=\"api_log_{}.json\"", log.id),
                )
                .body(serde_json::to_string_pretty(&whole).unwrap_or_default())
        }
        Err(answer) => answer,
    }
}
