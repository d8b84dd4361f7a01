//! Odoo's x2many commands ([[0,0,{..}],[1,id,{..}],[2,id],[3,id],[4,id],[5],[6,0,ids]]) applied to
//! one record's one2many or many2many field. Every command checks that the caller may touch the
//! comodel (`Tx::allow`), and the commands that replace, clear or unlink records leave alone those
//! the caller may not see. Lists are de-duplicated in linear time and written in chunks.

use crate::access::{IDS_PER_QUERY, Purpose};
use crate::changeset::ChangeSet;
use crate::error::{Result, StoreError};
use crate::tx::Tx;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use serde_json::{Map, Value};
use std::collections::HashSet;
use weft_registry::value::{describe, is_empty};
use weft_registry::{Field, FieldType, OnDelete};
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

impl Tx {
    /// Apply an x2many field's commands. They write lines and links by paths that do not keep
    /// rows up to date, so the kept rows are forgotten, whatever the outcome.
    pub(crate) async fn apply_x2many(
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
