//! Try it: run a hook on a sample payload as a call of its URL would run (the same
//! `weft_inbound::hook::run` path, as the hook's owner, with the same checks and the signature
//! the hook requires, made with its signing secret), in a transaction that is rolled back unless
//! "keep the changes" is ticked; then show the reply and the records the actions changed. No HTTP
//! to this server, and no receive log: the log is of calls of the URL.

use super::page::{self, with_try};
use crate::Console;
use crate::form::Posted;
use crate::session::Admin;
use poem::web::{Data, Form, Path};
use poem::{Response, handler};
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_inbound::call::CallSettings;
use weft_inbound::hook::run::{self, Payload, Reply, Signed};
use weft_inbound::hook::stored::entity::Model as Hook;
use weft_registry::{FieldType, Registry};
use weft_store::{ChangeKind, RecordChange, SearchOptions};
use weft_webhook::signing::{Secret, headers, random_base62};

/// The panel: the payload to send, and what the last send did.
pub struct Panel {
    pub payload: String,
    pub keep: bool,
    /// The hook requires a signature: the console signs the sample as a sender would.
    pub signed: bool,
    pub result: Option<Tried>,
}

/// What a send did.
pub struct Tried {
    pub status: u16,
    /// The reply's body, pretty-printed.
    pub body: String,
    pub kept: bool,
    pub changes: Vec<Changed>,
}

/// One record the actions changed.
pub struct Changed {
    pub model: String,
    pub id: i64,
    /// `created`, `updated` or `deleted`.
    pub kind: &'static str,
    pub fields: Vec<FieldMove>,
}

pub struct FieldMove {
    pub field: String,
    /// Empty for a created record.
    pub before: String,
    pub after: String,
}

impl Panel {
    /// The panel before any send: a payload shaped as the hook reads it.
    pub async fn sample(admin: &Admin, console: &Console, hook: &Hook) -> Panel {
        let definition = page::definition(hook);
        let id = match definition["target"]["by"].as_str() {
            Some("model_id") => Some(newest_id(admin, console, &hook.model).await),
            _ => None,
        };
        let sample = sample_payload(console.store.registry(), hook, &definition, id);
        Panel {
            payload: serde_json::to_string_pretty(&sample).unwrap_or_default(),
            keep: false,
            signed: hook.require_signature,
            result: None,
        }
    }
}

/// The newest record of `model` the admin sees (1 when there is none), for the sample's `_id`.
async fn newest_id(admin: &Admin, console: &Console, model: &str) -> i64 {
    let options = SearchOptions {
        order: Some("id desc"),
        limit: Some(1),
        ..SearchOptions::default()
    };
    let Ok(tx) = console.store.begin_read(&admin.caller.env).await else {
        return 1;
    };
    let found = tx.search(model, &Domain::all(), &options).await;
    let _ = tx.rollback().await;
    found.ok().and_then(|ids| ids.first().copied()).unwrap_or(1)
}

/// `{"_model": ..., "_id": N}` for a `model_id` target, and every payload path the target and the
/// actions read, filled with an example of the field it goes to.
fn sample_payload(registry: &Registry, hook: &Hook, definition: &Value, id: Option<i64>) -> Value {
    let mut sample = Value::Object(Map::new());
    if let Some(id) = id {
        sample["_model"] = json!(hook.model);
        sample["_id"] = json!(id);
    }
    let mut refs: Vec<(String, Value)> = Vec::new();
    let example = |model: &str, field: &str| example(registry, model, field);
    collect(
        &definition["target"]["key"],
        &hook.model,
        None,
        &example,
        &mut refs,
    );
    for action in definition["actions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let model = action["model"].as_str().unwrap_or(&hook.model);
        collect(&action["values"], model, None, &example, &mut refs);
        collect(&action["parameter"], model, None, &example, &mut refs);
        for path in action["required"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Some(path) = path.as_str() {
                refs.push((path.to_string(), json!("example")));
            }
        }
    }
    for (path, value) in refs {
        put(&mut sample, &path, value);
    }
    sample
}

/// Every `{"$payload": path}` under `value`, with an example of the field it fills.
fn collect(
    value: &Value,
    model: &str,
    field: Option<&str>,
    example: &dyn Fn(&str, &str) -> Value,
    out: &mut Vec<(String, Value)>,
) {
    match value {
        Value::Object(map) => match map.get("$payload").and_then(Value::as_str) {
            Some(path) => out.push((path.to_string(), example(model, field.unwrap_or_default()))),
            None => map
                .iter()
                .for_each(|(key, v)| collect(v, model, Some(key), example, out)),
        },
        Value::Array(items) => items
            .iter()
            .for_each(|v| collect(v, model, field, example, out)),
        _ => {}
    }
}

/// An example value for `model.field` (a dotted key's first part), by its type.
fn example(registry: &Registry, model: &str, field: &str) -> Value {
    let name = field.split('.').next().unwrap_or(field);
    let kind = registry
        .model(model)
        .and_then(|m| m.field(name))
        .map(|f| &f.kind);
    match kind {
        Some(FieldType::Integer) => json!(1),
        Some(FieldType::Float | FieldType::Monetary) => json!(1.5),
        Some(FieldType::Boolean) => json!(true),
        Some(FieldType::Date) => json!("2026-01-01"),
        Some(FieldType::Datetime) => json!("2026-01-01 12:00:00"),
        _ => json!(format!("example {name}").trim().to_string()),
    }
}

/// Put `value` at payload path `path` (`a.b[0].c`) in `root`, unless something is there already.
fn put(root: &mut Value, path: &str, value: Value) {
    let mut here = root;
    for part in path.split('.') {
        let (key, indexes) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !here.is_object() {
            *here = Value::Object(Map::new());
        }
        here = here
            .as_object_mut()
            .expect("an object")
            .entry(key.to_string())
            .or_insert(Value::Null);
        for index in indexes.split('[').filter_map(|n| n.strip_suffix(']')) {
            let Ok(n) = index.parse::<usize>() else {
                return;
            };
            if !here.is_array() {
                *here = Value::Array(Vec::new());
            }
            let items = here.as_array_mut().expect("an array");
            while items.len() <= n {
                items.push(Value::Null);
            }
            here = &mut items[n];
        }
    }
    if here.is_null() {
        *here = value;
    }
}

/// `POST /console/inbound-hooks/{id}/try`: `payload` (the JSON body), `keep`.
#[handler]
pub async fn send(
    admin: Admin,
    console: Data<&Console>,
    id: Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let hook = match page::load(&admin, &console, id.0).await {
        Ok(hook) => hook,
        Err(refused) => return refused,
    };
    let form = Posted(pairs);
    let payload = form.get("payload").unwrap_or_default().to_string();
    let keep = form.flag("keep") == Some(Value::Bool(true));
    let tried = attempt(&console, &hook, payload.as_bytes(), keep).await;
    let panel = Panel {
        payload,
        keep,
        signed: hook.require_signature,
        result: Some(tried),
    };
    with_try(&admin, &console, &hook, panel).await
}

/// Run the hook on `body` as its URL would: 404 when it is off, the body read as a payload, the
/// signature made and checked when the hook requires one, then `run::try_run`.
async fn attempt(console: &Console, hook: &Hook, body: &[u8], keep: bool) -> Tried {
    if !hook.active {
        return shown(Reply::NotFound, Vec::new(), false);
    }
    let value = match run::read_body(body) {
        Ok(Some(value)) => value,
        Ok(None) => {
            let reply = Reply::BadRequest("the body must be a JSON object".into());
            return shown(reply, Vec::new(), false);
        }
        Err(reply) => return shown(reply, Vec::new(), false),
    };
    let settings = {
        let parameters = console.parameters.read().expect("parameters lock");
        CallSettings::from_parameters(&parameters, &console.allowed_targets)
    };
    let signature = sign(hook, body);
    let signed = match &signature {
        Some([id, timestamp, signature]) => Signed {
            id: Some(&id.1),
            timestamp: Some(&timestamp.1),
            signature: Some(&signature.1),
        },
        None => Signed::default(),
    };
    let verified = match run::verify(hook, body, false, &signed) {
        Ok(verified) => verified,
        Err(reply) => return shown(reply, Vec::new(), false),
    };
    let sent = Payload { value: &value };
    let tried = run::try_run(&console.store, &settings, hook, &sent, verified, keep).await;
    if tried.kept {
        tracing::info!(
            hook = hook.id,
            "inbound hook tried from the console, changes kept"
        );
    }
    shown(tried.reply, tried.changes, tried.kept)
}

/// The Standard Webhooks headers a sender with the hook's signing secret would send.
fn sign(hook: &Hook, body: &[u8]) -> Option<[(&'static str, String); 3]> {
    if !hook.require_signature {
        return None;
    }
    let secret = Secret::parse(&hook.signing_secret).ok()?;
    let id = format!("msg_console_{}", random_base62(20));
    Some(headers(
        &[&secret],
        &id,
        chrono::Utc::now().timestamp(),
        body,
    ))
}

fn shown(reply: Reply, changes: Vec<RecordChange>, kept: bool) -> Tried {
    Tried {
        status: reply.status(),
        body: serde_json::to_string_pretty(&reply.body()).unwrap_or_default(),
        kept,
        changes: changes.iter().map(changed).collect(),
    }
}

/// The bookkeeping a created record has that says nothing about the hook.
const BOOKKEEPING: [&str; 3] = ["id", "create_date", "create_uid"];

fn changed(change: &RecordChange) -> Changed {
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let fields = change
        .changed_fields()
        .into_iter()
        .filter(|c| !BOOKKEEPING.contains(&c.field))
        .map(|c| FieldMove {
            field: c.field.to_string(),
            before: text(c.old),
            after: text(c.new),
        })
        .collect();
    Changed {
        model: change.model.clone(),
        id: change.id,
        kind: match change.kind {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
        },
        fields,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_make_the_shape_the_hook_reads() {
        let mut sample = json!({});
        put(&mut sample, "customer.code", json!("C1"));
        put(&mut sample, "lines[1].sku", json!("S"));
        put(&mut sample, "customer.code", json!("again"));
        put(&mut sample, "name", json!("Ada"));
        assert_eq!(
            sample,
            json!({"customer": {"code": "C1"}, "lines": [null, {"sku": "S"}], "name": "Ada"})
        );
    }
}
