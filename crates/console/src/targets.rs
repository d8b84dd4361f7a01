//! `GET /console/targets`: each outbound URL with its circuit's state (this instance's
//! dispatcher), whether a person paused it, its failure rate and last error over the last 24
//! hours, what is in flight, waiting and dead, and links to its deliveries. `POST
//! /console/targets/pause` and `/resume` (a `url` field) pause and resume one, then come back
//! here with a notice. The figures come from `weft_outbound::target`, the circuits from
//! `Circuits::snapshot`.

use crate::Console;
use crate::frame::{Frame, Nav, When, see_other};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use serde::Deserialize;
use std::collections::HashMap;
use weft_outbound::circuit::{CircuitState, CircuitView};
use weft_outbound::target::{self, PauseError, TargetStats};

/// The window of the failure figures.
const WINDOW_HOURS: i64 = 24;

/// The most targets the page lists: those with the most dead deliveries and failures, then the
/// most recently attempted (an integration can make any number of callback URLs).
const MAX_ROWS: usize = 200;

pub fn routes() -> Route {
    Route::new()
        .at("/", get(page))
        .at("/pause", post(pause))
        .at("/resume", post(resume))
}

/// One target as the page shows it.
struct Row {
    /// As shown: its secrets masked (`weft_logstore::redact::text`).
    shown: String,
    /// As the forms and links send it back.
    url: String,
    last_attempt_at: Option<chrono::NaiveDateTime>,
    sources: Vec<String>,
    /// `closed`, `open`, `half-open`, or `unknown` without a dispatcher here.
    circuit: &'static str,
    open_until: Option<When>,
    failures_in_a_row: u32,
    paused: Option<Paused>,
    attempts: i64,
    failures: i64,
    /// `25 %`, or an empty string without attempts.
    failure_rate: String,
    last_error: Option<String>,
    last_error_at: Option<When>,
    in_flight: usize,
    pending: i64,
    sending: i64,
    dead: i64,
    /// `/console/deliveries?url=...`, all and dead only.
    deliveries_link: String,
    dead_link: String,
}

struct Paused {
    by: String,
    since: When,
    note: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "targets.html")]
struct TargetsPage {
    frame: Frame,
    rows: Vec<Row>,
    /// The targets left out by `MAX_ROWS`.
    hidden: usize,
    /// This instance runs a dispatcher, so the circuit states are known.
    dispatching: bool,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    notice: Option<String>,
    url: Option<String>,
}

#[handler]
pub async fn page(admin: Admin, console: Data<&Console>, query: Query<Notice>) -> Response {
    let notice = query.notice.clone().map(|kind| Wanted {
        kind,
        url: query.url.clone(),
    });
    render(&admin, &console, notice, None).await
}

/// The notice asked for by the redirect after a pause or resume. Its URL is named only when it
/// is one of the listed targets, so a link cannot make the page say what its author wants.
struct Wanted {
    kind: String,
    url: Option<String>,
}

impl Wanted {
    fn text(&self, rows: &[Row]) -> Option<String> {
        let listed = self
            .url
            .as_deref()
            .and_then(|url| rows.iter().find(|r| r.url == url))
            .map(|r| r.shown.as_str());
        let text = match (self.kind.as_str(), listed) {
            ("paused", Some(url)) => format!(
                "Paused {url}: its deliveries wait, nothing is sent to it until you resume it."
            ),
            ("paused", None) => "Paused the target.".into(),
            ("already-paused", Some(url)) => format!("{url} was paused already."),
            ("already-paused", None) => "The target was paused already.".into(),
            ("resumed", Some(url)) => {
                format!("Resumed {url}: its waiting deliveries are sent now.")
            }
            ("resumed", None) => "Resumed the target.".into(),
            ("not-paused", Some(url)) => format!("{url} was not paused."),
            ("not-paused", None) => "The target was not paused.".into(),
            _ => return None,
        };
        Some(text)
    }
}

async fn render(
    admin: &Admin,
    console: &Console,
    notice: Option<Wanted>,
    error: Option<(StatusCode, String)>,
) -> Response {
    let since = chrono::Utc::now().naive_utc() - chrono::Duration::hours(WINDOW_HOURS);
    let stats = match target::targets(&console.store, since).await {
        Ok(stats) => stats,
        Err(e) => {
            tracing::error!(error = %e, "reading the targets failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The targets could not be read (see the server log).",
            )
                .into_response();
        }
    };
    let mut circuits: HashMap<String, CircuitView> = console
        .circuits
        .as_ref()
        .map(|c| c.snapshot())
        .unwrap_or_default()
        .into_iter()
        .map(|v| (v.url.clone(), v))
        .collect();
    let mut rows: Vec<Row> = stats
        .into_iter()
        .map(|t| {
            let circuit = circuits.remove(&t.url);
            row(t, circuit, console.circuits.is_some())
        })
        .collect();
    // A URL this instance sent to whose deliveries are all purged still has a circuit.
    rows.extend(circuits.into_values().map(|view| {
        let stats = TargetStats {
            url: view.url.clone(),
            ..TargetStats::default()
        };
        row(stats, Some(view), true)
    }));
    rows.sort_by(|a, b| {
        (b.dead + b.failures)
            .cmp(&(a.dead + a.failures))
            .then(b.last_attempt_at.cmp(&a.last_attempt_at))
            .then_with(|| a.url.cmp(&b.url))
    });
    let hidden = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    let notice = notice.and_then(|n| n.text(&rows));
    let view = TargetsPage {
        frame: admin.frame(Nav::Targets),
        rows,
        hidden,
        dispatching: console.circuits.is_some(),
        notice,
        error: error.as_ref().map(|(_, e)| e.clone()),
    };
    match error {
        Some((status, _)) => view.with_status(status).into_response(),
        None => view.into_response(),
    }
}

fn row(t: TargetStats, circuit: Option<CircuitView>, dispatching: bool) -> Row {
    let encoded = encode(&t.url);
    let (state, open_until, failures_in_a_row, in_flight) = match circuit {
        Some(c) => {
            let until = match c.state {
                CircuitState::Open { until } => Some(When::of(until)),
                _ => None,
            };
            (c.state.as_str(), until, c.failures, c.in_flight)
        }
        None if dispatching => ("closed", None, 0, 0),
        None => ("unknown", None, 0, 0),
    };
    Row {
        sources: t.sources.clone(),
        circuit: state,
        open_until,
        failures_in_a_row,
        paused: t.pause.as_ref().map(|p| Paused {
            by: p
                .login
                .clone()
                .unwrap_or_else(|| format!("user {}", p.paused_by)),
            since: When::of(p.paused_at),
            note: p.note.clone(),
        }),
        attempts: t.attempts,
        failures: t.failures,
        failure_rate: t
            .failure_rate()
            .map(|r| format!("{} %", (r * 100.0).round()))
            .unwrap_or_default(),
        last_error: t.last_error.clone(),
        last_error_at: t.last_error_at.map(When::of),
        in_flight,
        pending: t.pending,
        sending: t.sending,
        dead: t.dead,
        deliveries_link: format!("/console/deliveries?url={encoded}"),
        dead_link: format!("/console/deliveries?url={encoded}&state=dead"),
        shown: weft_logstore::redact::text(&t.url).into_owned(),
        last_attempt_at: t.last_attempt_at,
        url: t.url,
    }
}

fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn back(notice: &str, url: &str) -> Response {
    see_other(&format!(
        "/console/targets?notice={notice}&url={}",
        encode(url)
    ))
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    url: String,
    note: Option<String>,
}

/// `POST /console/targets/pause`: nothing more is sent to the URL until it is resumed.
#[handler]
pub async fn pause(admin: Admin, console: Data<&Console>, form: Form<TargetForm>) -> Response {
    let url = form.url.trim();
    match target::pause(&console.store, url, admin.caller.uid, form.note.as_deref()).await {
        Ok(true) => {
            let url_shown = weft_logstore::redact::text(url);
            tracing::info!(url = %url_shown, by = %admin.caller.login, "target paused");
            back("paused", url)
        }
        Ok(false) => back("already-paused", url),
        Err(PauseError::Store(e)) => {
            tracing::error!(error = %e, "pausing a target failed");
            let message = "The target could not be paused (see the server log).".to_string();
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            render(&admin, &console, None, Some((status, message))).await
        }
        Err(e) => {
            let message = format!("url: {e}; choose a target's Pause button.");
            render(
                &admin,
                &console,
                None,
                Some((StatusCode::BAD_REQUEST, message)),
            )
            .await
        }
    }
}

/// `POST /console/targets/resume`: the URL's waiting deliveries go out now.
#[handler]
pub async fn resume(admin: Admin, console: Data<&Console>, form: Form<TargetForm>) -> Response {
    let url = form.url.trim();
    if url.is_empty() {
        let message = "url: the URL is empty; choose a target's Resume button.".to_string();
        return render(
            &admin,
            &console,
            None,
            Some((StatusCode::BAD_REQUEST, message)),
        )
        .await;
    }
    match target::resume(&console.store, url).await {
        Ok(true) => {
            console.outbox_wake.notify_one();
            let url_shown = weft_logstore::redact::text(url);
            tracing::info!(url = %url_shown, by = %admin.caller.login, "target resumed");
            back("resumed", url)
        }
        Ok(false) => back("not-paused", url),
        Err(e) => {
            tracing::error!(error = %e, "resuming a target failed");
            let message = "The target could not be resumed (see the server log).".to_string();
            let status = StatusCode::INTERNAL_SERVER_ERROR;
            render(&admin, &console, None, Some((status, message))).await
        }
    }
}
