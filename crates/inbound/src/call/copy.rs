//! Duplicating records for `copy` methods, the way Odoo's `copy()` does by default: stored values
//! are copied, sequence fields get a new number, a unique text gets " (copy)" (other unique values
//! are left empty), many2many links are kept, and the lines a record owns (a one2many whose inverse
//! cascades, like `order_line`) are copied with it. Other one2many fields are not copied, as in Odoo.

use super::error::CallResult;
use serde_json::{Map, Value, json};
use std::future::Future;
use std::pin::Pin;
use weft_registry::{Field, FieldType, Model, OnDelete, Registry};
use weft_store::Tx;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Copy each record of `ids`; the new ids in the same order.
pub(crate) async fn copy(
    tx: &mut Tx,
    registry: &Registry,
    model: &Model,
    ids: &[i64],
) -> CallResult<Vec<i64>> {
    let rows = tx.stored_rows(&model.name, ids).await?;
    let mut created = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = rows.get(id) else { continue };
        let vals = copy_values(tx, registry, model, row).await?;
        created.push(tx.create(&model.name, &vals).await?);
    }
    Ok(created)
}

/// The values that create a copy of `row`.
fn copy_values<'a>(
    tx: &'a Tx,
    registry: &'a Registry,
    model: &'a Model,
    row: &'a Map<String, Value>,
) -> BoxFuture<'a, CallResult<Map<String, Value>>> {
    Box::pin(async move {
        let mut vals = Map::new();
        for field in model.fields() {
            if field.system || field.sequence.is_some() {
                continue;
            }
            let stored = row.get(&field.name).cloned().unwrap_or(Value::Null);
            let value = match &field.kind {
                FieldType::One2many { comodel, inverse } => {
                    match owned_lines(registry, comodel, inverse) {
                        Some(line_model) => {
                            copy_lines(tx, registry, line_model, inverse, &stored).await?
                        }
                        None => continue,
                    }
                }
                FieldType::Many2many { .. } => json!([[6, 0, stored]]),
                _ if stored.is_null() => continue,
                _ if field.unique => match unique_copy(field, &stored) {
                    Some(value) => value,
                    None => continue,
                },
                _ => stored,
            };
            vals.insert(field.name.clone(), value);
        }
        Ok(vals)
    })
}

/// The line model when the lines belong to their parent (the inverse cascades).
fn owned_lines<'r>(registry: &'r Registry, comodel: &str, inverse: &str) -> Option<&'r Model> {
    let line_model = registry.model(comodel)?;
    matches!(
        line_model.field(inverse)?.kind,
        FieldType::Many2one {
            ondelete: OnDelete::Cascade,
            ..
        }
    )
    .then_some(line_model)
}

async fn copy_lines(
    tx: &Tx,
    registry: &Registry,
    line_model: &Model,
    inverse: &str,
    line_ids: &Value,
) -> CallResult<Value> {
    let ids: Vec<i64> = line_ids
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let rows = tx.stored_rows(&line_model.name, &ids).await?;
    let mut commands = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(row) = rows.get(id) else { continue };
        let mut vals = copy_values(tx, registry, line_model, row).await?;
        vals.remove(inverse);
        commands.push(json!([0, 0, vals]));
    }
    Ok(Value::Array(commands))
}

fn unique_copy(field: &Field, stored: &Value) -> Option<Value> {
    match (&field.kind, stored) {
        (FieldType::Char | FieldType::Text, Value::String(s)) => {
            Some(Value::from(format!("{s} (copy)")))
        }
        _ => None,
    }
}
