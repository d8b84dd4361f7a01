//! The standard record methods: `search`, `search_count`, `search_read`, `read`, `create`,
//! `write`, `unlink`, `copy`, `default_get`, `name_search`, `name_create`, each on the store's
//! `Tx` (which checks companies, identity models and the key's models on every model touched).
//!
//! Bounds: `search_read` and `read` answer at most `MAX_LIMIT` records (the same cap as
//! `search_data`: a search without a limit matching more is refused, asking to page) and at most
//! `AnswerBudget` of JSON (x2many id lists included); `search` answers at most `MAX_IDS` ids.

use super::fault::{Failure, Outcome, value_error};
use super::params::Bound;
use super::values::{self, Context};
use super::{Fault, FaultKind};
use crate::call::copy;
use crate::call::search::MAX_LIMIT;
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_registry::field_spec::FieldSpec;
use weft_registry::{FieldType, Model, Registry};
use weft_store::{SearchOptions, Tx};

/// The most ids one `search` answers.
pub(crate) const MAX_IDS: u64 = 1_000_000;

/// One call of a method on `model`.
pub(crate) struct Job<'a> {
    pub registry: &'a Registry,
    pub model: &'a Model,
    pub args: &'a Bound,
    pub context: &'a Context,
}

/// What a method answers, with the ids of `model` it created or wrote.
pub(crate) type Done = (Value, Vec<i64>);

impl Job<'_> {
    fn name(&self) -> &str {
        &self.model.name
    }

    fn options<'o>(
        &self,
        order: Option<&'o str>,
        limit: Option<u64>,
        offset: u64,
    ) -> SearchOptions<'o> {
        SearchOptions {
            order,
            limit,
            offset,
            include_archived: !self.context.active_test,
        }
    }
}

fn too_many(what: &str, cap: u64) -> Fault {
    Fault::new(
        FaultKind::UserError,
        format!(
            "{what}: more than {cap} records match; page through them with limit (at most {cap}) \
             and offset"
        ),
    )
}

pub(crate) async fn search(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let domain = values::domain(job.args.get("domain"), "domain")?;
    if values::flag(job.args.get("count"), false) {
        let n = tx
            .count(job.name(), &domain, !job.context.active_test)
            .await?;
        return Ok((json!(n), Vec::new()));
    }
    let order = values::order(job.args.get("order"), "order")?;
    let limit = values::limit(job.args.get("limit"))?;
    if limit.is_some_and(|l| l > MAX_IDS) {
        return Err(value_error("limit", format!("is at most {MAX_IDS}")).into());
    }
    let offset = values::offset(job.args.get("offset"))?;
    let options = job.options(order.as_deref(), Some(limit.unwrap_or(MAX_IDS + 1)), offset);
    let ids = tx.search(job.name(), &domain, &options).await?;
    if ids.len() as u64 > MAX_IDS {
        return Err(too_many("search", MAX_IDS).into());
    }
    Ok((json!(ids), Vec::new()))
}

pub(crate) async fn search_count(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let domain = values::domain(job.args.get("domain"), "domain")?;
    let limit = values::limit(job.args.get("limit"))?;
    let n = tx
        .count(job.name(), &domain, !job.context.active_test)
        .await?;
    Ok((json!(limit.map_or(n, |l| n.min(l))), Vec::new()))
}

pub(crate) async fn search_read(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let domain = values::domain(job.args.get("domain"), "domain")?;
    let fields = values::names(job.args.get("fields"), "fields")?;
    let order = values::order(job.args.get("order"), "order")?;
    let limit = values::limit(job.args.get("limit"))?;
    if limit.is_some_and(|l| l > MAX_LIMIT) {
        return Err(
            value_error("limit", format!("is at most {MAX_LIMIT}: page with offset")).into(),
        );
    }
    let offset = values::offset(job.args.get("offset"))?;
    // One more than the cap tells a search without a limit that matches too many.
    let options = job.options(
        order.as_deref(),
        Some(limit.unwrap_or(MAX_LIMIT + 1)),
        offset,
    );
    let ids = tx.search(job.name(), &domain, &options).await?;
    if ids.len() as u64 > MAX_LIMIT {
        return Err(too_many("search_read", MAX_LIMIT).into());
    }
    let rows = read_rows(tx, job.model, &ids, &fields, classic(job.args)).await?;
    Ok((rows, Vec::new()))
}

pub(crate) async fn read(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let ids = values::ids(job.args.ids.as_ref())?;
    if ids.len() as u64 > MAX_LIMIT {
        return Err(value_error("ids", format!("read() takes at most {MAX_LIMIT} ids")).into());
    }
    let fields = values::names(job.args.get("fields"), "fields")?;
    let rows = read_rows(tx, job.model, &ids, &fields, classic(job.args)).await?;
    Ok((rows, Vec::new()))
}

/// `load='_classic_read'` (the default): many2one as `[id, name]`; any other load a bare id.
fn classic(args: &Bound) -> bool {
    match args.get("load") {
        None => true,
        Some(load) => load.as_str() == Some("_classic_read"),
    }
}

/// Odoo's read() of `ids` (missing ids skipped, in the given order), `display_name` included
/// when asked for or when every field is.
pub(crate) async fn read_rows(
    tx: &Tx,
    model: &Model,
    ids: &[i64],
    fields: &[String],
    classic: bool,
) -> Outcome<Value> {
    let wants_name = fields.is_empty() || fields.iter().any(|f| f == "display_name");
    let mut specs: Vec<FieldSpec> = fields
        .iter()
        .filter(|f| *f != "display_name")
        .map(|f| FieldSpec::plain(f))
        .collect();
    if specs.is_empty() && !fields.is_empty() {
        specs.push(FieldSpec::plain("id"));
    }
    // read_specs bounds the answer (AnswerBudget): x2many id lists count too.
    let mut rows = tx.read_specs(&model.name, ids, &specs).await?;
    if !classic {
        for row in &mut rows {
            bare_many2one(model, row);
        }
    }
    if wants_name {
        let found: Vec<i64> = rows.iter().filter_map(|r| r.get("id")?.as_i64()).collect();
        let names = tx.names(&model.name, &found).await?;
        for row in &mut rows {
            let id = row.get("id").and_then(Value::as_i64).unwrap_or_default();
            let name = names
                .get(&id)
                .cloned()
                .unwrap_or_else(|| format!("{},{id}", model.name));
            row.insert("display_name".into(), Value::from(name));
        }
    }
    Ok(Value::Array(rows.into_iter().map(Value::Object).collect()))
}

fn bare_many2one(model: &Model, row: &mut Map<String, Value>) {
    for (name, value) in row.iter_mut() {
        let many2one = model
            .field(name)
            .is_some_and(|f| matches!(f.kind, FieldType::Many2one { .. }));
        if many2one && let Value::Array(pair) = value {
            *value = pair.first().cloned().unwrap_or(Value::Bool(false));
        }
    }
}

pub(crate) async fn create(job: &Job<'_>, tx: &mut Tx) -> Outcome<Done> {
    let list = match job.args.get("vals_list") {
        Some(Value::Object(vals)) => {
            let id = tx.create(job.name(), vals).await?;
            return Ok((json!(id), vec![id]));
        }
        Some(Value::Array(list)) => list,
        other => {
            let got = other.map_or("nothing".to_string(), Value::to_string);
            return Err(value_error(
                "vals_list",
                format!("expected a dict or a list of dicts, got {got}"),
            )
            .into());
        }
    };
    if list.len() as u64 > MAX_LIMIT {
        return Err(value_error(
            "vals_list",
            format!("create() takes at most {MAX_LIMIT} records"),
        )
        .into());
    }
    let mut ids = Vec::with_capacity(list.len());
    for (i, vals) in list.iter().enumerate() {
        let Value::Object(vals) = vals else {
            return Err(value_error(&format!("vals_list[{i}]"), "expected a dict").into());
        };
        ids.push(tx.create(job.name(), vals).await?);
    }
    Ok((json!(ids), ids))
}

pub(crate) async fn write(job: &Job<'_>, tx: &mut Tx) -> Outcome<Done> {
    let ids = values::ids(job.args.ids.as_ref())?;
    let empty = Map::new();
    let vals = values::dict(job.args.get("vals"), "vals", &empty)?;
    if !ids.is_empty() {
        tx.write(job.name(), &ids, vals).await?;
    }
    Ok((Value::Bool(true), ids))
}

pub(crate) async fn unlink(job: &Job<'_>, tx: &mut Tx) -> Outcome<Done> {
    let ids = values::ids(job.args.ids.as_ref())?;
    if !ids.is_empty() {
        tx.unlink(job.name(), &ids).await?;
    }
    Ok((Value::Bool(true), Vec::new()))
}

/// `copy(id, default=None)`: the record copied as a declared copy method copies it, then the
/// `default` values written on the copy.
pub(crate) async fn copy(job: &Job<'_>, tx: &mut Tx) -> Outcome<Done> {
    let ids = values::ids(job.args.ids.as_ref())?;
    let [id] = ids[..] else {
        return Err(value_error(
            "ids",
            format!("Expected singleton: {}({})", job.name(), join(&ids)),
        )
        .into());
    };
    let empty = Map::new();
    let default = values::dict(job.args.get("default"), "default", &empty)?;
    // The store refuses a copy of a record the env may not see, or one that is gone.
    tx.read(job.name(), &[id], &["id"])
        .await?
        .pop()
        .ok_or_else(|| {
            Failure::from(weft_store::StoreError::NotFound {
                model: job.name().to_string(),
                ids: vec![id],
            })
        })?;
    let created = copy::copy(tx, job.registry, job.model, &[id]).await?;
    let [new] = created[..] else {
        return Err(super::fault::internal("copy created no record").into());
    };
    if !default.is_empty() {
        tx.write(job.name(), &[new], default).await?;
    }
    Ok((json!(new), vec![new]))
}

fn join(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `default_get(fields_list)`: the schema's defaults of the fields asked for.
pub(crate) fn default_get(job: &Job<'_>) -> Outcome<Done> {
    let names = values::names(job.args.get("fields_list"), "fields_list")?;
    let mut out = Map::new();
    for name in names {
        if let Some(default) = job.model.field(&name).and_then(|f| f.default.clone()) {
            out.insert(name, default);
        }
    }
    Ok((Value::Object(out), Vec::new()))
}

/// `name_search(name='', args=None, operator='ilike', limit=100)` → `[[id, name], ...]`.
pub(crate) async fn name_search(job: &Job<'_>, tx: &Tx) -> Outcome<Done> {
    let name = match job.args.given("name") {
        None => "",
        Some(Value::String(s)) => s.as_str(),
        Some(v) => return Err(value_error("name", format!("expected a string, got {v}")).into()),
    };
    let operator = match job.args.given("operator") {
        None => "ilike",
        Some(Value::String(s)) => s.as_str(),
        Some(v) => {
            return Err(value_error("operator", format!("expected an operator, got {v}")).into());
        }
    };
    let limit = match job.args.get("limit") {
        None => Some(100),
        other => values::limit(other)?,
    };
    let mut domain = values::domain(job.args.get("args"), "args")?;
    if !(name.is_empty() && operator == "ilike") {
        let rec_name = &job.model.rec_name;
        let term = Domain::parse_json(&json!([[rec_name, operator, name]]))
            .map_err(|e| value_error("operator", e))?;
        domain = domain.and(term);
    }
    let options = job.options(None, Some(limit.unwrap_or(MAX_LIMIT).min(MAX_LIMIT)), 0);
    let ids = tx.search(job.name(), &domain, &options).await?;
    let names = tx.names(job.name(), &ids).await?;
    let pairs: Vec<Value> = ids
        .iter()
        .map(|id| json!([id, names.get(id).cloned().unwrap_or_default()]))
        .collect();
    Ok((Value::Array(pairs), Vec::new()))
}

/// `name_create(name)` → `[id, display_name]`.
pub(crate) async fn name_create(job: &Job<'_>, tx: &mut Tx) -> Outcome<Done> {
    let rec_name = &job.model.rec_name;
    if rec_name == "id" || job.model.field(rec_name).is_none() {
        return Err(Fault::new(
            FaultKind::UserError,
            format!(
                "Cannot execute name_create, no _rec_name defined on {}",
                job.name()
            ),
        )
        .into());
    }
    let name = job.args.get("name").cloned().unwrap_or(Value::Null);
    let mut vals = Map::new();
    vals.insert(rec_name.clone(), name);
    let id = tx.create(job.name(), &vals).await?;
    let names = tx.names(job.name(), &[id]).await?;
    Ok((
        json!([id, names.get(&id).cloned().unwrap_or_default()]),
        vec![id],
    ))
}
