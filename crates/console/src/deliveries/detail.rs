//! `GET /console/deliveries/{id}`: one delivery. Its properties; the body as it was rendered
//! (pretty when it is JSON, with a copy of the exact bytes sent); the headers a receiver sees, as
//! the dispatcher makes them (`weft_outbound::deliveries::headers`: the signature's version only,
//! an `Authorization` or any secret-looking header masked); the attempts newest first; and Retry
//! when it is dead, done or failing.

use super::{Source, failed, last_outcome, not_found, retryable, source_of, stored_time, when};
use crate::Console;
use crate::frame::{Frame, Nav, When};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{IntoResponse, Request, Response, handler};
use serde_json::Value;
use weft_outbound::deliveries;

/// One attempt as the timeline shows it.
pub(crate) struct Attempt {
    pub n: i64,
    pub at: Option<When>,
    pub status: Option<i64>,
    pub ok: bool,
    pub duration: String,
    pub preview: String,
    pub error: String,
    pub note: String,
}

/// One header as a receiver sees it, a secret one masked.
pub(crate) struct Header {
    pub name: &'static str,
    pub value: String,
    pub masked: bool,
}

/// What the Headers section says.
pub(crate) struct Headers {
    /// What the headers are of: the latest attempt, or the next one.
    pub of: String,
    pub list: Vec<Header>,
    pub note: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "delivery.html")]
pub(crate) struct DeliveryPage {
    pub frame: Frame,
    pub id: i64,
    pub webhook_id: String,
    pub state: String,
    pub source: Source,
    pub source_key: String,
    pub event: String,
    pub url: String,
    pub model: String,
    pub res_id: i64,
    pub attempt_count: i64,
    pub next: Option<When>,
    pub last: String,
    pub created: Option<When>,
    pub finished: Option<When>,
    pub content_type: String,
    /// The body as sent, and pretty when it is JSON.
    pub body: String,
    pub pretty: Option<String>,
    pub headers: Option<Headers>,
    pub attempts: Vec<Attempt>,
    pub retryable: bool,
    pub notice: Option<String>,
    pub alert: Option<String>,
}

#[handler]
pub async fn detail_page(
    req: &Request,
    admin: Admin,
    console: Data<&Console>,
    Path(id): Path<i64>,
) -> Response {
    let notice = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .any(|pair| pair == "notice=queued")
        .then(|| "Queued: it will be sent now.".to_string());
    match load(&console, &admin, id).await {
        Ok(Some(mut page)) => {
            page.notice = notice;
            page.into_response()
        }
        Ok(None) => not_found(admin.frame(Nav::Deliveries), id),
        Err(e) => failed(admin.frame(Nav::Deliveries), &e),
    }
}

/// The page of delivery `id`, or None when there is none (or the caller may not see its model).
pub(crate) async fn load(
    console: &Console,
    admin: &Admin,
    id: i64,
) -> weft_store::Result<Option<DeliveryPage>> {
    let store = &console.store;
    let Some(d) = deliveries::get(store, id).await? else {
        return Ok(None);
    };
    let model = d["model"].as_str().unwrap_or_default().to_string();
    if !admin.caller.may_use_model(&model) {
        return Ok(None);
    }
    let source_key = d["source"].as_str().unwrap_or_default().to_string();
    let names = deliveries::source_names(
        store,
        &source_of(&source_key).into_iter().collect::<Vec<_>>(),
    )
    .await?;
    let mut attempts: Vec<Attempt> = d["attempts"]
        .as_array()
        .map(|all| all.iter().map(attempt).collect())
        .unwrap_or_default();
    attempts.reverse();
    let latest = d["attempts"].as_array().and_then(|a| a.last());
    let (at, of) = match latest.and_then(|a| stored_time(&a["at"]).map(|t| (t, a))) {
        Some((t, a)) => (
            t,
            format!("As attempt {} sent them, signed again with the source's secrets.", a["attempt"]),
        ),
        None => (
            weft_outbound::source::now(),
            "As the next attempt will send them (webhook-timestamp and webhook-signature are made anew at each attempt).".to_string(),
        ),
    };
    let headers = deliveries::headers(store, id, at)
        .await?
        .map(|sent| Headers {
            of,
            list: sent
                .headers
                .into_iter()
                .map(|(name, value)| match shown(name, &value) {
                    Some(value) => Header {
                        name,
                        value,
                        masked: true,
                    },
                    None => Header {
                        name,
                        value,
                        masked: false,
                    },
                })
                .collect(),
            note: sent.note,
        });
    let body = d["body"].as_str().unwrap_or_default().to_string();
    let pretty = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok());
    Ok(Some(DeliveryPage {
        frame: admin.frame(Nav::Deliveries),
        id,
        webhook_id: d["webhook_id"].as_str().unwrap_or_default().to_string(),
        state: d["state"].as_str().unwrap_or_default().to_string(),
        source: Source::of(&source_key, &names),
        source_key,
        event: d["event"].as_str().unwrap_or_default().to_string(),
        url: weft_logstore::redact::text(d["url"].as_str().unwrap_or_default()).into_owned(),
        model,
        res_id: d["res_id"].as_i64().unwrap_or_default(),
        attempt_count: d["attempt_count"].as_i64().unwrap_or_default(),
        next: when(&d["next_attempt_at"]),
        last: last_outcome(&d),
        created: when(&d["create_date"]),
        finished: when(&d["finished_at"]),
        content_type: d["content_type"].as_str().unwrap_or_default().to_string(),
        body,
        pretty,
        headers,
        attempts,
        retryable: retryable(&d),
        notice: None,
        alert: None,
    }))
}

impl DeliveryPage {
    /// The page with a reason the action was refused, with `status`.
    pub fn refused(mut self, status: StatusCode, alert: String) -> Response {
        self.alert = Some(alert);
        self.with_status(status).into_response()
    }
}

fn attempt(a: &Value) -> Attempt {
    let status = a["status"].as_i64();
    Attempt {
        n: a["attempt"].as_i64().unwrap_or_default(),
        at: when(&a["at"]),
        status,
        ok: status.is_some_and(|s| (200..300).contains(&s)),
        duration: format!("{:.0} ms", a["duration_ms"].as_f64().unwrap_or_default()),
        preview: a["response_preview"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        error: a["error"].as_str().unwrap_or_default().to_string(),
        note: a["note"].as_str().unwrap_or_default().to_string(),
    }
}

/// The mask of a header that is a credential, or None for one shown as it is. A signature shows
/// only its version (`v1,••••••`): what a receiver would accept is never on the page.
fn shown(name: &str, value: &str) -> Option<String> {
    if name.eq_ignore_ascii_case("webhook-signature") {
        return Some("v1,••••••".into());
    }
    secret(name, value).then(|| mask(value))
}

/// Whether a header is a credential, by its name or by its value's shape (a scheme such as
/// `Bearer`, or what the log store's redaction would mask).
fn secret(name: &str, value: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let named = [
        "auth",
        "cookie",
        "secret",
        "token",
        "key",
        "signature",
        "password",
        "session",
    ]
    .iter()
    .any(|word| name.contains(word));
    named || scheme(value).is_some() || weft_logstore::redact::text(value) != value
}

/// The scheme word of an `Authorization`-like value (`Bearer`, `Basic`, `Token`..).
fn scheme(value: &str) -> Option<&str> {
    let (word, rest) = value.split_once(' ')?;
    let known = ["bearer", "basic", "token", "digest", "hmac", "apikey"];
    (known.contains(&word.to_ascii_lowercase().as_str()) && !rest.trim().is_empty()).then_some(word)
}

/// `••••`, after the scheme word when there is one (`Bearer ••••`): nothing of the secret.
pub(crate) fn mask(value: &str) -> String {
    match scheme(value) {
        Some(word) => format!("{word} ••••"),
        None => "••••".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_shows_nothing_of_itself() {
        assert_eq!(mask("Bearer sekret-token-9876"), "Bearer ••••");
        assert_eq!(mask("Basic dXNlcjpwYXNz"), "Basic ••••");
        assert_eq!(mask("sekret-token-9876"), "••••");
        assert_eq!(
            shown("webhook-signature", "v1,abc= v1,def=").as_deref(),
            Some("v1,••••••")
        );
        assert_eq!(shown("Authorization", "x").as_deref(), Some("••••"));
        assert_eq!(shown("x-api-key", "k").as_deref(), Some("••••"));
        // Found by the value's shape, whatever the name.
        assert_eq!(
            shown("x-custom", "Bearer abc").as_deref(),
            Some("Bearer ••••")
        );
        assert_eq!(
            shown("x-custom", "whsec_abcdefghijklmnop").as_deref(),
            Some("••••")
        );
        assert_eq!(shown("content-type", "application/json"), None);
        assert_eq!(shown("webhook-id", "msg_1"), None);
    }
}
