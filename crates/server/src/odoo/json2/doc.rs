//! `GET /doc-bearer/{model}.json`: the model's public methods with their parameters in order, as
//! odoo-client-lib's json2 connector reads them (`methods[m].parameters` keys, in order, name the
//! positional arguments after the ids; `"model" in methods[m].api` marks a method without ids).
//! Written as text: the order of `parameters` is the point, and a JSON map here sorts its keys.

use weft_inbound::rpc;
use weft_store::Store;

/// The methods every model may have; the dispatcher's `signature` says which it has.
const STANDARD: [&str; 20] = [
    "search",
    "search_read",
    "search_count",
    "read",
    "create",
    "write",
    "unlink",
    "copy",
    "fields_get",
    "default_get",
    "name_search",
    "name_create",
    "read_group",
    "check_access_rights",
    "context_get",
    "check_object_reference",
    "xmlid_to_res_id",
    "get_available_models",
    "action_archive",
    "action_unarchive",
];

/// Whether the model exists (in the schema, or as one the dispatcher serves, like `ir.model`).
pub fn model_exists(store: &Store, model: &str) -> bool {
    store.registry().model(model).is_some() || rpc::signature(store, model, "fields_get").is_some()
}

/// The document of `model`, or None when there is no such model.
pub fn model_doc(store: &Store, model: &str) -> Option<String> {
    if !model_exists(store, model) {
        return None;
    }
    let declared = store
        .registry()
        .model(model)
        .map(|m| m.methods.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let mut names: Vec<String> = STANDARD.iter().map(|m| m.to_string()).collect();
    names.extend(declared);
    names.sort();
    names.dedup();
    let methods: Vec<String> = names
        .iter()
        .filter_map(|name| Some((name, rpc::signature(store, model, name)?)))
        .map(|(name, signature)| {
            let api = if signature.on_records {
                "[]"
            } else {
                "[\"model\"]"
            };
            let parameters: Vec<String> = signature
                .params
                .iter()
                .map(|p| format!("{}: {{}}", quoted(p)))
                .collect();
            format!(
                "{}: {{\"api\": {api}, \"parameters\": {{{}}}}}",
                quoted(name),
                parameters.join(", ")
            )
        })
        .collect();
    Some(format!(
        "{{\"name\": {model}, \"model\": {model}, \"methods\": {{{}}}}}",
        methods.join(", "),
        model = quoted(model)
    ))
}

fn quoted(text: &str) -> String {
    serde_json::Value::from(text).to_string()
}
