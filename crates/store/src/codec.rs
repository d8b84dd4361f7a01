//! Moving values between the stored form (serde_json, see `weft_registry::value`) and the database,
//! per field type and backend: SQLite keeps dates as text, PostgreSQL as DATE / TIMESTAMP; JSON is
//! JSONB on PostgreSQL and text on SQLite.

use crate::error::Result;
use chrono::{NaiveDate, NaiveDateTime};
use sea_orm::sea_query::Value as SqlValue;
use sea_orm::{DatabaseBackend, QueryResult};
use serde_json::Value;
use weft_registry::FieldType;
use weft_registry::value::{DATE_FORMAT, DATETIME_FORMAT};

/// A stored value (already checked by `weft_registry::value::coerce`) as a bound SQL value.
pub(crate) fn encode(kind: &FieldType, value: &Value, backend: DatabaseBackend) -> SqlValue {
    let pg = backend == DatabaseBackend::Postgres;
    match kind {
        FieldType::Id | FieldType::Integer | FieldType::Many2one { .. } => {
            SqlValue::BigInt(value.as_i64())
        }
        FieldType::Float | FieldType::Monetary => SqlValue::Double(value.as_f64()),
        FieldType::Boolean => SqlValue::Bool(value.as_bool()),
        FieldType::Date if pg => SqlValue::ChronoDate(
            value
                .as_str()
                .and_then(|s| NaiveDate::parse_from_str(s, DATE_FORMAT).ok()),
        ),
        FieldType::Datetime if pg => SqlValue::ChronoDateTime(
            value
                .as_str()
                .and_then(|s| NaiveDateTime::parse_from_str(s, DATETIME_FORMAT).ok()),
        ),
        FieldType::Json => SqlValue::Json((!value.is_null()).then(|| Box::new(value.clone()))),
        _ => SqlValue::String(value.as_str().map(str::to_string)),
    }
}

/// The bound value of a timestamp column (`create_date`, `write_date`).
pub(crate) fn encode_now(now: NaiveDateTime, backend: DatabaseBackend) -> SqlValue {
    encode(
        &FieldType::Datetime,
        &Value::from(now.format(DATETIME_FORMAT).to_string()),
        backend,
    )
}

/// Read column `column` of `row` as the stored form of a field of type `kind`.
pub(crate) fn decode(
    kind: &FieldType,
    row: &QueryResult,
    column: &str,
    backend: DatabaseBackend,
) -> Result<Value> {
    let pg = backend == DatabaseBackend::Postgres;
    Ok(match kind {
        FieldType::Id | FieldType::Integer | FieldType::Many2one { .. } => row
            .try_get::<Option<i64>>("", column)?
            .map_or(Value::Null, Value::from),
        FieldType::Float | FieldType::Monetary => row
            .try_get::<Option<f64>>("", column)?
            .map_or(Value::Null, Value::from),
        FieldType::Boolean => row
            .try_get::<Option<bool>>("", column)?
            .map_or(Value::Null, Value::Bool),
        FieldType::Date if pg => row
            .try_get::<Option<NaiveDate>>("", column)?
            .map_or(Value::Null, |d| {
                Value::from(d.format(DATE_FORMAT).to_string())
            }),
        FieldType::Datetime if pg => row
            .try_get::<Option<NaiveDateTime>>("", column)?
            .map_or(Value::Null, |d| {
                Value::from(d.format(DATETIME_FORMAT).to_string())
            }),
        FieldType::Json => row
            .try_get::<Option<Value>>("", column)?
            .unwrap_or(Value::Null),
        _ => row
            .try_get::<Option<String>>("", column)?
            .map_or(Value::Null, Value::from),
    })
}
