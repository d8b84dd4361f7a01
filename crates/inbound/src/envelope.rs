//! The lax JSON-RPC envelope of Odoo's `type="json"` routes: only `params` is required, `method` and
//! `jsonrpc` are not checked, `id` is echoed. Replies are HTTP 200 with either `result` or an Odoo-shaped
//! `error` (`{"code":200,"message":"Odoo Server Error","data":{"name","message","arguments","context","debug"}}`;
//! `debug` is always empty: Odoo puts a traceback there, Weft never does).

use serde_json::{Map, Value, json};

/// JSON nesting deeper than this is refused before anything else looks at the body.
pub const MAX_DEPTH: usize = 64;

/// A data-route call: `params.model` and `params.vals`.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteCall {
    pub id: Value,
    pub model: String,
    pub vals: Map<String, Value>,
}

/// The envelope could not be read: Odoo answers with a `werkzeug.exceptions.BadRequest`.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRequest {
    pub id: Value,
    pub message: String,
}

/// Parse a data-route body. Only `params` with a string `model` and an object `vals` is required.
pub fn parse_route_call(body: &[u8]) -> Result<RouteCall, BadRequest> {
    let bad = |id: &Value, message: &str| BadRequest {
        id: id.clone(),
        message: message.to_string(),
    };
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| bad(&Value::Null, &format!("Invalid JSON data: {e}")))?;
    if depth(&value) > MAX_DEPTH {
        return Err(bad(
            &Value::Null,
            &format!("JSON nesting is deeper than {MAX_DEPTH} levels"),
        ));
    }
    let Value::Object(mut envelope) = value else {
        return Err(bad(
            &Value::Null,
            "Invalid JSON-RPC data: the body must be an object",
        ));
    };
    let id = envelope.remove("id").unwrap_or(Value::Null);
    let Some(Value::Object(mut params)) = envelope.remove("params") else {
        return Err(bad(&id, "'params' is missing or is not an object"));
    };
    let model = match params.remove("model") {
        Some(Value::String(m)) => m,
        _ => return Err(bad(&id, "'params.model' is missing or is not a string")),
    };
    let vals = match params.remove("vals") {
        Some(Value::Object(v)) => v,
        _ => return Err(bad(&id, "'params.vals' is missing or is not an object")),
    };
    Ok(RouteCall { id, model, vals })
}

/// Parse any other JSON-RPC body (sessions): `params` must be an object.
pub fn parse_params(body: &[u8]) -> Result<(Value, Map<String, Value>), BadRequest> {
    let value: Value = serde_json::from_slice(body).map_err(|e| BadRequest {
        id: Value::Null,
        message: format!("Invalid JSON data: {e}"),
    })?;
    let Value::Object(mut envelope) = value else {
        return Err(BadRequest {
            id: Value::Null,
            message: "Invalid JSON-RPC data: the body must be an object".into(),
        });
    };
    let id = envelope.remove("id").unwrap_or(Value::Null);
    match envelope.remove("params") {
        Some(Value::Object(params)) => Ok((id, params)),
        None => Ok((id, Map::new())),
        Some(_) => Err(BadRequest {
            id,
            message: "'params' is not an object".into(),
        }),
    }
}

pub fn result(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An Odoo server error (`name` is the Python exception class the client sees).
pub fn error(id: &Value, name: &str, message: &str) -> Value {
    coded_error(id, 200, "Odoo Server Error", name, message)
}

/// Odoo's answer to a route that needs a session when the request has none (or a stale one):
/// code 100, as the web client and odooly recognise it.
pub fn session_expired(id: &Value) -> Value {
    coded_error(
        id,
        100,
        "Odoo Session Expired",
        "odoo.http.SessionExpiredException",
        "Session expired",
    )
}

fn coded_error(id: &Value, code: i64, title: &str, name: &str, message: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": code,
            "message": title,
            "data": {"name": name, "message": message, "arguments": [message], "context": {}, "debug": ""}
        }
    })
}

pub fn bad_request(bad: &BadRequest) -> Value {
    error(
        &bad.id,
        "werkzeug.exceptions.BadRequest",
        &format!("400 Bad Request: {}", bad.message),
    )
}

/// Depth of a JSON value, without recursion (a hostile body must not overflow the stack).
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 1usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_params_is_required() {
        let call = parse_route_call(br#"{"params":{"model":"res.partner","vals":{"payload":{}}}}"#)
            .unwrap();
        assert_eq!((call.id, call.model.as_str()), (Value::Null, "res.partner"));
        let call = parse_route_call(
            br#"{"jsonrpc":"2.0","method":"x","id":"abc","params":{"model":"m","vals":{}}}"#,
        )
        .unwrap();
        assert_eq!(call.id, json!("abc"));
    }

    #[test]
    fn broken_envelopes_are_bad_requests_that_echo_the_id() {
        assert!(
            parse_route_call(b"not json")
                .unwrap_err()
                .message
                .starts_with("Invalid JSON data")
        );
        assert!(
            parse_route_call(b"[1]")
                .unwrap_err()
                .message
                .contains("must be an object")
        );
        let missing = parse_route_call(br#"{"id":7,"params":{"vals":{}}}"#).unwrap_err();
        assert_eq!(missing.id, json!(7));
        assert!(missing.message.contains("params.model"));
        assert!(
            parse_route_call(br#"{"params":{"model":"m","vals":[]}}"#)
                .unwrap_err()
                .message
                .contains("params.vals")
        );
        let deep = format!(
            "{{\"params\":{{\"model\":\"m\",\"vals\":{{\"a\":{}1{}}}}}}}",
            "[".repeat(70),
            "]".repeat(70)
        );
        assert!(
            parse_route_call(deep.as_bytes())
                .unwrap_err()
                .message
                .contains("deeper than 64")
        );
    }

    #[test]
    fn errors_have_odoo_shape() {
        let e = error(
            &json!(1),
            "werkzeug.exceptions.Unauthorized",
            "401 Unauthorized: Invalid apikey",
        );
        assert_eq!(e["error"]["code"], 200);
        assert_eq!(e["error"]["message"], "Odoo Server Error");
        assert_eq!(
            e["error"]["data"]["name"],
            "werkzeug.exceptions.Unauthorized"
        );
        assert_eq!(
            e["error"]["data"]["arguments"],
            json!(["401 Unauthorized: Invalid apikey"])
        );
        assert_eq!(e["error"]["data"]["debug"], "");
        let expired = session_expired(&json!("a1"));
        assert_eq!(
            (&expired["id"], &expired["error"]["code"]),
            (&json!("a1"), &json!(100))
        );
        assert_eq!(
            expired["error"]["data"]["name"],
            "odoo.http.SessionExpiredException"
        );
    }
}
