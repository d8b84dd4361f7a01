//! The standard methods' signatures (one table, read by the binder and by `signature`) and
//! binding a call's positional and keyword arguments to a method's parameters the way Python
//! binds them: too many positional arguments, an unknown keyword, a parameter given twice or a
//! required one missing is a `TypeError` worded as Python words it.

use super::{Fault, FaultKind};
use serde_json::{Map, Value};

/// One standard method: its parameters after the ids in positional order, how many of them may
/// be given by position (the rest are keyword-only, like `search_read`'s `load`), how many are
/// required, and whether it runs on records (its first positional argument is the ids).
#[derive(Debug)]
pub(crate) struct Spec {
    pub name: &'static str,
    pub params: &'static [&'static str],
    pub positional: usize,
    pub required: usize,
    pub on_records: bool,
}

const fn spec(
    name: &'static str,
    params: &'static [&'static str],
    positional: usize,
    required: usize,
    on_records: bool,
) -> Spec {
    Spec {
        name,
        params,
        positional,
        required,
        on_records,
    }
}

/// Odoo 17's public model methods Weft answers on every schema model (research §4.3).
pub(crate) const STANDARD: &[Spec] = &[
    spec(
        "search",
        &["domain", "offset", "limit", "order", "count"],
        5,
        1,
        false,
    ),
    spec("search_count", &["domain", "limit"], 2, 1, false),
    spec(
        "search_read",
        &["domain", "fields", "offset", "limit", "order", "load"],
        5,
        0,
        false,
    ),
    spec("read", &["fields", "load"], 2, 0, true),
    spec("create", &["vals_list"], 1, 1, false),
    spec("write", &["vals"], 1, 1, true),
    spec("unlink", &[], 0, 0, true),
    spec("copy", &["default"], 1, 0, true),
    spec("default_get", &["fields_list"], 1, 1, false),
    spec(
        "name_search",
        &["name", "args", "operator", "limit"],
        4,
        0,
        false,
    ),
    spec("name_create", &["name"], 1, 1, false),
    spec("fields_get", &["allfields", "attributes"], 2, 0, false),
    spec(
        "read_group",
        &[
            "domain", "fields", "groupby", "offset", "limit", "orderby", "lazy",
        ],
        7,
        3,
        false,
    ),
    spec(
        "check_access_rights",
        &["operation", "raise_exception"],
        2,
        1,
        false,
    ),
];

/// The methods of the models Weft serves without a table (`meta`).
pub(crate) const CONTEXT_GET: Spec = spec("context_get", &[], 0, 0, false);
pub(crate) const AVAILABLE_MODELS: Spec = spec("get_available_models", &[], 0, 0, false);
pub(crate) const CHECK_OBJECT_REFERENCE: Spec = spec(
    "check_object_reference",
    &["module", "xml_id", "raise_on_access_error"],
    3,
    2,
    false,
);
pub(crate) const XMLID_TO_RES_ID: Spec = spec(
    "xmlid_to_res_id",
    &["xmlid", "raise_if_not_found"],
    2,
    1,
    false,
);

pub(crate) fn standard(method: &str) -> Option<&'static Spec> {
    STANDARD.iter().find(|s| s.name == method)
}

/// Keyword aliases Odoo's later versions use (`name_search(domain=...)` in 18, JSON-2's names).
fn alias(method: &str, keyword: &str) -> Option<&'static str> {
    match (method, keyword) {
        ("name_search", "domain") => Some("args"),
        ("create", "vals") => Some("vals_list"),
        _ => None,
    }
}

/// A call's arguments by parameter name, with the ids of a method on records.
#[derive(Debug, Default)]
pub(crate) struct Bound {
    pub ids: Option<Value>,
    values: Map<String, Value>,
}

impl Bound {
    /// The argument, None when it was not given.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }

    /// The argument unless it is absent, null or false (Odoo's "none").
    pub fn given(&self, name: &str) -> Option<&Value> {
        self.get(name)
            .filter(|v| !matches!(v, Value::Null | Value::Bool(false)))
    }

    pub fn values(&self) -> &Map<String, Value> {
        &self.values
    }
}

/// What a method looks like to the binder: its name and parameters as `Spec` holds them.
pub(crate) struct Shape<'a> {
    pub name: &'a str,
    pub params: Vec<&'a str>,
    pub positional: usize,
    pub required: usize,
    pub on_records: bool,
}

impl Shape<'static> {
    pub fn of(spec: &'static Spec) -> Shape<'static> {
        Shape {
            name: spec.name,
            params: spec.params.to_vec(),
            positional: spec.positional,
            required: spec.required,
            on_records: spec.on_records,
        }
    }
}

fn type_error(message: String) -> Fault {
    Fault::new(FaultKind::TypeError, message)
}

/// Bind `args` and `kwargs` (context already taken out) to `shape`.
pub(crate) fn bind(
    shape: &Shape<'_>,
    args: &[Value],
    kwargs: &Map<String, Value>,
) -> Result<Bound, Fault> {
    let mut bound = Bound::default();
    let mut args = args;
    if shape.on_records {
        match (args.split_first(), kwargs.get("ids")) {
            (Some((ids, rest)), None) => {
                bound.ids = Some(ids.clone());
                args = rest;
            }
            (None, Some(ids)) => bound.ids = Some(ids.clone()),
            (Some(_), Some(_)) => {
                return Err(type_error(format!(
                    "{}() got multiple values for argument 'ids'",
                    shape.name
                )));
            }
            (None, None) => {
                return Err(type_error(format!(
                    "{}() missing 1 required positional argument: 'ids'",
                    shape.name
                )));
            }
        }
    }
    if args.len() > shape.positional {
        return Err(type_error(too_many(shape, args.len())));
    }
    for (name, value) in shape.params.iter().zip(args) {
        bound.values.insert(name.to_string(), value.clone());
    }
    for (key, value) in kwargs {
        if shape.on_records && key == "ids" {
            continue;
        }
        let name = alias(shape.name, key).unwrap_or(key);
        if !shape.params.contains(&name) {
            return Err(type_error(format!(
                "{}() got an unexpected keyword argument '{key}'",
                shape.name
            )));
        }
        if bound
            .values
            .insert(name.to_string(), value.clone())
            .is_some()
        {
            return Err(type_error(format!(
                "{}() got multiple values for argument '{name}'",
                shape.name
            )));
        }
    }
    let missing: Vec<&str> = shape.params[..shape.required]
        .iter()
        .copied()
        .filter(|p| !bound.values.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        return Err(type_error(format!(
            "{}() missing {} required positional argument{}: {}",
            shape.name,
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            missing
                .iter()
                .map(|m| format!("'{m}'"))
                .collect::<Vec<_>>()
                .join(" and ")
        )));
    }
    Ok(bound)
}

/// Python's message, counting `self` as Python does.
fn too_many(shape: &Shape<'_>, given: usize) -> String {
    let (least, most) = (shape.required + 1, shape.positional + 1);
    let takes = if least == most {
        format!(
            "{most} positional argument{}",
            if most == 1 { "" } else { "s" }
        )
    } else {
        format!("from {least} to {most} positional arguments")
    };
    format!(
        "{}() takes {takes} but {} were given",
        shape.name,
        given + 1
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn search() -> Shape<'static> {
        Shape::of(standard("search").unwrap())
    }

    #[test]
    fn positional_and_keyword_arguments_meet_by_name() {
        let kwargs = json!({"limit": 5, "order": "name"});
        let bound = bind(
            &search(),
            &[json!([]), json!(2)],
            kwargs.as_object().unwrap(),
        )
        .unwrap();
        assert_eq!(bound.get("offset"), Some(&json!(2)));
        assert_eq!(bound.get("limit"), Some(&json!(5)));
        assert_eq!(bound.given("count"), None);
    }

    #[test]
    fn python_type_errors() {
        let none = Map::new();
        let too_many = bind(&search(), &vec![json!(0); 7], &none).unwrap_err();
        assert_eq!(too_many.kind, FaultKind::TypeError);
        assert_eq!(
            too_many.message,
            "search() takes from 2 to 6 positional arguments but 8 were given"
        );
        let kwargs = json!({"limt": 1});
        let unknown = bind(&search(), &[json!([])], kwargs.as_object().unwrap()).unwrap_err();
        assert_eq!(
            unknown.message,
            "search() got an unexpected keyword argument 'limt'"
        );
        let kwargs = json!({"domain": []});
        let twice = bind(&search(), &[json!([])], kwargs.as_object().unwrap()).unwrap_err();
        assert_eq!(
            twice.message,
            "search() got multiple values for argument 'domain'"
        );
        let missing = bind(&search(), &[], &none).unwrap_err();
        assert_eq!(
            missing.message,
            "search() missing 1 required positional argument: 'domain'"
        );
    }

    #[test]
    fn ids_come_first_on_records() {
        let read = Shape::of(standard("read").unwrap());
        let bound = bind(&read, &[json!([1, 2]), json!(["name"])], &Map::new()).unwrap();
        assert_eq!(bound.ids, Some(json!([1, 2])));
        assert_eq!(bound.get("fields"), Some(&json!(["name"])));
        let missing = bind(&read, &[], &Map::new()).unwrap_err();
        assert!(missing.message.contains("'ids'"), "{}", missing.message);
    }
}
