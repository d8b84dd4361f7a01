//! The template's syntax: which strings are `{path}` or `{path:format}`, and the words a template
//! uses (so the renderer reads only the x2many fields it may follow).

use serde_json::{Map, Value};
use std::collections::HashSet;

/// `{path}` or `{path:format}` filling the whole (trimmed) string: the path is word characters and
/// dots, the format word characters. `{@method}` is neither, so it stays literal.
pub(super) fn parse(text: &str) -> Option<(&str, Option<&str>)> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let (path, format) = match inner.split_once(':') {
        Some((path, format)) => (path, Some(format)),
        None => (inner, None),
    };
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let path_ok = !path.is_empty() && path.chars().all(|c| word(c) || c == '.');
    let format_ok = format.is_none_or(|f| !f.is_empty() && f.chars().all(word));
    (path_ok && format_ok).then_some((path, format))
}

/// The words of every object key and `{path}` in `template`, at any depth.
pub(super) fn names(template: &Map<String, Value>) -> HashSet<String> {
    fn walk(value: &Value, out: &mut HashSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    out.insert(key.trim().to_string());
                    walk(value, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::String(text) => {
                if let Some((path, _)) = parse(text.trim()) {
                    out.extend(path.split('.').map(str::to_string));
                }
            }
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for (key, value) in template {
        out.insert(key.trim().to_string());
        walk(value, &mut out);
    }
    out
}
