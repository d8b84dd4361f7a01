//! Outbound rules (research §12 as DESIGN.md §6 and §12 amend it): when a record of `model` comes
//! to match `trigger_domain` (`transition`, the default: it did not match before the change, or was
//! created matching) or is written on a domain field and still matches (`matching_write`, ecosoft's
//! rule), POST a payload to a static URL or to the record's own callback URL. Here: the rule as the
//! hook uses it, and its admin operations (`/api/v1/outbound-rules`).
//!
//! A record's callback URL is chosen by the integration caller that wrote the record, so the
//! rule's `auth_header` goes only to the hosts the rule names (`credential_hosts`): its static
//! URL's host and its `allowed_callback_hosts`.

use crate::entity::rule;
use crate::source::{self, Input, Limits, Signing, SourceError, invalid};
use sea_orm::{ActiveModelTrait, ActiveValue, EntityTrait, QueryOrder, TryIntoModel};
use serde_json::{Map, Value, json};
use weft_domain::{Domain, Token};
use weft_registry::Registry;
use weft_registry::field_spec::{self, FieldSpec};
use weft_store::Store;
use weft_webhook::hosts::{CredentialHosts, parse_host};
use weft_webhook::targets::AllowedTargets;

/// Entries of `allowed_callback_hosts` at most.
const MAX_CALLBACK_HOSTS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Transition,
    MatchingWrite,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    Static(String),
    /// The record's `callback_url` (`weft_record_callback`).
    Record,
}

/// What the rule sends (research §12.5).
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// `{"id": N}`: no `payload_fields`.
    Id,
    /// The object template.
    Template(Map<String, Value>),
    /// The legacy field list, expanded as `search_data` does.
    Fields(Vec<FieldSpec>),
}

/// An active rule, ready for the hook.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub model: String,
    pub domain: Domain,
    /// Top-level field names the domain's terms use (`partner_id.name` counts as `partner_id`).
    pub domain_fields: Vec<String>,
    pub mode: Mode,
    pub endpoint: Endpoint,
    pub payload: Payload,
    pub auth_header: Option<String>,
    /// Hosts of record callback URLs `auth_header` may be sent to.
    pub allowed_callback_hosts: Vec<String>,
    pub limits: Limits,
    pub signing: Signing,
}

impl Rule {
    /// Read a stored rule (it was checked when written; a failure here is a corrupt row).
    pub fn from_row(row: &rule::Model, registry: &Registry) -> Result<Rule, String> {
        let domain = Domain::parse_text(&row.trigger_domain).map_err(|e| e.to_string())?;
        // The schema may have changed since the rule was written.
        let options = weft_domain::BindOptions { active_test: false };
        domain
            .bind(registry, &row.model, &options)
            .map_err(|e| format!("trigger_domain: {e}"))?;
        let domain_fields = top_level_fields(&domain);
        let payload = payload(row.payload_fields.as_deref(), registry, &row.model)
            .map_err(|e| e.to_string())?;
        Ok(Rule {
            id: row.id,
            name: row.name.clone(),
            model: row.model.clone(),
            domain,
            domain_fields,
            mode: if row.mode == "matching_write" {
                Mode::MatchingWrite
            } else {
                Mode::Transition
            },
            endpoint: match (&*row.endpoint_source, &row.endpoint_url) {
                ("static", Some(url)) => Endpoint::Static(url.clone()),
                _ => Endpoint::Record,
            },
            payload,
            auth_header: row.auth_header.clone(),
            allowed_callback_hosts: stored_hosts(row),
            limits: Limits::from_columns(row.timeout_s, row.max_retries),
            signing: Signing::from_columns(
                &row.secret,
                row.previous_secret.as_deref(),
                row.previous_secret_until,
            )?,
        })
    }

    /// The hosts `auth_header` may be sent to: the static URL's and `allowed_callback_hosts`.
    pub fn credential_hosts(&self) -> CredentialHosts {
        let hosts = CredentialHosts::new(&self.allowed_callback_hosts);
        match &self.endpoint {
            Endpoint::Static(url) => hosts.with_host_of(url),
            Endpoint::Record => hosts,
        }
    }
}

/// `allowed_callback_hosts` as stored (a JSON list; NULL or unreadable is none).
fn stored_hosts(row: &rule::Model) -> Vec<String> {
    row.allowed_callback_hosts
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

/// `allowed_callback_hosts` as sent: a list of bare host names or IP addresses, each read as a
/// URL's host is; absent or null is none.
fn callback_hosts(input: &Input) -> Result<Vec<String>, SourceError> {
    const FIELD: &str = "allowed_callback_hosts";
    let items = match input.raw(FIELD) {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) if items.len() > MAX_CALLBACK_HOSTS => {
            return Err(invalid(
                FIELD,
                format!("holds at most {MAX_CALLBACK_HOSTS} hosts"),
            ));
        }
        Value::Array(items) => items,
        _ => return Err(invalid(FIELD, "expected a list of host names")),
    };
    let mut hosts = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let field = format!("{FIELD}[{i}]");
        let text = item
            .as_str()
            .ok_or_else(|| invalid(&field, "expected a host name string"))?;
        let host = parse_host(text).map_err(|e| invalid(&field, e.to_string()))?;
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    Ok(hosts)
}

fn top_level_fields(domain: &Domain) -> Vec<String> {
    let mut fields: Vec<String> = domain
        .tokens()
        .iter()
        .filter_map(|t| match t {
            Token::Term(term) => Some(term.path.split('.').next().unwrap_or("").to_string()),
            _ => None,
        })
        .collect();
    fields.sort();
    fields.dedup();
    fields
}

/// `payload_fields`: empty, a JSON object template, or a JSON list of field specs.
fn payload(text: Option<&str>, registry: &Registry, model: &str) -> Result<Payload, SourceError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(Payload::Id);
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|e| invalid("payload_fields", format!("is not JSON: {e}")))?;
    match value {
        Value::Object(template) => Ok(Payload::Template(template)),
        Value::Array(items) if items.is_empty() => Ok(Payload::Id),
        Value::Array(items) => {
            let mut specs = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let text = item.as_str().ok_or_else(|| {
                    invalid(
                        &format!("payload_fields[{i}]"),
                        "expected a field spec string",
                    )
                })?;
                specs.extend(
                    field_spec::parse(text)
                        .map_err(|e| invalid(&format!("payload_fields[{i}]"), e.to_string()))?,
                );
            }
            let specs = field_spec::merge(specs);
            field_spec::check(registry, model, &specs)
                .map_err(|e| invalid("payload_fields", e.to_string()))?;
            Ok(Payload::Fields(specs))
        }
        _ => Err(invalid(
            "payload_fields",
            "expected a JSON object template or a list of field specs",
        )),
    }
}

/// The fields a rule is written with (the API's `NewOutboundRule`, and the stored id).
pub const FIELDS: [&str; 15] = [
    "name",
    "active",
    "model",
    "trigger_domain",
    "mode",
    "endpoint_source",
    "endpoint_url",
    "payload_fields",
    "auth_header",
    "allowed_callback_hosts",
    "note",
    "timeout_s",
    "max_retries",
    "secret",
    "id",
];

/// The rule as the API shows it. The `Authorization` value is a credential: only its scheme shows.
pub fn view(row: &rule::Model) -> Value {
    let payload_fields = row
        .payload_fields
        .as_deref()
        .map(|t| serde_json::from_str::<Value>(t).unwrap_or_else(|_| Value::from(t)));
    json!({
        "id": row.id,
        "name": row.name,
        "active": row.active,
        "model": row.model,
        "trigger_domain": serde_json::from_str::<Value>(&row.trigger_domain).unwrap_or(Value::Null),
        "mode": row.mode,
        "endpoint_source": row.endpoint_source,
        "endpoint_url": row.endpoint_url,
        "payload_fields": payload_fields,
        "auth_header": row.auth_header.as_deref().map(mask_credential),
        "allowed_callback_hosts": stored_hosts(row),
        "note": row.note,
        "timeout_s": row.timeout_s,
        "max_retries": row.max_retries,
        "create_date": source::odoo_datetime(row.create_date),
        "write_date": source::odoo_datetime(row.write_date),
    })
}

/// `Bearer abc123` -> `Bearer ***`.
fn mask_credential(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} ***"),
        None => "***".into(),
    }
}

/// Check `input` (merged over the stored rule when updating) into the columns of a rule.
fn checked(
    input: &Input,
    registry: &Registry,
    allowed: &AllowedTargets,
    row: &mut rule::ActiveModel,
) -> Result<(), SourceError> {
    let model = source::model(input, registry)?;
    let domain = input
        .domain("trigger_domain", registry, &model)?
        .ok_or_else(|| invalid("trigger_domain", "is required"))?;
    let endpoint_source = input.choice("endpoint_source", &["static", "record"], Some("record"))?;
    let endpoint_url = input.text("endpoint_url")?;
    match &endpoint_url {
        Some(url) => {
            allowed
                .check_url(url)
                .map_err(|reason| invalid("endpoint_url", reason.to_string()))?;
        }
        None if endpoint_source == "static" => {
            return Err(invalid(
                "endpoint_url",
                "is required when endpoint_source is static",
            ));
        }
        None => {}
    }
    let payload_text = match input.has("payload_fields") {
        true => payload_text(input)?,
        false => None,
    };
    payload(payload_text.as_deref(), registry, &model)?;
    row.name = ActiveValue::Set(input.required_text("name")?);
    row.active = ActiveValue::Set(input.flag("active", true)?);
    row.model = ActiveValue::Set(model);
    row.trigger_domain = ActiveValue::Set(domain.to_json().to_string());
    row.mode = ActiveValue::Set(input.choice(
        "mode",
        &["transition", "matching_write"],
        Some("transition"),
    )?);
    row.endpoint_source = ActiveValue::Set(endpoint_source);
    row.endpoint_url = ActiveValue::Set(endpoint_url);
    row.payload_fields = ActiveValue::Set(payload_text);
    row.auth_header = ActiveValue::Set(input.text("auth_header")?);
    let hosts = callback_hosts(input)?;
    row.allowed_callback_hosts =
        ActiveValue::Set((!hosts.is_empty()).then(|| json!(hosts).to_string()));
    row.note = ActiveValue::Set(input.text("note")?);
    row.timeout_s = ActiveValue::Set(input.timeout_s()?);
    row.max_retries = ActiveValue::Set(input.max_retries()?);
    Ok(())
}

/// `payload_fields` as stored: JSON text (a string holding JSON, or the JSON itself).
fn payload_text(input: &Input) -> Result<Option<String>, SourceError> {
    match input.text("payload_fields") {
        Ok(text) => Ok(text),
        Err(_) => Ok(Some(input.raw("payload_fields").to_string())),
    }
}

pub async fn list(store: &Store) -> Result<Vec<rule::Model>, SourceError> {
    Ok(rule::Entity::find()
        .order_by_asc(rule::Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get(store: &Store, id: i64) -> Result<rule::Model, SourceError> {
    rule::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or(SourceError::NotFound("outbound rule", id))
}

pub async fn create(
    store: &Store,
    allowed: &AllowedTargets,
    values: &Map<String, Value>,
) -> Result<rule::Model, SourceError> {
    let input = Input::new(values, &FIELDS)?;
    let now = source::now();
    let mut row = rule::ActiveModel {
        id: ActiveValue::NotSet,
        secret: ActiveValue::Set(source::secret(&input)?),
        previous_secret: ActiveValue::Set(None),
        previous_secret_until: ActiveValue::Set(None),
        create_date: ActiveValue::Set(now),
        write_date: ActiveValue::Set(now),
        ..Default::default()
    };
    checked(&input, store.registry(), allowed, &mut row)?;
    Ok(row.insert(store.writer()).await?)
}

/// Apply `patch` over the stored rule; the result is checked whole.
pub async fn update(
    store: &Store,
    allowed: &AllowedTargets,
    id: i64,
    patch: &Map<String, Value>,
) -> Result<rule::Model, SourceError> {
    Input::new(patch, &FIELDS[..FIELDS.len() - 2])?;
    let stored = get(store, id).await?;
    let merged = merged_over(&stored, patch);
    let input = Input::new(&merged, &FIELDS)?;
    let mut row: rule::ActiveModel = stored.into();
    checked(&input, store.registry(), allowed, &mut row)?;
    row.write_date = ActiveValue::Set(source::now());
    let tx = store.begin(&weft_store::Env::superuser()).await?;
    let updated = row.update(tx.connection()).await?;
    source::unretire(tx.connection(), source::SourceKind::Rule, id).await?;
    tx.commit_only().await?;
    Ok(updated)
}

/// The stored rule's fields with `patch` over them.
fn merged_over(stored: &rule::Model, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = view(stored).as_object().cloned().unwrap_or_default();
    merged.retain(|k, _| FIELDS.contains(&k.as_str()));
    // The stored credential, not its masked view, unless the patch replaces it.
    merged.insert("auth_header".into(), json!(stored.auth_header));
    merged.extend(patch.clone());
    merged
}

/// The rule `values` would make (over rule `id` when editing), checked as a save checks it and
/// not written: what the console previews before saving.
pub async fn draft(
    store: &Store,
    allowed: &AllowedTargets,
    id: Option<i64>,
    values: &Map<String, Value>,
) -> Result<Rule, SourceError> {
    let (merged, mut row) = match id {
        Some(id) => {
            let stored = get(store, id).await?;
            (merged_over(&stored, values), stored.into())
        }
        None => {
            let now = source::now();
            let row = rule::ActiveModel {
                id: ActiveValue::Set(0),
                secret: ActiveValue::Set(source::secret(&Input::new(values, &FIELDS)?)?),
                previous_secret: ActiveValue::Set(None),
                previous_secret_until: ActiveValue::Set(None),
                create_date: ActiveValue::Set(now),
                write_date: ActiveValue::Set(now),
                ..Default::default()
            };
            (values.clone(), row)
        }
    };
    let input = Input::new(&merged, &FIELDS)?;
    checked(&input, store.registry(), allowed, &mut row)?;
    let model: rule::Model = row.try_into_model()?;
    Rule::from_row(&model, store.registry()).map_err(|reason| invalid("trigger_domain", reason))
}

pub async fn delete(store: &Store, id: i64) -> Result<(), SourceError> {
    let result = rule::Entity::delete_by_id(id).exec(store.writer()).await?;
    if result.rows_affected == 0 {
        return Err(SourceError::NotFound("outbound rule", id));
    }
    Ok(())
}

/// A new secret; the old one keeps signing for `ROTATION_GRACE`.
pub async fn rotate_secret(store: &Store, id: i64) -> Result<rule::Model, SourceError> {
    source::rotate_secret(store, source::SourceKind::Rule, id).await?;
    get(store, id).await
}
