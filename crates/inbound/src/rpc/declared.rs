//! The methods a schema declares (`sale.order.action_confirm`) as Odoo record methods: `args[0]`
//! the ids, then the declared parameters by position or by name. The parameters are typed and the
//! `require` domain checked exactly as `call_function` checks them (`call::function`); a write or
//! unlink method answers true, as Odoo's action methods do, a copy method the new id(s).

use super::fault::{Outcome, value_error};
use super::params::{Bound, Shape};
use super::records::Done;
use super::values;
use crate::call::function;
use crate::call::untrusted;
use serde_json::{Map, Value};
use weft_registry::{Method, Model, Registry};
use weft_store::Tx;

/// The binder's view of a declared method.
pub(crate) fn shape(method: &Method) -> Shape<'_> {
    let params: Vec<&str> = method.params.iter().map(|(p, _)| p.as_str()).collect();
    Shape {
        name: &method.name,
        positional: params.len(),
        params,
        required: 0,
        on_records: true,
    }
}

pub(crate) async fn run(
    tx: &mut Tx,
    registry: &Registry,
    model: &Model,
    method: &Method,
    args: &Bound,
) -> Outcome<Done> {
    let ids = values::ids(args.ids.as_ref())?;
    if ids.is_empty() {
        return Err(value_error("ids", format!("{}() needs records", method.name)).into());
    }
    tx.may_write(&model.name)?;
    // A given null is a parameter left to its default, as call_function reads it.
    let given: Map<String, Value> = args
        .values()
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let parameters = function::parameters(method, Some(&Value::Object(given)), &untrusted::NONE)?;
    // The records must exist and be visible before their requirement is looked at.
    let found = tx.read(&model.name, &ids, &["id"]).await?;
    if found.len() < weft_store_unique(&ids) {
        let missing: Vec<i64> = ids
            .iter()
            .copied()
            .filter(|id| {
                !found
                    .iter()
                    .any(|r| r.get("id").and_then(Value::as_i64) == Some(*id))
            })
            .collect();
        return Err(weft_store::StoreError::NotFound {
            model: model.name.clone(),
            ids: missing,
        }
        .into());
    }
    function::check_require(tx, model, method, &ids).await?;
    Ok(function::run_method(tx, registry, model, method, &ids, &parameters).await?)
}

fn weft_store_unique(ids: &[i64]) -> usize {
    let mut seen = std::collections::HashSet::new();
    ids.iter().filter(|id| seen.insert(**id)).count()
}
