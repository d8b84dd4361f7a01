//! `/api/v1/deliveries`: the outbox under review (filtered, paged) and its retries.

use super::{Accepted, OutboundTags, invalid, not_found, typed};
use crate::admin::{AdminError, AdminResult, body, require_admin, require_model};
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::Value;
use weft_inbound::identity::Caller;
use weft_outbound::deliveries::{self, Filter, RetryError};

/// One delivery of the outbox.
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
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
#[oai(skip_serializing_if_is_none)]
pub struct DeliveryList {
    pub items: Vec<Delivery>,
    pub next_cursor: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RetryFilter {
    /// Default `dead`.
    pub state: Option<String>,
    pub source: Option<String>,
    pub model: Option<String>,
    pub res_id: Option<i64>,
    /// The target URL, exactly.
    pub url: Option<String>,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct Requeued {
    /// Deliveries due again now.
    pub requeued: u64,
}

pub struct DeliveriesApi {
    pub state: AppState,
}

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 500;

#[OpenApi(prefix_path = "/api/v1")]
impl DeliveriesApi {
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
        /// The target URL, exactly.
        url: Query<Option<String>>,
        /// At most 500; 50 by default.
        limit: Query<Option<u64>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
    ) -> AdminResult<Json<DeliveryList>> {
        let caller = require_admin(&self.state, req).await?;
        let mut filter = filter(&caller, state.0, source.0, model.0, res_id.0)?;
        filter.url = url.0;
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
        let mut filter = filter(&caller, w.state, w.source, w.model, w.res_id)?;
        filter.url = w.url;
        let requeued = deliveries::retry_all(&self.state.store, &filter).await?;
        self.state.outbox_wake.notify_one();
        Ok(Accepted::Accepted(Json(Requeued { requeued })))
    }
}

impl DeliveriesApi {
    /// Delivery `id` as its view, if the caller may use its model.
    async fn delivery(&self, req: &Request, id: i64) -> AdminResult<Value> {
        let caller = require_admin(&self.state, req).await?;
        let found = deliveries::get(&self.state.store, id).await?;
        let found = found.ok_or_else(|| not_found(&format!("delivery {id} does not exist")))?;
        require_model(&caller, found["model"].as_str().unwrap_or_default())?;
        Ok(found)
    }
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
        url: None,
    })
}
