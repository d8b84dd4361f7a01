//! A domain bound to a model: a tree of primitive tests on columns and related rows.
//!
//! Every Odoo rule (the "+NULL" of negative operators, `= False` as `IS NULL`, boolean quirks,
//! name matching through relations) has already been spelled out with these primitives by the
//! binder, so the SQL compiler and the in-memory evaluator each only need to get the primitives
//! right, and they agree by construction.

use chrono::{NaiveDate, NaiveDateTime};

use crate::eval;
use crate::schema::Records;
use crate::sql::{self, Backend};

/// A domain resolved against a model, ready to compile or evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundDomain {
    pub(crate) model: String,
    pub(crate) root: Node,
}

impl BoundDomain {
    /// The condition for a `SELECT` whose outer table has the alias `alias`.
    pub fn to_condition(&self, backend: Backend, alias: &str) -> sea_query::Condition {
        sql::compile(&self.root, backend, alias, &|_, _| None)
    }

    /// `to_condition` where every related row a sub-query reads must also pass `scope` (the
    /// reader's visibility of its model): the condition of a reader who may not see every record.
    pub fn to_scoped_condition(
        &self,
        backend: Backend,
        alias: &str,
        scope: sql::Scope<'_>,
    ) -> sea_query::Condition {
        sql::compile(&self.root, backend, alias, scope)
    }

    /// Every model whose rows the domain reads: the bound model, then each one a dotted path,
    /// `any` or a hierarchy reaches.
    pub fn models(&self) -> std::collections::BTreeSet<&str> {
        let mut models = std::collections::BTreeSet::from([self.model.as_str()]);
        self.root.collect_models(&mut models);
        models
    }

    /// Whether record `id` of the bound model matches, with exactly the SQL's answer.
    pub fn matches(&self, records: &dyn Records, id: i64) -> bool {
        eval::matches(&self.root, &self.model, records, id)
    }

    /// True when the domain matches every record (no condition at all).
    pub fn is_all(&self) -> bool {
        self.root == Node::True
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Whether [`matches`](Self::matches) over just the record's own stored row gives the SQL's
    /// answer on `backend`: no related rows or hierarchy to read, and none of the known limits of
    /// the agreement (crate docs): no `ilike`, and text ordering only on SQLite, whose default
    /// collation compares bytes as the evaluator does (PostgreSQL's depends on the database), as
    /// is `like` on a non-text column there.
    pub fn reads_only_its_row(&self, backend: Backend) -> bool {
        self.root.reads_only_its_row(backend)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    True,
    False,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Leaf(Leaf),
}

impl Node {
    /// AND with the constants folded away (Kleene logic keeps the same answer).
    pub(crate) fn and(nodes: Vec<Node>) -> Node {
        let mut kept = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                Node::True => {}
                Node::False => return Node::False,
                Node::And(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Node::True,
            1 => kept.pop().unwrap_or(Node::True),
            _ => Node::And(kept),
        }
    }

    pub(crate) fn or(nodes: Vec<Node>) -> Node {
        let mut kept = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                Node::False => {}
                Node::True => return Node::True,
                Node::Or(inner) => kept.extend(inner),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Node::False,
            1 => kept.pop().unwrap_or(Node::False),
            _ => Node::Or(kept),
        }
    }

    pub(crate) fn not(node: Node) -> Node {
        match node {
            Node::True => Node::False,
            Node::False => Node::True,
            other => Node::Not(Box::new(other)),
        }
    }

    fn reads_only_its_row(&self, backend: Backend) -> bool {
        match self {
            Node::True | Node::False => true,
            Node::And(nodes) | Node::Or(nodes) => {
                nodes.iter().all(|n| n.reads_only_its_row(backend))
            }
            Node::Not(inner) => inner.reads_only_its_row(backend),
            Node::Leaf(Leaf::Null { .. } | Leaf::In { .. }) => true,
            Node::Leaf(Leaf::Compare { column, op, .. }) => {
                backend == Backend::Sqlite
                    || column.kind != ColumnKind::Text
                    || matches!(op, CmpOp::Eq | CmpOp::Ne)
            }
            // Non-text columns are cast to text, which PostgreSQL writes by its `DateStyle`.
            Node::Leaf(Leaf::Like {
                insensitive,
                column,
                ..
            }) => !insensitive && (backend == Backend::Sqlite || column.kind == ColumnKind::Text),
            Node::Leaf(Leaf::Exists { .. } | Leaf::Hierarchy(_)) => false,
        }
    }

    fn collect_models<'a>(&'a self, into: &mut std::collections::BTreeSet<&'a str>) {
        match self {
            Node::True | Node::False => {}
            Node::And(nodes) | Node::Or(nodes) => {
                nodes.iter().for_each(|n| n.collect_models(into));
            }
            Node::Not(inner) => inner.collect_models(into),
            Node::Leaf(Leaf::Exists { link, sub, .. }) => {
                into.insert(&link.comodel);
                sub.collect_models(into);
            }
            Node::Leaf(Leaf::Hierarchy(h)) => {
                into.insert(&h.model);
                h.roots.collect_models(into);
            }
            Node::Leaf(_) => {}
        }
    }

    pub(crate) fn constant(value: bool) -> Node {
        if value { Node::True } else { Node::False }
    }

    pub(crate) fn leaf(leaf: Leaf) -> Node {
        Node::Leaf(leaf)
    }

    /// EXISTS (or NOT EXISTS) a related row matching `sub`.
    pub(crate) fn exists(link: Link, sub: Node, negated: bool) -> Node {
        if sub == Node::False {
            return if negated { Node::True } else { Node::False };
        }
        Node::Leaf(Leaf::Exists {
            link: Box::new(link),
            sub: Box::new(sub),
            negated,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf {
    /// `c IS NULL`, or `c IS NOT NULL` when negated.
    Null { column: Column, negated: bool },
    /// `c <op> v`; NULL when `c` is.
    Compare {
        column: Column,
        op: CmpOp,
        value: Scalar,
    },
    /// `c IN (...)` / `c NOT IN (...)`, never with a NULL member and never empty.
    In {
        column: Column,
        values: Vec<Scalar>,
        negated: bool,
    },
    /// `c LIKE p ESCAPE '\'`, case-folded on both sides when `insensitive`.
    Like {
        column: Column,
        pattern: String,
        insensitive: bool,
        negated: bool,
    },
    /// A related row exists (or not) that matches `sub`, which is bound on the comodel.
    Exists {
        link: Box<Link>,
        sub: Box<Node>,
        negated: bool,
    },
    /// The row is in the hierarchy below (`child_of`) or above (`parent_of`) the roots.
    Hierarchy(Box<Hierarchy>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub name: String,
    pub kind: ColumnKind,
}

/// How a column's stored value is read and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnKind {
    /// The record id (taken from the id argument in memory, not from the row).
    Id,
    Int,
    Float,
    Bool,
    Text,
    Date,
    Datetime,
    /// Binary and JSON: only tested for NULL.
    Opaque,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A value converted for its column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    Date(NaiveDate),
    Datetime(NaiveDateTime),
}

pub(crate) const DATE_FORMAT: &str = "%Y-%m-%d";
pub(crate) const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

impl Scalar {
    /// The text form stored on SQLite and compared in memory.
    pub(crate) fn date_text(&self) -> Option<String> {
        match self {
            Scalar::Date(d) => Some(d.format(DATE_FORMAT).to_string()),
            Scalar::Datetime(dt) => Some(dt.format(DATETIME_FORMAT).to_string()),
            _ => None,
        }
    }
}

/// How rows of the comodel are reached from a row of the current model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Link {
    pub comodel: String,
    pub co_table: String,
    pub kind: LinkKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LinkKind {
    /// `co.id = t.<column>`
    Many2one { column: String },
    /// `co.<inverse> = t.id`; in memory the row's `field` lists the ids.
    One2many { field: String, inverse: String },
    /// `rel.<column1> = t.id AND rel.<column2> = co.id`; in memory the row's `field` lists the ids.
    Many2many {
        field: String,
        relation: String,
        column1: String,
        column2: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hierarchy {
    pub model: String,
    pub table: String,
    pub parent: String,
    pub direction: Direction,
    /// Which rows of `model` are the roots (bound on `model`).
    pub roots: Node,
    /// The root ids when given as ids, so memory need not scan the model for `parent_of`.
    pub root_ids: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    ChildOf,
    ParentOf,
}
