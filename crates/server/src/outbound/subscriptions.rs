//! `/api/v1/subscriptions`: webhook subscriptions as plain REST, their signing secrets and test
//! notifications.

use super::{
    Accepted, OutboundTags, SourceSecret, internal, not_found, object, secret, source_error,
    sources_changed, typed,
};
use crate::admin::{AdminResult, Created, Deleted, refused, require_admin, require_model};
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::{Value, json};
use weft_inbound::identity::Caller;
use weft_inbound::reach::require_reach;
use weft_outbound::{entity, outbox, subscription};

/// A webhook subscription (seed 000 §4.2).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
pub struct SubscriptionList {
    pub items: Vec<Subscription>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TestQueued {
    /// The test notification's delivery (`GET /api/v1/deliveries/{id}`).
    pub delivery_id: i64,
}

pub struct SubscriptionsApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl SubscriptionsApi {
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
                self.state.store.registry(),
                model,
                new.condition.as_ref(),
                None,
            )
            .map_err(refused)?;
        }
        let row = subscription::create(
            &self.state.store,
            &self.state.allowed_targets,
            &object(&new.0),
        )
        .await
        .map_err(source_error)?;
        sources_changed(&self.state).await;
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
        require_reach(
            &caller,
            self.state.store.registry(),
            &row.model,
            condition,
            None,
        )
        .map_err(refused)?;
        let row = subscription::update(
            &self.state.store,
            &self.state.allowed_targets,
            id.0,
            &object(&patch.0),
        )
        .await
        .map_err(source_error)?;
        sources_changed(&self.state).await;
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
        sources_changed(&self.state).await;
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
        sources_changed(&self.state).await;
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
}

impl SubscriptionsApi {
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
