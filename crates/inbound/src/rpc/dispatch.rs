//! Odoo's `call_kw` for Weft: which method a name is on a model (a private name is refused first,
//! then an unknown model, then an unknown method; a method the schema declares wins over the
//! standard one of the same name), binding its arguments, applying the `context`, and running it
//! in one transaction that commits on success and rolls back on any failure.

use super::fault::{self, Failure, Outcome};
use super::params::{self, Bound, Shape, Spec};
use super::records::{self, Done, Job};
use super::values::Context;
use super::{Answer, Fault, FaultKind, ModelCall, declared, group, irmodel, meta};
use crate::call::CallSettings;
use serde_json::{Map, Value};
use weft_registry::{Method, Model, Registry};
use weft_store::{Env, Store, Tx};

/// What a method name on a model resolves to.
pub(crate) enum Target<'r> {
    /// A standard method of a schema model.
    Standard(&'r Model, &'static Spec),
    /// A method the schema declares.
    Declared(&'r Model, &'r Method),
    /// `res.users.context_get`.
    ContextGet,
    /// A method of `ir.model`, `ir.model.fields` or `ir.model.data`.
    Meta(irmodel::Table, &'static Spec),
}

/// The standard methods that write.
const WRITING: [&str; 5] = ["create", "write", "unlink", "copy", "name_create"];

impl Target<'_> {
    pub fn writes(&self) -> bool {
        match self {
            Target::Standard(_, spec) => WRITING.contains(&spec.name),
            Target::Declared(..) => true,
            Target::ContextGet | Target::Meta(..) => false,
        }
    }

    pub fn shape(&self) -> Shape<'_> {
        match self {
            Target::Standard(_, spec) | Target::Meta(_, spec) => Shape::of(spec),
            Target::Declared(_, method) => declared::shape(method),
            Target::ContextGet => Shape::of(&params::CONTEXT_GET),
        }
    }
}

pub(crate) fn resolve<'r>(
    registry: &'r Registry,
    model: &str,
    method: &str,
) -> Result<Target<'r>, Fault> {
    if method.starts_with('_') {
        return Err(Fault::new(
            FaultKind::AccessError,
            format!("Private methods (such as {method}) cannot be called remotely."),
        ));
    }
    let unknown_method = || {
        Fault::new(
            FaultKind::AttributeError,
            format!("The method '{method}' does not exist on the model '{model}'"),
        )
    };
    if let Some(table) = irmodel::Table::of(model) {
        return table
            .method(method)
            .map(|spec| Target::Meta(table, spec))
            .ok_or_else(unknown_method);
    }
    let Some(m) = registry.model(model) else {
        return Err(Fault::new(
            FaultKind::UserError,
            format!("Object {model} doesn't exist"),
        ));
    };
    if let Some(declared) = m.methods.get(method) {
        return Ok(Target::Declared(m, declared));
    }
    if model == "res.users" && method == "context_get" {
        return Ok(Target::ContextGet);
    }
    params::standard(method)
        .map(|spec| Target::Standard(m, spec))
        .ok_or_else(unknown_method)
}

/// How often a call that loses a race is run before it fails, as `call::run` does.
const TRANSIENT_ATTEMPTS: u64 = 3;

pub(crate) async fn dispatch(
    store: &Store,
    env: &Env,
    call: &ModelCall,
    _settings: &CallSettings,
) -> Result<Answer, Fault> {
    let mut kwargs = call.kwargs.clone();
    let context = kwargs.remove("context");
    check_limits(call, &kwargs)?;
    let registry = store.registry().clone();
    let target = resolve(&registry, &call.model, &call.method)?;
    let bound = params::bind(&target.shape(), &call.args, &kwargs)?;
    let context = Context::parse(context.as_ref())?;
    let env = context.env(env)?;
    check_model(&env, &target, &call.model)?;
    let mut attempt = 1;
    loop {
        match run_once(store, &env, &registry, &target, &bound, &context).await {
            Ok((result, records)) => return Ok(Answer { result, records }),
            Err(Failure::Transient(detail)) if attempt < TRANSIENT_ATTEMPTS => {
                tracing::debug!(model = %call.model, attempt, %detail, "retrying an rpc call that lost a race");
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                attempt += 1;
            }
            Err(Failure::Transient(detail)) => return Err(fault::internal(&detail)),
            Err(Failure::Fault(fault)) => {
                let shown = weft_logstore::redact::text(&fault.message).into_owned();
                tracing::debug!(model = %weft_logstore::redact::text(&call.model), method = %weft_logstore::redact::text(&call.method), error = %shown, "rpc call refused");
                return Err(fault);
            }
        }
    }
}

/// The arguments' JSON depth and NUL characters, bounded as the ecosoft routes bound theirs.
fn check_limits(call: &ModelCall, kwargs: &Map<String, Value>) -> Result<(), Fault> {
    let mut whole = Map::new();
    whole.insert("args".into(), Value::Array(call.args.clone()));
    whole.insert("kwargs".into(), Value::Object(kwargs.clone()));
    crate::call::limits::check(&whole).map_err(|e| match Failure::from(e) {
        Failure::Fault(f) => Fault::new(FaultKind::ValueError, f.message),
        Failure::Transient(d) => fault::internal(&d),
    })
}

/// A model outside the key's list is refused for every method, even those that read no record
/// (`fields_get`, `default_get`); `check_access_rights` answers false for it instead, and
/// `res.users.context_get` (the caller's own language, zone and uid, which every client asks for
/// right after logging in) is answered whatever the key's list.
fn check_model(env: &Env, target: &Target<'_>, model: &str) -> Result<(), Fault> {
    let asks_rights =
        matches!(target, Target::Standard(_, spec) if spec.name == "check_access_rights");
    let schema_model = matches!(target, Target::Standard(..) | Target::Declared(..));
    if schema_model && !asks_rights && !env.superuser && !env.may_use_model(model) {
        return Err(Fault::new(
            FaultKind::AccessError,
            format!("this API key may not use model {model}"),
        ));
    }
    Ok(())
}

async fn run_once(
    store: &Store,
    env: &Env,
    registry: &Registry,
    target: &Target<'_>,
    args: &Bound,
    context: &Context,
) -> Outcome<Done> {
    if target.writes() {
        let mut tx = store.begin(env).await?;
        match run_write(&mut tx, registry, target, args, context).await {
            Ok(done) => {
                tx.commit_only().await?;
                Ok(done)
            }
            Err(failure) => {
                if let Err(e) = tx.rollback().await {
                    tracing::warn!(error = %e, "rolling back a failed rpc call failed");
                }
                Err(failure)
            }
        }
    } else {
        let tx = store.begin_read(env).await?;
        let result = run_read(&tx, env, registry, target, args, context).await;
        // Nothing to keep: a read transaction only ends.
        if let Err(e) = tx.rollback().await {
            tracing::warn!(error = %e, "ending a read transaction failed");
        }
        result
    }
}

async fn run_write(
    tx: &mut Tx,
    registry: &Registry,
    target: &Target<'_>,
    args: &Bound,
    context: &Context,
) -> Outcome<Done> {
    match target {
        Target::Declared(model, method) => declared::run(tx, registry, model, method, args).await,
        Target::Standard(model, spec) => {
            let job = Job {
                registry,
                model,
                args,
                context,
            };
            match spec.name {
                "create" => records::create(&job, tx).await,
                "write" => records::write(&job, tx).await,
                "unlink" => records::unlink(&job, tx).await,
                "copy" => records::copy(&job, tx).await,
                "name_create" => records::name_create(&job, tx).await,
                other => Err(fault::internal(&format!("{other} is not a writing method")).into()),
            }
        }
        Target::ContextGet | Target::Meta(..) => {
            Err(fault::internal("a reading method reached the writer").into())
        }
    }
}

async fn run_read(
    tx: &Tx,
    env: &Env,
    registry: &Registry,
    target: &Target<'_>,
    args: &Bound,
    context: &Context,
) -> Outcome<Done> {
    let (model, spec) = match target {
        Target::ContextGet => return Ok(meta::context_get(env)),
        Target::Meta(table, spec) => return irmodel::run(tx, registry, *table, spec, args).await,
        Target::Standard(model, spec) => (*model, *spec),
        Target::Declared(..) => {
            return Err(fault::internal("a writing method reached a read transaction").into());
        }
    };
    let job = Job {
        registry,
        model,
        args,
        context,
    };
    match spec.name {
        "search" => records::search(&job, tx).await,
        "search_count" => records::search_count(&job, tx).await,
        "search_read" => records::search_read(&job, tx).await,
        "read" => records::read(&job, tx).await,
        "default_get" => records::default_get(&job),
        "name_search" => records::name_search(&job, tx).await,
        "fields_get" => meta::fields_get(model, args),
        "read_group" => group::read_group(&job, tx).await,
        "check_access_rights" => meta::check_access_rights(env, &model.name, args),
        other => Err(fault::internal(&format!("{other} has no reader")).into()),
    }
}
