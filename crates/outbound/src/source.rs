//! What outbound rules and webhook subscriptions have in common: what kind of source a delivery
//! came from, its signing secrets (the previous one keeps signing for a day after a rotation), its
//! own timeout and retries, the error type of their admin operations, and the checked reading of
//! the JSON objects the admin routes receive (each error names its field).

use chrono::NaiveDateTime;
use serde_json::{Map, Value};
use weft_domain::{BindOptions, Domain};
use weft_registry::Registry;
use weft_store::StoreError;
use weft_webhook::signing::Secret;

/// How long the replaced secret still signs after a rotation (DESIGN.md §6).
pub const ROTATION_GRACE: chrono::Duration = chrono::Duration::hours(24);
/// Bounds of a source's own `timeout_s` and `max_retries`.
const MAX_TIMEOUT_S: i64 = 300;
const MAX_RETRIES: i64 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Rule,
    Subscription,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Rule => "rule",
            SourceKind::Subscription => "subscription",
        }
    }

    pub fn parse(text: &str) -> Option<SourceKind> {
        match text {
            "rule" => Some(SourceKind::Rule),
            "subscription" => Some(SourceKind::Subscription),
            _ => None,
        }
    }
}

/// A source's secrets: the current one, and during a rotation the one it replaced.
#[derive(Debug, Clone)]
pub struct Signing {
    pub current: Secret,
    pub previous: Option<(Secret, NaiveDateTime)>,
}

impl Signing {
    pub fn from_columns(
        secret: &str,
        previous: Option<&str>,
        until: Option<NaiveDateTime>,
    ) -> Result<Signing, String> {
        let current = Secret::parse(secret).map_err(|e| e.to_string())?;
        let previous = match (previous, until) {
            (Some(p), Some(until)) => Some((Secret::parse(p).map_err(|e| e.to_string())?, until)),
            _ => None,
        };
        Ok(Signing { current, previous })
    }

    /// The secrets that sign at `now`.
    pub fn secrets(&self, now: NaiveDateTime) -> Vec<&Secret> {
        let mut out = vec![&self.current];
        if let Some((previous, until)) = &self.previous
            && *until > now
        {
            out.push(previous);
        }
        out
    }
}

/// A source's own delivery settings; None takes `webhook.timeout` / `webhook.retry`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub timeout_s: Option<u32>,
    pub max_retries: Option<u32>,
}

impl Limits {
    pub fn from_columns(timeout_s: Option<i32>, max_retries: Option<i32>) -> Limits {
        Limits {
            timeout_s: timeout_s.and_then(|t| u32::try_from(t).ok()),
            max_retries: max_retries.and_then(|r| u32::try_from(r).ok()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0} {1} does not exist")]
    NotFound(&'static str, i64),
    #[error("{field}: {reason}")]
    Invalid { field: String, reason: String },
    #[error("unknown field '{0}'")]
    UnknownField(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for SourceError {
    fn from(e: sea_orm::DbErr) -> Self {
        SourceError::Store(StoreError::Database(e))
    }
}

pub fn invalid(field: &str, reason: impl Into<String>) -> SourceError {
    SourceError::Invalid {
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
    pub fn new(values: &'a Map<String, Value>, known: &[&str]) -> Result<Input<'a>, SourceError> {
        if let Some(key) = values.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(SourceError::UnknownField(key.clone()));
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
    pub fn text(&self, field: &str) -> Result<Option<String>, SourceError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(_) => Err(invalid(field, "expected a string")),
        }
    }

    pub fn required_text(&self, field: &str) -> Result<String, SourceError> {
        self.text(field)?
            .ok_or_else(|| invalid(field, "is required"))
    }

    /// One of `choices`, or `default` when absent.
    pub fn choice(
        &self,
        field: &str,
        choices: &[&str],
        default: Option<&str>,
    ) -> Result<String, SourceError> {
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

    pub fn flag(&self, field: &str, default: bool) -> Result<bool, SourceError> {
        match self.get(field) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(invalid(field, "expected true or false")),
        }
    }

    fn bounded(&self, field: &str, max: i64) -> Result<Option<i32>, SourceError> {
        match self.get(field) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .filter(|n| (0..=max).contains(n))
                .map(|n| Some(n as i32))
                .ok_or_else(|| invalid(field, format!("expected an integer from 0 to {max}"))),
        }
    }

    pub fn timeout_s(&self) -> Result<Option<i32>, SourceError> {
        match self.bounded("timeout_s", MAX_TIMEOUT_S)? {
            Some(0) => Err(invalid("timeout_s", "must be at least 1 second")),
            other => Ok(other),
        }
    }

    pub fn max_retries(&self) -> Result<Option<i32>, SourceError> {
        self.bounded("max_retries", MAX_RETRIES)
    }

    /// A domain as Python-literal or JSON text, or a JSON list, checked against `model`.
    pub fn domain(
        &self,
        field: &str,
        registry: &Registry,
        model: &str,
    ) -> Result<Option<Domain>, SourceError> {
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

    /// A new secret (`whsec_...`) the client chose, or a generated one.
    pub fn secret(&self) -> Result<String, SourceError> {
        match self.text("secret")? {
            Some(s) => Secret::parse(&s)
                .map(|s| s.to_string())
                .map_err(|e| invalid("secret", e.to_string())),
            None => Ok(Secret::generate().to_string()),
        }
    }
}

/// The model, which must be in the schema.
pub fn model(input: &Input, registry: &Registry) -> Result<String, SourceError> {
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

/// Give a source a new secret; the current one becomes the previous one and keeps signing for
/// `ROTATION_GRACE`. One statement, so two rotations at once cannot lose a secret.
pub async fn rotate_secret(
    store: &weft_store::Store,
    kind: SourceKind,
    id: i64,
) -> Result<(), SourceError> {
    let table = match kind {
        SourceKind::Rule => "weft_outbound_rule",
        SourceKind::Subscription => "weft_subscription",
    };
    let now = now();
    let sql = crate::dispatcher::placeholders(
        store.backend(),
        &format!(
            "UPDATE {table} SET previous_secret = secret, secret = $1, previous_secret_until = $2, \
             write_date = $3 WHERE id = $4"
        ),
    );
    let values: [sea_orm::Value; 4] = [
        Secret::generate().to_string().into(),
        (now + ROTATION_GRACE).into(),
        now.into(),
        id.into(),
    ];
    let statement = sea_orm::Statement::from_sql_and_values(store.backend(), sql, values);
    use sea_orm::ConnectionTrait;
    let result = store.writer().execute_raw(statement).await?;
    if result.rows_affected() == 0 {
        let what = match kind {
            SourceKind::Rule => "outbound rule",
            SourceKind::Subscription => "webhook",
        };
        return Err(SourceError::NotFound(what, id));
    }
    Ok(())
}

/// The UTC clock with whole microseconds, as both databases store it.
pub fn now() -> NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Forget the URLs this source's receivers retired with 410: changing a source is how an
/// integrator says its receiver is back.
pub async fn unretire(
    conn: &impl sea_orm::ConnectionTrait,
    kind: SourceKind,
    id: i64,
) -> Result<(), SourceError> {
    let backend = conn.get_database_backend();
    let sql = crate::dispatcher::placeholders(
        backend,
        "DELETE FROM weft_retired_url WHERE source_kind = $1 AND source_id = $2",
    );
    let statement =
        sea_orm::Statement::from_sql_and_values(backend, sql, [kind.as_str().into(), id.into()]);
    conn.execute_raw(statement).await?;
    Ok(())
}
