//! Store and call errors as the Odoo exception a client expects: a refused record or model is an
//! `AccessError`, a missing one a `MissingError`, a value the record refuses a `ValidationError`,
//! an argument that cannot be read (a domain, an order, a field name) a `ValueError`. Our own
//! failures are `Internal` with a generic message; their detail goes to the server log, masked.

use super::{Fault, FaultKind};
use crate::call::error::{CallError, Code};
use weft_store::StoreError;

/// What the client reads when our side failed.
pub(crate) const INTERNAL_MESSAGE: &str =
    "The call could not be completed because of a server error (details are in the server log).";

/// Odoo's `MissingError` text.
pub(crate) const MISSING: &str = "Record does not exist or has been deleted.";

/// A failure, or a transaction that lost a race and may be run again.
#[derive(Debug)]
pub(crate) enum Failure {
    Fault(Fault),
    Transient(String),
}

impl From<Fault> for Failure {
    fn from(fault: Fault) -> Failure {
        Failure::Fault(fault)
    }
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Failure {
        if error.is_transient() {
            return Failure::Transient(error.to_string());
        }
        Failure::Fault(store_fault(error))
    }
}

impl From<CallError> for Failure {
    fn from(error: CallError) -> Failure {
        match error {
            CallError::Transient(detail) => Failure::Transient(detail),
            CallError::Internal(detail) => Failure::Fault(internal(&detail)),
            CallError::Request { code, message, .. } => Failure::Fault(Fault::new(
                kind_of(code),
                weft_logstore::redact::text(&message).into_owned(),
            )),
        }
    }
}

pub(crate) type Outcome<T> = Result<T, Failure>;

/// Log `detail` (masked) and answer the generic internal fault.
pub(crate) fn internal(detail: &str) -> Fault {
    let detail = weft_logstore::redact::text(detail);
    tracing::error!(%detail, "odoo rpc call failed");
    Fault::new(FaultKind::Internal, INTERNAL_MESSAGE)
}

fn kind_of(code: Code) -> FaultKind {
    match code {
        Code::AccessDenied => FaultKind::AccessError,
        Code::NotFound => FaultKind::MissingError,
        Code::InvalidValue | Code::MissingField | Code::Conflict | Code::MultipleMatches => {
            FaultKind::ValidationError
        }
        Code::UnknownField | Code::InvalidDomain | Code::InvalidOrder => FaultKind::ValueError,
        Code::UnknownModel => FaultKind::UserError,
        Code::UnknownMethod => FaultKind::AttributeError,
    }
}

/// The fault a store error is reported as (a transient one included, once retries are spent).
pub(crate) fn store_fault(error: StoreError) -> Fault {
    let text = |s: &str| weft_logstore::redact::text(s).into_owned();
    match error {
        StoreError::AccessDenied(reason) => Fault::new(FaultKind::AccessError, text(&reason)),
        StoreError::NotFound { model, ids } => {
            let ids: Vec<String> = ids.iter().take(10).map(i64::to_string).collect();
            Fault::new(
                FaultKind::MissingError,
                format!("{MISSING} (Records: {model}({}))", ids.join(", ")),
            )
        }
        StoreError::UnknownModel(model) => Fault::new(
            FaultKind::UserError,
            format!("Object {} doesn't exist", text(&model)),
        ),
        StoreError::UnknownField { model, field } => Fault::new(
            FaultKind::ValueError,
            format!("Invalid field '{}' on model '{model}'", text(&field)),
        ),
        StoreError::InvalidValue { field, reason } if field.is_empty() => {
            Fault::new(FaultKind::UserError, text(&reason))
        }
        error @ (StoreError::InvalidValue { .. }
        | StoreError::MissingField { .. }
        | StoreError::Conflict(_)) => {
            Fault::new(FaultKind::ValidationError, text(&error.to_string()))
        }
        error @ (StoreError::InvalidDomain(_) | StoreError::InvalidOrder(_)) => {
            Fault::new(FaultKind::ValueError, text(&error.to_string()))
        }
        other => internal(&other.to_string()),
    }
}

/// A `ValueError` about the argument `name`.
pub(crate) fn value_error(name: &str, reason: impl std::fmt::Display) -> Fault {
    Fault::new(FaultKind::ValueError, format!("{name}: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_become_odoo_exceptions() {
        let missing = store_fault(StoreError::NotFound {
            model: "res.partner".into(),
            ids: vec![7],
        });
        assert_eq!(missing.kind, FaultKind::MissingError);
        assert!(missing.message.starts_with(MISSING), "{}", missing.message);
        let denied = store_fault(StoreError::AccessDenied("no".into()));
        assert_eq!(denied.kind, FaultKind::AccessError);
        let invalid = store_fault(StoreError::InvalidValue {
            field: "date".into(),
            reason: "bad".into(),
        });
        assert_eq!(invalid.kind, FaultKind::ValidationError);
        assert!(invalid.message.contains("date"));
        let internal = store_fault(StoreError::Schema("secret detail".into()));
        assert_eq!(internal.kind, FaultKind::Internal);
        assert!(!internal.message.contains("secret"));
    }
}
