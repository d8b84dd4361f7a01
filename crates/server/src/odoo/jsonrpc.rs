//! `POST /jsonrpc`: Odoo's external API over JSON-RPC (`{"params": {"service", "method", "args"}}`),
//! answered in Odoo's envelope: HTTP 200 with `result`, or `error` with code 200, "Odoo Server
//! Error" and `data` {name, message, arguments, context, debug ""}; the `id` is echoed whatever
//! its type. A limit that refuses a call answers 429 with `Retry-After`, as the ecosoft routes.
//!
//! Why not jsonrpsee's `RpcModule` (the design card names it; checked against jsonrpsee-types
//! 0.26): its `Request` requires `"jsonrpc": "2.0"` (`TwoPointZero` has no default), where Odoo
//! reads bodies without it; its `Id` is `Null | Number(u64) | Str`, so the negative, float,
//! object and array ids Odoo echoes are refused as invalid requests; `method` is required where
//! Odoo ignores it; a body that is not JSON gets `-32700 Parse error` instead of Odoo's
//! BadRequest envelope; and its server answers every envelope error itself, before a method
//! runs. Its `ErrorObject` could carry Odoo's error (code 200, message, data), but the envelope
//! cannot be made Odoo's, so one serde envelope (`weft_inbound::envelope`) serves every JSON
//! route. The end-to-end tests drive this route with jsonrpsee's HTTP client all the same.

use super::{Refusal, Wire, services};
use crate::odoo::schema::ServiceCallRequest;
use crate::rpc::{RpcBody, RpcReply};
use crate::schema::SessionReply;
use crate::state::AppState;
use poem::Request;
use poem_openapi::OpenApi;
use serde_json::Value;
use weft_inbound::envelope;
use weft_inbound::rpc::FaultKind;

use super::OdooTags;

pub struct JsonRpcApi {
    pub state: AppState,
}

#[OpenApi]
impl JsonRpcApi {
    /// Odoo's external API: `common` (version, login, authenticate, about), `object` (execute,
    /// execute_kw with `db, uid, password` first; the password or an API key is checked on every
    /// call) and `db` (list, server_version, list_lang, exist; the destructive ones are refused).
    #[oai(path = "/jsonrpc", method = "post", tag = "OdooTags::OdooRpc")]
    async fn jsonrpc(
        &self,
        req: &Request,
        body: RpcBody<ServiceCallRequest>,
    ) -> RpcReply<SessionReply> {
        let (id, params) = match envelope::parse_params(&body.bytes) {
            Ok(parsed) => parsed,
            Err(bad) => return RpcReply::new(envelope::bad_request(&bad)),
        };
        let text = |key: &str| params.get(key).and_then(Value::as_str);
        let (Some(service), Some(method)) = (text("service"), text("method")) else {
            let message = "dispatch_rpc() needs 'params.service' and 'params.method' as strings";
            return RpcReply::new(envelope::error(
                &id,
                FaultKind::TypeError.odoo_name(),
                message,
            ));
        };
        let args = match params.get("args") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.clone(),
            Some(_) => {
                let message = "'params.args' must be a list";
                return RpcReply::new(envelope::error(
                    &id,
                    FaultKind::TypeError.odoo_name(),
                    message,
                ));
            }
        };
        let peer = client_address(&self.state, req);
        let answer = services::serve(&self.state, peer, Wire::JsonRpc, service, method, args).await;
        reply(&id, answer)
    }
}

/// The address a request's failed logins count against (`X-Forwarded-For` only when trusted).
pub fn client_address(state: &AppState, req: &Request) -> Option<std::net::IpAddr> {
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    Some(state.login_limiter.client_address(peer, forwarded))
}

/// A result or a refusal in Odoo's JSON-RPC envelope (a limit: 429 with `Retry-After`).
pub fn reply<T>(id: &Value, answer: Result<Value, Refusal>) -> RpcReply<T> {
    match answer {
        Ok(result) => RpcReply::new(envelope::result(id, result)),
        Err(Refusal::Fault(fault)) => {
            RpcReply::new(envelope::error(id, fault.kind.odoo_name(), &fault.message))
        }
        Err(Refusal::TooMany { seconds, message }) => RpcReply::too_many(seconds, &message),
    }
}
