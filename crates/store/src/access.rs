//! Who may see and touch which records (DESIGN.md §14): the one set of checks every path to a
//! record goes through, whatever route or protocol it came by.
//!
//! - **Models.** An env's allow-list (`Env::models`, an API key's `allowed_models`) bounds every
//!   model a call reads or writes: the called model, the models its domain paths reach, the
//!   comodels of its x2many commands and expansions. The identity models (`res.users`,
//!   `res.company`) are never written through a transaction of a user: they are managed through
//!   `/api/v1`. Change hooks (outbound rules) read what they need whatever the caller's list says.
//! - **Visibility.** A user sees the records of its companies and shared ones (no company); a model
//!   with `company_from` takes its company from its parent record; of the identity models a user
//!   reads its own user and its companies, and sees the names of the users of its companies.
//!   `visibility` is that rule as an SQL condition, applied to the searched table and to every
//!   related row a domain reads (`to_scoped_condition`), to display names and to x2many values.

use crate::changeset::Row;
use crate::error::{Result, StoreError};
use crate::tx::Tx;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Cond, Condition, Expr, ExprTrait, Query};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use weft_domain::BoundDomain;
use weft_registry::{Field, FieldType, Model};

/// Why rows are looked at: to read them, or only to show their names beside a many2one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Read,
    Name,
}

/// Ids in one `IN (...)` list: well under both databases' limits on bound parameters.
pub(crate) const IDS_PER_QUERY: usize = 10_000;

/// The models backed by identity tables: data of the service, not of the integrations.
fn is_identity(model: &str) -> bool {
    matches!(model, "res.users" | "res.company")
}

fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// `ids` without repeats, in their first order, in linear time.
pub(crate) fn unique_ids(ids: &[i64]) -> Vec<i64> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

impl Tx {
    /// Refuse a `model` the env's allow-list leaves out, and a write of an identity model. Change
    /// hooks are not bounded by the caller's list (they read what their rules need).
    pub(crate) fn allow(&self, model: &str, write: bool) -> Result<()> {
        if self.env.superuser || self.in_hooks() {
            return Ok(());
        }
        if !self.env.may_use_model(model) {
            return Err(StoreError::AccessDenied(format!(
                "this API key may not use model {model}"
            )));
        }
        if write && is_identity(model) {
            return Err(StoreError::AccessDenied(format!(
                "{model} records are managed through /api/v1 by an admin, not written as data"
            )));
        }
        Ok(())
    }

    /// Refuse, before anything else, a write of a model this env may not write: an identity
    /// model, or one its key's allow-list leaves out.
    pub fn may_write(&self, model: &str) -> Result<()> {
        self.allow(model, true)
    }

    /// `allow` reading every model a bound domain reaches.
    pub(crate) fn allow_domain(&self, bound: &BoundDomain) -> Result<()> {
        bound
            .models()
            .into_iter()
            .try_for_each(|model| self.allow(model, false))
    }

    /// Whether rows of `model` are limited for this env (so memory alone cannot decide it).
    pub(crate) fn is_limited(&self, model: &Model) -> bool {
        !self.env.superuser
            && (model.is_company_scoped()
                || model.company_from.is_some()
                || is_identity(&model.name))
    }

    /// The rows of `model` (aliased `alias`) this env may see for `purpose`; None = all of them.
    pub(crate) fn visibility(
        &self,
        model: &Model,
        alias: &str,
        purpose: Purpose,
    ) -> Option<Condition> {
        if self.env.superuser {
            return None;
        }
        let companies = || self.env.company_ids.iter().copied();
        let own_user = || col(alias, "id").eq(self.env.uid.unwrap_or(0));
        let in_companies = || self.company_filter(alias).is_in(companies());
        match model.name.as_str() {
            "res.company" => Some(Cond::all().add(col(alias, "id").is_in(companies()))),
            "res.users" if purpose == Purpose::Read => Some(Cond::all().add(own_user())),
            "res.users" => Some(Cond::any().add(own_user()).add(in_companies())),
            _ if model.is_company_scoped() => Some(
                Cond::any()
                    .add(col(alias, "company_id").is_null())
                    .add(in_companies()),
            ),
            _ => self.parent_visibility(model, alias),
        }
    }

    /// `company_id` of `alias` as the visibility rule compares it: a filter on the rows the rest
    /// of the query finds, never the index it finds them by. On SQLite (no statistics: nothing
    /// runs ANALYZE) the planner otherwise takes `company_id IS NULL OR company_id IN (..)` for a
    /// selective pair of index lookups (a MULTI-INDEX OR on `<table>_company_id_index`) and
    /// prefers it to the index of the domain and the order: with every partner in the user's
    /// company, a page of 80 from 100,000 read all 100,000 rows and sorted them (27 ms instead of
    /// 0.2 ms; BENCHMARKS.md, rpc). SQLite's unary `+` (a no-op on the value) keeps a term from
    /// using an index. PostgreSQL keeps statistics and plans the plain column well.
    fn company_filter(&self, alias: &str) -> Expr {
        let company = col(alias, "company_id");
        match self.backend() {
            sea_orm::DatabaseBackend::Sqlite => Expr::cust_with_expr("+?", company),
            _ => company,
        }
    }

    /// A `company_from` model's rows: those whose parent is visible, or that have none.
    fn parent_visibility(&self, model: &Model, alias: &str) -> Option<Condition> {
        let (field, comodel) = model.company_parent()?;
        let parent = self.registry.model(comodel)?;
        let parent_alias = format!("{alias}_c");
        let inner = self.visibility(parent, &parent_alias, Purpose::Read)?;
        let mut select = Query::select();
        select
            .expr(Expr::cust("1"))
            .from_as(Alias::new(&parent.table), Alias::new(&parent_alias))
            .and_where(col(&parent_alias, "id").eq(col(alias, field)))
            .cond_where(inner);
        Some(
            Cond::any()
                .add(col(alias, field).is_null())
                .add(Expr::exists(select)),
        )
    }

    /// The scope a domain's sub-queries apply to each related model they read.
    pub(crate) fn domain_scope(&self) -> impl Fn(&str, &str) -> Option<Condition> + '_ {
        move |model, alias| {
            let m = self.registry.model(model)?;
            self.visibility(m, alias, Purpose::Read)
        }
    }

    /// Of `ids`, those that exist, each with whether this env may see it for `purpose`.
    pub(crate) async fn visible_ids(
        &self,
        model: &Model,
        ids: &[i64],
        purpose: Purpose,
    ) -> Result<HashMap<i64, bool>> {
        let mut out = HashMap::with_capacity(ids.len());
        let visibility = self.visibility(model, "v", purpose);
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let mut select = Query::select();
            select
                .expr(col("v", "id"))
                .from_as(Alias::new(&model.table), Alias::new("v"))
                .and_where(col("v", "id").is_in(chunk.iter().copied()));
            if let Some(visible) = &visibility {
                select.expr(Expr::case(visible.clone(), 1).finally(0));
            }
            for row in self.conn.query_all(&select).await? {
                let id: i64 = row.try_get_by_index(0)?;
                let seen = visibility.is_none() || row.try_get_by_index::<i32>(1)? == 1;
                out.insert(id, seen);
            }
        }
        Ok(out)
    }

    /// Ids that exist and are visible to this env, without repeats in the given order. Missing ids
    /// are `not_found`; records this env may not see are `access_denied`.
    pub(crate) async fn check_access(&self, model: &str, ids: &[i64]) -> Result<Vec<i64>> {
        let m = self.model(model)?;
        let unique = unique_ids(ids);
        // Found by a search of this transaction (which applied the scope) or created by it: they
        // exist and are visible, no need to ask again.
        let unknown: Vec<i64> = unique
            .iter()
            .copied()
            .filter(|id| !self.known_to_exist(model, *id))
            .collect();
        if unknown.is_empty() {
            return Ok(unique);
        }
        let found = self.visible_ids(m, &unknown, Purpose::Read).await?;
        let missing: Vec<i64> = unknown
            .iter()
            .copied()
            .filter(|id| !found.contains_key(id))
            .collect();
        if !missing.is_empty() {
            return Err(StoreError::NotFound {
                model: model.to_string(),
                ids: missing,
            });
        }
        if let Some(id) = unknown.iter().find(|id| !found[id]) {
            return Err(StoreError::AccessDenied(format!(
                "{model} record {id} belongs to a company you are not allowed"
            )));
        }
        Ok(unique)
    }

    /// Refuse a read of records the env may not see (ids that do not exist are left to the caller).
    pub(crate) async fn check_visible(&self, m: &Model, ids: &[i64]) -> Result<()> {
        if !self.is_limited(m) || ids.iter().all(|id| self.known_to_exist(&m.name, *id)) {
            return Ok(());
        }
        let found = self.visible_ids(m, ids, Purpose::Read).await?;
        match ids.iter().find(|id| found.get(id) == Some(&false)) {
            Some(id) => Err(StoreError::AccessDenied(format!(
                "{} record {id} belongs to a company you are not allowed",
                m.name
            ))),
            None => Ok(()),
        }
    }

    /// Leave out of x2many values the related records the env may not see, as Odoo's read does.
    pub(crate) async fn hide_invisible_links(
        &self,
        fields: &[&Field],
        rows: &mut HashMap<i64, Row>,
    ) -> Result<()> {
        for field in fields.iter().filter(|f| f.kind.is_x2many()) {
            let Some(co) = field.kind.comodel().and_then(|c| self.registry.model(c)) else {
                continue;
            };
            // Lines that take their company from the record read are visible with it.
            let own_lines = matches!(&field.kind, FieldType::One2many { inverse, .. }
                if co.company_from.as_ref() == Some(inverse));
            if !self.is_limited(co) || own_lines {
                continue;
            }
            let linked: Vec<i64> = rows
                .values()
                .filter_map(|row| row.get(&field.name)?.as_array())
                .flatten()
                .filter_map(Value::as_i64)
                .collect();
            let visible = self
                .visible_ids(co, &unique_ids(&linked), Purpose::Read)
                .await?;
            for row in rows.values_mut() {
                if let Some(Value::Array(ids)) = row.get_mut(&field.name) {
                    ids.retain(|id| {
                        id.as_i64()
                            .is_some_and(|id| visible.get(&id) == Some(&true))
                    });
                }
            }
        }
        Ok(())
    }
}
