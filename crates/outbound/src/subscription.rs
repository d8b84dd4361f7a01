//! Webhook subscriptions (seeds 000 and 001, DESIGN.md §6): tell `address` when a record of `model`
//! is created, written or deleted (`kind`), as JSON or XML (`format`), with selection labels in
//! `language`, limited to `fields`, and only when `condition` holds (after the change; before it
//! for `on_unlink`). With `fields` set, `on_write` fires only when one of them changed. Here: the
//! subscription as the hook uses it, and the admin operations both APIs share.

use crate::entity::subscription;
use crate::source::{self, Input, Limits, Signing, SourceError, invalid};
use sea_orm::{ActiveModelTrait, ActiveValue, ConnectionTrait, EntityTrait, QueryOrder};
use serde_json::{Map, Value, json};
use weft_domain::Domain;
use weft_registry::Registry;
use weft_store::{Env, Store};
use weft_webhook::targets::AllowedTargets;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    OnCreate,
    OnWrite,
    OnUnlink,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::OnCreate => "on_create",
            Kind::OnWrite => "on_write",
            Kind::OnUnlink => "on_unlink",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Xml => "application/xml",
        }
    }
}

/// An active subscription, ready for the hook.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub name: String,
    pub model: String,
    pub kind: Kind,
    pub address: String,
    pub format: Format,
    pub language: String,
    /// Empty: every field.
    pub fields: Vec<String>,
    pub condition: Option<Domain>,
    pub limits: Limits,
    pub signing: Signing,
}

impl Subscription {
    /// Read a stored subscription, checked against the schema as it is now (it may have changed
    /// since the subscription was written).
    pub fn from_row(
        row: &subscription::Model,
        registry: &Registry,
    ) -> Result<Subscription, String> {
        let condition = row
            .condition
            .as_deref()
            .map(Domain::parse_text)
            .transpose()
            .map_err(|e| e.to_string())?;
        let model = registry
            .model(&row.model)
            .ok_or_else(|| format!("model {} is not in the schema", row.model))?;
        if let Some(condition) = &condition {
            let options = weft_domain::BindOptions { active_test: false };
            condition
                .bind(registry, &row.model, &options)
                .map_err(|e| format!("condition: {e}"))?;
        }
        let fields: Vec<String> = serde_json::from_str(&row.fields).map_err(|e| e.to_string())?;
        if let Some(gone) = fields.iter().find(|f| model.field(f).is_none()) {
            return Err(format!("fields: {} has no field '{gone}'", row.model));
        }
        Ok(Subscription {
            id: row.id,
            name: row.name.clone(),
            model: row.model.clone(),
            kind: match row.kind.as_str() {
                "on_create" => Kind::OnCreate,
                "on_unlink" => Kind::OnUnlink,
                _ => Kind::OnWrite,
            },
            address: row.address.clone(),
            format: if row.format == "xml" {
                Format::Xml
            } else {
                Format::Json
            },
            language: row.language.clone(),
            fields,
            condition,
            limits: Limits::from_columns(row.timeout_s, row.max_retries),
            signing: Signing::from_columns(
                &row.secret,
                row.previous_secret.as_deref(),
                row.previous_secret_until,
            )?,
        })
    }
}

/// The fields a client may set.
pub const FIELDS: [&str; 12] = [
    "name",
    "model",
    "kind",
    "address",
    "format",
    "language",
    "fields",
    "condition",
    "active",
    "timeout_s",
    "max_retries",
    "secret",
];

/// The subscription as both APIs show it (seed 000 §4.2 and the rest of ours).
pub fn view(row: &subscription::Model) -> Map<String, Value> {
    let value = json!({
        "id": row.id,
        "name": row.name,
        "model": row.model,
        "kind": row.kind,
        "address": row.address,
        "format": row.format,
        "language": row.language,
        "fields": serde_json::from_str::<Value>(&row.fields).unwrap_or(json!([])),
        "condition": row.condition.as_deref().map(|c| serde_json::from_str::<Value>(c).unwrap_or(Value::Null)),
        "active": row.active,
        "timeout_s": row.timeout_s,
        "max_retries": row.max_retries,
        "create_date": source::odoo_datetime(row.create_date),
        "write_date": source::odoo_datetime(row.write_date),
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("json! of an object"),
    }
}

fn checked(
    input: &Input,
    registry: &Registry,
    allowed: &AllowedTargets,
    row: &mut subscription::ActiveModel,
) -> Result<(), SourceError> {
    let model = source::model(input, registry)?;
    let address = input.required_text("address")?;
    allowed
        .check_url(&address)
        .map_err(|reason| invalid("address", reason.to_string()))?;
    let condition = input.domain("condition", registry, &model)?;
    let fields = field_names(input, registry, &model)?;
    let language = input.text("language")?.unwrap_or_else(|| "en_US".into());
    if language.len() > 16
        || !language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
    {
        return Err(invalid(
            "language",
            format!("'{language}' is not a language code such as en_US"),
        ));
    }
    row.name = ActiveValue::Set(input.required_text("name")?);
    row.active = ActiveValue::Set(input.flag("active", true)?);
    row.kind =
        ActiveValue::Set(input.choice("kind", &["on_create", "on_write", "on_unlink"], None)?);
    row.format = ActiveValue::Set(input.choice("format", &["json", "xml"], Some("json"))?);
    row.address = ActiveValue::Set(address);
    row.language = ActiveValue::Set(language);
    row.fields = ActiveValue::Set(Value::from(fields).to_string());
    row.condition = ActiveValue::Set(condition.map(|d| d.to_json().to_string()));
    row.timeout_s = ActiveValue::Set(input.timeout_s()?);
    row.max_retries = ActiveValue::Set(input.max_retries()?);
    row.model = ActiveValue::Set(model);
    Ok(())
}

/// `fields`: a list of field names of the model (JSON, or Python-literal text).
fn field_names(
    input: &Input,
    registry: &Registry,
    model: &str,
) -> Result<Vec<String>, SourceError> {
    let value = match input.raw("fields") {
        Value::String(text) if text.trim().is_empty() => return Ok(Vec::new()),
        Value::String(text) => {
            weft_domain::parse_literal(text).map_err(|e| invalid("fields", e.to_string()))?
        }
        other => other.clone(),
    };
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(invalid("fields", "expected a list of field names")),
    };
    let m = registry.model(model).expect("checked by source::model");
    let mut names = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let name = item
            .as_str()
            .ok_or_else(|| invalid(&format!("fields[{i}]"), "expected a field name"))?;
        if m.field(name).is_none() {
            return Err(invalid(
                &format!("fields[{i}]"),
                format!("'{name}' is not a field of {model}"),
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

pub async fn list(store: &Store) -> Result<Vec<subscription::Model>, SourceError> {
    Ok(subscription::Entity::find()
        .order_by_asc(subscription::Column::Id)
        .all(store.connection())
        .await?)
}

pub async fn get(store: &Store, id: i64) -> Result<subscription::Model, SourceError> {
    subscription::Entity::find_by_id(id)
        .one(store.connection())
        .await?
        .ok_or(SourceError::NotFound("webhook", id))
}

pub async fn create(
    store: &Store,
    allowed: &AllowedTargets,
    values: &Map<String, Value>,
) -> Result<subscription::Model, SourceError> {
    let input = Input::new(values, &FIELDS)?;
    let now = source::now();
    let mut row = subscription::ActiveModel {
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

/// Apply `patch` over the stored subscription; the model cannot change (seed 000 §4.2).
pub async fn update(
    store: &Store,
    allowed: &AllowedTargets,
    id: i64,
    patch: &Map<String, Value>,
) -> Result<subscription::Model, SourceError> {
    update_many(store, allowed, &[id], patch)
        .await
        .map(|mut rows| rows.remove(0))
}

/// The same `patch` on every subscription of `ids`, in one transaction: all or none.
pub async fn update_many(
    store: &Store,
    allowed: &AllowedTargets,
    ids: &[i64],
    patch: &Map<String, Value>,
) -> Result<Vec<subscription::Model>, SourceError> {
    Input::new(patch, &FIELDS[..FIELDS.len() - 1])?;
    let tx = store.begin(&Env::superuser()).await?;
    let mut updated = Vec::with_capacity(ids.len());
    for id in ids {
        updated.push(update_on(tx.connection(), store.registry(), allowed, *id, patch).await?);
    }
    tx.commit_only().await?;
    Ok(updated)
}

async fn update_on(
    conn: &impl ConnectionTrait,
    registry: &Registry,
    allowed: &AllowedTargets,
    id: i64,
    patch: &Map<String, Value>,
) -> Result<subscription::Model, SourceError> {
    let stored = subscription::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(SourceError::NotFound("webhook", id))?;
    if let Some(model) = patch.get("model")
        && model.as_str() != Some(stored.model.as_str())
    {
        return Err(invalid(
            "model",
            "cannot be changed; create another webhook",
        ));
    }
    let mut merged = view(&stored);
    merged.retain(|k, _| FIELDS.contains(&k.as_str()));
    merged.extend(patch.clone());
    let input = Input::new(&merged, &FIELDS)?;
    let mut row: subscription::ActiveModel = stored.into();
    checked(&input, registry, allowed, &mut row)?;
    row.write_date = ActiveValue::Set(source::now());
    let updated = row.update(conn).await?;
    source::unretire(conn, source::SourceKind::Subscription, id).await?;
    Ok(updated)
}

/// The subscription `values` would make (over subscription `id` when editing), checked as a save
/// checks it and not written: what the console previews before saving.
pub async fn draft(
    store: &Store,
    allowed: &AllowedTargets,
    id: Option<i64>,
    values: &Map<String, Value>,
) -> Result<Subscription, SourceError> {
    let mut merged = match id {
        Some(id) => view(&get(store, id).await?),
        None => Map::new(),
    };
    merged.retain(|k, _| FIELDS.contains(&k.as_str()));
    merged.extend(values.clone());
    let input = Input::new(&merged, &FIELDS)?;
    let now = source::now();
    let mut row = subscription::ActiveModel {
        id: ActiveValue::Set(id.unwrap_or(0)),
        secret: ActiveValue::Set(source::secret(&input)?),
        previous_secret: ActiveValue::Set(None),
        previous_secret_until: ActiveValue::Set(None),
        create_date: ActiveValue::Set(now),
        write_date: ActiveValue::Set(now),
        ..Default::default()
    };
    checked(&input, store.registry(), allowed, &mut row)?;
    let model: subscription::Model = sea_orm::TryIntoModel::try_into_model(row)?;
    Subscription::from_row(&model, store.registry()).map_err(|reason| invalid("fields", reason))
}

pub async fn delete(store: &Store, id: i64) -> Result<(), SourceError> {
    delete_many(store, &[id]).await
}

/// Delete every subscription of `ids`, in one transaction: all, or none when one does not exist.
pub async fn delete_many(store: &Store, ids: &[i64]) -> Result<(), SourceError> {
    let tx = store.begin(&Env::superuser()).await?;
    for id in ids {
        let result = subscription::Entity::delete_by_id(*id)
            .exec(tx.connection())
            .await?;
        if result.rows_affected == 0 {
            return Err(SourceError::NotFound("webhook", *id));
        }
    }
    tx.commit_only().await?;
    Ok(())
}

/// A new secret; the old one keeps signing for `ROTATION_GRACE`.
pub async fn rotate_secret(store: &Store, id: i64) -> Result<subscription::Model, SourceError> {
    source::rotate_secret(store, source::SourceKind::Subscription, id).await?;
    get(store, id).await
}
