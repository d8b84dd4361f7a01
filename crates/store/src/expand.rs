//! read() with field specs (`partner_id{name,vat}`, any depth): what `search_data` answers and what
//! a legacy outbound rule sends. An expanded many2one is a list of one dict (`[]` when empty), an
//! x2many a list of dicts in the comodel's default order; every dict has `id`. The expansion is
//! batched: one search and one read per expanded field and level, over all records at once.
//!
//! An answer is bounded (`AnswerBudget`): each related record is copied under every record that
//! points at it, so a few levels of `child_ids{parent_id{child_ids{..}}}` over a wide tree grow
//! the answer by the tree's width at each level. The size of each level is counted before it is
//! copied, and an answer over the budget is refused naming the expansion that grew it.

use crate::error::{Result, StoreError};
use crate::tx::{SearchOptions, Tx};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use weft_domain::Domain;
use weft_registry::field_spec::FieldSpec;
use weft_registry::{FieldType, Model};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

impl Tx {
    /// read() of `ids` limited to `specs` (every field when empty), with the expansions filled in.
    /// The specs must have passed `weft_registry::field_spec::check` for `model`.
    pub async fn read_specs(
        &self,
        model: &str,
        ids: &[i64],
        specs: &[FieldSpec],
    ) -> Result<Vec<Map<String, Value>>> {
        let registry = self.registry.clone();
        let rows = fetch(
            self,
            &registry,
            registry_model(&registry, model)?,
            ids,
            specs,
            "",
        )
        .await?;
        let size = rows.iter().map(record_size).fold(Size::ZERO, Size::add);
        AnswerBudget::check(size, "")?;
        Ok(rows)
    }
}

/// The most one answer of `read_specs` may hold, counting every copy of an expanded record.
pub struct AnswerBudget;

impl AnswerBudget {
    /// Records (dicts), at any depth.
    pub const RECORDS: usize = 100_000;
    /// Bytes of the answer as JSON (estimated from its values, never below the real size by much).
    pub const BYTES: usize = 32 << 20;

    fn check(size: Size, what: &str) -> Result<()> {
        if size.records <= Self::RECORDS && size.bytes <= Self::BYTES {
            return Ok(());
        }
        Err(StoreError::invalid(
            what,
            format!(
                "the answer would hold {} records and about {} MiB, over the limit of {} records \
                 or {} MiB per call: ask for fewer fields or expansions, or fewer records (limit)",
                size.records,
                size.bytes >> 20,
                Self::RECORDS,
                Self::BYTES >> 20
            ),
        ))
    }
}

/// The records and JSON bytes a part of an answer holds.
#[derive(Debug, Clone, Copy)]
struct Size {
    records: usize,
    bytes: usize,
}

impl Size {
    const ZERO: Size = Size {
        records: 0,
        bytes: 0,
    };

    fn add(self, other: Size) -> Size {
        Size {
            records: self.records.saturating_add(other.records),
            bytes: self.bytes.saturating_add(other.bytes),
        }
    }
}

/// One record dict with everything expanded inside it.
fn record_size(record: &Map<String, Value>) -> Size {
    let mut size = Size {
        records: 1,
        bytes: 2,
    };
    for (key, value) in record {
        size = size.add(Size {
            records: 0,
            bytes: key.len() + 4,
        });
        size = size.add(value_size(value));
    }
    size
}

fn value_size(value: &Value) -> Size {
    match value {
        Value::Object(record) => record_size(record),
        Value::Array(items) => items.iter().map(value_size).fold(
            Size {
                records: 0,
                bytes: 2,
            },
            |a, b| {
                a.add(b).add(Size {
                    records: 0,
                    bytes: 1,
                })
            },
        ),
        Value::String(text) => Size {
            records: 0,
            bytes: text.len() + 2,
        },
        _ => Size {
            records: 0,
            bytes: 8,
        },
    }
}

fn registry_model<'a>(registry: &'a weft_registry::Registry, name: &str) -> Result<&'a Model> {
    registry
        .model(name)
        .ok_or_else(|| crate::StoreError::UnknownModel(name.to_string()))
}

fn fetch<'a>(
    tx: &'a Tx,
    registry: &'a weft_registry::Registry,
    model: &'a Model,
    ids: &'a [i64],
    specs: &'a [FieldSpec],
    path: &'a str,
) -> BoxFuture<'a, Result<Vec<Map<String, Value>>>> {
    Box::pin(async move {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
        let mut rows = tx.read(&model.name, ids, &names).await?;
        for spec in specs {
            if let Some(children) = &spec.expand {
                let at = if path.is_empty() {
                    spec.name.clone()
                } else {
                    format!("{path}.{}", spec.name)
                };
                expand(tx, registry, model, &mut rows, &spec.name, children, &at).await?;
            }
        }
        Ok(rows)
    })
}

/// Replace `field` in every row by the related records (one search and one read for all rows).
/// `path` names the expansion (`order_line.product_id`) in a refusal.
#[allow(clippy::too_many_arguments)]
async fn expand(
    tx: &Tx,
    registry: &weft_registry::Registry,
    model: &Model,
    rows: &mut [Map<String, Value>],
    field: &str,
    children: &[FieldSpec],
    path: &str,
) -> Result<()> {
    let kind = &model.field(field).expect("checked by field_spec").kind;
    let comodel = kind
        .comodel()
        .and_then(|c| registry.model(c))
        .expect("checked by field_spec");
    // Even with nothing to expand: the spec alone asks for the comodel's fields.
    tx.allow(&comodel.name, false)?;
    let many2one = matches!(kind, FieldType::Many2one { .. });
    let mut wanted: Vec<i64> = rows
        .iter()
        .flat_map(|row| related_ids(&row[field], many2one))
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    // The search puts them in the comodel's order and leaves out what the user may not see.
    let ordered = if wanted.is_empty() {
        Vec::new()
    } else {
        let domain = Domain::parse_json(&json!([["id", "in", wanted]])).expect("an id domain");
        let options = SearchOptions {
            include_archived: true,
            ..SearchOptions::default()
        };
        tx.search(&comodel.name, &domain, &options).await?
    };
    let related = fetch(tx, registry, comodel, &ordered, children, path).await?;
    let by_id: HashMap<i64, (usize, Map<String, Value>)> = related
        .into_iter()
        .enumerate()
        .filter_map(|(i, row)| Some((row.get("id")?.as_i64()?, (i, row))))
        .collect();
    // What this level will hold once every row has its copies, counted before copying anything.
    let sizes: HashMap<i64, Size> = by_id
        .iter()
        .map(|(id, (_, record))| (*id, record_size(record)))
        .collect();
    let level = rows
        .iter()
        .flat_map(|row| related_ids(&row[field], many2one))
        .filter_map(|id| sizes.get(&id).copied())
        .fold(Size::ZERO, Size::add);
    AnswerBudget::check(level, path)?;
    for row in rows.iter_mut() {
        let mut found: Vec<&(usize, Map<String, Value>)> = related_ids(&row[field], many2one)
            .filter_map(|id| by_id.get(&id))
            .collect();
        found.sort_by_key(|(position, _)| *position);
        let list = found
            .into_iter()
            .map(|(_, record)| Value::Object(record.clone()))
            .collect();
        row.insert(field.to_string(), Value::Array(list));
    }
    Ok(())
}

/// The ids a read() value points at: `[id, "name"]` or `false` for a many2one, `[ids]` otherwise.
fn related_ids(value: &Value, many2one: bool) -> impl Iterator<Item = i64> + '_ {
    let items: &[Value] = match value {
        Value::Array(items) if many2one => &items[..items.len().min(1)],
        Value::Array(items) => items,
        _ => &[],
    };
    items.iter().filter_map(Value::as_i64)
}
