//! The parameters of an object call (research/synconics-restapi-oauth.md §5 "Value parsing"): the
//! query string's values, each read as a Python literal or JSON (through the safe literal reader,
//! never `eval`) or else kept as the raw text; a body that reads as a dictionary (JSON,
//! Python-literal or a form) merges its keys in (the query wins on a clash); `ids` comma-split;
//! and the create/write payload's order of sources.

use super::reply::Failure;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// One request's parameters.
pub(super) struct Params {
    /// The query string, each value evaluated.
    query: Map<String, Value>,
    /// The body as read: None when empty.
    body: Option<Value>,
}

impl Params {
    /// The query string and the body. A body that is neither JSON, a Python literal, (by its
    /// Content-Type) a form nor, when `xml` (the client asked for XML), an XML `<vals>`, `<args>`
    /// or `<kwargs>` is a 400 `Bad Request`.
    pub(super) fn of(
        query: HashMap<String, String>,
        content_type: &str,
        body: &[u8],
        xml: bool,
    ) -> Result<Params, Failure> {
        let query = query
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| {
                let value = evaluate(&v);
                (k, value)
            })
            .collect();
        let body = read_body(content_type, body, xml)?;
        Ok(Params { query, body })
    }

    /// The parameter from the query, else from a dictionary body; absent, null and blank text
    /// are none.
    pub(super) fn get(&self, name: &str) -> Option<&Value> {
        self.query
            .get(name)
            .or_else(|| self.body_get(name))
            .filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
    }

    fn body_get(&self, name: &str) -> Option<&Value> {
        self.body.as_ref()?.as_object()?.get(name)
    }

    /// `ids`: `12,17` (each piece a literal), or a list or one id from a JSON body.
    pub(super) fn ids(&self) -> Result<Option<Vec<i64>>, Failure> {
        let Some(value) = self.get("ids") else {
            return Ok(None);
        };
        let pieces: Vec<Value> = match value {
            Value::String(text) => text.split(',').map(|p| evaluate(p.trim())).collect(),
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        let ids = pieces
            .iter()
            .map(|p| {
                p.as_i64()
                    .ok_or_else(|| Failure::fault(format!("ids: {p} is not a record id")))
            })
            .collect::<Result<Vec<i64>, Failure>>()?;
        Ok(Some(ids))
    }

    /// The values of a create or write: the query's `vals`, then its `args`, then the body's
    /// `vals` and `args`, then the whole body; of a list, only its first element.
    pub(super) fn payload(&self) -> Result<Value, Failure> {
        let found = self
            .query
            .get("vals")
            .or_else(|| self.query.get("args"))
            .or_else(|| self.body_get("vals"))
            .or_else(|| self.body_get("args"))
            .or(self.body.as_ref());
        let value = match found {
            Some(Value::Array(items)) => items.first(),
            other => other,
        };
        match value {
            Some(Value::Object(vals)) => Ok(Value::Object(vals.clone())),
            Some(other) => Err(Failure::fault(format!(
                "vals: expected a dictionary {{'field_name': value, ...}}, not {other}"
            ))),
            None => Err(Failure::fault(
                "vals: the values are required (?vals={'field_name': value, ...} or the body)",
            )),
        }
    }

    /// `args` of a generic method: a list, or one value made a list.
    pub(super) fn args(&self) -> Vec<Value> {
        match self.get("args") {
            None => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(other) => vec![other.clone()],
        }
    }

    /// `kwargs` when it is a non-empty dictionary (Synconics passes them only when truthy).
    pub(super) fn kwargs(&self) -> Result<Map<String, Value>, Failure> {
        match self.get("kwargs") {
            None => Ok(Map::new()),
            Some(Value::Object(map)) => Ok(map.clone()),
            Some(other) => Err(Failure::fault(format!(
                "kwargs: expected a dictionary, not {other}"
            ))),
        }
    }
}

/// Synconics' `evaluate` without `eval`: a Python literal or JSON, else the text itself
/// (`order=name asc`, `operator=ilike`).
fn evaluate(text: &str) -> Value {
    weft_domain::parse_literal(text).unwrap_or_else(|_| json!(text))
}

fn read_body(content_type: &str, body: &[u8], xml: bool) -> Result<Option<Value>, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if xml && body.trim_ascii_start().starts_with(b"<") {
        return super::xml::read(body).map(Some).map_err(|reason| {
            tracing::debug!(%reason, "an XML body of /restapi/1.0/object was refused");
            Failure::bad_request()
        });
    }
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media == "application/x-www-form-urlencoded" {
        let text = std::str::from_utf8(body).map_err(|_| Failure::bad_request())?;
        return Ok(Some(Value::Object(form(text))));
    }
    let text = std::str::from_utf8(body).map_err(|_| Failure::bad_request())?;
    weft_domain::parse_literal(text.trim())
        .map(Some)
        .map_err(|_| Failure::bad_request())
}

/// A form body's fields, each evaluated as a query value is.
fn form(text: &str) -> Map<String, Value> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(v);
            (!value.trim().is_empty()).then(|| (decode(k), evaluate(&value)))
        })
        .collect()
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_literals_json_or_text() {
        assert_eq!(evaluate("[('a','=',True)]"), json!([["a", "=", true]]));
        assert_eq!(evaluate("[[\"a\",\"=\",true]]"), json!([["a", "=", true]]));
        assert_eq!(evaluate("name asc"), json!("name asc"));
        assert_eq!(evaluate("5"), json!(5));
    }

    #[test]
    fn forms_decode() {
        let map = form("name=Peter+M%C3%BCller&limit=5&x=%ZZ&y=%4");
        assert_eq!(map["name"], json!("Peter Müller"));
        assert_eq!(map["limit"], json!(5));
        assert_eq!(map["x"], json!("%ZZ"));
        assert_eq!(map["y"], json!("%4"));
    }

    #[test]
    fn payload_order_and_first_of_a_list() {
        let query: HashMap<String, String> = [(
            "args".to_string(),
            "[{'name': 'A'}, {'name': 'B'}]".to_string(),
        )]
        .into();
        let params = Params::of(
            query,
            "application/json",
            br#"{"vals": {"name": "C"}}"#,
            false,
        )
        .ok()
        .unwrap();
        assert_eq!(params.payload().ok(), Some(json!({"name": "A"})));
        let params = Params::of(HashMap::new(), "", br#"{"name": "C"}"#, false)
            .ok()
            .unwrap();
        assert_eq!(params.payload().ok(), Some(json!({"name": "C"})));
    }

    #[test]
    fn ids_split_on_commas() {
        let query: HashMap<String, String> = [("ids".to_string(), "12, 17".to_string())].into();
        let params = Params::of(query, "", b"", false).ok().unwrap();
        assert_eq!(params.ids().ok().flatten(), Some(vec![12, 17]));
        let query: HashMap<String, String> = [("ids".to_string(), "12,x".to_string())].into();
        assert!(
            Params::of(query, "", b"", false)
                .ok()
                .unwrap()
                .ids()
                .is_err()
        );
    }
}
