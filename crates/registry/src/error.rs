//! What can be wrong with a schema file. Every error names the model and field (or method) it is about,
//! so `weft schema check` can print one line per problem.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SchemaError {
    #[error("schema file is not valid TOML: {0}")]
    Syntax(String),
    #[error("{model}: {reason}")]
    Model { model: String, reason: String },
    #[error("{model}.{field}: {reason}")]
    Field {
        model: String,
        field: String,
        reason: String,
    },
    #[error("{model}.{method}(): {reason}")]
    Method {
        model: String,
        method: String,
        reason: String,
    },
    #[error("record {key}: {reason}")]
    Record { key: String, reason: String },
    #[error("{} problems:\n{}", .0.len(), .0.iter().map(|e| format!("  - {e}")).collect::<Vec<_>>().join("\n"))]
    Many(Vec<SchemaError>),
}

impl SchemaError {
    pub(crate) fn field(model: &str, field: &str, reason: impl Into<String>) -> Self {
        SchemaError::Field {
            model: model.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn model(model: &str, reason: impl Into<String>) -> Self {
        SchemaError::Model {
            model: model.into(),
            reason: reason.into(),
        }
    }
}
