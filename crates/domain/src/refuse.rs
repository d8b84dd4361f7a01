//! Terms Odoo itself refuses, caught before binding so the error names where the term was written.
//!
//! Odoo 17/18 raise `ValueError("Invalid domain term ...")` on a term they cannot read, where a
//! lenient binder would quietly give it some meaning (or match nothing). The rules below follow
//! the upstream code paths described in research §1.2, §1.5 and §1.7:
//!
//! * `in` / `not in` need a list. `normalize_leaf` only rewrites a *bool* (to `=` / `!=`); any
//!   other scalar reaches the column compiler, which raises. Two field kinds read a scalar on
//!   their own path before that: a one2many / many2many wraps it (`ids2 = [right]`), and a
//!   many2one given a *string* runs a name search with `=` / `!=`. Those stay accepted.
//! * `=?` with a set value is compiled as `=`, and `=` with a list (left as written, since
//!   `normalize_leaf` saw `=?`) cannot be converted for a column, so it raises; an x2many reads
//!   the list as ids like `in`.
//! * `child_of` / `parent_of` take an id, a name, or a list of them (`to_ids`); `False` and `0`
//!   mean "nothing". `None` or a float falls through to `list(value)`, which raises.
//!
//! Terms whose path does not resolve are left to the binder, which names the unknown field.

use crate::error::DomainError;
use crate::operator::Operator;
use crate::parse::{Term, Token};
use crate::schema::{FieldKind, Schema};
use crate::value::Value;

/// `Err` with the term's position when Odoo would refuse `term` on `model`.
pub(crate) fn check(schema: &dyn Schema, model: &str, term: &Term) -> Result<(), DomainError> {
    let Some(kind) = final_kind(schema, model, &term.path) else {
        return Ok(());
    };
    let reason = match (term.operator, &term.value) {
        (Operator::In | Operator::NotIn, Value::List(_)) => None,
        (Operator::In | Operator::NotIn, value) => match kind {
            FieldKind::One2many { .. } | FieldKind::Many2many { .. } => None,
            FieldKind::Many2one { .. } if matches!(value, Value::Str(_)) => None,
            _ => Some("'in' and 'not in' need a list of values"),
        },
        (Operator::EqIfSet, Value::List(_)) => match kind {
            FieldKind::One2many { .. } | FieldKind::Many2many { .. } => None,
            _ => Some("'=?' compares with one value, not a list"),
        },
        (Operator::ChildOf | Operator::ParentOf, Value::Null | Value::Float(_)) => {
            Some("'child_of' and 'parent_of' need an id, a name, or a list of ids or names")
        }
        _ => None,
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(DomainError::structure(
            term.position,
            format!(
                "invalid domain term {}: {reason}",
                Token::Term(term.clone())
            ),
        )),
    }
}

/// The kind of the field a (dotted) path ends on, as the binder will see it: a trailing `.id` is
/// the relational field before it. `None` when a step does not resolve.
fn final_kind<'a>(schema: &'a dyn Schema, model: &'a str, path: &str) -> Option<FieldKind<'a>> {
    let mut model = model;
    let mut kind: Option<FieldKind<'a>> = None;
    let mut steps = path.split('.').peekable();
    while let Some(name) = steps.next() {
        let last = steps.peek().is_none();
        if last && name == "id" && kind.is_some() {
            return kind;
        }
        let field = schema.field(model, name)?;
        if !last {
            model = match field.kind {
                FieldKind::Many2one { comodel }
                | FieldKind::One2many { comodel, .. }
                | FieldKind::Many2many { comodel, .. } => comodel,
                _ => return None,
            };
        }
        kind = Some(field.kind);
    }
    kind
}
