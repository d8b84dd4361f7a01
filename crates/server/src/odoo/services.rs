//! The three services of Odoo's external API (research §2.4), as `/jsonrpc` and XML-RPC reach
//! them: `common` (version, login), `db` (the one database; nothing destructive) and `object`
//! (`execute`, `execute_kw`: a model call made with a uid and a password or API key, checked on
//! every call).

use super::{Refusal, SERVER_VERSION, Wire, credentials, run};
use crate::state::AppState;
use serde_json::{Map, Value, json};
use std::net::IpAddr;
use weft_inbound::rpc::{Fault, FaultKind, ModelCall};

/// What replaces the password or key of an `object` call in its receive log.
pub const MASK: &str = "********";

/// The `db` methods that would create, copy, drop or dump a database: Weft serves one database
/// and refuses them all, as an Odoo server without its master password does.
const DESTRUCTIVE: [&str; 8] = [
    "create_database",
    "duplicate_database",
    "drop",
    "dump",
    "restore",
    "change_admin_password",
    "rename",
    "migrate_databases",
];

pub async fn serve(
    state: &AppState,
    peer: Option<IpAddr>,
    wire: Wire,
    service: &str,
    method: &str,
    args: Vec<Value>,
) -> Result<Value, Refusal> {
    let answer = match service {
        "common" => common(state, peer, method, &args).await,
        "db" => db(state, method, &args).map_err(Refusal::from),
        // Counted by the runner, with the model method.
        "object" => return object(state, peer, wire, method, args).await,
        _ => Err(Fault::new(
            FaultKind::NameError,
            format!("there is no service '{service}': the services are common, db and object"),
        )
        .into()),
    };
    let known = matches!(service, "common" | "db") && is_service_method(service, method);
    let label = if known {
        format!("{service}.{method}")
    } else {
        "unknown".into()
    };
    let outcome = match &answer {
        Ok(_) => "ok",
        Err(Refusal::Fault(f)) => super::outcome_label(f.kind),
        Err(Refusal::TooMany { .. }) => "refused",
    };
    metrics::counter!("weft_rpc_calls_total", "wire" => wire.label(), "method" => label, "outcome" => outcome)
        .increment(1);
    answer
}

fn is_service_method(service: &str, method: &str) -> bool {
    match service {
        "common" => matches!(method, "version" | "login" | "authenticate" | "about"),
        _ => {
            matches!(method, "list" | "server_version" | "list_lang" | "exist")
                || DESTRUCTIVE.contains(&method)
        }
    }
}

/// `common.version()` and `/web/webclient/version_info`.
pub fn version_info() -> Value {
    json!({
        "server_version": SERVER_VERSION,
        "server_version_info": [17, 0, 0, "final", 0, ""],
        "server_serie": SERVER_VERSION,
        "protocol_version": 1,
    })
}

async fn common(
    state: &AppState,
    peer: Option<IpAddr>,
    method: &str,
    args: &[Value],
) -> Result<Value, Refusal> {
    match method {
        "version" => Ok(version_info()),
        "about" => {
            let about = "Weft, an Odoo-compatible integration hub";
            Ok(match args.first() {
                Some(Value::Bool(true)) => json!([about, SERVER_VERSION]),
                _ => json!(about),
            })
        }
        "login" | "authenticate" => {
            let wanted = if method == "login" { 3 } else { 4 };
            arity(method, args, wanted, "db, login, password")?;
            check_db(state, &args[0])?;
            let login = text(method, args, 1, "login")?;
            let password = text(method, args, 2, "password")?;
            let uid = credentials::login(state, peer, login, password).await?;
            Ok(uid.map_or(Value::Bool(false), Value::from))
        }
        _ => Err(not_available("common", method).into()),
    }
}

fn db(state: &AppState, method: &str, args: &[Value]) -> Result<Value, Fault> {
    match method {
        "list" => Ok(json!([state.database_name])),
        "server_version" => Ok(json!(SERVER_VERSION)),
        "list_lang" => Ok(json!([["en_US", "English (US)"]])),
        "exist" => {
            arity(method, args, 1, "db_name")?;
            Ok(json!(
                args[0].as_str() == Some(state.database_name.as_str())
            ))
        }
        m if DESTRUCTIVE.contains(&m) => Err(Fault::new(
            FaultKind::AccessDenied,
            format!(
                "db.{m} is refused: Weft serves one database and does not create, copy, drop or dump it"
            ),
        )),
        _ => Err(not_available("db", method)),
    }
}

/// `object.execute(db, uid, password, model, method, *args)` and `object.execute_kw(db, uid,
/// password, model, method, args, kwargs?)`.
async fn object(
    state: &AppState,
    peer: Option<IpAddr>,
    wire: Wire,
    method: &str,
    args: Vec<Value>,
) -> Result<Value, Refusal> {
    if !matches!(method, "execute" | "execute_kw") {
        return Err(not_available("object", method).into());
    }
    if args.len() < 5 {
        return Err(Fault::new(
            FaultKind::TypeError,
            format!("{method}() takes at least 5 arguments (db, uid, password, model, method), {} given", args.len()),
        )
        .into());
    }
    check_db(state, &args[0])?;
    let uid = uid_of(&args[1])?;
    let secret = args[2].as_str().ok_or_else(access_denied)?;
    // The credentials first: a stranger learns nothing of the call's shape.
    let caller = credentials::object_caller(state, peer, uid, secret).await?;
    let call = model_call(method, &args)?;
    let request = json!({"service": "object", "method": method, "args": masked(&args)});
    let route = wire.service_route("object");
    let answer = run::model_call(state, &caller, wire, &route, call, request).await?;
    Ok(answer.result)
}

/// The model call an `execute`/`execute_kw` carries from its fourth argument on.
fn model_call(method: &str, args: &[Value]) -> Result<ModelCall, Fault> {
    let model = text(method, args, 3, "model")?.to_string();
    let name = text(method, args, 4, "method")?.to_string();
    if method == "execute" {
        return Ok(ModelCall {
            model,
            method: name,
            args: args[5..].to_vec(),
            kwargs: Map::new(),
        });
    }
    let positional = match args.get(5) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(type_error("execute_kw() argument 'args' must be a list")),
    };
    let kwargs = match args.get(6) {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(type_error("execute_kw() argument 'kwargs' must be a dict")),
    };
    if args.len() > 7 {
        return Err(type_error(
            "execute_kw() takes at most 7 arguments (db, uid, password, model, method, args, kwargs)",
        ));
    }
    Ok(ModelCall {
        model,
        method: name,
        args: positional,
        kwargs,
    })
}

/// The call's arguments with the password or key (position 2) masked, for the log.
pub fn masked(args: &[Value]) -> Vec<Value> {
    let mut shown = args.to_vec();
    if let Some(secret) = shown.get_mut(2) {
        *secret = json!(MASK);
    }
    shown
}

/// A uid as Odoo takes it (`int(uid)`): an integer, or a string of one. Anything else cannot be
/// anyone's, so it is the same AccessDenied as a wrong password.
fn uid_of(value: &Value) -> Result<i64, Fault> {
    let uid = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    uid.filter(|uid| *uid > 0).ok_or_else(access_denied)
}

/// The `db` argument must name the one database.
pub fn check_db(state: &AppState, db: &Value) -> Result<(), Fault> {
    match db.as_str() {
        Some(name) if name == state.database_name => Ok(()),
        _ => Err(Fault::new(
            FaultKind::UserError,
            format!(
                "database {db} does not exist: this server has one database, '{}'",
                state.database_name
            ),
        )),
    }
}

pub fn access_denied() -> Fault {
    Fault::new(FaultKind::AccessDenied, "Access Denied")
}

fn arity(method: &str, args: &[Value], wanted: usize, names: &str) -> Result<(), Fault> {
    if args.len() == wanted {
        return Ok(());
    }
    Err(type_error(&format!(
        "{method}() takes {wanted} arguments ({names}), {} given",
        args.len()
    )))
}

fn text<'a>(method: &str, args: &'a [Value], at: usize, name: &str) -> Result<&'a str, Fault> {
    args.get(at).and_then(Value::as_str).ok_or_else(|| {
        type_error(&format!(
            "{method}() argument {} '{name}' must be a string",
            at + 1
        ))
    })
}

fn type_error(message: &str) -> Fault {
    Fault::new(FaultKind::TypeError, message)
}

fn not_available(service: &str, method: &str) -> Fault {
    Fault::new(
        FaultKind::NameError,
        format!("Method not available {method} (service {service})"),
    )
}
