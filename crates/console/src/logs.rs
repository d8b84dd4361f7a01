//! `GET /console/logs`: the API log (ecosoft's list and more), newest first. Every filter lives in
//! the URL (a GET form), so a filtered list can be shared, reopened and gone back to; paging is by
//! the log store's keyset cursor, so page 100 costs what page 1 does. The detail, the Full Log and
//! its download are in `detail`.

mod detail;

use crate::Console;
use crate::frame::{Frame, Nav, When};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Duration, NaiveDateTime, Utc};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, Route, get, handler};
use serde::Deserialize;
use weft_logstore::Filter;
use weft_logstore::entity::api_log;

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;
/// Characters of a preview a list cell shows (the detail shows all of it).
const CELL_CHARS: usize = 160;

/// The log pages, nested at `/console/logs`.
pub fn routes() -> Route {
    Route::new()
        .at("/", get(list))
        .at("/:id", get(detail::page))
        .at("/:id/full", get(detail::full))
        .at("/:id/full.json", get(detail::download))
}

/// The date presets of the "When" filter: value, label, how far back.
const PERIODS: [(&str, &str, Option<i64>); 5] = [
    ("", "Any time", None),
    ("1h", "Last hour", Some(1)),
    ("24h", "Last 24 hours", Some(24)),
    ("7d", "Last 7 days", Some(24 * 7)),
    ("custom", "Custom range (UTC)", None),
];

/// The list's query, as typed (trimmed): the form shows it back, the links carry it on.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct Params {
    #[serde(rename = "type")]
    pub log_type: String,
    pub state: String,
    pub route: String,
    pub model: String,
    pub res_id: String,
    pub period: String,
    pub since: String,
    pub until: String,
    pub q: String,
    pub limit: String,
    pub cursor: String,
}

/// A filter value the list cannot use, and the field it was typed in.
struct Invalid(String);

impl Params {
    fn of(req: &Request) -> Params {
        let mut p: Params = req.params().unwrap_or_default();
        for field in [
            &mut p.log_type,
            &mut p.state,
            &mut p.route,
            &mut p.model,
            &mut p.res_id,
            &mut p.period,
            &mut p.since,
            &mut p.until,
            &mut p.q,
            &mut p.limit,
            &mut p.cursor,
        ] {
            *field = field.trim().to_string();
        }
        p
    }

    /// A custom range: `since`/`until` apply (a preset replaces them).
    fn custom(&self) -> bool {
        self.period == "custom" || self.period.is_empty()
    }

    /// What the log store looks for, and the page size; or what is wrong, naming the field.
    fn filter(&mut self, now: NaiveDateTime) -> Result<(Filter, u64), Invalid> {
        let one_of =
            |label: &str, value: &str, allowed: &[&str]| -> Result<Option<String>, Invalid> {
                match value {
                    "" => Ok(None),
                    v if allowed.contains(&v) => Ok(Some(v.to_string())),
                    v => Err(Invalid(format!(
                        "{label}: '{v}' is not one of {}.",
                        allowed.join(", ")
                    ))),
                }
            };
        let mut filter = Filter {
            log_type: one_of("Type", &self.log_type, &["receive", "send"])?,
            state: one_of("State", &self.state, &["done", "failed"])?,
            route: some(&self.route),
            model: some(&self.model),
            q: some(&self.q),
            ..Filter::default()
        };
        if !self.res_id.is_empty() {
            let id = self.res_id.parse::<i64>().map_err(|_| {
                Invalid(format!(
                    "Record id: '{}' is not a whole number.",
                    self.res_id
                ))
            })?;
            filter.res_id = Some(id);
        }
        let Some((_, _, back)) = PERIODS.iter().find(|(v, ..)| *v == self.period) else {
            return Err(Invalid(format!(
                "When: '{}' is not a period (1h, 24h, 7d or custom).",
                self.period
            )));
        };
        if let Some(hours) = back {
            filter.since = Some(now - Duration::hours(*hours));
            self.since.clear();
            self.until.clear();
        } else if self.custom() {
            filter.since = time("Since", &mut self.since)?;
            filter.until = time("Until", &mut self.until)?;
            if let (Some(since), Some(until)) = (filter.since, filter.until)
                && since >= until
            {
                return Err(Invalid("Until: must be after Since.".into()));
            }
        }
        if !self.cursor.is_empty() {
            let before = self.cursor.parse::<i64>().map_err(|_| {
                Invalid(format!(
                    "Cursor: '{}' is not a cursor this page gave.",
                    self.cursor
                ))
            })?;
            filter.before = Some(before);
        }
        let limit = match self.limit.as_str() {
            "" => DEFAULT_LIMIT,
            text => match text.parse::<u64>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    return Err(Invalid(format!(
                        "Page size: '{text}' is not a number from 1 to {MAX_LIMIT}."
                    )));
                }
            },
        };
        Ok((filter, limit))
    }

    /// The filters (not the cursor) as a query string, for the links that keep them.
    pub fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        let custom = self.custom();
        let pairs = [
            ("type", &self.log_type, true),
            ("state", &self.state, true),
            ("route", &self.route, true),
            ("model", &self.model, true),
            ("res_id", &self.res_id, true),
            ("period", &self.period, true),
            ("since", &self.since, custom),
            ("until", &self.until, custom),
            ("q", &self.q, true),
            ("limit", &self.limit, true),
        ];
        for (name, value, kept) in pairs {
            if kept && !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        query.finish()
    }

    fn any(&self) -> bool {
        !self.query().is_empty()
    }
}

fn some(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

/// A time typed in `field` (`YYYY-MM-DD[ HH:MM[:SS]]`, or a browser's `YYYY-MM-DDTHH:MM[:SS]`),
/// read as UTC; the field is rewritten as the form's input shows it.
fn time(label: &str, field: &mut String) -> Result<Option<NaiveDateTime>, Invalid> {
    if field.is_empty() {
        return Ok(None);
    }
    let at = weft_registry::value::parse_datetime(&field.replacen('T', " ", 1)).map_err(|_| {
        Invalid(format!(
            "{label}: '{field}' is not a date and time (YYYY-MM-DD HH:MM, UTC)."
        ))
    })?;
    *field = at.format("%Y-%m-%dT%H:%M:%S").to_string();
    Ok(Some(at))
}

/// `/console/logs?model=M&res_id=ID`: the logs of one record.
pub fn record_href(model: &str, res_id: i64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("model", model)
        .append_pair("res_id", &res_id.to_string());
    format!("/console/logs?{}", query.finish())
}

/// One row of the list.
pub struct Row {
    pub id: i64,
    pub when: When,
    pub log_type: String,
    pub route: String,
    pub function_name: String,
    pub model: String,
    /// `model #id` and the link to its logs.
    pub record: Option<(String, String)>,
    pub state: String,
    pub request: String,
    pub response: String,
    pub request_size: String,
    pub response_size: String,
    pub duration: String,
    pub has_payload: bool,
}

impl Row {
    fn of(log: api_log::Model) -> Row {
        let record = match (&log.res_model, log.res_id) {
            (Some(model), Some(id)) => Some((format!("{model} #{id}"), record_href(model, id))),
            _ => None,
        };
        Row {
            id: log.id,
            when: When::of(log.create_date),
            record,
            request: cell(&log.request_preview),
            response: cell(&log.response_preview),
            request_size: count(log.request_size),
            response_size: count(log.response_size),
            duration: duration(log.duration_ms),
            model: log.model.unwrap_or_default(),
            log_type: log.log_type,
            route: log.route,
            function_name: log.function_name,
            state: log.state,
            has_payload: log.has_payload,
        }
    }
}

/// The start of a preview, for a table cell: from the call's `vals` when it has some (the
/// JSON-RPC envelope before them is the same on every row).
fn cell(preview: &str) -> String {
    let preview = match preview.find("\"vals\":") {
        Some(at) => &preview[at..],
        None => preview,
    };
    match preview.char_indices().nth(CELL_CHARS) {
        None => preview.to_string(),
        Some((at, _)) => format!("{}…", &preview[..at]),
    }
}

/// `12,345`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `0.8 ms`, `12 ms`, `1.25 s`.
pub fn duration(ms: f64) -> String {
    if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// A choice of a select: value, label, chosen.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn choices(options: &[(&'static str, &'static str)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: *value == chosen,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "logs.html")]
struct LogsPage {
    frame: Frame,
    params: Params,
    types: Vec<Choice>,
    states: Vec<Choice>,
    periods: Vec<Choice>,
    routes: Vec<String>,
    error: Option<String>,
    rows: Vec<Row>,
    /// The query of the filters, for the links.
    query: String,
    older: Option<String>,
    newest: Option<String>,
    filtered: bool,
}

/// `GET /console/logs`.
#[handler]
pub async fn list(req: &Request, admin: Admin, console: Data<&Console>) -> Response {
    let mut params = Params::of(req);
    let parsed = params.filter(Utc::now().naive_utc());
    let mut page = LogsPage {
        frame: admin.frame(Nav::Logs),
        types: choices(
            &[("", "Any"), ("receive", "Receive"), ("send", "Send")],
            &params.log_type,
        ),
        states: choices(
            &[("", "Any"), ("done", "Done"), ("failed", "Failed")],
            &params.state,
        ),
        periods: choices(
            &PERIODS.map(|(value, label, _)| (value, label)),
            &params.period,
        ),
        routes: weft_inbound::call::Route::ALL
            .iter()
            .map(|r| format!("/api/{}", r.name()))
            .collect(),
        error: None,
        rows: Vec::new(),
        query: params.query(),
        older: None,
        newest: None,
        filtered: params.any(),
        params: params.clone(),
    };
    let (mut filter, limit) = match parsed {
        Ok(found) => found,
        Err(Invalid(message)) => {
            page.error = Some(message);
            return page.with_status(StatusCode::BAD_REQUEST).into_response();
        }
    };
    filter.models = admin.caller.allowed_models.clone();
    console.logs.flush().await;
    let (rows, next) = match weft_logstore::list(console.store.connection(), &filter, limit).await {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e, "listing logs for the console failed");
            page.error = Some("The logs could not be read (see the server log).".into());
            return page
                .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response();
        }
    };
    let with = |extra: String| {
        let query = [page.query.as_str(), extra.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("&");
        if query.is_empty() {
            "/console/logs".to_string()
        } else {
            format!("/console/logs?{query}")
        }
    };
    page.older = next.map(|id| with(format!("cursor={id}")));
    page.newest = filter.before.map(|_| with(String::new()));
    page.rows = rows.into_iter().map(Row::of).collect();
    page.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_urlencoded_like(&query)
    }

    fn serde_urlencoded_like(query: &str) -> Params {
        let mut p = Params::default();
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let v = v.to_string();
            match k.as_ref() {
                "type" => p.log_type = v,
                "res_id" => p.res_id = v,
                "period" => p.period = v,
                "since" => p.since = v,
                "until" => p.until = v,
                "limit" => p.limit = v,
                _ => {}
            }
        }
        p
    }

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    #[test]
    fn bad_values_name_their_field() {
        for (pairs, field) in [
            (vec![("res_id", "abc")], "Record id"),
            (vec![("type", "sent")], "Type"),
            (vec![("since", "yesterday")], "Since"),
            (vec![("period", "2w")], "When"),
            (vec![("limit", "501")], "Page size"),
            (
                vec![("since", "2026-12-02"), ("until", "2026-12-01")],
                "Until",
            ),
        ] {
            let Err(Invalid(message)) = params(&pairs).filter(now()) else {
                panic!("{pairs:?} accepted");
            };
            assert!(message.starts_with(field), "{message}");
        }
    }

    #[test]
    fn presets_and_ranges_become_times_and_stay_in_the_links() {
        let mut p = params(&[("period", "24h"), ("since", "2026-01-01")]);
        let (filter, limit) = p.filter(now()).ok().unwrap();
        assert_eq!(filter.since, Some(now() - Duration::hours(24)));
        assert_eq!(limit, 50);
        assert_eq!(p.query(), "period=24h");
        let mut p = params(&[("since", "2026-11-30T08:15"), ("limit", "5")]);
        let (filter, limit) = p.filter(now()).ok().unwrap();
        assert_eq!(filter.since.unwrap().to_string(), "2026-11-30 08:15:00");
        assert_eq!(limit, 5);
        assert_eq!(p.query(), "since=2026-11-30T08%3A15%3A00&limit=5");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(2004), "2,004");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(duration(0.84), "0.8 ms");
        assert_eq!(duration(123.4), "123 ms");
        assert_eq!(duration(1250.0), "1.25 s");
        assert_eq!(cell(&"x".repeat(200)).chars().count(), CELL_CHARS + 1);
        assert_eq!(
            cell(r#"{"id":1,"params":{"model":"res.partner","vals":{"name":"A"}}}"#),
            r#""vals":{"name":"A"}}}"#
        );
    }
}
