//! Previews (DESIGN.md §7): the first `limit` characters of a JSON text plus ` ...` when cut, cut on
//! a character boundary. In previews only, base64 `datas` values are shortened, so a preview shows
//! the shape of a payload with files rather than the start of the first file.

use serde_json::Value;

const CUT: &str = " ...";
/// Characters of a `datas` value a preview keeps.
const DATAS_KEPT: usize = 32;

/// `text` cut to `limit` characters, with ` ...` when cut.
pub(crate) fn preview(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_string(),
        Some((at, _)) => format!("{}{CUT}", &text[..at]),
    }
}

/// The preview of a JSON value whose text is `text`: `datas` shortened, then cut to `limit`
/// characters. Without a long `datas` the text is cut as it is.
pub(crate) fn preview_json(value: &Value, text: &str, limit: usize) -> String {
    if !has_long_datas(value) {
        return preview(text, limit);
    }
    let mut shown = value.clone();
    shorten_datas(&mut shown);
    preview(&shown.to_string(), limit)
}

fn has_long_datas(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(key, inner)| match inner {
            Value::String(s) => key == "datas" && s.chars().count() > DATAS_KEPT,
            _ => has_long_datas(inner),
        }),
        Value::Array(items) => items.iter().any(has_long_datas),
        _ => false,
    }
}

fn shorten_datas(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match inner {
                    Value::String(s) if key == "datas" && s.chars().count() > DATAS_KEPT => {
                        let total = s.chars().count();
                        *s = format!(
                            "{} ... ({total} characters)",
                            preview(s, DATAS_KEPT).trim_end_matches(CUT)
                        );
                    }
                    _ => shorten_datas(inner),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(shorten_datas),
        _ => {}
    }
}

/// The length in characters, as the log's `*_size` columns count.
pub(crate) fn chars(text: &str) -> i64 {
    text.chars().count() as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_text_is_cut_on_a_character_boundary() {
        assert_eq!(preview("abc", 3), "abc");
        assert_eq!(preview("abcd", 3), "abc ...");
        assert_eq!(preview("ééééé", 2), "éé ...");
        assert_eq!(preview(&"x".repeat(3000), 2000).chars().count(), 2004);
    }

    #[test]
    fn datas_are_shortened_in_previews_only() {
        let value = json!({"attachment_ids": [{"name": "a.pdf", "datas": "QUJD".repeat(100)}]});
        let shown = preview_json(&value, &value.to_string(), 2000);
        assert!(
            shown.contains("QUJDQUJDQUJDQUJDQUJDQUJDQUJDQUJD ... (400 characters)"),
            "{shown}"
        );
        assert_eq!(
            value["attachment_ids"][0]["datas"].as_str().unwrap().len(),
            400
        );
        let plain = json!({"name": "x".repeat(30)});
        assert_eq!(
            preview_json(&plain, &plain.to_string(), 10),
            r#"{"name":"x ..."#
        );
    }
}
