//! Limits that keep one request from hurting the service (DESIGN.md §4): JSON nested deeper than
//! `MAX_JSON_DEPTH`, and text holding a NUL character (PostgreSQL cannot store one, so both
//! databases refuse it alike). Checked on the whole of `vals` before any work starts.

use super::error::{CallError, CallResult};
use super::path::Path;
use serde_json::{Map, Value};

/// `vals` itself is level 1.
pub(crate) const MAX_JSON_DEPTH: usize = 64;

pub(crate) fn check(vals: &Map<String, Value>) -> CallResult<()> {
    check_object(vals, &Path::root(), 1)
}

fn check_object(object: &Map<String, Value>, path: &Path, depth: usize) -> CallResult<()> {
    for (key, value) in object {
        let here = display_path(path, key);
        if key.contains('\0') {
            return Err(CallError::invalid(
                &here,
                "a key must not contain a NUL character",
            ));
        }
        check_value(value, &here, depth)?;
    }
    Ok(())
}

fn check_value(value: &Value, path: &Path, depth: usize) -> CallResult<()> {
    match value {
        Value::String(s) if s.contains('\0') => Err(CallError::invalid(
            path,
            "text must not contain a NUL character",
        )),
        Value::Array(items) => {
            deeper(path, depth)?;
            for (i, item) in items.iter().enumerate() {
                check_value(item, &path.index(i), depth + 1)?;
            }
            Ok(())
        }
        Value::Object(object) => {
            deeper(path, depth)?;
            check_object(object, path, depth + 1)
        }
        _ => Ok(()),
    }
}

/// A container at `depth` opens level `depth + 1`.
fn deeper(path: &Path, depth: usize) -> CallResult<()> {
    if depth >= MAX_JSON_DEPTH {
        Err(CallError::invalid(
            path,
            format!("JSON is nested more than {MAX_JSON_DEPTH} levels deep"),
        ))
    } else {
        Ok(())
    }
}

/// Paths inside `payload` are reported from the payload root, as every other payload error is.
fn display_path(parent: &Path, key: &str) -> Path {
    if parent.as_str() == "payload" {
        Path::of(key)
    } else {
        parent.key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nested(levels: usize) -> Value {
        let mut value = json!(1);
        for _ in 0..levels {
            value = json!([value]);
        }
        value
    }

    #[test]
    fn sixty_four_levels_pass_and_sixty_five_do_not() {
        // vals (1) + payload object (2) + 62 arrays = 64 levels.
        let ok = json!({"payload": {"x": nested(62)}});
        check(ok.as_object().unwrap()).unwrap();
        let deep = json!({"payload": {"x": nested(63)}});
        let err = check(deep.as_object().unwrap()).unwrap_err();
        assert!(err.to_string().contains("64 levels"), "{err}");
    }

    #[test]
    fn nul_is_refused_with_its_path() {
        let vals = json!({"payload": {"order_line": [{"name": "a\u{0}b"}]}});
        let err = check(vals.as_object().unwrap()).unwrap_err().to_api();
        assert_eq!(err.code, "invalid_value");
        assert_eq!(err.path.as_deref(), Some("order_line[0].name"));
    }
}
