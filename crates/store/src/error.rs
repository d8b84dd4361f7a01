//! Store errors. Each one names what is wrong (model, field path, ids) in one line; `code()` gives the
//! stable error code the HTTP layer reports (DESIGN.md §4).

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unknown model '{0}'")]
    UnknownModel(String),
    #[error("{model} has no field '{field}'")]
    UnknownField { model: String, field: String },
    /// `field` is a path from the written record: `order_line[2].product_id`.
    #[error("invalid value for {field}: {reason}")]
    InvalidValue { field: String, reason: String },
    #[error("{field} is required")]
    MissingField { field: String },
    #[error("{model} record(s) {} not found", join_ids(.ids))]
    NotFound { model: String, ids: Vec<i64> },
    #[error("access denied: {0}")]
    AccessDenied(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid domain: {0}")]
    InvalidDomain(weft_domain::DomainError),
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    #[error("{0}")]
    Schema(String),
    #[error("change hook failed: {0}")]
    Hook(String),
    #[error("this transaction already failed and can only be rolled back")]
    Aborted,
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl StoreError {
    /// The stable `error.code` of DESIGN.md §4.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::UnknownModel(_) => "unknown_model",
            StoreError::UnknownField { .. } => "unknown_field",
            StoreError::InvalidValue { .. } => "invalid_value",
            StoreError::MissingField { .. } => "missing_field",
            StoreError::NotFound { .. } => "not_found",
            StoreError::AccessDenied(_) => "access_denied",
            StoreError::Conflict(_) => "conflict",
            StoreError::InvalidDomain(_) => "invalid_domain",
            StoreError::InvalidOrder(_) => "invalid_order",
            StoreError::Schema(_)
            | StoreError::Hook(_)
            | StoreError::Aborted
            | StoreError::Database(_)
            | StoreError::Io(_) => "internal_error",
        }
    }

    /// A transaction that lost a race, not a mistake: PostgreSQL broke a deadlock or could not
    /// serialize it (SQLSTATE 40P01, 40001). Running it again usually succeeds.
    pub fn is_transient(&self) -> bool {
        use sea_orm::{DbErr, RuntimeErr};
        let StoreError::Database(
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)),
        ) = self
        else {
            return false;
        };
        e.as_database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "40P01" || code == "40001")
    }

    /// The field path the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            StoreError::InvalidValue { field, .. } | StoreError::MissingField { field } => {
                Some(field)
            }
            StoreError::UnknownField { field, .. } => Some(field),
            _ => None,
        }
    }

    /// The same error seen from a parent record: `product_id` becomes `order_line[2].product_id`.
    pub(crate) fn under(self, prefix: &str) -> StoreError {
        let join = |f: String| format!("{prefix}.{f}");
        match self {
            StoreError::InvalidValue { field, reason } => StoreError::InvalidValue {
                field: join(field),
                reason,
            },
            StoreError::MissingField { field } => StoreError::MissingField { field: join(field) },
            StoreError::UnknownField { model, field } => StoreError::UnknownField {
                model,
                field: join(field),
            },
            other => other,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> StoreError {
        StoreError::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<weft_domain::DomainError> for StoreError {
    fn from(e: weft_domain::DomainError) -> Self {
        StoreError::InvalidDomain(e)
    }
}

/// The ids an error names: the first ten, then how many more (a message stays one short line).
fn join_ids(ids: &[i64]) -> String {
    const SHOWN: usize = 10;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
