//! What the admin operations on stored configuration (outbound rules, webhook subscriptions,
//! inbound hooks) share: their error type, the checked reading of the JSON objects the admin
//! routes receive (each error names its field), and the clock and datetime format their rows use.
//! It lives here, below both directions, so that `inbound` need not depend on `outbound`.

use crate::StoreError;
use chrono::NaiveDateTime;
use serde_json::{Map, Value};
use weft_domain::{BindOptions, Domain};
use weft_registry::Registry;

/// Bounds of a source's own `timeout_s` and `max_retries`.
const MAX_TIMEOUT_S: i64 = 300;
const MAX_RETRIES: i64 = 100;

/// Why an admin operation on stored configuration failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0} {1} does not exist")]
    NotFound(&'static str, i64),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("unknown field '{0}'")]
    UnknownField(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for ConfigError {
    fn from(e: sea_orm::DbErr) -> Self {
        ConfigError::Store(StoreError::Database(e))
    }
}

pub fn invalid(field: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// The JSON object an admin route received, read field by field.
pub struct Input<'a> {
    values: &'a Map<String, Value>,
}

impl<'a> Input<'a> {
    /// Refuse keys outside `known`.
    pub fn new(values: &'a Map<String, Value>, known: &[&str]) -> Result<Input<'a>, ConfigError> {
        if let Some(key) = values.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(ConfigError::UnknownField(key.clone()));
        }
        Ok(Input { values })
    }

    fn get(&self, field: &str) -> Option<&'a Value> {
        self.values.get(field).filter(|v| !v.is_null())
    }

    /// The value as sent (null when absent).
    pub fn raw(&self, field: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.values.get(field).unwrap_or(&NULL)
    }

    pub fn has(&self, field: &str) -> bool {
        self.values.contains_key(field)
    }

    /// A string, trimmed; empty is None.
    pub fn text(&self, field: &str) -> Result<Option<String>, ConfigError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(invalid(field, "expected a string")),
        }
    }

    pub fn required_text(&self, field: &str) -> Result<String, ConfigError> {
        self.text(field)?
            .ok_or_else(|| invalid(field, "is required"))
    }

    /// One of `choices`, or `default` when absent.
    pub fn choice(
        &self,
        field: &str,
        choices: &[&str],
        default: Option<&str>,
    ) -> Result<String, ConfigError> {
        match (self.text(field)?, default) {
            (Some(v), _) if choices.contains(&v.as_str()) => Ok(v),
            (Some(v), _) => Err(invalid(
                field,
                format!("'{v}' is not one of {}", choices.join(", ")),
            )),
            (None, Some(d)) => Ok(d.to_string()),
            (None, None) => Err(invalid(
                field,
                format!("is required (one of {})", choices.join(", ")),
            )),
        }
    }

    pub fn flag(&self, field: &str, default: bool) -> Result<bool, ConfigError> {
        match self.get(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(field, "expected true or false")),
        }
    }

    fn bounded(&self, field: &str, max: i64) -> Result<Option<i32>, ConfigError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| (0..=max).contains(n))
                .map(|n| Some(n as i32))
                .ok_or_else(|| invalid(field, format!("expected an integer from 0 to {max}"))),
        }
    }

    pub fn timeout_s(&self) -> Result<Option<i32>, ConfigError> {
        match self.bounded("timeout_s", MAX_TIMEOUT_S)? {
            Some(0) => Err(invalid("timeout_s", "must be at least 1 second")),
            other => Ok(other),
        }
    }

    pub fn max_retries(&self) -> Result<Option<i32>, ConfigError> {
        self.bounded("max_retries", MAX_RETRIES)
    }

    /// A domain as Python-literal or JSON text, or a JSON list, checked against `model`.
    pub fn domain(
        &self,
        field: &str,
        registry: &Registry,
        model: &str,
    ) -> Result<Option<Domain>, ConfigError> {
        let domain = match self.get(field) {
            None => return Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
            Some(value @ (Value::String(_) | Value::Array(_))) => {
                Domain::parse_json(value).map_err(|e| invalid(field, e.to_string()))?
            }
            Some(_) => return Err(invalid(field, "expected a domain as a string or a list")),
        };
        let options = BindOptions { active_test: false };
        domain
            .bind(registry, model, &options)
            .map_err(|e| invalid(field, e.to_string()))?;
        Ok(Some(domain))
    }
}

/// The model, which must be in the schema.
pub fn model(input: &Input, registry: &Registry) -> Result<String, ConfigError> {
    let model = input.required_text("model")?;
    if registry.model(&model).is_none() {
        return Err(invalid(
            "model",
            format!("'{model}' is not a model of the schema"),
        ));
    }
    Ok(model)
}

/// `2017-11-02 12:15:47`, as Odoo shows a datetime.
pub fn odoo_datetime(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The UTC clock with whole microseconds, as both databases store it.
pub fn now() -> NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
