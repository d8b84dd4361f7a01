//! Synconics' OAuth apps (research/synconics-restapi-oauth.md §1-§4): the apps an admin makes
//! (`apps`), the codes and tokens they are issued and how a call's token becomes a `Caller`
//! (`tokens`), and OAuth 1.0a's signatures (`oauth1`). The HTTP side is the server's
//! (`/restapi/1.0/common/oauth1|oauth2|basic`, `/oauth2/*`, `/api/v1/oauth-apps`).
//!
//! Unlike Synconics: every token and key comes from the OS's random generator; tokens, codes and
//! the consumer secrets of OAuth 2.0 and Basic apps are stored as SHA-256 digests only; codes
//! expire after 10 minutes and are single use (a replay ends the grant); refresh tokens rotate;
//! OAuth 1.0a nonces live in the database, so every instance sees them.

pub mod apps;
pub mod entity;
pub mod oauth1;
pub mod tokens;

use rand::TryRngCore;
use rand::rngs::OsRng;

/// `len` characters of `[0-9A-Za-z]` from the OS's generator (Synconics' tokens are 32 of them).
pub fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        OsRng
            .try_fill_bytes(&mut buf)
            .expect("the OS random generator");
        // 248 = 4 * 62: bytes above it are dropped, so every character is equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[usize::from(*b % 62)] as char);
        }
    }
    out
}
