//! `/api/v1/outbound-rules`, `/api/v1/subscriptions` and `/api/v1/deliveries` (DESIGN.md §11): the
//! sources of outbound deliveries as plain REST, and the outbox under review. A change to a source
//! reloads this instance's catalog at once and is announced to the others (PostgreSQL). A key
//! limited to some models sees and changes only the rules, subscriptions and deliveries of those.
//!
//! One API struct per resource (`rules`, `subscriptions`, `deliveries`), combined in that order
//! into `OutboundApi` so the document lists their paths as before; what they share is here.

mod deliveries;
mod rules;
mod subscriptions;

use crate::admin::{AdminError, AdminResult, body};
use crate::state::AppState;
use poem_openapi::payload::Json;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{ApiResponse, Object, Tags};
use serde_json::{Map, Value};
use weft_outbound::source::SourceError;

pub(crate) use subscriptions::queue_test;

/// The outbound routes of the OpenAPI document: rules, then subscriptions, then deliveries.
pub type OutboundApi = (
    rules::RulesApi,
    subscriptions::SubscriptionsApi,
    deliveries::DeliveriesApi,
);

/// The outbound routes over `state`.
pub fn api(state: AppState) -> OutboundApi {
    (
        rules::RulesApi {
            state: state.clone(),
        },
        subscriptions::SubscriptionsApi {
            state: state.clone(),
        },
        deliveries::DeliveriesApi { state },
    )
}

#[derive(Tags)]
enum OutboundTags {
    /// Outbound rules: POST a payload when a record comes to match a domain.
    OutboundRules,
    /// Webhook subscriptions: notify an address of creates, writes and deletes.
    Subscriptions,
    /// The outbox: every delivery, its attempts, retries.
    Deliveries,
}

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SourceSecret {
    pub secret: String,
    /// During a rotation: the replaced secret, which still signs until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<String>,
}

#[derive(ApiResponse)]
pub enum Accepted<T: ToJSON> {
    #[oai(status = 202)]
    Accepted(Json<T>),
}

/// Reload this instance's catalog and tell the others.
pub(crate) async fn sources_changed(state: &AppState) {
    state.sources.changed().await;
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
