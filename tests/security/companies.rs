//! Company scoping covers every path to a record (issue 13, point 2): a user of company A learns
//! nothing of company B through dotted domain paths, `any`, order lines scoped by their order,
//! x2many commands or display names. Each attack is also sent by a user of company B, so the test
//! shows the data is there and only the boundary hides it.

use crate::support::{ADMIN_KEY, TestServer, ok};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// A new company (through `/api/v1`, the only way to make one): its id.
pub(crate) async fn company(server: &TestServer, name: &str) -> i64 {
    let (status, created) = server
        .admin("POST", "/api/v1/companies", Some(json!({"name": name})))
        .await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().expect("a company id")
}

/// An integration user working in `company` only, and a key of theirs: the key's text.
pub(crate) async fn company_key(server: &TestServer, login: &str, company: i64) -> String {
    let (status, user) = server
        .admin(
            "POST",
            "/api/v1/users",
            Some(
                json!({"login": login, "role": "integration", "company_id": company,
                        "company_ids": [company]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    let (status, key) = server
        .admin(
            "POST",
            "/api/v1/api-keys",
            Some(json!({"user_id": user["id"], "name": login})),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    key["key"].as_str().expect("the key text").to_string()
}

/// A data route called with `key`: the JSON-RPC reply.
pub(crate) async fn call(
    server: &TestServer,
    key: &str,
    route: &str,
    model: &str,
    vals: Value,
) -> Value {
    server
        .call_with(route, model, vals, &[("x-api-key", key)])
        .await
}

/// `search_data` with `key`: the records found.
pub(crate) async fn search(
    server: &TestServer,
    key: &str,
    model: &str,
    domain: Value,
    fields: Value,
) -> Vec<Value> {
    let reply = call(
        server,
        key,
        "/api/search_data",
        model,
        json!({"payload": {"search_domain": domain, "search_field": fields}}),
    )
    .await;
    ok(&reply).as_array().expect("a list").clone()
}

/// The error of a refused call, asserting it was refused.
pub(crate) fn refused(reply: &Value) -> &Value {
    assert_eq!(
        reply["result"]["is_success"],
        json!(false),
        "{}",
        brief(reply)
    );
    &reply["result"]["error"]
}

/// A reply cut to its first 600 characters, for an assertion's message.
pub(crate) fn brief(reply: &Value) -> String {
    reply.to_string().chars().take(600).collect()
}

/// Company B's secret customer and order with a line, made by B's own user.
struct Secret {
    key_a: String,
    key_b: String,
    partner: i64,
    order: i64,
    line: i64,
}

async fn secret(server: &TestServer) -> Secret {
    let b = company(server, "Company B").await;
    let key_a = company_key(server, "alice", 1).await;
    let key_b = company_key(server, "bob", b).await;
    let partner = create(
        server,
        &key_b,
        "res.partner",
        json!({"name": "Secret Customer", "email": "ceo@secret.example", "ref": "SEC"}),
    )
    .await;
    let created = call(
        server,
        &key_b,
        "/api/create_data",
        "sale.order",
        json!({"payload": {"partner_id": partner,
                           "order_line": [{"name": "secret line", "price_unit": 99.0}]},
               "result_field": ["order_line"]}),
    )
    .await;
    let order = ok(&created)["id"].as_i64().unwrap();
    let line = ok(&created)["order_line"][0].as_i64().unwrap();
    Secret {
        key_a,
        key_b,
        partner,
        order,
        line,
    }
}

/// `create_data` with `key`: the new record's id.
pub(crate) async fn create(server: &TestServer, key: &str, model: &str, payload: Value) -> i64 {
    let reply = call(
        server,
        key,
        "/api/create_data",
        model,
        json!({"payload": payload}),
    )
    .await;
    ok(&reply)["id"].as_i64().expect("an id")
}

#[tokio::test]
async fn dotted_paths_and_any_answer_nothing_about_another_company() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let s = secret(&server).await;
        // A's own order, whose customer is a shared contact, so the questions have rows to ask of.
        let shared = create(
            &server,
            &s.key_a,
            "res.partner",
            json!({"name": "Shared", "company_id": false}),
        )
        .await;
        let own = create(
            &server,
            &s.key_a,
            "sale.order",
            json!({"partner_id": shared}),
        )
        .await;
        for (model, domain) in [
            (
                "sale.order",
                json!([["partner_id.email", "=like", "ceo@secret%"]]),
            ),
            (
                "sale.order",
                json!([["order_line", "any", [["price_unit", "=", 99.0]]]]),
            ),
            (
                "sale.order.line",
                json!([["order_id.partner_id.email", "=like", "ceo@secret%"]]),
            ),
            ("res.partner", json!([["email", "=like", "ceo@secret%"]])),
            ("sale.order", json!([["partner_id", "child_of", s.partner]])),
            (
                "sale.order",
                json!([["partner_id.name", "=", "Secret Customer"]]),
            ),
        ] {
            let seen_by_b = search(&server, &s.key_b, model, domain.clone(), json!(["id"])).await;
            assert!(
                !seen_by_b.is_empty(),
                "{backend:?} {model} {domain}: B sees its own data"
            );
            let seen_by_a = search(&server, &s.key_a, model, domain.clone(), json!(["id"])).await;
            assert!(
                seen_by_a.is_empty(),
                "{backend:?} {model} {domain}: A sees {seen_by_a:?}"
            );
        }
        // The negated question reveals nothing either: A's own order matches it, B's is not there.
        let negated = search(
            &server,
            &s.key_a,
            "sale.order",
            json!(["!", ["partner_id.email", "=like", "ceo@secret%"]]),
            json!(["id"]),
        )
        .await;
        assert_eq!(negated, vec![json!({"id": own})], "{backend:?}");
    }
}

#[tokio::test]
async fn order_lines_belong_to_their_orders_company() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let s = secret(&server).await;
        let lines = search(
            &server,
            &s.key_a,
            "sale.order.line",
            json!([]),
            json!(["id"]),
        )
        .await;
        assert!(lines.is_empty(), "{backend:?}: A sees B's lines {lines:?}");
        let reply = call(
            &server,
            &s.key_a,
            "/api/update_data",
            "sale.order.line",
            json!({"search_key": {"id": s.line}, "payload": {"price_unit": 0.0}}),
        )
        .await;
        assert_eq!(refused(&reply)["code"], "not_found", "{backend:?} {reply}");
        // A's own order tries to take B's line with a link command, then with a set command.
        let partner = create(&server, &s.key_a, "res.partner", json!({"name": "Mine"})).await;
        let mine = create(
            &server,
            &s.key_a,
            "sale.order",
            json!({"partner_id": partner}),
        )
        .await;
        for command in [
            json!([[4, s.line]]),
            json!([[6, 0, [s.line]]]),
            json!([[1, s.line, {"price_unit": 1.0}]]),
        ] {
            let reply = call(
                &server,
                &s.key_a,
                "/api/update_data",
                "sale.order",
                json!({"search_key": {"id": mine}, "payload": {"order_line": command}}),
            )
            .await;
            let error = refused(&reply);
            assert!(
                ["access_denied", "invalid_value", "not_found"]
                    .contains(&error["code"].as_str().unwrap()),
                "{backend:?} {command}: {reply}"
            );
        }
        let after = search(
            &server,
            &s.key_b,
            "sale.order.line",
            json!([["id", "=", s.line]]),
            json!(["order_id", "price_unit"]),
        )
        .await;
        assert_eq!(
            after[0]["order_id"][0],
            json!(s.order),
            "{backend:?}: the line stayed"
        );
        assert_eq!(after[0]["price_unit"], json!(99.0), "{backend:?}");
    }
}

#[tokio::test]
async fn display_names_of_another_companys_records_are_not_shown() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let s = secret(&server).await;
        // A shared contact (no company) B's user created under B's secret customer.
        let shared = create(
            &server,
            &s.key_b,
            "res.partner",
            json!({"name": "Shared Contact", "company_id": false, "parent_id": s.partner}),
        )
        .await;
        let seen = search(
            &server,
            &s.key_a,
            "res.partner",
            json!([["id", "=", shared]]),
            json!(["parent_id", "create_uid", "parent_id{name}"]),
        )
        .await;
        let record = &seen[0];
        let text = record.to_string();
        assert!(!text.contains("Secret Customer"), "{backend:?}: {record}");
        assert!(
            !text.contains("bob"),
            "{backend:?}: the creating user's name: {record}"
        );
        assert_eq!(
            record["parent_id"],
            json!([]),
            "{backend:?}: the expansion is empty: {record}"
        );
        // B's user sees both names.
        let seen = search(
            &server,
            &s.key_b,
            "res.partner",
            json!([["id", "=", shared]]),
            json!(["parent_id"]),
        )
        .await;
        assert_eq!(seen[0]["parent_id"][1], "Secret Customer", "{backend:?}");
        // The plain many2one value names the record by id only.
        let plain = search(
            &server,
            &s.key_a,
            "res.partner",
            json!([["id", "=", shared]]),
            json!(["parent_id", "create_uid"]),
        )
        .await;
        assert_eq!(
            plain[0]["parent_id"],
            json!([s.partner, format!("res.partner,{}", s.partner)]),
            "{backend:?}"
        );
        // The admin of the main company does not see B's records either.
        let reply = call(
            &server,
            ADMIN_KEY,
            "/api/search_data",
            "res.partner",
            json!({"payload": {"search_domain": [["ref", "=", "SEC"]]}}),
        )
        .await;
        assert_eq!(ok(&reply), &json!([]), "{backend:?}");
    }
}
