//! `read_group(domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True)` in Odoo
//! 17's shape: per group the groupby values (a many2one as `[id, name]`, a date bucket as its
//! label such as "January 2024"), `<groupby>_count` (lazy) or `__count`, the aggregates
//! (`field:sum|min|max|avg|count|count_distinct|bool_and|bool_or`, a bare numeric field summed),
//! `__domain`, `__range` for date buckets and `__context` for the groupbys a lazy call left.
//!
//! The matching rows are read through the store's scoped search (at most `MAX_GROUPED_ROWS`, so
//! a grouping of a huge table is refused instead of exhausting memory) and grouped here.

use super::dates::{Bucket, Granularity};
use super::fault::{Outcome, value_error};
use super::irmodel::compare;
use super::records::{Done, Job};
use super::values;
use super::{Fault, FaultKind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use weft_registry::{Field, FieldType, Model};
use weft_store::{SearchOptions, Tx};

/// The most records one `read_group` groups.
pub(crate) const MAX_GROUPED_ROWS: u64 = 100_000;

/// One groupby spec: `partner_id`, `date_order:month`.
struct GroupBy<'m> {
    spec: String,
    field: &'m Field,
    granularity: Option<Granularity>,
}

/// One aggregate: the result key, the field and the function.
struct Aggregate<'m> {
    key: String,
    field: &'m Field,
    function: String,
}

const FUNCTIONS: [&str; 8] = [
    "sum",
    "min",
    "max",
    "avg",
    "count",
    "count_distinct",
    "bool_and",
    "bool_or",
];

fn invalid_field(model: &Model, name: &str) -> Fault {
    Fault::new(
        FaultKind::ValueError,
        format!("Invalid field '{name}' on model '{}'", model.name),
    )
}

fn groupbys<'m>(model: &'m Model, specs: &[String]) -> Result<Vec<GroupBy<'m>>, Fault> {
    specs
        .iter()
        .map(|spec| {
            let (name, granularity) = match spec.split_once(':') {
                Some((name, g)) => (name, Some(g)),
                None => (spec.as_str(), None),
            };
            let field = model
                .field(name)
                .ok_or_else(|| invalid_field(model, name))?;
            if !field.kind.is_stored_column() {
                return Err(value_error(
                    "groupby",
                    format!("cannot group by the {} field '{name}'", field.kind.name()),
                ));
            }
            let datish = matches!(field.kind, FieldType::Date | FieldType::Datetime);
            let granularity = match (datish, granularity) {
                (true, g) => Some(Granularity::parse(g.unwrap_or("month")).ok_or_else(|| {
                    value_error("groupby", format!("'{spec}': unknown granularity"))
                })?),
                (false, None) => None,
                (false, Some(_)) => {
                    return Err(value_error(
                        "groupby",
                        format!("'{spec}': only a date or datetime field takes a granularity"),
                    ));
                }
            };
            Ok(GroupBy {
                spec: spec.clone(),
                field,
                granularity,
            })
        })
        .collect()
}

/// `name`, `name:func` or `key:func(name)`.
fn aggregates<'m>(
    model: &'m Model,
    fields: &[String],
    grouped: &[GroupBy<'_>],
) -> Result<Vec<Aggregate<'m>>, Fault> {
    let mut out = Vec::new();
    for spec in fields.iter().filter(|f| *f != "__count") {
        let (key, rest) = spec.split_once(':').unwrap_or((spec, ""));
        let (function, name) = match rest.split_once('(') {
            Some((function, inner)) => (function, inner.trim_end_matches(')')),
            None => (rest, key),
        };
        let field = model
            .field(name)
            .ok_or_else(|| invalid_field(model, name))?;
        let function = if function.is_empty() {
            let numeric = matches!(
                field.kind,
                FieldType::Integer | FieldType::Float | FieldType::Monetary
            );
            if !numeric || grouped.iter().any(|g| g.spec == *spec) {
                continue;
            }
            "sum"
        } else if FUNCTIONS.contains(&function) {
            function
        } else {
            return Err(value_error(
                "fields",
                format!("'{spec}': unknown aggregate function '{function}'"),
            ));
        };
        if !field.kind.is_stored_column() {
            return Err(value_error(
                "fields",
                format!("cannot aggregate the {} field '{name}'", field.kind.name()),
            ));
        }
        out.push(Aggregate {
            key: key.to_string(),
            field,
            function: function.to_string(),
        });
    }
    Ok(out)
}

/// One group: its bucket per groupby and the rows in it.
struct Group {
    keys: Vec<Value>,
    rows: Vec<usize>,
}

pub(crate) async fn read_group(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let model = job.model;
    let domain = values::domain(job.args.get("domain"), "domain")?;
    let fields = values::names(job.args.get("fields"), "fields")?;
    let all_groupby = values::names(job.args.get("groupby"), "groupby")?;
    let lazy = values::flag(job.args.get("lazy"), true);
    let used = if lazy {
        &all_groupby[..all_groupby.len().min(1)]
    } else {
        &all_groupby[..]
    };
    let grouped = groupbys(model, used)?;
    let aggregated = aggregates(model, &fields, &grouped)?;
    let mut columns: Vec<&str> = grouped.iter().map(|g| g.field.name.as_str()).collect();
    columns.extend(aggregated.iter().map(|a| a.field.name.as_str()));
    columns.sort_unstable();
    columns.dedup();
    let options = SearchOptions {
        limit: Some(MAX_GROUPED_ROWS + 1),
        include_archived: !job.context.active_test,
        ..SearchOptions::default()
    };
    let rows = tx
        .search_rows(&model.name, &domain, &options, &columns)
        .await?;
    if rows.len() as u64 > MAX_GROUPED_ROWS {
        return Err(Fault::new(
            FaultKind::UserError,
            format!("read_group: more than {MAX_GROUPED_ROWS} records match; narrow the domain"),
        )
        .into());
    }
    let rows: Vec<Map<String, Value>> = rows.into_iter().map(|(_, row)| row).collect();
    let mut groups = partition(&grouped, &rows);
    let names = many2one_names(tx, &grouped, &groups).await?;
    let orderby = values::order(job.args.get("orderby"), "orderby")?;
    sort(
        &mut groups,
        &grouped,
        &aggregated,
        &rows,
        &names,
        orderby.as_deref(),
    )?;
    let offset = values::offset(job.args.get("offset"))? as usize;
    let limit = values::limit(job.args.get("limit"))?.map_or(usize::MAX, |l| l as usize);
    let count_key = match (lazy, grouped.first()) {
        (true, Some(first)) => format!("{}_count", first.field.name),
        _ => "__count".to_string(),
    };
    let base = domain.to_json();
    let rest: Vec<String> = all_groupby.iter().skip(used.len()).cloned().collect();
    let out: Vec<Value> = groups
        .iter()
        .skip(offset)
        .take(limit)
        .map(|group| {
            let mut row = Map::new();
            let mut group_domain = base.as_array().cloned().unwrap_or_default();
            let mut ranges = Map::new();
            for (g, key) in grouped.iter().zip(&group.keys) {
                let (value, term, range) = describe(g, key, &names);
                row.insert(g.spec.clone(), value);
                group_domain = and(group_domain, term);
                if let Some(range) = range {
                    ranges.insert(g.spec.clone(), range);
                }
            }
            row.insert(count_key.clone(), json!(group.rows.len()));
            for a in &aggregated {
                row.insert(a.key.clone(), aggregate(a, &group.rows, &rows));
            }
            row.insert("__domain".into(), Value::Array(group_domain));
            if !ranges.is_empty() {
                row.insert("__range".into(), Value::Object(ranges));
            }
            if lazy && !rest.is_empty() {
                row.insert("__context".into(), json!({"group_by": rest}));
            }
            Value::Object(row)
        })
        .collect();
    Ok((Value::Array(out), Vec::new()))
}

/// The bucket of one row for one groupby: the stored value, or a date's bucket start.
fn bucket(g: &GroupBy<'_>, row: &Map<String, Value>) -> Value {
    let value = row.get(&g.field.name).cloned().unwrap_or(Value::Null);
    match (g.granularity, value.as_str()) {
        (Some(granularity), Some(text)) => Bucket::of(text, granularity)
            .map_or(Value::Null, |b| Value::from(b.start_text(text.len() > 10))),
        _ => value,
    }
}

fn partition(grouped: &[GroupBy<'_>], rows: &[Map<String, Value>]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate() {
        let keys: Vec<Value> = grouped.iter().map(|g| bucket(g, row)).collect();
        let text = Value::Array(keys.clone()).to_string();
        let at = *index.entry(text).or_insert_with(|| {
            groups.push(Group {
                keys,
                rows: Vec::new(),
            });
            groups.len() - 1
        });
        groups[at].rows.push(i);
    }
    if grouped.is_empty() && groups.is_empty() {
        groups.push(Group {
            keys: Vec::new(),
            rows: Vec::new(),
        });
    }
    groups
}

type Names = HashMap<String, HashMap<i64, String>>;

/// Display names of every many2one bucket, a query per comodel.
async fn many2one_names(tx: &Tx, grouped: &[GroupBy<'_>], groups: &[Group]) -> Outcome<Names> {
    let mut names = Names::new();
    for (i, g) in grouped.iter().enumerate() {
        let FieldType::Many2one { comodel, .. } = &g.field.kind else {
            continue;
        };
        let ids: Vec<i64> = groups.iter().filter_map(|gr| gr.keys[i].as_i64()).collect();
        let found = tx.names(comodel, &ids).await?;
        names.entry(comodel.clone()).or_default().extend(found);
    }
    Ok(names)
}

/// A group's value, its domain term and its `__range` for one groupby.
fn describe(g: &GroupBy<'_>, key: &Value, names: &Names) -> (Value, Vec<Value>, Option<Value>) {
    let field = g.field.name.as_str();
    if let (Some(granularity), Some(start)) = (g.granularity, key.as_str()) {
        let datetime = matches!(g.field.kind, FieldType::Datetime);
        let Some(b) = Bucket::of(start, granularity) else {
            return (Value::Bool(false), vec![json!([field, "=", false])], None);
        };
        let (from, to) = (b.start_text(datetime), b.end_text(datetime));
        let term = vec![
            json!("&"),
            json!([field, ">=", from]),
            json!([field, "<", to]),
        ];
        return (
            json!(b.label()),
            term,
            Some(json!({"from": from, "to": to})),
        );
    }
    if g.granularity.is_some() {
        return (
            Value::Bool(false),
            vec![json!([field, "=", false])],
            Some(Value::Bool(false)),
        );
    }
    let value = match (&g.field.kind, key) {
        (_, Value::Null) => Value::Bool(false),
        (FieldType::Many2one { comodel, .. }, Value::Number(id)) => {
            let id = id.as_i64().unwrap_or_default();
            let name = names.get(comodel).and_then(|n| n.get(&id)).cloned();
            json!([id, name.unwrap_or_else(|| format!("{comodel},{id}"))])
        }
        (_, other) => other.clone(),
    };
    let raw = if key.is_null() {
        Value::Bool(false)
    } else {
        key.clone()
    };
    (value, vec![json!([field, "=", raw])], None)
}

/// Odoo's `expression.AND` of two normalized domains.
fn and(a: Vec<Value>, b: Vec<Value>) -> Vec<Value> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = vec![json!("&")];
    out.extend(a);
    out.extend(b);
    out
}

fn aggregate(a: &Aggregate<'_>, members: &[usize], rows: &[Map<String, Value>]) -> Value {
    let values: Vec<&Value> = members
        .iter()
        .filter_map(|i| rows[*i].get(&a.field.name))
        .filter(|v| !v.is_null())
        .collect();
    let integer = matches!(a.field.kind, FieldType::Integer);
    let numbers = || values.iter().filter_map(|v| v.as_f64());
    match a.function.as_str() {
        "sum" if integer => json!(values.iter().filter_map(|v| v.as_i64()).sum::<i64>()),
        "sum" => json!(numbers().sum::<f64>()),
        "avg" if values.is_empty() => Value::Bool(false),
        "avg" => json!(numbers().sum::<f64>() / values.len() as f64),
        "count" => json!(values.len()),
        "count_distinct" => {
            let mut seen: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            seen.sort_unstable();
            seen.dedup();
            json!(seen.len())
        }
        "bool_and" => json!(values.iter().all(|v| v.as_bool() == Some(true))),
        "bool_or" => json!(values.iter().any(|v| v.as_bool() == Some(true))),
        "min" => values
            .iter()
            .min_by(|x, y| compare(x, y))
            .map_or(Value::Bool(false), |v| (*v).clone()),
        _ => values
            .iter()
            .max_by(|x, y| compare(x, y))
            .map_or(Value::Bool(false), |v| (*v).clone()),
    }
}

/// Order the groups by `orderby` (groupby specs, aggregate keys, `__count`), by default by the
/// groupby values ascending (a many2one by its display name), empty values last.
fn sort(
    groups: &mut [Group],
    grouped: &[GroupBy<'_>],
    aggregated: &[Aggregate<'_>],
    rows: &[Map<String, Value>],
    names: &Names,
    orderby: Option<&str>,
) -> Result<(), Fault> {
    enum Key {
        Group(usize),
        Aggregate(usize),
        Count,
    }
    let mut terms = Vec::new();
    for term in orderby
        .unwrap_or("")
        .split(',')
        .filter(|t| !t.trim().is_empty())
    {
        let mut words = term.split_whitespace();
        let name = words.next().unwrap_or_default();
        let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(value_error(
                    "orderby",
                    format!("'{other}' is not asc or desc"),
                ));
            }
        };
        let key = if name == "__count"
            || name.ends_with("_count") && !aggregated.iter().any(|a| a.key == name)
        {
            Key::Count
        } else if let Some(i) = grouped
            .iter()
            .position(|g| g.spec == name || g.field.name == name)
        {
            Key::Group(i)
        } else if let Some(i) = aggregated.iter().position(|a| a.key == name) {
            Key::Aggregate(i)
        } else {
            return Err(value_error(
                "orderby",
                format!("'{name}' is neither a groupby nor an aggregate"),
            ));
        };
        terms.push((key, descending));
    }
    if terms.is_empty() {
        terms = (0..grouped.len()).map(|i| (Key::Group(i), false)).collect();
    }
    let sortable = |g: &Group, key: &Key| -> Value {
        match key {
            Key::Count => json!(g.rows.len()),
            Key::Aggregate(i) => aggregate(&aggregated[*i], &g.rows, rows),
            Key::Group(i) => match (&grouped[*i].field.kind, &g.keys[*i]) {
                (FieldType::Many2one { comodel, .. }, Value::Number(id)) => names
                    .get(comodel)
                    .and_then(|n| n.get(&id.as_i64().unwrap_or_default()))
                    .map_or(Value::Null, |n| json!(n)),
                (_, value) => value.clone(),
            },
        }
    };
    groups.sort_by(|a, b| {
        for (key, descending) in &terms {
            let ordering = compare(&sortable(a, key), &sortable(b, key));
            let ordering = if *descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}
