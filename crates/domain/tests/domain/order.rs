//! `order` strings.

use weft_domain::{DomainError, Order, OrderTerm};

fn term(field: &str, descending: bool) -> OrderTerm {
    OrderTerm {
        field: field.to_string(),
        descending,
    }
}

#[test]
fn fields_and_directions() {
    assert_eq!(
        Order::parse("name desc, id").unwrap(),
        Order(vec![term("name", true), term("id", false)])
    );
    assert_eq!(
        Order::parse("  date_order DESC ,id ASC  ").unwrap(),
        Order(vec![term("date_order", true), term("id", false)])
    );
    assert_eq!(
        Order::parse("x_1 Desc").unwrap(),
        Order(vec![term("x_1", true)])
    );
    assert_eq!(Order::parse("").unwrap(), Order(vec![]));
    assert_eq!(Order::parse("   ").unwrap(), Order(vec![]));
    assert_eq!(
        Order::parse("name desc, id").unwrap().to_string(),
        "name desc, id"
    );
}

fn position(text: &str) -> usize {
    match Order::parse(text) {
        Err(DomainError::Syntax { position, .. }) => position,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn anything_else_is_refused_with_the_position() {
    assert_eq!(position("name desc, "), 11);
    assert_eq!(position("name desc,,id"), 10);
    assert_eq!(position("name; drop table x"), 4);
    assert_eq!(position("Name"), 0);
    assert_eq!(position("1name"), 0);
    assert_eq!(position("name descending"), 5);
    assert_eq!(position("name desc nulls first"), 10);
    assert_eq!(position("partner_id.name"), 10);
    assert_eq!(position("\"name\""), 0);
    assert_eq!(position("name asc desc"), 9);
    let message = Order::parse("name; drop").unwrap_err().to_string();
    assert!(message.contains("position 4"), "{message}");
}
