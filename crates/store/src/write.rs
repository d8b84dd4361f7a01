//! Writing records: create (defaults, sequences, nested lines), write, unlink with `ondelete`; the
//! x2many commands are in `commands.rs`. Values are checked per field type before any SQL runs; errors name the
//! field by its path from the record the caller wrote (`order_line[2].product_id`).

use crate::access::Purpose;
use crate::changeset::{ChangeKind, ChangeSet};
use crate::codec::{encode, encode_now};
use crate::env::MAIN_COMPANY;
use crate::error::{Result, StoreError};
use crate::tx::Tx;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use weft_registry::value::{coerce, describe};
use weft_registry::{Field, FieldType, Model, OnDelete};

/// Scalar values split from x2many commands, checked against the model.
struct Split<'v> {
    columns: BTreeMap<String, Value>,
    x2many: Vec<(&'v Field, &'v Value)>,
}

impl Tx {
    pub(crate) async fn insert_record(
        &mut self,
        model: &str,
        vals: &Map<String, Value>,
        op: &mut ChangeSet,
    ) -> Result<i64> {
        let registry = self.registry.clone();
        let m = registry
            .model(model)
            .ok_or_else(|| StoreError::UnknownModel(model.to_string()))?;
        let row = self.prepare_row(m, vals).await?;
        let id = self
            .insert_rows(m, std::slice::from_ref(&row.columns))
            .await?[0];
        self.after_insert(m, id, row.x2many, op).await?;
        Ok(id)
    }

    /// The columns of a new record: its values checked, then defaults, company, sequence numbers.
    async fn prepare_row<'v>(
        &mut self,
        m: &'v Model,
        vals: &'v Map<String, Value>,
    ) -> Result<Split<'v>> {
        let Split {
            mut columns,
            x2many,
        } = split_values(m, vals)?;
        for field in m
            .columns()
            .filter(|f| !f.system && !vals.contains_key(&f.name))
        {
            if let Some(default) = &field.default {
                columns.insert(field.name.clone(), default.clone());
            }
        }
        if m.is_company_scoped() && !vals.contains_key("company_id") {
            columns.insert(
                "company_id".into(),
                Value::from(Ord::max(self.env.company_id, MAIN_COMPANY)),
            );
        }
        for field in m.columns().filter(|f| f.sequence.is_some()) {
            if columns.get(&field.name).is_none_or(Value::is_null) {
                let number = self
                    .next_sequence(m, field, field.sequence.as_ref().expect("filtered"))
                    .await?;
                columns.insert(field.name.clone(), Value::from(number));
            }
        }
        for field in m.columns().filter(|f| f.required && !f.system) {
            if columns.get(&field.name).is_none_or(Value::is_null) {
                return Err(StoreError::MissingField {
                    field: field.name.clone(),
                });
            }
        }
        self.check_columns(m, &columns, &[]).await?;
        Ok(Split { columns, x2many })
    }

    /// Insert rows that set the same columns in one statement; their ids in the rows' order.
    async fn insert_rows(
        &mut self,
        m: &Model,
        rows: &[BTreeMap<String, Value>],
    ) -> Result<Vec<i64>> {
        let backend = self.backend();
        let now = encode_now(self.now, backend);
        let mut names = vec![Alias::new("create_date"), Alias::new("write_date")];
        if self.env.uid.is_some() {
            names.extend([Alias::new("create_uid"), Alias::new("write_uid")]);
        }
        names.extend(rows[0].keys().map(Alias::new));
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(&m.table))
            .columns(names)
            .returning_col(Alias::new("id"));
        for columns in rows {
            let mut values: Vec<SimpleExpr> = vec![now.clone().into(), now.clone().into()];
            if let Some(uid) = self.env.uid {
                values.extend([Expr::val(uid), Expr::val(uid)]);
            }
            for (name, value) in columns {
                let field = m.field(name).expect("checked by split_values");
                values.push(encode(&field.kind, value, backend).into());
            }
            insert.values_panic(values);
        }
        let mut ids = self
            .conn
            .query_all(&insert)
            .await
            .map_err(|e| constraint_error(m, e))?
            .iter()
            .map(|row| row.try_get::<i64>("", "id"))
            .collect::<Result<Vec<_>, _>>()?;
        if ids.len() != rows.len() {
            return Err(StoreError::Schema(format!(
                "INSERT of {} rows into {} returned {} ids",
                rows.len(),
                m.table,
                ids.len()
            )));
        }
        // Both databases number the rows of one INSERT in the order of its VALUES, but neither
        // promises the order of RETURNING.
        ids.sort_unstable();
        Ok(ids)
    }

    /// Note a new record and write its x2many values.
    async fn after_insert(
        &mut self,
        m: &Model,
        id: i64,
        x2many: Vec<(&Field, &Value)>,
        op: &mut ChangeSet,
    ) -> Result<()> {
        Tx::note_change(op, &m.name, id, ChangeKind::Created, None);
        self.note_known(&m.name, &[id], true);
        for (field, value) in x2many {
            self.apply_x2many(field, id, value, op).await?;
        }
        Ok(())
    }

    /// Create one2many lines of `parent`. Consecutive lines that set the same columns go in one
    /// INSERT, unless the line model has unique fields: those are checked line by line against
    /// what the lines before them wrote.
    pub(crate) async fn create_lines(
        &mut self,
        field: &str,
        comodel: &str,
        inverse: &str,
        parent: i64,
        lines: &[(usize, &Map<String, Value>)],
        op: &mut ChangeSet,
    ) -> Result<()> {
        let registry = self.registry.clone();
        let m = registry
            .model(comodel)
            .ok_or_else(|| StoreError::UnknownModel(comodel.to_string()))?;
        let path = |index: usize| format!("{field}[{index}]");
        let mut owned = Vec::with_capacity(lines.len());
        for (index, vals) in lines {
            if vals.contains_key(inverse) {
                return Err(StoreError::invalid(inverse, "is set by the parent record")
                    .under(&path(*index)));
            }
            let mut vals = (*vals).clone();
            vals.insert(inverse.to_string(), Value::from(parent));
            owned.push(vals);
        }
        if m.columns().any(|f| f.unique) {
            for ((index, _), vals) in lines.iter().zip(&owned) {
                Box::pin(self.insert_record(comodel, vals, op))
                    .await
                    .map_err(|e| e.under(&path(*index)))?;
            }
            return Ok(());
        }
        let mut rows = Vec::with_capacity(owned.len());
        for ((index, _), vals) in lines.iter().zip(&owned) {
            rows.push(
                self.prepare_row(m, vals)
                    .await
                    .map_err(|e| e.under(&path(*index)))?,
            );
        }
        let (columns, x2manys): (Vec<_>, Vec<_>) =
            rows.into_iter().map(|r| (r.columns, r.x2many)).unzip();
        let mut ids = Vec::with_capacity(columns.len());
        for group in columns.chunk_by(|a, b| a.keys().eq(b.keys())) {
            ids.extend(self.insert_rows(m, group).await?);
        }
        for (((index, _), x2many), id) in lines.iter().zip(x2manys).zip(ids) {
            Box::pin(self.after_insert(m, id, x2many, op))
                .await
                .map_err(|e| e.under(&path(*index)))?;
        }
        Ok(())
    }

    pub(crate) async fn write_records(
        &mut self,
        model: &str,
        ids: &[i64],
        vals: &Map<String, Value>,
        op: &mut ChangeSet,
    ) -> Result<()> {
        let registry = self.registry.clone();
        let m = registry
            .model(model)
            .ok_or_else(|| StoreError::UnknownModel(model.to_string()))?;
        let Split { columns, x2many } = split_values(m, vals)?;
        for field in m.columns().filter(|f| f.required) {
            if columns.get(&field.name).is_some_and(Value::is_null) {
                return Err(StoreError::MissingField {
                    field: field.name.clone(),
                });
            }
        }
        self.check_columns(m, &columns, ids).await?;
        // An x2many field costs a query; its before value is only of use when it is written or a
        // hook compares values.
        let watched = self.hooks.iter().any(|h| h.watches(model));
        let before_fields: Vec<&weft_registry::Field> = m
            .fields()
            .iter()
            .filter(|f| watched || !f.kind.is_x2many() || vals.contains_key(&f.name))
            .collect();
        let mut before = self.load_rows(model, ids, Some(&before_fields)).await?;
        for id in ids {
            Tx::note_change(op, model, *id, ChangeKind::Updated, before.remove(id));
        }
        let backend = self.backend();
        let mut update = Query::update();
        update
            .table(Alias::new(&m.table))
            .value(Alias::new("write_date"), encode_now(self.now, backend))
            .and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()));
        if let Some(uid) = self.env.uid {
            update.value(Alias::new("write_uid"), uid);
        }
        for (name, value) in &columns {
            let field = m.field(name).expect("checked by split_values");
            update.value(Alias::new(name), encode(&field.kind, value, backend));
        }
        self.update_rows(m, ids, update).await?;
        for (field, value) in x2many {
            for id in ids {
                self.apply_x2many(field, *id, value, op).await?;
            }
        }
        Ok(())
    }

    /// Run a write's UPDATE. When a hook looks at the model, it returns the whole rows, kept for
    /// the hooks (the after rows at no extra query; an id it did not return is gone); otherwise
    /// the kept rows of `ids` are forgotten.
    async fn update_rows(
        &self,
        m: &Model,
        ids: &[i64],
        mut update: sea_orm::sea_query::UpdateStatement,
    ) -> Result<()> {
        self.current.forget(&m.name, ids);
        if !self.hooks.iter().any(|h| h.looks_at(&m.name)) {
            self.conn
                .execute(&update)
                .await
                .map_err(|e| constraint_error(m, e))?;
            return Ok(());
        }
        let columns: Vec<&Field> = m.columns().collect();
        let mut returning = vec![Alias::new("id")];
        returning.extend(
            columns
                .iter()
                .filter(|f| f.name != "id")
                .map(|f| Alias::new(&f.name)),
        );
        update.returning(Query::returning().columns(returning));
        let backend = self.backend();
        let mut after = Vec::with_capacity(ids.len());
        for result in self
            .conn
            .query_all(&update)
            .await
            .map_err(|e| constraint_error(m, e))?
        {
            let id: i64 = result.try_get("", "id")?;
            after.push((id, crate::read::decode_row(&result, &columns, backend)?));
        }
        self.current
            .remember(&m.name, after.iter().map(|(id, row)| (*id, row)));
        Ok(())
    }

    /// Delete `ids` (which exist) and apply every many2one `ondelete` that points at them.
    pub(crate) async fn unlink_records(
        &mut self,
        model: &str,
        ids: &[i64],
        op: &mut ChangeSet,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let registry = self.registry.clone();
        let m = registry
            .model(model)
            .ok_or_else(|| StoreError::UnknownModel(model.to_string()))?;
        let mut before = self.load_rows(model, ids, None).await?;
        for id in ids {
            Tx::note_change(op, model, *id, ChangeKind::Deleted, before.remove(id));
        }
        self.note_known(model, ids, false);
        for other in registry.models() {
            for field in other.columns() {
                let FieldType::Many2one { comodel, ondelete } = &field.kind else {
                    continue;
                };
                if comodel != model {
                    continue;
                }
                self.apply_ondelete(m, other, field, *ondelete, ids, op)
                    .await?;
            }
            for field in other.fields() {
                if let FieldType::Many2many {
                    comodel,
                    relation,
                    column2,
                    ..
                } = &field.kind
                    && comodel == model
                {
                    self.delete_links(relation, column2, ids).await?;
                }
            }
        }
        for field in m.fields() {
            if let FieldType::Many2many {
                relation, column1, ..
            } = &field.kind
            {
                self.delete_links(relation, column1, ids).await?;
            }
        }
        for (table, model_column) in [
            ("weft_record_callback", "res_model"),
            ("weft_attachment", "res_model"),
        ] {
            let delete = Query::delete()
                .from_table(Alias::new(table))
                .and_where(Expr::col(Alias::new(model_column)).eq(model))
                .and_where(Expr::col(Alias::new("res_id")).is_in(ids.iter().copied()))
                .to_owned();
            self.conn.execute(&delete).await?;
        }
        let delete = Query::delete()
            .from_table(Alias::new(&m.table))
            .and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()))
            .to_owned();
        self.conn.execute(&delete).await?;
        // Gone, and `ondelete` may have changed rows of other models.
        self.current.forget_all();
        Ok(())
    }

    async fn apply_ondelete(
        &mut self,
        target: &Model,
        other: &Model,
        field: &Field,
        ondelete: OnDelete,
        ids: &[i64],
        op: &mut ChangeSet,
    ) -> Result<()> {
        let select = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new(&other.table))
            .and_where(Expr::col(Alias::new(&field.name)).is_in(ids.iter().copied()))
            .to_owned();
        let mut referring = Vec::new();
        for row in self.conn.query_all(&select).await? {
            let id: i64 = row.try_get_by_index(0)?;
            let going = other.name == target.name && ids.contains(&id);
            if !going
                && !op
                    .get(&other.name, id)
                    .is_some_and(|c| c.kind == ChangeKind::Deleted)
            {
                referring.push(id);
            }
        }
        if referring.is_empty() {
            return Ok(());
        }
        match ondelete {
            OnDelete::Restrict => Err(StoreError::Conflict(format!(
                "cannot delete {} record(s): {} {} still refers to it through {} (ondelete restrict)",
                target.name,
                other.name,
                referring
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                field.name
            ))),
            OnDelete::Cascade => Box::pin(self.unlink_records(&other.name, &referring, op)).await,
            OnDelete::SetNull => {
                let mut before = self.load_rows(&other.name, &referring, None).await?;
                for id in &referring {
                    Tx::note_change(op, &other.name, *id, ChangeKind::Updated, before.remove(id));
                }
                let update = Query::update()
                    .table(Alias::new(&other.table))
                    .value(Alias::new(&field.name), Expr::val(Option::<i64>::None))
                    .and_where(Expr::col(Alias::new("id")).is_in(referring.iter().copied()))
                    .to_owned();
                self.conn.execute(&update).await?;
                Ok(())
            }
        }
    }

    async fn delete_links(&self, relation: &str, column: &str, ids: &[i64]) -> Result<()> {
        let delete = Query::delete()
            .from_table(Alias::new(relation))
            .and_where(Expr::col(Alias::new(column)).is_in(ids.iter().copied()))
            .to_owned();
        self.conn.execute(&delete).await?;
        Ok(())
    }

    /// Check what the database must confirm: many2one targets exist and are visible, unique values
    /// are free (`own` are the records being written, which may keep their value).
    async fn check_columns(
        &self,
        model: &Model,
        columns: &BTreeMap<String, Value>,
        own: &[i64],
    ) -> Result<()> {
        for (name, value) in columns {
            let field = model.field(name).expect("checked by split_values");
            if let (FieldType::Many2one { comodel, .. }, Some(id)) = (&field.kind, value.as_i64())
                && !self.known_to_exist(comodel, id)
            {
                let co = self.model(comodel)?;
                match self.visible_ids(co, &[id], Purpose::Read).await?.get(&id) {
                    None => {
                        return Err(StoreError::invalid(
                            name,
                            format!("{comodel} record {id} does not exist"),
                        ));
                    }
                    Some(false) if comodel == "res.company" && name == "company_id" => {
                        return Err(StoreError::AccessDenied(format!(
                            "you are not allowed company {id}"
                        )));
                    }
                    Some(false) => {
                        return Err(StoreError::invalid(
                            name,
                            format!(
                                "{comodel} record {id} belongs to a company you are not allowed"
                            ),
                        ));
                    }
                    Some(true) => {}
                }
            }
            if field.unique && !value.is_null() {
                if own.len() > 1 {
                    return Err(StoreError::Conflict(format!(
                        "{}.{name} must be unique: cannot write one value on {} records",
                        model.name,
                        own.len()
                    )));
                }
                let taken = Query::select()
                    .column(Alias::new("id"))
                    .from(Alias::new(&model.table))
                    .and_where(Expr::col(Alias::new(name)).eq(encode(
                        &field.kind,
                        value,
                        self.backend(),
                    )))
                    .and_where(Expr::col(Alias::new("id")).is_not_in(own.iter().copied()))
                    .limit(1)
                    .to_owned();
                if let Some(row) = self.conn.query_one(&taken).await? {
                    let other: i64 = row.try_get_by_index(0)?;
                    return Err(StoreError::Conflict(format!(
                        "{}.{name} must be unique: {} is already used by record {other}",
                        model.name,
                        describe(value)
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Check every key of `vals` against the model: unknown fields, system columns, scalar types.
fn split_values<'v>(model: &'v Model, vals: &'v Map<String, Value>) -> Result<Split<'v>> {
    let mut split = Split {
        columns: BTreeMap::new(),
        x2many: Vec::new(),
    };
    for (name, value) in vals {
        let field = model.field(name).ok_or_else(|| StoreError::UnknownField {
            model: model.name.clone(),
            field: name.clone(),
        })?;
        if field.system {
            return Err(StoreError::invalid(
                name,
                "is a system column and cannot be written",
            ));
        }
        if field.kind.is_x2many() {
            split.x2many.push((field, value));
        } else {
            let stored =
                coerce(&field.kind, value).map_err(|reason| StoreError::invalid(name, reason))?;
            split.columns.insert(name.clone(), stored);
        }
    }
    Ok(split)
}

/// A unique violation the pre-check could not see (a concurrent writer) still names the field.
fn constraint_error(model: &Model, error: sea_orm::DbErr) -> StoreError {
    let text = error.to_string();
    let is_unique =
        text.contains("UNIQUE constraint failed") || text.contains("duplicate key value");
    match model.columns().find(|f| {
        f.unique && text.contains(&format!("{}_{}", model.table, f.name))
            || text.contains(&format!("{}.{}", model.table, f.name))
    }) {
        Some(field) if is_unique => {
            StoreError::Conflict(format!("{}.{} must be unique", model.name, field.name))
        }
        _ => StoreError::Database(error),
    }
}
