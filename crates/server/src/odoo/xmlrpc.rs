//! Odoo's XML-RPC front end (research §2.5): `POST /xmlrpc/2/{common|object|db}` with integer
//! fault codes and the legacy `POST /xmlrpc/{common|object|db}` with string ones (what
//! odoo-client-lib's xmlrpc connector reads). The body is decoded by `weft_xmlrpc`, the call runs
//! through `service_call` like `/jsonrpc`'s, and the answer is always HTTP 200 `text/xml`: a
//! `methodResponse` or a `<fault>` (never a traceback). A body that is not XML-RPC is a fault
//! naming its position; an unknown service is a 404, another HTTP method a 405.

use super::{Wire, service_call};
use crate::state::AppState;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, handler, post};
use weft_inbound::rpc::{Fault, FaultKind};
use weft_xmlrpc as codec;

/// Bodies larger than this are decoded off the async workers: a 10 MB base64 attachment takes
/// tens of milliseconds to read, which would stall every request sharing the worker.
const DECODED_INLINE: usize = 256 * 1024;

/// The services Odoo serves over XML-RPC.
const SERVICES: [&str; 3] = ["common", "object", "db"];

/// The routes under `/xmlrpc`.
pub fn routes(state: AppState) -> impl Endpoint {
    Route::new()
        .at("/2/:service", post(xmlrpc_2))
        .at("/:service", post(xmlrpc_legacy))
        .data(state)
}

#[handler]
async fn xmlrpc_2(
    req: &Request,
    state: Data<&AppState>,
    Path(service): Path<String>,
    body: Vec<u8>,
) -> Response {
    answer(&state, req, Wire::XmlRpc, &service, body).await
}

#[handler]
async fn xmlrpc_legacy(
    req: &Request,
    state: Data<&AppState>,
    Path(service): Path<String>,
    body: Vec<u8>,
) -> Response {
    answer(&state, req, Wire::XmlRpcLegacy, &service, body).await
}

/// Decode, call, encode: a `methodResponse` or a fault, HTTP 200 either way.
async fn answer(
    state: &AppState,
    req: &Request,
    wire: Wire,
    service: &str,
    body: Vec<u8>,
) -> Response {
    if !SERVICES.contains(&service) {
        let message = format!("no XML-RPC service '{service}' (common, object, db)");
        return (StatusCode::NOT_FOUND, message).into_response();
    }
    let xml = match decode(body).await {
        // Odoo's reader raises an ExpatError here: an application error (code 1), not a 400.
        Err(malformed) => fault_xml(
            wire,
            &Fault::new(FaultKind::ValueError, malformed.to_string()),
        ),
        Ok(call) => {
            let peer = super::jsonrpc::client_address(state, req);
            match service_call(state, peer, wire, service, &call.name, call.params).await {
                Ok(result) => codec::encode_response(&result).unwrap_or_else(|unwritable| {
                    // A None (or an unwritable value) in a result is Odoo's TypeError.
                    fault_xml(
                        wire,
                        &Fault::new(FaultKind::TypeError, unwritable.to_string()),
                    )
                }),
                Err(fault) => fault_xml(wire, &fault),
            }
        }
    };
    Response::builder()
        .status(StatusCode::OK)
        .content_type("text/xml; charset=utf-8")
        .body(xml)
}

async fn decode(body: Vec<u8>) -> Result<codec::MethodCall, codec::DecodeError> {
    if body.len() <= DECODED_INLINE {
        return codec::decode_call(&body);
    }
    tokio::task::spawn_blocking(move || codec::decode_call(&body))
        .await
        .unwrap_or_else(|stopped| {
            Err(codec::DecodeError {
                line: 1,
                column: 1,
                offset: 0,
                reason: format!("the body could not be read: {stopped}"),
            })
        })
}

fn fault_xml(wire: Wire, fault: &Fault) -> String {
    codec::encode_fault(&wire_fault(wire, fault))
}

/// A fault as each endpoint reports it (odoo/addons/base/controllers/rpc.py): `/xmlrpc/2` the
/// integer class code and the message; the legacy routes a string code, the message inside it
/// for warnings (with an empty faultString), the message as the code for anything else.
pub(crate) fn wire_fault(wire: Wire, fault: &Fault) -> codec::Fault {
    let message = fault.message.clone();
    if wire != Wire::XmlRpcLegacy {
        return codec::Fault {
            code: codec::FaultCode::Int(fault.kind.xmlrpc_code()),
            string: message,
        };
    }
    let warning = |class: &str| codec::Fault {
        code: codec::FaultCode::Text(format!("warning -- {class}\n\n{message}")),
        string: String::new(),
    };
    match fault.kind {
        FaultKind::AccessDenied => codec::Fault {
            code: codec::FaultCode::Text("AccessDenied".into()),
            string: message,
        },
        FaultKind::MissingError => warning("MissingError"),
        FaultKind::AccessError => warning("AccessError"),
        // ValidationError is a UserError to Odoo's legacy handler.
        FaultKind::UserError | FaultKind::ValidationError => warning("UserError"),
        _ => codec::Fault {
            code: codec::FaultCode::Text(message),
            string: String::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legacy(kind: FaultKind) -> codec::Fault {
        wire_fault(Wire::XmlRpcLegacy, &Fault::new(kind, "No way."))
    }

    #[test]
    fn xmlrpc_2_faults_carry_the_class_code_and_the_message() {
        for (kind, code) in [
            (FaultKind::UserError, 2),
            (FaultKind::ValidationError, 2),
            (FaultKind::MissingError, 2),
            (FaultKind::AccessDenied, 3),
            (FaultKind::AccessError, 4),
            (FaultKind::ValueError, 1),
            (FaultKind::Internal, 1),
        ] {
            let fault = wire_fault(Wire::XmlRpc, &Fault::new(kind, "No way."));
            assert_eq!(fault.code, codec::FaultCode::Int(code), "{kind:?}");
            assert_eq!(fault.string, "No way.");
        }
    }

    #[test]
    fn legacy_faults_carry_odoo_string_codes() {
        let text = |s: &str| codec::FaultCode::Text(s.into());
        let denied = legacy(FaultKind::AccessDenied);
        assert_eq!(
            (denied.code, denied.string.as_str()),
            (text("AccessDenied"), "No way.")
        );
        for (kind, class) in [
            (FaultKind::UserError, "UserError"),
            (FaultKind::ValidationError, "UserError"),
            (FaultKind::MissingError, "MissingError"),
            (FaultKind::AccessError, "AccessError"),
        ] {
            let fault = legacy(kind);
            assert_eq!(fault.code, text(&format!("warning -- {class}\n\nNo way.")));
            assert_eq!(fault.string, "");
        }
        let other = legacy(FaultKind::AttributeError);
        assert_eq!((other.code, other.string.as_str()), (text("No way."), ""));
    }
}
