//! The schema file: the demo schema loads as DESIGN.md §3 lists it, and every kind of mistake is
//! refused with a message naming the model and field.

use serde_json::json;
use weft_registry::{FieldType, MethodKind, OnDelete, Registry, SchemaError};

fn error_of(text: &str) -> String {
    Registry::from_toml(text)
        .expect_err("the schema should be refused")
        .to_string()
}

#[test]
fn the_demo_schema_has_every_model_the_seeds_touch() {
    let registry = Registry::demo();
    for model in [
        "res.company",
        "res.users",
        "res.partner",
        "res.partner.category",
        "res.currency",
        "product.product",
        "sale.order",
        "sale.order.line",
        "crm.tag",
        "stock.picking",
        "stock.picking.type",
        "account.move",
        "account.move.line",
    ] {
        assert!(registry.model(model).is_some(), "{model} is missing");
    }
    let order = registry.model("sale.order").unwrap();
    assert_eq!(order.table, "sale_order");
    assert!(order.is_company_scoped());
    assert_eq!(
        order
            .field("name")
            .unwrap()
            .sequence
            .as_ref()
            .unwrap()
            .prefix,
        "SO"
    );
    assert!(
        matches!(&order.field("order_line").unwrap().kind, FieldType::One2many { comodel, inverse } if comodel == "sale.order.line" && inverse == "order_id")
    );
    assert!(matches!(
        &order.field("partner_id").unwrap().kind,
        FieldType::Many2one {
            ondelete: OnDelete::Restrict,
            ..
        }
    ));
    assert_eq!(
        order.methods.keys().collect::<Vec<_>>(),
        ["action_cancel", "action_confirm", "unlink"]
    );
    assert!(
        matches!(&order.methods["action_confirm"].kind, MethodKind::Write { values } if values["state"] == json!("sale"))
    );
    assert!(order.methods["action_confirm"].require.is_some());
    assert!(
        registry
            .model("account.move")
            .unwrap()
            .methods
            .contains_key("action_post")
    );
    let fields: Vec<&str> = order.fields().iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        &fields[..6],
        [
            "id",
            "create_date",
            "create_uid",
            "write_date",
            "write_uid",
            "name"
        ],
        "system fields first, then file order"
    );
    let partner = registry.model("res.partner").unwrap();
    assert!(partner.has_active());
    assert_eq!(partner.parent_field.as_deref(), Some("parent_id"));
    let FieldType::Selection(kinds) = &partner.field("company_type").unwrap().kind else {
        panic!("selection")
    };
    assert_eq!(kinds.label("company", "fr_FR"), Some("Société"));
    assert_eq!(kinds.label("company", "de_DE"), Some("Company"));
    let keys: Vec<&str> = registry.records().iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "base.USD",
            "base.EUR",
            "base.THB",
            "stock.picking_type_in",
            "stock.picking_type_out"
        ]
    );
}

#[test]
fn mistakes_are_named() {
    let cases = [
        (
            r#"[models."a.b".fields]
x = { type = "many2one", comodel = "res.nothing" }"#,
            "a.b.x: unknown comodel 'res.nothing'",
        ),
        (
            r#"[models."a.b".fields]
line_ids = { type = "one2many", comodel = "a.c", inverse = "b_id" }
[models."a.c".fields]
name = { type = "char" }"#,
            "a.b.line_ids: missing inverse: a.c has no field 'b_id'",
        ),
        (
            r#"[models."a.b".fields]
qty = { type = "integer", default = "many" }"#,
            "a.b.qty: bad default \"many\": expected an integer",
        ),
        (
            r#"[models."a.b".fields]
state = { type = "selection", selection = [["a", "A"], ["a", "Again"]] }"#,
            "a.b.state: bad selection: key 'a' appears twice",
        ),
        (
            r#"[models."a.b".fields]
state = { type = "selection", selection = [["a", "A"]], default = "b" }"#,
            "a.b.state: bad default \"b\": 'b' is not one of a",
        ),
        (
            r#"[models."a.b".fields]
x = { type = "decimal" }"#,
            "a.b.x: unknown type 'decimal'",
        ),
        (
            r#"[models."a.b".fields]
Bad-Name = { type = "char" }"#,
            "is not a valid name",
        ),
        (
            r#"[models."a.b".fields]
id = { type = "integer" }"#,
            "a.b.id: is a system column",
        ),
        (
            r#"[models."a.b".fields]
p = { type = "many2one", comodel = "a.b", required = true }"#,
            "cannot use ondelete 'set null'",
        ),
        (
            r#"[models."a.b"]
order = "name; drop"
[models."a.b".fields]
name = { type = "char" }"#,
            "a.b: bad order",
        ),
        (
            r#"[models."res.users"]
description = "mine""#,
            "res.users: is built in",
        ),
        (
            r#"[models."res.users".fields]
login = { type = "char" }"#,
            "res.users.login: is declared twice",
        ),
        (
            r#"[models."a.b".methods]
go = { kind = "write", values = { nope = 1 } }"#,
            "a.b.go(): writes unknown field 'nope'",
        ),
        (
            r#"[models."a.b".fields]
state = { type = "char" }
[models."a.b".methods]
go = { kind = "write", values = { state = "x" }, require = "[('state', '=')]" }"#,
            "a.b.go(): bad require domain",
        ),
        (
            r#"[[records]]
key = "x"
model = "res.currency"
values = {}"#,
            "record x: unknown model 'res.currency'",
        ),
        ("this is not toml", "not valid TOML"),
    ];
    for (text, expected) in cases {
        let message = error_of(text);
        assert!(
            message.contains(expected),
            "expected «{expected}» in «{message}»"
        );
    }
}

#[test]
fn every_problem_is_listed_at_once() {
    let err = Registry::from_toml(
        r#"[models."a.b".fields]
x = { type = "many2one", comodel = "nope" }
y = { type = "selection", selection = [] }"#,
    )
    .unwrap_err();
    let SchemaError::Many(problems) = err else {
        panic!("expected several problems, got {err}")
    };
    assert_eq!(problems.len(), 2);
}

#[test]
fn builtin_models_take_extra_fields() {
    let registry = Registry::from_toml(
        r#"[models."res.company".fields]
vat = { type = "char" }"#,
    )
    .unwrap();
    let company = registry.model("res.company").unwrap();
    assert!(company.builtin);
    assert!(company.field("vat").is_some() && company.field("name").is_some());
}
