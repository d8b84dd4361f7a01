//! A token bucket per caller (`WEFT_RATE_LIMIT` requests per second, bursts of as many), so one client
//! cannot starve the others. Over the limit the request is answered 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` = 0 turns the limit off.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second: f64::from(per_second),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take a token for `caller`; `Err(seconds)` says when to come back.
    pub fn check(&self, caller: i64) -> Result<(), u64> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        let (tokens, last) = buckets.entry(caller).or_insert((self.per_second, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second)
            .min(self.per_second);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_over_the_limit_is_refused_then_refills() {
        let limiter = RateLimiter::new(3);
        assert!((0..3).all(|_| limiter.check(1).is_ok()));
        assert_eq!(limiter.check(1), Err(1));
        assert!(limiter.check(2).is_ok(), "each caller has its own bucket");
        std::thread::sleep(std::time::Duration::from_millis(400));
        assert!(limiter.check(1).is_ok());
        assert!(RateLimiter::new(0).check(1).is_ok());
    }
}
