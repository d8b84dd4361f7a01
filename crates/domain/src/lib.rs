//! Odoo's domain language, without I/O.
//!
//! A domain is a list of terms in prefix notation (`['|', ('a', '=', 1), ('b', '!=', False)]`).
//! This crate takes one through four stages:
//!
//! 1. **parse** ([`Domain::parse_json`], [`Domain::parse_text`]): JSON arrays or Python-literal text
//!    become a [`Domain`], checked for shape and normalised the way Odoo's `normalize_domain` does it.
//! 2. **bind** ([`Domain::bind`]): fields are resolved through a [`Schema`], dotted paths become
//!    `any` sub-queries, `!` is pushed down to the leaves and every value is checked and converted
//!    for its field's type. The result, a [`BoundDomain`], only holds primitive tests. Terms Odoo
//!    itself refuses (`in` with a lone scalar on a plain column, ...) are refused here, naming
//!    the term's position, since only the field's kind tells them apart from the accepted forms.
//! 3. **compile** ([`BoundDomain::to_condition`]): a sea-query `Condition` for SQLite or PostgreSQL.
//! 4. **evaluate** ([`BoundDomain::matches`]): the same answer as the SQL, in memory, over [`Records`].
//!
//! SQL is the reference: the evaluator reproduces SQL's three-valued logic leaf by leaf, so that
//! both back ends agree on every domain and every record. [`Order`] parses `order` strings.
//!
//! Known limits of that agreement: `ilike` folds case with `LOWER()`, which SQLite applies to
//! ASCII only while PostgreSQL and the evaluator (Rust's `to_lowercase`) fold all of Unicode;
//! text ordering assumes the C collation; `parent_of` with names needs [`Records::ids`] in memory.

mod bind;
mod bound;
mod error;
mod eval;
mod like;
mod literal;
mod operator;
mod order;
mod parse;
mod refuse;
mod scalar;
mod schema;
mod sql;
mod tree;
mod value;

pub use bind::BindOptions;
pub use bound::BoundDomain;
pub use error::DomainError;
pub use operator::Operator;
pub use order::{Order, OrderTerm};
pub use parse::{Domain, Term, Token};
pub use schema::{FieldInfo, FieldKind, Records, Schema};
pub use sql::{Backend, Scope};
pub use value::Value;

/// Read Python-literal text (lists, tuples, dicts, strings, numbers, `True`/`False`/`None`) or JSON
/// into JSON: how Odoo-era clients write values in query strings (`fields=['name','model']`).
pub fn parse_literal(text: &str) -> Result<serde_json::Value, DomainError> {
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) => literal::parse(text),
    }
}

/// More leaves than this (sub-domains included) make a domain [`DomainError::TooComplex`].
pub const MAX_LEAVES: usize = 1000;
/// Deeper nesting than this (brackets in the text, or logical operators) is refused.
pub const MAX_DEPTH: usize = 64;
/// A dotted path or nested `any` may cross at most this many relations.
pub const MAX_RELATIONS: usize = 8;
