//! Rendering a template for one record: the walk over keys, lists and strings, and the row cache
//! that reads each model's rows once per path step (Odoo's prefetch).

use super::format::formatted;
use super::parse::{names, parse};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use weft_registry::{Field, FieldType, Model};
use weft_store::{Result, Row, StoreError, Tx};

/// Render `template` (a JSON object) for record `id` of `model`, reading through `tx`.
/// `language` picks translated selection labels for `:label`.
pub async fn render(
    tx: &Tx,
    model: &str,
    id: i64,
    template: &Map<String, Value>,
    language: &str,
) -> Result<Value> {
    let root = tx
        .registry()
        .model(model)
        .ok_or_else(|| StoreError::UnknownModel(model.to_string()))?;
    let mut renderer = Renderer {
        tx,
        language,
        rows: HashMap::new(),
        names: names(template),
    };
    renderer.load(root, &[id]).await?;
    if renderer.row(root, id).is_none() {
        return Err(StoreError::NotFound {
            model: model.to_string(),
            ids: vec![id],
        });
    }
    let mut out = Map::with_capacity(template.len());
    for (key, value) in template {
        let resolved = renderer.resolve(root, id, Some(key), value).await?;
        out.insert(key.clone(), resolved);
    }
    Ok(Value::Object(out))
}

type Rendering<'a> = Pin<Box<dyn Future<Output = Result<Value>> + Send + 'a>>;

struct Renderer<'t> {
    tx: &'t Tx,
    language: &'t str,
    /// model -> id -> row; `None` for an id that was read and does not exist.
    rows: HashMap<&'t str, HashMap<i64, Option<Row>>>,
    /// Every word the template's keys and paths use: the only x2many fields worth reading.
    names: HashSet<String>,
}

impl<'t> Renderer<'t> {
    /// One template value against record `id` of `model`; `key` is the object key it sits under.
    fn resolve<'a>(
        &'a mut self,
        model: &'t Model,
        id: i64,
        key: Option<&'a str>,
        value: &'a Value,
    ) -> Rendering<'a> {
        Box::pin(async move {
            Ok(match value {
                Value::Object(entries) => {
                    let mut out = Map::with_capacity(entries.len());
                    for (k, v) in entries {
                        out.insert(k.clone(), self.resolve(model, id, Some(k), v).await?);
                    }
                    Value::Object(out)
                }
                Value::Array(items) => match (key, items.as_slice()) {
                    (Some(key), [element]) => {
                        match self.each_related(model, id, key, element).await? {
                            Some(repeated) => repeated,
                            None => self.elements(model, id, items).await?,
                        }
                    }
                    _ => self.elements(model, id, items).await?,
                },
                Value::String(text) => self.string(model, id, text).await?,
                scalar => scalar.clone(),
            })
        })
    }

    /// A list resolved element by element against the same record.
    async fn elements(&mut self, model: &'t Model, id: i64, items: &[Value]) -> Result<Value> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.resolve(model, id, None, item).await?);
        }
        Ok(Value::Array(out))
    }

    /// The one-item list under an x2many key: the element once per related record, in the order of
    /// the related ids. None when `key` is not an x2many field of `model`.
    async fn each_related(
        &mut self,
        model: &'t Model,
        id: i64,
        key: &str,
        element: &Value,
    ) -> Result<Option<Value>> {
        let Some(field) = model.field(key.trim()).filter(|f| f.kind.is_x2many()) else {
            return Ok(None);
        };
        let Some(comodel) = self.comodel(&field.kind) else {
            return Ok(None);
        };
        let ids = ids_of(
            &self
                .cell(model, Some(id), &field.name)
                .unwrap_or(Value::Null),
        );
        self.follow(model, field, comodel, &ids).await?;
        let mut out = Vec::with_capacity(ids.len());
        for related in ids {
            out.push(self.resolve(comodel, related, None, element).await?);
        }
        Ok(Some(Value::Array(out)))
    }

    /// A string: a template when it is exactly `{path}` or `{path:format}` once trimmed, else
    /// itself, untrimmed.
    async fn string(&mut self, model: &'t Model, id: i64, text: &str) -> Result<Value> {
        let Some((path, format)) = parse(text.trim()) else {
            return Ok(Value::from(text));
        };
        let Some(format) = format else {
            return self.plain(model, id, path).await;
        };
        let values = self.mapped(model, id, path).await?;
        Ok(values
            .and_then(|(kind, values)| formatted(format, kind, values, self.language))
            .unwrap_or(Value::Null))
    }

    /// `{path}`: Odoo's attribute access `record.a.b`. An empty relation on the way reads as an
    /// empty recordset (`false` at the end); more than one record on the way is Odoo's singleton
    /// error (`null`).
    async fn plain(&mut self, mut model: &'t Model, id: i64, path: &str) -> Result<Value> {
        let mut current = Some(id);
        let mut names = path.split('.').peekable();
        while let Some(name) = names.next() {
            let Some(field) = model.field(name) else {
                return Ok(Value::Null);
            };
            let Some(cell) = self.cell(model, current, name) else {
                return Ok(Value::Null);
            };
            if names.peek().is_none() {
                return Ok(plain_value(&field.kind, cell));
            }
            let Some(comodel) = self.comodel(&field.kind) else {
                return Ok(Value::Null);
            };
            let ids = ids_of(&cell);
            if ids.len() > 1 {
                return Ok(Value::Null);
            }
            self.follow(model, field, comodel, &ids).await?;
            current = ids.first().copied();
            model = comodel;
        }
        Ok(Value::Null)
    }

    /// `{path:format}` values: Odoo's `mapped`, crossing x2many fields, with the last field's type.
    /// None when the path does not name fields, or goes on past a non-relational one.
    async fn mapped(
        &mut self,
        mut model: &'t Model,
        id: i64,
        path: &str,
    ) -> Result<Option<(&'t FieldType, Vec<Value>)>> {
        let mut ids = vec![id];
        let mut names = path.split('.').peekable();
        while let Some(name) = names.next() {
            let Some(field) = model.field(name) else {
                return Ok(None);
            };
            let cells: Vec<Value> = ids
                .iter()
                .filter_map(|id| self.cell(model, Some(*id), name))
                .collect();
            let comodel = self.comodel(&field.kind);
            if names.peek().is_none() {
                let values = match comodel {
                    Some(_) => union(&cells).into_iter().map(Value::from).collect(),
                    None => cells,
                };
                return Ok(Some((&field.kind, values)));
            }
            let Some(comodel) = comodel else {
                return Ok(None);
            };
            ids = union(&cells);
            self.follow(model, field, comodel, &ids).await?;
            model = comodel;
        }
        Ok(None)
    }

    /// Field `name` of record `id` (`None` = an empty recordset, whose fields read as null).
    /// None when the record does not exist.
    fn cell(&self, model: &Model, id: Option<i64>, name: &str) -> Option<Value> {
        match id {
            Some(id) => Some(
                self.row(model, id)?
                    .get(name)
                    .cloned()
                    .unwrap_or(Value::Null),
            ),
            None => Some(Value::Null),
        }
    }

    fn row(&self, model: &Model, id: i64) -> Option<&Row> {
        self.rows.get(model.name.as_str())?.get(&id)?.as_ref()
    }

    fn comodel(&self, kind: &FieldType) -> Option<&'t Model> {
        let tx: &'t Tx = self.tx;
        tx.registry().model(kind.comodel()?)
    }

    /// Make `ids` of `comodel` (reached through `field` of `model`) readable. On a miss, the
    /// targets of `field` on every cached record of `model` are read with them, in one query.
    async fn follow(
        &mut self,
        model: &Model,
        field: &Field,
        comodel: &'t Model,
        ids: &[i64],
    ) -> Result<()> {
        let cached = self.rows.get(comodel.name.as_str());
        if ids
            .iter()
            .all(|id| cached.is_some_and(|c| c.contains_key(id)))
        {
            return Ok(());
        }
        let mut wanted = ids.to_vec();
        if let Some(rows) = self.rows.get(model.name.as_str()) {
            let targets = rows.values().flatten().map(|row| row.get(&field.name));
            wanted.extend(targets.flat_map(|cell| ids_of(cell.unwrap_or(&Value::Null))));
        }
        self.load(comodel, &wanted).await
    }

    /// Read the rows of `ids` not cached yet, in one query.
    async fn load(&mut self, model: &'t Model, ids: &[i64]) -> Result<()> {
        let cached = self.rows.entry(model.name.as_str()).or_default();
        let mut missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| !cached.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let names = &self.names;
        let mut found = self
            .tx
            .stored_rows_where(&model.name, &missing, |f| {
                !f.kind.is_x2many() || names.contains(&f.name)
            })
            .await?;
        let cached = self.rows.entry(model.name.as_str()).or_default();
        for id in missing {
            cached.insert(id, found.remove(&id));
        }
        Ok(())
    }
}

/// The value a plain path ends on: a many2one's id, an x2many's ids, `false` for empty.
fn plain_value(kind: &FieldType, cell: Value) -> Value {
    match cell {
        Value::Null if kind.is_x2many() => Value::Array(Vec::new()),
        Value::Null => Value::Bool(false),
        value => value,
    }
}

/// The ids a relational cell holds: a many2one's id or an x2many's list.
pub(super) fn ids_of(cell: &Value) -> Vec<i64> {
    match cell {
        Value::Number(n) => n.as_i64().into_iter().collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

/// The ids of several relational cells, each once, in first-seen order (a recordset union).
fn union(cells: &[Value]) -> Vec<i64> {
    let mut seen = HashSet::new();
    let all = cells.iter().flat_map(ids_of);
    all.filter(|id| seen.insert(*id)).collect()
}
