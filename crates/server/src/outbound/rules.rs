//! `/api/v1/outbound-rules`: outbound rules as plain REST, with their signing secrets.

use super::{OutboundTags, SourceSecret, object, secret, source_error, sources_changed, typed};
use crate::admin::{AdminResult, Created, Deleted, refused, require_admin, require_model};
use crate::state::AppState;
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde_json::{Value, json};
use weft_inbound::identity::Caller;
use weft_inbound::reach::require_reach;
use weft_outbound::{entity, rule};

/// An outbound rule (DESIGN.md §6).
#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
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

#[derive(Object)]
#[oai(skip_serializing_if_is_none)]
pub struct OutboundRuleList {
    pub items: Vec<OutboundRule>,
    pub next_cursor: Option<String>,
}

pub struct RulesApi {
    pub state: AppState,
}

#[OpenApi(prefix_path = "/api/v1")]
impl RulesApi {
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
            require_reach(&caller, self.state.store.registry(), model, domain, payload)
                .map_err(refused)?;
        }
        let row = rule::create(
            &self.state.store,
            &self.state.allowed_targets,
            &object(&new.0),
        )
        .await
        .map_err(source_error)?;
        sources_changed(&self.state).await;
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
            self.state.store.registry(),
            patch.model.as_deref().unwrap_or(&row.model),
            patch.trigger_domain.as_ref().or(Some(&stored_domain)),
            patch.payload_fields.as_ref().or(stored_payload.as_ref()),
        )
        .map_err(refused)?;
        let row = rule::update(
            &self.state.store,
            &self.state.allowed_targets,
            id.0,
            &object(&patch.0),
        )
        .await
        .map_err(source_error)?;
        sources_changed(&self.state).await;
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
        sources_changed(&self.state).await;
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
        sources_changed(&self.state).await;
        Ok(Json(secret(
            row.secret,
            row.previous_secret,
            row.previous_secret_until,
        )))
    }
}

impl RulesApi {
    /// The admin calling and rule `id`, if the caller may use the rule's model.
    async fn rule(&self, req: &Request, id: i64) -> AdminResult<(Caller, entity::rule::Model)> {
        let caller = require_admin(&self.state, req).await?;
        let row = rule::get(&self.state.store, id)
            .await
            .map_err(source_error)?;
        require_model(&caller, &row.model)?;
        Ok((caller, row))
    }
}
