//! The Odoo model-method dispatcher (`weft_inbound::rpc`) on SQLite and PostgreSQL: each method's
//! shape, each fault's kind and message, and the attacks a hostile client may try through it.

#[path = "../common/mod.rs"]
mod common;

mod attacks;
mod faults;
mod group;
mod hooks;
mod meta;
mod shapes;

use serde_json::{Map, Value, json};
use weft_inbound::call::CallSettings;
use weft_inbound::rpc::{self, Answer, Fault, FaultKind, ModelCall};
use weft_store::{Env, Store};

/// `execute_kw(model, method, args, kwargs)` as `env`.
pub async fn call(
    store: &Store,
    env: &Env,
    model: &str,
    method: &str,
    args: Value,
    kwargs: Value,
) -> Result<Answer, Fault> {
    let call = ModelCall {
        model: model.into(),
        method: method.into(),
        args: args.as_array().cloned().expect("args is a list"),
        kwargs: kwargs.as_object().cloned().unwrap_or_else(Map::new),
    };
    rpc::dispatch(store, env, &call, &CallSettings::default()).await
}

/// The result of a call that must succeed.
pub async fn ok(
    store: &Store,
    env: &Env,
    model: &str,
    method: &str,
    args: Value,
    kwargs: Value,
) -> Value {
    match call(store, env, model, method, args, kwargs).await {
        Ok(answer) => answer.result,
        Err(fault) => panic!("{model}.{method} failed: {fault:?}"),
    }
}

/// The fault of a call that must fail.
pub async fn fault(
    store: &Store,
    env: &Env,
    model: &str,
    method: &str,
    args: Value,
    kwargs: Value,
) -> Fault {
    match call(store, env, model, method, args, kwargs).await {
        Ok(answer) => panic!("{model}.{method} succeeded: {}", answer.result),
        Err(fault) => fault,
    }
}

pub fn assert_fault(fault: &Fault, kind: FaultKind, part: &str) {
    assert_eq!(fault.kind, kind, "{fault:?}");
    assert!(
        fault.message.contains(part),
        "{:?} should mention {part:?}",
        fault.message
    );
}

/// A user of company 1 only (uid 7).
pub fn user() -> Env {
    Env::user(7, 1, vec![1])
}

/// A user of companies 1 and 2, working in 1.
pub fn both() -> Env {
    Env::user(7, 1, vec![1, 2])
}

/// `user()` through a key limited to `models`.
pub fn key(models: &[&str]) -> Env {
    let models: Vec<String> = models.iter().map(|m| m.to_string()).collect();
    user().with_models(Some(&models))
}

pub fn su() -> Env {
    Env::superuser()
}

/// Company 2 with its partner "Other", and "Mine" of company 1.
pub struct Two {
    pub mine: i64,
    pub other: i64,
}

pub async fn two_companies(store: &Store) -> Two {
    let second = common::create(store, "res.company", json!({"name": "Second"})).await;
    assert_eq!(second, 2);
    Two {
        mine: common::create(
            store,
            "res.partner",
            json!({"name": "Mine", "company_id": 1}),
        )
        .await,
        other: common::create(
            store,
            "res.partner",
            json!({"name": "Other", "company_id": 2}),
        )
        .await,
    }
}
