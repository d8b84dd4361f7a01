//! Reading domains: JSON, Python-literal text, errors and limits (research §1.1, §1.3).

use serde_json::json;
use weft_domain::{Domain, DomainError, Operator, Term, Token, Value};

use crate::fixture::parse;

fn term(path: &str, operator: Operator, value: Value) -> Token {
    Token::Term(Term {
        path: path.to_string(),
        operator,
        value,
        position: 0,
    })
}

#[test]
fn json_arrays_as_clients_send_them() {
    let d = Domain::parse_json(&json!([
        ["state", "=", "draft"],
        "|",
        ["a", "=", 1],
        ["b", "=", false]
    ]))
    .unwrap();
    assert_eq!(
        d.tokens(),
        &[
            Token::And,
            term("state", Operator::Eq, Value::Str("draft".into())),
            Token::Or,
            term("a", Operator::Eq, Value::Int(1)),
            term("b", Operator::Eq, Value::Bool(false)),
        ]
    );
}

#[test]
fn python_text_as_odoo_stores_it() {
    let d = parse("[('state', '=', 'done'), ('partner_id', '!=', False)]");
    assert_eq!(
        d.tokens(),
        &[
            Token::And,
            term("state", Operator::Eq, Value::Str("done".into())),
            term("partner_id", Operator::Ne, Value::Bool(false)),
        ]
    );
}

#[test]
fn text_forms_generated_by_the_automation_ui() {
    for text in [
        "[('stage_id', '=', 5)]",
        "[('tag_ids', 'in', [3])]",
        "[('tag_ids', 'not in', [3])]",
        "[('user_id', '!=', False)]",
        "[('active', '=', False)]",
        "[('state', '=', 'done')]",
    ] {
        let d = parse(text);
        assert_eq!(d.tokens().len(), 1, "{text}");
        assert_eq!(parse(&d.to_string()), d, "{text} round-trips");
    }
}

#[test]
fn python_and_json_spellings_mean_the_same() {
    let python = parse("[('a', '=', True), ('b', '=', False), ('c', '=', None)]");
    let json = parse(r#"[["a", "=", true], ["b", "=", false], ["c", "=", null]]"#);
    let mixed = parse("[('a', '=', true), ['b', '=', False], (\"c\", \"=\", null)]");
    assert_eq!(python, json);
    assert_eq!(python, mixed);
}

#[test]
fn tuples_trailing_commas_and_whitespace() {
    let d = parse("[\n  ('a', 'in', (1,)),\n  ('b', 'in', (1, 2,)),\n]");
    assert_eq!(
        d.tokens()[1..],
        [
            term("a", Operator::In, Value::List(vec![Value::Int(1)])),
            term(
                "b",
                Operator::In,
                Value::List(vec![Value::Int(1), Value::Int(2)])
            ),
        ]
    );
}

#[test]
fn numbers() {
    let d = parse("[('a', 'in', [1, -2, 1.5, -0.25, 1e3, 2E-1])]");
    let Token::Term(t) = &d.tokens()[0] else {
        panic!()
    };
    assert_eq!(
        t.value,
        Value::List(vec![
            Value::Int(1),
            Value::Int(-2),
            Value::Float(1.5),
            Value::Float(-0.25),
            Value::Float(1000.0),
            Value::Float(0.2)
        ])
    );
}

#[test]
fn string_escapes() {
    let d = parse(r#"[('a', '=', 'it\'s \\ \"q\" \n\t\r \u00e9\x41'), ("b", '=', "d\"q")]"#);
    let Token::Term(t) = &d.tokens()[1] else {
        panic!()
    };
    assert_eq!(t.value, Value::Str("it's \\ \"q\" \n\t\r éA".into()));
    let Token::Term(t) = &d.tokens()[2] else {
        panic!()
    };
    assert_eq!(t.value, Value::Str("d\"q".into()));
}

#[test]
fn json_text_uses_json_escapes() {
    let d = parse(r#"[["a", "=", "x\/y \ud83d\ude00"]]"#);
    let Token::Term(t) = &d.tokens()[0] else {
        panic!()
    };
    assert_eq!(t.value, Value::Str("x/y 😀".into()));
}

#[test]
fn names_and_expressions_are_syntax_errors_with_position() {
    let cases = [
        ("[('user_id', '=', uid)]", 18),
        ("[('date', '<', context_today())]", 15),
        ("[('a', '=', 1 + 1)]", 14),
        ("[('a', '=', 1)", 14),
        ("  x", 2),
        ("[('a' '=', 1)]", 6),
    ];
    for (text, position) in cases {
        match Domain::parse_text(text) {
            Err(DomainError::Syntax { position: p, .. }) => assert_eq!(p, position, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    let message = Domain::parse_text("[('user_id', '=', uid)]")
        .unwrap_err()
        .to_string();
    assert!(message.contains("position 18"), "{message}");
    assert!(!message.contains('\n'));
}

#[test]
fn positions_count_characters_not_bytes() {
    match Domain::parse_text("[('é', '=', ü)]") {
        Err(DomainError::Syntax { position, .. }) => assert_eq!(position, 12),
        other => panic!("{other:?}"),
    }
}

fn structure_error(value: serde_json::Value) -> (usize, String) {
    match Domain::parse_json(&value) {
        Err(DomainError::Structure { index, reason }) => (index, reason),
        other => panic!("{value}: {other:?}"),
    }
}

#[test]
fn malformed_structures_name_the_term() {
    assert_eq!(structure_error(json!([["a", "=", 1], ["b", "="]])).0, 1);
    assert_eq!(structure_error(json!([["a", "=", 1, 2]])).0, 0);
    assert_eq!(structure_error(json!([["a", 5, 1]])).0, 0);
    let (index, reason) = structure_error(json!([["a", "=", 1], ["b", "is", 1]]));
    assert_eq!(index, 1);
    assert!(reason.contains("unknown operator"), "{reason}");
    assert_eq!(structure_error(json!([["a", "=", 1], "x"])).0, 1);
    assert_eq!(structure_error(json!([5])).0, 0);
    assert_eq!(structure_error(json!([["", "=", 1]])).0, 0);
    assert_eq!(structure_error(json!([[null, "=", 1]])).0, 0);
    assert_eq!(structure_error(json!([["a", "=", {"x": 1}]])).0, 0);
    assert!(Domain::parse_json(&json!({"a": 1})).is_err());
}

#[test]
fn operators_missing_operands() {
    let (index, reason) = structure_error(json!(["&", ["a", "=", 1]]));
    assert_eq!(index, 0);
    assert!(reason.contains("'&'"), "{reason}");
    assert_eq!(structure_error(json!([["a", "=", 1], "|"])).0, 1);
    assert_eq!(structure_error(json!(["!"])).0, 0);
    assert_eq!(structure_error(json!(["&", ["a", "=", 1], "!"])).0, 2);
    let message = Domain::parse_json(&json!(["|", ["a", "=", 1]]))
        .unwrap_err()
        .to_string();
    assert!(message.contains("term 0"), "{message}");
}

#[test]
fn nul_characters_are_refused() {
    assert!(Domain::parse_json(&json!([["a", "=", "x\u{0}y"]])).is_err());
    assert!(Domain::parse_json(&json!([["a\u{0}", "=", "x"]])).is_err());
    assert!(Domain::parse_text(r"[('a', '=', 'x\x00')]").is_err());
    assert!(Domain::parse_text(r#"[["a", "=", "x\u0000"]]"#).is_err());
}

#[test]
fn any_values_are_sub_domains_with_their_own_errors() {
    let d = parse("[('tag_ids', 'any', [('name', '=', 'a'), ('color', '=', 1)])]");
    let Token::Term(t) = &d.tokens()[0] else {
        panic!()
    };
    let Value::Domain(sub) = &t.value else {
        panic!("{:?}", t.value)
    };
    assert_eq!(
        sub.tokens().len(),
        3,
        "the implicit & is inserted in the sub-domain too"
    );
    let (index, reason) = structure_error(json!([
        ["a", "=", 1],
        ["tag_ids", "any", ["&", ["a", "=", 1]]]
    ]));
    assert_eq!(index, 1);
    assert!(reason.contains("sub-domain"), "{reason}");
    assert_eq!(structure_error(json!([["tag_ids", "any", 5]])).0, 0);
}

#[test]
fn more_than_a_thousand_leaves_is_too_complex() {
    let leaves =
        |n: usize| serde_json::Value::Array((0..n).map(|i| json!(["a", "=", i])).collect());
    assert!(Domain::parse_json(&leaves(1000)).is_ok());
    assert_eq!(
        Domain::parse_json(&leaves(1001)),
        Err(DomainError::TooComplex { limit: 1000 })
    );
    let nested = json!([
        ["tag_ids", "any", leaves(600)],
        ["order_line", "any", leaves(600)]
    ]);
    assert_eq!(
        Domain::parse_json(&nested),
        Err(DomainError::TooComplex { limit: 1000 })
    );
}

#[test]
fn deep_nesting_is_refused() {
    let mut text = "[('a', '=', 1)]".to_string();
    for _ in 0..40 {
        text = format!("[('x', 'any', {text})]");
    }
    assert!(Domain::parse_text(&text).is_err());
    let nots = "[".to_string() + &"'!', ".repeat(70) + "('a', '=', 1)]";
    assert_eq!(
        Domain::parse_text(&nots),
        Err(DomainError::TooDeep { limit: 64 })
    );
    let deep_value = "[('a', 'in', ".to_string() + &"[".repeat(70) + &"]".repeat(70) + ")]";
    assert!(matches!(
        Domain::parse_text(&deep_value),
        Err(DomainError::Syntax { .. })
    ));
    let mut json_value = json!(1);
    for _ in 0..100 {
        json_value = json!([json_value]);
    }
    assert!(Domain::parse_json(&json!([["a", "in", json_value]])).is_err());
}

#[test]
fn long_flat_domains_are_not_deep() {
    let text = format!(
        "[{}]",
        (0..1000)
            .map(|i| format!("('a', '=', {i})"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert!(Domain::parse_text(&text).is_ok());
    let ors = format!(
        "[{}('a', '=', 0)]",
        (0..999)
            .map(|i| format!("'|', ('a', '=', {i}), "))
            .collect::<String>()
    );
    assert!(Domain::parse_text(&ors).is_ok());
}

#[test]
fn display_is_python_and_to_json_is_canonical() {
    let d = parse(
        r#"[["name", "ilike", "it's"], "!", ["b", "in", [1, false, null, 1.5]], [1, "=", 1]]"#,
    );
    assert_eq!(
        d.to_string(),
        "['&', '&', ('name', 'ilike', 'it\\'s'), '!', ('b', 'in', [1, False, None, 1.5]), (1, '=', 1)]"
    );
    assert_eq!(
        d.to_json(),
        json!([
            "&",
            "&",
            ["name", "ilike", "it's"],
            "!",
            ["b", "in", [1, false, null, 1.5]],
            [1, "=", 1]
        ])
    );
    assert_eq!(parse(&d.to_string()), d);
    assert_eq!(Domain::parse_json(&d.to_json()).unwrap(), d);
    assert_eq!(
        "[('a', '=', 1)]".parse::<Domain>().unwrap(),
        parse("[('a', '=', 1)]")
    );
}

#[test]
fn a_json_string_holding_a_domain_is_read_as_text() {
    assert_eq!(
        Domain::parse_json(&json!("[('a', '=', 1)]")).unwrap(),
        parse("[('a', '=', 1)]")
    );
}

#[test]
fn all_and_and() {
    assert_eq!(Domain::all().to_json(), json!([]));
    assert_eq!(parse("[]"), Domain::all());
    let a = parse("[('a', '=', 1)]");
    let b = parse("[('b', '=', 2), ('c', '=', 3)]");
    assert_eq!(Domain::all().and(a.clone()), a);
    assert_eq!(a.clone().and(Domain::all()), a);
    assert_eq!(
        a.and(b),
        parse("['&', ('a', '=', 1), '&', ('b', '=', 2), ('c', '=', 3)]")
    );
}
