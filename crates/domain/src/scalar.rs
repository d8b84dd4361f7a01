//! Terms on plain columns: Odoo's per-operator rules, spelled with primitive tests.
//!
//! This is where `= False` becomes `IS NULL`, `!=` a truthy value gains `OR IS NULL`, `in` lists
//! shed their False members for an `IS NULL`, like patterns are wrapped, booleans treat NULL as
//! False, and values are checked and converted for the column (research §1.4–1.5).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::bound::{CmpOp, Column, ColumnKind, DATE_FORMAT, Leaf, Node, Scalar};
use crate::error::DomainError;
use crate::operator::Operator;
use crate::schema::FieldKind;
use crate::value::Value;

pub(crate) fn column_kind(kind: &FieldKind<'_>) -> ColumnKind {
    match kind {
        FieldKind::Id => ColumnKind::Id,
        FieldKind::Integer | FieldKind::Many2one { .. } => ColumnKind::Int,
        FieldKind::Float | FieldKind::Monetary => ColumnKind::Float,
        FieldKind::Boolean => ColumnKind::Bool,
        FieldKind::Char | FieldKind::Text | FieldKind::Html | FieldKind::Selection => {
            ColumnKind::Text
        }
        FieldKind::Date => ColumnKind::Date,
        FieldKind::Datetime => ColumnKind::Datetime,
        FieldKind::Binary
        | FieldKind::Json
        | FieldKind::One2many { .. }
        | FieldKind::Many2many { .. } => ColumnKind::Opaque,
    }
}

/// The node for `(path, op, value)` on a plain column. `path` only names the field in errors.
pub(crate) fn leaf(
    path: &str,
    column: Column,
    op: Operator,
    value: &Value,
) -> Result<Node, DomainError> {
    if column.kind == ColumnKind::Opaque {
        return opaque(path, column, op, value);
    }
    match op {
        Operator::EqIfSet if value.is_unset() => Ok(Node::True),
        Operator::EqIfSet if matches!(value, Value::List(_)) => {
            membership(path, column, false, value)
        }
        Operator::Eq | Operator::EqIfSet => equal(path, column, value),
        Operator::Ne => not_equal(path, column, value),
        Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
            ordering(path, column, op, value)
        }
        Operator::In | Operator::NotIn => membership(path, column, op == Operator::NotIn, value),
        op if op.is_like_family() => like(path, column, op, value),
        op => Err(invalid_operator(path, op, "it needs a relational field")),
    }
}

pub(crate) fn invalid_operator(path: &str, op: Operator, reason: &str) -> DomainError {
    DomainError::InvalidOperator {
        field: path.to_string(),
        operator: op.to_string(),
        reason: reason.to_string(),
    }
}

fn is_null(column: &Column, negated: bool) -> Node {
    Node::leaf(Leaf::Null {
        column: column.clone(),
        negated,
    })
}

fn compare(column: &Column, op: CmpOp, value: Scalar) -> Node {
    Node::leaf(Leaf::Compare {
        column: column.clone(),
        op,
        value,
    })
}

/// Booleans: NULL counts as False.
fn false_or_null(column: &Column) -> Node {
    Node::or(vec![
        is_null(column, false),
        compare(column, CmpOp::Eq, Scalar::Bool(false)),
    ])
}

fn equal(path: &str, column: Column, value: &Value) -> Result<Node, DomainError> {
    if column.kind == ColumnKind::Bool {
        return Ok(match to_bool(path, value)? {
            true => compare(&column, CmpOp::Eq, Scalar::Bool(true)),
            false => false_or_null(&column),
        });
    }
    if value.is_unset() {
        return Ok(is_null(&column, false));
    }
    let scalar = convert(path, column.kind, Operator::Eq, value)?;
    Ok(compare(&column, CmpOp::Eq, scalar))
}

fn not_equal(path: &str, column: Column, value: &Value) -> Result<Node, DomainError> {
    if column.kind == ColumnKind::Bool {
        return Ok(match to_bool(path, value)? {
            true => false_or_null(&column),
            false => compare(&column, CmpOp::Eq, Scalar::Bool(true)),
        });
    }
    if value.is_unset() {
        return Ok(is_null(&column, true));
    }
    let scalar = convert(path, column.kind, Operator::Ne, value)?;
    let node = compare(&column, CmpOp::Ne, scalar);
    // Upstream adds the NULL rows only when the value is truthy: `!= 0` and `!= ''` do not.
    Ok(if value.is_truthy() {
        Node::or(vec![node, is_null(&column, false)])
    } else {
        node
    })
}

fn ordering(path: &str, column: Column, op: Operator, value: &Value) -> Result<Node, DomainError> {
    let unset = match column.kind {
        ColumnKind::Bool => !to_bool(path, value)?,
        _ => value.is_unset(),
    };
    if unset {
        // `f < NULL` is never true.
        return Ok(Node::False);
    }
    let cmp = match op {
        Operator::Lt => CmpOp::Lt,
        Operator::Le => CmpOp::Le,
        Operator::Gt => CmpOp::Gt,
        _ => CmpOp::Ge,
    };
    let scalar = convert(path, column.kind, op, value)?;
    Ok(compare(&column, cmp, scalar))
}

fn membership(
    path: &str,
    column: Column,
    negated: bool,
    value: &Value,
) -> Result<Node, DomainError> {
    let Value::List(items) = value else {
        return Err(DomainError::invalid_value(
            path,
            "'in' and 'not in' need a list",
        ));
    };
    let mut values = Vec::with_capacity(items.len());
    let mut has_null = false;
    for item in items {
        if column.kind == ColumnKind::Bool {
            // A False member means "false or unset", like `= False`.
            let b = to_bool(path, item)?;
            has_null |= !b;
            values.push(Scalar::Bool(b));
        } else if item.is_unset() {
            has_null = true;
        } else {
            values.push(convert(path, column.kind, Operator::In, item)?);
        }
    }
    Ok(membership_rules(&column, values, has_null, negated))
}

fn membership_rules(column: &Column, values: Vec<Scalar>, has_null: bool, negated: bool) -> Node {
    if values.is_empty() {
        return match (has_null, negated) {
            (false, false) => Node::False,
            (false, true) => Node::True,
            (true, negated) => is_null(column, negated),
        };
    }
    let test = Node::leaf(Leaf::In {
        column: column.clone(),
        values,
        negated,
    });
    match (has_null, negated) {
        (false, false) => test,
        (true, false) => Node::or(vec![test, is_null(column, false)]),
        (false, true) => Node::or(vec![test, is_null(column, false)]),
        (true, true) => Node::and(vec![test, is_null(column, true)]),
    }
}

fn like(path: &str, column: Column, op: Operator, value: &Value) -> Result<Node, DomainError> {
    if matches!(
        column.kind,
        ColumnKind::Float | ColumnKind::Bool | ColumnKind::Opaque
    ) {
        return Err(invalid_operator(
            path,
            op,
            "pattern matching only applies to text, integer and date fields",
        ));
    }
    let text = like_text(path, value)?;
    let pattern = match op {
        Operator::EqLike | Operator::EqIlike => text.clone(),
        _ => format!("%{text}%"),
    };
    check_pattern(path, &pattern)?;
    let insensitive = matches!(op, Operator::Ilike | Operator::NotIlike | Operator::EqIlike);
    let negated = matches!(op, Operator::NotLike | Operator::NotIlike);
    let test = Node::leaf(Leaf::Like {
        column: column.clone(),
        pattern,
        insensitive,
        negated,
    });
    Ok(match op {
        Operator::Like | Operator::Ilike if text.is_empty() => {
            Node::or(vec![test, is_null(&column, false)])
        }
        Operator::NotLike | Operator::NotIlike => Node::or(vec![test, is_null(&column, false)]),
        _ => test,
    })
}

/// The text a like-family operator searches for; False and None search for the empty string.
pub(crate) fn like_text(path: &str, value: &Value) -> Result<String, DomainError> {
    match value {
        v if v.is_unset() => Ok(String::new()),
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(format!("{f:?}")),
        other => Err(DomainError::invalid_value(
            path,
            format!("a pattern must be a string, found {other}"),
        )),
    }
}

/// PostgreSQL refuses a pattern ending in a lone escape character, so it is refused for both.
fn check_pattern(path: &str, pattern: &str) -> Result<(), DomainError> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.next().is_none() {
            return Err(DomainError::invalid_value(
                path,
                "a pattern must not end with the escape character '\\'",
            ));
        }
    }
    Ok(())
}

/// Binary and JSON fields only know whether they are set.
fn opaque(path: &str, column: Column, op: Operator, value: &Value) -> Result<Node, DomainError> {
    match op {
        Operator::Eq | Operator::Ne | Operator::EqIfSet if !value.is_unset() => {
            Err(DomainError::invalid_value(
                path,
                "binary and json fields can only be compared with False",
            ))
        }
        Operator::Eq => Ok(is_null(&column, false)),
        Operator::Ne => Ok(is_null(&column, true)),
        Operator::EqIfSet => Ok(Node::True),
        op => Err(invalid_operator(
            path,
            op,
            "binary and json fields only support '=' False and '!=' False",
        )),
    }
}

/// Converts a set (not False/None) value for the column.
pub(crate) fn convert(
    path: &str,
    kind: ColumnKind,
    op: Operator,
    value: &Value,
) -> Result<Scalar, DomainError> {
    match kind {
        ColumnKind::Text => to_text(path, value).map(Scalar::Text),
        ColumnKind::Int | ColumnKind::Id => to_int(path, value).map(Scalar::Int),
        ColumnKind::Float => to_float(path, value).map(Scalar::Float),
        ColumnKind::Bool => to_bool(path, value).map(Scalar::Bool),
        ColumnKind::Date => to_date(path, value).map(Scalar::Date),
        ColumnKind::Datetime => to_datetime(path, op, value).map(Scalar::Datetime),
        ColumnKind::Opaque => Err(DomainError::invalid_value(
            path,
            "this field cannot be compared",
        )),
    }
}

fn wrong(path: &str, expected: &str, value: &Value) -> DomainError {
    DomainError::invalid_value(path, format!("expected {expected}, found {value}"))
}

fn to_text(path: &str, value: &Value) -> Result<String, DomainError> {
    match value {
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(format!("{f:?}")),
        other => Err(wrong(path, "a string", other)),
    }
}

pub(crate) fn to_int(path: &str, value: &Value) -> Result<i64, DomainError> {
    match value {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => float_to_int(*f).ok_or_else(|| wrong(path, "an integer", value)),
        Value::Str(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| s.parse::<f64>().ok().and_then(float_to_int))
                .ok_or_else(|| wrong(path, "an integer", value))
        }
        other => Err(wrong(path, "an integer", other)),
    }
}

fn float_to_int(f: f64) -> Option<i64> {
    // The bounds keep the cast exact; beyond them an f64 has no fractional part anyway.
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

fn to_float(path: &str, value: &Value) -> Result<f64, DomainError> {
    match value {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .ok_or_else(|| wrong(path, "a number", value)),
        other => Err(wrong(path, "a number", other)),
    }
}

/// True/False, 1/0, or None (as False).
pub(crate) fn to_bool(path: &str, value: &Value) -> Result<bool, DomainError> {
    match value {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::Int(0) => Ok(false),
        Value::Int(1) => Ok(true),
        other => Err(wrong(path, "True or False", other)),
    }
}

fn to_date(path: &str, value: &Value) -> Result<NaiveDate, DomainError> {
    match value {
        Value::Str(s) => parse_date(s).ok_or_else(|| wrong(path, "a date 'YYYY-MM-DD'", value)),
        other => Err(wrong(path, "a date 'YYYY-MM-DD'", other)),
    }
}

/// Full datetimes, datetimes without seconds, or dates: a date means the start of the day, except
/// for `>` and `<=`, where it means its last second (so `<= '2024-01-31'` includes that day).
fn to_datetime(path: &str, op: Operator, value: &Value) -> Result<NaiveDateTime, DomainError> {
    const EXPECTED: &str = "a datetime 'YYYY-MM-DD HH:MM:SS'";
    let Value::Str(s) = value else {
        return Err(wrong(path, EXPECTED, value));
    };
    let parsed = match s.len() {
        10 => parse_date(s).map(|d| {
            let time = if matches!(op, Operator::Gt | Operator::Le) {
                NaiveTime::from_hms_opt(23, 59, 59)
            } else {
                NaiveTime::from_hms_opt(0, 0, 0)
            };
            d.and_time(time.unwrap_or_default())
        }),
        16 => parse_datetime(&format!("{s}:00")),
        _ => parse_datetime(s),
    };
    parsed.ok_or_else(|| wrong(path, EXPECTED, value))
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    has_shape(s, "dddd-dd-dd")
        .then(|| NaiveDate::parse_from_str(s, DATE_FORMAT).ok())
        .flatten()
}

fn parse_datetime(s: &str) -> Option<NaiveDateTime> {
    has_shape(s, "dddd-dd-dd dd:dd:dd")
        .then(|| NaiveDateTime::parse_from_str(s, crate::bound::DATETIME_FORMAT).ok())
        .flatten()
}

/// `d` stands for an ASCII digit, anything else for itself: chrono alone accepts `2024-1-5`.
fn has_shape(s: &str, shape: &str) -> bool {
    s.len() == shape.len()
        && s.bytes().zip(shape.bytes()).all(|(c, p)| {
            if p == b'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_conversions() {
        let dt = |op, s: &str| to_datetime("d", op, &Value::Str(s.into())).map(|d| d.to_string());
        assert_eq!(
            dt(Operator::Le, "2024-01-31").unwrap(),
            "2024-01-31 23:59:59"
        );
        assert_eq!(
            dt(Operator::Gt, "2024-01-31").unwrap(),
            "2024-01-31 23:59:59"
        );
        assert_eq!(
            dt(Operator::Lt, "2024-01-31").unwrap(),
            "2024-01-31 00:00:00"
        );
        assert_eq!(
            dt(Operator::Ge, "2024-01-31").unwrap(),
            "2024-01-31 00:00:00"
        );
        assert_eq!(
            dt(Operator::Eq, "2024-01-31 10:20").unwrap(),
            "2024-01-31 10:20:00"
        );
        assert_eq!(
            dt(Operator::Eq, "2024-01-31 10:20:30").unwrap(),
            "2024-01-31 10:20:30"
        );
        assert!(dt(Operator::Eq, "2024-1-31").is_err());
        assert!(dt(Operator::Eq, "2024-02-30").is_err());
        assert!(dt(Operator::Eq, "2024-01-31T10:20:30").is_err());
    }

    #[test]
    fn dates_are_validated() {
        assert!(parse_date("2024-02-29").is_some());
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2024-01-1").is_none());
        assert!(parse_date("２０２４-01-01").is_none());
    }

    #[test]
    fn integers_accept_integral_floats_and_numeric_strings() {
        assert_eq!(to_int("f", &Value::Float(3.0)).unwrap(), 3);
        assert_eq!(to_int("f", &Value::Str(" 7 ".into())).unwrap(), 7);
        assert_eq!(to_int("f", &Value::Str("7.0".into())).unwrap(), 7);
        assert!(to_int("f", &Value::Float(3.5)).is_err());
        assert!(to_int("f", &Value::Str("x".into())).is_err());
        assert!(to_int("f", &Value::Bool(true)).is_err());
    }

    #[test]
    fn trailing_escape_is_refused() {
        assert!(check_pattern("f", "abc\\").is_err());
        assert!(check_pattern("f", "abc\\\\").is_ok());
        assert!(check_pattern("f", "%abc\\%").is_ok());
    }
}
