//! The parts of a schema that resolve on their own once the models are known: selections, methods,
//! data records, and a model's `company_from` chain.

use crate::Registry;
use crate::file::{FieldSpec, MethodSpec, RecordSpec};
use crate::load::check_identifier;
use crate::model::{DataRecord, FieldType, Method, MethodKind, Model, ParamType, Selection};
use crate::value::coerce;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use weft_domain::{BindOptions, Domain};

/// `company_from` names a many2one of the model to a model that has a company (its own
/// `company_id`, or a `company_from` of its own, without a cycle), and the model has no
/// `company_id` of its own.
pub(crate) fn check_company_from(registry: &Registry, model: &Model) -> Result<(), String> {
    let Some(name) = &model.company_from else {
        return Ok(());
    };
    if model.is_company_scoped() {
        return Err(format!(
            "company_from '{name}': the model has a company_id of its own"
        ));
    }
    let mut seen = vec![model.name.as_str()];
    let mut current = model;
    while let Some(field) = current.company_from.as_deref() {
        let comodel = match current.field(field).map(|f| &f.kind) {
            Some(FieldType::Many2one { comodel, .. }) => comodel,
            _ => {
                return Err(format!(
                    "company_from '{field}' of {} is not a many2one field",
                    current.name
                ));
            }
        };
        if seen.contains(&comodel.as_str()) {
            return Err(format!("company_from '{name}' leads back to {comodel}"));
        }
        seen.push(comodel);
        current = registry
            .models
            .get(comodel)
            .ok_or_else(|| format!("company_from '{field}': no model {comodel}"))?;
    }
    if current.is_company_scoped() {
        Ok(())
    } else {
        Err(format!(
            "company_from '{name}' leads to {}, which has no company_id",
            current.name
        ))
    }
}

pub(crate) fn resolve_selection(spec: &FieldSpec) -> Result<Selection, String> {
    let options = spec
        .selection
        .clone()
        .ok_or("a selection field needs `selection = [[key, label], ...]`")?;
    if options.is_empty() {
        return Err("bad selection: it has no options".into());
    }
    let mut seen = HashSet::new();
    for (key, _) in &options {
        if key.is_empty() {
            return Err("bad selection: a key is empty".into());
        }
        if !seen.insert(key.as_str()) {
            return Err(format!("bad selection: key '{key}' appears twice"));
        }
    }
    let mut translations = BTreeMap::new();
    for (language, labels) in spec.translations.clone().unwrap_or_default() {
        let labels: BTreeMap<String, String> = BTreeMap::deserialize(labels).map_err(|_| {
            format!("bad selection translations for {language}: expected key = \"label\" pairs")
        })?;
        if let Some(key) = labels.keys().find(|k| !seen.contains(k.as_str())) {
            return Err(format!(
                "bad selection translations for {language}: '{key}' is not a key"
            ));
        }
        translations.insert(language, labels);
    }
    Ok(Selection {
        options,
        translations,
    })
}

pub(crate) fn resolve_method(
    registry: &Registry,
    model: &Model,
    name: &str,
    spec: MethodSpec,
) -> Result<Method, String> {
    check_identifier(name)?;
    let mut params = Vec::new();
    for (param, kind) in spec.params {
        let kind_name = kind.as_str().unwrap_or_default();
        let kind = ParamType::parse(kind_name)
            .ok_or_else(|| format!("parameter '{param}' has unknown type '{kind_name}' (char, text, integer, float, boolean, date, datetime)"))?;
        params.push((param, kind));
    }
    let kind = match spec.kind.as_str() {
        "write" => {
            if spec.values.is_empty() {
                return Err("a write method needs `values`".into());
            }
            let mut values = Map::new();
            for (field_name, value) in spec.values {
                let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
                let field = model
                    .field(&field_name)
                    .ok_or_else(|| format!("writes unknown field '{field_name}'"))?;
                if field.system || field.kind.is_x2many() {
                    return Err(format!(
                        "cannot write '{field_name}' (a system or x2many field)"
                    ));
                }
                let stored = match value.get("$param").and_then(Value::as_str) {
                    Some(p) => {
                        if !params.iter().any(|(n, _)| n == p) {
                            return Err(format!("'{field_name}' takes undeclared parameter '{p}'"));
                        }
                        value
                    }
                    None => coerce(&field.kind, &value)
                        .map_err(|r| format!("bad value for '{field_name}': {r}"))?,
                };
                values.insert(field_name, stored);
            }
            MethodKind::Write { values }
        }
        "unlink" | "copy" if !spec.values.is_empty() || !params.is_empty() => {
            return Err(format!("a {} method takes no values or params", spec.kind));
        }
        "unlink" => MethodKind::Unlink,
        "copy" => MethodKind::Copy,
        other => return Err(format!("unknown kind '{other}' (write, unlink, copy)")),
    };
    let require = match spec.require {
        None => None,
        Some(text) => {
            let domain =
                Domain::parse_text(&text).map_err(|e| format!("bad require domain: {e}"))?;
            domain
                .bind(registry, &model.name, &BindOptions::default())
                .map_err(|e| format!("bad require domain: {e}"))?;
            Some(domain)
        }
    };
    Ok(Method {
        name: name.to_string(),
        kind,
        params,
        require,
        help: spec.help,
    })
}

pub(crate) fn resolve_record(
    registry: &Registry,
    known: &HashMap<String, String>,
    spec: &RecordSpec,
) -> Result<DataRecord, String> {
    let model = registry
        .model(&spec.model)
        .ok_or_else(|| format!("unknown model '{}'", spec.model))?;
    let mut values = Map::new();
    for (name, value) in &spec.values {
        let value = serde_json::to_value(value).map_err(|e| e.to_string())?;
        let field = model
            .field(name)
            .ok_or_else(|| format!("{} has no field '{name}'", model.name))?;
        if field.system {
            return Err(format!("'{name}' is a system column"));
        }
        let stored = match (&field.kind, value.get("$ref").and_then(Value::as_str)) {
            (FieldType::Many2one { comodel, .. }, Some(key)) => match known.get(key) {
                Some(m) if m == comodel => value,
                Some(m) => {
                    return Err(format!(
                        "'{name}' refers to '{key}', a {m}, not a {comodel}"
                    ));
                }
                None => {
                    return Err(format!(
                        "'{name}' refers to '{key}', which no earlier record defines"
                    ));
                }
            },
            (kind, _) if kind.is_x2many() => {
                return Err(format!("'{name}': data records cannot set x2many fields"));
            }
            (kind, _) => {
                coerce(kind, &value).map_err(|r| format!("bad value for '{name}': {r}"))?
            }
        };
        values.insert(name.clone(), stored);
    }
    Ok(DataRecord {
        key: spec.key.clone(),
        model: spec.model.clone(),
        values,
    })
}
