//! Standard Webhooks signing (spec 1.0.0; research/webhook-delivery-anchors.md §2): every source has
//! a `whsec_` secret, and every delivery carries `webhook-id`, `webhook-timestamp` (integer seconds)
//! and `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>` over
//! `id.timestamp.body`. While a secret is being rotated the old one signs too, so a receiver that
//! still holds it keeps accepting deliveries (DESIGN.md §6: for 24 h).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::Sha256;

const PREFIX: &str = "whsec_";
/// Random bytes in a generated secret (Svix's default).
const GENERATED_BYTES: usize = 24;
/// The spec allows 24 to 64 bytes; Svix accepts custom secrets from 24 bytes too.
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// A signing secret: `whsec_` + base64 of its key bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    key: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("a secret starts with whsec_")]
    Prefix,
    #[error("a secret is whsec_ followed by base64")]
    Base64,
    #[error("a secret holds 24 to 64 bytes, this one {0}")]
    Length(usize),
}

impl Secret {
    /// A new secret of random bytes.
    pub fn generate() -> Secret {
        let mut key = vec![0u8; GENERATED_BYTES];
        rand::rng().fill_bytes(&mut key);
        Secret { key }
    }

    /// Read a secret in its `whsec_...` form.
    pub fn parse(text: &str) -> Result<Secret, SecretError> {
        let encoded = text.strip_prefix(PREFIX).ok_or(SecretError::Prefix)?;
        let key = STANDARD.decode(encoded).map_err(|_| SecretError::Base64)?;
        if !KEY_BYTES.contains(&key.len()) {
            return Err(SecretError::Length(key.len()));
        }
        Ok(Secret { key })
    }

    /// The `v1,<base64>` signature of a message.
    fn sign(&self, message_id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(message_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Whether one of the space-separated signatures of a `webhook-signature` header is this
    /// secret's for the message (compared in constant time).
    pub fn verifies(&self, message_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
        let expected = self.sign(message_id, timestamp, body);
        header.split(' ').fold(false, |found, given| {
            found | constant_time_eq(given.as_bytes(), expected.as_bytes())
        })
    }
}

/// `len` random characters of `[0-9A-Za-z]` (5.95 bits each): message ids, URL secrets.
pub fn random_base62(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Equal, in a time that depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{PREFIX}{}", STANDARD.encode(&self.key))
    }
}

/// Never the key itself: a secret must not reach a log through `{:?}`.
impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// The three headers of a delivery, signed with every secret in `secrets` (the current one, and
/// the previous one during a rotation).
pub fn headers(
    secrets: &[&Secret],
    message_id: &str,
    timestamp: i64,
    body: &[u8],
) -> [(&'static str, String); 3] {
    let signature = secrets
        .iter()
        .map(|s| s.sign(message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ");
    [
        ("webhook-id", message_id.to_string()),
        ("webhook-timestamp", timestamp.to_string()),
        ("webhook-signature", signature),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries; the Python package
    /// `standardwebhooks` gives the same signature for it.
    #[test]
    fn the_reference_example_signs_as_the_reference_libraries_do() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let [id, timestamp, signature] = headers(
            &[&secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(id, ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek".into()));
        assert_eq!(timestamp, ("webhook-timestamp", "1614265330".into()));
        assert_eq!(
            signature.1,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        let body = br#"{"test": 2432232314}"#;
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        assert!(secret.verifies(id, 1614265330, body, &signature.1));
        assert!(secret.verifies(
            id,
            1614265330,
            body,
            &format!("v1,bm90IGl0 {}", signature.1)
        ));
        assert!(!secret.verifies(id, 1614265331, body, &signature.1));
        assert!(!secret.verifies(id, 1614265330, b"{}", &signature.1));
        assert!(!secret.verifies(id, 1614265330, body, ""));
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let (new, old) = (Secret::generate(), Secret::generate());
        let [_, _, (_, both)] = headers(&[&new, &old], "msg_1", 1, b"{}");
        let signatures: Vec<&str> = both.split(' ').collect();
        assert_eq!(signatures.len(), 2);
        assert_eq!(signatures[0], new.sign("msg_1", 1, b"{}"));
        assert_eq!(signatures[1], old.sign("msg_1", 1, b"{}"));
        assert_ne!(signatures[0], signatures[1]);
    }

    #[test]
    fn a_generated_secret_reads_back_and_never_shows_its_key_in_debug() {
        let secret = Secret::generate();
        let text = secret.to_string();
        assert!(text.starts_with("whsec_"));
        assert_eq!(Secret::parse(&text).unwrap(), secret);
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_ne!(Secret::generate(), secret);
    }

    #[test]
    fn malformed_secrets_are_refused_with_the_reason() {
        assert_eq!(
            Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::Prefix)
        );
        assert_eq!(Secret::parse("whsec_not base64!"), Err(SecretError::Base64));
        assert_eq!(Secret::parse("whsec_c2hvcnQ="), Err(SecretError::Length(5)));
    }
}
