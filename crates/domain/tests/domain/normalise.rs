//! Normalisation exactly as upstream `normalize_domain` (research §1.1, §1.2).

use weft_domain::{Operator, Token, Value};

use crate::fixture::parse;

fn same(a: &str, b: &str) {
    assert_eq!(parse(a), parse(b), "{a} vs {b}");
}

#[test]
fn empty_domain() {
    assert!(parse("[]").tokens().is_empty());
}

#[test]
fn implicit_and_is_inserted_at_the_front() {
    same(
        "[('a','=',1), ('b','=',2), ('c','=',3)]",
        "['&', '&', ('a','=',1), ('b','=',2), ('c','=',3)]",
    );
    same(
        "[('a','=',1), '|', ('b','=',2), ('c','=',3)]",
        "['&', ('a','=',1), '|', ('b','=',2), ('c','=',3)]",
    );
    same(
        "['|', ('a','=',1), ('b','=',2), ('c','=',3)]",
        "['&', '|', ('a','=',1), ('b','=',2), ('c','=',3)]",
    );
    same(
        "['!', ('a','=',1), ('b','=',2)]",
        "['&', '!', ('a','=',1), ('b','=',2)]",
    );
    same(
        "[('a','=',1), '!', ('b','=',2)]",
        "['&', ('a','=',1), '!', ('b','=',2)]",
    );
    same(
        "['&', '!', ('a','=',1), '|', ('b','=',2), ('c','=',3)]",
        "['&', '!', ('a','=',1), '|', ('b','=',2), ('c','=',3)]",
    );
}

#[test]
fn true_and_false_leaves() {
    assert_eq!(parse("[(1, '=', 1)]").tokens(), &[Token::True]);
    assert_eq!(parse("[(0, '=', 1)]").tokens(), &[Token::False]);
    assert_eq!(parse("[[1, '=', 1.0]]").tokens(), &[Token::True]);
    assert!(weft_domain::Domain::parse_text("[(2, '=', 1)]").is_err());
    assert!(weft_domain::Domain::parse_text("[(1, '!=', 1)]").is_err());
}

fn leaf(text: &str) -> (Operator, Value) {
    match &parse(text).tokens()[0] {
        Token::Term(t) => (t.operator, t.value.clone()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn operators_are_lower_cased_and_diamond_is_not_equal() {
    assert_eq!(leaf("[('a', 'ILIKE', 'x')]").0, Operator::Ilike);
    assert_eq!(leaf("[('a', 'Not In', [1])]").0, Operator::NotIn);
    assert_eq!(leaf("[('a', '<>', 1)]").0, Operator::Ne);
    assert_eq!(leaf("[('a', '=LIKE', 'x')]").0, Operator::EqLike);
    assert_eq!(leaf("[('a', 'CHILD_OF', 1)]").0, Operator::ChildOf);
}

#[test]
fn equality_with_a_list_is_membership() {
    assert_eq!(
        leaf("[('a', '=', [1, 2])]"),
        (
            Operator::In,
            Value::List(vec![Value::Int(1), Value::Int(2)])
        )
    );
    assert_eq!(
        leaf("[('a', '!=', (1,))]"),
        (Operator::NotIn, Value::List(vec![Value::Int(1)]))
    );
    assert_eq!(
        leaf("[('a', '<>', [])]"),
        (Operator::NotIn, Value::List(vec![]))
    );
}

#[test]
fn membership_with_a_bool_is_equality() {
    assert_eq!(
        leaf("[('a', 'in', True)]"),
        (Operator::Eq, Value::Bool(true))
    );
    assert_eq!(
        leaf("[('a', 'not in', False)]"),
        (Operator::Ne, Value::Bool(false))
    );
}

/// Whether a scalar after `in` is accepted depends on the field, so parsing keeps it as written
/// (binding decides, see refusals.rs).
#[test]
fn membership_with_another_scalar_is_left_to_binding() {
    assert_eq!(leaf("[('a', 'in', 5)]"), (Operator::In, Value::Int(5)));
    assert_eq!(
        leaf("[('a', 'not in', 'x')]"),
        (Operator::NotIn, Value::Str("x".into()))
    );
    assert_eq!(leaf("[('a', 'in', None)]"), (Operator::In, Value::Null));
}

#[test]
fn sub_domains_are_normalised_recursively() {
    same(
        "[('tag_ids', 'any', [('a','=',1), ('b','=',[1,2])])]",
        "[('tag_ids', 'any', ['&', ('a','=',1), ('b','in',[1,2])])]",
    );
    let (op, value) = leaf("[('tag_ids', 'NOT ANY', [])]");
    assert_eq!(op, Operator::NotAny);
    assert!(matches!(value, Value::Domain(d) if d.tokens().is_empty()));
}
