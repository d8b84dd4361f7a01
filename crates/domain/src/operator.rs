//! The term operators, their spelling and their negation (used to push `!` down to the leaves).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `=?`: "equal, or ignore the term when the value is unset".
    EqIfSet,
    EqLike,
    EqIlike,
    Like,
    NotLike,
    Ilike,
    NotIlike,
    In,
    NotIn,
    ChildOf,
    ParentOf,
    Any,
    NotAny,
}

const SPELLINGS: [(Operator, &str); 19] = [
    (Operator::Eq, "="),
    (Operator::Ne, "!="),
    (Operator::Lt, "<"),
    (Operator::Le, "<="),
    (Operator::Gt, ">"),
    (Operator::Ge, ">="),
    (Operator::EqIfSet, "=?"),
    (Operator::EqLike, "=like"),
    (Operator::EqIlike, "=ilike"),
    (Operator::Like, "like"),
    (Operator::NotLike, "not like"),
    (Operator::Ilike, "ilike"),
    (Operator::NotIlike, "not ilike"),
    (Operator::In, "in"),
    (Operator::NotIn, "not in"),
    (Operator::ChildOf, "child_of"),
    (Operator::ParentOf, "parent_of"),
    (Operator::Any, "any"),
    (Operator::NotAny, "not any"),
];

impl Operator {
    /// Odoo's spelling, case-insensitively; `<>` is an old spelling of `!=`.
    pub fn parse(text: &str) -> Option<Operator> {
        let lower = text.to_lowercase();
        if lower == "<>" {
            return Some(Operator::Ne);
        }
        SPELLINGS
            .iter()
            .find(|(_, s)| *s == lower)
            .map(|(op, _)| *op)
    }

    pub fn as_str(self) -> &'static str {
        SPELLINGS
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("?", |(_, s)| s)
    }

    /// The operator meaning "not this one", when Odoo defines it; the others keep an explicit NOT.
    pub fn negation(self) -> Option<Operator> {
        use Operator::*;
        Some(match self {
            Lt => Ge,
            Ge => Lt,
            Gt => Le,
            Le => Gt,
            Eq => Ne,
            Ne => Eq,
            In => NotIn,
            NotIn => In,
            Like => NotLike,
            NotLike => Like,
            Ilike => NotIlike,
            NotIlike => Ilike,
            Any => NotAny,
            NotAny => Any,
            EqIfSet | EqLike | EqIlike | ChildOf | ParentOf => return None,
        })
    }

    /// Operators whose SQL also matches rows where the column is NULL (Odoo's "+NULL" rule).
    pub fn is_negative(self) -> bool {
        matches!(
            self,
            Operator::Ne | Operator::NotIn | Operator::NotLike | Operator::NotIlike
        )
    }

    pub(crate) fn is_like_family(self) -> bool {
        use Operator::*;
        matches!(self, Like | NotLike | Ilike | NotIlike | EqLike | EqIlike)
    }

    /// The positive form used to find related records by name (`not ilike` finds with `ilike`).
    pub(crate) fn positive(self) -> Operator {
        match self {
            Operator::Ne => Operator::Eq,
            Operator::NotIn => Operator::In,
            Operator::NotLike => Operator::Like,
            Operator::NotIlike => Operator::Ilike,
            other => other,
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
