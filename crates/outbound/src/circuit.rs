//! Per-URL protection (DESIGN.md §6): at most `per_url` requests in flight to one URL, so one slow
//! receiver cannot take every connection; and a circuit that opens after `threshold` failures in
//! a row, pausing that URL (its deliveries wait, their retries untouched) for a while that doubles
//! on each reopening, up to `MAX_PAUSE`. A success closes it.

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
    async fn a_url_has_at_most_per_url_requests_in_flight() {
        let c = Circuits::new(2, 5, Duration::from_secs(1));
        let _a = c.slot("u").await;
        let _b = c.slot("u").await;
        let third = tokio::time::timeout(Duration::from_millis(50), c.slot("u")).await;
        assert!(third.is_err(), "the third waits");
        let _other = c.slot("v").await;
    }
}
