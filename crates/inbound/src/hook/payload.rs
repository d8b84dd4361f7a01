//! Values taken from an inbound hook's payload (DESIGN.md §8): a path such as `customer.code` or
//! `lines[0].sku` (dot keys, `[n]` indexes) names a value in the JSON the caller sent, and
//! `{"$payload": "<path>"}` anywhere in an action's values stands for that value.
//!
//! A path that names nothing leaves its key out of the values (so an optional field is not cleared
//! because the caller did not send it); `required` is how a hook insists on a value.
//!
//! Every value put in from the payload is marked (`FromPayload`): the conversion reads it as a
//! value by the type of its field, never as an id or a command (`call::untrusted`).

use crate::call::FromPayload;
use serde_json::{Map, Value};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A parsed payload path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadPath {
    text: String,
    steps: Vec<Step>,
}

impl PayloadPath {
    /// `a.b[0].c`; keys are any characters but `.`, `[` and `]`, and none may be empty.
    pub fn parse(text: &str) -> Result<PayloadPath, String> {
        let mut steps = Vec::new();
        for part in text.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(at) => part.split_at(at),
                None => (part, ""),
            };
            if key.is_empty() || key.contains(']') {
                return Err(format!(
                    "'{text}' is not a payload path (an empty or bad key)"
                ));
            }
            steps.push(Step::Key(key.to_string()));
            while !rest.is_empty() {
                let index = rest
                    .strip_prefix('[')
                    .and_then(|r| r.split_once(']'))
                    .and_then(|(n, after)| Some((n.parse::<usize>().ok()?, after)));
                let Some((n, after)) = index else {
                    return Err(format!(
                        "'{text}' is not a payload path (an index is written [0])"
                    ));
                };
                steps.push(Step::Index(n));
                rest = after;
            }
        }
        Ok(PayloadPath {
            text: text.to_string(),
            steps,
        })
    }

    /// The value the path names in `payload`; None when a key or index is missing. A `null` counts
    /// as missing: the caller sent no value. A query string has flat keys only, so a key spelled
    /// as the whole path (`customer.code=C1`) is taken too.
    pub fn find<'p>(&self, payload: &'p Value) -> Option<&'p Value> {
        self.follow(payload)
            .or_else(|| payload.get(&self.text).filter(|v| !v.is_null()))
    }

    fn follow<'p>(&self, payload: &'p Value) -> Option<&'p Value> {
        let mut at = payload;
        for step in &self.steps {
            at = match step {
                Step::Key(key) => at.get(key)?,
                Step::Index(n) => at.get(*n)?,
            };
        }
        (!at.is_null()).then_some(at)
    }
}

impl fmt::Display for PayloadPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The path of a `{"$payload": "<path>"}` reference; `Ok(None)` for any other value.
pub fn reference(value: &Value) -> Result<Option<PayloadPath>, String> {
    let Value::Object(map) = value else {
        return Ok(None);
    };
    let Some(path) = map.get("$payload") else {
        return Ok(None);
    };
    match (path, map.len()) {
        (Value::String(text), 1) => PayloadPath::parse(text).map(Some),
        (Value::String(_), _) => Err("a {\"$payload\": ...} reference has no other keys".into()),
        _ => Err("\"$payload\" takes a path such as \"customer.code\"".into()),
    }
}

/// Check every reference in `values`; the first bad one is reported with where it sits.
pub fn check_references(values: &Value, at: &str) -> Result<(), (String, String)> {
    reference(values).map_err(|e| (at.to_string(), e))?;
    match values {
        Value::Object(map) if !map.contains_key("$payload") => map
            .iter()
            .try_for_each(|(key, value)| check_references(value, &format!("{at}.{key}"))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, value)| check_references(value, &format!("{at}[{i}]"))),
        _ => Ok(()),
    }
}

/// `values` with every reference replaced by what it names in `payload`; a reference that names
/// nothing drops its key (in an object) or becomes `null` (in a list). Each value put in is marked
/// in `marks` at its place, `at` being where `values` sits in the call's values (`""` for an
/// action's values). References were checked when the hook was saved, so a bad one here is left
/// as it is.
pub fn resolve(values: &Value, payload: &Value, at: &str, marks: &mut FromPayload) -> Value {
    match values {
        Value::Object(map) => {
            let mut out = Map::with_capacity(map.len());
            for (key, value) in map {
                let here = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                match reference(value) {
                    Ok(Some(path)) => {
                        if let Some(found) = take(&path, payload, here, marks) {
                            out.insert(key.clone(), found);
                        }
                    }
                    _ => {
                        out.insert(key.clone(), resolve(value, payload, &here, marks));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let here = format!("{at}[{i}]");
                    match reference(item) {
                        Ok(Some(path)) => take(&path, payload, here, marks).unwrap_or(Value::Null),
                        _ => resolve(item, payload, &here, marks),
                    }
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The value `path` names in `payload`, marked at `here`.
fn take(
    path: &PayloadPath,
    payload: &Value,
    here: String,
    marks: &mut FromPayload,
) -> Option<Value> {
    let found = path.find(payload).cloned();
    if found.is_some() {
        marks.mark(here, path.to_string());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_follow_keys_and_indexes() {
        let payload = json!({"customer": {"code": "C1", "tags": ["a", "b"]},
                             "lines": [{"sku": "X"}, {"sku": null}], "n": 0, "no": false});
        let find = |p: &str| PayloadPath::parse(p).unwrap().find(&payload).cloned();
        assert_eq!(find("customer.code"), Some(json!("C1")));
        assert_eq!(find("customer.tags[1]"), Some(json!("b")));
        assert_eq!(find("lines[0].sku"), Some(json!("X")));
        assert_eq!(find("lines[1].sku"), None, "null is no value");
        assert_eq!(find("lines[2].sku"), None);
        assert_eq!(find("customer.name"), None);
        assert_eq!(find("n"), Some(json!(0)), "zero and false are values");
        assert_eq!(find("no"), Some(json!(false)));
        assert_eq!(find("customer.code.x"), None);
    }

    #[test]
    fn bad_paths_say_why() {
        for bad in ["", "a..b", "a.", "[0]", "a[x]", "a[0", "a]b", "a[-1]"] {
            let err = PayloadPath::parse(bad).unwrap_err();
            assert!(err.contains("not a payload path"), "{bad}: {err}");
        }
    }

    #[test]
    fn references_are_replaced_and_missing_ones_left_out() {
        let values = json!({"name": {"$payload": "name"}, "phone": {"$payload": "phone"},
                            "company_type": "person",
                            "partner_id": {"ref": {"$payload": "customer.code"}},
                            "category_id": [{"$payload": "tags[0]"}, {"$payload": "tags[5]"}]});
        let payload = json!({"name": "Jane", "customer": {"code": "C1"}, "tags": ["vip"]});
        let mut marks = FromPayload::default();
        assert_eq!(
            resolve(&values, &payload, "", &mut marks),
            json!({"name": "Jane", "company_type": "person", "partner_id": {"ref": "C1"},
                   "category_id": ["vip", null]})
        );
        // Marked where each payload value landed, with where it came from; literals are not.
        let mut expected = FromPayload::default();
        expected.mark("name".into(), "name".into());
        expected.mark("partner_id.ref".into(), "customer.code".into());
        expected.mark("category_id[0]".into(), "tags[0]".into());
        assert_eq!(marks, expected);
        let mut marks = FromPayload::default();
        resolve(
            &json!({"note": {"$payload": "n"}}),
            &json!({"n": "x"}),
            "parameter",
            &mut marks,
        );
        let mut expected = FromPayload::default();
        expected.mark("parameter.note".into(), "n".into());
        assert_eq!(marks, expected);
    }

    #[test]
    fn bad_references_are_found_with_where_they_sit() {
        assert_eq!(
            check_references(&json!({"a": {"$payload": "x.y"}}), "values"),
            Ok(())
        );
        let (at, why) =
            check_references(&json!({"a": [{"b": {"$payload": "x..y"}}]}), "values").unwrap_err();
        assert_eq!(at, "values.a[0].b");
        assert!(why.contains("not a payload path"), "{why}");
        let (at, why) = check_references(&json!({"a": {"$payload": 3}}), "values").unwrap_err();
        assert_eq!(at, "values.a");
        assert!(why.contains("takes a path"), "{why}");
        let (_, why) =
            check_references(&json!({"a": {"$payload": "x", "b": 1}}), "values").unwrap_err();
        assert!(why.contains("no other keys"), "{why}");
    }
}
