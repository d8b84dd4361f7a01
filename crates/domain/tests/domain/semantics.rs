//! What each operator matches, evaluated in memory over the fixture (research §1.4–1.8).
//! Partners are searched without the active filter unless a test is about it.

use weft_domain::BindOptions;

use crate::fixture::{Db, TestSchema, orders, parse, partners, search, search_in};

fn check(found: Vec<i64>, expected: &[i64], what: &str) {
    assert_eq!(found, expected, "{what}");
}

fn p(domain: &str, expected: &[i64]) {
    check(partners(domain), expected, domain);
}

fn o(domain: &str, expected: &[i64]) {
    check(orders(domain), expected, domain);
}

// --- §1.4, row by row -------------------------------------------------------------------------

#[test]
fn eq_false_or_none_is_null() {
    p("[('ref', '=', False)]", &[4]);
    p("[('ref', '=', None)]", &[4]);
}

#[test]
fn eq_scalar_never_matches_null_and_zero_is_not_false() {
    p("[('ref', '=', 'AZ')]", &[1]);
    p("[('color', '=', 0)]", &[2]);
    p("[('ref', '=', '')]", &[2]);
}

#[test]
fn ne_false_is_not_null() {
    p("[('ref', '!=', False)]", &[1, 2, 3, 5, 6]);
    p("[('ref', '!=', None)]", &[1, 2, 3, 5, 6]);
}

#[test]
fn ne_truthy_also_matches_null() {
    p("[('ref', '!=', 'AZ')]", &[2, 3, 4, 5, 6]);
    p("[('color', '!=', 3)]", &[2, 3, 4, 6]);
}

#[test]
fn ne_falsy_non_bool_does_not_match_null() {
    p("[('color', '!=', 0)]", &[1, 4, 5, 6]);
    p("[('ref', '!=', '')]", &[1, 3, 5, 6]);
}

#[test]
fn orderings_are_plain_and_false_matches_nothing() {
    p("[('color', '>', 2)]", &[1, 4, 5, 6]);
    p("[('color', '<', 3)]", &[2]);
    p("[('color', '<=', 3)]", &[1, 2, 5]);
    p("[('color', '>=', 7)]", &[4, 6]);
    p("[('color', '<', False)]", &[]);
    p("[('color', '>=', None)]", &[]);
    p("[('ref', '>', 'B')]", &[3, 5, 6]);
    p("[('ref', '<', 'a')]", &[1, 2, 3, 5]);
}

#[test]
fn eq_if_set() {
    p("[('ref', '=?', False)]", &[1, 2, 3, 4, 5, 6]);
    p("[('ref', '=?', None)]", &[1, 2, 3, 4, 5, 6]);
    p("[('ref', '=?', 'AZ')]", &[1]);
}

#[test]
fn in_lists() {
    p("[('color', 'in', [3, 7])]", &[1, 4, 5]);
    p("[('color', 'in', [7, False])]", &[3, 4]);
    p("[('color', 'in', [False])]", &[3]);
    p("[('color', 'in', [None])]", &[3]);
    p("[('color', 'in', [])]", &[]);
}

#[test]
fn not_in_lists() {
    p("[('color', 'not in', [3, 7])]", &[2, 3, 6]);
    p("[('color', 'not in', [3, False])]", &[2, 4, 6]);
    p("[('color', 'not in', [False])]", &[1, 2, 4, 5, 6]);
    p("[('color', 'not in', [])]", &[1, 2, 3, 4, 5, 6]);
}

#[test]
fn like_and_ilike_wrap_the_value() {
    p("[('name', 'like', 'Deco')]", &[3, 4]);
    p("[('name', 'like', 'deco')]", &[]);
    p("[('name', 'ilike', 'deco')]", &[3, 4]);
    p("[('name', 'ilike', 'DECO')]", &[3, 4]);
}

#[test]
fn like_with_an_empty_value_also_matches_null() {
    p("[('name', 'like', '')]", &[1, 2, 3, 4, 5, 6]);
    p("[('name', 'ilike', False)]", &[1, 2, 3, 4, 5, 6]);
    p("[('ref', 'like', None)]", &[1, 2, 3, 4, 5, 6]);
}

#[test]
fn not_like_matches_null() {
    p("[('name', 'not like', 'Deco')]", &[1, 2, 5, 6]);
    p("[('name', 'not ilike', 'deco')]", &[1, 2, 5, 6]);
}

#[test]
fn not_like_with_an_empty_value_matches_only_null() {
    p("[('name', 'not ilike', '')]", &[2]);
    p("[('name', 'not like', False)]", &[2]);
}

#[test]
fn eq_like_uses_the_raw_pattern() {
    p("[('name', '=like', 'Deco%')]", &[3, 4]);
    p("[('name', '=like', 'deco%')]", &[]);
    p("[('name', '=ilike', 'deco%')]", &[3, 4]);
    p("[('name', '=like', 'Azure')]", &[1]);
    p("[('name', '=like', 'Azur')]", &[]);
    p("[('name', '=like', '%Child')]", &[4]);
    p("[('name', '=like', '')]", &[]);
}

#[test]
fn user_wildcards_stay_wildcards() {
    p("[('name', 'like', 'Deco_Addict')]", &[3]);
    p("[('name', 'like', '50%sale')]", &[6]);
    p("[('name', '=like', 'A____')]", &[1]);
}

#[test]
fn backslash_escapes_wildcards() {
    p(r"[('name', 'like', '50\\%')]", &[6]);
    p(r"[('name', 'like', 'ff\\_s')]", &[6]);
    p(r"[('name', 'like', 'Deco\\_Addict')]", &[]);
    p(r"[('ref', '=', 'a\\b')]", &[6]);
    p(r"[('ref', 'like', 'a\\\\b')]", &[6]);
    p(r"[('ref', 'like', 'a\\b')]", &[]);
}

#[test]
fn like_on_numbers_and_dates_uses_their_text() {
    p("[('color', 'like', '1')]", &[6]);
    p("[('color', '=like', '1_')]", &[6]);
    p("[('color', 'like', 3)]", &[1, 5]);
    p("[('id', 'like', '1')]", &[1]);
    p("[('birthday', 'like', '2000-01')]", &[3, 4]);
    p("[('write_date', 'ilike', '2024-01-31')]", &[1, 4]);
}

// --- three-valued logic ---------------------------------------------------------------------

#[test]
fn explicit_not_keeps_sql_null_semantics() {
    p("['!', ('name', '=like', 'Deco%')]", &[1, 5, 6]);
    p("['!', ('ref', '=?', 'AZ')]", &[2, 3, 5, 6]);
    p("['!', ('ref', '=?', False)]", &[]);
    p(
        "['|', ('color', '=', 3), '!', ('name', '=ilike', 'deco%')]",
        &[1, 5, 6],
    );
}

#[test]
fn pushed_down_not_is_two_valued() {
    p("['!', ('name', '=', 'Azure')]", &[2, 3, 4, 5, 6]);
    p("['!', ('color', 'in', [3])]", &[2, 3, 4, 6]);
    p(
        "['!', '&', ('color', '=', 3), ('ref', '=', 'AZ')]",
        &[2, 3, 4, 5, 6],
    );
}

// --- §1.5 field types -------------------------------------------------------------------------

#[test]
fn booleans_treat_null_as_false() {
    p("[('is_company', '=', True)]", &[1, 5]);
    p("[('is_company', '!=', False)]", &[1, 5]);
    p("[('is_company', '=', False)]", &[2, 3, 4, 6]);
    p("[('is_company', '!=', True)]", &[2, 3, 4, 6]);
    p("[('is_company', '=', None)]", &[2, 3, 4, 6]);
    p("['!', ('is_company', '=', True)]", &[2, 3, 4, 6]);
}

#[test]
fn boolean_in_lists() {
    p("[('is_company', 'in', [True])]", &[1, 5]);
    p("[('is_company', 'in', [False])]", &[2, 3, 4, 6]);
    p("[('is_company', 'in', [True, False])]", &[1, 2, 3, 4, 5, 6]);
    p("[('is_company', 'not in', [True])]", &[2, 3, 4, 6]);
    p("[('is_company', 'not in', [False])]", &[1, 5]);
    p("[('is_company', 'in', True)]", &[1, 5]);
}

#[test]
fn dates_and_datetimes() {
    p("[('birthday', '>=', '2000-01-01')]", &[3, 4]);
    p("[('birthday', '<', '2000-01-02')]", &[1, 3]);
    p("[('birthday', '=', False)]", &[2, 5, 6]);
    p("[('write_date', '<=', '2024-01-31')]", &[1, 4]);
    p("[('write_date', '>', '2024-01-31')]", &[3]);
    p("[('write_date', '<', '2024-01-31')]", &[]);
    p("[('write_date', '>=', '2024-01-31')]", &[1, 3, 4]);
    p("[('write_date', '=', '2024-02-01')]", &[3]);
    p("[('write_date', '=', '2024-01-31 10:00')]", &[1]);
}

#[test]
fn floats_compare_numerically() {
    p("[('credit', '>', 2)]", &[1, 4, 6]);
    p("[('credit', '=', 3.0)]", &[4]);
    p("[('credit', '=', 0)]", &[3]);
    p("[('credit', '!=', 0)]", &[1, 4, 5, 6]);
    p("[('credit', '<', 0)]", &[5]);
    p("[('credit', 'in', [1000, 10.5])]", &[1, 6]);
}

#[test]
fn text_html_selection() {
    p("[('comment', '=', False)]", &[1, 4, 5, 6]);
    p("[('comment', 'ilike', 'AZURE')]", &[3]);
    o("[('note', 'ilike', 'rush')]", &[1]);
    o("[('state', 'in', ['sale', 'draft'])]", &[1, 2, 5]);
    o("[('state', '!=', 'sale')]", &[2, 3, 4]);
}

#[test]
fn binary_and_json_presence() {
    p("[('image', '=', False)]", &[2, 3, 4, 5, 6]);
    p("[('image', '!=', False)]", &[1]);
    p("[('data', '!=', False)]", &[1]);
}

#[test]
fn many2one_against_ids() {
    o("[('partner_id', '=', 1)]", &[1]);
    o("[('partner_id', '!=', 1)]", &[2, 3, 4, 5]);
    o("[('partner_id', 'in', [1, False])]", &[1, 2]);
    o("[('partner_id', 'not in', [1, False])]", &[3, 4, 5]);
    o("[('partner_id', '=', False)]", &[2]);
    o("[('partner_id', '>', 3)]", &[4, 5]);
}

#[test]
fn many2one_against_names_includes_archived_records() {
    o("[('partner_id', 'ilike', 'azu')]", &[1]);
    o("[('partner_id', '=', 'Azure')]", &[1]);
    o("[('partner_id', 'in', ['Azure', 'Old Corp'])]", &[1, 4]);
    o("[('partner_id', 'in', ['Azure', False])]", &[1, 2]);
    o("[('partner_id', '>', 'Azure')]", &[1]);
}

#[test]
fn many2one_negative_name_tests_match_null() {
    o("[('partner_id', '!=', 'Azure')]", &[2, 3, 4, 5]);
    o("[('partner_id', 'not ilike', 'azu')]", &[2, 3, 4, 5]);
    o("[('partner_id', 'not in', ['Azure', False])]", &[3, 4, 5]);
}

#[test]
fn many2one_names_with_empty_patterns() {
    o("[('partner_id', 'ilike', '')]", &[1, 3, 4, 5]);
    o("[('partner_id', 'not ilike', '')]", &[2]);
}

#[test]
fn many2one_any() {
    o("[('partner_id', 'any', [('name', '=', False)])]", &[3]);
    o(
        "[('partner_id', 'not any', [('name', '=', False)])]",
        &[1, 2, 4, 5],
    );
    o("[('partner_id', 'any', [])]", &[1, 3, 4, 5]);
    o("[('partner_id', 'not any', [])]", &[2]);
}

#[test]
fn x2many_emptiness() {
    o("[('tag_ids', '=', False)]", &[2, 5]);
    o("[('tag_ids', '!=', False)]", &[1, 3, 4]);
    o("[('order_line', '=', False)]", &[2, 4, 5]);
}

#[test]
fn x2many_contains_one_of_or_none_of() {
    o("[('tag_ids', '=', 1)]", &[1, 3]);
    o("[('tag_ids', 'in', [1])]", &[1, 3]);
    o("[('tag_ids', 'in', [1, 2])]", &[1, 3, 4]);
    o("[('tag_ids', '!=', 1)]", &[2, 4, 5]);
    o("[('tag_ids', 'not in', [1, 2])]", &[2, 5]);
    o("[('tag_ids', 'in', [1, False])]", &[1, 2, 3, 5]);
    o("[('tag_ids', 'not in', [1, False])]", &[4]);
    o("[('tag_ids', 'in', [])]", &[]);
    o("[('tag_ids', 'not in', [])]", &[1, 2, 3, 4, 5]);
    o("[('order_line', 'in', [3])]", &[3]);
    o("[('tag_ids', '>', 1)]", &[3, 4]);
}

#[test]
fn x2many_against_names() {
    o("[('tag_ids', '=', 'VIP')]", &[1, 3]);
    o("[('tag_ids', 'ilike', 'ret')]", &[3, 4]);
    o("[('tag_ids', 'not ilike', 'vip')]", &[2, 4, 5]);
    o("[('tag_ids', '!=', 'VIP')]", &[2, 4, 5]);
    o("[('order_line', 'ilike', 'gad')]", &[1]);
    p("[('category_id', 'ilike', '')]", &[1, 3, 4, 6]);
}

#[test]
fn x2many_any() {
    o(
        "[('order_line', 'any', [('name', '=', 'Widget')])]",
        &[1, 3],
    );
    o(
        "[('order_line', 'not any', [('name', '=', 'Widget')])]",
        &[2, 4, 5],
    );
    o("[('order_line.product_uom_qty', '>', 1)]", &[1]);
    p("[('category_id', 'any', [('color', '=', False)])]", &[6]);
    p(
        "[('child_ids', 'any', [('name', 'ilike', 'deco')])]",
        &[1, 3],
    );
}

#[test]
fn unset_values_through_relations() {
    o("[('tag_ids', '=', None)]", &[2, 5]);
    o("[('partner_id', '=?', False)]", &[1, 2, 3, 4, 5]);
    o("[('tag_ids', '=?', 2)]", &[3, 4]);
}

// --- §1.6 dotted paths ------------------------------------------------------------------------

#[test]
fn dotted_negative_does_not_match_null_many2one() {
    o("[('partner_id.name', '!=', 'x')]", &[1, 3, 4, 5]);
}

#[test]
fn dotted_name_false_needs_an_existing_partner() {
    o("[('partner_id.name', '=', False)]", &[3]);
}

#[test]
fn dotted_x2many_is_any_match_and_not_is_none_match() {
    o("[('tag_ids.name', '!=', 'VIP')]", &[3, 4]);
    o("['!', ('tag_ids.name', '=', 'VIP')]", &[2, 4, 5]);
}

#[test]
fn dotted_paths_through_two_relations() {
    o("[('partner_id.parent_id.name', '=', 'Azure')]", &[]);
    o("[('partner_id.parent_id.parent_id', '=', 1)]", &[5]);
    o("[('order_line.order_id.partner_id', '=', 1)]", &[1]);
}

// --- §1.7 hierarchies -------------------------------------------------------------------------

#[test]
fn child_of_ids() {
    p("[('id', 'child_of', 1)]", &[1, 3, 4]);
    p("[('id', 'child_of', [3, 5])]", &[3, 4, 5, 6]);
    p("[('parent_id', 'child_of', 1)]", &[3, 4]);
    o("[('partner_id', 'child_of', 1)]", &[1, 5]);
}

#[test]
fn child_of_names() {
    p("[('id', 'child_of', 'deco')]", &[3, 4]);
    p("[('id', 'child_of', ['azure', 'old'])]", &[1, 3, 4, 5, 6]);
}

#[test]
fn child_of_nothing_matches_nothing() {
    p("[('id', 'child_of', False)]", &[]);
    p("[('id', 'child_of', 0)]", &[]);
    p("[('id', 'child_of', [])]", &[]);
    p("[('id', 'child_of', 99)]", &[]);
    p("['!', ('id', 'child_of', False)]", &[1, 2, 3, 4, 5, 6]);
}

#[test]
fn parent_of() {
    p("[('id', 'parent_of', 4)]", &[1, 3, 4]);
    p("[('id', 'parent_of', [4, 6])]", &[1, 3, 4, 5, 6]);
    p("[('id', 'parent_of', 'child')]", &[1, 3, 4]);
    p("[('child_ids', 'parent_of', 4)]", &[1, 3]);
    o("[('partner_id', 'parent_of', 3)]", &[1]);
}

#[test]
fn negated_hierarchy() {
    p("['!', ('id', 'child_of', 1)]", &[2, 5, 6]);
}

#[test]
fn hierarchies_survive_cycles() {
    let mut db = Db::default();
    db.insert(
        "res.partner",
        1,
        serde_json::json!({"name": "A", "parent_id": 2, "active": true}),
    );
    db.insert(
        "res.partner",
        2,
        serde_json::json!({"name": "B", "parent_id": 1, "active": true}),
    );
    db.insert(
        "res.partner",
        3,
        serde_json::json!({"name": "C", "parent_id": null, "active": true}),
    );
    assert_eq!(
        search_in(&db, "res.partner", "[('id', 'child_of', 1)]"),
        [1, 2]
    );
    assert_eq!(
        search_in(&db, "res.partner", "[('id', 'parent_of', 1)]"),
        [1, 2]
    );
    assert_eq!(
        search_in(&db, "res.partner", "[('id', 'child_of', 3)]"),
        [3]
    );
}

// --- §1.8 active ------------------------------------------------------------------------------

#[test]
fn archived_records_are_hidden_unless_asked_for() {
    check(
        search("res.partner", "[]"),
        &[1, 2, 3, 4, 6],
        "implicit active",
    );
    check(
        search("res.partner", "[('name', '=', 'Old Corp')]"),
        &[],
        "archived by name",
    );
    check(
        search("res.partner", "[('active', '=', False)]"),
        &[5],
        "explicit active",
    );
    check(
        search(
            "res.partner",
            "['|', ('active', '=', False), ('active', '=', True)]",
        ),
        &[1, 2, 3, 4, 5, 6],
        "both",
    );
    let opts = BindOptions { active_test: false };
    let bound = parse("[('name', '=', 'Old Corp')]")
        .bind(&TestSchema, "res.partner", &opts)
        .unwrap();
    assert!(bound.matches(&Db::full(), 5));
}

#[test]
fn related_records_match_archived_or_not() {
    check(
        search("res.partner", "[('parent_id.name', '=', 'Old Corp')]"),
        &[6],
        "archived parent",
    );
    check(
        search("sale.order", "[('partner_id.active', '=', False)]"),
        &[4],
        "order of an archived partner",
    );
}

#[test]
fn missing_rows_never_match() {
    let bound = parse("[]")
        .bind(&TestSchema, "sale.order", &BindOptions::default())
        .unwrap();
    assert!(bound.is_all());
    assert!(!bound.matches(&Db::full(), 99));
    assert!(bound.matches(&Db::full(), 1));
}
