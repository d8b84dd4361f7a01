//! Terms Odoo 17/18 refuse are refused, with the term's position; the neighbouring forms Odoo
//! reads are kept (research §1.2, §1.5, §1.7). One table: domain, model, kind of the field under
//! test, and the expected outcome.

use serde_json::{Value as Json, json};
use weft_domain::{BindOptions, Domain, DomainError, Records};

use crate::fixture::{Db, TestSchema};

enum Expect {
    /// Binds and selects the same records as the second domain (its plainer spelling).
    SameAs(Json),
    /// Refused: the term's position in the client's list, and a fragment of the reason.
    Refused(usize, &'static str),
}
use Expect::{Refused, SameAs};

const NEEDS_LIST: &str = "'in' and 'not in' need a list";
const HIERARCHY: &str = "'child_of' and 'parent_of' need an id, a name";

fn rows() -> Vec<(Json, &'static str, &'static str, Expect)> {
    vec![
        // `in` / `not in` with a scalar: only a bool is rewritten (to `=` / `!=`) ...
        (
            json!([["is_company", "in", true]]),
            "res.partner",
            "boolean",
            SameAs(json!([["is_company", "=", true]])),
        ),
        (
            json!([["is_company", "not in", false]]),
            "res.partner",
            "boolean",
            SameAs(json!([["is_company", "!=", false]])),
        ),
        (
            json!([["color", "=", [3]]]),
            "res.partner",
            "integer",
            SameAs(json!([["color", "in", [3]]])),
        ),
        // ... any other scalar on a plain column is an invalid term.
        (
            json!([["color", "in", 5]]),
            "res.partner",
            "integer",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["name", "=", "x"], ["color", "not in", 3]]),
            "res.partner",
            "integer",
            Refused(1, NEEDS_LIST),
        ),
        (
            json!([["color", "in", null]]),
            "res.partner",
            "integer",
            Refused(0, "('color', 'in', None)"),
        ),
        (
            json!([["name", "in", "Azure"]]),
            "res.partner",
            "char",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["credit", "not in", 1.5]]),
            "res.partner",
            "float",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["birthday", "in", "2000-01-01"]]),
            "res.partner",
            "date",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["id", "in", 1]]),
            "res.partner",
            "id",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["state", "in", "sale"]]),
            "sale.order",
            "selection",
            Refused(0, NEEDS_LIST),
        ),
        // A many2one reads a string as a name search, an id only inside a list.
        (
            json!([["parent_id", "in", "Azure"]]),
            "res.partner",
            "many2one",
            SameAs(json!([["parent_id", "=", "Azure"]])),
        ),
        (
            json!([["parent_id", "not in", "Azure"]]),
            "res.partner",
            "many2one",
            SameAs(json!([["parent_id", "!=", "Azure"]])),
        ),
        (
            json!([["parent_id", "in", 1]]),
            "res.partner",
            "many2one",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["parent_id", "not in", null]]),
            "res.partner",
            "many2one",
            Refused(0, NEEDS_LIST),
        ),
        (
            json!([["partner_id.id", "in", 1]]),
            "sale.order",
            "many2one",
            Refused(0, NEEDS_LIST),
        ),
        // One2many and many2many wrap a lone id (or search a lone name).
        (
            json!([["category_id", "in", 1]]),
            "res.partner",
            "many2many",
            SameAs(json!([["category_id", "in", [1]]])),
        ),
        (
            json!([["child_ids", "not in", 4]]),
            "res.partner",
            "one2many",
            SameAs(json!([["child_ids", "not in", [4]]])),
        ),
        (
            json!([["category_id", "in", "VIP"]]),
            "res.partner",
            "many2many",
            SameAs(json!([["category_id", "=", "VIP"]])),
        ),
        (
            json!([["tag_ids.id", "in", 2]]),
            "sale.order",
            "many2many",
            SameAs(json!([["tag_ids", "in", [2]]])),
        ),
        // The position survives dotted paths, `!` and implicit `&`s; inside `any` it names both.
        (
            json!([["partner_id.color", "in", 3]]),
            "sale.order",
            "integer",
            Refused(0, "('partner_id.color', 'in', 3)"),
        ),
        (
            json!(["!", ["color", "in", 3]]),
            "res.partner",
            "integer",
            Refused(1, NEEDS_LIST),
        ),
        (
            json!([
                "|",
                ["a", "=", 1],
                [
                    "order_line",
                    "any",
                    [["name", "=", "x"], ["product_uom_qty", "in", 2]]
                ]
            ]),
            "sale.order",
            "float",
            Refused(2, "in its sub-domain, term 1: invalid domain term"),
        ),
        // `child_of` / `parent_of`: ids, names, False or 0 (nothing); not None, not a float.
        (
            json!([["id", "child_of", 1]]),
            "res.partner",
            "id",
            SameAs(json!([["id", "in", [1, 3, 4]]])),
        ),
        (
            json!([["id", "child_of", "Azure"]]),
            "res.partner",
            "id",
            SameAs(json!([["id", "child_of", [1]]])),
        ),
        (
            json!([["parent_id", "child_of", ["Deco Addict"]]]),
            "res.partner",
            "many2one",
            SameAs(json!([["parent_id", "child_of", 3]])),
        ),
        (
            json!([["id", "child_of", false]]),
            "res.partner",
            "id",
            SameAs(json!([[0, "=", 1]])),
        ),
        (
            json!([["id", "parent_of", 0]]),
            "res.partner",
            "id",
            SameAs(json!([[0, "=", 1]])),
        ),
        (
            json!([["id", "child_of", null]]),
            "res.partner",
            "id",
            Refused(0, HIERARCHY),
        ),
        (
            json!([["name", "!=", "x"], ["parent_id", "parent_of", 1.0]]),
            "res.partner",
            "many2one",
            Refused(1, HIERARCHY),
        ),
        // `=?` is `=` once the value is set: one value, except on an x2many (ids, like `in`).
        (
            json!([["color", "=?", [3, 7]]]),
            "res.partner",
            "integer",
            Refused(0, "'=?' compares with one value"),
        ),
        (
            json!([["parent_id", "=?", ["Azure"]]]),
            "res.partner",
            "many2one",
            Refused(0, "'=?' compares with one value"),
        ),
        (
            json!([["color", "=?", false]]),
            "res.partner",
            "integer",
            SameAs(json!([])),
        ),
        (
            json!([["category_id", "=?", [1, 3]]]),
            "res.partner",
            "many2many",
            SameAs(json!([["category_id", "in", [1, 3]]])),
        ),
        // Like patterns read a number as its text, as `str(value)` does upstream.
        (
            json!([["name", "like", 50]]),
            "res.partner",
            "char",
            SameAs(json!([["name", "like", "50"]])),
        ),
    ]
}

fn matches(domain: &Domain, model: &str) -> Result<Vec<i64>, DomainError> {
    let bound = domain.bind(&TestSchema, model, &BindOptions { active_test: false })?;
    let db = Db::full();
    Ok(db
        .ids(model)
        .into_iter()
        .filter(|id| bound.matches(&db, *id))
        .collect())
}

#[test]
fn odoo_refusals_table() {
    for (json, model, kind, expect) in rows() {
        let case = format!("{json} on {model} ({kind})");
        // Every row is well-formed: refusals come from binding, where the field is known.
        let domain = Domain::parse_json(&json).unwrap_or_else(|e| panic!("{case}: {e}"));
        let result = matches(&domain, model);
        match expect {
            SameAs(plain) => {
                let plain = Domain::parse_json(&plain).unwrap_or_else(|e| panic!("{case}: {e}"));
                let expected = matches(&plain, model).unwrap_or_else(|e| panic!("{case}: {e}"));
                assert_eq!(result, Ok(expected), "{case}");
            }
            Refused(position, fragment) => match result {
                Err(DomainError::Structure { index, reason }) => {
                    assert_eq!(index, position, "{case}: {reason}");
                    assert!(reason.contains(fragment), "{case}: {reason}");
                }
                other => panic!("{case}: expected a refusal, got {other:?}"),
            },
        }
    }
}

/// Stored domains (Python-literal text) are refused the same way, with the same message.
#[test]
fn text_domains_are_refused_alike() {
    let domain = Domain::parse_text("[('name', '!=', False), ('color', 'in', 5)]").unwrap();
    let err = matches(&domain, "res.partner").unwrap_err();
    assert_eq!(
        err.to_string(),
        "malformed domain at term 1: invalid domain term ('color', 'in', 5): \
         'in' and 'not in' need a list of values"
    );
}
