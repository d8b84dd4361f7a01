//! The models an outbound rule or subscription reads beyond its own (DESIGN.md §14). A rule of
//! `sale.order` whose payload is `partner_id{vat}` sends partners' data: for an admin key limited
//! to some models, a rule's trigger domain and payload and a subscription's condition may follow
//! relations only into models the key may use, or a key limited to `sale.order` could send itself
//! every customer's tax id. Checked on the source as it will be after the change, so a key cannot
//! point an existing wide rule at itself either. Malformed input is left to the source's own checks.

use crate::identity::{Caller, ModelRefused};
use serde_json::{Map, Value};
use weft_domain::{Domain, Token};
use weft_registry::Registry;
use weft_registry::field_spec::{self, FieldSpec};

/// Refuse a source of `model` whose `domain` (JSON or text) or `payload` (an object template
/// or a list of field specs, as JSON or text) reaches a model `caller` may not use.
pub fn require_reach(
    caller: &Caller,
    registry: &Registry,
    model: &str,
    domain: Option<&Value>,
    payload: Option<&Value>,
) -> Result<(), ModelRefused> {
    if caller.allowed_models.is_none() {
        return Ok(());
    }
    let mut reached = Vec::new();
    if let Some(found) = domain.and_then(|d| Domain::parse_json(d).ok()) {
        domain_reach(registry, model, &found, &mut reached);
    }
    match payload.map(as_json) {
        Some(Value::Object(template)) => template_reach(registry, model, &template, &mut reached),
        Some(Value::Array(items)) => {
            let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            for text in texts {
                if let Ok(specs) = field_spec::parse(text) {
                    specs_reach(registry, model, &specs, &mut reached);
                }
            }
        }
        _ => {}
    }
    reached
        .iter()
        .try_for_each(|model| caller.require_model(model))
}

/// A payload given as JSON text is read as the JSON it holds.
fn as_json(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

/// Follow `path` (`partner_id.country_id.code`) from `model`. Every model whose fields the path
/// reads on the way goes to `reached` (`res.partner` and `res.country` here); the comodel the path
/// ends on, if it ends on a relation (whose value alone is ids, as Odoo shows them), is returned.
fn path_reach(
    registry: &Registry,
    model: &str,
    path: &str,
    reached: &mut Vec<String>,
) -> Option<String> {
    let mut current = model.to_string();
    for (i, name) in path.split('.').enumerate() {
        if i > 0 {
            reached.push(current.clone());
        }
        let field = registry.model(&current)?.field(name.trim())?;
        current = field.kind.comodel()?.to_string();
    }
    Some(current)
}

/// `path` ends on a relation whose records are read further (an expansion, `any`, a repeated
/// template): its comodel is reached too.
fn relation_reach(
    registry: &Registry,
    model: &str,
    path: &str,
    reached: &mut Vec<String>,
) -> Option<String> {
    let comodel = path_reach(registry, model, path, reached)?;
    reached.push(comodel.clone());
    Some(comodel)
}

fn domain_reach(registry: &Registry, model: &str, domain: &Domain, reached: &mut Vec<String>) {
    for token in domain.tokens() {
        let Token::Term(term) = token else { continue };
        if let weft_domain::Value::Domain(inner) = &term.value {
            if let Some(comodel) = relation_reach(registry, model, &term.path, reached) {
                domain_reach(registry, &comodel, inner, reached);
            }
        } else {
            path_reach(registry, model, &term.path, reached);
        }
    }
}

fn specs_reach(registry: &Registry, model: &str, specs: &[FieldSpec], reached: &mut Vec<String>) {
    for spec in specs {
        let Some(expanded) = &spec.expand else {
            // A relation shown unexpanded is ids and display names, which Odoo shows too.
            continue;
        };
        if let Some(comodel) = relation_reach(registry, model, &spec.name, reached) {
            specs_reach(registry, &comodel, expanded, reached);
        }
    }
}

/// An object template: `"{path}"` or `"{path:format}"` strings read a path; a one-item list under
/// an x2many key repeats its template over the related records.
fn template_reach(
    registry: &Registry,
    model: &str,
    template: &Map<String, Value>,
    reached: &mut Vec<String>,
) {
    for (key, value) in template {
        match value {
            Value::String(text) => {
                if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                    let path = inner.split(':').next().unwrap_or_default();
                    path_reach(registry, model, path, reached);
                }
            }
            Value::Object(nested) => template_reach(registry, model, nested, reached),
            Value::Array(items) => {
                let comodel = relation_reach(registry, model, key, reached);
                for item in items {
                    if let Value::Object(nested) = item {
                        template_reach(
                            registry,
                            comodel.as_deref().unwrap_or(model),
                            nested,
                            reached,
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use weft_store::Env;

    fn limited_to(models: &[&str]) -> Caller {
        Caller {
            uid: 2,
            login: "orders-admin".into(),
            name: "Orders".into(),
            role: crate::identity::Role::Admin,
            env: Env::user(2, 1, vec![1]),
            allowed_models: Some(models.iter().map(|m| m.to_string()).collect()),
        }
    }

    fn refused(domain: Option<Value>, payload: Option<Value>) -> bool {
        let registry = Registry::demo();
        let caller = limited_to(&["sale.order", "sale.order.line"]);
        require_reach(
            &caller,
            &registry,
            "sale.order",
            domain.as_ref(),
            payload.as_ref(),
        )
        .is_err()
    }

    #[test]
    fn relations_into_other_models_are_refused() {
        assert!(refused(None, Some(json!(["name", "partner_id{vat}"]))));
        assert!(refused(None, Some(json!("[\"partner_id{}\"]"))));
        assert!(refused(Some(json!([["partner_id.vat", "=", "X"]])), None));
        assert!(refused(
            Some(json!("[('partner_id.vat', '!=', False)]")),
            None
        ));
        assert!(refused(
            None,
            Some(json!({"customer": {"vat": "{partner_id.vat}"}}))
        ));
        assert!(refused(
            None,
            Some(json!({"order_line": [{"product": "{product_id.default_code}"}]}))
        ));
    }

    #[test]
    fn its_own_models_and_display_names_are_allowed() {
        assert!(!refused(
            Some(json!([["state", "=", "sale"]])),
            Some(json!(["name", "partner_id", "order_line{product_uom_qty}"]))
        ));
        assert!(!refused(
            None,
            Some(json!({"id": "{id}", "lines": "{order_line}", "partner": "{partner_id}"}))
        ));
    }
}
