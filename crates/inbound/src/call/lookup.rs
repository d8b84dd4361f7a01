//! Finding records from friendly values (`{"default_code": "P1"}`): the exact lookups behind
//! many2one and many2many conversion. Lookups on a company-scoped comodel see the payload level's
//! company and shared records (DESIGN.md §4, §12), unless the comodel is in
//! `ignore_checkcompany_model`; a pure `{"id": N}` lookup is not company-filtered (as ecosoft), the
//! store still hides companies the user may not see. Many items are looked up in one search per
//! group of items that use the same lookup fields, never one per item.

use super::CallSettings;
use super::error::{CallError, CallResult, Code};
use super::path::Path;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use weft_domain::Domain;
use weft_registry::value::coerce;
use weft_registry::{Field, Model};
use weft_store::{SearchOptions, StoreError, Tx};

/// One friendly lookup and where it sits in the payload.
pub(crate) struct Item<'v> {
    pub path: Path,
    pub pairs: &'v Map<String, Value>,
}

/// The company a lookup level filters on, or None when the comodel is not filtered.
pub(crate) fn company_filter(
    comodel: &Model,
    settings: &CallSettings,
    company: i64,
) -> Option<i64> {
    let ignored = settings
        .ignore_checkcompany_model
        .iter()
        .any(|m| m == &comodel.name);
    (comodel.is_company_scoped() && !ignored).then_some(company)
}

/// Refuse an empty lookup or one naming a field the comodel does not have.
pub(crate) fn check_item(comodel: &Model, item: &Item<'_>) -> CallResult<()> {
    if item.pairs.is_empty() {
        return Err(CallError::invalid(
            &item.path,
            "a lookup needs at least one field, such as {\"name\": ...}",
        ));
    }
    for key in item.pairs.keys() {
        let first = key.split('.').next().unwrap_or(key);
        if comodel.field(first).is_none() {
            return Err(CallError::at(
                Code::UnknownField,
                &item.path.key(key),
                format!("{} has no field '{first}' to look up by", comodel.name),
            ));
        }
    }
    Ok(())
}

/// The ids each item matches, in the comodel's order. `limit` bounds a single-item search (a
/// many2one only needs to know whether there are 0, 1 or several).
pub(crate) async fn match_items(
    tx: &Tx,
    comodel: &Model,
    items: &[Item<'_>],
    company: Option<i64>,
    limit: Option<u64>,
) -> CallResult<Vec<Vec<i64>>> {
    let mut groups: BTreeMap<Vec<&str>, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        groups
            .entry(item.pairs.keys().map(String::as_str).collect())
            .or_default()
            .push(i);
    }
    let mut matches = vec![Vec::new(); items.len()];
    for (keys, members) in groups {
        let company = if keys == ["id"] { None } else { company };
        if members.len() == 1 || !batchable(&keys, members.iter().map(|&i| &items[i])) {
            for &i in &members {
                matches[i] = search_one(tx, comodel, &items[i], company, limit).await?;
            }
        } else {
            let group: Vec<&Item<'_>> = members.iter().map(|&i| &items[i]).collect();
            let found = search_group(tx, comodel, &keys, &group, company).await?;
            for (&i, ids) in members.iter().zip(found) {
                matches[i] = ids;
            }
        }
    }
    Ok(matches)
}

/// Batching reads the lookup fields back to share the results out, which needs plain fields and
/// plain values (a dotted path or an `in` list is searched on its own).
fn batchable<'i>(keys: &[&str], mut items: impl Iterator<Item = &'i Item<'i>>) -> bool {
    !keys.iter().any(|k| k.contains('.'))
        && items.all(|item| item.pairs.values().all(|v| !v.is_array() && !v.is_object()))
}

async fn search_one(
    tx: &Tx,
    comodel: &Model,
    item: &Item<'_>,
    company: Option<i64>,
    limit: Option<u64>,
) -> CallResult<Vec<i64>> {
    let leaves: Vec<Value> = item
        .pairs
        .iter()
        .map(|(k, v)| json!([k, if v.is_array() { "in" } else { "=" }, v]))
        .collect();
    search(
        tx,
        comodel,
        Value::Array(leaves),
        company,
        limit,
        &item.path,
    )
    .await
}

/// One search for the whole group, then each record goes to the items whose values it holds.
async fn search_group(
    tx: &Tx,
    comodel: &Model,
    keys: &[&str],
    group: &[&Item<'_>],
    company: Option<i64>,
) -> CallResult<Vec<Vec<i64>>> {
    let domain = if let [key] = keys {
        let values: Vec<&Value> = group.iter().map(|item| &item.pairs[*key]).collect();
        json!([[key, "in", values]])
    } else {
        any_of(keys, group)
    };
    let path = &group[0].path;
    let domain = lookup_domain(comodel, domain, company, path)?;
    let rows = tx
        .search_rows(&comodel.name, &domain, &SearchOptions::default(), keys)
        .await
        .map_err(|e| refusal(comodel, path, e))?;
    let fields: Vec<&Field> = keys
        .iter()
        .map(|k| comodel.field(k).expect("checked by check_item"))
        .collect();
    Ok(group
        .iter()
        .map(|item| {
            rows.iter()
                .filter(|(_, row)| {
                    fields
                        .iter()
                        .all(|f| holds(f, &item.pairs[&f.name], &row[&f.name]))
                })
                .map(|(id, _)| *id)
                .collect()
        })
        .collect())
}

/// `['|', '|', '&', a1, b1, '&', a2, b2, ...]`: any item's pairs all hold.
fn any_of(keys: &[&str], group: &[&Item<'_>]) -> Value {
    let mut tokens: Vec<Value> = vec![json!("|"); group.len() - 1];
    for item in group {
        tokens.extend(std::iter::repeat_n(json!("&"), keys.len() - 1));
        tokens.extend(keys.iter().map(|k| json!([k, "=", item.pairs[*k]])));
    }
    Value::Array(tokens)
}

async fn search(
    tx: &Tx,
    comodel: &Model,
    domain: Value,
    company: Option<i64>,
    limit: Option<u64>,
    path: &Path,
) -> CallResult<Vec<i64>> {
    let domain = lookup_domain(comodel, domain, company, path)?;
    let options = SearchOptions {
        limit,
        ..SearchOptions::default()
    };
    tx.search(&comodel.name, &domain, &options)
        .await
        .map_err(|e| refusal(comodel, path, e))
}

/// The lookup's domain, limited to `company` and shared records when it is company-filtered.
fn lookup_domain(
    comodel: &Model,
    domain: Value,
    company: Option<i64>,
    path: &Path,
) -> CallResult<Domain> {
    let mut domain = Domain::parse_json(&domain)
        .map_err(|e| refusal(comodel, path, StoreError::InvalidDomain(e)))?;
    if let Some(company) = company {
        let scope = Domain::parse_json(&json!([["company_id", "in", [company, false]]]))
            .expect("a well-formed domain");
        domain = domain.and(scope);
    }
    Ok(domain)
}

/// A lookup the store refused names the comodel and where the lookup sits.
fn refusal(comodel: &Model, path: &Path, error: StoreError) -> CallError {
    match error {
        StoreError::InvalidDomain(d) => {
            CallError::invalid(path, format!("cannot look up {}: {d}", comodel.name))
        }
        other => other.into(),
    }
}

/// Whether a record's stored value is the value an item asked for (both in stored form).
fn holds(field: &Field, wanted: &Value, stored: &Value) -> bool {
    let Ok(wanted) = coerce(&field.kind, wanted) else {
        return false;
    };
    let have = match stored {
        Value::Null => field.kind.empty_value(),
        value => value.clone(),
    };
    match (wanted.as_f64(), have.as_f64()) {
        (Some(a), Some(b)) => a == b,
        _ => wanted == have,
    }
}

/// Whether an `auto_create` payload would be found by the lookup: it holds every looked-up pair.
pub(crate) fn covers(entry: &Map<String, Value>, item: &Map<String, Value>) -> bool {
    item.iter().all(|(k, v)| {
        entry
            .get(k)
            .is_some_and(|e| match (e.as_f64(), v.as_f64()) {
                (Some(a), Some(b)) => a == b,
                _ => e == v,
            })
    })
}

/// `{"name":"ACME"}` as the error messages quote it.
pub(crate) fn quote(item: &Map<String, Value>) -> String {
    Value::Object(item.clone()).to_string()
}

/// At most one match: Some(id), None when there is none, `multiple_matches` otherwise.
pub(crate) fn single(comodel: &Model, item: &Item<'_>, found: &[i64]) -> CallResult<Option<i64>> {
    match found {
        [] => Ok(None),
        [id] => Ok(Some(*id)),
        _ => Err(CallError::at(
            Code::MultipleMatches,
            &item.path,
            format!(
                "{} matches more than one {} record",
                quote(item.pairs),
                comodel.name
            ),
        )),
    }
}

/// `not_found` naming every lookup that matched nothing.
pub(crate) fn not_found(
    comodel: &Model,
    path: &Path,
    missing: &[&Map<String, Value>],
) -> CallError {
    let quoted: Vec<String> = missing.iter().map(|item| quote(item)).collect();
    CallError::at(
        Code::NotFound,
        path,
        format!("no {} record matches {}", comodel.name, quoted.join(", ")),
    )
}
