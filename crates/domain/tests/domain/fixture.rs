//! The in-test schema and records.

use std::collections::BTreeMap;

use sea_query::{Alias, Expr, PostgresQueryBuilder, Query, SqliteQueryBuilder, Values};
use serde_json::{Map, Value as Json, json};
use weft_domain::{
    Backend, BindOptions, BoundDomain, Domain, DomainError, FieldInfo, FieldKind, Records, Schema,
};

pub struct TestSchema;

const MODELS: [(&str, &str); 4] = [
    ("res.partner", "res_partner"),
    ("sale.order", "sale_order"),
    ("sale.order.line", "sale_order_line"),
    ("crm.tag", "crm_tag"),
];

impl Schema for TestSchema {
    fn table(&self, model: &str) -> Option<&str> {
        MODELS.iter().find(|(m, _)| *m == model).map(|(_, t)| *t)
    }

    fn field(&self, model: &str, name: &str) -> Option<FieldInfo<'_>> {
        use FieldKind::*;
        self.table(model)?;
        let kind = match (model, name) {
            (_, "id") => Id,
            (_, "name") => Char,
            ("res.partner", "parent_id") => Many2one {
                comodel: "res.partner",
            },
            ("res.partner", "child_ids") => One2many {
                comodel: "res.partner",
                inverse: "parent_id",
            },
            ("res.partner", "active") => Boolean,
            ("res.partner", "is_company") => Boolean,
            ("res.partner", "category_id") => Many2many {
                comodel: "crm.tag",
                relation: "res_partner_crm_tag_rel",
                column1: "partner_id",
                column2: "tag_id",
            },
            ("res.partner", "ref") => Char,
            ("res.partner", "comment") => Text,
            ("res.partner", "color") => Integer,
            ("res.partner", "credit") => Float,
            ("res.partner", "birthday") => Date,
            ("res.partner", "write_date") => Datetime,
            ("res.partner", "image") => Binary,
            ("res.partner", "data") => Json,
            ("sale.order", "partner_id") => Many2one {
                comodel: "res.partner",
            },
            ("sale.order", "tag_ids") => Many2many {
                comodel: "crm.tag",
                relation: "sale_order_tag_rel",
                column1: "order_id",
                column2: "tag_id",
            },
            ("sale.order", "order_line") => One2many {
                comodel: "sale.order.line",
                inverse: "order_id",
            },
            ("sale.order", "amount_total") => Monetary,
            ("sale.order", "state") => Selection,
            ("sale.order", "note") => Html,
            ("sale.order", "date_order") => Datetime,
            ("sale.order", "validity_date") => Date,
            ("sale.order", "a" | "b" | "c") => Integer,
            ("sale.order.line", "order_id") => Many2one {
                comodel: "sale.order",
            },
            ("sale.order.line", "product_uom_qty") => Float,
            ("crm.tag", "color") => Integer,
            _ => return None,
        };
        Some(FieldInfo {
            name: static_name(name)?,
            kind,
        })
    }

    fn rec_name(&self, _model: &str) -> &str {
        "name"
    }

    fn parent_field(&self, model: &str) -> Option<&str> {
        (model == "res.partner").then_some("parent_id")
    }

    fn has_active(&self, model: &str) -> bool {
        model == "res.partner"
    }
}

/// FieldInfo borrows from the schema; the names are all known here.
fn static_name(name: &str) -> Option<&'static str> {
    const NAMES: [&str; 30] = [
        "id",
        "name",
        "parent_id",
        "child_ids",
        "active",
        "is_company",
        "category_id",
        "ref",
        "comment",
        "color",
        "credit",
        "birthday",
        "write_date",
        "image",
        "data",
        "partner_id",
        "tag_ids",
        "order_line",
        "amount_total",
        "state",
        "note",
        "date_order",
        "validity_date",
        "a",
        "b",
        "c",
        "order_id",
        "product_uom_qty",
        "x",
        "y",
    ];
    NAMES.iter().copied().find(|n| *n == name)
}

#[derive(Default)]
pub struct Db {
    rows: BTreeMap<String, BTreeMap<i64, Map<String, Json>>>,
}

impl Records for Db {
    fn row(&self, model: &str, id: i64) -> Option<&Map<String, Json>> {
        self.rows.get(model)?.get(&id)
    }

    fn ids(&self, model: &str) -> Vec<i64> {
        self.rows
            .get(model)
            .map(|rows| rows.keys().copied().collect())
            .unwrap_or_default()
    }
}

impl Db {
    pub fn insert(&mut self, model: &str, id: i64, row: Json) {
        let Json::Object(row) = row else {
            panic!("rows are objects")
        };
        self.rows
            .entry(model.to_string())
            .or_default()
            .insert(id, row);
    }

    /// The data of research §1.10: partner P1 'Azure', P2 without name; order O1 of P1, O2 without
    /// partner (and without name or tags).
    pub fn vectors() -> Db {
        let mut db = Db::default();
        db.insert("res.partner", 1, json!({"name": "Azure", "active": true, "parent_id": null, "child_ids": [], "category_id": []}));
        db.insert("res.partner", 2, json!({"name": null, "active": true, "parent_id": null, "child_ids": [], "category_id": []}));
        db.insert("crm.tag", 1, json!({"name": "VIP"}));
        db.insert("sale.order", 1, json!({"name": "SO001", "partner_id": 1, "tag_ids": [1], "order_line": [], "a": 1, "b": 5, "c": 3}));
        db.insert("sale.order", 2, json!({"name": null, "partner_id": null, "tag_ids": [], "order_line": [], "a": 2, "b": 2, "c": 3}));
        db
    }

    /// A richer set for the per-operator rules.
    pub fn full() -> Db {
        let mut db = Db::default();
        let partners = [
            json!({"id": 1, "name": "Azure", "parent_id": null, "child_ids": [3], "active": true, "category_id": [1],
                   "ref": "AZ", "color": 3, "credit": 10.5, "is_company": true, "birthday": "1990-05-01",
                   "write_date": "2024-01-31 10:00:00", "comment": null, "image": "aGk=", "data": {"k": 1}}),
            json!({"id": 2, "name": null, "parent_id": null, "child_ids": [], "active": true, "category_id": [],
                   "ref": "", "color": 0, "credit": null, "is_company": false, "birthday": null,
                   "write_date": null, "comment": "", "image": null, "data": null}),
            json!({"id": 3, "name": "Deco Addict", "parent_id": 1, "child_ids": [4], "active": true, "category_id": [1, 2],
                   "ref": "DA", "color": null, "credit": 0.0, "is_company": null, "birthday": "2000-01-01",
                   "write_date": "2024-02-01 00:00:00", "comment": "likes azure"}),
            json!({"id": 4, "name": "Deco Child", "parent_id": 3, "child_ids": [], "active": true, "category_id": [2],
                   "ref": null, "color": 7, "credit": 3, "is_company": false, "birthday": "2000-01-02",
                   "write_date": "2024-01-31 23:59:59"}),
            json!({"id": 5, "name": "Old Corp", "parent_id": null, "child_ids": [6], "active": false, "category_id": [],
                   "ref": "OLD", "color": 3, "credit": -1.5, "is_company": true}),
            json!({"id": 6, "name": "50% off_sale", "parent_id": 5, "child_ids": [], "active": true, "category_id": [3],
                   "ref": "a\\b", "color": 12, "credit": 1e3, "is_company": false}),
        ];
        for partner in partners {
            let id = partner["id"].as_i64().unwrap_or_default();
            db.insert("res.partner", id, partner);
        }
        db.insert("crm.tag", 1, json!({"name": "VIP", "color": 1}));
        db.insert("crm.tag", 2, json!({"name": "Retail", "color": 2}));
        db.insert("crm.tag", 3, json!({"name": null, "color": null}));
        db.insert("sale.order", 1, json!({"name": "SO001", "partner_id": 1, "tag_ids": [1], "order_line": [1, 2],
            "amount_total": 100.0, "state": "sale", "date_order": "2024-01-31 10:00:00", "validity_date": "2024-02-15",
            "a": 1, "b": 5, "c": 3, "note": "<p>Rush</p>"}));
        db.insert("sale.order", 2, json!({"name": null, "partner_id": null, "tag_ids": [], "order_line": [],
            "amount_total": 0, "state": "draft", "date_order": "2024-01-31 23:59:59", "validity_date": null,
            "a": 2, "b": 2, "c": 3}));
        db.insert("sale.order", 3, json!({"name": "SO003", "partner_id": 2, "tag_ids": [1, 2], "order_line": [3],
            "amount_total": 50.5, "state": "cancel", "date_order": null, "validity_date": "2024-01-31",
            "a": null, "b": null, "c": 4}));
        db.insert("sale.order", 4, json!({"name": "SO004", "partner_id": 5, "tag_ids": [2], "order_line": [],
            "amount_total": null, "state": null, "date_order": "2024-02-01 00:00:00", "validity_date": "2024-03-01",
            "a": 1, "b": 2, "c": null}));
        db.insert(
            "sale.order",
            5,
            json!({"name": "SO005", "partner_id": 4, "tag_ids": [], "order_line": [],
            "amount_total": 10, "state": "sale", "a": 3, "b": 3, "c": 3}),
        );
        db.insert(
            "sale.order.line",
            1,
            json!({"name": "Widget", "order_id": 1, "product_uom_qty": 2.0}),
        );
        db.insert(
            "sale.order.line",
            2,
            json!({"name": "Gadget", "order_id": 1, "product_uom_qty": 1.5}),
        );
        db.insert(
            "sale.order.line",
            3,
            json!({"name": "Widget", "order_id": 3, "product_uom_qty": 0}),
        );
        db
    }
}

pub fn parse(text: &str) -> Domain {
    Domain::parse_text(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn try_bind(text: &str, model: &str) -> Result<BoundDomain, DomainError> {
    parse(text).bind(&TestSchema, model, &BindOptions::default())
}

pub fn bind(text: &str, model: &str) -> BoundDomain {
    try_bind(text, model).unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn bind_error(text: &str, model: &str) -> DomainError {
    match try_bind(text, model) {
        Ok(bound) => panic!("{text} bound to {bound:?}"),
        Err(e) => e,
    }
}

/// Ids of `model` in `db` matching the domain, with the default options (active_test on).
pub fn search_in(db: &Db, model: &str, text: &str) -> Vec<i64> {
    search_with(db, model, text, &BindOptions::default())
}

pub fn search_with(db: &Db, model: &str, text: &str, opts: &BindOptions) -> Vec<i64> {
    let bound = parse(text)
        .bind(&TestSchema, model, opts)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    db.ids(model)
        .into_iter()
        .filter(|id| bound.matches(db, *id))
        .collect()
}

/// Matches over [`Db::full`].
pub fn search(model: &str, text: &str) -> Vec<i64> {
    search_in(&Db::full(), model, text)
}

/// Partners, with archived ones too (so the operator under test is all that filters).
pub fn partners(text: &str) -> Vec<i64> {
    search_with(
        &Db::full(),
        "res.partner",
        text,
        &BindOptions { active_test: false },
    )
}

pub fn orders(text: &str) -> Vec<i64> {
    search("sale.order", text)
}

fn select(text: &str, model: &str, backend: Backend) -> sea_query::SelectStatement {
    let table = TestSchema.table(model).unwrap_or_default();
    let bound = bind(text, model);
    Query::select()
        .expr(Expr::col((Alias::new("t"), Alias::new("id"))))
        .from_as(Alias::new(table), Alias::new("t"))
        .cond_where(bound.to_condition(backend, "t"))
        .to_owned()
}

/// `SELECT "t"."id" FROM <table> AS "t" WHERE ...`, values inlined, for SQLite.
pub fn sql(text: &str, model: &str) -> String {
    select(text, model, Backend::Sqlite).to_string(SqliteQueryBuilder)
}

/// Just the WHERE clause of [`sql`].
pub fn where_clause(text: &str, model: &str) -> String {
    let sql = sql(text, model);
    sql.split_once(" WHERE ")
        .map(|(_, w)| w.to_string())
        .unwrap_or_default()
}

pub fn built(text: &str, model: &str, backend: Backend) -> (String, Values) {
    let select = select(text, model, backend);
    match backend {
        Backend::Sqlite => select.build(SqliteQueryBuilder),
        Backend::Postgres => select.build(PostgresQueryBuilder),
    }
}
