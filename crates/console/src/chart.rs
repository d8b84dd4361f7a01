//! The overview's chart: calls per hour over the last 24 hours as a server-rendered SVG of bars
//! (no chart library, no script). Three bars an hour, coloured by `console.css` classes (`.chart
//! .bar-in` received, `.bar-out` sent, `.bar-failed` failed of either); no `style` attribute, as
//! the Content-Security-Policy forbids them. The same numbers are in the page's table, for screen
//! readers and for anyone who wants the figures.
//!
//! The SVG is built here from numbers and hours alone (nothing a client sent), so the template may
//! insert it as it is.

use chrono::{Duration, NaiveDateTime, Timelike};
use std::fmt::Write;
use weft_logstore::summary::HourCount;

/// Hours in the chart.
pub const HOURS: usize = 24;

/// The drawing's size in SVG units (it scales to the page's width).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 160.0;
/// The bars stand on this line; hour labels go below it.
const BASE: f64 = 140.0;
/// The tallest bar's height.
const TALL: f64 = 130.0;
const SLOT: f64 = WIDTH / HOURS as f64;
const BAR: f64 = 8.0;

/// One hour's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// The hour's start (UTC).
    pub hour: NaiveDateTime,
    /// Calls received (done and failed).
    pub received: i64,
    /// Calls sent: each delivery attempt (done and failed).
    pub sent: i64,
    /// Failed calls, received or sent.
    pub failed: i64,
}

impl Bucket {
    /// `14:00`, as the table and the labels show the hour.
    pub fn label(&self) -> String {
        self.hour.format("%H:00").to_string()
    }

    /// `2026-12-03T14:00:00Z`, for `<time datetime>`.
    pub fn iso(&self) -> String {
        self.hour.format("%Y-%m-%dT%H:00:00Z").to_string()
    }
}

/// The first hour of the chart at `now`: the start of the hour 23 hours before the current one,
/// so the current hour is the last bucket.
pub fn window_start(now: NaiveDateTime) -> NaiveDateTime {
    let hour = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    hour - Duration::hours(HOURS as i64 - 1)
}

/// The 24 buckets from `window_start(now)`, filled from the log's hourly counts (hours outside the
/// window are ignored; hours without logs are zero).
pub fn buckets(now: NaiveDateTime, counts: &[HourCount]) -> Vec<Bucket> {
    let start = window_start(now);
    let mut out: Vec<Bucket> = (0..HOURS)
        .map(|i| Bucket {
            hour: start + Duration::hours(i as i64),
            received: 0,
            sent: 0,
            failed: 0,
        })
        .collect();
    for count in counts {
        let index = (count.hour - start).num_hours();
        if count.hour < start || index >= HOURS as i64 {
            continue;
        }
        let bucket = &mut out[index as usize];
        match count.log_type.as_str() {
            "receive" => bucket.received += count.count,
            _ => bucket.sent += count.count,
        }
        if count.state == "failed" {
            bucket.failed += count.count;
        }
    }
    out
}

/// The height of a bar of `value` when the tallest is `max`.
fn height(value: i64, max: i64) -> f64 {
    if max <= 0 || value <= 0 {
        return 0.0;
    }
    // A bar of one call among thousands still shows.
    (value as f64 / max as f64 * TALL).max(1.0)
}

/// The chart as an `<svg role="img">` with an `aria-label` that sums it up.
pub fn svg(buckets: &[Bucket]) -> String {
    let max = buckets
        .iter()
        .flat_map(|b| [b.received, b.sent, b.failed])
        .max()
        .unwrap_or(0);
    let total = |f: fn(&Bucket) -> i64| buckets.iter().map(f).sum::<i64>();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Calls per hour over the last {n} hours: {} received, {} sent, {} failed">"#,
        total(|b| b.received),
        total(|b| b.sent),
        total(|b| b.failed),
        n = buckets.len(),
    );
    for (i, bucket) in buckets.iter().enumerate() {
        let left = i as f64 * SLOT + (SLOT - 3.0 * BAR - 2.0) / 2.0;
        let bars = [
            ("bar-in", "received", bucket.received),
            ("bar-out", "sent", bucket.sent),
            ("bar-failed", "failed", bucket.failed),
        ];
        for (k, (class, what, value)) in bars.into_iter().enumerate() {
            let h = height(value, max);
            let _ = write!(
                out,
                r#"<rect class="bar {class}" x="{:.1}" y="{:.1}" width="{BAR}" height="{h:.1}"><title>{} {value} {what}</title></rect>"#,
                left + k as f64 * (BAR + 1.0),
                BASE - h,
                bucket.label(),
            );
        }
        if i % 3 == 0 {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                i as f64 * SLOT + SLOT / 2.0,
                BASE + 14.0,
                bucket.label(),
            );
        }
    }
    let _ = write!(
        out,
        r#"<line class="axis" x1="0" y1="{BASE}" x2="{WIDTH}" y2="{BASE}"/></svg>"#
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(h, m, 7)
            .unwrap()
    }

    fn count(hour: NaiveDateTime, log_type: &str, state: &str, n: i64) -> HourCount {
        HourCount {
            hour,
            log_type: log_type.into(),
            state: state.into(),
            count: n,
        }
    }

    /// The `height` attributes of the bars of `class`, in order.
    fn heights(svg: &str, class: &str) -> Vec<f64> {
        svg.split("<rect ")
            .skip(1)
            .filter(|r| r.starts_with(&format!(r#"class="bar {class}""#)))
            .map(|r| {
                let h = r.split(r#"height=""#).nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect()
    }

    #[test]
    fn the_window_is_24_whole_hours_ending_with_the_current_one() {
        let now = at(10, 41);
        assert_eq!(
            window_start(now),
            at(11, 0).with_second(0).unwrap() - Duration::days(1)
        );
        let buckets = buckets(now, &[]);
        assert_eq!(buckets.len(), 24);
        assert_eq!(buckets[23].label(), "10:00");
        assert_eq!(buckets[0].label(), "11:00");
        assert_eq!(buckets[23].iso(), "2026-12-03T10:00:00Z");
    }

    #[test]
    fn counts_land_in_their_hour_and_the_rest_are_dropped() {
        let now = at(10, 41);
        let this_hour = window_start(now) + Duration::hours(23);
        let counts = [
            count(this_hour, "receive", "done", 5),
            count(this_hour, "receive", "failed", 2),
            count(this_hour, "send", "failed", 1),
            count(window_start(now), "send", "done", 4),
            // Before the window and after it (a clock ahead): not shown.
            count(
                window_start(now) - Duration::hours(1),
                "receive",
                "done",
                100,
            ),
            count(this_hour + Duration::hours(1), "receive", "done", 100),
        ];
        let buckets = buckets(now, &counts);
        assert_eq!(
            (buckets[23].received, buckets[23].sent, buckets[23].failed),
            (7, 1, 3)
        );
        assert_eq!(
            (buckets[0].received, buckets[0].sent, buckets[0].failed),
            (0, 4, 0)
        );
        let total: i64 = buckets.iter().map(|b| b.received + b.sent).sum();
        assert_eq!(total, 12);
    }

    #[test]
    fn bars_scale_to_the_tallest_and_a_single_call_still_shows() {
        let now = at(10, 41);
        let last = window_start(now) + Duration::hours(23);
        let counts = [
            count(last, "receive", "done", 1000),
            count(last - Duration::hours(1), "receive", "done", 500),
            count(last, "send", "failed", 1),
        ];
        let svg = svg(&buckets(now, &counts));
        let received = heights(&svg, "bar-in");
        assert_eq!(received.len(), 24);
        assert_eq!(received[23], TALL);
        assert_eq!(received[22], TALL / 2.0);
        assert_eq!(received[0], 0.0);
        assert_eq!(heights(&svg, "bar-out")[23], 1.0);
        assert_eq!(heights(&svg, "bar-failed")[23], 1.0);
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("1500 received, 1 sent, 1 failed"), "{svg}");
        assert!(svg.contains("<title>10:00 1000 received</title>"));
        assert!(!svg.contains("style="));
    }

    #[test]
    fn an_empty_day_draws_24_hours_of_flat_bars() {
        let svg = svg(&buckets(at(0, 0), &[]));
        for class in ["bar-in", "bar-out", "bar-failed"] {
            let h = heights(&svg, class);
            assert_eq!(h.len(), 24, "{class}");
            assert!(h.iter().all(|h| *h == 0.0));
        }
        assert!(svg.contains("0 received, 0 sent, 0 failed"));
        assert!(!svg.contains("NaN"));
        // A label every three hours.
        assert_eq!(svg.matches("<text ").count(), 8);
    }
}
