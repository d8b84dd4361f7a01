//! Odoo's model methods (`search`, `read`, `create`, `write`, `read_group`, `fields_get`, the
//! schema's declared methods, ...) behind one dispatcher, shared by every Odoo protocol Weft speaks:
//! `/jsonrpc`, XML-RPC (`/xmlrpc/2/*` and the legacy `/xmlrpc/*`), the web client's
//! `/web/dataset/call_kw` and Odoo 19's JSON-2. A front end decodes its wire format into a
//! `ModelCall`, authenticates the caller into an `Env`, and hands both to `dispatch`; what comes
//! back is a JSON `result` or a `Fault` it encodes its own way (an Odoo error envelope, an XML-RPC
//! fault, an HTTP status).
//!
//! Every call runs in one store transaction (a write commits on success and rolls back on a
//! failure, so rules and subscriptions fire exactly as for the ecosoft routes), under the caller's
//! companies, role and the key's `allowed_models` on every model it touches.

mod dates;
mod declared;
mod dispatch;
mod fault;
mod group;
mod irmodel;
mod meta;
mod params;
mod records;
mod values;

use serde_json::{Map, Value};
use weft_store::{Env, Store};

use crate::call::CallSettings;

/// One model method call, as `execute_kw(db, uid, password, model, method, args, kwargs)` names it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelCall {
    pub model: String,
    pub method: String,
    /// Positional arguments; for a method on records (`read`, `write`, `action_confirm`) the first
    /// one is the ids (an int or a list of ints).
    pub args: Vec<Value>,
    /// Named arguments; `context` is taken out and applied, as Odoo's `call_kw` does.
    pub kwargs: Map<String, Value>,
}

/// The Odoo exception class a failure is reported as; each protocol encodes it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `odoo.exceptions.UserError`: the request is wrong (a bad value, an unknown model).
    UserError,
    /// `odoo.exceptions.ValidationError`: a constraint refused the values.
    ValidationError,
    /// `odoo.exceptions.MissingError`: a record does not exist (or is not visible).
    MissingError,
    /// `odoo.exceptions.AccessError`: the caller may not do this (a private method, another
    /// company's record, a model outside the key's list, a role).
    AccessError,
    /// `odoo.exceptions.AccessDenied`: the credentials are wrong.
    AccessDenied,
    /// `builtins.ValueError`: an argument that cannot be read (a bad domain, order or field).
    ValueError,
    /// `builtins.TypeError`: the arguments do not fit the method (too many, a missing one).
    TypeError,
    /// `builtins.AttributeError`: the method does not exist on the model.
    AttributeError,
    /// `builtins.NameError`: the service has no such method.
    NameError,
    /// Our side failed; the message is generic, the detail is in the server log.
    Internal,
}

impl FaultKind {
    /// The exception's dotted Python name, as Odoo's JSON error `data.name` carries it.
    pub fn odoo_name(self) -> &'static str {
        match self {
            FaultKind::UserError => "odoo.exceptions.UserError",
            FaultKind::ValidationError => "odoo.exceptions.ValidationError",
            FaultKind::MissingError => "odoo.exceptions.MissingError",
            FaultKind::AccessError => "odoo.exceptions.AccessError",
            FaultKind::AccessDenied => "odoo.exceptions.AccessDenied",
            FaultKind::ValueError => "builtins.ValueError",
            FaultKind::TypeError => "builtins.TypeError",
            FaultKind::AttributeError => "builtins.AttributeError",
            FaultKind::NameError => "builtins.NameError",
            FaultKind::Internal => "builtins.RuntimeError",
        }
    }

    /// The `faultCode` of `/xmlrpc/2`: 1 application error, 2 user/validation/missing, 3
    /// AccessDenied, 4 AccessError.
    pub fn xmlrpc_code(self) -> i32 {
        match self {
            FaultKind::UserError | FaultKind::ValidationError | FaultKind::MissingError => 2,
            FaultKind::AccessDenied => 3,
            FaultKind::AccessError => 4,
            _ => 1,
        }
    }
}

/// Why a call failed: the exception class and a one-line message for the client (never a
/// database error or a traceback).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Fault {
    pub kind: FaultKind,
    pub message: String,
}

impl Fault {
    pub fn new(kind: FaultKind, message: impl Into<String>) -> Fault {
        Fault {
            kind,
            message: message.into(),
        }
    }
}

/// What a successful call answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The method's return value as JSON (`search` → ids, `read` → dicts, `write` → true).
    pub result: Value,
    /// Ids of the call's model it created or wrote (the receive log's `res_id` is the first).
    pub records: Vec<i64>,
}

/// A method's parameters in order, for JSON-2's named arguments and `/doc-bearer/{model}.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// Parameter names after the ids, in positional order (`search`: domain, offset, limit, order).
    pub params: Vec<String>,
    /// Whether the method runs on records: its first positional argument is the ids.
    pub on_records: bool,
}

/// Whether `call` may write: a front end runs such calls on the store's writer
/// (`Store::on_writer`), reads beside it.
pub fn writes(store: &Store, call: &ModelCall) -> bool {
    dispatch::resolve(store.registry(), &call.model, &call.method)
        .is_ok_and(|target| target.writes())
}

/// The parameters of `method` on `model`, or None when the model has no such public method.
pub fn signature(store: &Store, model: &str, method: &str) -> Option<Signature> {
    let target = dispatch::resolve(store.registry(), model, method).ok()?;
    let shape = target.shape();
    Some(Signature {
        params: shape.params.iter().map(|p| p.to_string()).collect(),
        on_records: shape.on_records,
    })
}

/// Run `call` for `env` in one transaction and answer its result or the fault to report. A
/// failure rolls everything back; a transaction that lost a race (a deadlock) is run again.
pub async fn dispatch(
    store: &Store,
    env: &Env,
    call: &ModelCall,
    settings: &CallSettings,
) -> Result<Answer, Fault> {
    dispatch::dispatch(store, env, call, settings).await
}
