//! The replies and errors of `/restapi/1.0/webhooks`, as JSON or as XML when `Accept` prefers it
//! (the shapes are in the module comment of `restapi/mod.rs`).

use super::{COLUMNS, View};
use crate::admin::{AdminError, ErrorDetail};
use poem::http::StatusCode;
use poem::{Request, Response};
use serde_json::{Value, json};
use weft_domain::Domain;
use weft_outbound::notification::{escape, text};

// ---------------------------------------------------------------------------------------------
// Replies and errors, as JSON or XML.

pub(super) enum Reply {
    List(Vec<View>),
    One(View),
    Count(usize),
    /// `{}`
    Empty,
    /// The webhook and its test notification's delivery.
    Tested(View, i64),
}

pub(super) struct Failure {
    pub(super) status: StatusCode,
    pub(super) code: String,
    pub(super) message: String,
}

impl Failure {
    /// A refused parameter: 403 (seed 000: "if any error raise").
    pub(super) fn invalid(parameter: &str, reason: impl std::fmt::Display) -> Failure {
        Failure {
            status: StatusCode::FORBIDDEN,
            code: "invalid_value".into(),
            message: format!("{parameter}: {reason}"),
        }
    }
}

/// 401 and 404 stay; the service's own failures stay 500; every other error is a 403.
impl From<AdminError> for Failure {
    fn from(e: AdminError) -> Failure {
        let (status, body) = match e {
            AdminError::Unauthorized(b) => (StatusCode::UNAUTHORIZED, b),
            AdminError::NotFound(b) => (StatusCode::NOT_FOUND, b),
            AdminError::Internal(b) => (StatusCode::INTERNAL_SERVER_ERROR, b),
            AdminError::BadRequest(b)
            | AdminError::Forbidden(b)
            | AdminError::Conflict(b)
            | AdminError::Unprocessable(b)
            // Transport refusals are answered before a handler runs; never built here.
            | AdminError::PayloadTooLarge(b)
            | AdminError::UnsupportedMediaType(b) => (StatusCode::FORBIDDEN, b),
        };
        let ErrorDetail { code, message } = body.0.error;
        Failure {
            status,
            code,
            message,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Json,
    Xml(&'static str),
}

impl Format {
    /// The media type `Accept` prefers (highest `q`, the first on a tie); JSON by default.
    pub(super) fn of(req: &Request) -> Format {
        let accept = req
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let mut best = (Format::Json, 0.0_f32);
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let format = match media.as_str() {
                "application/xml" => Format::Xml("application/xml"),
                "text/xml" => Format::Xml("text/xml"),
                "application/json" | "application/*" | "*/*" => Format::Json,
                _ => continue,
            };
            if q > best.1 {
                best = (format, q);
            }
        }
        best.0
    }

    pub(super) fn content_type(self) -> String {
        match self {
            Format::Json => "application/json; charset=utf-8".into(),
            Format::Xml(media) => format!("{media}; charset=utf-8"),
        }
    }
}

pub(super) fn respond(req: &Request, outcome: Result<Reply, Failure>) -> Response {
    let format = Format::of(req);
    let (status, body) = match (&outcome, format) {
        (Ok(reply), Format::Json) => (StatusCode::OK, reply.to_json().to_string()),
        (Ok(reply), Format::Xml(_)) => (StatusCode::OK, xml_document(&reply.to_xml())),
        (Err(f), Format::Json) => (f.status, f.to_json().to_string()),
        (Err(f), Format::Xml(_)) => (f.status, xml_document(&f.to_xml())),
    };
    Response::builder()
        .status(status)
        .content_type(format.content_type())
        .body(body)
}

impl Reply {
    fn to_json(&self) -> Value {
        match self {
            Reply::List(views) => json!({"webhook": views}),
            Reply::One(view) => json!({"webhook": view}),
            Reply::Count(n) => json!({"count": n}),
            Reply::Empty => json!({}),
            Reply::Tested(view, delivery) => json!({"webhook": view, "delivery_id": delivery}),
        }
    }

    fn to_xml(&self) -> String {
        match self {
            Reply::List(views) => {
                let items: String = views.iter().map(webhook_xml).collect();
                format!("<webhooks>{items}</webhooks>")
            }
            Reply::One(view) => webhook_xml(view),
            Reply::Count(n) => format!("<count>{n}</count>"),
            Reply::Empty => "<result/>".into(),
            Reply::Tested(view, delivery) => format!(
                "<result>{}<delivery_id>{delivery}</delivery_id></result>",
                webhook_xml(view)
            ),
        }
    }
}

impl Failure {
    fn to_json(&self) -> Value {
        json!({"error": {"code": self.code, "message": self.message}})
    }

    fn to_xml(&self) -> String {
        format!(
            r#"<error code="{}">{}</error>"#,
            escape(&self.code),
            escape(&self.message)
        )
    }
}

pub(super) fn xml_document(root: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{root}")
}

/// `<webhook id="3">` and one element per field, in `COLUMNS` order (then `secret`).
fn webhook_xml(view: &View) -> String {
    let id = view.get("id").map(Value::to_string).unwrap_or_default();
    let names = COLUMNS.iter().map(|(n, _)| *n).chain(["secret"]);
    let children: String = names
        .filter(|n| *n != "id")
        .filter_map(|n| view.get(n).map(|v| element(n, v)))
        .collect();
    format!(r#"<webhook id="{}">{children}</webhook>"#, escape(&id))
}

fn element(name: &str, value: &Value) -> String {
    match value {
        Value::Null => format!(r#"<{name} empty="true"/>"#),
        Value::Array(items) if name == "fields" => {
            let inner: String = items
                .iter()
                .map(|i| format!("<field>{}</field>", escape(&text(i))))
                .collect();
            format!("<{name}>{inner}</{name}>")
        }
        Value::Array(_) if name == "condition" => {
            let literal = Domain::parse_json(value)
                .map(|d| d.to_string())
                .unwrap_or_else(|_| value.to_string());
            format!("<{name}>{}</{name}>", escape(&literal))
        }
        other => value_xml(name, other),
    }
}

/// Any JSON value as one element named `name` (shared with the object resource): null is an
/// empty element with `empty="true"`, a list has one `<item>` per element, a dictionary one child
/// per key (a key that is not an XML name becomes `<key name="..">`), anything else is text.
pub(super) fn value_xml(name: &str, value: &Value) -> String {
    let (open, close) = if xml_name(name) {
        (name.to_string(), name.to_string())
    } else {
        (format!(r#"key name="{}""#, escape(name)), "key".to_string())
    };
    match value {
        Value::Null => format!(r#"<{open} empty="true"/>"#),
        Value::Array(items) => {
            let inner: String = items.iter().map(|i| value_xml("item", i)).collect();
            format!("<{open}>{inner}</{close}>")
        }
        Value::Object(map) => {
            let inner: String = map.iter().map(|(k, v)| value_xml(k, v)).collect();
            format!("<{open}>{inner}</{close}>")
        }
        other => format!("<{open}>{}</{close}>", escape(&text(other))),
    }
}

/// An XML element name as this renderer writes them: a letter or `_`, then letters, digits,
/// `_`, `-` and `.`.
fn xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.to_ascii_lowercase().starts_with("xml")
}
