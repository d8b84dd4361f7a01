//! Binding: fields, dotted paths, negation, value conversion, the active filter (research §1.1,
//! §1.5, §1.6, §1.8).

use weft_domain::{BindOptions, DomainError};

use crate::fixture::{TestSchema, bind, bind_error, parse, try_bind, where_clause};

fn same_bound(a: &str, b: &str, model: &str) {
    assert_eq!(bind(a, model), bind(b, model), "{a} vs {b}");
}

#[test]
fn unknown_model() {
    let err = parse("[]")
        .bind(&TestSchema, "no.model", &BindOptions::default())
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::UnknownModel {
            model: "no.model".into()
        }
    );
}

#[test]
fn unknown_field_names_model_field_and_path() {
    let err = bind_error("[('nme', '=', 'x')]", "sale.order");
    assert_eq!(
        err,
        DomainError::UnknownField {
            model: "sale.order".into(),
            field: "nme".into(),
            path: "nme".into()
        }
    );
    let err = bind_error("[('partner_id.nme', '=', 'x')]", "sale.order");
    assert_eq!(
        err,
        DomainError::UnknownField {
            model: "res.partner".into(),
            field: "nme".into(),
            path: "partner_id.nme".into()
        }
    );
    let message = err.to_string();
    assert!(
        message.contains("'nme'") && message.contains("'partner_id.nme'"),
        "{message}"
    );
    let err = bind_error("[('order_line', 'any', [('qty', '>', 1)])]", "sale.order");
    assert!(
        matches!(err, DomainError::UnknownField { ref path, .. } if path == "order_line.qty"),
        "{err}"
    );
}

#[test]
fn dotted_path_through_a_plain_field_is_refused() {
    let err = bind_error("[('name.x', '=', 1)]", "sale.order");
    assert!(
        matches!(err, DomainError::NotRelational { ref field, .. } if field == "name"),
        "{err}"
    );
    assert!(err.to_string().contains("'name'"));
}

#[test]
fn dotted_paths_are_any() {
    same_bound(
        "[('partner_id.name', '=', 'Azure')]",
        "[('partner_id', 'any', [('name', '=', 'Azure')])]",
        "sale.order",
    );
    same_bound(
        "[('partner_id.parent_id.name', 'ilike', 'a')]",
        "[('partner_id', 'any', [('parent_id', 'any', [('name', 'ilike', 'a')])])]",
        "sale.order",
    );
    same_bound(
        "[('tag_ids.color', '>', 1)]",
        "[('tag_ids', 'any', [('color', '>', 1)])]",
        "sale.order",
    );
}

#[test]
fn trailing_id_is_dropped() {
    same_bound(
        "[('partner_id.id', '=', 1)]",
        "[('partner_id', '=', 1)]",
        "sale.order",
    );
    same_bound(
        "[('partner_id.parent_id.id', 'in', [1, 2])]",
        "[('partner_id', 'any', [('parent_id', 'in', [1, 2])])]",
        "sale.order",
    );
}

#[test]
fn paths_deeper_than_eight_relations_are_refused() {
    let ok = format!("[('partner_id.{}name', '=', 'x')]", "parent_id.".repeat(7));
    assert!(try_bind(&ok, "sale.order").is_ok());
    let deep = format!("[('partner_id.{}name', '=', 'x')]", "parent_id.".repeat(8));
    assert!(matches!(
        bind_error(&deep, "sale.order"),
        DomainError::PathTooDeep { limit: 8, .. }
    ));
    let mut nested = "[('name', '=', 'x')]".to_string();
    for _ in 0..9 {
        nested = format!("[('parent_id', 'any', {nested})]");
    }
    assert!(matches!(
        bind_error(&nested, "res.partner"),
        DomainError::PathTooDeep { .. }
    ));
}

#[test]
fn not_is_distributed_over_and_and_or() {
    same_bound(
        "['!', '&', ('a', '=', 1), ('b', '=', 2)]",
        "['|', ('a', '!=', 1), ('b', '!=', 2)]",
        "sale.order",
    );
    same_bound(
        "['!', '|', ('a', '=', 1), ('b', '=', 2)]",
        "['&', ('a', '!=', 1), ('b', '!=', 2)]",
        "sale.order",
    );
    same_bound("['!', '!', ('a', '=', 1)]", "[('a', '=', 1)]", "sale.order");
    same_bound("['!', (1, '=', 1)]", "[(0, '=', 1)]", "sale.order");
    same_bound("['!', (0, '=', 1)]", "[]", "sale.order");
}

#[test]
fn negated_leaves_swap_their_operator() {
    let pairs = [
        ("<", ">=", "1"),
        (">", "<=", "1"),
        ("=", "!=", "1"),
        ("in", "not in", "[1, 2]"),
        ("like", "not like", "'x'"),
        ("ilike", "not ilike", "'x'"),
    ];
    for (op, negation, value) in pairs {
        let field = if op.contains("like") { "name" } else { "a" };
        same_bound(
            &format!("['!', ('{field}', '{op}', {value})]"),
            &format!("[('{field}', '{negation}', {value})]"),
            "sale.order",
        );
        same_bound(
            &format!("['!', ('{field}', '{negation}', {value})]"),
            &format!("[('{field}', '{op}', {value})]"),
            "sale.order",
        );
    }
    same_bound(
        "['!', ('tag_ids', 'any', [('name', '=', 'x')])]",
        "[('tag_ids', 'not any', [('name', '=', 'x')])]",
        "sale.order",
    );
}

#[test]
fn negation_happens_after_the_path_rewrite() {
    same_bound(
        "['!', ('partner_id.name', '=', 'Azure')]",
        "[('partner_id', 'not any', [('name', '=', 'Azure')])]",
        "sale.order",
    );
}

#[test]
fn operators_without_negation_keep_an_explicit_not() {
    for (op, value) in [("=like", "'A%'"), ("=ilike", "'a%'"), ("=?", "'x'")] {
        let clause = where_clause(&format!("['!', ('name', '{op}', {value})]"), "sale.order");
        assert!(clause.starts_with("NOT "), "{op}: {clause}");
    }
    let clause = where_clause("['!', ('partner_id', 'child_of', 1)]", "sale.order");
    assert!(clause.starts_with("NOT EXISTS"), "{clause}");
    let clause = where_clause("['!', ('id', 'parent_of', 4)]", "res.partner");
    assert!(clause.contains("NOT EXISTS(WITH RECURSIVE"), "{clause}");
}

#[test]
fn char_values_accept_strings_and_stringified_numbers() {
    same_bound("[('name', '=', 5)]", "[('name', '=', '5')]", "sale.order");
    same_bound(
        "[('state', 'in', [1, 'x'])]",
        "[('state', 'in', ['1', 'x'])]",
        "sale.order",
    );
    let err = bind_error("[('name', '=', True)]", "sale.order");
    assert!(
        matches!(err, DomainError::InvalidValue { ref field, .. } if field == "name"),
        "{err}"
    );
}

#[test]
fn integer_values_accept_integral_floats_and_numeric_strings() {
    same_bound("[('a', '=', 5.0)]", "[('a', '=', 5)]", "sale.order");
    same_bound("[('a', '=', '5')]", "[('a', '=', 5)]", "sale.order");
    same_bound(
        "[('id', 'in', ['1', 2.0])]",
        "[('id', 'in', [1, 2])]",
        "sale.order",
    );
    for bad in ["5.5", "'five'", "True", "[[1]]"] {
        let err = bind_error(&format!("[('a', '=', {bad})]"), "sale.order");
        assert!(
            matches!(err, DomainError::InvalidValue { ref field, .. } if field == "a"),
            "{bad}: {err}"
        );
    }
    let err = bind_error("[('partner_id.color', '=', 'x')]", "sale.order");
    assert!(
        matches!(err, DomainError::InvalidValue { ref field, .. } if field == "partner_id.color"),
        "{err}"
    );
}

#[test]
fn float_values_accept_numbers_and_numeric_strings() {
    same_bound(
        "[('amount_total', '>', '1.5')]",
        "[('amount_total', '>', 1.5)]",
        "sale.order",
    );
    same_bound(
        "[('amount_total', '>', 2)]",
        "[('amount_total', '>', 2.0)]",
        "sale.order",
    );
    assert!(matches!(
        bind_error("[('amount_total', '>', 'x')]", "sale.order"),
        DomainError::InvalidValue { .. }
    ));
}

#[test]
fn boolean_values_accept_true_false_one_zero() {
    same_bound(
        "[('is_company', '=', 1)]",
        "[('is_company', '=', True)]",
        "res.partner",
    );
    same_bound(
        "[('is_company', '=', 0)]",
        "[('is_company', '=', False)]",
        "res.partner",
    );
    assert!(matches!(
        bind_error("[('is_company', '=', 2)]", "res.partner"),
        DomainError::InvalidValue { .. }
    ));
    assert!(matches!(
        bind_error("[('is_company', '=', 'yes')]", "res.partner"),
        DomainError::InvalidValue { .. }
    ));
}

#[test]
fn date_values_are_validated() {
    assert!(try_bind("[('validity_date', '=', '2024-02-29')]", "sale.order").is_ok());
    for bad in [
        "'2023-02-29'",
        "'2024-1-01'",
        "'2024-01-01 10:00:00'",
        "5",
        "'tomorrow'",
    ] {
        let err = bind_error(&format!("[('validity_date', '=', {bad})]"), "sale.order");
        assert!(
            matches!(err, DomainError::InvalidValue { ref field, .. } if field == "validity_date"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn datetime_values_take_three_forms() {
    same_bound(
        "[('date_order', '=', '2024-01-31 10:20')]",
        "[('date_order', '=', '2024-01-31 10:20:00')]",
        "sale.order",
    );
    same_bound(
        "[('date_order', '<=', '2024-01-31')]",
        "[('date_order', '<=', '2024-01-31 23:59:59')]",
        "sale.order",
    );
    same_bound(
        "[('date_order', '>', '2024-01-31')]",
        "[('date_order', '>', '2024-01-31 23:59:59')]",
        "sale.order",
    );
    same_bound(
        "[('date_order', '<', '2024-01-31')]",
        "[('date_order', '<', '2024-01-31 00:00:00')]",
        "sale.order",
    );
    same_bound(
        "[('date_order', '>=', '2024-01-31')]",
        "[('date_order', '>=', '2024-01-31 00:00:00')]",
        "sale.order",
    );
    same_bound(
        "[('date_order', '=', '2024-01-31')]",
        "[('date_order', '=', '2024-01-31 00:00:00')]",
        "sale.order",
    );
    assert!(matches!(
        bind_error("[('date_order', '=', '2024-01-31T10:00:00')]", "sale.order"),
        DomainError::InvalidValue { .. }
    ));
}

#[test]
fn binary_and_json_only_compare_with_false() {
    assert!(
        try_bind(
            "[('image', '=', False), ('data', '!=', False)]",
            "res.partner"
        )
        .is_ok()
    );
    assert!(matches!(
        bind_error("[('image', '=', 'aGk=')]", "res.partner"),
        DomainError::InvalidValue { .. }
    ));
    for op in ["in", "like", ">"] {
        let err = bind_error(&format!("[('data', '{op}', [1])]"), "res.partner");
        assert!(
            matches!(err, DomainError::InvalidOperator { ref field, .. } if field == "data"),
            "{op}: {err}"
        );
    }
}

#[test]
fn like_on_float_boolean_json_binary_is_an_invalid_operator() {
    for field in ["credit", "is_company", "data", "image"] {
        let err = bind_error(&format!("[('{field}', 'like', '1')]"), "res.partner");
        assert!(
            matches!(err, DomainError::InvalidOperator { field: ref f, .. } if f == field),
            "{field}: {err}"
        );
        assert!(err.to_string().contains(field));
    }
    assert!(
        try_bind(
            "[('color', 'like', '1'), ('birthday', 'ilike', '2000')]",
            "res.partner"
        )
        .is_ok()
    );
}

#[test]
fn patterns_ending_with_an_escape_are_refused() {
    assert!(matches!(
        bind_error(r"[('name', '=like', 'abc\\')]", "sale.order"),
        DomainError::InvalidValue { .. }
    ));
    assert!(
        try_bind(r"[('name', 'like', 'abc\\')]", "sale.order").is_ok(),
        "%abc\\% escapes the final %"
    );
}

#[test]
fn any_and_hierarchy_need_the_right_fields() {
    assert!(matches!(
        bind_error("[('name', 'any', [])]", "sale.order"),
        DomainError::InvalidOperator { .. }
    ));
    assert!(matches!(
        bind_error("[('name', 'child_of', 1)]", "sale.order"),
        DomainError::InvalidOperator { .. }
    ));
    let err = bind_error("[('tag_ids', 'child_of', 1)]", "sale.order");
    assert!(
        err.to_string().contains("crm.tag"),
        "tags have no parent field: {err}"
    );
    assert!(matches!(
        bind_error("[('tag_ids', 'in', ['a', 1])]", "sale.order"),
        DomainError::InvalidValue { .. }
    ));
}

#[test]
fn active_filter_is_added_when_not_mentioned() {
    assert!(!bind("[]", "res.partner").is_all());
    assert!(bind("[]", "sale.order").is_all());
    let opts = BindOptions { active_test: false };
    assert!(
        parse("[]")
            .bind(&TestSchema, "res.partner", &opts)
            .unwrap()
            .is_all()
    );
    same_bound(
        "[('active', 'in', [True, False])]",
        "[('active', 'in', [True, False])]",
        "res.partner",
    );
    let mentioned = where_clause(
        "['|', ('name', '=', 'x'), '!', ('active', '=', True)]",
        "res.partner",
    );
    assert_eq!(
        mentioned.matches("active").count(),
        2,
        "only the caller's conditions: {mentioned}"
    );
    let implicit = where_clause("[('name', '=', 'x')]", "res.partner");
    assert!(implicit.contains(r#""t"."active" = TRUE"#), "{implicit}");
}

#[test]
fn active_filter_is_not_added_inside_sub_queries() {
    let clause = where_clause("[('partner_id.name', '=', 'x')]", "sale.order");
    assert!(!clause.contains("active"), "{clause}");
    let clause = where_clause(
        "[('parent_id', 'any', [('name', '=', 'x')])]",
        "res.partner",
    );
    assert_eq!(clause.matches("active").count(), 1, "{clause}");
    let clause = where_clause(
        "[('parent_id', 'any', [('active', '=', False)])]",
        "res.partner",
    );
    assert_eq!(
        clause.matches("active").count(),
        3,
        "a nested mention does not count: {clause}"
    );
}

#[test]
fn messages_stay_on_one_line() {
    let err = bind_error("[('na\\nme', '=', 'x')]", "sale.order");
    assert!(!err.to_string().contains('\n'), "{err}");
    assert!(err.to_string().contains("na\\nme"), "{err}");
    let err = bind_error("[('partner_id.x\\ty', '=', 'x\\n')]", "sale.order");
    assert!(!err.to_string().contains('\t'), "{err}");
    let err = bind_error("[('a', '=', 'x\\ny')]", "sale.order");
    assert!(!err.to_string().contains('\n'), "{err}");
}
