//! The replies of the object resource, as Synconics shapes them (research §5 "Reply shape quirks"
//! and "Errors"): the result under the model's name, a one-item list unwrapped, a falsy result a
//! 404, a fault a 403 with its message; as JSON (always `application/json`) or, when `Accept`
//! prefers it, XML written by the webhooks resource's renderer.

use crate::restapi::render::{Format, value_xml, xml_document};
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::{Value, json};

/// A successful reply: `{"<key>": value}`, or the bare `value` when `key` is None.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) key: Option<String>,
    pub(super) value: Value,
}

impl Reply {
    /// `{"<model>": result}` with Synconics' unwrapping, or the 404 of a falsy result.
    pub(super) fn keyed(status: StatusCode, model: &str, result: Value) -> Result<Reply, Failure> {
        if !truthy(&result) {
            return Err(Failure::not_found());
        }
        Ok(Reply {
            status,
            key: Some(model.to_string()),
            value: unwrap(result),
        })
    }

    /// A bare body (`{"count": 3}`, `{"id": 20}`), 200.
    pub(super) fn bare(value: Value) -> Reply {
        Reply {
            status: StatusCode::OK,
            key: None,
            value,
        }
    }
}

/// A refused or failed call: its status, JSON body and headers.
pub(super) struct Failure {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
}

impl Failure {
    fn new(status: StatusCode, body: Value) -> Failure {
        Failure {
            status,
            body,
            retry_after: None,
        }
    }

    /// Any model or ORM fault, or a parameter that cannot be used: 403 with the message.
    pub(super) fn fault(message: impl Into<String>) -> Failure {
        let message: String = message.into();
        Failure::new(
            StatusCode::FORBIDDEN,
            json!({"error": {"code": 403, "message": message}}),
        )
    }

    /// A falsy result: Synconics' 404 (no `error` wrapper).
    pub(super) fn not_found() -> Failure {
        Failure::new(
            StatusCode::NOT_FOUND,
            json!({"code": 404, "message": "Record not found"}),
        )
    }

    pub(super) fn unauthenticated() -> Failure {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            json!({"code": 401, "message": "Authentication required"}),
        )
    }

    /// A body Weft cannot read (not JSON, a Python literal or a form; XML).
    pub(super) fn bad_request() -> Failure {
        Failure::new(
            StatusCode::BAD_REQUEST,
            json!({"error": {"code": 400, "message": "Bad Request"}}),
        )
    }

    /// A verb other than GET, HEAD, POST, PUT and DELETE without a method in the path.
    pub(super) fn method_not_allowed(verb: &str) -> Failure {
        Failure::new(
            StatusCode::METHOD_NOT_ALLOWED,
            json!({"error": {"code": 405, "message": format!(
                "{verb} needs a method in the path (/object/<model>/<method>)"
            )}}),
        )
    }

    pub(super) fn too_many(seconds: u64, message: String) -> Failure {
        Failure {
            retry_after: Some(seconds),
            ..Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                json!({"error": {"code": 429, "message": message}}),
            )
        }
    }

    /// Our own failure (the database); the detail is in the server log.
    pub(super) fn internal() -> Failure {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": {"code": 500, "message": "internal server error"}}),
        )
    }
}

/// Python's truthiness: null, false, 0, "", [] and {} are falsy.
pub(super) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A list stays a list when its first item is an int or it has more than one item; else its one
/// item comes back alone (a single search_read hit is an object, a single name_search hit
/// `[id, name]`).
pub(super) fn unwrap(value: Value) -> Value {
    match value {
        Value::Array(mut items) if items.len() == 1 && !is_int(&items[0]) => items.remove(0),
        other => other,
    }
}

fn is_int(value: &Value) -> bool {
    value.is_i64() || value.is_u64()
}

/// The reply in the format `Accept` prefers: JSON (`application/json` always, where Synconics
/// sends `text/html` unless `Accept` is exactly `application/json`) or XML.
pub(super) fn respond(req: &Request, outcome: Result<Reply, Failure>) -> Response {
    let format = Format::of(req);
    let (status, json, root, retry_after) = match outcome {
        Ok(reply) => {
            let root = reply.key.clone().unwrap_or_else(|| "result".into());
            let json = match reply.key {
                Some(key) => json!({ key: reply.value.clone() }),
                None => reply.value.clone(),
            };
            (reply.status, json, (root, reply.value), None)
        }
        Err(failure) => {
            let root = match failure.body.get("error") {
                Some(inner) => ("error".to_string(), inner.clone()),
                None => ("result".to_string(), failure.body.clone()),
            };
            (failure.status, failure.body, root, failure.retry_after)
        }
    };
    let body = match format {
        Format::Json => json.to_string(),
        Format::Xml(_) => xml_document(&value_xml(&root.0, &root.1)),
    };
    let mut response = Response::builder()
        .status(status)
        .content_type(format.content_type());
    if let Some(seconds) = retry_after {
        response = response.header("Retry-After", seconds.to_string());
    }
    response.body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_lists_unwrap_unless_an_int() {
        assert_eq!(unwrap(json!([{"id": 1}])), json!({"id": 1}));
        assert_eq!(unwrap(json!([[7, "ACME"]])), json!([7, "ACME"]));
        assert_eq!(unwrap(json!([7])), json!([7]));
        assert_eq!(unwrap(json!([1, 2])), json!([1, 2]));
    }

    #[test]
    fn falsy_is_python_falsy() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!truthy(&v), "{v}");
        }
        assert!(truthy(&json!([0])));
    }
}
