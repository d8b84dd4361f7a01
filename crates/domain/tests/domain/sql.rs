//! The compiled SQL: shapes, bound values, aliases, both back ends.

use sea_query::Value as Sql;
use weft_domain::Backend;

use crate::fixture::{built, sql, where_clause};

#[test]
fn values_are_bound_not_pasted() {
    let evil = "x'); DROP TABLE res_partner; --";
    let (text, values) = built(
        &format!("[('name', '=', \"{evil}\"), ('ref', 'ilike', 'a')]"),
        "res.partner",
        Backend::Sqlite,
    );
    assert!(!text.contains("DROP"), "{text}");
    assert_eq!(
        text,
        r#"SELECT "t"."id" FROM "res_partner" AS "t" WHERE "t"."active" = ? AND "t"."name" = ? AND LOWER(CAST("t"."ref" AS TEXT)) LIKE LOWER(?) ESCAPE '\'"#
    );
    assert_eq!(
        values.0,
        vec![
            Sql::Bool(Some(true)),
            Sql::String(Some(evil.to_string())),
            Sql::String(Some("%a%".to_string()))
        ]
    );
}

#[test]
fn postgres_placeholders_and_escape() {
    let (text, values) = built(
        "[('name', 'like', '50\\\\%')]",
        "sale.order",
        Backend::Postgres,
    );
    assert_eq!(
        text,
        r#"SELECT "t"."id" FROM "sale_order" AS "t" WHERE "t"."name" LIKE $1 ESCAPE E'\\'"#
    );
    assert_eq!(values.0, vec![Sql::String(Some("%50\\%%".to_string()))]);
}

#[test]
fn dates_bind_as_chrono_on_postgres_and_text_on_sqlite() {
    let domain = "[('validity_date', '>=', '2024-01-31'), ('date_order', '<=', '2024-01-31')]";
    let (_, values) = built(domain, "sale.order", Backend::Postgres);
    let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    let datetime = date.and_hms_opt(23, 59, 59).unwrap();
    assert_eq!(
        values.0,
        vec![
            Sql::ChronoDate(Some(date)),
            Sql::ChronoDateTime(Some(datetime))
        ]
    );
    let (_, values) = built(domain, "sale.order", Backend::Sqlite);
    assert_eq!(
        values.0,
        vec![
            Sql::String(Some("2024-01-31".into())),
            Sql::String(Some("2024-01-31 23:59:59".into()))
        ]
    );
}

#[test]
fn numbers_and_booleans_bind_with_their_types() {
    let (_, values) = built(
        "[('amount_total', '>', 1), ('a', 'in', ['2', 3.0])]",
        "sale.order",
        Backend::Sqlite,
    );
    assert_eq!(
        values.0,
        vec![
            Sql::Double(Some(1.0)),
            Sql::BigInt(Some(2)),
            Sql::BigInt(Some(3))
        ]
    );
    let (_, values) = built("[('is_company', '=', 1)]", "res.partner", Backend::Postgres);
    assert_eq!(values.0, vec![Sql::Bool(Some(true)), Sql::Bool(Some(true))]);
}

#[test]
fn null_rules() {
    let m = "res.partner";
    assert_eq!(
        where_clause("[('active', '!=', False), ('ref', '=', False)]", m),
        r#""t"."active" = TRUE AND "t"."ref" IS NULL"#
    );
    assert_eq!(
        where_clause("[('active', '=', True), ('ref', '!=', 'x')]", m),
        r#""t"."active" = TRUE AND ("t"."ref" <> 'x' OR "t"."ref" IS NULL)"#
    );
    assert_eq!(
        where_clause("[('active', '=', True), ('ref', '!=', '')]", m),
        r#""t"."active" = TRUE AND "t"."ref" <> ''"#
    );
    assert_eq!(
        where_clause("[('active', '=', False)]", m),
        r#""t"."active" IS NULL OR "t"."active" = FALSE"#
    );
    assert_eq!(
        where_clause(
            "[('active', '=', True), ('color', 'not in', [1, False])]",
            m
        ),
        r#""t"."active" = TRUE AND "t"."color" NOT IN (1) AND "t"."color" IS NOT NULL"#
    );
    assert_eq!(
        where_clause("[('active', '=', True), ('color', 'not in', [1])]", m),
        r#""t"."active" = TRUE AND ("t"."color" NOT IN (1) OR "t"."color" IS NULL)"#
    );
}

#[test]
fn constants() {
    assert_eq!(where_clause("[('a', 'in', [])]", "sale.order"), "FALSE");
    assert_eq!(where_clause("[('a', 'not in', [])]", "sale.order"), "TRUE");
    assert_eq!(where_clause("[('a', '=?', False)]", "sale.order"), "TRUE");
    assert_eq!(where_clause("[('a', '<', False)]", "sale.order"), "FALSE");
}

#[test]
fn like_family() {
    let m = "sale.order";
    assert_eq!(
        where_clause("[('name', 'like', '')]", m),
        r#""t"."name" LIKE '%%' ESCAPE '\' OR "t"."name" IS NULL"#
    );
    assert_eq!(
        where_clause("[('name', 'not ilike', 'x')]", m),
        r#"LOWER(CAST("t"."name" AS TEXT)) NOT LIKE LOWER('%x%') ESCAPE '\' OR "t"."name" IS NULL"#
    );
    assert_eq!(
        where_clause("[('name', '=like', 'S_0%')]", m),
        r#""t"."name" LIKE 'S_0%' ESCAPE '\'"#
    );
    assert_eq!(
        where_clause("[('a', 'like', 5)]", m),
        r#"CAST("t"."a" AS TEXT) LIKE '%5%' ESCAPE '\'"#
    );
}

#[test]
fn many2one_by_name_is_exists() {
    assert_eq!(
        where_clause("[('partner_id', 'ilike', 'azu')]", "sale.order"),
        r#"EXISTS(SELECT 1 FROM "res_partner" AS "s1" WHERE "s1"."id" = "t"."partner_id" AND LOWER(CAST("s1"."name" AS TEXT)) LIKE LOWER('%azu%') ESCAPE '\')"#
    );
    assert_eq!(
        where_clause("[('partner_id', 'not in', ['A', 'B'])]", "sale.order"),
        r#"NOT EXISTS(SELECT 1 FROM "res_partner" AS "s1" WHERE "s1"."id" = "t"."partner_id" AND "s1"."name" IN ('A', 'B'))"#
    );
}

#[test]
fn x2many_goes_through_the_relation_or_the_inverse() {
    assert_eq!(
        where_clause("[('tag_ids', 'in', [1, 2])]", "sale.order"),
        r#"EXISTS(SELECT 1 FROM "sale_order_tag_rel" AS "s2" INNER JOIN "crm_tag" AS "s1" ON "s1"."id" = "s2"."tag_id" WHERE "s2"."order_id" = "t"."id" AND "s1"."id" IN (1, 2))"#
    );
    assert_eq!(
        where_clause("[('order_line', '=', False)]", "sale.order"),
        r#"NOT EXISTS(SELECT 1 FROM "sale_order_line" AS "s1" WHERE "s1"."order_id" = "t"."id")"#
    );
}

#[test]
fn nested_sub_queries_get_their_own_aliases() {
    let clause = where_clause(
        "[('order_line.order_id.partner_id.name', '=', 'x')]",
        "sale.order",
    );
    assert_eq!(
        clause,
        r#"EXISTS(SELECT 1 FROM "sale_order_line" AS "s1" WHERE "s1"."order_id" = "t"."id" AND EXISTS(SELECT 1 FROM "sale_order" AS "s2" WHERE "s2"."id" = "s1"."order_id" AND EXISTS(SELECT 1 FROM "res_partner" AS "s3" WHERE "s3"."id" = "s2"."partner_id" AND "s3"."name" = 'x')))"#
    );
}

#[test]
fn generated_aliases_avoid_the_callers() {
    let bound = crate::fixture::bind("[('partner_id.name', '=', 'x')]", "sale.order");
    let condition = bound.to_condition(Backend::Sqlite, "s1");
    let text = sea_query::Query::select()
        .expr(sea_query::Expr::cust("1"))
        .from_as(
            sea_query::Alias::new("sale_order"),
            sea_query::Alias::new("s1"),
        )
        .cond_where(condition)
        .to_string(sea_query::SqliteQueryBuilder);
    assert!(text.contains(r#""s2"."id" = "s1"."partner_id""#), "{text}");
}

#[test]
fn hierarchies_are_recursive_ctes() {
    assert_eq!(
        where_clause("[('id', 'child_of', 1)]", "res.partner"),
        r#""t"."active" = TRUE AND EXISTS(WITH RECURSIVE "h1" ("id") AS (SELECT "r2"."id" FROM "res_partner" AS "r2" WHERE "r2"."id" IN (1) UNION SELECT "c3"."id" FROM "res_partner" AS "c3" INNER JOIN "h1" ON "c3"."parent_id" = "h1"."id") SELECT 1 FROM "h1" WHERE "h1"."id" = "t"."id")"#
    );
    let clause = where_clause("[('partner_id', 'parent_of', 'deco')]", "sale.order");
    assert!(clause.starts_with(r#"EXISTS(SELECT 1 FROM "res_partner" AS "s1" WHERE "s1"."id" = "t"."partner_id" AND EXISTS(WITH RECURSIVE"#), "{clause}");
    assert!(
        clause.contains(r#"INNER JOIN "res_partner" AS "c4" ON "p5"."id" = "c4"."parent_id""#),
        "{clause}"
    );
    assert!(
        clause.contains("UNION SELECT") && !clause.contains("UNION ALL"),
        "{clause}"
    );
}

#[test]
fn explicit_not() {
    assert_eq!(
        where_clause("['!', ('a', '=?', 1)]", "sale.order"),
        r#"NOT "t"."a" = 1"#
    );
    assert_eq!(
        where_clause("['!', ('name', '=ilike', 'x')]", "sale.order"),
        r#"NOT LOWER(CAST("t"."name" AS TEXT)) LIKE LOWER('x') ESCAPE '\'"#
    );
}

#[test]
fn whole_statement() {
    assert_eq!(
        sql("[('state', '=', 'sale')]", "sale.order"),
        r#"SELECT "t"."id" FROM "sale_order" AS "t" WHERE "t"."state" = 'sale'"#
    );
    assert_eq!(
        sql("[]", "sale.order"),
        r#"SELECT "t"."id" FROM "sale_order" AS "t" WHERE TRUE"#
    );
}
