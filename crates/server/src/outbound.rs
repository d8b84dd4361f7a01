//! `/api/v1/outbound-rules`, `/api/v1/subscriptions` and `/api/v1/deliveries` (DESIGN.md §11): the
//! sources of outbound deliveries as plain REST, and the outbox under review. A change to a source
//! reloads this instance's catalog at once and is announced to the others (PostgreSQL). A key
//! limited to some models sees and changes only the rules, subscriptions and deliveries of those.

use crate::admin::{AdminError, AdminResult, Created, Deleted, body, require_admin, require_model};
use crate::reach::require_reach;
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object, OpenApi, Tags};
use serde_json::{Map, Value, json};
use weft_inbound::identity::Caller;
use weft_outbound::deliveries::{self, Filter, RetryError};
use weft_outbound::source::SourceError;
use weft_outbound::{entity, outbox, rule, subscription};
use weft_store::Cached;

#[derive(Tags)]
enum OutboundTags {
    /// Outbound rules: POST a payload when a record comes to match a domain.
    OutboundRules,
    /// Webhook subscriptions: notify an address of creates, writes and deletes.
    Subscriptions,
    /// The outbox: every delivery, its attempts, retries.
    Deliveries,
}

/// An outbound rule (DESIGN.md §6).
#[derive(Object)]
pub struct OutboundRule {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub model: String,
    /// The domain, as JSON.
    pub trigger_domain: Value,
    /// `transition` (default) or `matching_write`.
    pub mode: String,
    /// `record` (default: the record's callback_url) or `static`.
    pub endpoint_source: String,
    pub endpoint_url: Option<String>,
    /// An object template, a list of field specs, or null (`{"id": N}`).
    pub payload_fields: Option<Value>,
    /// Shown as its scheme only (`Bearer ***`).
    pub auth_header: Option<String>,
    /// Hosts of record callback URLs `auth_header` is sent to; to any other callback URL the
    /// delivery goes without it (the attempt's note says so). A static URL's host always gets it.
    pub allowed_callback_hosts: Vec<String>,
    pub note: Option<String>,
    /// Seconds per attempt; null: `webhook.timeout`.
    pub timeout_s: Option<i32>,
    /// Retries after the first attempt; null: `webhook.retry`.
    pub max_retries: Option<i32>,
    pub create_date: String,
    pub write_date: String,
    /// The signing secret: returned when the rule is created, otherwise at `.../secret`.
    pub secret: Option<String>,
}

/// A new outbound rule; `name`, `model` and `trigger_domain` are required.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewOutboundRule {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub model: Option<String>,
    /// A domain as Python-literal or JSON text, or a JSON list.
    pub trigger_domain: Option<Value>,
    pub mode: Option<String>,
    pub endpoint_source: Option<String>,
    pub endpoint_url: Option<String>,
    /// A JSON object template (research §12.5) or a list of field specs, as JSON or as text.
    pub payload_fields: Option<Value>,
    /// Sent verbatim as `Authorization`, to the static URL's host and `allowed_callback_hosts`.
    pub auth_header: Option<String>,
    /// Bare host names or IP addresses (no scheme, port or path) of record callback URLs that
    /// may receive `auth_header`; empty or absent: none.
    pub allowed_callback_hosts: Option<Vec<String>>,
    pub note: Option<String>,
    pub timeout_s: Option<i32>,
    pub max_retries: Option<i32>,
    /// A `whsec_` secret of your own; generated when absent.
    pub secret: Option<String>,
}

/// A webhook subscription (seed 000 §4.2).
#[derive(Object)]
pub struct Subscription {
    pub id: i64,
    pub name: String,
    pub model: String,
    /// `on_create`, `on_write` or `on_unlink`.
    pub kind: String,
    pub address: String,
    /// `json` or `xml`.
    pub format: String,
    pub language: String,
    /// Empty: every field.
    pub fields: Vec<String>,
    /// The domain, as JSON.
    pub condition: Option<Value>,
    pub active: bool,
    pub timeout_s: Option<i32>,
    pub max_retries: Option<i32>,
    pub create_date: String,
    pub write_date: String,
    /// Returned when the subscription is created, otherwise at `.../secret`.
    pub secret: Option<String>,
}

/// A new subscription; `name`, `model`, `kind` and `address` are required.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct NewSubscription {
    pub name: Option<String>,
    pub model: Option<String>,
    pub kind: Option<String>,
    pub address: Option<String>,
    pub format: Option<String>,
    pub language: Option<String>,
    /// Field names, as a JSON list or Python-literal text.
    pub fields: Option<Value>,
    /// A domain as Python-literal or JSON text, or a JSON list.
    pub condition: Option<Value>,
    pub active: Option<bool>,
    pub timeout_s: Option<i32>,
    pub max_retries: Option<i32>,
    pub secret: Option<String>,
}

#[derive(Object)]
pub struct SourceSecret {
    pub secret: String,
    /// During a rotation: the replaced secret, which still signs until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<String>,
}

#[derive(Object)]
pub struct OutboundRuleList {
    pub items: Vec<OutboundRule>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
pub struct SubscriptionList {
    pub items: Vec<Subscription>,
    pub next_cursor: Option<String>,
}

/// One delivery of the outbox.
#[derive(Object)]
pub struct Delivery {
    pub id: i64,
    /// The `webhook-id` header of every attempt.
    pub webhook_id: String,
    /// `rule:3` or `subscription:12`.
    pub source: String,
    /// `rule`, `on_create`, `on_write`, `on_unlink` or `test`.
    pub event: String,
    pub model: String,
    pub res_id: i64,
    pub url: String,
    /// `pending`, `sending`, `done` or `dead`.
    pub state: String,
    pub attempt_count: i32,
    pub next_attempt_at: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub create_date: String,
    pub finished_at: Option<String>,
    pub content_type: Option<String>,
    pub body: Option<String>,
    pub attempts: Option<Vec<DeliveryAttempt>>,
}

#[derive(Object)]
pub struct DeliveryAttempt {
    pub attempt: i32,
    pub at: String,
    pub duration_ms: f64,
    pub status: Option<i32>,
    pub error: Option<String>,
    pub response_preview: String,
    /// What the attempt did differently, e.g. that it withheld the rule's `Authorization`.
    pub note: Option<String>,
}

#[derive(Object)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
pub struct RetryFilter {
    /// Default `dead`.
    pub state: Option<String>,
    pub source: Option<String>,
    pub model: Option<String>,
    pub res_id: Option<i64>,
}

#[derive(Object)]
pub struct Requeued {
    /// Deliveries due again now.
    pub requeued: u64,
}

#[derive(Object)]
pub struct TestQueued {
    /// The test notification's delivery (`GET /api/v1/deliveries/{id}`).
    pub delivery_id: i64,
}

#[derive(ApiResponse)]
pub enum Accepted<T: ToJSON> {
    #[oai(status = 202)]
    Accepted(Json<T>),
}

pub struct OutboundApi {
    pub state: AppState,
}

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;

#[OpenApi(prefix_path = "/api/v1")]
impl OutboundApi {
    /// Every outbound rule, by id.
    #[oai(
        path = "/outbound-rules",
        method = "get",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn list_rules(&self, req: &Request) -> AdminResult<Json<OutboundRuleList>> {
        let caller = require_admin(&self.state, req).await?;
        let rows = rule::list(&self.state.store).await.map_err(source_error)?;
        let items = rows
            .iter()
            .filter(|r| caller.may_use_model(&r.model))
            .map(|r| typed(rule::view(r)))
            .collect::<AdminResult<_>>()?;
        Ok(Json(OutboundRuleList {
            items,
            next_cursor: None,
        }))
    }

    /// Create a rule; the reply holds its signing secret.
    #[oai(
        path = "/outbound-rules",
        method = "post",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn create_rule(
        &self,
        req: &Request,
        new: Json<NewOutboundRule>,
    ) -> AdminResult<Created<OutboundRule>> {
        let caller = require_admin(&self.state, req).await?;
        if let Some(model) = &new.model {
            require_model(&caller, model)?;
            let (domain, payload) = (new.trigger_domain.as_ref(), new.payload_fields.as_ref());
            require_reach(&caller, self.registry(), model, domain, payload)?;
        }
        let row = rule::create(
            &self.state.store,
            &self.state.allowed_targets,
            &object(&new.0),
        )
        .await
        .map_err(source_error)?;
        self.sources_changed().await;
        let mut view = rule::view(&row);
        view["secret"] = json!(row.secret);
        Ok(Created::Created(Json(typed(view)?)))
    }

    #[oai(
        path = "/outbound-rules/:id",
        method = "get",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn get_rule(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<OutboundRule>> {
        let (_, row) = self.rule(req, id.0).await?;
        Ok(Json(typed(rule::view(&row))?))
    }

    /// Change some fields; the rule is checked whole.
    #[oai(
        path = "/outbound-rules/:id",
        method = "patch",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn update_rule(
        &self,
        req: &Request,
        id: Path<i64>,
        patch: Json<NewOutboundRule>,
    ) -> AdminResult<Json<OutboundRule>> {
        let (caller, row) = self.rule(req, id.0).await?;
        if let Some(model) = &patch.model {
            require_model(&caller, model)?;
        }
        // The rule as it will be: a key may not point a wide rule it did not write at itself.
        let stored_domain = Value::String(row.trigger_domain.clone());
        let stored_payload = row.payload_fields.clone().map(Value::String);
        require_reach(
            &caller,
            self.registry(),
            patch.model.as_deref().unwrap_or(&row.model),
            patch.trigger_domain.as_ref().or(Some(&stored_domain)),
            patch.payload_fields.as_ref().or(stored_payload.as_ref()),
        )?;
        let row = rule::update(
            &self.state.store,
            &self.state.allowed_targets,
            id.0,
            &object(&patch.0),
        )
        .await
        .map_err(source_error)?;
        self.sources_changed().await;
        Ok(Json(typed(rule::view(&row))?))
    }

    /// Delete a rule; its unfinished deliveries end `dead`.
    #[oai(
        path = "/outbound-rules/:id",
        method = "delete",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn delete_rule(&self, req: &Request, id: Path<i64>) -> AdminResult<Deleted> {
        self.rule(req, id.0).await?;
        rule::delete(&self.state.store, id.0)
            .await
            .map_err(source_error)?;
        self.sources_changed().await;
        Ok(Deleted::Deleted)
    }

    #[oai(
        path = "/outbound-rules/:id/secret",
        method = "get",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn rule_secret(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<SourceSecret>> {
        let (_, row) = self.rule(req, id.0).await?;
        Ok(Json(secret(
            row.secret,
            row.previous_secret,
            row.previous_secret_until,
        )))
    }

    /// A new secret; the old one keeps signing for 24 hours (both signatures are sent).
    #[oai(
        path = "/outbound-rules/:id/rotate-secret",
        method = "post",
        tag = "OutboundTags::OutboundRules"
    )]
    async fn rotate_rule_secret(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Json<SourceSecret>> {
        self.rule(req, id.0).await?;
        let row = rule::rotate_secret(&self.state.store, id.0)
            .await
            .map_err(source_error)?;
        self.sources_changed().await;
        Ok(Json(secret(
            row.secret,
            row.previous_secret,
            row.previous_secret_until,
        )))
    }

    /// Every subscription, by id.
    #[oai(
        path = "/subscriptions",
        method = "get",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn list_subscriptions(&self, req: &Request) -> AdminResult<Json<SubscriptionList>> {
        let caller = require_admin(&self.state, req).await?;
        let rows = subscription::list(&self.state.store)
            .await
            .map_err(source_error)?;
        let items = rows
            .iter()
            .filter(|r| caller.may_use_model(&r.model))
            .map(|r| typed(Value::Object(subscription::view(r))))
            .collect::<AdminResult<_>>()?;
        Ok(Json(SubscriptionList {
            items,
            next_cursor: None,
        }))
    }

    /// Create a subscription; the reply holds its signing secret.
    #[oai(
        path = "/subscriptions",
        method = "post",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn create_subscription(
        &self,
        req: &Request,
        new: Json<NewSubscription>,
    ) -> AdminResult<Created<Subscription>> {
        let caller = require_admin(&self.state, req).await?;
        if let Some(model) = &new.model {
            require_model(&caller, model)?;
            require_reach(
                &caller,
                self.registry(),
                model,
                new.condition.as_ref(),
                None,
            )?;
        }
        let row = subscription::create(
            &self.state.store,
            &self.state.allowed_targets,
            &object(&new.0),
        )
        .await
        .map_err(source_error)?;
        self.sources_changed().await;
        let mut view = subscription::view(&row);
        view.insert("secret".into(), json!(row.secret));
        Ok(Created::Created(Json(typed(Value::Object(view))?)))
    }

    #[oai(
        path = "/subscriptions/:id",
        method = "get",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn get_subscription(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Json<Subscription>> {
        let (_, row) = self.subscription(req, id.0).await?;
        Ok(Json(typed(Value::Object(subscription::view(&row)))?))
    }

    /// Change some fields (not the model); the subscription is checked whole.
    #[oai(
        path = "/subscriptions/:id",
        method = "patch",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn update_subscription(
        &self,
        req: &Request,
        id: Path<i64>,
        patch: Json<NewSubscription>,
    ) -> AdminResult<Json<Subscription>> {
        let (caller, row) = self.subscription(req, id.0).await?;
        let stored = row.condition.clone().map(Value::String);
        let condition = patch.condition.as_ref().or(stored.as_ref());
        require_reach(&caller, self.registry(), &row.model, condition, None)?;
        let row = subscription::update(
            &self.state.store,
            &self.state.allowed_targets,
            id.0,
            &object(&patch.0),
        )
        .await
        .map_err(source_error)?;
        self.sources_changed().await;
        Ok(Json(typed(Value::Object(subscription::view(&row)))?))
    }

    #[oai(
        path = "/subscriptions/:id",
        method = "delete",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn delete_subscription(&self, req: &Request, id: Path<i64>) -> AdminResult<Deleted> {
        self.subscription(req, id.0).await?;
        subscription::delete(&self.state.store, id.0)
            .await
            .map_err(source_error)?;
        self.sources_changed().await;
        Ok(Deleted::Deleted)
    }

    #[oai(
        path = "/subscriptions/:id/secret",
        method = "get",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn subscription_secret(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Json<SourceSecret>> {
        let (_, row) = self.subscription(req, id.0).await?;
        Ok(Json(secret(
            row.secret,
            row.previous_secret,
            row.previous_secret_until,
        )))
    }

    #[oai(
        path = "/subscriptions/:id/rotate-secret",
        method = "post",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn rotate_subscription_secret(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Json<SourceSecret>> {
        self.subscription(req, id.0).await?;
        let row = subscription::rotate_secret(&self.state.store, id.0)
            .await
            .map_err(source_error)?;
        self.sources_changed().await;
        Ok(Json(secret(
            row.secret,
            row.previous_secret,
            row.previous_secret_until,
        )))
    }

    /// Queue a test notification: the model's newest record, delivered as any other.
    #[oai(
        path = "/subscriptions/:id/test",
        method = "post",
        tag = "OutboundTags::Subscriptions"
    )]
    async fn test_subscription(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Accepted<TestQueued>> {
        self.subscription(req, id.0).await?;
        let delivery_id = queue_test(&self.state, id.0).await?;
        Ok(Accepted::Accepted(Json(TestQueued { delivery_id })))
    }

    /// Deliveries, newest first.
    #[oai(path = "/deliveries", method = "get", tag = "OutboundTags::Deliveries")]
    #[allow(clippy::too_many_arguments)]
    async fn list_deliveries(
        &self,
        req: &Request,
        /// `pending`, `sending`, `done` or `dead`.
        state: Query<Option<String>>,
        /// `rule:3` or `subscription:12`.
        source: Query<Option<String>>,
        model: Query<Option<String>>,
        res_id: Query<Option<i64>>,
        /// At most 500; 50 by default.
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> AdminResult<Json<DeliveryList>> {
        let caller = require_admin(&self.state, req).await?;
        let filter = filter(&caller, state.0, source.0, model.0, res_id.0)?;
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(invalid("limit", &format!("must be 1 to {MAX_LIMIT}")));
        }
        let cursor = cursor
            .0
            .map(|c| {
                c.parse::<i64>()
                    .map_err(|_| invalid("cursor", "is not a cursor this service gave"))
            })
            .transpose()?;
        let (items, next) = deliveries::list(&self.state.store, &filter, limit, cursor).await?;
        Ok(Json(DeliveryList {
            items: items.into_iter().map(typed).collect::<AdminResult<_>>()?,
            next_cursor: next.map(|id| id.to_string()),
        }))
    }

    /// One delivery, with its body and every attempt.
    #[oai(
        path = "/deliveries/:id",
        method = "get",
        tag = "OutboundTags::Deliveries"
    )]
    async fn get_delivery(&self, req: &Request, id: Path<i64>) -> AdminResult<Json<Delivery>> {
        Ok(Json(typed(self.delivery(req, id.0).await?)?))
    }

    /// Send a delivery again now (dead, done, or waiting for a retry).
    #[oai(
        path = "/deliveries/:id/retry",
        method = "post",
        tag = "OutboundTags::Deliveries"
    )]
    async fn retry_delivery(
        &self,
        req: &Request,
        id: Path<i64>,
    ) -> AdminResult<Accepted<Requeued>> {
        self.delivery(req, id.0).await?;
        match deliveries::retry(&self.state.store, id.0).await {
            Ok(()) => {
                self.state.outbox_wake.notify_one();
                Ok(Accepted::Accepted(Json(Requeued { requeued: 1 })))
            }
            Err(RetryError::NotFound(_)) => {
                Err(not_found(&format!("delivery {} does not exist", id.0)))
            }
            Err(e @ RetryError::Sending(_)) => {
                Err(AdminError::Conflict(body("conflict", e.to_string())))
            }
            Err(RetryError::Store(e)) => Err(e.into()),
        }
    }

    /// Send again every delivery matching the filter (`dead` ones unless `state` says otherwise).
    #[oai(
        path = "/deliveries/retry",
        method = "post",
        tag = "OutboundTags::Deliveries"
    )]
    async fn retry_deliveries(
        &self,
        req: &Request,
        wanted: Json<RetryFilter>,
    ) -> AdminResult<Accepted<Requeued>> {
        let caller = require_admin(&self.state, req).await?;
        let w = wanted.0;
        let filter = filter(&caller, w.state, w.source, w.model, w.res_id)?;
        let requeued = deliveries::retry_all(&self.state.store, &filter).await?;
        self.state.outbox_wake.notify_one();
        Ok(Accepted::Accepted(Json(Requeued { requeued })))
    }
}

impl OutboundApi {
    async fn sources_changed(&self) {
        sources_changed(&self.state).await;
    }

    fn registry(&self) -> &weft_registry::Registry {
        self.state.store.registry()
    }

    /// The admin calling and rule `id`, if the caller may use the rule's model.
    async fn rule(&self, req: &Request, id: i64) -> AdminResult<(Caller, entity::rule::Model)> {
        let caller = require_admin(&self.state, req).await?;
        let row = rule::get(&self.state.store, id)
            .await
            .map_err(source_error)?;
        require_model(&caller, &row.model)?;
        Ok((caller, row))
    }

    /// The admin calling and subscription `id`, if the caller may use its model.
    async fn subscription(
        &self,
        req: &Request,
        id: i64,
    ) -> AdminResult<(Caller, entity::subscription::Model)> {
        let caller = require_admin(&self.state, req).await?;
        let row = subscription::get(&self.state.store, id)
            .await
            .map_err(source_error)?;
        require_model(&caller, &row.model)?;
        Ok((caller, row))
    }

    /// Delivery `id` as its view, if the caller may use its model.
    async fn delivery(&self, req: &Request, id: i64) -> AdminResult<Value> {
        let caller = require_admin(&self.state, req).await?;
        let found = deliveries::get(&self.state.store, id).await?;
        let found = found.ok_or_else(|| not_found(&format!("delivery {id} does not exist")))?;
        require_model(&caller, found["model"].as_str().unwrap_or_default())?;
        Ok(found)
    }
}

/// Reload this instance's catalog and tell the others.
pub(crate) async fn sources_changed(state: &AppState) {
    if let Err(e) = state.sources.reload().await {
        tracing::error!(error = %e, "re-reading the outbound sources failed");
    }
    if let Err(e) = state
        .store
        .announce_in(state.store.writer(), Cached::Sources)
        .await
    {
        tracing::warn!(error = %e, "announcing a change of the outbound sources failed");
    }
}

pub(crate) async fn queue_test(state: &AppState, id: i64) -> AdminResult<i64> {
    let catalog = state.sources.current();
    let queued = outbox::queue_test(&state.store, &catalog, id)
        .await
        .map_err(|e| internal(&e.0))?;
    let delivery = queued
        .ok_or_else(|| not_found(&format!("webhook {id} does not exist or is not active")))?;
    state.outbox_wake.notify_one();
    Ok(delivery)
}

/// The deliveries asked for, within the models the caller may use.
fn filter(
    caller: &Caller,
    state: Option<String>,
    source: Option<String>,
    model: Option<String>,
    res_id: Option<i64>,
) -> AdminResult<Filter> {
    if let Some(s) = &state
        && !deliveries::STATES.contains(&s.as_str())
    {
        return Err(invalid(
            "state",
            &format!("must be one of {}", deliveries::STATES.join(", ")),
        ));
    }
    let source = source
        .map(|s| Filter::parse_source(&s).map_err(|e| invalid("source", &e)))
        .transpose()?;
    if let Some(model) = &model {
        require_model(caller, model)?;
    }
    Ok(Filter {
        state,
        source,
        model,
        res_id,
        models: caller.allowed_models.clone(),
    })
}

fn secret(
    secret: String,
    previous: Option<String>,
    until: Option<chrono::NaiveDateTime>,
) -> SourceSecret {
    let live = until.filter(|u| *u > chrono::Utc::now().naive_utc());
    SourceSecret {
        secret,
        previous_secret: live.and(previous),
        previous_secret_until: live.map(weft_outbound::source::odoo_datetime),
    }
}

/// A request object as the JSON map the outbound crate checks (absent fields left out).
pub(crate) fn object(value: &impl ToJSON) -> Map<String, Value> {
    match value.to_json() {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// One of our JSON views as its documented type.
pub(crate) fn typed<T: ParseFromJSON>(value: Value) -> AdminResult<T> {
    T::parse_from_json(Some(value)).map_err(|e| internal(&e.into_message()))
}

pub(crate) fn source_error(e: SourceError) -> AdminError {
    match e {
        SourceError::NotFound(..) => not_found(&e.to_string()),
        SourceError::Invalid { .. } => {
            AdminError::Unprocessable(body("invalid_value", e.to_string()))
        }
        SourceError::UnknownField(_) => {
            AdminError::Unprocessable(body("unknown_field", e.to_string()))
        }
        SourceError::Store(e) => e.into(),
    }
}

fn invalid(name: &str, reason: &str) -> AdminError {
    AdminError::BadRequest(body("invalid_value", format!("{name}: {reason}")))
}

fn not_found(message: &str) -> AdminError {
    AdminError::NotFound(body("not_found", message))
}

fn internal(message: &str) -> AdminError {
    tracing::error!(error = %message, "outbound API failed");
    AdminError::Internal(body(
        "internal_error",
        "internal error (see the server log)",
    ))
}
