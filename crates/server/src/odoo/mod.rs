//! Odoo's own protocols (research/odoo-protocol-and-domains.md §2): `/jsonrpc`, XML-RPC
//! (`/xmlrpc/2/{service}` and the legacy `/xmlrpc/{service}`), the web client's routes and Odoo
//! 19's JSON-2. Each front end decodes its wire format and hands the call to `service_call` (the
//! `common`, `object` and `db` services) or, for calls made with a session or a bearer key, to the
//! model-method dispatcher `weft_inbound::rpc`; both answer a JSON value or a `Fault` that the front
//! end encodes its own way. Every model call, whatever its wire, goes through `run::model_call`
//! (rate limit, the store's writer, the receive log, the metrics).

pub mod credentials;
pub mod json2;
pub mod jsonrpc;
pub mod run;
pub mod schema;
pub mod services;
pub mod web;

pub mod xmlrpc;
use crate::state::AppState;
use serde_json::Value;
use weft_inbound::rpc::{Fault, FaultKind};

/// The version every Odoo protocol announces: clients check it (odoorpc needs a major ≥ 10,
/// odooly > 8.0) and switch behaviour on it, so Weft says 17.0, the series it follows.
pub const SERVER_VERSION: &str = "17.0";

/// The OpenAPI tag of Odoo's own protocols.
#[derive(poem_openapi::Tags)]
pub enum OdooTags {
    /// Odoo's own protocols: `/jsonrpc`, the web client's routes and JSON-2.
    OdooRpc,
}

/// The wire a call came over: the route of its receive log and its metrics label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // XmlRpc and XmlRpcLegacy are the XML-RPC front end's
pub enum Wire {
    /// `POST /jsonrpc`.
    JsonRpc,
    /// `POST /xmlrpc/2/{service}` (integer fault codes).
    XmlRpc,
    /// `POST /xmlrpc/{service}` (string fault codes, as odoo-client-lib's xmlrpc connector reads).
    XmlRpcLegacy,
    /// `POST /web/dataset/call_kw[/{path}]` with the session cookie.
    WebClient,
    /// `POST /json/2/{model}/{method}` with a bearer key.
    Json2,
    /// Synconics' `/restapi/1.0/object/{model}[/{id}][/{method}]`.
    RestApi,
}

impl Wire {
    /// The metrics label.
    pub fn label(self) -> &'static str {
        match self {
            Wire::JsonRpc => "jsonrpc",
            Wire::XmlRpc => "xmlrpc",
            Wire::XmlRpcLegacy => "xmlrpc_legacy",
            Wire::WebClient => "web",
            Wire::Json2 => "json2",
            Wire::RestApi => "restapi",
        }
    }

    /// The route of a service call's receive log (`/xmlrpc/2/object`).
    pub fn service_route(self, service: &str) -> String {
        match self {
            Wire::JsonRpc => "/jsonrpc".into(),
            Wire::XmlRpc => format!("/xmlrpc/2/{service}"),
            Wire::XmlRpcLegacy => format!("/xmlrpc/{service}"),
            Wire::WebClient => "/web/dataset/call_kw".into(),
            Wire::Json2 => "/json/2".into(),
            Wire::RestApi => "/restapi/1.0/object".into(),
        }
    }
}

/// Why a call was not answered with a result: a fault of the call, or a limit that refused it
/// before it ran (the HTTP JSON front ends answer the latter 429 with `Retry-After`).
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    Fault(Fault),
    TooMany { seconds: u64, message: String },
}

impl From<Fault> for Refusal {
    fn from(fault: Fault) -> Refusal {
        Refusal::Fault(fault)
    }
}

impl Refusal {
    /// As a fault, for the wires that have no other way to say it (XML-RPC). A refused login is
    /// an AccessDenied; a caller over its rate is told to come back.
    #[allow(dead_code)] // XML-RPC's front end calls it through `service_call`
    pub fn into_fault(self) -> Fault {
        match self {
            Refusal::Fault(fault) => fault,
            Refusal::TooMany { message, .. } => Fault::new(FaultKind::AccessDenied, message),
        }
    }
}

/// One call of an Odoo service (`common`, `object`, `db`) with its positional arguments, as
/// `/jsonrpc` and XML-RPC carry it; `peer` is the client's address, for the failed-login limits.
#[allow(dead_code)] // the XML-RPC front end calls it; `/jsonrpc` uses `services::serve`
pub async fn service_call(
    state: &AppState,
    peer: Option<std::net::IpAddr>,
    wire: Wire,
    service: &str,
    method: &str,
    args: Vec<Value>,
) -> Result<Value, Fault> {
    services::serve(state, peer, wire, service, method, args)
        .await
        .map_err(Refusal::into_fault)
}

/// The snake_case name of a fault's kind, as a metrics label.
pub fn outcome_label(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::UserError => "user_error",
        FaultKind::ValidationError => "validation_error",
        FaultKind::MissingError => "missing_error",
        FaultKind::AccessError => "access_error",
        FaultKind::AccessDenied => "access_denied",
        FaultKind::ValueError => "value_error",
        FaultKind::TypeError => "type_error",
        FaultKind::AttributeError => "attribute_error",
        FaultKind::NameError => "name_error",
        FaultKind::Internal => "internal",
    }
}
