//! Redaction (DESIGN.md §7, §14): secrets are found by shape, not only by name, and masked as
//! `***` before anything reaches a log, an error message or a tracing line.
//!
//! - `value` masks a JSON value in place: the value of every key that names a secret (in any
//!   spelling: `access_token`, `X-Api-Key`, `apiKey`, `AUTH_TOKEN`), the `value` of a name/value
//!   pair that names one (`{"name": "Authorization", "value": ".."}`, as headers are often
//!   listed), JSON held as text in a string, and every string by `text`.
//! - `text` masks what a text holds: URL userinfo (`https://***@host`), the values of
//!   secret-named query and fragment parameters (`?token=***&x=1`) and Weft's own credentials by
//!   their shape (`weft_<prefix>_***`, `whsec_***`).
//!
//! Keys and URLs inside Python-literal domain strings are not parsed.

mod text;

pub use text::text;

use serde_json::Value;
use std::borrow::Cow;

pub const MASK: &str = "***";

/// Words that make a key secret wherever they appear in it, once normalised (`normalise`).
const SECRET_WORDS: [&str; 13] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "credential",
    "cookie",
    "sessionid",
    "signature",
];

/// Keys that are secret only as the whole (normalised) key: inside longer ones they are ordinary
/// words (`author`, `passenger`, `compass`, `pwdhint`..).
const SECRET_NAMES: [&str; 3] = ["auth", "pwd", "pass"];

/// Ordinary words that hold a secret word: taken out before looking, so that a secretary's name
/// or a count of tokens stays readable. A secret word beside them is still found.
const ORDINARY_WORDS: [&str; 4] = ["secretary", "secretariat", "tokenscount", "tokencount"];

/// Query parameters that carry credentials by convention, though as JSON keys they are ordinary
/// (`?key=` of Google's APIs, `?sig=` of Azure's shared access signatures).
const SECRET_PARAMETERS: [&str; 2] = ["key", "sig"];

/// Keys under which a name/value pair names its value (`{"name": "X-Api-Key", "value": ".."}`).
const PAIR_NAMES: [&str; 4] = ["name", "key", "header", "field"];

/// `key` without `-`, `_`, `.` and spaces, in lower case: every spelling of a name alike.
fn normalise(key: &str) -> String {
    key.chars()
        .filter(|c| !is_separator(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | ' ')
}

/// Whether a JSON key (or a header's name) names a credential.
fn is_secret_key(key: &str) -> bool {
    // Every key of every logged body comes here: a short ASCII key is normalised on the stack.
    let mut buffer = [0u8; 64];
    match normalise_short(key, &mut buffer) {
        Some(name) => is_secret_name(name),
        None => is_secret_name(&normalise(key)),
    }
}

/// `is_secret_key` of a normalised key.
fn is_secret_name(name: &str) -> bool {
    if SECRET_NAMES.contains(&name) {
        return true;
    }
    // Most keys hold no secret word, which a scan of their few bytes says at once.
    if !holds_a_secret_word(name) {
        return false;
    }
    let mut name = name.to_string();
    for word in ORDINARY_WORDS {
        if name.contains(word) {
            // A separator, so that what is left around it cannot join into a secret word.
            name = name.replace(word, " ");
        }
    }
    holds_a_secret_word(&name)
}

/// `normalise` for an ASCII key of up to 64 bytes, into `buffer`; None for others.
fn normalise_short<'b>(key: &str, buffer: &'b mut [u8; 64]) -> Option<&'b str> {
    if key.len() > buffer.len() || !key.is_ascii() {
        return None;
    }
    let mut len = 0;
    for b in key.bytes().filter(|b| !is_separator(char::from(*b))) {
        buffer[len] = b.to_ascii_lowercase();
        len += 1;
    }
    std::str::from_utf8(&buffer[..len]).ok()
}

/// Whether a secret word starts anywhere in `name` (normalised).
fn holds_a_secret_word(name: &str) -> bool {
    let name = name.as_bytes();
    (0..name.len()).any(|at| {
        SECRET_WORDS
            .iter()
            .any(|word| name[at..].starts_with(word.as_bytes()))
    })
}

/// Whether a query parameter (as written in a URL, percent-encoded) names a credential.
fn is_secret_parameter(name: &str) -> bool {
    let name = text::percent_decoded(name);
    is_secret_key(&name) || SECRET_PARAMETERS.contains(&normalise(&name).as_str())
}

/// Mask every secret in `value`, in place.
pub fn value(value: &mut Value) {
    mask(value);
}

/// `value`, saying whether anything was masked.
fn mask(value: &mut Value) -> bool {
    match value {
        Value::Object(map) => {
            let names_a_secret = PAIR_NAMES.iter().any(|k| {
                map.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|name| !name.contains(char::is_whitespace) && is_secret_key(name))
            });
            let mut masked = false;
            for (key, inner) in map.iter_mut() {
                if is_secret_key(key) || (names_a_secret && key == "value") {
                    *inner = Value::from(MASK);
                    masked = true;
                } else {
                    masked |= mask(inner);
                }
            }
            masked
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |masked, item| mask(item) | masked),
        Value::String(s) => {
            let masked = match json_in_text(s) {
                Some(masked) => masked,
                None => match text(s) {
                    Cow::Owned(masked) => masked,
                    Cow::Borrowed(_) => return false,
                },
            };
            *s = masked;
            true
        }
        _ => false,
    }
}

/// A string that holds a JSON object or array (a body kept as text, a JSON column): masked as
/// JSON, when that masks anything.
fn json_in_text(s: &str) -> Option<String> {
    if !s.trim_start().starts_with(['{', '[']) {
        return None;
    }
    let mut inner: Value = serde_json::from_str(s).ok()?;
    mask(&mut inner).then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The decision for each key: masked (true) or readable (false), and why where it is close.
    const KEYS: &[(&str, bool)] = &[
        ("password", true),
        ("Password", true),
        ("passwd", true),
        ("new_password", true),
        ("passphrase", true),
        ("secret", true),
        ("client_secret", true),
        ("clientSecret", true),
        ("token", true),
        ("TOKEN", true),
        ("access_token", true),
        ("refresh_token", true),
        ("id_token", true),
        ("AUTH_TOKEN", true),
        ("api_key", true),
        ("apikey", true),
        ("apiKey", true),
        ("api-key", true),
        ("X-Api-Key", true),
        ("x.api.key", true),
        ("aws_access_key_id", true),
        ("private_key", true),
        ("authorization", true),
        ("Proxy-Authorization", true),
        ("credentials", true),
        ("Cookie", true),
        ("set-cookie", true),
        ("session_id", true),
        ("webhook-signature", true),
        ("auth", true),
        ("Auth", true),
        ("pwd", true),
        ("PASS", true),
        ("secretary_token", true), // the ordinary word does not hide a secret word beside it
        // Ordinary business fields stay readable.
        ("author", false),
        ("author_id", false),
        ("authored_by", false),
        ("passenger", false),
        ("passenger_count", false),
        ("passport_no", false),
        ("compass", false),
        ("bypass", false),
        ("pwd_hint", false), // `pwd` only as the whole key
        ("secretary", false),
        ("secretary_name", false),
        ("tokens_count", false), // a count of tokens is no token
        ("token_count", false),
        ("key", false), // `{"key": .., "value": ..}` pairs name their value instead
        ("sig", false), // a secret only as a query parameter
        ("name", false),
        ("display_name", false),
        ("callback_url", false),
        ("partner_id", false),
    ];

    #[test]
    fn keys_are_judged_by_their_normalised_name() {
        for (key, secret) in KEYS {
            assert_eq!(is_secret_key(key), *secret, "{key}");
            let mut buffer = [0u8; 64];
            let short = normalise_short(key, &mut buffer);
            assert_eq!(short, Some(normalise(key).as_str()), "{key}");
        }
    }

    #[test]
    fn long_and_non_ascii_keys_are_judged_alike() {
        let long = "x".repeat(70);
        assert!(is_secret_key(&format!("{long}_token")));
        assert!(!is_secret_key(&long));
        assert!(is_secret_key("clé_token"));
        assert!(!is_secret_key("société"));
        assert!(!is_secret_key("secrétaire"));
    }

    #[test]
    fn query_parameters_also_mask_key_and_sig() {
        let cases = [
            ("token", true),
            ("access%5Ftoken", true),
            ("X-Amz-Signature", true),
            ("X-Amz-Credential", true),
            ("key", true),
            ("sig", true),
            ("api+key", true),
            ("page", false),
            ("author", false),
        ];
        for (name, secret) in cases {
            assert_eq!(is_secret_parameter(name), secret, "{name}");
        }
    }

    #[test]
    fn values_are_masked_at_any_depth_by_key_pair_and_text() {
        let mut v = json!({
            "login": "erp", "Password": "p", "author": "Ann",
            "params": {"vals": [{"TOKEN": {"a": 1}}, {"apiKey": "k"}, {"access_token": "at"}]},
            "authorization": "Bearer x", "secret": null, "passwords": "p2",
            "headers": [{"name": "X-Api-Key", "value": "hk"}, {"name": "Accept", "value": "json"}],
            "parameter": {"key": "webhook.preview_limit", "value": "100"},
            "callback_url": "http://user:hunter2@127.0.0.1:9/cb?token=abc&x=1",
            "body": "{\"client_secret\": \"cs\", \"n\": 1}",
            "count": 3
        });
        value(&mut v);
        assert_eq!(
            v,
            json!({
                "login": "erp", "Password": "***", "author": "Ann",
                "params": {"vals": [{"TOKEN": "***"}, {"apiKey": "***"}, {"access_token": "***"}]},
                "authorization": "***", "secret": "***", "passwords": "***",
                "headers": [{"name": "X-Api-Key", "value": "***"}, {"name": "Accept", "value": "json"}],
                "parameter": {"key": "webhook.preview_limit", "value": "100"},
                "callback_url": "http://***@127.0.0.1:9/cb?token=***&x=1",
                "body": "{\"client_secret\":\"***\",\"n\":1}",
                "count": 3
            })
        );
    }

    #[test]
    fn text_that_is_json_but_holds_no_secret_keeps_its_spelling() {
        let mut v = json!({"note": "{ \"a\" : 1 }", "list": "[1, 2]"});
        let before = v.clone();
        value(&mut v);
        assert_eq!(v, before);
    }
}
