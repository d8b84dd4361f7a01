//! Inbound hooks (issue 17 §3, Odoo Studio's webhooks) under `/console/inbound-hooks`: the list
//! (`GET /`), the form to create one (`/new`) and each hook's page (`/{id}`: edit, its URL in a
//! copy widget, Rotate Secret, the signing secret, Try it, a link to its logs). Every change calls
//! `weft_inbound::hook::stored`, as `/api/v1/inbound-hooks` does, with the same checks.
//!
//! - `editor`: the structured target and actions, read as the API's JSON.
//! - `page`: the form and the hook's page, and their posts.
//! - `try_it`: running the hook on a sample payload, rolled back unless kept.

mod editor;
mod page;
mod try_it;

use crate::Console;
use crate::frame::{Frame, Nav, When};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDateTime;
use poem::web::{Data, Query};
use poem::{IntoResponse, Response, Route, get, handler, post};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use weft_inbound::hook::stored;
use weft_logstore::entity::api_log;

pub fn routes() -> Route {
    Route::new()
        .at("/", get(list))
        .at("/new", get(page::new_form).post(page::create))
        .at("/:id", get(page::show).post(page::save))
        .at("/:id/rotate", post(page::rotate))
        .at("/:id/signing-secret", post(page::reveal_signing_secret))
        .at(
            "/:id/signing-secret/rotate",
            post(page::rotate_signing_secret),
        )
        .at("/:id/delete", post(page::delete))
        .at("/:id/try", post(try_it::send))
}

/// One hook as the list shows it: never its URL, which is a credential.
struct Row {
    id: i64,
    name: String,
    model: String,
    active: bool,
    target: String,
    actions: String,
    log_calls: bool,
    require_signature: bool,
    last_call: Option<When>,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbound_hooks.html")]
struct ListPage {
    frame: Frame,
    rows: Vec<Row>,
    notice: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct Notice {
    notice: Option<String>,
}

#[handler]
async fn list(admin: Admin, console: Data<&Console>, query: Query<Notice>) -> Response {
    let hooks = match stored::list(&console.store).await {
        Ok(hooks) => hooks,
        Err(e) => return page::failed("reading the inbound hooks", &e),
    };
    // A key limited to some models sees only their hooks, as in the API's list.
    let hooks: Vec<_> = hooks
        .into_iter()
        .filter(|h| admin.caller.may_use_model(&h.model))
        .collect();
    let last = last_calls(&console).await;
    let rows = hooks
        .iter()
        .map(|hook| {
            let view = stored::view(hook, "", false);
            Row {
                id: hook.id,
                name: hook.name.clone(),
                model: hook.model.clone(),
                active: hook.active,
                target: target_in_words(&hook.model, &view["target"]),
                actions: actions_in_words(&view["actions"]),
                log_calls: hook.log_calls,
                require_signature: hook.require_signature,
                last_call: last
                    .get(&(hook.name.clone(), hook.model.clone()))
                    .copied()
                    .map(When::of),
            }
        })
        .collect();
    let notice = match query.notice.as_deref() {
        Some("deleted") => Some("Deleted the hook: its URL answers 404 from now on.".to_string()),
        _ => None,
    };
    ListPage {
        frame: admin.frame(Nav::InboundHooks),
        rows,
        notice,
    }
    .into_response()
}

/// The newest logged call of every hook, by (name, model) as its receive log names it: the newest
/// log id of each, then those logs' times. Calls of a hook that does not log them are not known.
async fn last_calls(console: &Console) -> HashMap<(String, String), NaiveDateTime> {
    use api_log::Column;
    console.logs.flush().await;
    let conn = console.store.connection();
    let newest: Result<Vec<i64>, _> = api_log::Entity::find()
        .select_only()
        .expr(Func::max(Expr::col(Column::Id)))
        .filter(Column::LogType.eq("receive"))
        .filter(Column::Route.eq(stored::LOG_ROUTE))
        .group_by(Column::FunctionName)
        .group_by(Column::Model)
        .into_tuple::<i64>()
        .all(conn)
        .await;
    let rows = match newest {
        Ok(ids) if ids.is_empty() => return HashMap::new(),
        Ok(ids) => {
            api_log::Entity::find()
                .filter(Column::Id.is_in(ids))
                .all(conn)
                .await
        }
        Err(e) => Err(e),
    };
    match rows {
        Ok(rows) => rows
            .into_iter()
            .map(|r| {
                (
                    (r.function_name, r.model.unwrap_or_default()),
                    r.create_date,
                )
            })
            .collect(),
        Err(e) => {
            // The list still shows; only the last call is missing.
            tracing::warn!(error = %e, "reading the inbound hooks' last calls failed");
            HashMap::new()
        }
    }
}

/// `{"by": ...}` as a person says it.
fn target_in_words(model: &str, target: &Value) -> String {
    match target["by"].as_str() {
        Some("model_id") => format!("the {model} record the payload's _model and _id name"),
        Some("search") => {
            let key: Vec<String> = target["key"]
                .as_object()
                .map(|k| {
                    k.iter()
                        .map(|(f, v)| format!("{f} = {}", value_in_words(v)))
                        .collect()
                })
                .unwrap_or_default();
            format!("the one {model} whose {}", key.join(" and "))
        }
        Some("none") => "no record: the actions only create".into(),
        _ => "unknown".into(),
    }
}

/// A value of a hook's definition: `payload.path` for a reference, else its JSON.
fn value_in_words(value: &Value) -> String {
    match value.get("$payload").and_then(Value::as_str) {
        Some(path) => format!("payload {path}"),
        None => value.to_string(),
    }
}

/// `update phone, email; create res.partner; call action_confirm`.
fn actions_in_words(actions: &Value) -> String {
    let fields = |a: &Value| -> String {
        a["values"]
            .as_object()
            .map(|v| v.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    let each: Vec<String> = actions
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|a| match a["type"].as_str().unwrap_or_default() {
            "update" => format!("update {}", fields(a)),
            "create" => {
                let model = a["model"]
                    .as_str()
                    .map(|m| format!("{m} "))
                    .unwrap_or_default();
                format!("create {model}({})", fields(a))
            }
            "call" => format!("call {}", a["method"].as_str().unwrap_or_default()),
            other => other.to_string(),
        })
        .collect();
    each.join("; ")
}
