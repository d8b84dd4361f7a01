//! Password hashing and verification (Argon2), kept off the async workers.
//!
//! An Argon2 check takes tens of milliseconds of CPU on purpose. Run on the async workers, a handful
//! of parallel logins stall every other request (`/healthz` included), so each hash or check runs on
//! tokio's blocking pool, and a semaphore lets at most one per core run at once: a burst of logins
//! queues for a permit instead of taking all the CPU.
//!
//! Every check costs one Argon2 verification, whether the login exists, has a password or not: a
//! login without a real hash is checked against a dummy hash made once with the same parameters,
//! so the time of a refusal says nothing about which logins exist.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;
use weft_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("cannot hash password: {0}")]
    Hash(String),
    #[error("the password worker stopped: {0}")]
    Worker(String),
}

impl From<PasswordError> for StoreError {
    fn from(e: PasswordError) -> StoreError {
        StoreError::Schema(e.to_string())
    }
}

/// A bounded pool for Argon2 work; `Passwords::shared()` is the process's one.
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// Argon2 verifications run so far (what the tests count instead of timing).
    verifications: AtomicU64,
}

impl Passwords {
    /// At most `parallel` hashes or checks at once (at least one).
    pub fn new(parallel: usize) -> Passwords {
        Passwords {
            permits: Arc::new(Semaphore::new(parallel.max(1))),
            verifications: AtomicU64::new(0),
        }
    }

    /// The process-wide pool, one permit per core.
    pub fn shared() -> &'static Passwords {
        static SHARED: OnceLock<Passwords> = OnceLock::new();
        SHARED.get_or_init(|| {
            Passwords::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
        })
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// An Argon2 hash of `password` in PHC form.
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_string();
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `hash`. With no hash (an unknown login, or a user without a
    /// password) the answer is false, after the same work as a real check.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, PasswordError> {
        let password = password.to_string();
        let real = hash.map(str::to_string);
        self.verifications.fetch_add(1, Ordering::Relaxed);
        self.run(move || {
            let against = real.as_deref().unwrap_or_else(|| dummy_hash());
            // A stored hash that does not parse is a refusal, but still costs a verification.
            let parsed = PasswordHash::new(against)
                .or_else(|_| PasswordHash::new(dummy_hash()))
                .ok();
            let matches = parsed.is_some_and(|p| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &p)
                    .is_ok()
            });
            matches && real.is_some()
        })
        .await
    }

    /// Run `work` on the blocking pool once a permit is free.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PasswordError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| PasswordError::Worker(e.to_string()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| PasswordError::Worker(e.to_string()))
    }
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// A hash of a random password, made once with the parameters real hashes get.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let secret: [u8; 16] = rand::random();
        let text: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        hash_now(&text).expect("Argon2 hashes a random password with default parameters")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password_and_every_check_is_one_verification() {
        let passwords = Passwords::new(2);
        let hash = passwords.hash("right").await.unwrap();
        assert!(passwords.verify("right", Some(&hash)).await.unwrap());
        assert!(!passwords.verify("wrong", Some(&hash)).await.unwrap());
        assert!(!passwords.verify("right", None).await.unwrap());
        assert!(!passwords.verify("right", Some("not a hash")).await.unwrap());
        assert_eq!(passwords.verifications(), 4);
    }

    #[tokio::test]
    async fn the_dummy_hash_never_matches_and_has_the_real_parameters() {
        let passwords = Passwords::new(1);
        let real = passwords.hash("x").await.unwrap();
        let params = |h: &str| h.rsplitn(3, '$').nth(2).unwrap().to_string();
        assert_eq!(params(&real), params(dummy_hash()));
        assert!(!passwords.verify("", None).await.unwrap());
    }
}
