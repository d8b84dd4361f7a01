//! Reading records: stored rows (with x2many id lists), search and count with a domain, and Odoo's
//! read() format. Every read is batched: one query for the rows, one per x2many field, one per
//! many2one comodel for display names, never one per record.

use crate::access::Purpose;
use crate::changeset::Row;
use crate::codec::decode;
use crate::error::{Result, StoreError};
use crate::tx::{SearchOptions, Tx};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, LockType, Order as SqlOrder, Query, SelectStatement,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use weft_domain::{Backend, BindOptions, BoundDomain, Domain, Order, Records};
use weft_registry::{Field, FieldType, Model};

/// The alias of the searched table in every generated SELECT.
const T0: &str = "t0";

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

pub(crate) fn domain_backend(tx: &Tx) -> Backend {
    match tx.backend() {
        sea_orm::DatabaseBackend::Postgres => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

fn filtered_select(
    tx: &Tx,
    model: &Model,
    domain: &Domain,
    include_archived: bool,
) -> Result<SelectStatement> {
    let bound = domain.bind(
        tx.registry.as_ref(),
        &model.name,
        &BindOptions {
            active_test: !include_archived,
        },
    )?;
    tx.allow_domain(&bound)?;
    Ok(bound_select(tx, model, &bound))
}

/// The rows of `model` matching `bound` that the env may see (related rows the domain reads
/// included: `Tx::domain_scope`).
fn bound_select(tx: &Tx, model: &Model, bound: &BoundDomain) -> SelectStatement {
    let mut select = Query::select();
    let scope = tx.domain_scope();
    select
        .from_as(Alias::new(&model.table), Alias::new(T0))
        .cond_where(bound.to_scoped_condition(domain_backend(tx), T0, &scope));
    if let Some(visible) = tx.visibility(model, T0, Purpose::Read) {
        select.cond_where(visible);
    }
    select
}

/// Whether the evaluator can apply the env's visibility to a row by itself: it knows the row's
/// `company_id`, not a parent's company or who the identity rows belong to.
fn memory_can_scope(tx: &Tx, model: &Model) -> bool {
    !tx.is_limited(model) || (model.is_company_scoped() && model.company_from.is_none())
}

/// `domain` bound on `model` for the hooks' questions, which see archived records too.
fn bind_archived_too<'t>(
    tx: &'t Tx,
    model: &str,
    domain: &Domain,
) -> Result<(&'t Model, BoundDomain)> {
    let m = tx.model(model)?;
    let bound = domain.bind(
        tx.registry.as_ref(),
        &m.name,
        &BindOptions { active_test: false },
    )?;
    Ok((m, bound))
}

/// `Tx::matching`.
pub(crate) async fn matching(
    tx: &Tx,
    model: &str,
    domain: &Domain,
    ids: &[i64],
) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (m, bound) = bind_archived_too(tx, model, domain)?;
    if bound.reads_only_its_row(domain_backend(tx)) && memory_can_scope(tx, m) {
        let (rows, missing) = tx.current.take_known(model, ids);
        if missing.is_empty() {
            let mut seen = std::collections::HashSet::with_capacity(ids.len());
            return Ok(ids
                .iter()
                .copied()
                .filter(|id| seen.insert(*id) && row_matches(tx, m, &bound, *id, &rows[id]))
                .collect());
        }
    }
    let mut select = bound_select(tx, m, &bound);
    select
        .expr(col(T0, "id"))
        .and_where(col(T0, "id").is_in(ids.iter().copied()));
    let rows = tx.conn.query_all(&select).await?;
    rows.iter()
        .map(|r| Ok(r.try_get_by_index::<i64>(0)?))
        .collect()
}

/// `Tx::rows_matching`.
pub(crate) fn rows_matching<'r>(
    tx: &Tx,
    model: &str,
    domain: &Domain,
    rows: impl IntoIterator<Item = (i64, &'r Row)>,
) -> Result<Option<Vec<i64>>> {
    let (m, bound) = bind_archived_too(tx, model, domain)?;
    // The rows are records this transaction touched, so it could reach them: a `company_from`
    // model's (lines written through their order) are visible by construction.
    let scoped = memory_can_scope(tx, m) || m.company_from.is_some();
    if !bound.reads_only_its_row(domain_backend(tx)) || !scoped {
        return Ok(None);
    }
    Ok(Some(
        rows.into_iter()
            .filter(|(id, row)| row_matches(tx, m, &bound, *id, row))
            .map(|(id, _)| id)
            .collect(),
    ))
}

/// The SQL's answer for one whole stored row, company scope included, for a domain that reads only
/// the row.
fn row_matches(tx: &Tx, m: &Model, bound: &BoundDomain, id: i64, row: &Row) -> bool {
    let visible = !m.is_company_scoped()
        || tx
            .env
            .may_see_company(row.get("company_id").and_then(Value::as_i64));
    visible
        && bound.matches(
            &OwnRow {
                model: &m.name,
                id,
                row,
            },
            id,
        )
}

/// One record's row, as the domain evaluator reads it.
struct OwnRow<'r> {
    model: &'r str,
    id: i64,
    row: &'r Row,
}

impl Records for OwnRow<'_> {
    fn row(&self, model: &str, id: i64) -> Option<&Row> {
        (model == self.model && id == self.id).then_some(self.row)
    }
}

pub(crate) async fn search(
    tx: &Tx,
    model: &str,
    domain: &Domain,
    options: &SearchOptions<'_>,
) -> Result<Vec<i64>> {
    let m = tx.model(model)?;
    let select = search_select(tx, m, domain, options)?;
    let rows = tx.conn.query_all(&select).await?;
    rows.iter()
        .map(|r| Ok(r.try_get_by_index::<i64>(0)?))
        .collect()
}

/// Like `search`, with the stored values of some scalar or many2one `fields` of each record, in the
/// same query.
pub(crate) async fn search_rows(
    tx: &Tx,
    model: &str,
    domain: &Domain,
    options: &SearchOptions<'_>,
    fields: &[&str],
    lock: bool,
) -> Result<Vec<(i64, Row)>> {
    let m = tx.model(model)?;
    let columns = fields
        .iter()
        .map(|name| match m.field(name) {
            Some(f) if f.kind.is_stored_column() => Ok(f),
            Some(f) => Err(StoreError::invalid(
                name.to_string(),
                format!("{} field has no column to read", f.kind.name()),
            )),
            None => Err(StoreError::UnknownField {
                model: m.name.clone(),
                field: name.to_string(),
            }),
        })
        .collect::<Result<Vec<&Field>>>()?;
    let mut select = search_select(tx, m, domain, options)?;
    for field in &columns {
        select.expr_as(col(T0, &field.name), Alias::new(&field.name));
    }
    // SQLite has no row locks: the writer's turn already keeps everyone else out.
    if lock && tx.backend() == sea_orm::DatabaseBackend::Postgres {
        select.lock(LockType::Update);
    }
    let backend = tx.backend();
    let mut found = Vec::new();
    for result in tx.conn.query_all(&select).await? {
        let id: i64 = result.try_get_by_index(0)?;
        found.push((id, decode_row(&result, &columns, backend)?));
    }
    Ok(found)
}

/// The `columns` of one result row, as stored values (the `Row` format).
pub(crate) fn decode_row(
    result: &sea_orm::QueryResult,
    columns: &[&Field],
    backend: sea_orm::DatabaseBackend,
) -> Result<Row> {
    let mut row = Map::with_capacity(columns.len());
    for field in columns {
        row.insert(
            field.name.clone(),
            decode(&field.kind, result, &field.name, backend)?,
        );
    }
    Ok(row)
}

/// The SELECT of a search: the ids first, ordered, limited.
fn search_select(
    tx: &Tx,
    m: &Model,
    domain: &Domain,
    options: &SearchOptions<'_>,
) -> Result<SelectStatement> {
    let mut select = filtered_select(tx, m, domain, options.include_archived)?;
    select.expr(col(T0, "id"));
    for (field, descending) in order_terms(m, options.order)? {
        select.order_by(
            (Alias::new(T0), Alias::new(field)),
            if descending {
                SqlOrder::Desc
            } else {
                SqlOrder::Asc
            },
        );
    }
    if let Some(limit) = options.limit {
        select.limit(limit);
    }
    if options.offset > 0 {
        // SQLite needs a LIMIT before an OFFSET; -1 means none.
        if options.limit.is_none() && tx.backend() == sea_orm::DatabaseBackend::Sqlite {
            select.limit(i64::MAX as u64);
        }
        select.offset(options.offset);
    }
    Ok(select)
}

pub(crate) async fn count(
    tx: &Tx,
    model: &str,
    domain: &Domain,
    include_archived: bool,
) -> Result<u64> {
    let m = tx.model(model)?;
    let mut select = filtered_select(tx, m, domain, include_archived)?;
    select.expr(Expr::col((Alias::new(T0), Alias::new("id"))).count());
    let row = tx.conn.query_one(&select).await?;
    Ok(row
        .map(|r| r.try_get_by_index::<i64>(0))
        .transpose()?
        .unwrap_or(0) as u64)
}

/// The order as (column, descending), checked against the model, with `id` last for a stable result.
fn order_terms<'m>(model: &'m Model, order: Option<&str>) -> Result<Vec<(&'m str, bool)>> {
    let text = order
        .filter(|o| !o.trim().is_empty())
        .unwrap_or(&model.order);
    let parsed = Order::parse(text).map_err(|e| StoreError::InvalidOrder(e.to_string()))?;
    let mut terms = Vec::new();
    for term in parsed.0 {
        let field = model.field(&term.field).ok_or_else(|| {
            StoreError::InvalidOrder(format!("{} has no field '{}'", model.name, term.field))
        })?;
        if !field.kind.is_stored_column() {
            return Err(StoreError::InvalidOrder(format!(
                "cannot order by {} field '{}'",
                field.kind.name(),
                field.name
            )));
        }
        terms.push((field.name.as_str(), term.descending));
    }
    if !terms.iter().any(|(f, _)| *f == "id") {
        terms.push(("id", false));
    }
    Ok(terms)
}

impl Tx {
    /// Stored rows by id (missing ids are absent). `fields` limits the columns; None = all fields.
    pub(crate) async fn load_rows(
        &self,
        model: &str,
        ids: &[i64],
        fields: Option<&[&Field]>,
    ) -> Result<HashMap<i64, Row>> {
        let m = self.model(model)?;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let chosen: Vec<&Field> = match fields {
            Some(f) => f.to_vec(),
            None => m.fields().iter().collect(),
        };
        let columns: Vec<&Field> = chosen
            .iter()
            .copied()
            .filter(|f| f.kind.is_stored_column())
            .collect();
        let names: std::collections::HashSet<&str> =
            columns.iter().map(|f| f.name.as_str()).collect();
        let whole = m.columns().all(|f| names.contains(f.name.as_str()));
        let (mut rows, missing) = self.current.take_known(model, ids);
        if !whole {
            for row in rows.values_mut() {
                row.retain(|name, _| names.contains(name.as_str()));
            }
        }
        if !missing.is_empty() {
            let read = self.read_columns(m, &missing, &columns).await?;
            // On PostgreSQL a row read without a lock may be changed by another transaction's
            // commit before this one writes it: there only locked (`search_for_write`) and
            // written rows are kept.
            if whole && self.backend() == sea_orm::DatabaseBackend::Sqlite {
                self.current
                    .remember(model, read.iter().map(|(id, row)| (*id, row)));
            }
            rows.extend(read);
        }
        let found: Vec<i64> = rows.keys().copied().collect();
        for field in chosen.iter().filter(|f| f.kind.is_x2many()) {
            let mut lists = self.x2many_ids(&field.kind, &found).await?;
            for (id, row) in rows.iter_mut() {
                row.insert(
                    field.name.clone(),
                    Value::from(lists.remove(id).unwrap_or_default()),
                );
            }
        }
        Ok(rows)
    }

    /// `columns` of the rows of `ids`, in one query.
    async fn read_columns(
        &self,
        m: &Model,
        ids: &[i64],
        columns: &[&Field],
    ) -> Result<HashMap<i64, Row>> {
        let mut rows = HashMap::with_capacity(ids.len());
        let mut select = Query::select();
        select.from(Alias::new(&m.table)).column(Alias::new("id"));
        for field in columns.iter().filter(|f| f.name != "id") {
            select.column(Alias::new(&field.name));
        }
        select.and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()));
        let backend = self.backend();
        for result in self.conn.query_all(&select).await? {
            let id: i64 = result.try_get("", "id")?;
            rows.insert(id, decode_row(&result, columns, backend)?);
        }
        Ok(rows)
    }

    /// For each record id, the ids an x2many field holds, in ascending id order.
    pub(crate) async fn x2many_ids(
        &self,
        kind: &FieldType,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<i64>>> {
        let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let select = match kind {
            FieldType::One2many { comodel, inverse } => {
                let co = self.model(comodel)?;
                Query::select()
                    .column(Alias::new(inverse))
                    .column(Alias::new("id"))
                    .from(Alias::new(&co.table))
                    .and_where(Expr::col(Alias::new(inverse)).is_in(ids.iter().copied()))
                    .order_by(Alias::new("id"), SqlOrder::Asc)
                    .to_owned()
            }
            FieldType::Many2many {
                relation,
                column1,
                column2,
                ..
            } => Query::select()
                .column(Alias::new(column1))
                .column(Alias::new(column2))
                .from(Alias::new(relation))
                .and_where(Expr::col(Alias::new(column1)).is_in(ids.iter().copied()))
                .order_by(Alias::new(column2), SqlOrder::Asc)
                .to_owned(),
            _ => return Ok(out),
        };
        for row in self.conn.query_all(&select).await? {
            let owner: i64 = row.try_get_by_index(0)?;
            let related: i64 = row.try_get_by_index(1)?;
            out.entry(owner).or_default().push(related);
        }
        Ok(out)
    }

    /// Display names (`rec_name`, or `model,id` for a model without one) of existing ids.
    pub(crate) async fn display_names(
        &self,
        model: &str,
        ids: &[i64],
    ) -> Result<HashMap<i64, String>> {
        let m = self.model(model)?;
        let mut out = HashMap::with_capacity(ids.len());
        if ids.is_empty() {
            return Ok(out);
        }
        let Some(field) = m.field(&m.rec_name).filter(|_| m.rec_name != "id") else {
            return Ok(ids
                .iter()
                .map(|id| (*id, format!("{model},{id}")))
                .collect());
        };
        // The name of a record the env may not see is left out (shown as `model,id`): read with
        // the visibility in the same query.
        let rows = match self.visibility(m, "v", Purpose::Name) {
            Some(visible) => self.visible_rows(m, ids, field, visible).await?,
            None => self.load_rows(model, ids, Some(&[field])).await?,
        };
        for (id, row) in rows {
            let name = match row.get(&field.name) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Null) | None => format!("{model},{id}"),
                Some(other) => other.to_string(),
            };
            out.insert(id, name);
        }
        Ok(out)
    }
}

impl Tx {
    /// `field` of the rows of `ids` that pass `visible` (on the table aliased `v`), in chunks.
    async fn visible_rows(
        &self,
        m: &Model,
        ids: &[i64],
        field: &Field,
        visible: sea_orm::sea_query::Condition,
    ) -> Result<HashMap<i64, Row>> {
        let mut rows = HashMap::with_capacity(ids.len());
        let backend = self.backend();
        for chunk in ids.chunks(crate::access::IDS_PER_QUERY) {
            let mut select = Query::select();
            select
                .expr(col("v", "id"))
                .expr_as(col("v", &field.name), Alias::new(&field.name))
                .from_as(Alias::new(&m.table), Alias::new("v"))
                .and_where(col("v", "id").is_in(chunk.iter().copied()))
                .cond_where(visible.clone());
            for result in self.conn.query_all(&select).await? {
                let id: i64 = result.try_get_by_index(0)?;
                rows.insert(id, decode_row(&result, &[field], backend)?);
            }
        }
        Ok(rows)
    }
}

pub(crate) async fn read(
    tx: &Tx,
    model: &str,
    ids: &[i64],
    fields: &[&str],
) -> Result<Vec<Map<String, Value>>> {
    let m = tx.model(model)?;
    let chosen: Vec<&Field> = if fields.is_empty() {
        m.fields().iter().collect()
    } else {
        let mut chosen = vec![m.field("id").expect("every model has id")];
        for name in fields {
            let field = m.field(name).ok_or_else(|| StoreError::UnknownField {
                model: model.to_string(),
                field: name.to_string(),
            })?;
            if field.name != "id" {
                chosen.push(field);
            }
        }
        chosen
    };
    tx.allow(model, false)?;
    tx.check_visible(m, ids).await?;
    let mut rows = tx.load_rows(model, ids, Some(&chosen)).await?;
    tx.hide_invisible_links(&chosen, &mut rows).await?;
    let names = many2one_names(tx, &chosen, rows.values()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for id in ids {
        let Some(mut row) = rows.remove(id) else {
            continue;
        };
        let mut record = Map::with_capacity(chosen.len());
        record.insert("id".into(), Value::from(*id));
        for field in chosen.iter().filter(|f| f.name != "id") {
            let stored = row.remove(&field.name).unwrap_or(Value::Null);
            record.insert(field.name.clone(), to_read_format(field, stored, &names));
        }
        out.push(record);
    }
    Ok(out)
}

/// comodel -> id -> display name, for every many2one value among `rows`.
async fn many2one_names<'a>(
    tx: &Tx,
    fields: &[&Field],
    rows: impl Iterator<Item = &'a Row> + Clone,
) -> Result<BTreeMap<String, HashMap<i64, String>>> {
    let mut wanted: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for field in fields {
        if let FieldType::Many2one { comodel, .. } = &field.kind {
            let ids = wanted.entry(comodel.clone()).or_default();
            ids.extend(
                rows.clone()
                    .filter_map(|r| r.get(&field.name).and_then(Value::as_i64)),
            );
        }
    }
    let mut names = BTreeMap::new();
    for (comodel, mut ids) in wanted {
        ids.sort_unstable();
        ids.dedup();
        names.insert(comodel.clone(), tx.display_names(&comodel, &ids).await?);
    }
    Ok(names)
}

/// Odoo's read() value of a stored value: empty text, dates and relations are `false`,
/// a many2one is `[id, "display name"]`.
fn to_read_format(
    field: &Field,
    stored: Value,
    names: &BTreeMap<String, HashMap<i64, String>>,
) -> Value {
    match (&field.kind, stored) {
        (FieldType::Many2one { comodel, .. }, Value::Number(n)) => {
            let id = n.as_i64().unwrap_or_default();
            let name = names
                .get(comodel)
                .and_then(|m| m.get(&id))
                .cloned()
                .unwrap_or_else(|| format!("{comodel},{id}"));
            Value::Array(vec![Value::from(id), Value::from(name)])
        }
        (kind, Value::Null) if kind.is_x2many() => Value::Array(Vec::new()),
        (kind, Value::Null) if kind.is_not_null() => kind.empty_value(),
        (_, Value::Null) => Value::Bool(false),
        (_, value) => value,
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests;
