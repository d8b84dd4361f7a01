//! Redaction (DESIGN.md §7): before anything is stored, the value of every key that names a
//! credential becomes `"***"`, at any depth, whatever its case.

use serde_json::Value;

/// Keys whose values never reach a log.
pub const SECRET_KEYS: [&str; 7] = [
    "password",
    "passwd",
    "api_key",
    "apikey",
    "token",
    "secret",
    "authorization",
];

pub const MASK: &str = "***";

pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Mask every secret in `value`, in place.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if is_secret_key(key) {
                    *inner = Value::from(MASK);
                } else {
                    redact(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth_and_case() {
        let mut v = json!({"login": "erp", "Password": "p", "params": {"vals": [{"TOKEN": {"a": 1}}, {"apiKey": "k"}]},
                           "authorization": "Bearer x", "secret": null, "passwords": "kept"});
        redact(&mut v);
        assert_eq!(
            v,
            json!({"login": "erp", "Password": "***", "params": {"vals": [{"TOKEN": "***"}, {"apiKey": "***"}]},
                   "authorization": "***", "secret": "***", "passwords": "kept"})
        );
    }
}
