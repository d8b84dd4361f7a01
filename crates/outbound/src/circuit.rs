//! Per-URL protection (DESIGN.md §6): at most `per_url` requests in flight to one URL, so one slow
//! receiver cannot take every connection; and a circuit that opens after `threshold` failures in
//! a row, pausing that URL (its deliveries wait, their retries untouched) for a while that doubles
//! on each reopening, up to `MAX_PAUSE`. A success closes it. `snapshot` shows each URL's state
//! (the console's Targets page): closed, open until a time, or half-open (the pause is over and
//! the next answer decides).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

const MAX_PAUSE: Duration = Duration::from_secs(600);

pub struct Circuits {
    per_url: usize,
    threshold: u32,
    pause: Duration,
    urls: Mutex<HashMap<String, UrlState>>,
}

struct UrlState {
    slots: Arc<Semaphore>,
    failures: u32,
    open_until: Option<Instant>,
    /// The pause the next opening gets.
    next_pause: Duration,
}

/// A URL's circuit as `Circuits::snapshot` saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitView {
    pub url: String,
    pub state: CircuitState,
    /// Failures in a row since the last success or opening.
    pub failures: u32,
    /// Requests to the URL in flight from this process.
    pub in_flight: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CircuitState {
    /// Sending as usual.
    Closed,
    /// Nothing is sent until then (UTC); its deliveries wait, their retries untouched.
    Open { until: chrono::NaiveDateTime },
    /// The pause is over but no success yet: the next answer closes it, or a failure reopens
    /// it for twice as long.
    HalfOpen,
}

impl CircuitState {
    /// `closed`, `open` or `half-open` (the console's badge classes).
    pub fn as_str(&self) -> &'static str {
        match self {
            CircuitState::Closed => "closed",
            CircuitState::Open { .. } => "open",
            CircuitState::HalfOpen => "half-open",
        }
    }
}

impl Circuits {
    pub fn new(per_url: usize, threshold: u32, pause: Duration) -> Circuits {
        Circuits {
            per_url: per_url.max(1),
            threshold: threshold.max(1),
            pause,
            urls: Mutex::new(HashMap::new()),
        }
    }

    fn with<R>(&self, url: &str, work: impl FnOnce(&mut UrlState) -> R) -> R {
        let mut urls = self.urls.lock().expect("circuits lock");
        let state = urls.entry(url.to_string()).or_insert_with(|| UrlState {
            slots: Arc::new(Semaphore::new(self.per_url)),
            failures: 0,
            open_until: None,
            next_pause: self.pause,
        });
        work(state)
    }

    /// When the circuit of `url` is open: until when.
    pub fn open_until(&self, url: &str) -> Option<Instant> {
        self.with(url, |s| {
            s.open_until.filter(|until| *until > Instant::now())
        })
    }

    /// Wait for one of the URL's slots.
    pub async fn slot(&self, url: &str) -> OwnedSemaphorePermit {
        let slots = self.with(url, |s| s.slots.clone());
        slots.acquire_owned().await.expect("never closed")
    }

    pub fn succeeded(&self, url: &str) {
        self.with(url, |s| {
            s.failures = 0;
            s.open_until = None;
            s.next_pause = self.pause;
        });
    }

    /// Every URL this process has sent to, by URL: its circuit's state, failures in a row, and
    /// requests in flight now.
    pub fn snapshot(&self) -> Vec<CircuitView> {
        let now = Instant::now();
        let wall = chrono::Utc::now().naive_utc();
        let urls = self.urls.lock().expect("circuits lock");
        let mut views: Vec<CircuitView> = urls
            .iter()
            .map(|(url, s)| CircuitView {
                url: url.clone(),
                state: match s.open_until {
                    None => CircuitState::Closed,
                    Some(until) if until > now => CircuitState::Open {
                        until: wall + chrono::Duration::from_std(until - now).unwrap_or_default(),
                    },
                    Some(_) => CircuitState::HalfOpen,
                },
                failures: s.failures,
                in_flight: self.per_url - s.slots.available_permits().min(self.per_url),
            })
            .collect();
        views.sort_by(|a, b| a.url.cmp(&b.url));
        views
    }

    /// Count a failure; returns when the circuit opened, if this failure opened it.
    pub fn failed(&self, url: &str) -> Option<Instant> {
        self.with(url, |s| {
            // Requests already in flight when it opened fail too: they do not open it again.
            if s.open_until.is_some_and(|until| until > Instant::now()) {
                return None;
            }
            s.failures += 1;
            if s.failures < self.threshold {
                return None;
            }
            let until = Instant::now() + s.next_pause;
            s.open_until = Some(until);
            s.next_pause = (s.next_pause * 2).min(MAX_PAUSE);
            s.failures = 0;
            Some(until)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_the_threshold_and_a_success_closes_it() {
        let c = Circuits::new(2, 3, Duration::from_secs(30));
        assert!(c.failed("u").is_none());
        assert!(c.failed("u").is_none());
        assert!(c.open_until("u").is_none());
        let until = c.failed("u").expect("opened at the third failure");
        assert_eq!(c.open_until("u"), Some(until));
        assert!(c.open_until("other").is_none(), "per URL");
        c.succeeded("u");
        assert!(c.open_until("u").is_none());
    }

    #[test]
    fn each_reopening_pauses_longer() {
        let c = Circuits::new(2, 1, Duration::from_secs(10));
        let first = c.failed("u").unwrap();
        assert!(
            c.failed("u").is_none(),
            "failures while open do not reopen it"
        );
        c.with("u", |s| s.open_until = Some(Instant::now()));
        let second = c.failed("u").unwrap();
        assert!(second > first, "reopened after the pause");
        assert_eq!(
            c.with("u", |s| s.next_pause),
            Duration::from_secs(40),
            "10 s, 20 s, then 40 s"
        );
    }

    #[tokio::test]
    async fn the_snapshot_shows_each_state_failures_and_requests_in_flight() {
        let c = Circuits::new(3, 2, Duration::from_secs(30));
        assert!(c.snapshot().is_empty(), "no URL sent to yet");
        c.succeeded("https://b.example/");
        assert!(c.failed("https://a.example/").is_none());
        let _slot = c.slot("https://b.example/").await;
        let views = c.snapshot();
        assert_eq!(views.len(), 2);
        assert_eq!(views[0].url, "https://a.example/", "sorted by URL");
        assert_eq!(
            (&views[0].state, views[0].failures, views[0].in_flight),
            (&CircuitState::Closed, 1, 0)
        );
        assert_eq!(
            (&views[1].state, views[1].failures, views[1].in_flight),
            (&CircuitState::Closed, 0, 1)
        );

        // Opened: until about 30 s from now, in wall-clock time.
        c.failed("https://a.example/")
            .expect("opened at the second failure");
        let before = chrono::Utc::now().naive_utc();
        let a = &c.snapshot()[0];
        let CircuitState::Open { until } = a.state else {
            panic!("open: {a:?}");
        };
        let ahead = (until - before).num_seconds();
        assert!((28..=30).contains(&ahead), "{ahead} s");
        assert_eq!(a.state.as_str(), "open");

        // The pause over, no success yet: half-open; a success closes it.
        c.with("https://a.example/", |s| {
            s.open_until = Some(Instant::now())
        });
        assert_eq!(c.snapshot()[0].state, CircuitState::HalfOpen);
        assert_eq!(c.snapshot()[0].state.as_str(), "half-open");
        c.succeeded("https://a.example/");
        assert_eq!(c.snapshot()[0].state, CircuitState::Closed);
        drop(_slot);
        assert_eq!(c.snapshot()[1].in_flight, 0, "the slot is back");
    }

    #[tokio::test]
    async fn a_url_has_at_most_per_url_requests_in_flight() {
        let c = Circuits::new(2, 5, Duration::from_secs(1));
        let _a = c.slot("u").await;
        let _b = c.slot("u").await;
        let third = tokio::time::timeout(Duration::from_millis(50), c.slot("u")).await;
        assert!(third.is_err(), "the third waits");
        let _other = c.slot("v").await;
    }
}
