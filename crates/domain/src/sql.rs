//! Compilation to sea-query conditions.
//!
//! Relational tests are correlated `EXISTS` sub-queries (never `IN (subquery)`, whose NULL handling
//! is three-valued); hierarchies are recursive CTEs inside such a sub-query. Every value is bound
//! as a parameter; only registry identifiers and generated aliases are written into the SQL. Each
//! sub-query gets a fresh alias so correlated references stay right at any depth.

use sea_query::{
    Alias, BinOper, CommonTableExpression, Condition, Expr, ExprTrait, Func, JoinType, Query,
    SelectStatement, SubQueryOper, SubQueryStatement, UnionType, WithClause,
};

use crate::bound::{
    CmpOp, Column, ColumnKind, Direction, Hierarchy, Leaf, Link, LinkKind, Node, Scalar,
};

/// The database the SQL is for: values are bound with the types its columns have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Dates and datetimes are TEXT columns: bound as their canonical text.
    Sqlite,
    /// Dates and datetimes are DATE / TIMESTAMP columns: bound as chrono values.
    Postgres,
}

/// Which rows of a model the reader may see, as a condition on the table aliased `alias`
/// (`scope(model, alias)`); None = every row. Applied to every related row a sub-query reads, so a
/// domain cannot test records the reader may not see.
pub type Scope<'s> = &'s dyn Fn(&str, &str) -> Option<Condition>;

pub(crate) fn compile(root: &Node, backend: Backend, alias: &str, scope: Scope<'_>) -> Condition {
    let mut compiler = Compiler {
        backend,
        outer: alias.to_string(),
        next_alias: 0,
        scope,
    };
    compiler.condition(root, alias)
}

struct Compiler<'s> {
    backend: Backend,
    outer: String,
    next_alias: usize,
    scope: Scope<'s>,
}

fn col(alias: &str, name: &str) -> Expr {
    Expr::col((Alias::new(alias), Alias::new(name)))
}

fn select_one() -> SelectStatement {
    let mut select = Query::select();
    select.expr(Expr::cust("1"));
    select
}

impl Compiler<'_> {
    /// An alias for a sub-query table, unique within this condition and distinct from the caller's.
    fn fresh(&mut self, prefix: &str) -> String {
        loop {
            self.next_alias += 1;
            let name = format!("{prefix}{}", self.next_alias);
            if name != self.outer {
                return name;
            }
        }
    }

    fn condition(&mut self, node: &Node, alias: &str) -> Condition {
        match node {
            Node::True => Condition::all(),
            Node::False => Condition::any(),
            Node::And(nodes) => nodes
                .iter()
                .fold(Condition::all(), |c, n| c.add(self.condition(n, alias))),
            Node::Or(nodes) => nodes
                .iter()
                .fold(Condition::any(), |c, n| c.add(self.condition(n, alias))),
            Node::Not(inner) => self.condition(inner, alias).not(),
            Node::Leaf(leaf) => Condition::all().add(self.leaf(leaf, alias)),
        }
    }

    fn leaf(&mut self, leaf: &Leaf, alias: &str) -> Expr {
        match leaf {
            Leaf::Null {
                column,
                negated: false,
            } => col(alias, &column.name).is_null(),
            Leaf::Null {
                column,
                negated: true,
            } => col(alias, &column.name).is_not_null(),
            Leaf::Compare { column, op, value } => {
                self.compare(col(alias, &column.name), *op, value)
            }
            Leaf::In {
                column,
                values,
                negated,
            } => {
                let values: Vec<sea_query::Value> = values.iter().map(|v| self.value(v)).collect();
                let column = col(alias, &column.name);
                if *negated {
                    column.is_not_in(values)
                } else {
                    column.is_in(values)
                }
            }
            Leaf::Like {
                column,
                pattern,
                insensitive,
                negated,
            } => like(alias, column, pattern, *insensitive, *negated),
            Leaf::Exists { link, sub, negated } => self.exists(link, sub, *negated, alias),
            Leaf::Hierarchy(h) => self.hierarchy(h, alias),
        }
    }

    fn compare(&self, column: Expr, op: CmpOp, value: &Scalar) -> Expr {
        let value = self.value(value);
        match op {
            CmpOp::Eq => column.eq(value),
            CmpOp::Ne => column.ne(value),
            CmpOp::Lt => column.lt(value),
            CmpOp::Le => column.lte(value),
            CmpOp::Gt => column.gt(value),
            CmpOp::Ge => column.gte(value),
        }
    }

    fn value(&self, value: &Scalar) -> sea_query::Value {
        match (value, self.backend) {
            (Scalar::Int(i), _) => (*i).into(),
            (Scalar::Float(f), _) => (*f).into(),
            (Scalar::Bool(b), _) => (*b).into(),
            (Scalar::Text(s), _) => s.clone().into(),
            (Scalar::Date(d), Backend::Postgres) => (*d).into(),
            (Scalar::Datetime(dt), Backend::Postgres) => (*dt).into(),
            (Scalar::Date(_) | Scalar::Datetime(_), Backend::Sqlite) => {
                value.date_text().unwrap_or_default().into()
            }
        }
    }

    /// `EXISTS (SELECT 1 FROM <comodel> AS sN ... WHERE <link> AND <sub>)`.
    fn exists(&mut self, link: &Link, sub: &Node, negated: bool, alias: &str) -> Expr {
        let mut select = select_one();
        let co = self.fresh("s");
        let joined = match &link.kind {
            LinkKind::Many2one { column } => {
                select.from_as(Alias::new(&link.co_table), Alias::new(&co));
                col(&co, "id").eq(col(alias, column))
            }
            LinkKind::One2many { inverse, .. } => {
                select.from_as(Alias::new(&link.co_table), Alias::new(&co));
                col(&co, inverse).eq(col(alias, "id"))
            }
            LinkKind::Many2many {
                relation,
                column1,
                column2,
                ..
            } => {
                let rel = self.fresh("s");
                select
                    .from_as(Alias::new(relation), Alias::new(&rel))
                    .join_as(
                        JoinType::InnerJoin,
                        Alias::new(&link.co_table),
                        Alias::new(&co),
                        col(&co, "id").eq(col(&rel, column2)),
                    );
                col(&rel, column1).eq(col(alias, "id"))
            }
        };
        let mut condition = Condition::all().add(joined);
        if let Some(visible) = (self.scope)(&link.comodel, &co) {
            condition = condition.add(visible);
        }
        if *sub != Node::True {
            condition = condition.add(self.condition(sub, &co));
        }
        select.cond_where(condition);
        if negated {
            Expr::not_exists(select)
        } else {
            Expr::exists(select)
        }
    }

    /// `EXISTS (WITH RECURSIVE hN(id) AS (<roots> UNION <step>) SELECT 1 FROM hN WHERE hN.id = t.id)`.
    /// UNION (not UNION ALL) stops at cycles.
    fn hierarchy(&mut self, h: &Hierarchy, alias: &str) -> Expr {
        let cte = self.fresh("h");
        let root = self.fresh("r");
        let mut base = Query::select();
        base.expr(col(&root, "id"))
            .from_as(Alias::new(&h.table), Alias::new(&root))
            .cond_where(self.condition(&h.roots, &root));
        if let Some(visible) = (self.scope)(&h.model, &root) {
            base.cond_where(visible);
        }
        base.union(UnionType::Distinct, self.hierarchy_step(h, &cte));

        let mut table = CommonTableExpression::new();
        table
            .table_name(Alias::new(&cte))
            .column(Alias::new("id"))
            .query(base);
        let mut found = select_one();
        found
            .from(Alias::new(&cte))
            .and_where(col(&cte, "id").eq(col(alias, "id")));
        let with = WithClause::new()
            .recursive(true)
            .cte(table)
            .to_owned()
            .query(found);
        Expr::SubQuery(
            Some(SubQueryOper::Exists),
            Box::new(SubQueryStatement::WithStatement(with)),
        )
    }

    /// One step away from the rows found so far: their children, or their parents.
    fn hierarchy_step(&mut self, h: &Hierarchy, cte: &str) -> SelectStatement {
        let child = self.fresh("c");
        let mut step = Query::select();
        match h.direction {
            Direction::ChildOf => {
                step.expr(col(&child, "id"))
                    .from_as(Alias::new(&h.table), Alias::new(&child))
                    .join(
                        JoinType::InnerJoin,
                        Alias::new(cte),
                        col(&child, &h.parent).eq(col(cte, "id")),
                    );
                if let Some(visible) = (self.scope)(&h.model, &child) {
                    step.cond_where(visible);
                }
            }
            Direction::ParentOf => {
                // Joining the parent row (not just reading the column) keeps dangling ids out.
                let parent = self.fresh("p");
                step.expr(col(&parent, "id"))
                    .from_as(Alias::new(&h.table), Alias::new(&parent))
                    .join_as(
                        JoinType::InnerJoin,
                        Alias::new(&h.table),
                        Alias::new(&child),
                        col(&parent, "id").eq(col(&child, &h.parent)),
                    )
                    .join(
                        JoinType::InnerJoin,
                        Alias::new(cte),
                        col(&child, "id").eq(col(cte, "id")),
                    );
                if let Some(visible) = (self.scope)(&h.model, &parent) {
                    step.cond_where(visible);
                }
            }
        }
        step
    }
}

/// `[LOWER(]CAST(c AS TEXT)[)] [NOT] LIKE [LOWER(]?[)] ESCAPE '\'` (text columns need no cast
/// for a case-sensitive match).
fn like(alias: &str, column: &Column, pattern: &str, insensitive: bool, negated: bool) -> Expr {
    let subject = col(alias, &column.name);
    let subject: Expr = match (insensitive, column.kind) {
        (true, _) => Func::lower(subject.cast_as("TEXT")).into(),
        (false, ColumnKind::Text) => subject,
        (false, _) => subject.cast_as("TEXT"),
    };
    let pattern: Expr = if insensitive {
        Func::lower(Expr::val(pattern)).into()
    } else {
        Expr::val(pattern)
    };
    let escaped = Expr::Binary(
        Box::new(pattern),
        BinOper::Escape,
        Box::new(Expr::Constant('\\'.into())),
    );
    subject.binary(
        if negated {
            BinOper::NotLike
        } else {
            BinOper::Like
        },
        escaped,
    )
}
