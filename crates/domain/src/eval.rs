//! In-memory evaluation, answering exactly as the compiled SQL would.
//!
//! Leaves evaluate to `Option<bool>`, `None` standing for SQL's NULL (a comparison with a NULL
//! column, `NOT` of such a comparison), and are combined with Kleene's AND/OR/NOT; a final `None`
//! is no match, as in a `WHERE` clause. EXISTS is two-valued. Text compares by bytes (C
//! collation), numbers numerically, dates and datetimes by their canonical text.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::{Map, Value as Json};

use crate::bound::{
    CmpOp, Column, ColumnKind, Direction, Hierarchy, Leaf, Link, LinkKind, Node, Scalar,
};
use crate::like::like_matches;
use crate::schema::Records;

type Row = Map<String, Json>;

pub(crate) fn matches(root: &Node, model: &str, records: &dyn Records, id: i64) -> bool {
    let Some(row) = records.row(model, id) else {
        return false;
    };
    Evaluator { records }.node(root, id, row) == Some(true)
}

struct Evaluator<'r> {
    records: &'r dyn Records,
}

impl Evaluator<'_> {
    fn node(&self, node: &Node, id: i64, row: &Row) -> Option<bool> {
        match node {
            Node::True => Some(true),
            Node::False => Some(false),
            Node::And(nodes) => kleene_and(nodes.iter().map(|n| self.node(n, id, row))),
            Node::Or(nodes) => kleene_or(nodes.iter().map(|n| self.node(n, id, row))),
            Node::Not(inner) => self.node(inner, id, row).map(|b| !b),
            Node::Leaf(leaf) => self.leaf(leaf, id, row),
        }
    }

    fn leaf(&self, leaf: &Leaf, id: i64, row: &Row) -> Option<bool> {
        match leaf {
            Leaf::Null { column, negated } => Some(cell(column, id, row).is_null() != *negated),
            Leaf::Compare { column, op, value } => {
                let ordering = compare(&cell(column, id, row), value)?;
                Some(op_holds(*op, ordering))
            }
            Leaf::In {
                column,
                values,
                negated,
            } => {
                let cell = cell(column, id, row);
                if cell.is_null() {
                    return None;
                }
                let found = values
                    .iter()
                    .any(|v| compare(&cell, v) == Some(Ordering::Equal));
                Some(found != *negated)
            }
            Leaf::Like {
                column,
                pattern,
                insensitive,
                negated,
            } => {
                let text = like_text(&cell(column, id, row), column.kind)?;
                Some(like_matches(pattern, &text, *insensitive) != *negated)
            }
            Leaf::Exists { link, sub, negated } => Some(self.exists(link, sub, row) != *negated),
            Leaf::Hierarchy(h) => Some(self.in_hierarchy(h, id)),
        }
    }

    /// Whether a related row (that exists, as the SQL join requires) matches `sub`.
    fn exists(&self, link: &Link, sub: &Node, row: &Row) -> bool {
        related_ids(link, row).into_iter().any(|related| {
            self.records
                .row(&link.comodel, related)
                .is_some_and(|co_row| self.node(sub, related, co_row) == Some(true))
        })
    }

    fn in_hierarchy(&self, h: &Hierarchy, id: i64) -> bool {
        match h.direction {
            Direction::ChildOf => self
                .ancestors_or_self(h, id)
                .any(|node| self.is_root(h, node)),
            Direction::ParentOf => {
                let candidates = h
                    .root_ids
                    .clone()
                    .unwrap_or_else(|| self.records.ids(&h.model));
                candidates
                    .into_iter()
                    .filter(|root| self.is_root(h, *root))
                    .any(|root| self.ancestors_or_self(h, root).any(|node| node == id))
            }
        }
    }

    fn is_root(&self, h: &Hierarchy, id: i64) -> bool {
        self.records
            .row(&h.model, id)
            .is_some_and(|row| self.node(&h.roots, id, row) == Some(true))
    }

    /// `id` and its parents, as long as the rows exist, stopping at a cycle (SQL's UNION does too).
    fn ancestors_or_self<'a>(
        &'a self,
        h: &'a Hierarchy,
        id: i64,
    ) -> impl Iterator<Item = i64> + 'a {
        let mut visited = HashSet::new();
        let mut next = Some(id);
        std::iter::from_fn(move || {
            let current = next.take()?;
            let row = self.records.row(&h.model, current)?;
            if !visited.insert(current) {
                return None;
            }
            next = row.get(&h.parent).and_then(json_id);
            Some(current)
        })
    }
}

fn kleene_and(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut result = Some(true);
    for value in values {
        match value {
            Some(false) => return Some(false),
            None => result = None,
            Some(true) => {}
        }
    }
    result
}

fn kleene_or(values: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut result = Some(false);
    for value in values {
        match value {
            Some(true) => return Some(true),
            None => result = None,
            Some(false) => {}
        }
    }
    result
}

fn op_holds(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
    }
}

/// A stored value as SQL sees it.
enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(&'a str),
    /// Arrays and objects: never equal to anything a domain can hold.
    Other,
}

impl Cell<'_> {
    fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }
}

fn cell<'a>(column: &Column, id: i64, row: &'a Row) -> Cell<'a> {
    if column.kind == ColumnKind::Id {
        return Cell::Int(id);
    }
    match row.get(&column.name) {
        None | Some(Json::Null) => Cell::Null,
        Some(Json::Bool(b)) => Cell::Bool(*b),
        Some(Json::Number(n)) => n
            .as_i64()
            .map(Cell::Int)
            .or_else(|| n.as_f64().map(Cell::Float))
            .unwrap_or(Cell::Other),
        Some(Json::String(s)) => Cell::Text(s),
        Some(_) => Cell::Other,
    }
}

fn compare(cell: &Cell<'_>, value: &Scalar) -> Option<Ordering> {
    match (cell, value) {
        (Cell::Null | Cell::Other, _) => None,
        (Cell::Int(a), Scalar::Int(b)) => Some(a.cmp(b)),
        (Cell::Int(_) | Cell::Float(_), Scalar::Int(_) | Scalar::Float(_)) => {
            number(cell)?.partial_cmp(&scalar_number(value)?)
        }
        (Cell::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
        // SQLite stores booleans as 0/1.
        (Cell::Int(a), Scalar::Bool(b)) => Some((*a != 0).cmp(b)),
        (Cell::Text(a), Scalar::Text(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (Cell::Int(a), Scalar::Text(b)) => Some(a.to_string().as_bytes().cmp(b.as_bytes())),
        (Cell::Text(a), Scalar::Date(_) | Scalar::Datetime(_)) => {
            Some(a.as_bytes().cmp(value.date_text()?.as_bytes()))
        }
        _ => None,
    }
}

fn number(cell: &Cell<'_>) -> Option<f64> {
    match cell {
        Cell::Int(i) => Some(*i as f64),
        Cell::Float(f) => Some(*f),
        _ => None,
    }
}

fn scalar_number(value: &Scalar) -> Option<f64> {
    match value {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Float(f) => Some(*f),
        _ => None,
    }
}

/// `CAST(column AS TEXT)`: integers print without a fraction, text and dates as stored.
fn like_text(cell: &Cell<'_>, kind: ColumnKind) -> Option<String> {
    match cell {
        Cell::Text(s) => Some((*s).to_string()),
        Cell::Int(i) => Some(i.to_string()),
        Cell::Float(f) if matches!(kind, ColumnKind::Int | ColumnKind::Id) && f.fract() == 0.0 => {
            Some((*f as i64).to_string())
        }
        _ => None,
    }
}

fn related_ids(link: &Link, row: &Row) -> Vec<i64> {
    match &link.kind {
        LinkKind::Many2one { column } => row.get(column).and_then(json_id).into_iter().collect(),
        LinkKind::One2many { field, .. } | LinkKind::Many2many { field, .. } => {
            match row.get(field) {
                Some(Json::Array(items)) => items.iter().filter_map(json_id).collect(),
                _ => Vec::new(),
            }
        }
    }
}

fn json_id(value: &Json) -> Option<i64> {
    match value {
        Json::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        _ => None,
    }
}
