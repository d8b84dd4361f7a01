//! The service over real HTTP: the JSON-RPC envelope, authentication in ecosoft's order with Odoo's
//! error shapes, sessions, key limits, company isolation, transport limits and the admin API, on SQLite
//! and PostgreSQL. One module a concern.

#[path = "../support/mod.rs"]
mod support;

mod admin;
mod envelope;
mod keys;
mod limits;
mod transport;
mod whole_body;

use serde_json::{Value, json};

/// The Odoo error envelope's exception name and message.
pub(crate) fn odoo_error(reply: &Value) -> (&str, &str) {
    assert_eq!(reply["error"]["code"], json!(200), "{reply}");
    assert_eq!(
        reply["error"]["message"],
        json!("Odoo Server Error"),
        "{reply}"
    );
    assert!(reply.get("result").is_none(), "{reply}");
    let data = &reply["error"]["data"];
    (
        data["name"].as_str().unwrap(),
        data["message"].as_str().unwrap(),
    )
}
