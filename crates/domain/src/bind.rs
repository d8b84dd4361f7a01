//! Binding: a parsed domain meets a model.
//!
//! In order: dotted paths through relational fields become `any` terms (`a.b.c` is
//! `a any [b any [c ...]]`, a trailing `.id` is dropped); `!` is pushed down to the leaves
//! (`distribute_not`), flipping operators that have a negation and keeping an explicit NOT for the
//! others; then each leaf is resolved against the schema and turned into primitive tests. The
//! implicit `active = True` is added last, on the top model only.

use crate::MAX_RELATIONS;
use crate::bound::{
    BoundDomain, Column, ColumnKind, Direction, Hierarchy, Leaf, Link, LinkKind, Node,
};
use crate::error::{DomainError, printable};
use crate::operator::Operator;
use crate::parse::{Domain, Term, Token};
use crate::refuse;
use crate::scalar::{self, invalid_operator};
use crate::schema::{FieldInfo, FieldKind, Schema};
use crate::tree::{self, Tree};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindOptions {
    /// Add `active = True` on models that have an `active` field, unless the domain mentions it.
    pub active_test: bool,
}

impl Default for BindOptions {
    fn default() -> Self {
        BindOptions { active_test: true }
    }
}

impl Domain {
    /// Resolves the domain against `model` of `schema`, checking every field, operator and value.
    pub fn bind(
        &self,
        schema: &dyn Schema,
        model: &str,
        opts: &BindOptions,
    ) -> Result<BoundDomain, DomainError> {
        self.check_limits()?;
        if schema.table(model).is_none() {
            return Err(DomainError::UnknownModel {
                model: printable(model),
            });
        }
        let binder = Binder { schema };
        let scope = Scope {
            model: model.to_string(),
            prefix: String::new(),
            relations: 0,
        };
        let mut root = binder.domain(self, &scope)?;
        if opts.active_test && schema.has_active(model) && !mentions_active(self) {
            let active = binder.term(&scope, "active", Operator::Eq, &Value::Bool(true), false)?;
            root = Node::and(vec![active, root]);
        }
        Ok(BoundDomain {
            model: model.to_string(),
            root,
        })
    }
}

/// Whether a top-level term (not one inside `any`) starts its path with `active`.
fn mentions_active(domain: &Domain) -> bool {
    domain.tokens().iter().any(|token| match token {
        Token::Term(term) => term.path.split('.').next() == Some("active"),
        _ => false,
    })
}

/// Where a term is bound: the model, the path walked so far (for errors) and how many relations
/// that path crossed.
#[derive(Clone)]
struct Scope {
    model: String,
    prefix: String,
    relations: usize,
}

impl Scope {
    fn path(&self, rest: &str) -> String {
        if self.prefix.is_empty() {
            rest.to_string()
        } else {
            format!("{}.{rest}", self.prefix)
        }
    }

    fn enter(&self, field: &str, comodel: &str) -> Result<Scope, DomainError> {
        let path = self.path(field);
        if self.relations >= MAX_RELATIONS {
            return Err(DomainError::PathTooDeep {
                path,
                limit: MAX_RELATIONS,
            });
        }
        Ok(Scope {
            model: comodel.to_string(),
            prefix: path,
            relations: self.relations + 1,
        })
    }
}

struct Binder<'s> {
    schema: &'s dyn Schema,
}

/// The roots of a hierarchy: a test on the hierarchy's model, and the ids when given as ids.
struct Roots {
    node: Node,
    ids: Option<Vec<i64>>,
}

/// What a relational value names: records by id, or by name (Odoo's name search).
enum Target {
    Ids,
    Names { names: Vec<Value>, has_null: bool },
}

impl<'s> Binder<'s> {
    fn domain(&self, domain: &Domain, scope: &Scope) -> Result<Node, DomainError> {
        let (tree, _) = tree::build(domain.tokens())?;
        self.tree(&tree, scope, false)
    }

    /// `negate` is the parity of the `!`s above this subtree (distribute_not).
    fn tree(&self, tree: &Tree<'_>, scope: &Scope, negate: bool) -> Result<Node, DomainError> {
        Ok(match tree {
            Tree::True => Node::constant(!negate),
            Tree::False => Node::constant(negate),
            Tree::Not(inner) => self.tree(inner, scope, !negate)?,
            Tree::And(children) | Tree::Or(children) => {
                let nodes = children
                    .iter()
                    .map(|c| self.tree(c, scope, negate))
                    .collect::<Result<Vec<_>, _>>()?;
                // De Morgan: !(A & B) is !A | !B.
                if matches!(tree, Tree::And(_)) != negate {
                    Node::and(nodes)
                } else {
                    Node::or(nodes)
                }
            }
            Tree::Term(term) => {
                refuse::check(self.schema, &scope.model, term)?;
                self.term(scope, &term.path, term.operator, &term.value, negate)
                    .map_err(|err| in_sub_domain(term, err))?
            }
        })
    }

    fn term(
        &self,
        scope: &Scope,
        path: &str,
        op: Operator,
        value: &Value,
        negate: bool,
    ) -> Result<Node, DomainError> {
        if let Some((head, rest)) = path.split_once('.') {
            return self.dotted(scope, head, rest, op, value, negate);
        }
        let field = self.field(scope, path)?;
        match (negate, op.negation()) {
            (false, _) => self.leaf(scope, &field, op, value),
            (true, Some(negation)) => self.leaf(scope, &field, negation, value),
            (true, None) => Ok(Node::not(self.leaf(scope, &field, op, value)?)),
        }
    }

    /// `head.rest` is `head any [rest]`; a `!` above it makes that `not any`.
    fn dotted(
        &self,
        scope: &Scope,
        head: &str,
        rest: &str,
        op: Operator,
        value: &Value,
        negate: bool,
    ) -> Result<Node, DomainError> {
        let field = self.field(scope, head)?;
        let Some(link) = self.link(&field)? else {
            return Err(DomainError::NotRelational {
                model: scope.model.clone(),
                field: head.to_string(),
                path: printable(&scope.path(&format!("{head}.{rest}"))),
            });
        };
        if rest == "id" {
            return self.term(scope, head, op, value, negate);
        }
        let inner = scope.enter(head, &link.comodel)?;
        let sub = self.term(&inner, rest, op, value, false)?;
        Ok(Node::exists(link, sub, negate))
    }

    fn field(&self, scope: &Scope, name: &str) -> Result<FieldInfo<'s>, DomainError> {
        self.schema
            .field(&scope.model, name)
            .ok_or_else(|| DomainError::UnknownField {
                model: scope.model.clone(),
                field: printable(name),
                path: printable(&scope.path(name)),
            })
    }

    /// How to reach the comodel of a relational field; `None` for other fields.
    fn link(&self, field: &FieldInfo<'_>) -> Result<Option<Link>, DomainError> {
        let Some(comodel) = field.kind.comodel() else {
            return Ok(None);
        };
        let co_table = self
            .schema
            .table(comodel)
            .ok_or_else(|| DomainError::UnknownModel {
                model: comodel.to_string(),
            })?;
        let kind = match field.kind {
            FieldKind::One2many { inverse, .. } => LinkKind::One2many {
                field: field.name.to_string(),
                inverse: inverse.to_string(),
            },
            FieldKind::Many2many {
                relation,
                column1,
                column2,
                ..
            } => LinkKind::Many2many {
                field: field.name.to_string(),
                relation: relation.to_string(),
                column1: column1.to_string(),
                column2: column2.to_string(),
            },
            _ => LinkKind::Many2one {
                column: field.name.to_string(),
            },
        };
        Ok(Some(Link {
            comodel: comodel.to_string(),
            co_table: co_table.to_string(),
            kind,
        }))
    }

    fn leaf(
        &self,
        scope: &Scope,
        field: &FieldInfo<'_>,
        op: Operator,
        value: &Value,
    ) -> Result<Node, DomainError> {
        let path = scope.path(field.name);
        if matches!(op, Operator::ChildOf | Operator::ParentOf) {
            return self.hierarchy(scope, field, op, value);
        }
        match self.link(field)? {
            None if matches!(op, Operator::Any | Operator::NotAny) => {
                Err(invalid_operator(&path, op, "it needs a relational field"))
            }
            None => {
                let column = Column {
                    name: field.name.to_string(),
                    kind: scalar::column_kind(&field.kind),
                };
                scalar::leaf(&path, column, op, value)
            }
            Some(link) => self.relational(scope, field, link, op, value),
        }
    }

    fn relational(
        &self,
        scope: &Scope,
        field: &FieldInfo<'_>,
        link: Link,
        op: Operator,
        value: &Value,
    ) -> Result<Node, DomainError> {
        let path = scope.path(field.name);
        let (op, value) = match op {
            Operator::EqIfSet if value.is_unset() => return Ok(Node::True),
            Operator::EqIfSet if matches!(value, Value::List(_)) => (Operator::In, value),
            Operator::EqIfSet => (Operator::Eq, value),
            op => (op, value),
        };
        if matches!(op, Operator::Any | Operator::NotAny) {
            let Value::Domain(sub) = value else {
                return Err(DomainError::invalid_value(
                    &path,
                    "'any' and 'not any' need a domain",
                ));
            };
            let inner = scope.enter(field.name, &link.comodel)?;
            let sub = self.domain(sub, &inner)?;
            return Ok(Node::exists(link, sub, op == Operator::NotAny));
        }
        if op.is_like_family() {
            let text = Value::Str(scalar::like_text(&path, value)?);
            return self.name_match(scope, field, link, op, &text);
        }
        match target(&path, value)? {
            Target::Names { names, has_null } => {
                let node = self.name_match(scope, field, link.clone(), op, &Value::List(names))?;
                Ok(if has_null {
                    with_unset(node, op, &link)
                } else {
                    node
                })
            }
            Target::Ids if matches!(link.kind, LinkKind::Many2one { .. }) => {
                let column = Column {
                    name: field.name.to_string(),
                    kind: ColumnKind::Int,
                };
                scalar::leaf(&path, column, op, value)
            }
            Target::Ids => self.x2many_ids(scope, field, link, op, value),
        }
    }

    /// Related records found by name, with the positive form of the operator: EXISTS for positive
    /// operators, NOT EXISTS for negative ones (so `not ilike 'x'` is "none named like x", and a
    /// NULL many2one matches every negative name test).
    fn name_match(
        &self,
        scope: &Scope,
        field: &FieldInfo<'_>,
        link: Link,
        op: Operator,
        value: &Value,
    ) -> Result<Node, DomainError> {
        let inner = scope.enter(field.name, &link.comodel)?;
        let rec_name = self.field(&inner, self.schema.rec_name(&link.comodel))?;
        // Ordering operators on names make no sense for ids; upstream turns them into `in`.
        let sub_op = if op.is_like_family() {
            op.positive()
        } else {
            Operator::In
        };
        let sub = self.leaf(&inner, &rec_name, sub_op, value)?;
        Ok(Node::exists(link, sub, op.is_negative()))
    }

    /// One2many / many2many against ids: "contains one of" and "contains none of".
    fn x2many_ids(
        &self,
        scope: &Scope,
        field: &FieldInfo<'_>,
        link: Link,
        op: Operator,
        value: &Value,
    ) -> Result<Node, DomainError> {
        let path = scope.path(field.name);
        let inner = scope.enter(field.name, &link.comodel)?;
        let id_field = self.field(&inner, "id")?;
        match op {
            Operator::Eq | Operator::Ne if value.is_unset() => {
                Ok(Node::exists(link, Node::True, op == Operator::Eq))
            }
            Operator::Eq | Operator::Ne => {
                let list_op = if op == Operator::Eq {
                    Operator::In
                } else {
                    Operator::NotIn
                };
                self.x2many_ids(
                    scope,
                    field,
                    link,
                    list_op,
                    &Value::List(vec![value.clone()]),
                )
            }
            Operator::In | Operator::NotIn => {
                // Upstream reads a lone id here as a one-element list (`ids2 = [right]`).
                let items = match value {
                    Value::List(items) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                let has_null = items.iter().any(Value::is_unset);
                let ids: Vec<Value> = items.iter().filter(|v| !v.is_unset()).cloned().collect();
                let positive = op == Operator::In;
                let node = if ids.is_empty() {
                    if positive { Node::False } else { Node::True }
                } else {
                    let sub = self.leaf(&inner, &id_field, Operator::In, &Value::List(ids))?;
                    Node::exists(link.clone(), sub, !positive)
                };
                Ok(if has_null {
                    with_unset(node, op, &link)
                } else {
                    node
                })
            }
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge if value.is_unset() => {
                Ok(Node::False)
            }
            Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
                let sub = self.leaf(&inner, &id_field, op, value)?;
                Ok(Node::exists(link, sub, false))
            }
            op => Err(invalid_operator(
                &path,
                op,
                "not supported on one2many and many2many fields",
            )),
        }
    }

    /// `child_of` / `parent_of` on `id` (this model's hierarchy) or on a relational field (the
    /// comodel's hierarchy, reached like `any`).
    fn hierarchy(
        &self,
        scope: &Scope,
        field: &FieldInfo<'_>,
        op: Operator,
        value: &Value,
    ) -> Result<Node, DomainError> {
        let path = scope.path(field.name);
        let link = self.link(field)?;
        let target = match (&field.kind, &link) {
            (FieldKind::Id, _) => scope.clone(),
            (_, Some(link)) => scope.enter(field.name, &link.comodel)?,
            _ => {
                return Err(invalid_operator(
                    &path,
                    op,
                    "it needs 'id' or a relational field",
                ));
            }
        };
        let parent = self.schema.parent_field(&target.model).ok_or_else(|| {
            invalid_operator(
                &path,
                op,
                &format!("model '{}' has no parent field", target.model),
            )
        })?;
        let parent = self.field(&target, parent)?.name.to_string();
        let table = self
            .schema
            .table(&target.model)
            .unwrap_or_default()
            .to_string();
        let Some(Roots {
            node: roots,
            ids: root_ids,
        }) = self.roots(&target, &path, value)?
        else {
            return Ok(Node::False);
        };
        let direction = if op == Operator::ChildOf {
            Direction::ChildOf
        } else {
            Direction::ParentOf
        };
        let hierarchy = Hierarchy {
            model: target.model.clone(),
            table,
            parent,
            direction,
            roots,
            root_ids,
        };
        let node = Node::leaf(Leaf::Hierarchy(Box::new(hierarchy)));
        Ok(match link {
            Some(link) if field.kind != FieldKind::Id => Node::exists(link, node, false),
            _ => node,
        })
    }

    /// The roots of a hierarchy: ids, or names found with `ilike`. `None` when nothing is given
    /// (False, 0, empty list): the term matches nothing.
    fn roots(
        &self,
        scope: &Scope,
        path: &str,
        value: &Value,
    ) -> Result<Option<Roots>, DomainError> {
        let items: Vec<&Value> = match value {
            Value::List(items) => items.iter().collect(),
            other => vec![other],
        };
        let items: Vec<&Value> = items
            .into_iter()
            .filter(|v| !v.is_unset() && **v != Value::Int(0))
            .collect();
        if items.is_empty() {
            return Ok(None);
        }
        if items.iter().all(|v| matches!(v, Value::Str(_))) {
            let rec_name = self.field(scope, self.schema.rec_name(&scope.model))?;
            let tests = items
                .into_iter()
                .map(|name| self.leaf(scope, &rec_name, Operator::Ilike, name))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Some(Roots {
                node: Node::or(tests),
                ids: None,
            }));
        }
        let ids = items
            .into_iter()
            .map(|v| scalar::to_int(path, v))
            .collect::<Result<Vec<_>, _>>()?;
        let column = Column {
            name: "id".to_string(),
            kind: ColumnKind::Id,
        };
        let roots = Node::leaf(Leaf::In {
            column,
            values: ids.iter().copied().map(crate::bound::Scalar::Int).collect(),
            negated: false,
        });
        Ok(Some(Roots {
            node: roots,
            ids: Some(ids),
        }))
    }
}

/// A term refused inside the sub-domain of an `any` is named from the outer term, as parsing does.
fn in_sub_domain(term: &Term, err: DomainError) -> DomainError {
    match (err, &term.value) {
        (DomainError::Structure { index, reason }, Value::Domain(_)) => DomainError::structure(
            term.position,
            format!("in its sub-domain, term {index}: {reason}"),
        ),
        (err, _) => err,
    }
}

/// Splits a relational value into ids or names; a list mixing both is refused.
fn target(path: &str, value: &Value) -> Result<Target, DomainError> {
    let items = match value {
        Value::Str(_) => {
            return Ok(Target::Names {
                names: vec![value.clone()],
                has_null: false,
            });
        }
        Value::List(items) if items.iter().any(|v| matches!(v, Value::Str(_))) => items,
        _ => return Ok(Target::Ids),
    };
    let mut names = Vec::new();
    let mut has_null = false;
    for item in items {
        match item {
            Value::Str(_) => names.push(item.clone()),
            v if v.is_unset() => has_null = true,
            other => {
                return Err(DomainError::invalid_value(
                    path,
                    format!("a list of names cannot also hold {other}"),
                ));
            }
        }
    }
    Ok(Target::Names { names, has_null })
}

/// A False among the values of a relational term: positive operators also match "unset" (NULL
/// many2one, empty x2many), negative ones require "set", as with plain columns.
fn with_unset(node: Node, op: Operator, link: &Link) -> Node {
    let positive = !op.is_negative();
    let unset = match &link.kind {
        LinkKind::Many2one { column } => {
            let column = Column {
                name: column.clone(),
                kind: ColumnKind::Int,
            };
            Node::leaf(Leaf::Null {
                column,
                negated: !positive,
            })
        }
        _ => Node::exists(link.clone(), Node::True, positive),
    };
    if positive {
        Node::or(vec![node, unset])
    } else {
        Node::and(vec![node, unset])
    }
}
