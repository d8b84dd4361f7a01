//! Sending deliveries again. `POST /console/deliveries/{id}/retry`: one delivery, due now (a
//! delivery being sent gets a conflict instead). `GET /console/deliveries/retry?<filters>`: the
//! confirmation of a bulk retry, with the exact number it will send (`deliveries::count`, the
//! same condition as `retry_all`); `POST /console/deliveries/retry`: the bulk retry itself. Each
//! wakes this instance's dispatcher, then leads back with a notice.

use super::{Wanted, bad_filter, failed, not_found};
use crate::Console;
use crate::frame::see_other;
use crate::frame::{Frame, Nav};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};
use weft_outbound::deliveries::{self, RetryError};

#[handler]
pub async fn retry_one(admin: Admin, console: Data<&Console>, Path(id): Path<i64>) -> Response {
    let frame = || admin.frame(Nav::Deliveries);
    // Loaded first: an unknown delivery (or one of a model the caller may not see) is a 404.
    let page = match super::detail::load(&console, &admin, id).await {
        Ok(Some(page)) => page,
        Ok(None) => return not_found(frame(), id),
        Err(e) => return failed(frame(), &e),
    };
    match deliveries::retry(&console.store, id).await {
        Ok(()) => {
            console.outbox_wake.notify_one();
            see_other(&format!("/console/deliveries/{id}?notice=queued"))
        }
        Err(RetryError::NotFound(_)) => not_found(frame(), id),
        Err(RetryError::Sending(_)) => page.refused(
            StatusCode::CONFLICT,
            "Not queued: an attempt of this delivery is under way right now. Wait for its outcome, then retry it if it still needs sending.".into(),
        ),
        Err(RetryError::Store(e)) => failed(frame(), &e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "retry_confirm.html")]
struct ConfirmPage {
    frame: Frame,
    count: u64,
    what: String,
    /// The filters again, as the confirming form's hidden fields.
    hidden: Vec<(&'static str, String)>,
    cancel: String,
    why_not: Option<String>,
}

#[handler]
pub async fn confirm(req: &Request, admin: Admin, console: Data<&Console>) -> Response {
    let frame = admin.frame(Nav::Deliveries);
    let wanted = Wanted::from_pairs(req.uri().query().unwrap_or_default());
    let filter = match wanted.filter(&admin.caller.allowed_models) {
        Ok(f) => f,
        Err(bad) => return bad_filter(frame, &bad),
    };
    let count = match deliveries::count(&console.store, &filter).await {
        Ok(n) => n,
        Err(e) => return failed(frame, &e),
    };
    let why_not = match (count, filter.state.as_deref()) {
        (_, Some("sending")) => {
            Some("Deliveries being sent cannot be retried: their attempt is under way.".to_string())
        }
        (0, _) => Some(format!(
            "Nothing to send: no delivery matches {}.",
            wanted.describe(true)
        )),
        _ => None,
    };
    ConfirmPage {
        frame,
        count,
        what: wanted.describe(true),
        hidden: wanted
            .pairs()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect(),
        cancel: wanted.href("/console/deliveries", &[]),
        why_not,
    }
    .into_response()
}

#[handler]
pub async fn retry_all(admin: Admin, console: Data<&Console>, form: String) -> Response {
    let frame = admin.frame(Nav::Deliveries);
    let wanted = Wanted::from_pairs(&form);
    let filter = match wanted.filter(&admin.caller.allowed_models) {
        Ok(f) => f,
        Err(bad) => return bad_filter(frame, &bad),
    };
    let queued = match deliveries::retry_all(&console.store, &filter).await {
        Ok(n) => n,
        Err(e) => return failed(frame, &e),
    };
    if queued > 0 {
        console.outbox_wake.notify_one();
    }
    see_other(&wanted.href("/console/deliveries", &[("queued", &queued.to_string())]))
}
