//! The outbox: what a fired event becomes inside the transaction of its change. Each event is
//! rendered (a rule's payload, a subscription's notification) and written as a `pending` delivery
//! with its URL, its `webhook-id` and its ordering key; the dispatcher takes it from there.

use crate::catalog::Catalog;
use crate::notification::Notification;
use crate::rule::{Endpoint, Payload, Rule};
use crate::source::SourceKind;
use crate::subscription::{Format, Subscription};
use crate::template;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use weft_logstore::{Body, Entry, LogType};
use weft_store::{BulkRow, HookError, Tx};

/// The channel other instances' dispatchers LISTEN on (PostgreSQL).
pub const CHANNEL: &str = "weft_outbox";

/// A source fired for a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Event {
    pub kind: SourceKind,
    pub source_id: i64,
    pub model: String,
    pub res_id: i64,
    /// `rule`, or the subscription's kind.
    pub event: &'static str,
}

impl Event {
    pub fn new(
        kind: SourceKind,
        source_id: i64,
        model: &str,
        res_id: i64,
        event: &'static str,
    ) -> Event {
        Event {
            kind,
            source_id,
            model: model.to_string(),
            res_id,
            event,
        }
    }
}

/// A delivery about to be written.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub msg_id: String,
    pub event: Event,
    pub url: String,
    pub content_type: &'static str,
    pub body: String,
}

/// What rendering gave: deliveries, and the logs of events that had nowhere to go.
#[derive(Default)]
pub struct Rendered {
    pub deliveries: Vec<NewDelivery>,
    pub unsent: Vec<Entry>,
}

/// Render `events` (duplicates sent once) as the records are now.
pub async fn render(
    tx: &Tx,
    catalog: &Catalog,
    mut events: Vec<Event>,
) -> Result<Rendered, HookError> {
    let mut seen = std::collections::HashSet::new();
    events.retain(|e| seen.insert(e.clone()));
    let mut out = Rendered::default();
    for (kind, source_id, group) in by_source(&events) {
        match kind {
            SourceKind::Rule => {
                if let Some(rule) = catalog
                    .rules(&group[0].model)
                    .iter()
                    .find(|r| r.id == source_id)
                {
                    render_rule(tx, catalog, rule, &group, &mut out).await?;
                }
            }
            SourceKind::Subscription => {
                let subscriptions = catalog.subscriptions(&group[0].model);
                if let Some(s) = subscriptions.iter().find(|s| s.id == source_id) {
                    render_notifications(tx, catalog, s, &group, &mut out).await?;
                }
            }
        }
    }
    Ok(out)
}

/// Events grouped by source, in the order the sources first fired.
fn by_source(events: &[Event]) -> Vec<(SourceKind, i64, Vec<&Event>)> {
    let mut groups: Vec<(SourceKind, i64, Vec<&Event>)> = Vec::new();
    for event in events {
        match groups
            .iter_mut()
            .find(|(k, id, _)| *k == event.kind && *id == event.source_id)
        {
            Some((_, _, group)) => group.push(event),
            None => groups.push((event.kind, event.source_id, vec![event])),
        }
    }
    groups
}

fn store_error(what: &str) -> impl Fn(weft_store::StoreError) -> HookError + '_ {
    move |e| HookError(format!("{what}: {e}"))
}

async fn render_rule(
    tx: &Tx,
    catalog: &Catalog,
    rule: &Rule,
    events: &[&Event],
    out: &mut Rendered,
) -> Result<(), HookError> {
    let ids: Vec<i64> = events.iter().map(|e| e.res_id).collect();
    let urls = match &rule.endpoint {
        Endpoint::Static(url) => ids.iter().map(|id| (*id, url.clone())).collect(),
        Endpoint::Record => callbacks(tx, &rule.model, &ids).await?,
    };
    let mut expanded = match &rule.payload {
        Payload::Fields(specs) => tx
            .read_specs(&rule.model, &ids, specs)
            .await
            .map_err(store_error("reading a rule's payload fields"))?
            .into_iter()
            .filter_map(|row| Some((row.get("id")?.as_i64()?, Value::Object(row))))
            .collect(),
        _ => HashMap::new(),
    };
    for event in events {
        let Some(url) = urls.get(&event.res_id) else {
            out.unsent.push(unsent(
                rule,
                event,
                "the record has no callback_url, so the rule has nowhere to send",
            ));
            continue;
        };
        if catalog.is_retired(SourceKind::Rule, rule.id, url) {
            out.unsent.push(unsent(
                rule,
                event,
                &format!("{url} answered 410 Gone before and is retired for this rule"),
            ));
            continue;
        }
        let body = match &rule.payload {
            Payload::Id => json!({"id": event.res_id}),
            Payload::Template(t) => {
                match template::render(tx, &rule.model, event.res_id, t, "en_US").await {
                    Ok(body) => body,
                    // Created and deleted in this transaction: nothing to tell.
                    Err(weft_store::StoreError::NotFound { .. }) => continue,
                    Err(e) => return Err(store_error("rendering a rule's template")(e)),
                }
            }
            // Not found: created and deleted in this transaction; nothing to tell.
            Payload::Fields(_) => match expanded.remove(&event.res_id) {
                Some(row) => row,
                None => continue,
            },
        };
        out.deliveries.push(NewDelivery {
            msg_id: new_message_id(),
            event: (*event).clone(),
            url: url.clone(),
            content_type: "application/json",
            body: body.to_string(),
        });
    }
    Ok(())
}

/// The send log of a rule that fired for a record with no URL to send to (research §12.4).
fn unsent(rule: &Rule, event: &Event, why: &str) -> Entry {
    let shown = weft_logstore::redact::text(why);
    tracing::warn!(rule = rule.id, model = %event.model, res_id = event.res_id, "{shown}");
    Entry {
        at: chrono::Utc::now().naive_utc(),
        log_type: LogType::Send,
        route: String::new(),
        function_name: rule.name.clone(),
        model: Some(rule.model.clone()),
        res_model: Some(event.model.clone()),
        res_id: Some(event.res_id),
        callback_url: None,
        success: false,
        request: Body::Json(json!({"id": event.res_id})),
        response: Body::Json(json!({"error": why})),
        preview_limit: 2000,
        duration: std::time::Duration::ZERO,
        user_id: None,
        idempotency_key: None,
    }
}

/// The callback URL of each record that has one (one query).
async fn callbacks(tx: &Tx, model: &str, ids: &[i64]) -> Result<HashMap<i64, String>, HookError> {
    let backend = tx.backend();
    let marks: Vec<String> = (0..ids.len())
        .map(|i| match backend {
            DatabaseBackend::Postgres => format!("${}", i + 2),
            _ => "?".to_string(),
        })
        .collect();
    let first = if backend == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = format!(
        "SELECT res_id, url FROM weft_record_callback WHERE res_model = {first} AND res_id IN ({})",
        marks.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = vec![model.into()];
    values.extend(ids.iter().map(|id| sea_orm::Value::from(*id)));
    let rows = tx
        .connection()
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .map_err(|e| HookError(format!("reading callback URLs: {e}")))?;
    rows.into_iter()
        .map(|row| Ok((row.try_get("", "res_id")?, row.try_get("", "url")?)))
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(|e| HookError(format!("reading callback URLs: {e}")))
}

async fn render_notifications(
    tx: &Tx,
    catalog: &Catalog,
    subscription: &Subscription,
    events: &[&Event],
    out: &mut Rendered,
) -> Result<(), HookError> {
    if catalog.is_retired(
        SourceKind::Subscription,
        subscription.id,
        &subscription.address,
    ) {
        return Ok(());
    }
    let ids: Vec<i64> = events.iter().map(|e| e.res_id).collect();
    let fields: Vec<&str> = subscription.fields.iter().map(String::as_str).collect();
    let rows: HashMap<i64, Map<String, Value>> = tx
        .read(&subscription.model, &ids, &fields)
        .await
        .map_err(store_error("reading a subscription's record"))?
        .into_iter()
        .filter_map(|row| Some((row.get("id")?.as_i64()?, row)))
        .collect();
    for event in events {
        if let Some(data) = rows.get(&event.res_id) {
            out.deliveries.push(notify(tx, subscription, event, data));
        }
    }
    Ok(())
}

/// The delivery of one notification of `data` (the record in read() format).
fn notify(
    tx: &Tx,
    subscription: &Subscription,
    event: &Event,
    data: &Map<String, Value>,
) -> NewDelivery {
    let model = tx.registry().model(&subscription.model);
    let msg_id = new_message_id();
    let timestamp = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let labels = model
        .map(|m| labels(m, data, &subscription.language))
        .unwrap_or_default();
    let notification = Notification {
        id: &msg_id,
        event: event.event,
        model: &subscription.model,
        res_id: event.res_id,
        timestamp: &timestamp,
        language: &subscription.language,
        webhook_id: subscription.id,
        webhook_name: &subscription.name,
        data,
        labels: &labels,
    };
    let body = match subscription.format {
        Format::Json => notification.json().to_string(),
        Format::Xml => {
            notification.xml(|name| model.and_then(|m| m.field(name)).map(|f| f.kind.name()))
        }
    };
    NewDelivery {
        msg_id,
        event: event.clone(),
        url: subscription.address.clone(),
        content_type: subscription.format.content_type(),
        body,
    }
}

/// The label in `language` of each selection value of `data`.
fn labels(
    model: &weft_registry::Model,
    data: &Map<String, Value>,
    language: &str,
) -> Map<String, Value> {
    data.iter()
        .filter_map(|(name, value)| {
            let weft_registry::FieldType::Selection(selection) = &model.field(name)?.kind else {
                return None;
            };
            let label = selection.label(value.as_str()?, language)?;
            Some((name.clone(), Value::from(label)))
        })
        .collect()
}

/// `msg_` and 24 random base62 characters (143 bits).
pub fn new_message_id() -> String {
    format!("msg_{}", weft_webhook::signing::random_base62(24))
}

/// Deliveries with the same key go in order: the same source, URL and record.
pub fn order_key(kind: SourceKind, source_id: i64, url: &str, model: &str, res_id: i64) -> i64 {
    let mut hash = Sha256::new();
    for part in [
        kind.as_str(),
        &source_id.to_string(),
        url,
        model,
        &res_id.to_string(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The columns a new delivery is written with, in the order `insert` gives their values.
pub const COLUMNS: &[&str] = &[
    "msg_id",
    "source_kind",
    "source_id",
    "event",
    "model",
    "res_id",
    "url",
    "order_key",
    "content_type",
    "body",
    "state",
    "attempts",
    "next_attempt_at",
    "create_date",
];

/// Write the deliveries as `pending`, due now, and tell other instances at commit.
pub async fn insert(tx: &Tx, deliveries: &[NewDelivery]) -> Result<(), HookError> {
    if deliveries.is_empty() {
        return Ok(());
    }
    let now = crate::source::now();
    let rows = deliveries
        .iter()
        .map(|d| BulkRow {
            table: "weft_delivery",
            columns: COLUMNS,
            values: vec![
                d.msg_id.clone().into(),
                d.event.kind.as_str().into(),
                d.event.source_id.into(),
                d.event.event.into(),
                d.event.model.clone().into(),
                d.event.res_id.into(),
                d.url.clone().into(),
                order_key(
                    d.event.kind,
                    d.event.source_id,
                    &d.url,
                    &d.event.model,
                    d.event.res_id,
                )
                .into(),
                d.content_type.into(),
                d.body.clone().into(),
                "pending".into(),
                0i32.into(),
                now.into(),
                now.into(),
            ],
        })
        .collect();
    weft_store::insert_all(tx.connection(), rows)
        .await
        .map_err(|e| HookError(format!("writing deliveries: {e}")))?;
    if tx.backend() == DatabaseBackend::Postgres {
        let notify = Statement::from_string(
            DatabaseBackend::Postgres,
            format!("SELECT pg_notify('{CHANNEL}', '')"),
        );
        tx.connection()
            .execute_raw(notify)
            .await
            .map_err(|e| HookError(format!("announcing deliveries: {e}")))?;
    }
    Ok(())
}

/// Queue a test notification for a subscription (seed 000 §4.1.2, "send test notification"): its
/// model's newest record as it is now (or `{"id": 0}` when there is none), signed and delivered as
/// any other, with event `test`. Returns the delivery's id.
pub async fn queue_test(
    store: &weft_store::Store,
    catalog: &Catalog,
    subscription_id: i64,
) -> Result<Option<i64>, HookError> {
    let Some(subscription) = catalog.subscription(subscription_id) else {
        return Ok(None);
    };
    let failed =
        |e: weft_store::StoreError| HookError(format!("queueing a test notification: {e}"));
    let tx = store
        .begin(&weft_store::Env::superuser())
        .await
        .map_err(failed)?;
    let newest = tx
        .search(
            &subscription.model,
            &weft_domain::Domain::all(),
            &weft_store::SearchOptions {
                order: Some("id desc"),
                limit: Some(1),
                include_archived: true,
                ..Default::default()
            },
        )
        .await
        .map_err(failed)?;
    let event = Event::new(
        SourceKind::Subscription,
        subscription.id,
        &subscription.model,
        newest.first().copied().unwrap_or(0),
        "test",
    );
    let mut out = Rendered::default();
    render_notifications(&tx, catalog, &subscription, &[&event], &mut out).await?;
    if out.deliveries.is_empty() {
        // No record to show: the notification carries `{"id": 0}`.
        let data = Map::from_iter([("id".to_string(), json!(0))]);
        out.deliveries
            .push(notify(&tx, &subscription, &event, &data));
    }
    queue_one(store, tx, out.deliveries.swap_remove(0)).await
}

/// What a delivery of `rule` for record `res_id` would carry as the record is now in `tx`,
/// without writing it: the console's preview (nothing, and a reason, when it would go nowhere).
pub async fn preview_rule(
    tx: &Tx,
    catalog: &Catalog,
    rule: &Rule,
    res_id: i64,
) -> Result<Rendered, HookError> {
    let event = Event::new(SourceKind::Rule, rule.id, &rule.model, res_id, "rule");
    let mut out = Rendered::default();
    render_rule(tx, catalog, rule, &[&event], &mut out).await?;
    Ok(out)
}

/// What a notification of `subscription` for record `res_id` would carry as the record is now in
/// `tx`, without writing it: the console's preview.
pub async fn preview_subscription(
    tx: &Tx,
    catalog: &Catalog,
    subscription: &Subscription,
    res_id: i64,
) -> Result<Rendered, HookError> {
    let kind = subscription.kind.as_str();
    let event = Event::new(
        SourceKind::Subscription,
        subscription.id,
        &subscription.model,
        res_id,
        kind,
    );
    let mut out = Rendered::default();
    render_notifications(tx, catalog, subscription, &[&event], &mut out).await?;
    Ok(out)
}

/// Queue a test delivery of `rule` for record `res_id`, rendered in `tx` (which it commits).
/// Returns the delivery's id; None when the rule has nowhere to send for that record.
pub async fn queue_rule_test(
    store: &weft_store::Store,
    tx: Tx,
    catalog: &Catalog,
    rule: &Rule,
    res_id: i64,
) -> Result<Option<i64>, HookError> {
    let mut out = preview_rule(&tx, catalog, rule, res_id).await?;
    if out.deliveries.is_empty() {
        return Ok(None);
    }
    queue_one(store, tx, out.deliveries.swap_remove(0)).await
}

/// Write `delivery` in `tx`, commit, and find its id.
async fn queue_one(
    store: &weft_store::Store,
    tx: Tx,
    delivery: NewDelivery,
) -> Result<Option<i64>, HookError> {
    insert(&tx, std::slice::from_ref(&delivery)).await?;
    tx.commit_only()
        .await
        .map_err(|e| HookError(format!("queueing a test delivery: {e}")))?;
    let id = crate::entity::delivery::Entity::find()
        .filter(crate::entity::delivery::Column::MsgId.eq(delivery.msg_id))
        .one(store.connection())
        .await
        .map_err(|e| HookError(e.to_string()))?
        .map(|d| d.id);
    Ok(id)
}
