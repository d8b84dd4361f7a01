//! `/console/subscriptions` (issue 17 §2): Synconics' webhook subscriptions with its list's
//! columns (Name, Model, Callback URL, Format, Language, Event) and **Send Test Notification**
//! on every row, queued as `POST /api/v1/subscriptions/{id}/test` queues it; the form that
//! creates and edits one, with its condition checked as you type and a preview of the JSON or
//! XML body (`form`).

mod form;

use crate::Console;
use crate::frame::{Frame, Nav, When, failed, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use serde::Deserialize;
use weft_outbound::deliveries;
use weft_outbound::source::SourceKind;
use weft_outbound::{outbox, subscription};

pub fn routes() -> Route {
    Route::new()
        .at("/", get(list))
        .at("/new", get(form::new_form).post(form::create))
        .at("/fields", get(form::field_choices))
        .at("/check-condition", post(form::check_condition))
        .at("/preview", post(form::preview))
        .at("/:id", get(form::edit_form).post(form::save))
        .at("/:id/test", post(send_test))
}

struct Row {
    id: i64,
    name: String,
    model: String,
    /// Its secrets masked.
    address: String,
    format: String,
    language: String,
    kind: String,
    active: bool,
    last: Option<(i64, String, When)>,
    failures: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "subscriptions.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    /// The test notification just queued (0: the subscription is not active).
    queued: Option<i64>,
}

#[derive(Deserialize)]
struct Said {
    queued: Option<i64>,
}

#[handler]
async fn list(admin: Admin, console: Data<&Console>, Query(said): Query<Said>) -> Response {
    let since = chrono::Utc::now().naive_utc() - chrono::Duration::hours(24);
    let (rows, activity) = match tokio::try_join!(
        async {
            subscription::list(&console.store)
                .await
                .map_err(|e| e.to_string())
        },
        async {
            deliveries::activity(&console.store, SourceKind::Subscription, since)
                .await
                .map_err(|e| e.to_string())
        },
    ) {
        Ok(both) => both,
        Err(e) => return failed("reading the subscriptions", &e),
    };
    let rows = rows
        .into_iter()
        .filter(|s| admin.caller.may_use_model(&s.model))
        .map(|s| {
            let a = activity.get(&s.id).cloned().unwrap_or_default();
            Row {
                id: s.id,
                address: weft_logstore::redact::text(&s.address).into_owned(),
                name: s.name,
                model: s.model,
                format: s.format,
                language: s.language,
                kind: s.kind,
                active: s.active,
                last: match (a.last_id, a.last_state, a.last_at) {
                    (Some(id), Some(state), Some(at)) => Some((id, state, When::of(at))),
                    _ => None,
                },
                failures: a.failures,
            }
        })
        .collect();
    ListPage {
        frame: admin.frame(Nav::Subscriptions),
        rows,
        queued: said.queued,
    }
    .into_response()
}

/// Send Test Notification: the model's newest record, signed and delivered as any other.
#[handler]
async fn send_test(admin: Admin, console: Data<&Console>, Path(id): Path<i64>) -> Response {
    if let Err(response) = form::stored(&admin, &console, id).await {
        return response;
    }
    let catalog = console.sources.current();
    match outbox::queue_test(&console.store, &catalog, id).await {
        Ok(Some(delivery)) => {
            console.outbox_wake.notify_one();
            see_other(&format!("/console/subscriptions?queued={delivery}"))
        }
        Ok(None) => see_other("/console/subscriptions?queued=0"),
        Err(e) => failed("queueing a test notification", &e.0),
    }
}
