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

/// A `read_group` call's arguments, read and checked.
struct Request<'m> {
    domain: weft_domain::Domain,
    grouped: Vec<GroupBy<'m>>,
    aggregated: Vec<Aggregate<'m>>,
    /// The groupbys a lazy call leaves for the next level (`__context`).
    rest: Vec<String>,
    count_key: String,
    orderby: Option<String>,
    offset: usize,
    limit: usize,
}

impl<'m> Request<'m> {
    fn parse(job: &Job<'m>) -> Result<Request<'m>, Fault> {
        let fields = values::names(job.args.get("fields"), "fields")?;
        let all = values::names(job.args.get("groupby"), "groupby")?;
        let lazy = values::flag(job.args.get("lazy"), true);
        let used = if lazy { all.len().min(1) } else { all.len() };
        let grouped = groupbys(job.model, &all[..used])?;
        let count_key = match (lazy, grouped.first()) {
            (true, Some(first)) => format!("{}_count", first.field.name),
            _ => "__count".to_string(),
        };
        Ok(Request {
            domain: values::domain(job.args.get("domain"), "domain")?,
            aggregated: aggregates(job.model, &fields, &grouped)?,
            grouped,
            rest: all[used..].to_vec(),
            count_key,
            orderby: values::order(job.args.get("orderby"), "orderby")?,
            offset: values::offset(job.args.get("offset"))? as usize,
            limit: values::limit(job.args.get("limit"))?.map_or(usize::MAX, |l| l as usize),
        })
    }

    /// The stored columns the groups and aggregates read.
    fn columns(&self) -> Vec<&str> {
        let mut columns: Vec<&str> = self.grouped.iter().map(|g| g.field.name.as_str()).collect();
        columns.extend(self.aggregated.iter().map(|a| a.field.name.as_str()));
        columns.sort_unstable();
        columns.dedup();
        columns
    }
}

pub(crate) async fn read_group(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let request = Request::parse(job)?;
    let rows = matching_rows(job, tx, &request).await?;
    let mut groups = partition(&request.grouped, &rows);
    let names = many2one_names(tx, &request.grouped, &groups).await?;
    sort(&mut groups, &request, &rows, &names)?;
    let out: Vec<Value> = groups
        .iter()
        .skip(request.offset)
        .take(request.limit)
        .map(|group| render(&request, group, &rows, &names))
        .collect();
    Ok((Value::Array(out), Vec::new()))
}

/// The rows the domain matches (through the store's scoped search), at most `MAX_GROUPED_ROWS`.
async fn matching_rows(
    job: &Job<'_>,
    tx: &Tx,
    request: &Request<'_>,
) -> Outcome<Vec<Map<String, Value>>> {
    let options = SearchOptions {
        limit: Some(MAX_GROUPED_ROWS + 1),
        include_archived: !job.context.active_test,
        ..SearchOptions::default()
    };
    let rows = tx
        .search_rows(
            &job.model.name,
            &request.domain,
            &options,
            &request.columns(),
        )
        .await?;
    if rows.len() as u64 > MAX_GROUPED_ROWS {
        return Err(Fault::new(
            FaultKind::UserError,
            format!("read_group: more than {MAX_GROUPED_ROWS} records match; narrow the domain"),
        )
        .into());
    }
    Ok(rows.into_iter().map(|(_, row)| row).collect())
}

/// One group as Odoo 17 answers it.
fn render(
    request: &Request<'_>,
    group: &Group,
    rows: &[Map<String, Value>],
    names: &Names,
) -> Value {
    let mut row = Map::new();
    let mut group_domain = request
        .domain
        .to_json()
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut ranges = Map::new();
    for (g, key) in request.grouped.iter().zip(&group.keys) {
        let (value, term, range) = describe(g, key, names);
        row.insert(g.spec.clone(), value);
        group_domain = and(group_domain, term);
        if let Some(range) = range {
            ranges.insert(g.spec.clone(), range);
        }
    }
    row.insert(request.count_key.clone(), json!(group.rows.len()));
    for a in &request.aggregated {
        row.insert(a.key.clone(), aggregate(a, &group.rows, rows));
    }
    row.insert("__domain".into(), Value::Array(group_domain));
    if !ranges.is_empty() {
        row.insert("__range".into(), Value::Object(ranges));
    }
    if !request.rest.is_empty() {
        row.insert("__context".into(), json!({"group_by": request.rest}));
    }
    Value::Object(row)
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

/// What a group is ordered by.
enum Key {
    Group(usize),
    Aggregate(usize),
    Count,
}

/// `orderby`'s terms (groupby specs, aggregate keys, `__count` or `<groupby>_count`), by default
/// the groupbys ascending.
fn order_terms(request: &Request<'_>) -> Result<Vec<(Key, bool)>, Fault> {
    let (grouped, aggregated) = (&request.grouped, &request.aggregated);
    let mut terms = Vec::new();
    let text = request.orderby.as_deref().unwrap_or("");
    for term in text.split(',').filter(|t| !t.trim().is_empty()) {
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
        let count = name == "__count" || name == request.count_key;
        let key = if let Some(i) = aggregated.iter().position(|a| a.key == name) {
            Key::Aggregate(i)
        } else if count {
            Key::Count
        } else if let Some(i) = grouped
            .iter()
            .position(|g| g.spec == name || g.field.name == name)
        {
            Key::Group(i)
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
    Ok(terms)
}

/// Order the groups by `orderby` (a many2one by its display name), empty values last.
fn sort(
    groups: &mut Vec<Group>,
    request: &Request<'_>,
    rows: &[Map<String, Value>],
    names: &Names,
) -> Result<(), Fault> {
    let terms = order_terms(request)?;
    let sortable = |g: &Group, key: &Key| -> Value {
        match key {
            Key::Count => json!(g.rows.len()),
            Key::Aggregate(i) => aggregate(&request.aggregated[*i], &g.rows, rows),
            Key::Group(i) => match (&request.grouped[*i].field.kind, &g.keys[*i]) {
                (FieldType::Many2one { comodel, .. }, Value::Number(id)) => names
                    .get(comodel)
                    .and_then(|n| n.get(&id.as_i64().unwrap_or_default()))
                    .map_or(Value::Null, |n| json!(n)),
                (_, value) => value.clone(),
            },
        }
    };
    // Each group's sort values once, not once per comparison.
    let mut keyed: Vec<(Vec<Value>, Group)> = std::mem::take(groups)
        .into_iter()
        .map(|g| (terms.iter().map(|(k, _)| sortable(&g, k)).collect(), g))
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        for (i, (_, descending)) in terms.iter().enumerate() {
            let ordering = compare(&a[i], &b[i]);
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
    groups.extend(keyed.into_iter().map(|(_, g)| g));
    Ok(())
}
