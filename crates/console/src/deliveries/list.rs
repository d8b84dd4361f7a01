//! `GET /console/deliveries`: the outbox newest first, filtered by the URL's state, source, model
//! and record id, 50 a page by keyset cursor; each row opens its delivery. Above the table, the
//! bulk retry of what the filter shows (dead deliveries when it names no state), with its count.

use super::{BadFilter, Names, Source, Wanted, failed, last_outcome, source_of, when};
use crate::Console;
use crate::frame::{Frame, Nav, When};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use serde_json::Value;
use weft_outbound::deliveries;

/// Rows a page, unless the URL's `limit` says otherwise (at most `MAX_PAGE`, as the API allows).
const PAGE: u64 = 50;
const MAX_PAGE: u64 = 500;

/// One row of the list.
pub(crate) struct Row {
    pub id: i64,
    pub href: String,
    pub state: String,
    pub source: Source,
    pub event: String,
    pub url: String,
    pub model: String,
    pub res_id: i64,
    pub attempts: i64,
    pub next: Option<When>,
    pub last: String,
    pub created: Option<When>,
}

impl Row {
    fn of(d: &Value, names: &Names) -> Row {
        let id = d["id"].as_i64().unwrap_or_default();
        Row {
            id,
            href: format!("/console/deliveries/{id}"),
            state: d["state"].as_str().unwrap_or_default().to_string(),
            source: Source::of(d["source"].as_str().unwrap_or_default(), names),
            event: d["event"].as_str().unwrap_or_default().to_string(),
            url: weft_logstore::redact::text(d["url"].as_str().unwrap_or_default()).into_owned(),
            model: d["model"].as_str().unwrap_or_default().to_string(),
            res_id: d["res_id"].as_i64().unwrap_or_default(),
            attempts: d["attempt_count"].as_i64().unwrap_or_default(),
            next: when(&d["next_attempt_at"]),
            last: last_outcome(d),
            created: when(&d["create_date"]),
        }
    }
}

/// The bulk retry the filter offers: how many, and where it leads (None: nothing to retry, and why).
pub(crate) struct Bulk {
    pub count: u64,
    pub href: Option<String>,
    pub why_not: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "deliveries.html")]
struct ListPage {
    frame: Frame,
    wanted: Wanted,
    states: [&'static str; 4],
    problem: Option<BadFilter>,
    notice: Option<String>,
    rows: Vec<Row>,
    bulk: Option<Bulk>,
    newer: Option<String>,
    older: Option<String>,
    filtered: bool,
}

impl ListPage {
    /// `aria-invalid` for the field a bad value came in.
    fn invalid(&self, field: &str) -> &'static str {
        match &self.problem {
            Some(p) if p.field == field => "true",
            _ => "false",
        }
    }
}

#[handler]
pub async fn list_page(req: &Request, admin: Admin, console: Data<&Console>) -> Response {
    let frame = admin.frame(Nav::Deliveries);
    let query = req.uri().query().unwrap_or_default();
    let wanted = Wanted::from_pairs(query);
    let mut page = ListPage {
        frame,
        wanted: wanted.clone(),
        states: deliveries::STATES,
        problem: None,
        notice: None,
        rows: Vec::new(),
        bulk: None,
        newer: None,
        older: None,
        filtered: !wanted.pairs().is_empty(),
    };
    let (cursor, limit) = match (cursor(query), limit(query)) {
        (Ok(c), Ok(l)) => (c, l),
        (Err(bad), _) | (_, Err(bad)) => return refused(page, bad),
    };
    let filter = match wanted.filter(&admin.caller.allowed_models) {
        Ok(f) => f,
        Err(bad) => return refused(page, bad),
    };
    page.notice = queued(query);
    let store = &console.store;
    let (items, next) = match deliveries::list(store, &filter, limit, cursor).await {
        Ok(found) => found,
        Err(e) => return failed(admin.frame(Nav::Deliveries), &e),
    };
    let sources: Vec<_> = items
        .iter()
        .filter_map(|d| source_of(d["source"].as_str()?))
        .collect();
    let names = match deliveries::source_names(store, &sources).await {
        Ok(n) => n,
        Err(e) => return failed(admin.frame(Nav::Deliveries), &e),
    };
    page.rows = items.iter().map(|d| Row::of(d, &names)).collect();
    let limit_text = limit.to_string();
    let kept: &[(&str, &str)] = match limit {
        PAGE => &[],
        _ => &[("limit", &limit_text)],
    };
    page.older = next.map(|id| {
        let cursor = id.to_string();
        let mut extra = kept.to_vec();
        extra.push(("cursor", &cursor));
        wanted.href("/console/deliveries", &extra)
    });
    page.newer = cursor.map(|_| wanted.href("/console/deliveries", kept));
    page.bulk = Some(match filter.state.as_deref() {
        Some("sending") => Bulk {
            count: 0,
            href: None,
            why_not: Some(
                "Deliveries being sent cannot be retried: their attempt is under way.".into(),
            ),
        },
        _ => match deliveries::count(store, &filter).await {
            Ok(0) => Bulk {
                count: 0,
                href: None,
                why_not: Some(format!(
                    "No delivery to retry: none matches {}.",
                    wanted.describe(true)
                )),
            },
            Ok(count) => Bulk {
                count,
                href: Some(wanted.href("/console/deliveries/retry", &[])),
                why_not: None,
            },
            Err(e) => return failed(admin.frame(Nav::Deliveries), &e),
        },
    });
    page.into_response()
}

/// The list page with the reason a filter was refused, as a 400.
fn refused(mut page: ListPage, bad: BadFilter) -> Response {
    page.problem = Some(bad);
    page.with_status(StatusCode::BAD_REQUEST).into_response()
}

/// The `cursor` of the URL: an id this page gave.
fn cursor(query: &str) -> Result<Option<i64>, BadFilter> {
    let Some((_, text)) =
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "cursor")
    else {
        return Ok(None);
    };
    match text.trim() {
        "" => Ok(None),
        t => t.parse::<i64>().map(Some).map_err(|_| BadFilter {
            field: "cursor",
            message: "is not a cursor this page gave (follow the Older link)".into(),
        }),
    }
}

/// The `limit` of the URL: rows a page.
fn limit(query: &str) -> Result<u64, BadFilter> {
    let Some((_, text)) = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "limit")
    else {
        return Ok(PAGE);
    };
    match text.trim() {
        "" => Ok(PAGE),
        t => t
            .parse::<u64>()
            .ok()
            .filter(|l| (1..=MAX_PAGE).contains(l))
            .ok_or_else(|| BadFilter {
                field: "limit",
                message: format!("must be a whole number from 1 to {MAX_PAGE}"),
            }),
    }
}

/// The notice after a bulk retry: `queued=N`.
fn queued(query: &str) -> Option<String> {
    let (_, n) = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "queued")?;
    match n.parse::<u64>().ok()? {
        1 => Some("1 delivery queued: it will be sent now.".into()),
        n => Some(format!("{n} deliveries queued: they will be sent now.")),
    }
}
