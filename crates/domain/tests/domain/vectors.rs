//! Every row of research §1.10: partner P1 'Azure', P2 without name; order O1 of P1, O2 without
//! partner. Each is checked in memory and, where the shape matters, in the SQL.

use crate::fixture::{Db, bind, search_in, where_clause};

const P1: i64 = 1;

fn orders(domain: &str) -> Vec<i64> {
    search_in(&Db::vectors(), "sale.order", domain)
}

#[test]
fn empty_domain_matches_all() {
    assert_eq!(orders("[]"), [1, 2]);
    assert!(bind("[]", "sale.order").is_all());
}

#[test]
fn partner_is_false() {
    assert_eq!(orders("[('partner_id', '=', False)]"), [2]);
    assert_eq!(
        where_clause("[('partner_id', '=', False)]", "sale.order"),
        r#""t"."partner_id" IS NULL"#
    );
}

#[test]
fn partner_is_not_p1_includes_null() {
    assert_eq!(orders(&format!("[('partner_id', '!=', {P1})]")), [2]);
    assert_eq!(
        where_clause("[('partner_id', '!=', 1)]", "sale.order"),
        r#""t"."partner_id" <> 1 OR "t"."partner_id" IS NULL"#
    );
}

#[test]
fn partner_in_p1_or_false() {
    assert_eq!(
        orders(&format!("[('partner_id', 'in', [{P1}, False])]")),
        [1, 2]
    );
    assert_eq!(
        where_clause("[('partner_id', 'in', [1, False])]", "sale.order"),
        r#""t"."partner_id" IN (1) OR "t"."partner_id" IS NULL"#
    );
}

#[test]
fn dotted_negative_never_matches_a_null_partner() {
    assert_eq!(orders("[('partner_id.name', '!=', 'x')]"), [1]);
    let clause = where_clause("[('partner_id.name', '!=', 'x')]", "sale.order");
    assert!(
        clause.starts_with("EXISTS(SELECT 1 FROM \"res_partner\""),
        "{clause}"
    );
}

#[test]
fn negated_dotted_is_not_any() {
    assert_eq!(orders("['!', ('partner_id.name', '=', 'Azure')]"), [2]);
    let clause = where_clause("['!', ('partner_id.name', '=', 'Azure')]", "sale.order");
    assert!(
        clause.starts_with("NOT EXISTS(SELECT 1 FROM \"res_partner\""),
        "{clause}"
    );
}

#[test]
fn partner_ilike_a_name() {
    assert_eq!(orders("[('partner_id', 'ilike', 'azu')]"), [1]);
}

#[test]
fn name_ilike_empty_matches_all_including_null() {
    assert_eq!(orders("[('name', 'ilike', '')]"), [1, 2]);
}

#[test]
fn name_not_ilike_empty_matches_only_null() {
    assert_eq!(orders("[('name', 'not ilike', '')]"), [2]);
}

#[test]
fn orders_without_tags() {
    assert_eq!(orders("[('tag_ids', '=', False)]"), [2]);
    let clause = where_clause("[('tag_ids', '=', False)]", "sale.order");
    assert!(
        clause.starts_with("NOT EXISTS(SELECT 1 FROM \"sale_order_tag_rel\""),
        "{clause}"
    );
}

#[test]
fn or_of_the_first_two_and_the_third() {
    let domain = "['|', ('a', '=', 1), ('b', '=', 2), ('c', '=', 3)]";
    assert_eq!(
        bind(domain, "sale.order"),
        bind(
            "['&', '|', ('a', '=', 1), ('b', '=', 2), ('c', '=', 3)]",
            "sale.order"
        )
    );
    assert_eq!(
        where_clause(domain, "sale.order"),
        r#"("t"."a" = 1 OR "t"."b" = 2) AND "t"."c" = 3"#
    );
    assert_eq!(orders(domain), [1, 2]);
    let mut db = Db::vectors();
    db.insert("sale.order", 3, serde_json::json!({"a": 1, "b": 9, "c": 4}));
    db.insert("sale.order", 4, serde_json::json!({"a": 9, "b": 9, "c": 3}));
    assert_eq!(search_in(&db, "sale.order", domain), [1, 2]);
}
