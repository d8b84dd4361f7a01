//! OAuth 1.0a (RFC 5849) signature checks for the server side, pure: no database, no clock, no
//! nonce store. The routes read the `Authorization` header with [`parse_authorization`], gather
//! the request's parameters into a [`SignedRequest`], look the secrets up and call [`verify`] and
//! [`check_timestamp`]; remembering nonces (shared, keyed by consumer, token, timestamp and nonce)
//! is theirs.
//!
//! Synconics' `restapi` reads the same requests (research/synconics-restapi-oauth.md §2, §3), and
//! Weft differs on purpose (§7, §8):
//! - header values are parsed, never `eval()`ed; the lax forms Synconics clients send (pairs split
//!   by spaces, single quotes, bare values) are still read, and so is the RFC's `a="1",b="2"`;
//! - the base string is the RFC's exactly: values are decoded once, not twice, and `realm` is left
//!   out;
//! - signatures are compared in constant time, in their base64 form only;
//! - RSA-SHA1, HMAC-SHA256 and any other method are refused by name instead of being checked as
//!   HMAC-SHA1, and PLAINTEXT only passes where the caller allows it (over TLS);
//! - a protocol parameter sent twice is an error, as RFC 5849 §3.2 says.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use weft_webhook::signing::constant_time_eq;

/// The ±15 minutes Synconics allows, which also bounds how long a nonce store must remember.
pub const TIMESTAMP_WINDOW_S: i64 = 900;

/// Why an `Authorization: OAuth …` header could not be read; positions are byte offsets into it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HeaderError {
    #[error("the Authorization header does not use the OAuth scheme")]
    Scheme,
    #[error("the OAuth header has a parameter without a name at byte {at}")]
    EmptyName { at: usize },
    #[error("the OAuth header parameter {name} at byte {at} has no =value")]
    NoValue { name: String, at: usize },
    #[error("the OAuth header parameter {name} opens a quote at byte {at} that is never closed")]
    Unterminated { name: String, at: usize },
    #[error(
        "the OAuth header has an unexpected {found:?} at byte {at}; parameters are separated by commas or spaces"
    )]
    Unexpected { found: char, at: usize },
    #[error("the OAuth header parameter {name} is not valid percent-encoded UTF-8")]
    Encoding { name: String },
    #[error("the OAuth header repeats the parameter {name}")]
    Duplicate { name: String },
}

/// Why a request's signature was not accepted; each message names the parameter at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the request lacks the {0} parameter")]
    Missing(&'static str),
    #[error("the request repeats the {0} parameter")]
    Duplicate(String),
    #[error("oauth_version must be 1.0 when it is sent")]
    Version,
    #[error("oauth_signature_method {0:?} is not supported; sign with HMAC-SHA1")]
    UnsupportedMethod(String),
    #[error("oauth_signature_method PLAINTEXT is not accepted here; sign with HMAC-SHA1")]
    PlaintextRefused,
    #[error("the oauth_signature does not match the request")]
    BadSignature,
    #[error("oauth_timestamp must be a whole number of seconds since 1970-01-01")]
    BadTimestamp,
    #[error("oauth_timestamp is more than {0} seconds away from the server's clock")]
    StaleTimestamp(i64),
}

/// What was signed. `params` are decoded and gathered from the query, the body (only when it is a
/// single-part `application/x-www-form-urlencoded` form) and the header (RFC 5849 §3.4.1.3.1).
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// `scheme://host[:port]/path` as the client saw it: built from the public base URL, not from
    /// the socket, or a proxy in between breaks every signature.
    pub base_uri: &'a str,
    pub params: &'a [(String, String)],
}

/// The parameters are required in every request, Synconics' and the RFC's alike.
const REQUIRED: [&str; 5] = [
    "oauth_consumer_key",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
];

/// Reads `OAuth k="v", …` (RFC 5849 §3.5.1) and Synconics' lax forms: pairs separated by commas
/// and/or whitespace, values in double or single quotes or bare. Names and values are
/// percent-decoded; `realm` is returned too (the signature leaves it out).
pub fn parse_authorization(header: &str) -> Result<Vec<(String, String)>, HeaderError> {
    let start = header.len() - header.trim_start().len();
    let rest = &header[start..];
    let scheme_end = rest.find(|c: char| is_sep(c as u32)).unwrap_or(rest.len());
    // The scheme is case-insensitive (RFC 7235 §2.1); `OAuthx` is another scheme.
    if !rest[..scheme_end].eq_ignore_ascii_case("OAuth") {
        return Err(HeaderError::Scheme);
    }
    let bytes = header.as_bytes();
    let mut pos = start + scheme_end;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    loop {
        while pos < bytes.len() && is_sep(u32::from(bytes[pos])) {
            pos += 1;
        }
        if pos == bytes.len() {
            return Ok(out);
        }
        let (name, value, next) = parse_pair(header, pos)?;
        // Two values for one protocol parameter leave no way to tell which was signed.
        if !seen.insert(name.clone()) {
            return Err(HeaderError::Duplicate { name });
        }
        out.push((name, value));
        pos = next;
    }
}

/// One `name=value` starting at byte `at`: the decoded pair and where the next one may start.
fn parse_pair(header: &str, at: usize) -> Result<(String, String, usize), HeaderError> {
    let bytes = header.as_bytes();
    let name_end = (at..bytes.len())
        .find(|&i| matches!(bytes[i], b'=' | b'"' | b'\'') || is_sep(u32::from(bytes[i])))
        .unwrap_or(bytes.len());
    if name_end == at {
        return Err(HeaderError::EmptyName { at });
    }
    let raw_name = &header[at..name_end];
    let name = percent_decode(raw_name).ok_or_else(|| HeaderError::Encoding {
        name: raw_name.to_string(),
    })?;
    // RFC 5849 §3.5.1: the name is "immediately followed by" `=`; no whitespace around it.
    if bytes.get(name_end) != Some(&b'=') {
        return Err(HeaderError::NoValue { name, at });
    }
    let (raw, next) = value_at(header, name_end + 1, &name)?;
    let value = percent_decode(raw).ok_or_else(|| HeaderError::Encoding { name: name.clone() })?;
    Ok((name, value, next))
}

/// The raw value starting at byte `v`, quoted (either quote, no escapes: RFC values are
/// percent-encoded) or bare up to the next separator, and the byte after it.
fn value_at<'h>(header: &'h str, v: usize, name: &str) -> Result<(&'h str, usize), HeaderError> {
    let bytes = header.as_bytes();
    let (from, to, next) = match bytes.get(v) {
        Some(&q @ (b'"' | b'\'')) => {
            let close = header[v + 1..]
                .find(q as char)
                .map(|i| v + 1 + i)
                .ok_or_else(|| HeaderError::Unterminated {
                    name: name.to_string(),
                    at: v,
                })?;
            (v + 1, close, close + 1)
        }
        _ => {
            let stop = (v..bytes.len())
                .find(|&i| is_sep(u32::from(bytes[i])) || matches!(bytes[i], b'"' | b'\''))
                .unwrap_or(bytes.len());
            (v, stop, stop)
        }
    };
    // `a="1"b="2"` would otherwise read as two pairs; a separator must follow a value.
    if let Some(&b) = bytes.get(next).filter(|&&b| !is_sep(u32::from(b))) {
        return Err(HeaderError::Unexpected {
            found: header[next..].chars().next().unwrap_or(b as char),
            at: next,
        });
    }
    Ok((&header[from..to], next))
}

/// Commas and HTTP whitespace (line folds included: the RFC's own examples span lines).
fn is_sep(c: u32) -> bool {
    matches!(c, 0x20 | 0x09 | 0x0d | 0x0a | 0x2c)
}

/// `%XX` to bytes, strictly (a lone `%` is an error); `+` stays `+`, as it is no form encoding.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 5849 §3.6: UTF-8 bytes, every one outside `A-Z a-z 0-9 - . _ ~` as upper-case `%XX`.
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The signature base string of RFC 5849 §3.4.1: `METHOD&enc(base URI)&enc(normalized params)`.
pub fn base_string(req: &SignedRequest<'_>) -> String {
    format!(
        "{}&{}&{}",
        req.method.to_ascii_uppercase(),
        enc(&normalize_base_uri(req.base_uri)),
        enc(&normalize_params(req.params))
    )
}

/// §3.4.1.2: lower-case scheme and host, no default port, no query or fragment, `/` for an empty
/// path. A URI without `://` is left as it is: the caller builds it, so it is a bug upstream.
fn normalize_base_uri(uri: &str) -> String {
    let uri = uri.split(['?', '#']).next().unwrap_or_default();
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_string();
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let mut host = authority.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => Some(":80"),
        "https" => Some(":443"),
        _ => None,
    };
    if let Some(port) = default_port.filter(|p| host.ends_with(p)) {
        host.truncate(host.len() - port.len());
    }
    format!("{scheme}://{host}{path}")
}

/// §3.4.1.3.2: every parameter but `oauth_signature` and `realm`, encoded, sorted by name then
/// value (byte order of the encoded forms), joined as `k=v&k=v`. The RFC only leaves out the
/// header's `realm`; the params no longer say where each came from, so a query or form `realm` is
/// left out too (no client sends one; Synconics even signs the header's).
fn normalize_params(params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "oauth_signature" && k != "realm")
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    pairs.sort();
    let joined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    joined.join("&")
}

/// Checks `oauth_signature` against the secrets the caller looked up by `oauth_consumer_key` and
/// `oauth_token`. The timestamp and nonce are only required here: [`check_timestamp`] and the
/// caller's nonce store judge them.
pub fn verify(
    req: &SignedRequest<'_>,
    consumer_secret: &str,
    token_secret: Option<&str>,
    allow_plaintext: bool,
) -> Result<(), SignatureError> {
    check_protocol_params(req.params)?;
    let method = param(req.params, "oauth_signature_method").unwrap_or_default();
    let given = param(req.params, "oauth_signature").unwrap_or_default();
    // The `&` is always there, even without a token (§3.4.2).
    let key = format!(
        "{}&{}",
        enc(consumer_secret),
        enc(token_secret.unwrap_or(""))
    );
    let expected = match method {
        "HMAC-SHA1" => hmac_sha1(&key, &base_string(req)),
        "PLAINTEXT" if allow_plaintext => key,
        "PLAINTEXT" => return Err(SignatureError::PlaintextRefused),
        other => return Err(SignatureError::UnsupportedMethod(other.to_string())),
    };
    // Digests first, so that the time taken tells nothing of a PLAINTEXT key's length either.
    let (given, expected) = (Sha256::digest(given), Sha256::digest(expected));
    if constant_time_eq(&given, &expected) {
        Ok(())
    } else {
        Err(SignatureError::BadSignature)
    }
}

/// Every protocol parameter at most once (§3.2), the required ones present, the version 1.0.
fn check_protocol_params(params: &[(String, String)]) -> Result<(), SignatureError> {
    let mut seen = HashSet::new();
    for (k, _) in params.iter().filter(|(k, _)| k.starts_with("oauth_")) {
        if !seen.insert(k.as_str()) {
            return Err(SignatureError::Duplicate(k.clone()));
        }
    }
    if let Some(missing) = REQUIRED.into_iter().find(|r| !seen.contains(r)) {
        return Err(SignatureError::Missing(missing));
    }
    match param(params, "oauth_version") {
        Some(v) if v != "1.0" => Err(SignatureError::Version),
        _ => Ok(()),
    }
}

fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// §3.4.2: base64 of HMAC-SHA1 keyed by the joined secrets.
fn hmac_sha1(key: &str, text: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(text.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// `oauth_timestamp` as seconds, if it is within `window_s` of `now_unix` either way. Only digits
/// are read (no sign, no spaces), so `+5` or ` 5` cannot slip past a nonce store keyed on text.
pub fn check_timestamp(ts: &str, now_unix: i64, window_s: i64) -> Result<i64, SignatureError> {
    if ts.is_empty() || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::BadTimestamp);
    }
    let secs: i64 = ts.parse().map_err(|_| SignatureError::BadTimestamp)?;
    if secs.abs_diff(now_unix) > window_s.unsigned_abs() {
        return Err(SignatureError::StaleTimestamp(window_s));
    }
    Ok(secs)
}

#[cfg(test)]
mod tests;
