//! What every configuration form shares (issue 17): a posted form read as the JSON object of the
//! matching `/api/v1` call (inputs are named after that object's fields, so the form and the API
//! mean the same), and the API's own validation errors, put next to the field they name.

use serde_json::{Map, Value};
use std::collections::HashMap;
use weft_store::admin::ConfigError;

/// A posted urlencoded form, in order (a repeated name, a multi-select, keeps every value).
pub struct Posted(pub Vec<(String, String)>);

impl Posted {
    /// The first value of `name`, as sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name` (checkboxes and multi-selects), blanks left out.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// `name` as a JSON string; a blank or absent input is `null` (the API's "not set").
    pub fn text(&self, name: &str) -> Value {
        match self.get(name).map(str::trim) {
            Some(v) if !v.is_empty() => Value::String(v.to_string()),
            _ => Value::Null,
        }
    }

    /// A checkbox: sent when ticked. Forms put a hidden `name=false` before the box, so an
    /// unticked box still says false and a form without the input leaves the field alone.
    pub fn flag(&self, name: &str) -> Option<Value> {
        let values: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| Value::Bool(values.iter().any(|v| *v != "false")))
    }

    /// A whole number; text that is not one is passed on as text, so the API's own check names
    /// the field ("expected an integer").
    pub fn number(&self, name: &str) -> Value {
        match self.text(name) {
            Value::String(s) => s
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(s)),
            other => other,
        }
    }

    /// A textarea of one item a line (or comma separated) as a JSON list of strings.
    pub fn lines(&self, name: &str) -> Value {
        let items: Vec<Value> = self
            .get(name)
            .unwrap_or_default()
            .split(['\n', ','])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Value::String(s.to_string()))
            .collect();
        Value::Array(items)
    }
}

/// The object to send: `fields` with their values, `null` ones left out when `skip_null` (a
/// create leaves defaults to the API; an edit sends null to clear a field).
pub fn object(fields: Vec<(&str, Value)>, skip_null: bool) -> Map<String, Value> {
    fields
        .into_iter()
        .filter(|(_, v)| !(skip_null && v.is_null()))
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

/// Validation errors by field, and one for the form as a whole.
#[derive(Default, Debug)]
pub struct FieldErrors {
    by_field: HashMap<String, String>,
    pub general: Option<String>,
}

impl FieldErrors {
    /// The error of `field`, as the template shows it next to the input.
    pub fn of(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str)
    }

    /// `true` when `field` has an error (for `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
    }

    pub fn set(&mut self, field: &str, reason: impl Into<String>) {
        self.by_field.insert(field.to_string(), reason.into());
    }

    /// The API's error, at its field when it names one the form has (`fields`), else above the
    /// form. A database failure is logged and shown without its detail.
    pub fn from_config(error: &ConfigError, fields: &[&str]) -> FieldErrors {
        let mut errors = FieldErrors::default();
        match error {
            ConfigError::Invalid { field, reason } => {
                // `trigger_domain[2]` or `actions.0.values` belong to their input.
                let input = field.split(['[', '.']).next().unwrap_or(field).to_string();
                if !fields.contains(&input.as_str()) {
                    errors.general = Some(error.to_string());
                } else if input == *field {
                    errors.set(&input, reason.clone());
                } else {
                    errors.set(&input, format!("{field}: {reason}"));
                }
            }
            ConfigError::Store(e) => {
                tracing::error!(error = %e, "a console form's save failed");
                errors.general = Some("the change could not be stored (see the server log)".into());
            }
            other => errors.general = Some(other.to_string()),
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn inputs_read_as_the_api_fields() {
        let form = posted(&[
            ("name", "  Orders "),
            ("note", ""),
            ("active", "false"),
            ("active", "true"),
            ("log_calls", "false"),
            ("timeout_s", "30"),
            ("max_retries", "many"),
            ("trigger_domain", "[('state', '=', 'sale')]"),
            ("payload_fields", "[\"name\"]"),
            ("hosts", "a.example\nb.example, c.example"),
        ]);
        assert_eq!(form.text("name"), "Orders");
        assert_eq!(form.text("note"), Value::Null);
        assert_eq!(form.flag("active"), Some(Value::Bool(true)));
        assert_eq!(form.flag("log_calls"), Some(Value::Bool(false)));
        assert_eq!(form.flag("missing"), None);
        assert_eq!(form.number("timeout_s"), 30);
        assert_eq!(form.number("max_retries"), "many");
        assert_eq!(
            form.lines("hosts"),
            serde_json::json!(["a.example", "b.example", "c.example"])
        );
        let made = object(
            vec![("name", form.text("name")), ("note", form.text("note"))],
            true,
        );
        assert_eq!(Value::Object(made), serde_json::json!({"name": "Orders"}));
    }

    #[test]
    fn an_api_error_lands_at_its_field() {
        let error = weft_store::admin::invalid("trigger_domain", "unexpected ')' at position 7");
        let errors = FieldErrors::from_config(&error, &["name", "trigger_domain"]);
        assert_eq!(
            errors.of("trigger_domain"),
            Some("unexpected ')' at position 7")
        );
        assert!(errors.general.is_none());
        let elsewhere = FieldErrors::from_config(&error, &["name"]);
        assert_eq!(
            elsewhere.general.as_deref(),
            Some("trigger_domain: unexpected ')' at position 7")
        );
    }
}

/// The domain check of a form (a rule's `trigger_domain`, a subscription's `condition`): the
/// API's own parse of `text` for `model` (its error names the position), then how many records
/// match it now as the signed-in admin sees them (their companies apply).
pub async fn count_matching(
    store: &weft_store::Store,
    env: &weft_store::Env,
    model: &str,
    field: &str,
    text: &str,
) -> Result<u64, String> {
    let values = serde_json::Map::from_iter([
        ("model".to_string(), Value::String(model.to_string())),
        (field.to_string(), Value::String(text.to_string())),
    ]);
    let shown = |e: ConfigError| match e {
        ConfigError::Invalid { reason, .. } => reason,
        other => other.to_string(),
    };
    let input = weft_store::admin::Input::new(&values, &["model", field]).map_err(shown)?;
    let model = weft_store::admin::model(&input, store.registry()).map_err(shown)?;
    let domain = input
        .domain(field, store.registry(), &model)
        .map_err(shown)?
        .unwrap_or_else(weft_domain::Domain::all);
    let tx = store.begin_read(env).await.map_err(|e| e.to_string())?;
    let counted = tx.count(&model, &domain, false).await;
    let _ = tx.rollback().await;
    counted.map_err(|e| e.to_string())
}

/// Record `wanted` of `model` if the admin can see it, else the newest one.
pub async fn newest_or(
    tx: &weft_store::Tx,
    model: &str,
    wanted: Option<i64>,
) -> weft_store::Result<Option<i64>> {
    let domain = match wanted {
        Some(id) => weft_domain::Domain::parse_json(&serde_json::json!([["id", "=", id]]))
            .expect("a literal domain"),
        None => weft_domain::Domain::all(),
    };
    let options = weft_store::SearchOptions {
        order: Some("id desc"),
        limit: Some(1),
        include_archived: true,
        ..Default::default()
    };
    Ok(tx.search(model, &domain, &options).await?.first().copied())
}

/// The API handlers' key checks on a rule or subscription as it will be: its model, and the
/// models its domain and payload reach (`weft_inbound::reach`). A refusal is shown at `model`.
pub fn source_checks(
    caller: &weft_inbound::identity::Caller,
    registry: &weft_registry::Registry,
    model: Option<&str>,
    domain: Option<&Value>,
    payload: Option<&Value>,
) -> Result<(), ConfigError> {
    let refused = |e: weft_inbound::identity::ModelRefused| {
        weft_store::admin::invalid("model", e.to_string())
    };
    let Some(model) = model else { return Ok(()) };
    caller.require_model(model).map_err(refused)?;
    weft_inbound::reach::require_reach(caller, registry, model, domain, payload).map_err(refused)
}

/// What a domain check shows under its input.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "domain_check.html")]
pub struct DomainCheck {
    pub field: &'static str,
    pub outcome: Result<u64, String>,
}
