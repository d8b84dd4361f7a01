//! What the rule form shows before and after saving: the domain check as you type (`POST
//! /console/outbound-rules/check-domain`), the payload preview of the unsaved form from a real
//! record (`POST .../preview`: the body a delivery would carry, by the outbox's own rendering),
//! Send test (`POST .../{id}/test`: one delivery of that body, queued as any other), and the
//! signing secret: revealed on request (`GET .../{id}/secret`) and rotated (`POST
//! .../{id}/rotate-secret`).

use super::form::{api_fields, checks, stored};
use crate::Console;
use crate::form::{DomainCheck, FieldErrors, Posted, count_matching, newest_or, object};
use crate::frame::{failed, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::web::{Data, Form, Path};
use poem::{IntoResponse, Response, handler};
use weft_outbound::outbox;
use weft_outbound::rule::{self, Endpoint, Rule};
use weft_store::Tx;

#[handler]
pub async fn check_domain(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> DomainCheck {
    let form = Posted(pairs);
    let outcome = count_matching(
        &console.store,
        &admin.caller.env,
        form.get("model").unwrap_or_default(),
        "trigger_domain",
        form.get("trigger_domain").unwrap_or_default(),
    )
    .await;
    DomainCheck {
        field: "trigger_domain",
        outcome,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "outbound_rule_preview.html")]
pub struct Preview {
    /// Why there is nothing to show.
    problem: Option<String>,
    res_id: i64,
    url: String,
    body: String,
}

impl Preview {
    fn problem(text: impl Into<String>) -> Preview {
        Preview {
            problem: Some(text.into()),
            res_id: 0,
            url: String::new(),
            body: String::new(),
        }
    }
}

/// The preview of the form as posted (`rule_id` when editing, `preview_id`: the record).
#[handler]
pub async fn preview(
    admin: Admin,
    console: Data<&Console>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Preview {
    let form = Posted(pairs);
    let id = form.get("rule_id").and_then(|s| s.parse::<i64>().ok());
    let values = object(api_fields(&form, id.is_some()), id.is_none());
    let stored_row = match id {
        Some(id) => match stored(&admin, &console, id).await {
            Ok(row) => Some(row),
            Err(_) => return Preview::problem(format!("There is no outbound rule {id}.")),
        },
        None => None,
    };
    let drafted = match checks(&admin, &console, &values, stored_row.as_ref()) {
        Ok(()) => rule::draft(&console.store, &console.allowed_targets, id, &values).await,
        Err(e) => Err(e),
    };
    let draft = match drafted {
        Ok(draft) => draft,
        Err(e) => {
            let shown = FieldErrors::from_config(&e, &[])
                .general
                .unwrap_or_default();
            return Preview::problem(format!("Fix the form to see a preview: {shown}"));
        }
    };
    let tx = match console.store.begin_read(&admin.caller.env).await {
        Ok(tx) => tx,
        Err(e) => return Preview::problem(format!("The record could not be read: {e}")),
    };
    let wanted = form.get("preview_id").and_then(|s| s.trim().parse().ok());
    let shown = render(&tx, &console, &draft, wanted).await;
    let _ = tx.rollback().await;
    shown
}

async fn render(tx: &Tx, console: &Console, draft: &Rule, wanted: Option<i64>) -> Preview {
    let res_id = match newest_or(tx, &draft.model, wanted).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return Preview::problem(match wanted {
                Some(id) => format!("There is no {} record {id} you can see.", draft.model),
                None => format!(
                    "There is no {} record yet: create one to see a preview.",
                    draft.model
                ),
            });
        }
        Err(e) => return Preview::problem(format!("The record could not be read: {e}")),
    };
    let rendered = match outbox::preview_rule(tx, &console.sources.current(), draft, res_id).await {
        Ok(rendered) => rendered,
        Err(e) => return Preview::problem(format!("The payload could not be rendered: {}", e.0)),
    };
    let Some(delivery) = rendered.deliveries.into_iter().next() else {
        return Preview::problem(match draft.endpoint {
            Endpoint::Record => format!(
                "{} {res_id} has no callback_url, so the rule would send nothing for it.",
                draft.model
            ),
            Endpoint::Static(_) => "The rule would send nothing for this record.".to_string(),
        });
    };
    let body = serde_json::from_str::<serde_json::Value>(&delivery.body)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or(delivery.body);
    Preview {
        problem: None,
        res_id,
        url: weft_logstore::redact::text(&delivery.url).into_owned(),
        body,
    }
}

/// Queue one delivery of the saved rule for a record (`res_id`, else the newest), then back to
/// the rule with a link to it.
#[handler]
pub async fn send_test(
    admin: Admin,
    console: Data<&Console>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let row = match stored(&admin, &console, id).await {
        Ok(row) => row,
        Err(response) => return response,
    };
    let rule = match Rule::from_row(&row, console.store.registry()) {
        Ok(rule) => rule,
        Err(e) => return failed("reading the rule", &e),
    };
    let wanted = Posted(pairs)
        .get("res_id")
        .and_then(|s| s.trim().parse().ok());
    let tx = match console.store.begin(&admin.caller.env).await {
        Ok(tx) => tx,
        Err(e) => return failed("queueing a test delivery", &e.to_string()),
    };
    let res_id = match newest_or(&tx, &rule.model, wanted).await {
        Ok(Some(res_id)) => res_id,
        Ok(None) => return see_other(&format!("/console/outbound-rules/{id}?queued=0")),
        Err(e) => return failed("queueing a test delivery", &e.to_string()),
    };
    let catalog = console.sources.current();
    match outbox::queue_rule_test(&console.store, tx, &catalog, &rule, res_id).await {
        Ok(Some(delivery)) => {
            console.outbox_wake.notify_one();
            see_other(&format!("/console/outbound-rules/{id}?queued={delivery}"))
        }
        Ok(None) => see_other(&format!("/console/outbound-rules/{id}?queued=0")),
        Err(e) => failed("queueing a test delivery", &e.0),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "signing_secret.html")]
pub struct SigningSecret {
    pub secret: String,
    /// During a rotation: the replaced secret and until when it still signs.
    pub previous: Option<(String, String)>,
}

impl SigningSecret {
    pub fn of(
        secret: String,
        previous: Option<String>,
        until: Option<chrono::NaiveDateTime>,
    ) -> SigningSecret {
        let now = chrono::Utc::now().naive_utc();
        let previous = match (previous, until) {
            (Some(p), Some(until)) if until > now => {
                Some((p, until.format("%Y-%m-%d %H:%M UTC").to_string()))
            }
            _ => None,
        };
        SigningSecret { secret, previous }
    }
}

#[handler]
pub async fn reveal_secret(admin: Admin, console: Data<&Console>, Path(id): Path<i64>) -> Response {
    match stored(&admin, &console, id).await {
        Ok(row) => SigningSecret::of(row.secret, row.previous_secret, row.previous_secret_until)
            .into_response(),
        Err(response) => response,
    }
}

#[handler]
pub async fn rotate_secret(admin: Admin, console: Data<&Console>, Path(id): Path<i64>) -> Response {
    if let Err(response) = stored(&admin, &console, id).await {
        return response;
    }
    match rule::rotate_secret(&console.store, id).await {
        Ok(_) => {
            console.sources.changed().await;
            see_other(&format!("/console/outbound-rules/{id}?rotated=1"))
        }
        Err(e) => failed("rotating the secret", &e.to_string()),
    }
}
