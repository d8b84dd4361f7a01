//! Checking one scalar value against a field type and turning it into its stored form.
//!
//! Stored forms (also the row format the domain evaluator reads): char-like text as a string (an empty
//! string is stored as NULL), integers as i64, floats as f64, booleans as bool, dates `YYYY-MM-DD`,
//! datetimes `YYYY-MM-DD HH:MM:SS` (naive UTC), selections as their key, many2one as the id, JSON as is.
//! `false` and `null` mean "empty" as in Odoo: NULL, or 0 / false for the NOT NULL number and boolean columns.

use crate::model::FieldType;
use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

/// Why a value does not fit a field; the caller adds the field's name or path.
pub type ValueError = String;

pub const DATE_FORMAT: &str = "%Y-%m-%d";
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

/// Check `value` for a field of type `kind` and return its stored form.
/// x2many values are commands, not scalars: the store handles them and this refuses them.
pub fn coerce(kind: &FieldType, value: &Value) -> Result<Value, ValueError> {
    if is_empty(value) {
        return Ok(kind.empty_value());
    }
    match kind {
        FieldType::Char | FieldType::Text | FieldType::Html => {
            let s = expect_str(value)?;
            check_text(s)?;
            Ok(if s.is_empty() {
                Value::Null
            } else {
                value.clone()
            })
        }
        FieldType::Integer | FieldType::Id => expect_integer(value).map(Value::from),
        FieldType::Float | FieldType::Monetary => value
            .as_f64()
            .filter(|_| value.is_number())
            .map(Value::from)
            .ok_or_else(|| format!("expected a number, got {}", describe(value))),
        FieldType::Boolean => value
            .as_bool()
            .map(Value::Bool)
            .ok_or_else(|| format!("expected true or false, got {}", describe(value))),
        FieldType::Date => {
            parse_date(expect_str(value)?).map(|d| Value::from(d.format(DATE_FORMAT).to_string()))
        }
        FieldType::Datetime => parse_datetime(expect_str(value)?)
            .map(|d| Value::from(d.format(DATETIME_FORMAT).to_string())),
        FieldType::Selection(selection) => {
            let key = expect_str(value)?;
            if key.is_empty() {
                return Ok(Value::Null);
            }
            if selection.has_key(key) {
                Ok(value.clone())
            } else {
                let keys: Vec<&str> = selection.options.iter().map(|(k, _)| k.as_str()).collect();
                Err(format!("'{key}' is not one of {}", keys.join(", ")))
            }
        }
        FieldType::Binary => {
            let s = expect_str(value)?;
            if s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=\r\n".contains(&b))
            {
                Ok(value.clone())
            } else {
                Err("expected base64 text".into())
            }
        }
        FieldType::Json => Ok(value.clone()),
        FieldType::Many2one { .. } => match expect_integer(value) {
            Ok(id) if id > 0 => Ok(Value::from(id)),
            _ => Err(format!("expected a record id, got {}", describe(value))),
        },
        FieldType::One2many { .. } | FieldType::Many2many { .. } => {
            Err("expected a list of commands".into())
        }
    }
}

/// `false`, `null` and (for text) `""` are Odoo's empty values.
pub fn is_empty(value: &Value) -> bool {
    matches!(value, Value::Null | Value::Bool(false))
}

/// PostgreSQL cannot store a NUL character; refuse it everywhere so both databases agree.
pub fn check_text(s: &str) -> Result<(), ValueError> {
    if s.contains('\0') {
        Err("text must not contain a NUL character".into())
    } else {
        Ok(())
    }
}

/// `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, ValueError> {
    if s.len() == 10
        && let Ok(d) = NaiveDate::parse_from_str(s, DATE_FORMAT)
    {
        return Ok(d);
    }
    Err(format!("'{s}' is not a date (YYYY-MM-DD)"))
}

/// `YYYY-MM-DD HH:MM:SS` (naive UTC); Odoo also takes `YYYY-MM-DD HH:MM` and a bare date (midnight).
pub fn parse_datetime(s: &str) -> Result<NaiveDateTime, ValueError> {
    let parsed = match s.len() {
        19 => NaiveDateTime::parse_from_str(s, DATETIME_FORMAT).ok(),
        16 => NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").ok(),
        10 => NaiveDate::parse_from_str(s, DATE_FORMAT)
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        _ => None,
    };
    parsed.ok_or_else(|| format!("'{s}' is not a datetime (YYYY-MM-DD HH:MM:SS, UTC)"))
}

fn expect_str(value: &Value) -> Result<&str, ValueError> {
    value
        .as_str()
        .ok_or_else(|| format!("expected a string, got {}", describe(value)))
}

fn expect_integer(value: &Value) -> Result<i64, ValueError> {
    if let Some(i) = value.as_i64() {
        return Ok(i);
    }
    match value.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(format!("expected an integer, got {}", describe(value))),
    }
}

/// A short description of a JSON value for error messages.
pub fn describe(value: &Value) -> String {
    let text = match value {
        Value::Array(_) => return "a list".into(),
        Value::Object(_) => return "an object".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_values_follow_odoo() {
        assert_eq!(
            coerce(&FieldType::Char, &json!(false)).unwrap(),
            Value::Null
        );
        assert_eq!(coerce(&FieldType::Char, &json!("")).unwrap(), Value::Null);
        assert_eq!(
            coerce(&FieldType::Integer, &json!(false)).unwrap(),
            json!(0)
        );
        assert_eq!(coerce(&FieldType::Float, &json!(null)).unwrap(), json!(0.0));
        assert_eq!(
            coerce(&FieldType::Boolean, &json!(null)).unwrap(),
            json!(false)
        );
        assert_eq!(
            coerce(&FieldType::Date, &json!(false)).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn scalars_are_checked_per_type() {
        assert_eq!(coerce(&FieldType::Integer, &json!(3.0)).unwrap(), json!(3));
        assert!(
            coerce(&FieldType::Integer, &json!(3.5))
                .unwrap_err()
                .contains("integer")
        );
        assert!(coerce(&FieldType::Integer, &json!("3")).is_err());
        assert!(
            coerce(&FieldType::Char, &json!(12))
                .unwrap_err()
                .contains("string")
        );
        assert!(
            coerce(&FieldType::Char, &json!("a\0b"))
                .unwrap_err()
                .contains("NUL")
        );
        assert!(coerce(&FieldType::Boolean, &json!("yes")).is_err());
        assert_eq!(
            coerce(&FieldType::Date, &json!("2026-11-22")).unwrap(),
            json!("2026-11-22")
        );
        assert!(coerce(&FieldType::Date, &json!("2026-13-01")).is_err());
        assert!(coerce(&FieldType::Date, &json!("22/11/2026")).is_err());
        assert_eq!(
            coerce(&FieldType::Datetime, &json!("2026-11-22 10:30")).unwrap(),
            json!("2026-11-22 10:30:00")
        );
        assert!(coerce(&FieldType::Datetime, &json!("2026-11-22T10:30:00Z")).is_err());
        let m2o = FieldType::Many2one {
            comodel: "res.partner".into(),
            ondelete: crate::OnDelete::SetNull,
        };
        assert_eq!(coerce(&m2o, &json!(7)).unwrap(), json!(7));
        assert!(coerce(&m2o, &json!(-1)).is_err());
    }

    #[test]
    fn selection_names_the_allowed_keys() {
        let sel = FieldType::Selection(crate::Selection {
            options: vec![
                ("draft".into(), "Draft".into()),
                ("done".into(), "Done".into()),
            ],
            translations: Default::default(),
        });
        assert_eq!(coerce(&sel, &json!("done")).unwrap(), json!("done"));
        assert_eq!(
            coerce(&sel, &json!("sent")).unwrap_err(),
            "'sent' is not one of draft, done"
        );
    }
}
