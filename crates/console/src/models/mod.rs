//! `/console/models` (issue 17 §6), read only: the schema's models; one model's fields (type,
//! relation, required, readonly, index, selection values) and declared methods; and its records
//! (`browse`), a `search_data`-style table with a domain box.

mod browse;

use crate::Console;
use crate::frame::{Frame, Nav};
use crate::session::Admin;
use askama::Template;
use askama_web::WebTemplate;
use poem::http::StatusCode;
use poem::web::{Data, Path};
use poem::{IntoResponse, Response, Route, get, handler};
use weft_registry::{FieldType, MethodKind};

pub fn routes() -> Route {
    Route::new()
        .at("/", get(list))
        .at("/:model", get(model_page))
        .at("/:model/records", get(browse::records))
}

struct Summary {
    name: String,
    description: String,
    fields: usize,
    methods: usize,
    company_scoped: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "models.html")]
struct ListPage {
    frame: Frame,
    models: Vec<Summary>,
}

#[handler]
async fn list(admin: Admin, console: Data<&Console>) -> ListPage {
    let models = console
        .store
        .registry()
        .models()
        .filter(|m| admin.caller.may_use_model(&m.name))
        .map(|m| Summary {
            name: m.name.clone(),
            description: m.description.clone(),
            fields: m.fields().len(),
            methods: m.methods.len(),
            company_scoped: m.is_company_scoped(),
        })
        .collect();
    ListPage {
        frame: admin.frame(Nav::Models),
        models,
    }
}

struct FieldRow {
    name: String,
    label: String,
    kind: &'static str,
    relation: String,
    required: bool,
    readonly: bool,
    index: bool,
    selection: String,
    help: String,
}

struct MethodRow {
    name: String,
    kind: &'static str,
    params: String,
    require: String,
    help: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "model.html")]
struct ModelPage {
    frame: Frame,
    name: String,
    description: String,
    rec_name: String,
    order: String,
    company_scoped: bool,
    fields: Vec<FieldRow>,
    methods: Vec<MethodRow>,
}

#[handler]
async fn model_page(admin: Admin, console: Data<&Console>, Path(name): Path<String>) -> Response {
    let registry = console.store.registry();
    let Some(model) = registry
        .model(&name)
        .filter(|_| admin.caller.may_use_model(&name))
    else {
        return (
            StatusCode::NOT_FOUND,
            format!("There is no model '{name}'."),
        )
            .into_response();
    };
    let fields = model.fields().iter().map(field_row).collect();
    let methods = model
        .methods
        .values()
        .map(|m| MethodRow {
            name: m.name.clone(),
            kind: match m.kind {
                MethodKind::Write { .. } => "write",
                MethodKind::Unlink => "unlink",
                MethodKind::Copy => "copy",
            },
            params: m
                .params
                .iter()
                .map(|(n, t)| format!("{n}: {}", format!("{t:?}").to_lowercase()))
                .collect::<Vec<_>>()
                .join(", "),
            require: m
                .require
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            help: m.help.clone().unwrap_or_default(),
        })
        .collect();
    ModelPage {
        frame: admin.frame(Nav::Models),
        name: model.name.clone(),
        description: model.description.clone(),
        rec_name: model.rec_name.clone(),
        order: model.order.clone(),
        company_scoped: model.is_company_scoped(),
        fields,
        methods,
    }
    .into_response()
}

fn field_row(f: &weft_registry::Field) -> FieldRow {
    let relation = match &f.kind {
        FieldType::One2many { comodel, inverse } => format!("{comodel} (by {inverse})"),
        other => other.comodel().unwrap_or_default().to_string(),
    };
    let selection = match &f.kind {
        FieldType::Selection(s) => s
            .options
            .iter()
            .map(|(value, label)| format!("{value} ({label})"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    };
    FieldRow {
        name: f.name.clone(),
        label: f.string.clone(),
        kind: f.kind.name(),
        relation,
        required: f.required,
        readonly: f.readonly || f.system,
        index: f.index || f.unique,
        selection,
        help: f.help.clone().unwrap_or_default(),
    }
}
