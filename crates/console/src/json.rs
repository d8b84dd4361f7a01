//! The JSON view (research §4): a value as pretty JSON that folds, rendered on the server as nested
//! `<details open><summary>{… N keys}</summary>…</details>`, so folding works by keyboard and
//! without a script (console.js adds Expand all / Collapse all). Every key and value is escaped
//! here, as askama would: `JsonHtml` can only be made by this module, and askama writes it as is.

use serde_json::Value;
use std::fmt::{self, Write};

/// Values in a view at most: a larger one is shown as plain pretty text (and downloaded whole).
const MAX_NODES: usize = 50_000;

/// HTML made by `view`: every piece of the value in it is escaped.
pub struct JsonHtml(String);

impl fmt::Display for JsonHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Built only by `view`, which escapes everything it writes.
impl askama::filters::HtmlSafe for JsonHtml {}

/// The foldable view of `value`, or None when it has more than `MAX_NODES` values.
pub fn view(value: &Value) -> Option<JsonHtml> {
    let mut out = String::new();
    let mut budget = MAX_NODES;
    node(&mut out, None, value, true, &mut budget).then_some(JsonHtml(out))
}

/// The view of `text` when it is JSON (a preview cut with ` ...` is not).
pub fn view_text(text: &str) -> Option<JsonHtml> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|value| view(&value))
}

/// Write one value (with its key inside an object); false when the budget ran out.
fn node(
    out: &mut String,
    key: Option<&str>,
    value: &Value,
    last: bool,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let comma = if last { "" } else { "," };
    let (open, close, count, noun) = match value {
        Value::Object(map) if !map.is_empty() => ("{", "}", map.len(), "key"),
        Value::Array(items) if !items.is_empty() => ("[", "]", items.len(), "item"),
        _ => {
            out.push_str("<div>");
            label(out, key);
            leaf(out, value);
            out.push_str(comma);
            out.push_str("</div>");
            return true;
        }
    };
    out.push_str("<details open><summary>");
    label(out, key);
    let plural = if count == 1 { "" } else { "s" };
    let _ = write!(out, "{open}… {count} {noun}{plural}{close}</summary>");
    let fine = match value {
        Value::Object(map) => map
            .iter()
            .enumerate()
            .all(|(i, (k, v))| node(out, Some(k), v, i + 1 == count, budget)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .all(|(i, v)| node(out, None, v, i + 1 == count, budget)),
        _ => unreachable!("a container"),
    };
    let _ = write!(out, "<div>{close}{comma}</div></details>");
    fine
}

fn label(out: &mut String, key: Option<&str>) {
    if let Some(key) = key {
        out.push_str("<span class=\"key\">");
        escape(out, &Value::from(key).to_string());
        out.push_str("</span>: ");
    }
}

fn leaf(out: &mut String, value: &Value) {
    let class = match value {
        Value::String(_) => "str",
        Value::Number(_) => "num",
        Value::Bool(_) => "bool",
        Value::Null => "null",
        // Empty containers.
        _ => "punct",
    };
    let _ = write!(out, "<span class=\"{class}\">");
    escape(out, &value.to_string());
    out.push_str("</span>");
}

/// `text` as HTML text or attribute value, as askama escapes it.
fn escape(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&#60;"),
            '>' => out.push_str("&#62;"),
            '&' => out.push_str("&#38;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn html(value: Value) -> String {
        view(&value).expect("a view").to_string()
    }

    #[test]
    fn objects_and_arrays_fold_and_say_how_much_they_hold() {
        let shown = html(json!({"a": 1, "list": [true, null], "one": {"x": "y"}, "none": {}}));
        assert!(
            shown.starts_with("<details open><summary>{… 4 keys}</summary>"),
            "{shown}"
        );
        assert!(
            shown.contains(
                "<details open><summary><span class=\"key\">&#34;list&#34;</span>: [… 2 items]</summary>"
            ),
            "{shown}"
        );
        assert!(
            shown.contains("<span class=\"key\">&#34;one&#34;</span>: {… 1 key}</summary>"),
            "{shown}"
        );
        assert!(shown.contains("<div><span class=\"bool\">true</span>,</div>"));
        assert!(shown.contains("<div><span class=\"null\">null</span></div>"));
        assert!(shown.contains("<span class=\"punct\">{}</span>"));
        assert!(shown.contains("<span class=\"num\">1</span>,</div>"));
        assert!(shown.ends_with("<div>}</div></details>"), "{shown}");
        assert_eq!(
            shown.matches("<details").count(),
            shown.matches("</details>").count()
        );
        assert_eq!(
            html(json!("plain")),
            "<div><span class=\"str\">&#34;plain&#34;</span></div>"
        );
    }

    #[test]
    fn keys_and_values_are_escaped() {
        let shown = html(json!({"<b>": "<script>alert(1)</script>", "q": "a'b&c"}));
        assert!(!shown.contains("<script>"), "{shown}");
        assert!(!shown.contains("<b>"), "{shown}");
        assert!(
            shown.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{shown}"
        );
        assert!(shown.contains("a&#39;b&#38;c"), "{shown}");
    }

    #[test]
    fn a_cut_preview_or_a_huge_value_has_no_view() {
        assert!(view_text(r#"{"name":"x ..."#).is_none());
        assert!(view_text(r#"{"name":"x"}"#).is_some());
        let huge = Value::Array((0..MAX_NODES).map(Value::from).collect());
        assert!(view(&huge).is_none());
    }
}
