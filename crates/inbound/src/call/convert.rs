//! The ecosoft friendly payload -> Odoo-style values for `Tx::create`/`Tx::write` (research §5,
//! DESIGN.md §4 and §12), recursively through one2many lines:
//!
//! - many2one `{"<field>": value, ...}` must find exactly one record (all pairs ANDed); a bare int
//!   is an id, `false`/`null` clears;
//! - many2many `{"mode": "add"|"replace", "records": [{..}, ..]}` needs every item to match, and
//!   names all that do not; ids and command lists pass through;
//! - one2many: a list of line dicts becomes `[[0, 0, vals], ..]`; command lists pass through;
//! - `auto_create[<field>]` creates the missing record(s) it covers, then the lookup runs again;
//! - `attachment_ids` lists are taken out and stored after the write (`attachment`);
//! - unknown keys are `unknown_field` (or dropped with `ignore_unknown_fields`), system and
//!   read-only fields `invalid_value`, scalars are checked per field type.
//!
//! Errors name the path from the payload root (`order_line[2].product_id`). Values an inbound
//! hook took from its caller's payload are marked (`FromPayload`) and read as `untrusted` says:
//! values, never ids or commands.

use super::CallSettings;
use super::attachment::{self, Attachments, LineFiles};
use super::error::{CallError, CallResult, Code};
use super::lookup::{self, Item};
use super::path::Path;
use super::untrusted::{self, FromPayload};
use super::vals;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use weft_registry::value::coerce;
use weft_registry::{Field, FieldType, Model, Registry};
use weft_store::Tx;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one payload level became.
#[derive(Default)]
pub(crate) struct Converted {
    pub vals: Map<String, Value>,
    pub attachments: Attachments,
    /// one2many fields given as line dicts: on update, their current lines are replaced.
    pub replaced: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Add,
    Replace,
}

#[derive(Clone)]
pub(crate) struct Converter<'a> {
    registry: Arc<Registry>,
    settings: &'a CallSettings,
    auto_create: &'a Map<String, Value>,
    /// Where the payload holds values an inbound hook's caller sent.
    from_payload: &'a FromPayload,
    /// The company lookups are scoped to when a payload level gives none.
    env_company: i64,
    /// many2one lookups of one2many lines, searched together before the lines are converted:
    /// the record each found exactly once (see `prefetch_line_lookups`).
    prefetched: Arc<Mutex<HashMap<String, i64>>>,
}

impl<'a> Converter<'a> {
    pub(crate) fn new(
        registry: Arc<Registry>,
        settings: &'a CallSettings,
        auto_create: &'a Map<String, Value>,
        from_payload: &'a FromPayload,
        env_company: i64,
    ) -> Converter<'a> {
        Converter {
            registry,
            settings,
            auto_create,
            from_payload,
            env_company,
            prefetched: Arc::default(),
        }
    }

    /// Convert one payload level of `model` found at `path`.
    pub(crate) fn convert<'f>(
        &'f self,
        tx: &'f mut Tx,
        model: &'f str,
        payload: &'f Map<String, Value>,
        path: &'f Path,
    ) -> BoxFuture<'f, CallResult<Converted>> {
        Box::pin(self.convert_level(tx, model, payload, path))
    }

    async fn convert_level(
        &self,
        tx: &mut Tx,
        model: &str,
        payload: &Map<String, Value>,
        path: &Path,
    ) -> CallResult<Converted> {
        let registry = self.registry.clone();
        let m = registry.model(model).ok_or_else(|| {
            CallError::plain(Code::UnknownModel, format!("unknown model '{model}'"))
        })?;
        let mut out = Converted::default();
        let mut company = self.env_company;
        // The level's company scopes every other lookup of the level, so it goes first.
        let scoped = m.is_company_scoped() && payload.contains_key("company_id");
        if scoped {
            let field = m.field("company_id").expect("company-scoped");
            let value = &payload["company_id"];
            if let Some(converted) = self
                .value(tx, field, value, &path.key("company_id"), company, &mut out)
                .await?
            {
                if let Some(id) = converted.as_i64() {
                    company = id;
                }
                out.vals.insert("company_id".into(), converted);
            }
        }
        for (key, value) in payload {
            if scoped && key == "company_id" {
                continue;
            }
            let here = path.key(key);
            if key == "attachment_ids" && (m.field(key).is_none() || is_file_list(value)) {
                out.attachments.own =
                    attachment::parse(value, &here, self.settings.ignore_unknown_fields)?;
                continue;
            }
            let Some(field) = m.field(key) else {
                if self.settings.ignore_unknown_fields {
                    continue;
                }
                return Err(CallError::at(
                    Code::UnknownField,
                    &here,
                    format!("{} has no field '{key}'", m.name),
                ));
            };
            if let Some(converted) = self
                .value(tx, field, value, &here, company, &mut out)
                .await?
            {
                out.vals.insert(key.clone(), converted);
            }
        }
        Ok(out)
    }

    /// The value to write for one field, or None to leave the field out.
    async fn value(
        &self,
        tx: &mut Tx,
        field: &Field,
        value: &Value,
        path: &Path,
        company: i64,
        out: &mut Converted,
    ) -> CallResult<Option<Value>> {
        if field.system {
            return Err(CallError::invalid(
                path,
                "is a system column and cannot be written",
            ));
        }
        if field.readonly {
            return Err(CallError::invalid(path, "is read-only"));
        }
        match &field.kind {
            FieldType::Many2one { comodel, .. } => self
                .many2one(tx, &field.name, comodel, value, path, company)
                .await
                .map(Some),
            FieldType::Many2many { comodel, .. } => {
                self.many2many(tx, &field.name, comodel, value, path, company)
                    .await
            }
            FieldType::One2many { comodel, .. } => {
                self.one2many(tx, &field.name, comodel, value, path, out)
                    .await
            }
            kind => match self.from_payload.source(path) {
                Some(source) => untrusted::scalar(kind, value, path, source).map(Some),
                None => {
                    coerce(kind, value).map_err(|reason| CallError::invalid(path, reason))?;
                    Ok(Some(value.clone()))
                }
            },
        }
    }

    async fn many2one(
        &self,
        tx: &mut Tx,
        field: &str,
        comodel: &str,
        value: &Value,
        path: &Path,
        company: i64,
    ) -> CallResult<Value> {
        let registry = self.registry.clone();
        let co = comodel_of(&registry, comodel)?;
        if let Some(source) = self.from_payload.source(path) {
            let pairs = untrusted::name_lookup(co, value, path, source)?;
            return self
                .lookup_one(tx, field, comodel, &pairs, path, company)
                .await
                .map(Value::from)
                .map_err(|e| untrusted::sourced(e, source));
        }
        match value {
            Value::Object(pairs) => {
                let pairs = untrusted::lookup_pairs(&registry, co, pairs, path, self.from_payload)?;
                self.lookup_one(tx, field, comodel, &pairs, path, company)
                    .await
                    .map(Value::from)
            }
            Value::Null | Value::Bool(false) => Ok(value.clone()),
            Value::Number(n) if n.is_i64() => Ok(value.clone()),
            _ => Err(CallError::invalid(
                path,
                "expected a lookup such as {\"name\": ...}, a record id, or false",
            )),
        }
    }

    async fn lookup_one(
        &self,
        tx: &mut Tx,
        field: &str,
        comodel: &str,
        pairs: &Map<String, Value>,
        path: &Path,
        company: i64,
    ) -> CallResult<i64> {
        let registry = self.registry.clone();
        let co = comodel_of(&registry, comodel)?;
        let items = [Item {
            path: path.clone(),
            pairs,
        }];
        lookup::check_item(co, &items[0])?;
        let filter = lookup::company_filter(co, self.settings, company);
        let key = prefetch_key(comodel, filter, pairs);
        if let Some(id) = self
            .prefetched
            .lock()
            .expect("prefetch lock")
            .get(&key)
            .copied()
        {
            return Ok(id);
        }
        let found = lookup::match_items(tx, co, &items, filter, Some(2)).await?;
        if let Some(id) = lookup::single(co, &items[0], &found[0])? {
            return Ok(id);
        }
        if self.auto_create_for(tx, field, comodel, &[pairs]).await? == 0 {
            return Err(lookup::not_found(co, path, &[pairs]));
        }
        let found = lookup::match_items(tx, co, &items, filter, Some(2)).await?;
        lookup::single(co, &items[0], &found[0])?
            .ok_or_else(|| lookup::not_found(co, path, &[pairs]))
    }

    async fn many2many(
        &self,
        tx: &mut Tx,
        field: &str,
        comodel: &str,
        value: &Value,
        path: &Path,
        company: i64,
    ) -> CallResult<Option<Value>> {
        let registry = self.registry.clone();
        let co = comodel_of(&registry, comodel)?;
        let marks = self.from_payload;
        // A payload value, or a list of them, is a list of names and replaces the links.
        let (mode, records) = match (marks.source(path), value) {
            (Some(source), _) => (
                Mode::Replace,
                untrusted::name_lookups(co, value, path, source)?,
            ),
            (None, Value::Array(items)) => match untrusted::listed_names(co, items, path, marks)? {
                Some(records) => (Mode::Replace, records),
                None => return Ok(Some(value.clone())),
            },
            (None, Value::Object(spec)) => {
                let mode = many2many_mode(field, spec, path)?;
                let at = path.key("records");
                let records = untrusted::records(&registry, co, spec.get("records"), &at, marks)?;
                (mode, records)
            }
            (None, Value::Null | Value::Bool(false)) => return Ok(Some(value.clone())),
            (None, _) => {
                return Err(CallError::invalid(
                    path,
                    "expected {\"mode\": \"add\"|\"replace\", \"records\": [...]}, a list of ids or commands",
                ));
            }
        };
        let linked = self
            .link(tx, field, co, mode, &records, path, company)
            .await;
        match marks.source(path) {
            Some(source) => linked.map_err(|e| untrusted::sourced(e, source)),
            None => linked,
        }
    }

    /// The links of a many2many to the records `records` look up (each one must match, or be made
    /// by `auto_create`), as commands for `mode`.
    #[allow(clippy::too_many_arguments)]
    async fn link(
        &self,
        tx: &mut Tx,
        field: &str,
        co: &Model,
        mode: Mode,
        records: &untrusted::Lookups,
        path: &Path,
        company: i64,
    ) -> CallResult<Option<Value>> {
        let comodel = co.name.as_str();
        let items: Vec<Item<'_>> = records
            .iter()
            .map(|(path, pairs)| Item {
                path: path.clone(),
                pairs,
            })
            .collect();
        for item in &items {
            lookup::check_item(co, item)?;
        }
        let filter = lookup::company_filter(co, self.settings, company);
        let mut found = lookup::match_items(tx, co, &items, filter, None).await?;
        let missing: Vec<usize> = (0..items.len()).filter(|&i| found[i].is_empty()).collect();
        if !missing.is_empty() {
            let pairs: Vec<&Map<String, Value>> = missing.iter().map(|&i| items[i].pairs).collect();
            if self.auto_create_for(tx, field, comodel, &pairs).await? > 0 {
                let retry: Vec<Item<'_>> = missing
                    .iter()
                    .map(|&i| Item {
                        path: items[i].path.clone(),
                        pairs: items[i].pairs,
                    })
                    .collect();
                let again = lookup::match_items(tx, co, &retry, filter, None).await?;
                for (&i, ids) in missing.iter().zip(again) {
                    found[i] = ids;
                }
            }
        }
        let still: Vec<&Map<String, Value>> = (0..items.len())
            .filter(|&i| found[i].is_empty())
            .map(|i| items[i].pairs)
            .collect();
        if !still.is_empty() {
            return Err(lookup::not_found(co, path, &still));
        }
        for (item, ids) in items.iter().zip(&found) {
            lookup::single(co, item, ids)?;
        }
        let mut ids: Vec<i64> = Vec::with_capacity(found.len());
        for id in found.into_iter().flatten() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(match mode {
            Mode::Replace => Some(json!([[6, 0, ids]])),
            Mode::Add if ids.is_empty() => None,
            Mode::Add => Some(Value::Array(ids.iter().map(|id| json!([4, id])).collect())),
        })
    }

    async fn one2many(
        &self,
        tx: &mut Tx,
        field: &str,
        comodel: &str,
        value: &Value,
        path: &Path,
        out: &mut Converted,
    ) -> CallResult<Option<Value>> {
        if let Some(source) = self.from_payload.source(path) {
            return Err(untrusted::no_lines(path, source));
        }
        let items = match value {
            Value::Array(items) => items,
            Value::Null | Value::Bool(false) => return Ok(Some(value.clone())),
            _ => {
                return Err(CallError::invalid(
                    path,
                    "expected a list of line objects or a list of commands",
                ));
            }
        };
        if let Some((at, source)) = (0..items.len())
            .map(|i| path.index(i))
            .find_map(|at| self.from_payload.source(&at).map(|s| (at.clone(), s)))
        {
            return Err(untrusted::no_lines(&at, source));
        }
        if !items.is_empty() && items.iter().all(Value::is_array) {
            return Ok(Some(value.clone()));
        }
        if let Some(i) = items.iter().position(|item| !item.is_object()) {
            return Err(CallError::invalid(
                &path.index(i),
                "expected a line object (line objects and commands cannot be mixed)",
            ));
        }
        let lines: Vec<&Map<String, Value>> = items.iter().filter_map(Value::as_object).collect();
        self.prefetch_line_lookups(tx, comodel, &lines, path).await;
        let mut commands = Vec::with_capacity(items.len());
        let mut files = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let line = item.as_object().expect("checked above");
            let converted = self.convert(tx, comodel, line, &path.index(i)).await?;
            commands.push(json!([0, 0, converted.vals]));
            files.push(converted.attachments);
        }
        if files.iter().any(|f| !f.is_empty()) {
            out.attachments.lines.push(LineFiles {
                field: field.to_string(),
                comodel: comodel.to_string(),
                per_line: files,
            });
        }
        out.replaced.push(field.to_string());
        Ok(Some(Value::Array(commands)))
    }

    /// Search the many2one lookups of several lines in one query per field instead of one per line.
    /// Only lookups that find exactly one record are kept: anything else (nothing found, several,
    /// a lookup the line itself will refuse) is searched again where the line is converted, which
    /// reports it with the line's path. A record found stays the only match while the call runs:
    /// `auto_create` only creates what no lookup found.
    async fn prefetch_line_lookups(
        &self,
        tx: &mut Tx,
        comodel: &str,
        lines: &[&Map<String, Value>],
        path: &Path,
    ) {
        let registry = self.registry.clone();
        let Some(m) = registry.model(comodel) else {
            return;
        };
        for field in m.fields() {
            let FieldType::Many2one {
                comodel: target, ..
            } = &field.kind
            else {
                continue;
            };
            let Some(co) = registry.model(target) else {
                continue;
            };
            // A line that names its company scopes its lookups to it: left to the line.
            let items: Vec<Item<'_>> = lines
                .iter()
                .enumerate()
                .filter(|(_, line)| !(m.is_company_scoped() && line.contains_key("company_id")))
                .filter_map(|(i, line)| match line.get(&field.name) {
                    Some(Value::Object(pairs)) => Some(Item {
                        path: path.index(i).key(&field.name),
                        pairs,
                    }),
                    _ => None,
                })
                .collect();
            if items.len() < 2 || items.iter().any(|i| lookup::check_item(co, i).is_err()) {
                continue;
            }
            let filter = lookup::company_filter(co, self.settings, self.env_company);
            let Ok(found) = lookup::match_items(tx, co, &items, filter, None).await else {
                continue;
            };
            let mut prefetched = self.prefetched.lock().expect("prefetch lock");
            for (item, ids) in items.iter().zip(found) {
                if let [id] = ids[..] {
                    prefetched.insert(prefetch_key(target, filter, item.pairs), id);
                }
            }
        }
    }

    /// Create the `auto_create` entries of `field` that cover one of `missing`; how many were made.
    async fn auto_create_for(
        &self,
        tx: &mut Tx,
        field: &str,
        comodel: &str,
        missing: &[&Map<String, Value>],
    ) -> CallResult<usize> {
        let entries = vals::auto_create_entries(self.auto_create, field);
        let listed = self.auto_create.get(field).is_some_and(Value::is_array);
        let mut chosen: Vec<usize> = Vec::new();
        for item in missing {
            for (i, entry) in entries.iter().enumerate() {
                if lookup::covers(entry, item) && !chosen.contains(&i) {
                    chosen.push(i);
                }
            }
        }
        for &i in &chosen {
            let base = Path::of("auto_create").key(field);
            let base = if listed { base.index(i) } else { base };
            self.create_friendly(tx, comodel, entries[i], &base).await?;
        }
        Ok(chosen.len())
    }

    /// Create a record from a friendly payload (an `auto_create` entry). Its own lookups do not
    /// auto-create again, as in ecosoft, so a chain of entries cannot loop.
    async fn create_friendly(
        &self,
        tx: &mut Tx,
        model: &str,
        payload: &Map<String, Value>,
        base: &Path,
    ) -> CallResult<i64> {
        let nested = Converter {
            auto_create: vals::empty(),
            ..self.clone()
        };
        let converted = nested.convert(tx, model, payload, base).await?;
        let id = tx
            .create(model, &converted.vals)
            .await
            .map_err(|e| CallError::from_store_at(e, base))?;
        attachment::store(tx, model, &[id], &converted.attachments).await?;
        Ok(id)
    }
}

/// What a lookup is: the comodel, the company it is filtered on, its pairs.
fn prefetch_key(comodel: &str, company: Option<i64>, pairs: &Map<String, Value>) -> String {
    format!("{comodel}|{company:?}|{}", lookup::quote(pairs))
}

fn comodel_of<'r>(registry: &'r Registry, comodel: &str) -> CallResult<&'r Model> {
    registry
        .model(comodel)
        .ok_or_else(|| CallError::Internal(format!("comodel '{comodel}' is not in the registry")))
}

/// The `mode` of a many2many `{"mode", "records"}` value (its `records` are read by
/// `untrusted::records`).
fn many2many_mode(field: &str, spec: &Map<String, Value>, path: &Path) -> CallResult<Mode> {
    if let Some(key) = spec
        .keys()
        .find(|k| !matches!(k.as_str(), "mode" | "records"))
    {
        return Err(CallError::invalid(
            &path.key(key),
            "a many2many value takes only 'mode' and 'records'",
        ));
    }
    match spec.get("mode") {
        None | Some(Value::Null) => Ok(Mode::Replace),
        Some(Value::String(m)) if m == "replace" => Ok(Mode::Replace),
        Some(Value::String(m)) if m == "add" => Ok(Mode::Add),
        Some(_) => Err(CallError::invalid(
            &path.key("mode"),
            format!("many2many field '{field}': 'mode' must be 'add' or 'replace'"),
        )),
    }
}

/// `attachment_ids` given as files rather than as the model's own field values.
fn is_file_list(value: &Value) -> bool {
    value.as_array().is_some_and(|items| {
        items
            .iter()
            .all(|item| item.as_object().is_some_and(|o| o.contains_key("datas")))
    })
}
