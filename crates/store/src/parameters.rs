//! Service parameters (DESIGN.md §4.1): a fixed set of keys with defaults, validated when written, so a
//! route never meets a value it cannot read. Stored in `weft_parameter`; an unset key has its default.

use crate::Store;
use crate::entity::parameter;
use crate::error::{Result, StoreError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, Set, TransactionTrait};
use std::collections::BTreeMap;

/// What a parameter's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bool,
    /// A non-negative integer up to the bound.
    Count(u64),
    /// A JSON list of model names.
    ModelList,
}

/// Every parameter: key, default, kind, meaning.
pub const PARAMETERS: &[(&str, &str, Kind, &str)] = &[
    (
        "webhook.preview_limit",
        "2000",
        Kind::Count(1_000_000),
        "characters kept in a preview",
    ),
    (
        "webhook.create_data_log",
        "true",
        Kind::Bool,
        "log /api/create_data",
    ),
    (
        "webhook.update_data_log",
        "true",
        Kind::Bool,
        "log /api/update_data",
    ),
    (
        "webhook.create_update_data_log",
        "true",
        Kind::Bool,
        "log /api/create_update_data",
    ),
    (
        "webhook.search_data_log",
        "true",
        Kind::Bool,
        "log /api/search_data",
    ),
    (
        "webhook.call_function_log",
        "true",
        Kind::Bool,
        "log /api/call_function",
    ),
    (
        "webhook.rpc_log",
        "true",
        Kind::Bool,
        "log the calls of Odoo's protocols (/jsonrpc, /xmlrpc, /web/dataset/call_kw, /json/2) and of /restapi",
    ),
    (
        "webhook.rollback_state_failed",
        "true",
        Kind::Bool,
        "roll back calls that did not succeed",
    ),
    (
        "webhook.rollback_except",
        "true",
        Kind::Bool,
        "roll back calls that failed with an error",
    ),
    (
        "webhook.ignore_checkcompany_model",
        "[]",
        Kind::ModelList,
        "models whose lookups ignore the company",
    ),
    (
        "webhook.ignore_unknown_fields",
        "false",
        Kind::Bool,
        "drop unknown payload keys silently, as ecosoft does",
    ),
    (
        "webhook.log_retention_days",
        "30",
        Kind::Count(36_500),
        "days logs are kept; 0 keeps them forever",
    ),
    (
        "webhook.delivery_retention_days",
        "14",
        Kind::Count(36_500),
        "days finished deliveries are kept",
    ),
    (
        "webhook.timeout",
        "5",
        Kind::Count(300),
        "seconds per outbound attempt",
    ),
    (
        "webhook.retry",
        "5",
        Kind::Count(100),
        "retries after the first outbound attempt",
    ),
    (
        "webhook.oauth_token_validity",
        "1800",
        Kind::Count(31_536_000),
        "seconds an OAuth access token of /restapi is valid (Synconics' 30 minutes)",
    ),
];

fn spec(key: &str) -> Option<&'static (&'static str, &'static str, Kind, &'static str)> {
    PARAMETERS.iter().find(|(k, ..)| *k == key)
}

/// Check a value for `key` and return its canonical text. `Ok(None)` = unknown key.
pub fn validate(key: &str, value: &str) -> Result<Option<String>> {
    let Some((_, _, kind, _)) = spec(key) else {
        return Ok(None);
    };
    let invalid = |reason: String| StoreError::InvalidValue {
        field: key.to_string(),
        reason,
    };
    let canonical = match kind {
        Kind::Bool => match value.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => "true".to_string(),
            "false" | "0" => "false".to_string(),
            other => {
                return Err(invalid(format!(
                    "'{other}' is not a boolean (true, false, 1, 0)"
                )));
            }
        },
        Kind::Count(max) => match value.trim().parse::<u64>() {
            Ok(n) if n <= *max => n.to_string(),
            _ => {
                return Err(invalid(format!(
                    "'{value}' is not a whole number from 0 to {max}"
                )));
            }
        },
        Kind::ModelList => match serde_json::from_str::<Vec<String>>(value) {
            Ok(models) => serde_json::to_string(&models).expect("strings serialise"),
            Err(_) => {
                return Err(invalid(format!(
                    "'{value}' is not a JSON list of model names"
                )));
            }
        },
    };
    Ok(Some(canonical))
}

/// The current values of every parameter (defaults filled in).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters(BTreeMap<String, String>);

impl Parameters {
    pub fn defaults() -> Parameters {
        Parameters(
            PARAMETERS
                .iter()
                .map(|(k, d, ..)| (k.to_string(), d.to_string()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(String::as_str).unwrap_or_default()
    }

    pub fn flag(&self, key: &str) -> bool {
        self.get(key) == "true"
    }

    pub fn count(&self, key: &str) -> u64 {
        self.get(key).parse().unwrap_or_default()
    }

    pub fn models(&self, key: &str) -> Vec<String> {
        serde_json::from_str(self.get(key)).unwrap_or_default()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Store {
    pub async fn parameters(&self) -> Result<Parameters> {
        let mut values = Parameters::defaults();
        for row in parameter::Entity::find().all(self.connection()).await? {
            // A value that no longer validates (an older release) falls back to the default.
            if let Ok(Some(v)) = validate(&row.key, &row.value) {
                values.0.insert(row.key, v);
            }
        }
        Ok(values)
    }

    /// Read the parameters again into an instance's copy (after a change here or an
    /// announcement of one elsewhere).
    pub async fn reload_parameters(&self, into: &std::sync::RwLock<Parameters>) -> Result<()> {
        let fresh = self.parameters().await?;
        *into.write().expect("parameters lock") = fresh;
        Ok(())
    }

    /// Validate and store a parameter. `Ok(None)` = unknown key.
    pub async fn set_parameter(&self, key: &str, value: &str) -> Result<Option<String>> {
        let Some(canonical) = validate(key, value)? else {
            return Ok(None);
        };
        let row = parameter::ActiveModel {
            key: Set(key.to_string()),
            value: Set(canonical.clone()),
            write_date: Set(chrono::Utc::now().naive_utc()),
        };
        let tx = self.writer().begin().await?;
        parameter::Entity::insert(row)
            .on_conflict(
                OnConflict::column(parameter::Column::Key)
                    .update_columns([parameter::Column::Value, parameter::Column::WriteDate])
                    .to_owned(),
            )
            .exec(&tx)
            .await?;
        self.announce_in(&tx, crate::Cached::Parameters).await?;
        tx.commit().await?;
        Ok(Some(canonical))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_validated_when_written() {
        assert_eq!(
            validate("webhook.rollback_except", "FALSE").unwrap(),
            Some("false".into())
        );
        assert_eq!(
            validate("webhook.rollback_except", "1").unwrap(),
            Some("true".into())
        );
        assert!(validate("webhook.rollback_except", "0 ").is_ok());
        assert!(validate("webhook.rollback_except", "yes").is_err());
        assert_eq!(
            validate("webhook.preview_limit", "500").unwrap(),
            Some("500".into())
        );
        assert!(validate("webhook.preview_limit", "-1").is_err());
        assert!(validate("webhook.retry", "101").is_err());
        assert_eq!(
            validate("webhook.ignore_checkcompany_model", "[\"res.partner\"]").unwrap(),
            Some("[\"res.partner\"]".into())
        );
        assert!(validate("webhook.ignore_checkcompany_model", "res.partner").is_err());
        assert_eq!(validate("webhook.nope", "1").unwrap(), None);
    }
}
