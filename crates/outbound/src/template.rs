//! The payload of an outbound rule: ecosoft's object template (research §12.5, 18.0.4.2.0) rendered
//! for one record, so a rule written for `usability_webhooks` sends the same body from Weft.
//!
//! Keys are kept; a string that is exactly `{path}` or `{path:format}` is replaced by what the
//! path reads, anything else is sent literally; a one-item list under an x2many key is repeated per
//! related record. Where Weft differs (DESIGN.md §6): `{many2one}` renders the id rather than
//! `"res.partner(3,)"`, a plain path ending on an x2many renders its ids, and `{@method}` calls are
//! not supported, so they stay literal strings. A path that cannot be read renders `null`, as
//! ecosoft's swallowed exceptions do; only database errors fail the render.
//!
//! Rows are read through `Tx::stored_rows` and cached for the whole render; following a relation
//! reads its targets for every cached record of the model at once (Odoo's prefetch), so a template
//! over an order's lines costs a query per path step, not one per line.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use weft_registry::value::{DATE_FORMAT, DATETIME_FORMAT};
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

/// The words of every object key and `{path}` in `template`, at any depth.
fn names(template: &Map<String, Value>) -> HashSet<String> {
    fn walk(value: &Value, out: &mut HashSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    out.insert(key.trim().to_string());
                    walk(value, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            Value::String(text) => {
                if let Some((path, _)) = parse(text.trim()) {
                    out.extend(path.split('.').map(str::to_string));
                }
            }
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for (key, value) in template {
        out.insert(key.trim().to_string());
        walk(value, &mut out);
    }
    out
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

/// `{path}` or `{path:format}` filling the whole (trimmed) string: the path is word characters and
/// dots, the format word characters. `{@method}` is neither, so it stays literal.
fn parse(text: &str) -> Option<(&str, Option<&str>)> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    let (path, format) = match inner.split_once(':') {
        Some((path, format)) => (path, Some(format)),
        None => (inner, None),
    };
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let path_ok = !path.is_empty() && path.chars().all(|c| word(c) || c == '.');
    let format_ok = format.is_none_or(|f| !f.is_empty() && f.chars().all(word));
    (path_ok && format_ok).then_some((path, format))
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
fn ids_of(cell: &Value) -> Vec<i64> {
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

/// The `{path:format}` result: blank values dropped (`false` and 0 kept, as Python's
/// `v or v == 0`), each converted, then one value as itself, several (or `join`) as a `", "`-joined
/// string, none as `""`. None (→ null) when the format does not apply to the values.
fn formatted(format: &str, kind: &FieldType, values: Vec<Value>, language: &str) -> Option<Value> {
    if format == "label" && !matches!(kind, FieldType::Selection(_)) {
        return None;
    }
    let values = values
        .into_iter()
        .filter(|v| !is_blank(v))
        .map(|v| convert(format, kind, v, language))
        .collect::<Option<Vec<Value>>>()?;
    Some(match values.as_slice() {
        [one] if format != "join" => one.clone(),
        _ => Value::from(values.iter().map(python_str).collect::<Vec<_>>().join(", ")),
    })
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(entries) => entries.is_empty(),
        _ => false,
    }
}

/// One value through a format; unknown formats leave it as it is.
fn convert(format: &str, kind: &FieldType, value: Value, language: &str) -> Option<Value> {
    match (format, kind) {
        ("label", FieldType::Selection(selection)) => {
            Some(Value::from(selection.label(value.as_str()?, language)?))
        }
        ("label", _) => None,
        ("date", _) => date_only(&value).map(Value::from),
        ("text", _) => Some(Value::from(html_to_text(&python_str(&value)))),
        _ => Some(value),
    }
}

/// A stored datetime (`YYYY-MM-DD HH:MM:SS`, UTC) or date as `YYYY-MM-DD`.
fn date_only(value: &Value) -> Option<String> {
    let text = value.as_str()?;
    let date = NaiveDateTime::parse_from_str(text, DATETIME_FORMAT)
        .map(|at| at.date())
        .or_else(|_| NaiveDate::parse_from_str(text, DATE_FORMAT))
        .ok()?;
    Some(date.format(DATE_FORMAT).to_string())
}

/// A value as Python's `str()` prints it: `True`/`False`, numbers and JSON as JSON, text as is.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// Odoo's `html2plaintext`: `<b>`/`<strong>`/`<h3>` → `*x*`, `<h1>`/`<h2>` → `**x**`, `<em>` →
/// `/x/`, a line break for `</p>`, `<br>` and `<tr>`, other tags → a space, links numbered with
/// their URLs listed at the end, lines trimmed. Like Odoo's string replaces, the emphasis markers
/// apply to tags without attributes only.
fn html_to_text(html: &str) -> String {
    if html.trim().is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(html.len());
    let mut links = Links::default();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let Some(length) = rest[start..].find('>') else {
            break;
        };
        out.push_str(&rest[..start]);
        out.push_str(&tag_text(&rest[start + 1..start + length], &mut links));
        rest = &rest[start + length + 1..];
    }
    out.push_str(rest);
    let text = decode_entities(&out.replace("  ", " "));
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut text = lines.join("\n").replace("\n\n", "\n");
    if !links.urls.is_empty() {
        text.push_str("\n\n");
        for (n, url) in links.urls.iter().enumerate() {
            text.push_str(&format!("[{}] {url}\n", n + 1));
        }
    }
    text.trim().to_string()
}

/// The links of an HTML text: their URLs in order, and the reference number of each open `<a>`.
#[derive(Default)]
struct Links {
    urls: Vec<String>,
    open: Vec<Option<usize>>,
}

/// What one tag (the text between `<` and `>`) becomes.
fn tag_text(tag: &str, links: &mut Links) -> String {
    let closing = tag.starts_with('/');
    let body = tag.trim_start_matches('/').trim_end_matches('/').trim();
    let name = body
        .split(char::is_whitespace)
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let bare = body.len() == name.len();
    match (name.as_str(), closing) {
        ("b" | "strong" | "h3", _) if bare => "*".into(),
        ("h1" | "h2", _) if bare => "**".into(),
        ("em", _) if bare => "/".into(),
        ("br" | "tr", false) if bare => "\n".into(),
        ("p", true) => "\n".into(),
        ("a", false) => {
            let number = href(body).map(|url| {
                links.urls.push(url);
                links.urls.len()
            });
            links.open.push(number);
            " ".into()
        }
        ("a", true) => match links.open.pop().flatten() {
            Some(number) => format!(" [{number}] "),
            None => " ".into(),
        },
        _ => " ".into(),
    }
}

/// The `href` of an `<a ...>` tag body, quoted or not.
fn href(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("href=")? + "href=".len();
    let value = body.get(start..)?;
    let url = match value.chars().next()? {
        quote @ ('"' | '\'') => value[1..].split(quote).next()?,
        _ => value.split(char::is_whitespace).next()?,
    };
    (!url.is_empty()).then(|| decode_entities(url))
}

/// HTML character references (`&amp;`, `&nbsp;`, `&#39;`, `&#x27;`...); unknown ones stay text.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let name = rest[1..].split_once(';').map(|(name, _)| name);
        match name.filter(|n| n.len() <= 10).and_then(entity) {
            Some((c, length)) => {
                out.push(c);
                rest = &rest[length + 2..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character an entity name stands for, with the name's length.
fn entity(name: &str) -> Option<(char, usize)> {
    let c = match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{a0}',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, name.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use weft_registry::Registry;
    use weft_store::testing::each_backend;
    use weft_store::{Env, Store};

    fn obj(value: Value) -> Map<String, Value> {
        value.as_object().expect("an object").clone()
    }

    async fn create(store: &Store, model: &str, vals: Value) -> i64 {
        let mut tx = store.begin(&Env::superuser()).await.expect("begin");
        let id = tx.create(model, &obj(vals)).await.expect("create");
        tx.commit().await.expect("commit");
        id
    }

    async fn rendered(store: &Store, model: &str, id: i64, template: Value, lang: &str) -> Value {
        let tx = store.begin(&Env::superuser()).await.expect("begin");
        let out = render(&tx, model, id, &obj(template), lang).await;
        tx.rollback().await.expect("rollback");
        out.expect("render")
    }

    /// The records every test reads: two tags, a company with both and an HTML note, its contact
    /// with one tag, a partner with none, and two orders (one line; two lines).
    struct Fixtures {
        tag_a: i64,
        tag_b: i64,
        company: i64,
        contact: i64,
        solo: i64,
        order: i64,
        order_lines: Vec<i64>,
        big_order: i64,
    }

    async fn fixtures(store: &Store) -> Fixtures {
        let tag_a = create(store, "res.partner.category", json!({"name": "A"})).await;
        let tag_b = create(store, "res.partner.category", json!({"name": "B"})).await;
        let company = create(
            store,
            "res.partner",
            json!({"name": "ABC Co.", "company_type": "company",
                   "category_id": [[6, 0, [tag_a, tag_b]]],
                   "comment": "<p>Hello <b>world</b></p>"}),
        )
        .await;
        let contact = create(
            store,
            "res.partner",
            json!({"name": "Bob", "parent_id": company, "category_id": [[6, 0, [tag_a]]]}),
        )
        .await;
        let solo = create(store, "res.partner", json!({"name": "Solo"})).await;
        let product_a = create(store, "product.product", json!({"name": "Product A"})).await;
        let product_b = create(store, "product.product", json!({"name": "Product B"})).await;
        let order = create(
            store,
            "sale.order",
            json!({"name": "SO001", "partner_id": company, "state": "sale",
                   "date_order": "2026-11-22 09:30:00",
                   "order_line": [[0, 0, {"product_id": product_a, "product_uom_qty": 2}]]}),
        )
        .await;
        let big_order = create(
            store,
            "sale.order",
            json!({"name": "SO002", "partner_id": contact,
                   "order_line": [[0, 0, {"product_id": product_a, "product_uom_qty": 2}],
                                  [0, 0, {"product_id": product_b, "product_uom_qty": 3.5}]]}),
        )
        .await;
        let tx = store.begin(&Env::superuser()).await.expect("begin");
        let rows = tx.stored_rows("sale.order", &[order]).await.expect("read");
        let order_lines = ids_of(&rows[&order]["order_line"]);
        tx.rollback().await.expect("rollback");
        Fixtures {
            tag_a,
            tag_b,
            company,
            contact,
            solo,
            order,
            order_lines,
            big_order,
        }
    }

    #[tokio::test]
    async fn the_research_example_renders_as_documented() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"request_code": "{name}",
                "data": {"id": "{id}", "state": "{state:label}",
                "partner": "{partner_id.name}",
                "order_line": [{"product": "{product_id.name}", "qty": "{product_uom_qty}"}]}});
            assert_eq!(
                rendered(&store, "sale.order", f.order, template, "en_US").await,
                json!({"request_code": "SO001", "data": {"id": f.order, "state": "Sales Order",
                    "partner": "ABC Co.", "order_line": [{"product": "Product A", "qty": 2.0}]}})
            );
        })
        .await;
    }

    /// Ecosoft case 13, and what is not a template: longer strings, method calls (case 20 and 21
    /// as amended: `{@...}` stays literal), broken braces, non-string scalars.
    #[tokio::test]
    async fn case_13_fields_and_everything_else_sent_as_is() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"request_code": "{name}", "app": "MyApp",
                "data": {"id": "{id}", "state": "{state}"},
                "padded": "  {name} ", "sentence": "SO {name}", "echo": "{@_webhook_echo}",
                "echo_args": "{@_webhook_echo(one, two)}", "unlink": "{@unlink}",
                "missing": "{@_webhook_missing}", "open": "{name", "no_format": "{name:}",
                "empty": "{}", "two": "{name}{id}", "spaced": "{ name }",
                "count": 3, "ratio": 1.5, "flag": true, "nothing": null});
            let mut expected = template.clone();
            expected["request_code"] = json!("SO001");
            expected["data"] = json!({"id": f.order, "state": "sale"});
            expected["padded"] = json!("SO001");
            assert_eq!(
                rendered(&store, "sale.order", f.order, template, "en_US").await,
                expected
            );
        })
        .await;
    }

    /// Case 14 as amended: a many2one renders its id, an empty one `false`; unknown fields `null`.
    #[tokio::test]
    async fn case_14_paths_read_fields_many2one_ids_and_unknown_fields_null() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"name": "{name}", "company": "{parent_id.name}",
                "parent": "{parent_id}", "grandparent": "{parent_id.parent_id}",
                "grandparent_name": "{parent_id.parent_id.name}", "email": "{email}",
                "rank": "{customer_rank}", "active": "{active}", "id": "{id}",
                "tags": "{category_id}", "children": "{child_ids}",
                "siblings": "{parent_id.child_ids}", "unknown": "{nope}",
                "unknown_related": "{parent_id.nope}", "past_a_scalar": "{name.upper}",
                "empty_segment": "{parent_id..name}", "plain": "just text"});
            assert_eq!(
                rendered(&store, "res.partner", f.contact, template, "en_US").await,
                json!({"name": "Bob", "company": "ABC Co.", "parent": f.company,
                    "grandparent": false, "grandparent_name": false, "email": false, "rank": 0,
                    "active": true, "id": f.contact, "tags": [f.tag_a], "children": [],
                    "siblings": [f.contact], "unknown": null, "unknown_related": null,
                    "past_a_scalar": null, "empty_segment": null, "plain": "just text"})
            );
            let order = json!({"partner": "{partner_id}", "lines": "{order_line}"});
            assert_eq!(
                rendered(&store, "sale.order", f.order, order, "en_US").await,
                json!({"partner": f.company, "lines": f.order_lines})
            );
        })
        .await;
    }

    /// Cases 14c and 17: a plain path dies on a multi-record x2many (`null`), goes through a
    /// single one, reads `false` past an empty one; a formatted path maps across all of them.
    #[tokio::test]
    async fn case_14c_17_x2many_on_the_way_plain_and_mapped() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"plain": "{category_id.name}", "join": "{category_id.name:join}",
                "unknown_format": "{category_id.name:shout}", "ids": "{category_id:join}",
                "one_id": "{category_id:raw}"});
            assert_eq!(
                rendered(&store, "res.partner", f.company, template.clone(), "en_US").await,
                json!({"plain": null, "join": "A, B", "unknown_format": "A, B",
                    "ids": format!("{}, {}", f.tag_a, f.tag_b),
                    "one_id": format!("{}, {}", f.tag_a, f.tag_b)})
            );
            assert_eq!(
                rendered(&store, "res.partner", f.contact, template.clone(), "en_US").await,
                json!({"plain": "A", "join": "A", "unknown_format": "A",
                    "ids": f.tag_a.to_string(), "one_id": f.tag_a})
            );
            assert_eq!(
                rendered(&store, "res.partner", f.solo, template, "en_US").await,
                json!({"plain": false, "join": "", "unknown_format": "", "ids": "", "one_id": ""})
            );
            let lines = json!({"products": "{order_line.product_id.name:join}",
                "product": "{order_line.product_id.name}", "bad": "{order_line.nope:join}",
                "past_a_scalar": "{order_line.name.x:join}"});
            assert_eq!(
                rendered(&store, "sale.order", f.big_order, lines, "en_US").await,
                json!({"products": "Product A, Product B", "product": null, "bad": null,
                    "past_a_scalar": null})
            );
        })
        .await;
    }

    /// Cases 14d and 14e: a one-item list under an x2many key repeats per related record; under any
    /// other key, or with more items, it is resolved item by item against the record itself.
    #[tokio::test]
    async fn case_14d_14e_one_item_lists() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"category_id": [{"cat_name": "{name}", "cat_id": "{id}"}],
                " category_id ": ["{name}"], "custom_tag": [{"tag": "{name}"}],
                "email": ["{name}"], "child_ids": ["{name}", "{id}"], "nested": [["{name}"]]});
            assert_eq!(
                rendered(&store, "res.partner", f.company, template.clone(), "en_US").await,
                json!({"category_id": [{"cat_name": "A", "cat_id": f.tag_a},
                                       {"cat_name": "B", "cat_id": f.tag_b}],
                    " category_id ": ["A", "B"], "custom_tag": [{"tag": "ABC Co."}],
                    "email": ["ABC Co."], "child_ids": ["ABC Co.", f.company],
                    "nested": [["ABC Co."]]})
            );
            let solo = rendered(&store, "res.partner", f.solo, template, "en_US").await;
            assert_eq!(solo["category_id"], json!([]));
            let order = json!({"order_line": [{"product": "{product_id.name}",
                "order": "{order_id.name}",
                "customer_tags": "{order_id.partner_id.category_id.name:join}"}]});
            assert_eq!(
                rendered(&store, "sale.order", f.big_order, order, "en_US").await,
                json!({"order_line": [
                    {"product": "Product A", "order": "SO002", "customer_tags": "A"},
                    {"product": "Product B", "order": "SO002", "customer_tags": "A"}]})
            );
        })
        .await;
    }

    /// Case 16: `:label` gives the selection label in the language asked (declared label when it
    /// has no translation); the plain form the key; `:label` on another type `null`.
    #[tokio::test]
    async fn case_16_labels_are_translated_and_only_for_selections() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"label": "{company_type:label}", "key": "{company_type}",
                "children": "{child_ids.company_type:label}", "not_selection": "{name:label}",
                "relational": "{category_id:label}"});
            let expected = |label: &str, child: &str| {
                json!({"label": label, "key": "company", "children": child,
                    "not_selection": null, "relational": null})
            };
            let company = async |lang| {
                rendered(&store, "res.partner", f.company, template.clone(), lang).await
            };
            assert_eq!(company("fr_FR").await, expected("Société", "Particulier"));
            assert_eq!(company("en_US").await, expected("Company", "Individual"));
            assert_eq!(company("de_DE").await, expected("Company", "Individual"));
            let state = json!({"state": "{state:label}"});
            assert_eq!(
                rendered(&store, "sale.order", f.order, state, "fr_FR").await,
                json!({"state": "Bon de commande"})
            );
        })
        .await;
    }

    /// Cases 18 and 19: `:date` keeps the date of a datetime or date, `:text` turns HTML into
    /// Odoo's plain text, and an empty value gives `""`.
    #[tokio::test]
    async fn case_18_19_dates_and_text() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let tx = store.begin(&Env::superuser()).await.expect("begin");
            let rows = tx
                .stored_rows("res.partner", &[f.company])
                .await
                .expect("read");
            tx.rollback().await.expect("rollback");
            let created = rows[&f.company]["create_date"]
                .as_str()
                .expect("a create_date")
                .to_string();
            let template = json!({"text": "{comment:text}", "created": "{create_date:date}",
                "not_a_date": "{name:date}"});
            assert_eq!(
                rendered(&store, "res.partner", f.company, template.clone(), "en_US").await,
                json!({"text": "Hello *world*", "created": &created[..10], "not_a_date": null})
            );
            let contact = rendered(&store, "res.partner", f.contact, template, "en_US").await;
            assert_eq!(contact["text"], json!(""));
            let order = json!({"date": "{date_order:date}", "raw": "{date_order}",
                "joined": "{date_order:join}", "lines": "{order_line.product_id.name:date}"});
            assert_eq!(
                rendered(&store, "sale.order", f.order, order, "en_US").await,
                json!({"date": "2026-11-22", "raw": "2026-11-22 09:30:00",
                    "joined": "2026-11-22 09:30:00", "lines": null})
            );
        })
        .await;
    }

    /// Case 22: formatted templates resolve wherever they are nested.
    #[tokio::test]
    async fn case_22_formats_nested_in_objects_and_lines() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let template = json!({"data": {"meta": {"state": "{state:label}",
                "lines": {"order_line": [{"state": "{order_id.state:label}",
                    "tags": {"of_customer": "{order_id.partner_id.category_id.name:join}"}}]}}}});
            assert_eq!(
                rendered(&store, "sale.order", f.order, template, "fr_FR").await,
                json!({"data": {"meta": {"state": "Bon de commande", "lines": {"order_line": [
                    {"state": "Bon de commande", "tags": {"of_customer": "A, B"}}]}}}})
            );
        })
        .await;
    }

    /// Joined values print as Python would; `false` and 0 are values, not blanks.
    #[tokio::test]
    async fn joined_values_print_as_python_and_keep_false_and_zero() {
        each_backend(Registry::demo, async |store, _| {
            let f = fixtures(&store).await;
            let old = json!({"name": "Old", "active": false});
            let archived = create(&store, "res.partner", old).await;
            let partner = json!({"active_join": "{active:join}", "active": "{active:x}",
                "rank_join": "{customer_rank:join}", "rank": "{customer_rank:x}"});
            assert_eq!(
                rendered(&store, "res.partner", archived, partner.clone(), "en_US").await,
                json!({"active_join": "False", "active": false, "rank_join": "0", "rank": 0})
            );
            let tags = json!({"active": "{category_id.active:join}"});
            assert_eq!(
                rendered(&store, "res.partner", f.company, tags, "en_US").await,
                json!({"active": "True, True"})
            );
            let order = json!({"qty": "{order_line.product_uom_qty:join}",
                "qty_plain": "{order_line.product_uom_qty}",
                "qty_raw": "{order_line.product_uom_qty:x}"});
            assert_eq!(
                rendered(&store, "sale.order", f.big_order, order, "en_US").await,
                json!({"qty": "2.0, 3.5", "qty_plain": null, "qty_raw": "2.0, 3.5"})
            );
            let line = json!({"qty": "{product_uom_qty:join}", "qty_raw": "{product_uom_qty:x}"});
            assert_eq!(
                rendered(&store, "sale.order.line", f.order_lines[0], line, "en_US").await,
                json!({"qty": "2.0", "qty_raw": 2.0})
            );
        })
        .await;
    }

    #[tokio::test]
    async fn a_missing_record_or_model_is_an_error() {
        each_backend(Registry::demo, async |store, _| {
            let tx = store.begin(&Env::superuser()).await.expect("begin");
            let template = obj(json!({"name": "{name}"}));
            let missing = render(&tx, "res.partner", 999_999, &template, "en_US").await;
            assert!(
                matches!(missing, Err(StoreError::NotFound { .. })),
                "{missing:?}"
            );
            let unknown = render(&tx, "no.such.model", 1, &template, "en_US").await;
            assert!(
                matches!(unknown, Err(StoreError::UnknownModel(_))),
                "{unknown:?}"
            );
            tx.rollback().await.expect("rollback");
        })
        .await;
    }

    #[test]
    fn html_becomes_plain_text_as_odoo_does() {
        assert_eq!(html_to_text("<p>Hello <b>world</b></p>"), "Hello *world*");
        assert_eq!(html_to_text("  "), "");
        assert_eq!(
            html_to_text(
                "<h1>Title</h1><p>One<br/>Two &amp; <em>three</em></p><p>x&nbsp;&lt;y&gt;</p>"
            ),
            "**Title** One\nTwo & /three/\nx\u{a0}<y>"
        );
        assert_eq!(
            html_to_text("<p>See <a href=\"https://a.example/?q=1&amp;r=2\">site</a> now</p>"),
            "See site [1] now\n\n[1] https://a.example/?q=1&r=2"
        );
        assert_eq!(
            html_to_text("<b class=\"x\">bold</b> 1 < 2 &bogus; &#39;"),
            "bold* 1 < 2 &bogus; '"
        );
        assert_eq!(html_to_text("<p>unclosed <b"), "unclosed <b");
    }

    /// The caller renders from a change hook, whose futures must be `Send`.
    #[allow(dead_code)]
    fn render_is_send(tx: &Tx, template: &Map<String, Value>) {
        fn send<T: Send>(_: T) {}
        send(render(tx, "res.partner", 1, template, "en_US"));
    }
}
