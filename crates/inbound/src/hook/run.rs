//! One call of an inbound hook's URL (DESIGN.md §8, research odoo §3.6): check the signature when
//! the hook requires one, check the payload has what the actions require, find the target, and run
//! the actions in order in one transaction, each as the matching ecosoft route would (so values
//! use the friendly format, and changes fire outbound rules like any other change). A refused or
//! failed action rolls everything back.
//!
//! The actions run as the hook's owner (a user, with that user's companies), never as superuser,
//! and the values they take from the payload are values (`plan`, `call::untrusted`).
//!
//! `try_run` is the same call for the console's Try it: it reports the records the actions changed
//! (before and after) and rolls the transaction back unless asked to keep it.

use super::definition::Definition;
use super::plan::{self, Aim};
use super::stored::entity::Model as Hook;
use crate::call::{self, CallSettings, InTx, InTxCall};
use crate::identity;
use chrono::Utc;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Value, json};
use weft_store::{ChangeKind, ChangeSet, RecordChange};
use weft_store::{Env, Store};
use weft_webhook::signing::Secret;

/// How far a signed call's timestamp may be from now (Standard Webhooks' usual tolerance).
pub const SIGNATURE_WINDOW_S: i64 = 15 * 60;

/// How often a call that loses a race (a deadlock) is run again.
const ATTEMPTS: u32 = 3;

/// The answer to a call of a hook's URL.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// 200 `{"status": "ok"}`.
    Ok,
    /// 404 `{"status": "error"}`: no active hook has this secret.
    NotFound,
    /// 400: the request itself is unusable (a body that is not a JSON object).
    BadRequest(String),
    /// 401: a missing, bad, stale or replayed signature.
    Unauthorized(String),
    /// 403: the hook may not act (its owner is inactive or removed); nothing was run.
    Forbidden(String),
    /// 422: the payload does not fit the hook (a required value missing, no target, a bad value).
    Refused(String),
    /// 500: a fault, logged; the message says no more than that.
    Fault,
}

impl Reply {
    pub fn status(&self) -> u16 {
        match self {
            Reply::Ok => 200,
            Reply::NotFound => 404,
            Reply::BadRequest(_) => 400,
            Reply::Unauthorized(_) => 401,
            Reply::Forbidden(_) => 403,
            Reply::Refused(_) => 422,
            Reply::Fault => 500,
        }
    }

    /// What is wrong: none on 200, nor on 404, which says no more than Odoo does.
    pub fn message(&self) -> Option<&str> {
        match self {
            Reply::Ok | Reply::NotFound => None,
            Reply::BadRequest(m)
            | Reply::Unauthorized(m)
            | Reply::Forbidden(m)
            | Reply::Refused(m) => Some(m),
            Reply::Fault => Some("internal error"),
        }
    }

    pub fn body(&self) -> Value {
        let status = if *self == Reply::Ok { "ok" } else { "error" };
        match self.message() {
            Some(message) => json!({"status": status, "message": message}),
            None => json!({"status": status}),
        }
    }
}

/// A call's body as its payload: the JSON object it holds, None for a blank body (whose payload
/// is then the query string), or the 400 a body that is not a JSON object gets (as Odoo, whatever
/// the content type).
pub fn read_body(body: &[u8]) -> Result<Option<Value>, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(Some(value)),
        Ok(_) => Err(Reply::BadRequest("the body must be a JSON object".into())),
        Err(_) if is_blank(body) => Ok(None),
        Err(e) => Err(Reply::BadRequest(format!("the body is not JSON: {e}"))),
    }
}

/// No body (only white space).
pub fn is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

/// The Standard Webhooks headers of a call, when it has them.
#[derive(Debug, Clone, Default)]
pub struct Signed<'a> {
    pub id: Option<&'a str>,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// What a call sent: a JSON body, or a query string whose values are all text (payload values
/// are read by the type of the field they fill, so `rank=3` fills an integer).
pub struct Payload<'a> {
    pub value: &'a Value,
}

/// Run `hook` for a call; `verified` is what `verify` found of its signature.
pub async fn run(
    store: &Store,
    settings: &CallSettings,
    hook: &Hook,
    sent: &Payload<'_>,
    verified: Option<Verified<'_>>,
) -> Reply {
    execute(store, settings, hook, sent, verified, None).await.0
}

/// A call run by `try_run`: the reply, and what its actions changed.
#[derive(Debug)]
pub struct Tried {
    pub reply: Reply,
    /// Every record the actions touched, with its row before (none for a created one) and after,
    /// as the transaction saw them before it ended; empty unless the reply is 200.
    pub changes: Vec<RecordChange>,
    /// The changes were committed (`keep` and a 200).
    pub kept: bool,
}

/// Run `hook` on `sent` exactly as `run` does (same checks, same owner, same transaction), but
/// report the records it changed and roll everything back unless `keep`: a dry run.
pub async fn try_run(
    store: &Store,
    settings: &CallSettings,
    hook: &Hook,
    sent: &Payload<'_>,
    verified: Option<Verified<'_>>,
    keep: bool,
) -> Tried {
    let (reply, changes) = execute(store, settings, hook, sent, verified, Some(keep)).await;
    Tried {
        kept: keep && reply == Reply::Ok,
        reply,
        changes: changes.changes,
    }
}

/// `run`, or with `trial` (keep or not) `try_run`.
async fn execute(
    store: &Store,
    settings: &CallSettings,
    hook: &Hook,
    sent: &Payload<'_>,
    verified: Option<Verified<'_>>,
    trial: Option<bool>,
) -> (Reply, ChangeSet) {
    let nothing = |reply| (reply, ChangeSet::default());
    let payload = sent.value;
    match (&verified, hook.require_signature) {
        (None, true) => {
            return nothing(Reply::Unauthorized(
                "this hook requires a signed call".into(),
            ));
        }
        (Some(_), _) => forget_expired(store).await,
        (None, false) => {}
    }
    let definition = match Definition::parse(
        store.registry(),
        &hook.model,
        &parse(&hook.target),
        &parse(&hook.actions),
    ) {
        Ok(definition) => definition,
        Err(e) => {
            tracing::error!(hook = hook.id, error = %e, "an inbound hook no longer fits the schema");
            return nothing(Reply::Fault);
        }
    };
    // No owner, no action: whatever the payload holds, the answer is the same 403.
    let env = match owner_env(store, hook).await {
        Ok(env) => env,
        Err(reply) => return nothing(reply),
    };
    if let Some(reply) = plan::missing(&definition, payload) {
        return nothing(reply);
    }
    let aim = match plan::aim(&definition.target, &hook.model, payload) {
        Ok(aim) => aim,
        Err(reply) => return nothing(reply),
    };
    // One transaction, all or nothing: a failed action must not leave the ones before it.
    let settings = CallSettings {
        rollback_except: true,
        ..settings.clone()
    };
    let mut attempt = 1;
    loop {
        let run = Run {
            store,
            settings: &settings,
            hook,
            env: &env,
            verified: verified.as_ref(),
            trial,
        };
        match run.actions(&definition, &aim, payload).await {
            Err(Fault::Transient) if attempt < ATTEMPTS => attempt += 1,
            Err(_) => return nothing(Reply::Fault),
            Ok(ran) => return ran,
        }
    }
}

enum Fault {
    Transient,
    Other,
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Who the actions run as: the hook's owner, with the owner's companies. A hook whose owner is
/// gone or inactive does nothing (403), rather than fall back to anyone else.
async fn owner_env(store: &Store, hook: &Hook) -> Result<Env, Reply> {
    let Some(owner) = hook.owner_id else {
        return Err(Reply::Forbidden(
            "this hook has no owner: an admin must set its owner_id".into(),
        ));
    };
    match identity::caller_of(store, owner, None).await {
        // Bounded by the models of the key that made the hook, as a call of that key would be.
        Ok(Some(caller)) => Ok(caller.env.with_models(allowed_models(hook).as_deref())),
        Ok(None) => Err(Reply::Forbidden(format!(
            "this hook's owner (user {owner}) is inactive or removed: an admin must give it an active owner"
        ))),
        Err(e) => {
            tracing::error!(hook = hook.id, error = %e, "reading an inbound hook's owner failed");
            Err(Reply::Fault)
        }
    }
}

/// The models a hook's actions may touch (`stored::entity::Model::allowed_models`); None = all.
fn allowed_models(hook: &Hook) -> Option<Vec<String>> {
    let list = hook.allowed_models.as_ref()?.as_array()?;
    Some(
        list.iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect(),
    )
}

/// One run of a hook's actions.
struct Run<'a> {
    store: &'a Store,
    settings: &'a CallSettings,
    hook: &'a Hook,
    /// The owner's: who the actions run as.
    env: &'a Env,
    /// A signed call, whose `webhook-id` is kept in the same transaction as the change: a call
    /// refused or failed can be sent again with it, one that committed cannot.
    verified: Option<&'a Verified<'a>>,
    /// Try it (`try_run`): Some(keep) reports the changes, and commits them only when `keep`.
    trial: Option<bool>,
}

impl Run<'_> {
    async fn actions(
        &self,
        definition: &Definition,
        aim: &Aim,
        payload: &Value,
    ) -> Result<(Reply, ChangeSet), Fault> {
        let nothing = |reply| (reply, ChangeSet::default());
        let (store, hook) = (self.store, self.hook);
        let mut tx = store
            .begin(self.env)
            .await
            .map_err(|e| fault(hook, "could not begin", &e))?;
        if let Some(call) = self.verified {
            let first = remember(tx.connection(), hook.id, call)
                .await
                .map_err(|e| {
                    let transient = weft_store::StoreError::Database(e).is_transient();
                    tracing::warn!(hook = hook.id, transient, "keeping a webhook-id failed");
                    if transient {
                        Fault::Transient
                    } else {
                        Fault::Other
                    }
                })?;
            if !first {
                let _ = tx.rollback().await;
                return Ok(nothing(Reply::Unauthorized(
                    "this webhook-id was accepted before (a replayed call)".into(),
                )));
            }
        }
        let target = match self.one_record(&tx, aim).await {
            Ok(target) => target,
            Err(reply) => {
                let _ = tx.rollback().await;
                return Ok(nothing(reply));
            }
        };
        for (i, action) in definition.actions.iter().enumerate() {
            let planned = plan::action_call(&action.kind, &hook.model, target, payload);
            let call = InTxCall {
                env: self.env,
                route: planned.route,
                model: planned.model,
                vals: &planned.vals,
                settings: self.settings,
                from_payload: &planned.from_payload,
            };
            let ran = call::run_in(&mut tx, store.registry().clone(), call).await;
            let failed = match ran {
                InTx::Done => continue,
                // The message names the field (`parent_id: no res.partner matches ...`).
                InTx::Refused(error) => Ok(nothing(Reply::Refused(format!(
                    "actions[{i}]: {}",
                    error.message
                )))),
                InTx::Fault { transient: true } => Err(Fault::Transient),
                InTx::Fault { transient: false } => Err(Fault::Other),
            };
            if let Err(e) = tx.rollback().await {
                tracing::warn!(hook = hook.id, error = %e, "rolling back an inbound hook failed");
            }
            return failed;
        }
        let changes = match self.trial {
            None => ChangeSet::default(),
            Some(_) => seen(&tx).await,
        };
        if self.trial == Some(false) {
            // Try it without keeping: the changes were seen, none is kept (nor fires a rule).
            if let Err(e) = tx.rollback().await {
                tracing::warn!(hook = hook.id, error = %e, "rolling back a tried hook failed");
            }
            return Ok((Reply::Ok, changes));
        }
        tx.commit_only().await.map_err(|e| {
            tracing::error!(hook = hook.id, error = %e, "an inbound hook's commit failed");
            if e.is_transient() {
                Fault::Transient
            } else {
                Fault::Other
            }
        })?;
        Ok((Reply::Ok, changes))
    }
}

/// What `tx` changed so far, each record's row after the change read inside it (a change set
/// holds only the rows before until a commit reads the rest).
async fn seen(tx: &weft_store::Tx) -> ChangeSet {
    let mut changes = tx.changes().clone();
    let missing = |c: &RecordChange| c.kind != ChangeKind::Deleted && c.after.is_none();
    let mut models: Vec<String> = Vec::new();
    for change in changes.changes.iter().filter(|c| missing(c)) {
        if !models.contains(&change.model) {
            models.push(change.model.clone());
        }
    }
    for model in models {
        let ids: Vec<i64> = changes
            .of_model(&model)
            .filter(|c| missing(c))
            .map(|c| c.id)
            .collect();
        match tx.stored_rows(&model, &ids).await {
            Ok(mut rows) => changes
                .changes
                .iter_mut()
                .filter(|c| c.model == model && missing(c))
                .for_each(|c| c.after = rows.remove(&c.id)),
            // Shown without its after row; the run itself went as a call would.
            Err(e) => tracing::warn!(model, error = %e, "reading a tried hook's changes failed"),
        }
    }
    changes
}

impl Run<'_> {
    /// The target's id: a search target must find exactly one record (as the owner sees them).
    async fn one_record(&self, tx: &weft_store::Tx, aim: &Aim) -> Result<Option<i64>, Reply> {
        let (key, from_payload) = match aim {
            Aim::None => return Ok(None),
            Aim::Id(id) => return Ok(Some(*id)),
            Aim::Search { key, from_payload } => (key, from_payload),
        };
        let registry = self.store.registry().clone();
        let model = &self.hook.model;
        let shown = || Value::Object(key.clone());
        match call::find(tx, registry, model, key, from_payload).await {
            Ok(ids) if ids.len() == 1 => Ok(Some(ids[0])),
            Ok(ids) if ids.is_empty() => Err(Reply::Refused(format!(
                "target.key: no {model} matches {}",
                shown()
            ))),
            Ok(ids) => Err(Reply::Refused(format!(
                "target.key: {} records of {model} match {}; a hook acts on one",
                ids.len(),
                shown()
            ))),
            Err(error) => Err(Reply::Refused(format!("target.key: {}", error.message))),
        }
    }
}

fn fault(hook: &Hook, what: &str, error: &dyn std::fmt::Display) -> Fault {
    tracing::error!(hook = hook.id, error = %error, "an inbound hook {what}");
    Fault::Other
}

/// A signed call's `webhook-id` and timestamp (seconds since the epoch).
pub struct Verified<'s> {
    pub id: &'s str,
    pub timestamp: i64,
}

/// The signature of a call to `hook`, when the hook requires one (checked before the body is read
/// as a payload: an unsigned call is refused as such, whatever its body).
///
/// Standard Webhooks: the signature is the hook's over `body` and the timestamp within the window;
/// the `webhook-id` is checked for replay in the transaction of the change. A payload from a query
/// string (`texts`) is not covered by a signature, so a hook that requires one takes a JSON body.
pub fn verify<'s>(
    hook: &Hook,
    body: &[u8],
    texts: bool,
    signed: &Signed<'s>,
) -> Result<Option<Verified<'s>>, Reply> {
    if !hook.require_signature {
        return Ok(None);
    }
    let unauthorized = |why: &str| Err(Reply::Unauthorized(why.to_string()));
    let (Some(id), Some(timestamp), Some(signature)) =
        (signed.id, signed.timestamp, signed.signature)
    else {
        return unauthorized(
            "this hook requires webhook-id, webhook-timestamp and webhook-signature headers",
        );
    };
    let Ok(timestamp) = timestamp.trim().parse::<i64>() else {
        return unauthorized("webhook-timestamp: expected seconds since the epoch");
    };
    if Utc::now().timestamp().abs_diff(timestamp) > SIGNATURE_WINDOW_S as u64 {
        return unauthorized("webhook-timestamp is more than 15 minutes from now");
    }
    if texts {
        return unauthorized(
            "a signed call carries its payload as a JSON body, not a query string",
        );
    }
    let Ok(secret) = Secret::parse(&hook.signing_secret) else {
        tracing::error!(
            hook = hook.id,
            "an inbound hook's signing secret is unreadable"
        );
        return Err(Reply::Fault);
    };
    if !secret.verifies(id, timestamp, body, signature) {
        return unauthorized("webhook-signature does not match this hook's signing secret");
    }
    Ok(Some(Verified { id, timestamp }))
}

fn seen_table() -> Alias {
    Alias::new("weft_inbound_hook_seen")
}

/// Keep a signed call's `webhook-id` until its timestamp leaves the window (so it is refused for
/// as long as its signature would be taken); false when it is kept already.
async fn remember(
    conn: &impl ConnectionTrait,
    hook: i64,
    call: &Verified<'_>,
) -> Result<bool, DbErr> {
    let expires = chrono::DateTime::from_timestamp(call.timestamp + SIGNATURE_WINDOW_S, 0)
        .map(|at| at.naive_utc())
        .unwrap_or_else(|| Utc::now().naive_utc());
    let keep = Query::insert()
        .into_table(seen_table())
        .columns([
            Alias::new("hook_id"),
            Alias::new("webhook_id"),
            Alias::new("expires_at"),
        ])
        .values_panic([hook.into(), call.id.into(), expires.into()])
        .on_conflict(
            OnConflict::columns([Alias::new("hook_id"), Alias::new("webhook_id")])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(conn.execute(&keep).await?.rows_affected() == 1)
}

/// Forget the `webhook-id`s whose window has passed; outside any call's transaction, so calls do
/// not wait on each other's purge.
async fn forget_expired(store: &Store) {
    let forget = Query::delete()
        .from_table(seen_table())
        .and_where(Expr::col(Alias::new("expires_at")).lt(Utc::now().naive_utc()))
        .to_owned();
    if let Err(e) = store.writer().execute(&forget).await {
        tracing::warn!(error = %e, "forgetting expired webhook-ids failed");
    }
}

#[cfg(test)]
mod tests;
