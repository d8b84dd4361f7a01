//! The typed shapes of Odoo's protocols, for the OpenAPI document only: the front ends read the
//! raw bodies themselves (Odoo's envelopes are lax) and build their replies as JSON.

use poem_openapi::Object;
use serde_json::Value;
use std::collections::BTreeMap;

/// A `/jsonrpc` call: `params.service`, `params.method`, `params.args`.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ServiceCallRequest {
    /// Ignored; "2.0" by convention.
    pub jsonrpc: Option<String>,
    /// Ignored; "call" by convention.
    pub method: Option<String>,
    /// Echoed in the reply, whatever its type.
    pub id: Option<Value>,
    pub params: ServiceCallParams,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ServiceCallParams {
    /// `common`, `object` or `db`.
    pub service: String,
    /// `version`, `login`, `authenticate`, `about`; `execute`, `execute_kw`; `list`,
    /// `server_version`, `list_lang`, `exist`.
    pub method: String,
    /// Positional arguments: `object` calls start with `db, uid, password`.
    pub args: Option<Vec<Value>>,
}

/// A web client route's envelope with any `params` (or none).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct WebRequest {
    pub jsonrpc: Option<String>,
    pub method: Option<String>,
    pub id: Option<Value>,
    pub params: Option<BTreeMap<String, Value>>,
}

/// A `/web/dataset/call_kw` call.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallKwRequest {
    pub jsonrpc: Option<String>,
    pub method: Option<String>,
    pub id: Option<Value>,
    pub params: CallKwParams,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CallKwParams {
    /// The model, e.g. `res.partner`.
    pub model: String,
    /// The model method, e.g. `search_read`.
    pub method: String,
    /// Positional arguments; a record method's first is the ids.
    pub args: Option<Vec<Value>>,
    /// Named arguments; `context` is applied.
    pub kwargs: Option<BTreeMap<String, Value>>,
}

/// Odoo 19's JSON-2 error body (`odoo.http.serialize_exception`).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Json2Error {
    /// The exception class, e.g. `werkzeug.exceptions.NotFound`, `odoo.exceptions.AccessError`.
    pub name: String,
    pub message: String,
    /// The message; for an HTTP exception, the message and the status.
    pub arguments: Vec<Value>,
    pub context: BTreeMap<String, Value>,
    /// Always empty: Odoo puts a traceback here, Weft never does.
    pub debug: String,
}

/// `/doc-bearer/{model}.json`: each method of the model with its parameters in order.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ModelDoc {
    pub name: String,
    pub model: String,
    pub methods: BTreeMap<String, MethodDoc>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MethodDoc {
    /// `["model"]` for a method called without ids.
    pub api: Vec<String>,
    /// The parameters after the ids, in positional order (an object: its keys' order counts).
    pub parameters: BTreeMap<String, BTreeMap<String, Value>>,
}
