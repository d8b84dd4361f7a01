//! Writing records: create (defaults, sequences, nested lines), write, unlink with `ondelete`, and
//! Odoo's x2many commands. Values are checked per field type before any SQL runs; errors name the
//! field by its path from the record the caller wrote (`order_line[2].product_id`).

use crate::access::{IDS_PER_QUERY, Purpose};
use crate::changeset::{ChangeKind, ChangeSet};
use crate::codec::{encode, encode_now};
use crate::env::MAIN_COMPANY;
use crate::error::{Result, StoreError};
use crate::tx::Tx;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use weft_registry::value::{coerce, describe, is_empty};
use weft_registry::{Field, FieldType, Model, OnDelete, SequenceSpec};

/// An x2many command (Odoo's `Command`), parsed from `[code, id, vals]`.
#[derive(Debug)]
enum Command<'a> {
    Create(&'a Map<String, Value>),
    Update(i64, &'a Map<String, Value>),
    Delete(i64),
    Unlink(i64),
    Link(i64),
    Clear,
    Set(Vec<i64>),
}

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
    async fn create_lines(
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

    /// Apply an x2many field's commands. They write lines and links by paths that do not keep
    /// rows up to date, so the kept rows are forgotten, whatever the outcome.
    async fn apply_x2many(
        &mut self,
        field: &Field,
        id: i64,
        value: &Value,
        op: &mut ChangeSet,
    ) -> Result<()> {
        let applied = self.apply_commands(field, id, value, op).await;
        self.current.forget_all();
        applied
    }

    async fn apply_commands(
        &mut self,
        field: &Field,
        id: i64,
        value: &Value,
        op: &mut ChangeSet,
    ) -> Result<()> {
        let commands = parse_commands(&field.name, value)?;
        let mut creates: Vec<(usize, &Map<String, Value>)> = Vec::new();
        for (index, command) in commands.into_iter().enumerate() {
            // One2many lines to create wait until the next other command (or the end), to be
            // inserted together.
            if let (FieldType::One2many { .. }, Command::Create(vals)) = (&field.kind, &command) {
                creates.push((index, vals));
                continue;
            }
            self.flush_creates(field, id, &mut creates, op).await?;
            let path = format!("{}[{index}]", field.name);
            self.allow_command(field, &command)
                .map_err(|e| e.under(&path))?;
            let result = match &field.kind {
                FieldType::One2many { comodel, inverse } => {
                    self.one2many_command(comodel, inverse, id, command, op)
                        .await
                }
                FieldType::Many2many {
                    comodel,
                    relation,
                    column1,
                    column2,
                } => {
                    self.many2many_command(comodel, relation, column1, column2, id, command, op)
                        .await
                }
                _ => unreachable!("only x2many fields reach apply_x2many"),
            };
            result.map_err(|e| e.under(&path))?;
        }
        self.flush_creates(field, id, &mut creates, op).await
    }

    /// A command reads or writes the field's comodel: refused when the env may not. Linking,
    /// unlinking or setting many2many records writes only the relation, so it needs read access.
    fn allow_command(&self, field: &Field, command: &Command<'_>) -> Result<()> {
        let comodel = field.kind.comodel().expect("an x2many field");
        let writes_comodel = matches!(field.kind, FieldType::One2many { .. })
            || matches!(
                command,
                Command::Create(_) | Command::Update(..) | Command::Delete(_)
            );
        self.allow(comodel, writes_comodel)
    }

    async fn flush_creates(
        &mut self,
        field: &Field,
        parent: i64,
        creates: &mut Vec<(usize, &Map<String, Value>)>,
        op: &mut ChangeSet,
    ) -> Result<()> {
        let FieldType::One2many { comodel, inverse } = &field.kind else {
            return Ok(());
        };
        if creates.is_empty() {
            return Ok(());
        }
        self.allow(comodel, true)
            .map_err(|e| e.under(&format!("{}[{}]", field.name, creates[0].0)))?;
        let lines = std::mem::take(creates);
        self.create_lines(&field.name, comodel, inverse, parent, &lines, op)
            .await
    }

    async fn one2many_command(
        &mut self,
        comodel: &str,
        inverse: &str,
        parent: i64,
        command: Command<'_>,
        op: &mut ChangeSet,
    ) -> Result<()> {
        let set_inverse = |id: Option<i64>| {
            let mut vals = Map::new();
            vals.insert(
                inverse.to_string(),
                id.map_or(Value::Bool(false), Value::from),
            );
            vals
        };
        match command {
            Command::Create(_) => unreachable!("apply_x2many creates lines in create_lines"),
            Command::Update(line, vals) => {
                self.check_line_of(comodel, inverse, parent, line).await?;
                Box::pin(self.write_records(comodel, &[line], vals, op)).await?;
            }
            Command::Delete(line) => {
                self.check_line_of(comodel, inverse, parent, line).await?;
                Box::pin(self.unlink_records(comodel, &[line], op)).await?;
            }
            Command::Unlink(line) => {
                self.check_line_of(comodel, inverse, parent, line).await?;
                self.detach_lines(comodel, inverse, &[line], op).await?;
            }
            Command::Link(line) => {
                self.check_access(comodel, &[line]).await?;
                Box::pin(self.write_records(comodel, &[line], &set_inverse(Some(parent)), op))
                    .await?;
            }
            Command::Clear => {
                let lines = self.lines_of(comodel, inverse, parent).await?;
                self.detach_lines(comodel, inverse, &lines, op).await?;
            }
            Command::Set(ids) => {
                let ids = self.check_access(comodel, &ids).await?;
                let current = self.lines_of(comodel, inverse, parent).await?;
                let (gone, new) = difference(&current, ids);
                if new.len() > IDS_PER_QUERY {
                    return Err(StoreError::invalid(
                        "ids",
                        format!(
                            "moves at most {IDS_PER_QUERY} lines at once ({} given)",
                            new.len()
                        ),
                    ));
                }
                self.detach_lines(comodel, inverse, &gone, op).await?;
                if !new.is_empty() {
                    Box::pin(self.write_records(comodel, &new, &set_inverse(Some(parent)), op))
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Remove lines from their parent: deleted when the inverse cascades, otherwise orphaned.
    async fn detach_lines(
        &mut self,
        comodel: &str,
        inverse: &str,
        lines: &[i64],
        op: &mut ChangeSet,
    ) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let registry = self.registry.clone();
        let field = registry
            .model(comodel)
            .and_then(|m| m.field(inverse))
            .expect("inverse checked by the registry");
        match &field.kind {
            FieldType::Many2one {
                ondelete: OnDelete::Cascade,
                ..
            } => Box::pin(self.unlink_records(comodel, lines, op)).await,
            _ if field.required => Err(StoreError::invalid(
                inverse,
                "is required: the line cannot be detached, delete it instead",
            )),
            _ => {
                let mut vals = Map::new();
                vals.insert(inverse.to_string(), Value::Bool(false));
                Box::pin(self.write_records(comodel, lines, &vals, op)).await
            }
        }
    }

    /// The lines of `parent` this env may see: the commands that replace, clear or unlink lines
    /// leave the others alone (they are not the caller's to touch).
    async fn lines_of(&self, comodel: &str, inverse: &str, parent: i64) -> Result<Vec<i64>> {
        let kind = FieldType::One2many {
            comodel: comodel.to_string(),
            inverse: inverse.to_string(),
        };
        let lines = self
            .x2many_ids(&kind, &[parent])
            .await?
            .remove(&parent)
            .unwrap_or_default();
        self.only_visible(comodel, lines).await
    }

    /// `ids` of `model` without the records this env may not see.
    async fn only_visible(&self, model: &str, ids: Vec<i64>) -> Result<Vec<i64>> {
        let m = self.model(model)?;
        if ids.is_empty() || !self.is_limited(m) {
            return Ok(ids);
        }
        let visible = self.visible_ids(m, &ids, Purpose::Read).await?;
        Ok(ids
            .into_iter()
            .filter(|id| visible.get(id) == Some(&true))
            .collect())
    }

    async fn check_line_of(
        &self,
        comodel: &str,
        inverse: &str,
        parent: i64,
        line: i64,
    ) -> Result<()> {
        if self
            .lines_of(comodel, inverse, parent)
            .await?
            .contains(&line)
        {
            Ok(())
        } else {
            Err(StoreError::invalid(
                "id",
                format!("{comodel} record {line} is not a line of this record"),
            ))
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn many2many_command(
        &mut self,
        comodel: &str,
        relation: &str,
        column1: &str,
        column2: &str,
        owner: i64,
        command: Command<'_>,
        op: &mut ChangeSet,
    ) -> Result<()> {
        let current = || async {
            let select = Query::select()
                .column(Alias::new(column2))
                .from(Alias::new(relation))
                .and_where(Expr::col(Alias::new(column1)).eq(owner))
                .to_owned();
            let rows = self.conn.query_all(&select).await?;
            let linked = rows
                .iter()
                .map(|r| Ok(r.try_get_by_index::<i64>(0)?))
                .collect::<Result<Vec<i64>>>()?;
            // Links to records this env may not see stay as they are.
            self.only_visible(comodel, linked).await
        };
        let (add, remove): (Vec<i64>, Vec<i64>) = match command {
            Command::Create(vals) => (
                vec![Box::pin(self.insert_record(comodel, vals, op)).await?],
                vec![],
            ),
            Command::Update(id, vals) => {
                self.check_access(comodel, &[id]).await?;
                Box::pin(self.write_records(comodel, &[id], vals, op)).await?;
                (vec![], vec![])
            }
            Command::Delete(id) => {
                self.check_access(comodel, &[id]).await?;
                Box::pin(self.unlink_records(comodel, &[id], op)).await?;
                (vec![], vec![])
            }
            Command::Unlink(id) => (vec![], vec![id]),
            Command::Link(id) => {
                self.check_access(comodel, &[id]).await?;
                (vec![id], vec![])
            }
            Command::Clear => (vec![], current().await?),
            Command::Set(ids) => {
                let ids = self.check_access(comodel, &ids).await?;
                let (remove, add) = difference(&current().await?, ids);
                (add, remove)
            }
        };
        // In chunks: a list of 100,000 ids is more parameters than one statement may bind.
        for chunk in remove.chunks(IDS_PER_QUERY) {
            let delete = Query::delete()
                .from_table(Alias::new(relation))
                .and_where(Expr::col(Alias::new(column1)).eq(owner))
                .and_where(Expr::col(Alias::new(column2)).is_in(chunk.iter().copied()))
                .to_owned();
            self.conn.execute(&delete).await?;
        }
        for chunk in add.chunks(IDS_PER_QUERY) {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new(relation))
                .columns([Alias::new(column1), Alias::new(column2)]);
            for id in chunk {
                insert.values_panic([owner.into(), (*id).into()]);
            }
            insert.on_conflict(
                OnConflict::columns([Alias::new(column1), Alias::new(column2)])
                    .do_nothing()
                    .to_owned(),
            );
            self.conn.execute(&insert).await?;
        }
        Ok(())
    }

    /// The next name from a sequence, e.g. `SO00042`. Safe under concurrency: the row is updated in
    /// the caller's write transaction.
    async fn next_sequence(
        &self,
        model: &Model,
        field: &Field,
        spec: &SequenceSpec,
    ) -> Result<String> {
        // One statement: the first use inserts 2 (and takes 1), later ones add 1 and take the old value.
        let next = Query::insert()
            .into_table(Alias::new("weft_sequence"))
            .columns([
                Alias::new("res_model"),
                Alias::new("field"),
                Alias::new("next_number"),
            ])
            .values_panic([
                model.name.clone().into(),
                field.name.clone().into(),
                2i64.into(),
            ])
            .on_conflict(
                OnConflict::columns([Alias::new("res_model"), Alias::new("field")])
                    .value(
                        Alias::new("next_number"),
                        Expr::col((Alias::new("weft_sequence"), Alias::new("next_number"))).add(1),
                    )
                    .to_owned(),
            )
            .returning_col(Alias::new("next_number"))
            .to_owned();
        let row = self
            .conn
            .query_one(&next)
            .await?
            .ok_or_else(|| StoreError::Schema("sequence row vanished".into()))?;
        let number = row.try_get_by_index::<i64>(0)? - 1;
        Ok(format!(
            "{}{:0width$}",
            spec.prefix,
            number,
            width = spec.padding as usize
        ))
    }

    /// Create the schema's data records whose key is not loaded yet (`schema apply`).
    pub(crate) async fn load_data_records(&mut self) -> Result<usize> {
        let registry = self.registry.clone();
        let mut loaded = 0;
        for record in registry.records() {
            if self.data_key(&record.key).await?.is_some() {
                continue;
            }
            let mut vals = Map::new();
            for (name, value) in &record.values {
                let resolved = match value.get("$ref").and_then(Value::as_str) {
                    Some(key) => Value::from(self.data_key(key).await?.ok_or_else(|| {
                        StoreError::Schema(format!("record {}: '{key}' is not loaded", record.key))
                    })?),
                    None => value.clone(),
                };
                vals.insert(name.clone(), resolved);
            }
            let id = self
                .create(&record.model, &vals)
                .await
                .map_err(|e| StoreError::Schema(format!("record {}: {e}", record.key)))?;
            let insert = Query::insert()
                .into_table(Alias::new("weft_data_key"))
                .columns([
                    Alias::new("key"),
                    Alias::new("res_model"),
                    Alias::new("res_id"),
                ])
                .values_panic([
                    record.key.clone().into(),
                    record.model.clone().into(),
                    id.into(),
                ])
                .to_owned();
            self.conn.execute(&insert).await?;
            loaded += 1;
        }
        Ok(loaded)
    }

    async fn data_key(&self, key: &str) -> Result<Option<i64>> {
        let select = Query::select()
            .column(Alias::new("res_id"))
            .from(Alias::new("weft_data_key"))
            .and_where(Expr::col(Alias::new("key")).eq(key))
            .to_owned();
        Ok(self
            .conn
            .query_one(&select)
            .await?
            .map(|r| r.try_get_by_index::<i64>(0))
            .transpose()?)
    }
}

/// From the `current` ids to the `wanted` ones (without repeats): (what goes, what comes), in
/// linear time.
fn difference(current: &[i64], wanted: Vec<i64>) -> (Vec<i64>, Vec<i64>) {
    let keep: HashSet<i64> = wanted.iter().copied().collect();
    let had: HashSet<i64> = current.iter().copied().collect();
    let gone = current
        .iter()
        .copied()
        .filter(|id| !keep.contains(id))
        .collect();
    let new = wanted.into_iter().filter(|id| !had.contains(id)).collect();
    (gone, new)
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

/// The most ids (or commands) one x2many value may carry: each costs the single writer work, and a
/// larger list is a bulk job, not a field value.
pub const MAX_COMMAND_IDS: usize = 100_000;

/// `[[0,0,{..}],[1,id,{..}],[2,id],[3,id],[4,id],[5],[6,0,ids]]`, or a bare id list (= SET).
fn parse_commands<'v>(field: &str, value: &'v Value) -> Result<Vec<Command<'v>>> {
    if is_empty(value) {
        return Ok(vec![Command::Clear]);
    }
    let items = value.as_array().ok_or_else(|| {
        StoreError::invalid(
            field,
            format!("expected a list of commands, got {}", describe(value)),
        )
    })?;
    if items.len() > MAX_COMMAND_IDS {
        return Err(StoreError::invalid(
            field,
            format!(
                "takes at most {MAX_COMMAND_IDS} commands or ids at once ({} given)",
                items.len()
            ),
        ));
    }
    if !items.is_empty() && items.iter().all(Value::is_i64) {
        return Ok(vec![Command::Set(
            items.iter().filter_map(Value::as_i64).collect(),
        )]);
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            parse_command(item)
                .map_err(|reason| StoreError::invalid(format!("{field}[{i}]"), reason))
        })
        .collect()
}

fn parse_command(item: &Value) -> Result<Command<'_>, String> {
    let parts = item
        .as_array()
        .ok_or("expected a command such as [0, 0, {...}] or [4, id]")?;
    let code = parts
        .first()
        .and_then(Value::as_i64)
        .ok_or("a command starts with its code 0-6")?;
    let id = || -> Result<i64, String> {
        parts
            .get(1)
            .and_then(Value::as_i64)
            .filter(|id| *id > 0)
            .ok_or_else(|| format!("command {code} needs a record id"))
    };
    let vals = || -> Result<&Map<String, Value>, String> {
        parts
            .get(2)
            .and_then(Value::as_object)
            .ok_or_else(|| format!("command {code} needs a values object"))
    };
    Ok(match code {
        0 => Command::Create(vals()?),
        1 => Command::Update(id()?, vals()?),
        2 => Command::Delete(id()?),
        3 => Command::Unlink(id()?),
        4 => Command::Link(id()?),
        5 => Command::Clear,
        6 => {
            let ids = parts
                .get(2)
                .and_then(Value::as_array)
                .ok_or("command 6 needs a list of ids: [6, 0, [ids]]")?;
            if ids.len() > MAX_COMMAND_IDS {
                return Err(format!(
                    "command 6 takes at most {MAX_COMMAND_IDS} ids ({} given)",
                    ids.len()
                ));
            }
            Command::Set(
                ids.iter()
                    .map(|v| v.as_i64().ok_or("command 6 takes integer ids"))
                    .collect::<Result<_, _>>()?,
            )
        }
        other => {
            return Err(format!(
                "unknown command {other} (0 create, 1 update, 2 delete, 3 unlink, 4 link, 5 clear, 6 set)"
            ));
        }
    })
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
