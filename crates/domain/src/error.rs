//! Errors: every way a domain or an order string can be refused.
//!
//! Each variant carries what a client needs to fix its input: a character position for text, the
//! index of the offending term for a malformed domain, the model, field and path for binding
//! problems. The messages are single lines.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum DomainError {
    /// The text is not a literal we understand; `position` is a 0-based character offset.
    #[error("syntax error at position {position}: expected {expected}, found {found}")]
    Syntax {
        position: usize,
        expected: String,
        found: String,
    },

    /// The token list is not a well-formed domain; `index` is the token's position in its list.
    #[error("malformed domain at term {index}: {reason}")]
    Structure { index: usize, reason: String },

    #[error("domain too complex: more than {limit} terms")]
    TooComplex { limit: usize },

    #[error("domain nested too deeply: more than {limit} levels")]
    TooDeep { limit: usize },

    #[error("unknown model '{model}'")]
    UnknownModel { model: String },

    #[error("unknown field '{field}' on model '{model}' (path '{path}')")]
    UnknownField {
        model: String,
        field: String,
        path: String,
    },

    #[error(
        "field '{field}' on model '{model}' is not relational, so path '{path}' cannot go through it"
    )]
    NotRelational {
        model: String,
        field: String,
        path: String,
    },

    #[error("path '{path}' goes through more than {limit} relations")]
    PathTooDeep { path: String, limit: usize },

    #[error("invalid value for field '{field}': {reason}")]
    InvalidValue { field: String, reason: String },

    #[error("operator '{operator}' cannot be used on field '{field}': {reason}")]
    InvalidOperator {
        field: String,
        operator: String,
        reason: String,
    },
}

impl DomainError {
    pub(crate) fn structure(index: usize, reason: impl Into<String>) -> Self {
        DomainError::Structure {
            index,
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid_value(field: &str, reason: impl Into<String>) -> Self {
        DomainError::InvalidValue {
            field: field.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn syntax(
        position: usize,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        DomainError::Syntax {
            position,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// Client text quoted in a message, with control characters escaped so the message stays on one
/// line.
pub(crate) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
