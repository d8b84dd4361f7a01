//! `/console/outbound-rules` (issue 17 §1): the outbound rules, each with its model, domain,
//! endpoint, its newest delivery and its failed attempts of the last 24 hours; the form that
//! creates and edits one (`form`), and what the form shows before saving: the domain check, the
//! payload preview, Send test and the signing secret (`preview`).

mod form;
mod preview;

use crate::Console;
use crate::frame::{Frame, Nav, When, failed};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::web::Data;
use poem::{IntoResponse, Response, Route, get, handler, post};
use weft_outbound::deliveries::{self, Activity};
use weft_outbound::rule;
use weft_outbound::source::SourceKind;

/// The window of the failure counts.
const WINDOW_HOURS: i64 = 24;

pub fn routes() -> Route {
    Route::new()
        .at("/", get(list))
        .at("/new", get(form::new_form).post(form::create))
        .at("/check-domain", post(preview::check_domain))
        .at("/preview", post(preview::preview))
        .at("/:id", get(form::edit_form).post(form::save))
        .at("/:id/active", post(form::set_active))
        .at("/:id/test", post(preview::send_test))
        .at("/:id/secret", get(preview::reveal_secret))
        .at("/:id/rotate-secret", post(preview::rotate_secret))
}

/// One rule as the list shows it.
struct Row {
    id: i64,
    name: String,
    model: String,
    domain: String,
    endpoint_source: String,
    /// The static URL, its secrets masked; empty for a record's callback URL.
    endpoint_url: String,
    active: bool,
    last: Option<(i64, String, When)>,
    failures: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "outbound_rules.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
}

#[handler]
async fn list(admin: Admin, console: Data<&Console>) -> Response {
    let since = chrono::Utc::now().naive_utc() - chrono::Duration::hours(WINDOW_HOURS);
    let (rules, activity) = match tokio::try_join!(
        async { rule::list(&console.store).await.map_err(|e| e.to_string()) },
        async {
            deliveries::activity(&console.store, SourceKind::Rule, since)
                .await
                .map_err(|e| e.to_string())
        },
    ) {
        Ok(both) => both,
        Err(e) => return failed("reading the outbound rules", &e),
    };
    let rows = rules
        .iter()
        .filter(|r| admin.caller.may_use_model(&r.model))
        .map(|r| {
            let a = activity.get(&r.id).cloned().unwrap_or_default();
            row(r, a)
        })
        .collect();
    ListPage {
        frame: admin.frame(Nav::OutboundRules),
        rows,
    }
    .into_response()
}

fn row(r: &weft_outbound::entity::rule::Model, a: Activity) -> Row {
    let last = match (a.last_id, a.last_state, a.last_at) {
        (Some(id), Some(state), Some(at)) => Some((id, state, When::of(at))),
        _ => None,
    };
    Row {
        id: r.id,
        name: r.name.clone(),
        model: r.model.clone(),
        domain: r.trigger_domain.clone(),
        endpoint_source: r.endpoint_source.clone(),
        endpoint_url: r
            .endpoint_url
            .as_deref()
            .map(|u| weft_logstore::redact::text(u).into_owned())
            .unwrap_or_default(),
        active: r.active,
        last,
        failures: a.failures,
    }
}
