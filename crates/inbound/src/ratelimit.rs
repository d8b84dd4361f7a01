//! Token buckets, so one client cannot starve the others or guess passwords at leisure.
//!
//! - `RateLimiter`: `WEFT_RATE_LIMIT` requests per second per caller on the data routes, bursts of
//!   as many.
//! - `LoginLimiter`: failed logins on `/web/session/authenticate`, `WEFT_LOGIN_RATE_LIMIT` a minute
//!   per login and `WEFT_LOGIN_IP_RATE_LIMIT` a minute per client address. An attempt takes a token
//!   from both buckets before its password is checked (so a parallel burst is cut at the limit, not
//!   after every check ran) and a successful login gives them back.
//!
//! Over a limit the request is answered 429 with `Retry-After`. Each table of buckets is bounded:
//! buckets that refilled are forgotten first (they mean the same as no bucket), then the oldest.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Mutex;
use std::time::Instant;

/// The most buckets a table keeps; beyond it the idle ones are dropped.
pub const MAX_BUCKETS: usize = 50_000;

/// Token buckets keyed by `K`, each holding up to `capacity` tokens and refilling at `per_second`.
struct Buckets<K> {
    capacity: f64,
    per_second: f64,
    max_entries: usize,
    table: Mutex<HashMap<K, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    /// A capacity of 0 turns the limit off.
    fn new(capacity: u32, per_second: f64, max_entries: usize) -> Buckets<K> {
        Buckets {
            capacity: f64::from(capacity),
            per_second,
            max_entries: max_entries.max(1),
            table: Mutex::new(HashMap::new()),
        }
    }

    fn enabled(&self) -> bool {
        self.capacity > 0.0
    }

    /// Take a token for `key`; `Err(seconds)` says when one will be there.
    fn take(&self, key: &K, now: Instant) -> Result<(), u64> {
        if !self.enabled() {
            return Ok(());
        }
        let mut table = self.table.lock().expect("rate limiter lock");
        if !table.contains_key(key) && table.len() >= self.max_entries {
            self.evict(&mut table, now);
        }
        let bucket = table.entry(key.clone()).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        bucket.tokens = self.refilled(bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / self.per_second).ceil().max(1.0) as u64)
        }
    }

    /// Return a token taken for `key`.
    fn give_back(&self, key: &K) {
        if let Some(bucket) = self.table.lock().expect("rate limiter lock").get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.capacity);
        }
    }

    fn refilled(&self, bucket: &Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.capacity)
    }

    /// Make room: forget full buckets, then, if that is not enough, the older half.
    fn evict(&self, table: &mut HashMap<K, Bucket>, now: Instant) {
        table.retain(|_, bucket| self.refilled(bucket, now) < self.capacity);
        if table.len() >= self.max_entries {
            let mut ages: Vec<Instant> = table.values().map(|b| b.at).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            table.retain(|_, bucket| bucket.at > cutoff);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.lock().expect("rate limiter lock").len()
    }
}

pub struct RateLimiter {
    buckets: Buckets<i64>,
}

impl RateLimiter {
    /// `per_second` = 0 turns the limit off.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            buckets: Buckets::new(per_second, f64::from(per_second), MAX_BUCKETS),
        }
    }

    /// Take a token for `caller`; `Err(seconds)` says when to come back.
    pub fn check(&self, caller: i64) -> Result<(), u64> {
        self.buckets.take(&caller, Instant::now())
    }
}

/// The login limits of the configuration.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimits {
    /// Failed logins a minute for one login (0 = no limit).
    pub per_login: u32,
    /// Failed logins a minute from one client address (0 = no limit).
    pub per_address: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (behind a proxy one trusts).
    pub trust_forwarded_for: bool,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_login: 10,
            per_address: 30,
            trust_forwarded_for: false,
        }
    }
}

pub struct LoginLimiter {
    per_login: Buckets<String>,
    per_address: Buckets<IpAddr>,
    trust_forwarded_for: bool,
}

/// A login attempt that holds a token of each bucket until it is known to have succeeded.
pub struct LoginAttempt {
    login: String,
    address: IpAddr,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> LoginLimiter {
        Self::with_capacity(limits, MAX_BUCKETS)
    }

    fn with_capacity(limits: LoginLimits, max_entries: usize) -> LoginLimiter {
        let per_minute = |n: u32| f64::from(n) / 60.0;
        LoginLimiter {
            per_login: Buckets::new(limits.per_login, per_minute(limits.per_login), max_entries),
            per_address: Buckets::new(
                limits.per_address,
                per_minute(limits.per_address),
                max_entries,
            ),
            trust_forwarded_for: limits.trust_forwarded_for,
        }
    }

    /// The address an attempt counts against: the peer's, or with `trust_forwarded_for` the last
    /// `X-Forwarded-For` entry (the one the trusted proxy added; earlier ones are the client's say).
    pub fn client_address(&self, peer: Option<IpAddr>, forwarded_for: Option<&str>) -> IpAddr {
        let forwarded = forwarded_for
            .filter(|_| self.trust_forwarded_for)
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok());
        forwarded
            .or(peer)
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    /// Take a token for `login` and for `address`; `Err(seconds)` when either bucket is empty
    /// (then neither is charged).
    pub fn attempt(&self, address: IpAddr, login: &str) -> Result<LoginAttempt, u64> {
        self.attempt_at(address, login, Instant::now())
    }

    fn attempt_at(&self, address: IpAddr, login: &str, now: Instant) -> Result<LoginAttempt, u64> {
        // A fixed-size key, however long the login sent.
        let login = crate::identity::sha256_hex(login.as_bytes());
        self.per_address.take(&address, now)?;
        if let Err(seconds) = self.per_login.take(&login, now) {
            self.per_address.give_back(&address);
            return Err(seconds);
        }
        Ok(LoginAttempt { login, address })
    }

    /// The password was right: the attempt does not count.
    pub fn succeeded(&self, attempt: LoginAttempt) {
        self.per_login.give_back(&attempt.login);
        self.per_address.give_back(&attempt.address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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

    fn address(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn limits(per_login: u32, per_address: u32) -> LoginLimits {
        LoginLimits {
            per_login,
            per_address,
            trust_forwarded_for: false,
        }
    }

    #[test]
    fn one_address_is_cut_off_after_its_limit_across_many_logins_and_others_are_not() {
        let limiter = LoginLimiter::new(limits(0, 30));
        let now = Instant::now();
        for n in 0..30 {
            assert!(
                limiter
                    .attempt_at(address(1), &format!("user{n}"), now)
                    .is_ok()
            );
        }
        let refused = limiter.attempt_at(address(1), "someone-else", now).err();
        // 30 a minute: the next token comes in 2 s.
        assert_eq!(refused, Some(2));
        assert!(limiter.attempt_at(address(2), "user0", now).is_ok());
        let later = now + Duration::from_secs(2);
        assert!(limiter.attempt_at(address(1), "user31", later).is_ok());
    }

    #[test]
    fn one_login_is_cut_off_after_its_limit_from_any_address_and_success_is_free() {
        let limiter = LoginLimiter::new(limits(10, 30));
        let now = Instant::now();
        let good = limiter.attempt_at(address(9), "erp", now).unwrap();
        limiter.succeeded(good);
        for n in 0..10 {
            assert!(limiter.attempt_at(address(n), "erp", now).is_ok());
        }
        assert_eq!(limiter.attempt_at(address(20), "erp", now).err(), Some(6));
        // The refused attempt did not charge address 20: all 30 of its tokens are left.
        for n in 0..30 {
            let login = format!("other{n}");
            assert!(limiter.attempt_at(address(20), &login, now).is_ok());
        }
        assert!(limiter.attempt_at(address(20), "one-more", now).is_err());
    }

    #[test]
    fn the_tables_stay_bounded_under_a_spray_of_logins() {
        let limiter = LoginLimiter::with_capacity(limits(10, 1_000_000), 100);
        let now = Instant::now();
        for n in 0..1000 {
            let at = now + Duration::from_millis(n);
            assert!(limiter.attempt_at(address(1), &format!("u{n}"), at).is_ok());
        }
        assert!(
            limiter.per_login.len() <= 100,
            "{}",
            limiter.per_login.len()
        );
        // The latest logins are remembered: the newest one still has 9 tokens, not 10.
        let at = now + Duration::from_millis(1000);
        for _ in 0..9 {
            assert!(limiter.attempt_at(address(1), "u999", at).is_ok());
        }
        assert!(limiter.attempt_at(address(1), "u999", at).is_err());
    }

    #[test]
    fn forwarded_for_is_ignored_unless_trusted() {
        let peer = Some(address(7));
        let header = Some("203.0.113.5, 198.51.100.1");
        let untrusting = LoginLimiter::new(limits(10, 30));
        assert_eq!(untrusting.client_address(peer, header), address(7));
        let trusting = LoginLimiter::new(LoginLimits {
            trust_forwarded_for: true,
            ..limits(10, 30)
        });
        let proxied: IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(trusting.client_address(peer, header), proxied);
        assert_eq!(trusting.client_address(peer, Some("garbage")), address(7));
    }
}
