//! Odoo's own protocols (research/odoo-protocol-and-domains.md §2): `/jsonrpc`, XML-RPC
//! (`/xmlrpc/2/{service}` and the legacy `/xmlrpc/{service}`), the web client's routes and Odoo
//! 19's JSON-2. Each front end decodes its wire format and hands the call to `service_call` (the
//! `common`, `object` and `db` services) or, for calls made with a session or a bearer key, to the
//! model-method dispatcher `weft_inbound::rpc`; both answer a JSON value or a `Fault` that the front
//! end encodes its own way.

pub mod xmlrpc;
use crate::state::AppState;
use serde_json::Value;
use weft_inbound::rpc::{Fault, FaultKind};

/// The wire a call came over: the route of its receive log and its metrics label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // the front ends that use each wire follow
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
}

/// One call of an Odoo service (`common`, `object`, `db`) with its positional arguments, as
/// `/jsonrpc` and XML-RPC carry it; `peer` is the client's address, for the failed-login limits.
#[allow(dead_code)] // the front ends follow
pub async fn service_call(
    state: &AppState,
    peer: Option<std::net::IpAddr>,
    wire: Wire,
    service: &str,
    method: &str,
    args: Vec<Value>,
) -> Result<Value, Fault> {
    let _ = (state, peer, wire, args);
    Err(Fault::new(
        FaultKind::NameError,
        format!("service '{service}' has no method '{method}'"),
    ))
}
