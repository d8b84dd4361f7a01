//! The text of the scalar value types (`int`, `boolean`, `double`, `dateTime.iso8601`, `base64`)
//! as JSON values, each refusal naming the type and the text.

use base64::Engine;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde_json::{Number, Value};
use std::num::IntErrorKind;

/// The scalar element types, by their local name (`ex:i8` and `i8` alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scalar {
    Int,
    Boolean,
    Double,
    String,
    Base64,
    DateTime,
    Nil,
}

impl Scalar {
    pub(crate) fn by_name(name: &[u8]) -> Option<Scalar> {
        Some(match name {
            b"i1" | b"i2" | b"i4" | b"i8" | b"int" | b"biginteger" => Scalar::Int,
            b"boolean" => Scalar::Boolean,
            b"double" => Scalar::Double,
            b"string" => Scalar::String,
            b"base64" => Scalar::Base64,
            b"dateTime.iso8601" => Scalar::DateTime,
            b"nil" => Scalar::Nil,
            _ => return None,
        })
    }

    /// The value `text` holds as this type.
    pub(crate) fn read(self, text: String) -> Result<Value, String> {
        match self {
            Scalar::String => Ok(Value::String(text)),
            Scalar::Int => integer(trim(&text)),
            Scalar::Boolean => boolean(trim(&text)),
            Scalar::Double => double(trim(&text)),
            Scalar::Base64 => base64_text(&text),
            Scalar::DateTime => datetime(trim(&text)),
            Scalar::Nil if trim(&text).is_empty() => Ok(Value::Null),
            Scalar::Nil => Err(format!("<nil/> holds text '{}'", shown(&text))),
        }
    }
}

/// XML's whitespace (space, tab, CR, LF) around a scalar is not part of it, as Python's
/// `int()`/`float()` ignore it.
fn trim(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\r', '\n'])
}

/// At most 40 characters of a refused text, so a huge value does not flood the message.
fn shown(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

fn integer(text: &str) -> Result<Value, String> {
    match text.parse::<i64>() {
        Ok(n) => Ok(Value::from(n)),
        Err(e) => Err(match e.kind() {
            IntErrorKind::Empty => "an empty integer".to_string(),
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => {
                format!("integer {} is outside the 64-bit range", shown(text))
            }
            _ => format!("'{}' is not an integer", shown(text)),
        }),
    }
}

/// Only `0` and `1`, as Python's reader ("bad boolean value" otherwise).
fn boolean(text: &str) -> Result<Value, String> {
    match text {
        "0" => Ok(Value::Bool(false)),
        "1" => Ok(Value::Bool(true)),
        _ => Err(format!("bad boolean value '{}' (0 or 1)", shown(text))),
    }
}

/// A finite double: JSON has no NaN or infinity to carry the others.
fn double(text: &str) -> Result<Value, String> {
    let parsed = text
        .parse::<f64>()
        .map_err(|_| format!("'{}' is not a double", shown(text)))?;
    Number::from_f64(parsed)
        .map(Value::Number)
        .ok_or_else(|| format!("double '{}' is not finite", shown(text)))
}

/// The base64 text itself (Weft's binary fields take base64 strings), checked and without the
/// line breaks clients wrap it with.
fn base64_text(text: &str) -> Result<Value, String> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|e| format!("invalid base64: {e}"))?;
    Ok(Value::String(compact))
}

/// `20240105T10:11:12` (XML-RPC's form), `2024-01-05T10:11:12` or the basic `20240105T101112`,
/// optionally with a `Z`, as Odoo's server format `2024-01-05 10:11:12` (a naive UTC time, as
/// Odoo stores datetimes).
fn datetime(text: &str) -> Result<Value, String> {
    let refused = || {
        format!(
            "'{}' is not a dateTime.iso8601 (YYYYMMDDTHH:MM:SS)",
            shown(text)
        )
    };
    let naive = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = naive.split_once('T').ok_or_else(refused)?;
    let date = NaiveDate::parse_from_str(date, "%Y%m%d")
        .or_else(|_| NaiveDate::parse_from_str(date, "%Y-%m-%d"))
        .map_err(|_| refused())?;
    let time = NaiveTime::parse_from_str(time, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H%M%S"))
        .map_err(|_| refused())?;
    let at = NaiveDateTime::new(date, time);
    Ok(Value::String(at.format("%Y-%m-%d %H:%M:%S").to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(ty: &[u8], text: &str) -> Result<Value, String> {
        Scalar::by_name(ty).unwrap().read(text.to_string())
    }

    #[test]
    fn integers_of_every_name_within_i64() {
        for name in [&b"i1"[..], b"i2", b"i4", b"int", b"i8", b"biginteger"] {
            assert_eq!(read(name, " 42 "), Ok(json!(42)));
        }
        assert_eq!(read(b"int", "-7"), Ok(json!(-7)));
        assert_eq!(read(b"int", "+7"), Ok(json!(7)));
        assert_eq!(read(b"i8", "9223372036854775807"), Ok(json!(i64::MAX)));
        assert_eq!(read(b"i8", "-9223372036854775808"), Ok(json!(i64::MIN)));
        let over = read(b"i8", "9223372036854775808").unwrap_err();
        assert!(over.contains("outside the 64-bit range"), "{over}");
        assert!(read(b"int", "").unwrap_err().contains("empty"));
        assert!(read(b"int", "1.5").unwrap_err().contains("not an integer"));
    }

    #[test]
    fn booleans_are_zero_or_one() {
        assert_eq!(read(b"boolean", "1"), Ok(json!(true)));
        assert_eq!(read(b"boolean", "0"), Ok(json!(false)));
        for bad in ["true", "2", ""] {
            assert!(read(b"boolean", bad).unwrap_err().contains("bad boolean"));
        }
    }

    #[test]
    fn doubles_are_finite() {
        assert_eq!(read(b"double", "1.5"), Ok(json!(1.5)));
        assert_eq!(read(b"double", "-2e3"), Ok(json!(-2000.0)));
        for bad in ["nan", "inf", "-infinity", "1e999"] {
            assert!(
                read(b"double", bad).unwrap_err().contains("not finite"),
                "{bad}"
            );
        }
        assert!(read(b"double", "x").unwrap_err().contains("not a double"));
    }

    #[test]
    fn datetimes_in_both_forms_become_the_server_format() {
        for text in [
            "20240105T10:11:12",
            "2024-01-05T10:11:12",
            "20240105T101112",
            "20240105T10:11:12Z",
        ] {
            assert_eq!(
                read(b"dateTime.iso8601", text),
                Ok(json!("2024-01-05 10:11:12"))
            );
        }
        for bad in ["2024-01-05", "20241305T10:11:12", "20240105T25:00:00", "x"] {
            let e = read(b"dateTime.iso8601", bad).unwrap_err();
            assert!(e.contains("is not a dateTime.iso8601"), "{e}");
        }
    }

    #[test]
    fn base64_is_kept_as_text_without_whitespace() {
        assert_eq!(read(b"base64", "aGVs\nbG8=\n"), Ok(json!("aGVsbG8=")));
        assert_eq!(read(b"base64", ""), Ok(json!("")));
        assert!(
            read(b"base64", "a!b=")
                .unwrap_err()
                .contains("invalid base64")
        );
        assert!(
            read(b"base64", "aGVsbG8")
                .unwrap_err()
                .contains("invalid base64")
        );
    }

    #[test]
    fn nil_and_strings() {
        assert_eq!(read(b"nil", ""), Ok(Value::Null));
        assert!(read(b"nil", "x").is_err());
        assert_eq!(read(b"string", "  a b \n"), Ok(json!("  a b \n")));
        let long = "9".repeat(100);
        assert!(read(b"int", &long).unwrap_err().contains("..."));
    }
}
