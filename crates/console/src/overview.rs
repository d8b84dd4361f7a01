//! `GET /console`: the last 24 hours at a glance. Calls received and sent, done and failed; the
//! outbox now (pending, sending, dead, how long the oldest due delivery has waited); the latest
//! failures, calls and deliveries, each a link to its page; and calls per hour as a chart with its
//! table. A handful of queries, each an index range (`weft_logstore::summary`,
//! `weft_outbound::deliveries::queue`), whatever the size of the log.
//!
//! Open circuits are this instance's dispatcher's (`Console::circuits`); without one the card
//! says so.

use crate::Console;
use crate::chart::{self, Bucket};
use crate::frame::{Frame, Nav, When};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Duration, NaiveDateTime, Utc};
use poem::http::StatusCode;
use poem::web::Data;
use poem::{Error, handler};
use sea_orm::ConnectionTrait;
use std::collections::BTreeMap;
use std::sync::Mutex;
use weft_logstore::summary::{self, HourCount};
use weft_outbound::deliveries;

/// Failures listed, calls and deliveries together.
const FAILURES: u64 = 10;
/// A failure's text is cut to this many characters.
const DETAIL: usize = 120;

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
struct OverviewPage {
    frame: Frame,
    since: When,
    cards: Cards,
    failures: Vec<Failure>,
    buckets: Vec<Bucket>,
    svg: String,
}

/// The figures of the cards.
struct Cards {
    receive_done: i64,
    receive_failed: i64,
    send_done: i64,
    send_failed: i64,
    queue: deliveries::Queue,
    /// Target URLs whose circuit is open now; None without a dispatcher in this process.
    open_circuits: Option<usize>,
    /// `4 min`, or None when nothing is due.
    oldest_due: Option<String>,
    oldest_due_at: Option<When>,
}

/// A failed call or a dead delivery.
struct Failure {
    /// `call` or `delivery`.
    kind: &'static str,
    id: i64,
    href: String,
    at: NaiveDateTime,
    when: When,
    /// The route called or the URL posted to.
    what: String,
    model: String,
    res_id: Option<i64>,
    detail: String,
}

#[handler]
pub async fn page(admin: Admin, console: Data<&Console>) -> poem::Result<OverviewPage> {
    console.logs.flush().await;
    let now = Utc::now().naive_utc();
    let since = chart::window_start(now);
    let conn = console.store.connection();
    let counts = hourly(conn, since, now).await.map_err(failed)?;
    let queue = deliveries::queue(&console.store).await.map_err(failed)?;
    let mut failures: Vec<Failure> = summary::latest_failed(conn, since, FAILURES)
        .await
        .map_err(failed)?
        .into_iter()
        .map(|log| Failure {
            kind: "call",
            id: log.id,
            href: format!("/console/logs/{}", log.id),
            at: log.create_date,
            when: When::of(log.create_date),
            what: format!("{} {}", log.log_type, log.route),
            model: log.model.unwrap_or_default(),
            res_id: log.res_id,
            detail: cut(&log.response_preview),
        })
        .collect();
    let dead = deliveries::latest_dead(&console.store, FAILURES)
        .await
        .map_err(failed)?;
    failures.extend(dead.into_iter().map(|d| {
        let at = d.finished_at.unwrap_or(d.create_date);
        Failure {
            kind: "delivery",
            id: d.id,
            href: format!("/console/deliveries/{}", d.id),
            at,
            when: When::of(at),
            what: weft_logstore::redact::text(&d.url).into_owned(),
            model: d.model,
            res_id: Some(d.res_id),
            detail: cut(&d.last_error.unwrap_or_else(|| match d.last_status {
                Some(status) => format!("HTTP {status}"),
                None => String::new(),
            })),
        }
    }));
    failures.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
    failures.truncate(FAILURES as usize);

    let total = |log_type: &str, state: &str| {
        counts
            .iter()
            .filter(|c| c.log_type == log_type && c.state == state)
            .map(|c| c.count)
            .sum::<i64>()
    };
    let age = queue
        .oldest_due
        .map(|_| duration(queue.oldest_due_age(now)));
    let cards = Cards {
        receive_done: total("receive", "done"),
        receive_failed: total("receive", "failed"),
        send_done: total("send", "done"),
        send_failed: total("send", "failed"),
        oldest_due: age,
        oldest_due_at: queue.oldest_due.map(When::of),
        queue,
        open_circuits: console.circuits.as_ref().map(|c| {
            c.snapshot()
                .iter()
                .filter(|v| matches!(v.state, weft_outbound::circuit::CircuitState::Open { .. }))
                .count()
        }),
    };
    let buckets = chart::buckets(now, &counts);
    Ok(OverviewPage {
        frame: admin.frame(Nav::Overview),
        since: When::of(since),
        cards,
        failures,
        svg: chart::svg(&buckets),
        buckets,
    })
}

/// The counts of the hours that are over, which no longer change: kept, so that a page counts
/// only the logs of the current hour (a few thousand index entries) rather than a day's (86,400 at
/// one call a second; 40 ms on PostgreSQL). One process serves one database.
static CLOSED_HOURS: Mutex<BTreeMap<NaiveDateTime, Vec<HourCount>>> = Mutex::new(BTreeMap::new());
/// An hour is over once the log writer has stored its last calls: a while after its end.
const GRACE: Duration = Duration::minutes(2);

/// The counts of the chart's hours from `start`: the closed hours from `CLOSED_HOURS` (counted
/// once), the open ones from the log.
async fn hourly(
    conn: &impl ConnectionTrait,
    start: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<HourCount>, weft_logstore::LogError> {
    let hours: Vec<NaiveDateTime> = (0..chart::HOURS as i64)
        .map(|i| start + Duration::hours(i))
        .collect();
    let closed = |hour: NaiveDateTime| hour + Duration::hours(1) + GRACE <= now;
    let missing: Vec<NaiveDateTime> = {
        let mut cache = CLOSED_HOURS.lock().expect("the hours' lock");
        cache.retain(|hour, _| *hour >= start);
        hours
            .iter()
            .copied()
            .filter(|h| closed(*h) && !cache.contains_key(h))
            .collect()
    };
    if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
        let n = (*last - *first).num_hours() as u32 + 1;
        let mut counted: BTreeMap<NaiveDateTime, Vec<HourCount>> = BTreeMap::new();
        for count in summary::hourly(conn, *first, n).await? {
            counted.entry(count.hour).or_default().push(count);
        }
        let mut cache = CLOSED_HOURS.lock().expect("the hours' lock");
        cache.extend(counted.into_iter().filter(|(hour, _)| closed(*hour)));
    }
    let open = hours
        .iter()
        .position(|h| !closed(*h))
        .unwrap_or(hours.len());
    let mut out: Vec<HourCount> = {
        let cache = CLOSED_HOURS.lock().expect("the hours' lock");
        hours[..open]
            .iter()
            .filter_map(|h| cache.get(h))
            .flatten()
            .cloned()
            .collect()
    };
    if open < hours.len() {
        let n = (hours.len() - open) as u32;
        out.extend(summary::hourly(conn, hours[open], n).await?);
    }
    Ok(out)
}

fn failed(e: impl std::fmt::Display) -> Error {
    tracing::error!(error = %e, "reading the overview failed");
    Error::from_status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The first `DETAIL` characters of `text`, with an ellipsis when cut.
fn cut(text: &str) -> String {
    match text.char_indices().nth(DETAIL) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
fn duration(seconds: i64) -> String {
    match seconds {
        ..60 => format!("{} s", seconds.max(0)),
        60..3_600 => format!("{} min", seconds / 60),
        3_600..86_400 => format!("{} h {} min", seconds / 3_600, seconds % 3_600 / 60),
        _ => format!("{} d {} h", seconds / 86_400, seconds % 86_400 / 3_600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_cut_texts_read_plainly() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(720), "12 min");
        assert_eq!(duration(3 * 3600 + 300), "3 h 5 min");
        assert_eq!(duration(2 * 86_400 + 4 * 3600), "2 d 4 h");
        assert_eq!(cut("short"), "short");
        let long = "é".repeat(200);
        assert_eq!(cut(&long).chars().count(), DETAIL + 1);
    }
}
