//! Why a call failed, as a type: a stable code (DESIGN.md §4), a one-line message and the path of the
//! value it is about. Internal failures keep their detail for the log; the client only ever sees a
//! generic message for them.

use super::ApiError;
use super::path::{Path, last_field};
use weft_store::StoreError;

/// The stable `error.code`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Code {
    NotFound,
    MultipleMatches,
    InvalidValue,
    UnknownField,
    MissingField,
    UnknownModel,
    UnknownMethod,
    AccessDenied,
    InvalidDomain,
    InvalidOrder,
    Conflict,
}

impl Code {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Code::NotFound => "not_found",
            Code::MultipleMatches => "multiple_matches",
            Code::InvalidValue => "invalid_value",
            Code::UnknownField => "unknown_field",
            Code::MissingField => "missing_field",
            Code::UnknownModel => "unknown_model",
            Code::UnknownMethod => "unknown_method",
            Code::AccessDenied => "access_denied",
            Code::InvalidDomain => "invalid_domain",
            Code::InvalidOrder => "invalid_order",
            Code::Conflict => "conflict",
        }
    }

    fn from_store(code: &str) -> Option<Code> {
        Some(match code {
            "not_found" => Code::NotFound,
            "invalid_value" => Code::InvalidValue,
            "unknown_field" => Code::UnknownField,
            "missing_field" => Code::MissingField,
            "unknown_model" => Code::UnknownModel,
            "access_denied" => Code::AccessDenied,
            "invalid_domain" => Code::InvalidDomain,
            "invalid_order" => Code::InvalidOrder,
            "conflict" => Code::Conflict,
            _ => return None,
        })
    }
}

pub(crate) const INTERNAL_CODE: &str = "internal_error";
const INTERNAL_MESSAGE: &str =
    "internal error: the call could not be completed (details are in the server log)";

#[derive(Debug, thiserror::Error)]
pub(crate) enum CallError {
    /// The request is at fault, or names something that is not there.
    #[error("{message}")]
    Request {
        code: Code,
        message: String,
        path: Option<String>,
    },
    /// Our side failed (database, hooks); the detail is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
    /// The transaction lost a race with another (a deadlock broken by the database); `run` tries
    /// the call again.
    #[error("transaction conflict: {0}")]
    Transient(String),
}

pub(crate) type CallResult<T> = Result<T, CallError>;

impl CallError {
    /// An error about the value at `path`; the message starts with the path so it reads alone.
    pub(crate) fn at(code: Code, path: &Path, reason: impl std::fmt::Display) -> CallError {
        if path.is_root() {
            return CallError::plain(code, reason);
        }
        CallError::Request {
            code,
            message: format!("{path}: {reason}"),
            path: Some(path.as_str().to_string()),
        }
    }

    /// An error about the request as a whole.
    pub(crate) fn plain(code: Code, message: impl std::fmt::Display) -> CallError {
        CallError::Request {
            code,
            message: message.to_string(),
            path: None,
        }
    }

    pub(crate) fn invalid(path: &Path, reason: impl std::fmt::Display) -> CallError {
        CallError::at(Code::InvalidValue, path, reason)
    }

    /// A store error seen from the record written at `base` (the payload root, or an
    /// `auto_create` entry): its field path is made absolute.
    pub(crate) fn from_store_at(error: StoreError, base: &Path) -> CallError {
        if error.is_transient() {
            return CallError::Transient(error.to_string());
        }
        let Some(code) = Code::from_store(error.code()) else {
            return CallError::Internal(error.to_string());
        };
        let path = error
            .field()
            .map(|f| base.join(f))
            .or_else(|| (!base.is_root()).then(|| base.clone()));
        let message = if base.is_root() {
            error.to_string()
        } else {
            format!("{base}: {error}")
        };
        CallError::Request {
            code,
            message: one_line(&message),
            path: path.map(|p| p.as_str().to_string()),
        }
    }

    pub(crate) fn to_api(&self) -> ApiError {
        match self {
            CallError::Request {
                code,
                message,
                path,
            } => ApiError {
                code: code.as_str(),
                // A message may quote a value the client sent: a URL with its credentials, say.
                message: one_line(&weft_logstore::redact::text(message)),
                field: path.as_deref().map(|p| last_field(p).to_string()),
                path: path.clone(),
            },
            CallError::Internal(_) | CallError::Transient(_) => ApiError {
                code: INTERNAL_CODE,
                message: INTERNAL_MESSAGE.to_string(),
                field: None,
                path: None,
            },
        }
    }
}

impl From<StoreError> for CallError {
    fn from(error: StoreError) -> CallError {
        CallError::from_store_at(error, &Path::root())
    }
}

/// `messages` is one line: control characters (a newline inside a client's value) are escaped.
fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
