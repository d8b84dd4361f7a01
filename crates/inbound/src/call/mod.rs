//! The five ecosoft routes (DESIGN.md §4, research §2.3–§9): `run` takes a route, a model and the
//! call's `vals`, does the work in one transaction and answers the JSON-RPC `result` object. A
//! failure is an `is_success: false` outcome with a stable `error.code`, never a panic and never a
//! database message: those go to the log.
//!
//! | route | module |
//! |---|---|
//! | create_data, update_data, create_update_data | `write` (payload conversion in `convert`) |
//! | search_data | `search` (expansion via `weft_registry::field_spec`) |
//! | call_function | `function` (`copy` for copy methods) |

mod attachment;
mod callback;
mod convert;
pub(crate) mod copy;
pub(crate) mod error;
pub(crate) mod function;
pub(crate) mod limits;
mod log;
mod lookup;
mod path;
pub(crate) mod search;
pub(crate) mod untrusted;
mod vals;
mod write;

pub use log::CallLog;
pub use untrusted::FromPayload;

use error::{CallError, CallResult, Code};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use weft_registry::{Model, Registry};
use weft_store::{Env, Store, Tx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    CreateData,
    UpdateData,
    CreateUpdateData,
    SearchData,
    CallFunction,
}

impl Route {
    pub const ALL: [Route; 5] = [
        Route::CreateData,
        Route::UpdateData,
        Route::CreateUpdateData,
        Route::SearchData,
        Route::CallFunction,
    ];

    /// The route's name as in `/api/<name>` and in the `webhook.<name>_log` parameter.
    pub fn name(self) -> &'static str {
        match self {
            Route::CreateData => "create_data",
            Route::UpdateData => "update_data",
            Route::CreateUpdateData => "create_update_data",
            Route::SearchData => "search_data",
            Route::CallFunction => "call_function",
        }
    }

    pub fn from_name(name: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.name() == name)
    }

    pub fn writes(self) -> bool {
        self != Route::SearchData
    }
}

/// The `webhook.*` parameters a call depends on (DESIGN.md §4.1).
#[derive(Debug, Clone)]
pub struct CallSettings {
    /// Roll back a call that answered `is_success: false` without an error. Every Weft failure is
    /// an error, so `rollback_except` is the one that decides; this is kept for parity.
    pub rollback_state_failed: bool,
    /// Roll back a failed call; when false, whatever it wrote before failing is committed.
    pub rollback_except: bool,
    /// Comodels whose lookups are not scoped to a company (exact model names).
    pub ignore_checkcompany_model: Vec<String>,
    /// Drop unknown payload keys instead of answering `unknown_field`.
    pub ignore_unknown_fields: bool,
    /// `WEFT_ALLOWED_TARGETS`: private hosts a `callback_url` may name.
    pub allowed_targets: weft_webhook::targets::AllowedTargets,
}

impl Default for CallSettings {
    fn default() -> Self {
        CallSettings {
            rollback_state_failed: true,
            rollback_except: true,
            ignore_checkcompany_model: Vec::new(),
            ignore_unknown_fields: false,
            allowed_targets: Default::default(),
        }
    }
}

impl CallSettings {
    /// The call settings of DESIGN.md §4.1 from the `webhook.*` parameters: what the API's routes,
    /// an inbound hook's URL and the console's Try it all run with.
    pub fn from_parameters(
        p: &weft_store::parameters::Parameters,
        allowed_targets: &weft_webhook::targets::AllowedTargets,
    ) -> CallSettings {
        CallSettings {
            rollback_state_failed: p.flag("webhook.rollback_state_failed"),
            rollback_except: p.flag("webhook.rollback_except"),
            ignore_checkcompany_model: p.models("webhook.ignore_checkcompany_model"),
            ignore_unknown_fields: p.flag("webhook.ignore_unknown_fields"),
            allowed_targets: allowed_targets.clone(),
        }
    }
}

/// The `error` object of a failed call.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ApiError {
    pub code: &'static str,
    pub message: String,
    /// The field the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 0-based path from the payload root: `order_line[2].product_id`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Clone)]
pub struct CallOutcome {
    /// The JSON-RPC `result` object: {"is_success":true,"result":..,"messages":".."} or
    /// {"is_success":false,"messages":"<one line>","error":{"code","message","field"?,"path"?}} (no `result` key).
    pub body: Value,
    pub error: Option<ApiError>,
    /// ids of the call's model that it created or updated (the log's res_id; callbacks are stored for these)
    pub records: Vec<i64>,
}

/// Run one call. Write routes run in a write transaction that commits on success; a failure rolls
/// back (or, with `rollback_except` off, commits what was written before it).
pub async fn run(
    store: &Store,
    env: &Env,
    route: Route,
    model: &str,
    vals: &Map<String, Value>,
    settings: &CallSettings,
) -> CallOutcome {
    let call = Invocation {
        store,
        env,
        route,
        settings,
    };
    let mut attempt = 1;
    loop {
        match execute(&call, model, vals).await {
            Ok(outcome) => return outcome,
            // Everything it wrote was rolled back: running it again is safe.
            Err(CallError::Transient(detail)) if attempt < TRANSIENT_ATTEMPTS => {
                tracing::debug!(route = route.name(), model, attempt, %detail, "retrying a call that lost a race");
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                attempt += 1;
            }
            Err(error) => return failure(route, model, error),
        }
    }
}

/// How often a call that loses a race (a deadlock) is run before its error is returned.
const TRANSIENT_ATTEMPTS: u64 = 3;

/// How a call is run, beside what it asks for.
struct Invocation<'a> {
    store: &'a Store,
    env: &'a Env,
    route: Route,
    settings: &'a CallSettings,
}

/// What a successful route hands back.
pub(crate) struct Success {
    pub result: Value,
    pub message: String,
    pub records: Vec<i64>,
}

impl Success {
    fn into_outcome(self) -> CallOutcome {
        CallOutcome {
            body: json!({"is_success": true, "result": self.result, "messages": self.message}),
            error: None,
            records: self.records,
        }
    }
}

/// Everything a route needs to know about the call.
pub(crate) struct Call<'a> {
    pub model: &'a Model,
    pub vals: &'a Map<String, Value>,
    pub settings: &'a CallSettings,
    pub registry: Arc<Registry>,
    pub env: &'a Env,
    /// The values an inbound hook's caller filled in (none for the data routes).
    pub from_payload: &'a FromPayload,
}

impl Call<'_> {
    fn converter<'c>(&'c self, auto_create: &'c Map<String, Value>) -> convert::Converter<'c> {
        convert::Converter::new(
            self.registry.clone(),
            self.settings,
            auto_create,
            self.from_payload,
            self.env.company_id,
        )
    }
}

async fn execute(
    invocation: &Invocation<'_>,
    model: &str,
    vals: &Map<String, Value>,
) -> CallResult<CallOutcome> {
    let Invocation {
        store,
        env,
        route,
        settings,
    } = *invocation;
    limits::check(vals)?;
    let registry = store.registry().clone();
    let Some(model) = registry.model(model) else {
        return Err(CallError::plain(
            Code::UnknownModel,
            format!("unknown model '{model}'"),
        ));
    };
    let call = Call {
        model,
        vals,
        settings,
        registry: registry.clone(),
        env,
        from_payload: &untrusted::NONE,
    };
    if !route.writes() {
        let tx = store.begin_read(env).await?;
        let result = search::search_data(&call, &tx).await;
        // Nothing to keep: a read transaction only ends.
        if let Err(e) = tx.rollback().await {
            tracing::warn!(error = %e, "ending a read transaction failed");
        }
        return result.map(Success::into_outcome);
    }
    let mut tx = store.begin(env).await?;
    let result = write_route(route, &call, &mut tx).await;
    finish(tx, result, settings).await
}

/// Run a write route in `tx`. A model the caller may not write (an identity model, one its key
/// leaves out) is refused before anything else, so every write route refuses it alike.
async fn write_route(route: Route, call: &Call<'_>, tx: &mut Tx) -> CallResult<Success> {
    tx.may_write(&call.model.name)?;
    match route {
        Route::CreateData => write::create_data(call, tx).await,
        Route::UpdateData => write::update_data(call, tx).await,
        Route::CreateUpdateData => write::create_update_data(call, tx).await,
        Route::CallFunction => function::call_function(call, tx).await,
        Route::SearchData => unreachable!("search_data does not write"),
    }
}

/// How one route ran inside a transaction that someone else ends.
pub(crate) enum InTx {
    Done,
    /// The caller's mistake, as a call would report it.
    Refused(ApiError),
    /// A fault (logged); `transient` when running it all again may succeed (a deadlock).
    Fault {
        transient: bool,
    },
}

/// One write route to run inside a transaction someone else ends (`run_in`).
pub(crate) struct InTxCall<'a> {
    pub env: &'a Env,
    pub route: Route,
    pub model: &'a str,
    pub vals: &'a Map<String, Value>,
    pub settings: &'a CallSettings,
    /// Where `vals.payload` holds values from an inbound hook's payload.
    pub from_payload: &'a FromPayload,
}

/// Run one write route inside `tx`: an inbound hook runs its actions so, all in one transaction.
pub(crate) async fn run_in(tx: &mut Tx, registry: Arc<Registry>, call: InTxCall<'_>) -> InTx {
    let InTxCall {
        env,
        route,
        model,
        vals,
        settings,
        from_payload,
    } = call;
    let Some(m) = registry.model(model) else {
        return InTx::Refused(
            CallError::plain(Code::UnknownModel, format!("unknown model '{model}'")).to_api(),
        );
    };
    if let Err(e) = limits::check(vals) {
        return InTx::Refused(e.to_api());
    }
    let call = Call {
        model: m,
        vals,
        settings,
        registry: registry.clone(),
        env,
        from_payload,
    };
    if route == Route::SearchData {
        return InTx::Done;
    }
    match write_route(route, &call, tx).await {
        Ok(_) => InTx::Done,
        Err(error @ (CallError::Internal(_) | CallError::Transient(_))) => {
            let transient = matches!(error, CallError::Transient(_));
            failure(route, model, error);
            InTx::Fault { transient }
        }
        Err(error) => InTx::Refused(error.to_api()),
    }
}

/// The records of `model` a `search_key` selects, inside `tx` (an inbound hook's search target,
/// whose values the payload filled in where `from_payload` says: names and values, never ids).
pub(crate) async fn find(
    tx: &Tx,
    registry: Arc<Registry>,
    model: &str,
    search_key: &Map<String, Value>,
    from_payload: &FromPayload,
) -> Result<Vec<i64>, ApiError> {
    let Some(m) = registry.model(model) else {
        return Err(
            CallError::plain(Code::UnknownModel, format!("unknown model '{model}'")).to_api(),
        );
    };
    let key = untrusted::lookup_pairs(&registry, m, search_key, &path::Path::root(), from_payload)
        .map_err(|e| e.to_api())?;
    write::find(tx, m, &key).await.map_err(|e| e.to_api())
}

/// Commit a success; roll back a failure unless rollback is turned off for it.
async fn finish(
    tx: Tx,
    result: CallResult<Success>,
    settings: &CallSettings,
) -> CallResult<CallOutcome> {
    match result {
        Ok(success) => {
            tx.commit_only().await?;
            Ok(success.into_outcome())
        }
        Err(error) if settings.rollback_except => {
            if let Err(e) = tx.rollback().await {
                tracing::warn!(error = %e, "rolling back a failed call failed");
            }
            Err(error)
        }
        Err(error) => {
            if let Err(e) = tx.commit_partial().await {
                tracing::error!(error = %e, "committing the partial work of a failed call failed");
            }
            Err(error)
        }
    }
}

/// The outcome of a call that broke down outside `run` (its task panicked): an internal error.
pub fn broke_down(route: Route, model: &str, detail: String) -> CallOutcome {
    failure(route, model, CallError::Internal(detail))
}

fn failure(route: Route, model: &str, error: CallError) -> CallOutcome {
    // Both may quote what the client sent (`model` too): masked as a log is.
    let model = weft_logstore::redact::text(model);
    if let CallError::Internal(detail) | CallError::Transient(detail) = &error {
        let detail = weft_logstore::redact::text(detail);
        tracing::error!(route = route.name(), %model, %detail, "inbound call failed");
    } else {
        let shown = weft_logstore::redact::text(&error.to_string()).into_owned();
        tracing::debug!(route = route.name(), %model, error = %shown, "inbound call refused");
    }
    let api = error.to_api();
    CallOutcome {
        body: json!({"is_success": false, "messages": api.message, "error": api}),
        error: Some(api),
        records: Vec::new(),
    }
}
