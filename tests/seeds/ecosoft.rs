//! Seed 002 (ecosoft "REST API for Webhook"): Authentication (session and Bearer key), the
//! Relational Field Format table, the five API Routes' templates filled in on the demo schema,
//! Attaching Files, the three Trigger domain examples, the Payload Fields expansion example and the
//! Per-record Callback URL example, each with its documented effect.

use crate::support::receiver::{Received, Receiver};
use crate::support::{TestServer, ok};
use crate::{create, read, server};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::backends;

const WAIT: Duration = Duration::from_secs(10);

/// An outbound rule, which must be stored (201).
async fn rule(server: &TestServer, example: &str, body: Value) {
    let (status, reply) = server
        .admin("POST", "/api/v1/outbound-rules", Some(body))
        .await;
    assert_eq!(status, 201, "seed 002 {example}: {reply}");
}

/// What `receiver` got on `path`.
fn on(got: &[Received], path: &str) -> Vec<Received> {
    got.iter().filter(|r| r.path == path).cloned().collect()
}

async fn confirm(server: &TestServer, order: i64) {
    let reply = server
        .call(
            "/api/call_function",
            "sale.order",
            json!({"search_key": {"id": order}, "payload": {"method": "action_confirm"}}),
        )
        .await;
    ok(&reply);
}

#[tokio::test]
async fn seed_002_authentication_session_and_bearer_key() {
    for backend in backends() {
        let server = server(backend).await;
        let key = server.user_key("jane", "integration", None).await;
        // §Authentication: the body as written, filled in.
        let body = json!({"jsonrpc": "2.0", "method": "call",
                          "params": {"db": "weft", "login": "jane", "password": "jane-password"}});
        let response = server
            .client
            .post(format!("{}/web/session/authenticate", server.url))
            .json(&body)
            .send()
            .await
            .unwrap();
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string();
        let session = cookie.split(';').next().unwrap().to_string();
        let info: Value = response.json().await.unwrap();
        assert_eq!(
            info["result"]["username"], "jane",
            "seed 002 §Authentication: {info}"
        );
        let reply = server
            .call_with(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "By session"}}),
                &[("cookie", &session)],
            )
            .await;
        ok(&reply);
        // §Authentication, alternative: `Authorization: Bearer <api_key>`, no session.
        let bearer = format!("Bearer {key}");
        let reply = server
            .call_with(
                "/api/search_data",
                "res.partner",
                json!({"payload": {"search_field": ["name"], "search_domain": "[('name', '=', 'By session')]"}}),
                &[("authorization", &bearer)],
            )
            .await;
        assert_eq!(
            ok(&reply)[0]["name"],
            "By session",
            "seed 002 §Authentication Bearer: {reply}"
        );
    }
}

#[tokio::test]
async fn seed_002_relational_field_format_and_the_five_routes() {
    for backend in backends() {
        let server = server(backend).await;
        let customer = create(&server, "res.partner", json!({"name": "Customer A"})).await;
        create(&server, "crm.tag", json!({"name": "Tag1"})).await;
        create(
            &server,
            "product.product",
            json!({"name": "A", "default_code": "A"}),
        )
        .await;

        // Route 1 (create_data) with the table's formats: many2one {"name": ...}, many2many
        // {"records": [...]} (mode defaulting to replace), one2many [{...}], auto_create,
        // result_field, callback_url and attachment_ids (§Attaching Files).
        let created = server
            .call(
                "/api/create_data",
                "sale.order",
                json!({
                    "callback_url": "https://your-system/webhook",
                    "payload": {
                        "partner_id": {"name": "Customer A"},
                        "tag_ids": {"records": [{"name": "Tag1"}]},
                        "order_line": [{"product_id": {"name": "A"}, "product_uom_qty": 1}],
                        "currency_id": {"name": "New Coin"},
                        "attachment_ids": [{"name": "po.txt", "datas": "SGVsbG8="}]
                    },
                    "auto_create": {"currency_id": {"name": "New Coin"}},
                    "result_field": ["name"]
                }),
            )
            .await;
        let order = ok(&created).clone();
        let order_id = order["id"].as_i64().unwrap();
        assert_eq!(
            order["name"], "SO00001",
            "seed 002 route 1 result_field: {created}"
        );

        // Route 4 (search_data): expansion, a Python-literal domain, limit and order.
        let found = server
            .call(
                "/api/search_data",
                "sale.order",
                json!({"payload": {
                    "search_field": ["name", "partner_id{name,vat}", "order_line{product_id}", "tag_ids{name}", "currency_id{name}"],
                    "search_domain": "[('name', '=', 'SO00001')]",
                    "limit": 10,
                    "order": "name asc, id desc"
                }}),
            )
            .await;
        let row = &ok(&found)[0];
        assert_eq!(
            row["partner_id"],
            json!([{"id": customer, "name": "Customer A", "vat": false}]),
            "seed 002 route 4: {found}"
        );
        assert_eq!(
            row["tag_ids"][0]["name"], "Tag1",
            "seed 002 many2many records: {found}"
        );
        // A many2one inside an expansion, not itself expanded, reads as Odoo's `[id, name]`.
        assert_eq!(
            row["order_line"][0]["product_id"][1], "A",
            "seed 002 one2many: {found}"
        );
        assert_eq!(
            row["currency_id"][0]["name"], "New Coin",
            "seed 002 auto_create: {found}"
        );

        // Route 3 (update_data): many2one {"id": 5} (the customer's id), many2many mode add.
        create(&server, "crm.tag", json!({"name": "Tag2"})).await;
        let updated = server
            .call(
                "/api/update_data",
                "sale.order",
                json!({"search_key": {"name": "SO00001"},
                       "payload": {"partner_id": {"id": customer}, "tag_ids": {"mode": "add", "records": [{"name": "Tag2"}]}},
                       "result_field": ["name"]}),
            )
            .await;
        ok(&updated);
        let tags = read(
            &server,
            "sale.order",
            json!([["id", "=", order_id]]),
            json!(["tag_ids{name}"]),
        )
        .await;
        assert_eq!(
            tags[0]["tag_ids"].as_array().unwrap().len(),
            2,
            "seed 002 route 3 mode add: {tags}"
        );

        // Route 2 (create_update_data): created when not found, updated when found.
        for (name, message) in [
            ("First", "Record created successfully"),
            ("Second", "Record updated successfully"),
        ] {
            let reply = server
                .call(
                    "/api/create_update_data",
                    "res.partner",
                    json!({"search_key": {"ref": "C001"},
                           "payload": {"name": name, "ref": "C001", "parent_id": {"name": "Customer A"}},
                           "result_field": ["name"]}),
                )
                .await;
            assert_eq!(
                reply["result"]["messages"], message,
                "seed 002 route 2: {reply}"
            );
        }
        let c001 = read(
            &server,
            "res.partner",
            json!([["ref", "=", "C001"]]),
            json!(["name"]),
        )
        .await;
        assert_eq!(
            c001.as_array().unwrap().len(),
            1,
            "seed 002 route 2: {c001}"
        );
        assert_eq!(c001[0]["name"], "Second");

        // Route 5 (call_function): account.move action_post with a context (the seed's id 26 is
        // the id of the entry made here).
        let entry = create(
            &server,
            "account.move",
            json!({"move_type": "out_invoice", "partner_id": {"id": customer}}),
        )
        .await;
        let reply = server
            .call(
                "/api/call_function",
                "account.move",
                json!({"search_key": {"id": entry}, "payload": {"method": "action_post", "context": {"lang": "th_TH"}}}),
            )
            .await;
        ok(&reply);
        let posted = read(
            &server,
            "account.move",
            json!([["id", "=", entry]]),
            json!(["state"]),
        )
        .await;
        assert_eq!(posted[0]["state"], "posted", "seed 002 route 5: {posted}");
    }
}

#[tokio::test]
async fn seed_002_trigger_domain_examples_fire_when_orders_come_to_match() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let examples = [
            ("simple", r#"[("state", "=", "sale")]"#),
            (
                "multiple conditions",
                r#"[("state", "=", "done"), ("amount_total", ">", 100)]"#,
            ),
            (
                "multiple accepted values",
                r#"[("state", "in", ["done", "validated"])]"#,
            ),
        ];
        for (i, (example, domain)) in examples.iter().enumerate() {
            rule(
                &server,
                &format!("trigger domain {example}"),
                json!({"name": example, "model": "sale.order", "trigger_domain": domain,
                       "endpoint_source": "static", "endpoint_url": format!("{}/t{i}", receiver.url)}),
            )
            .await;
        }
        let partner = create(&server, "res.partner", json!({"name": "ABC Co."})).await;
        let big = create(
            &server,
            "sale.order",
            json!({"partner_id": {"id": partner}, "amount_total": 150.0}),
        )
        .await;
        let small = create(
            &server,
            "sale.order",
            json!({"partner_id": {"id": partner}, "amount_total": 50.0}),
        )
        .await;
        confirm(&server, big).await;
        for order in [big, small] {
            let reply = server
                .call(
                    "/api/update_data",
                    "sale.order",
                    json!({"search_key": {"id": order}, "payload": {"state": "done"}}),
                )
                .await;
            ok(&reply);
        }
        receiver.wait_for(4, WAIT).await;
        let got = receiver.settle(Duration::from_millis(500)).await;
        let ids = |path: &str| {
            let mut ids: Vec<i64> = on(&got, path)
                .iter()
                .map(|r| r.json()["id"].as_i64().unwrap())
                .collect();
            ids.sort();
            ids.dedup();
            ids
        };
        assert_eq!(ids("/t0"), [big], "seed 002 trigger domain simple");
        assert_eq!(
            ids("/t1"),
            [big],
            "seed 002 trigger domain multiple conditions"
        );
        assert_eq!(
            ids("/t2"),
            [big, small],
            "seed 002 trigger domain multiple accepted values"
        );
    }
}

#[tokio::test]
async fn seed_002_payload_fields_expansion_and_per_record_callback_url() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        rule(
            &server,
            "Payload Fields - relational expansion",
            json!({"name": "Expanded", "model": "sale.order", "trigger_domain": r#"[("state", "=", "sale")]"#,
                   "endpoint_source": "static", "endpoint_url": format!("{}/expanded", receiver.url),
                   "payload_fields": ["name", "state", "currency_id{id,name,code}", "order_line{product_id,qty_done,price_unit}"]}),
        )
        .await;
        rule(
            &server,
            "Per-record Callback URL",
            json!({"name": "Callback", "model": "sale.order", "trigger_domain": r#"[("state", "=", "sale")]"#,
                   "endpoint_source": "record"}),
        )
        .await;
        create(&server, "res.partner", json!({"name": "ABC Co."})).await;
        create(&server, "product.product", json!({"name": "Product A"})).await;
        // §Per-record Callback URL, as written but for the receiver's address, and a currency.
        let created = server
            .call(
                "/api/create_data",
                "sale.order",
                json!({
                    "callback_url": format!("{}/webhook/so-status", receiver.url),
                    "payload": {
                        "partner_id": {"name": "ABC Co."},
                        "order_line": [{"product_id": {"name": "Product A"}, "product_uom_qty": 1, "qty_done": 2.0, "price_unit": 500.0}],
                        "currency_id": {"name": "THB"}
                    }
                }),
            )
            .await;
        let order = ok(&created)["id"].as_i64().unwrap();
        confirm(&server, order).await;
        let got = receiver.wait_for(2, WAIT).await;
        let expanded = on(&got, "/expanded");
        let body = expanded
            .first()
            .expect("seed 002 payload fields: a POST")
            .json();
        assert_eq!(
            (&body["name"], &body["state"]),
            (&json!("SO00001"), &json!("sale")),
            "{body}"
        );
        assert_eq!(
            body["currency_id"][0]["code"], "THB",
            "seed 002 currency_id{{id,name,code}}: {body}"
        );
        assert_eq!(body["currency_id"][0]["name"], "THB", "{body}");
        let line = &body["order_line"][0];
        // The seed prints `"product_id": 5`; Weft sends Odoo's `[id, name]` for an unexpanded many2one.
        assert_eq!(
            line["product_id"][1], "Product A",
            "seed 002 order_line product_id: {body}"
        );
        assert_eq!(
            (&line["qty_done"], &line["price_unit"]),
            (&json!(2.0), &json!(500.0)),
            "{body}"
        );
        let callback = on(&got, "/webhook/so-status");
        assert_eq!(callback.len(), 1, "seed 002 per-record callback: {got:#?}");
        assert_eq!(
            callback[0].json()["id"],
            order,
            "seed 002 per-record callback body"
        );
    }
}
