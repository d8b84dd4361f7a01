//! Seed 004 (Odoo Studio "Webhooks"): the two use cases with their test payloads as written,
//! "Update a sales order's currency" (`_model` and `_id`, the id a string) and "Create a new
//! contact" (name, email, phone; `company_type` 'person', `customer_rank` 1), each answered
//! `{"status": "ok"}` and leaving its documented change.

use crate::support::TestServer;
use crate::{create, read, server};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// Create an inbound hook: its `/web/hook/{secret}` path.
async fn hook(server: &TestServer, body: Value) -> String {
    let (status, created) = server
        .admin("POST", "/api/v1/inbound-hooks", Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    let url = created["url"].as_str().expect("a url");
    let (_, secret) = url.rsplit_once("/web/hook/").expect("a hook url");
    format!("/web/hook/{secret}")
}

/// POST a test payload as Postman would (raw JSON body): status and reply.
async fn post(server: &TestServer, path: &str, body: &str) -> (u16, Value) {
    let response = server
        .client
        .post(format!("{}{path}", server.url))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn seed_004_use_case_update_a_sales_orders_currency_to_usd() {
    for backend in backends() {
        let server = server(backend).await;
        let path = hook(
            &server,
            json!({"name": "SO currency to USD", "model": "sale.order", "target": {"by": "model_id"},
                   "actions": [{"type": "update", "values": {"currency_id": {"name": "USD"}}}]}),
        )
        .await;
        let partner = create(&server, "res.partner", json!({"name": "Subsidiary"})).await;
        let order = create(
            &server,
            "sale.order",
            json!({"partner_id": {"id": partner}, "currency_id": {"name": "EUR"}}),
        )
        .await;
        // The test payload, "SALES ORDER NUMBER" replaced by the order's number without S and zeros.
        let body = format!("{{\n    \"_model\": \"sale.order\",\n    \"_id\": \"{order}\"\n}}");
        let (status, reply) = post(&server, &path, &body).await;
        assert_eq!(
            (status, &reply),
            (200, &json!({"status": "ok"})),
            "seed 004 currency use case"
        );
        let orders = read(
            &server,
            "sale.order",
            json!([["id", "=", order]]),
            json!(["currency_id{name}"]),
        )
        .await;
        assert_eq!(
            orders[0]["currency_id"][0]["name"], "USD",
            "seed 004 currency use case: {orders}"
        );
    }
}

#[tokio::test]
async fn seed_004_use_case_create_a_new_contact() {
    for backend in backends() {
        let server = server(backend).await;
        let path = hook(
            &server,
            json!({"name": "New contact", "model": "res.partner", "target": {"by": "none"},
                   "actions": [{"type": "create", "required": ["name", "email"],
                                "values": {"name": {"$payload": "name"}, "email": {"$payload": "email"},
                                           "phone": {"$payload": "phone"}, "company_type": "person",
                                           "customer_rank": 1}}]}),
        )
        .await;
        // The test payload with its placeholders as written.
        let body = r#"{
    "name": "CONTACT NAME",
    "email": "CONTACTEMAIL@EMAIL.COM",
    "phone": "CONTACT PHONE NUMBER"
}"#;
        let (status, reply) = post(&server, &path, body).await;
        assert_eq!(
            (status, &reply),
            (200, &json!({"status": "ok"})),
            "seed 004 contact use case"
        );
        let found = read(
            &server,
            "res.partner",
            json!([["email", "=", "CONTACTEMAIL@EMAIL.COM"]]),
            json!(["name", "phone", "company_type", "customer_rank"]),
        )
        .await;
        assert_eq!(
            found,
            json!([{"id": found[0]["id"], "name": "CONTACT NAME", "phone": "CONTACT PHONE NUMBER",
                    "company_type": "person", "customer_rank": 1}]),
            "seed 004 contact use case"
        );
        // "raise ValueError("Missing required fields: 'name' and 'email'")": refused, nothing made.
        let (status, reply) = post(&server, &path, r#"{"name": "CONTACT NAME"}"#).await;
        assert_eq!(
            status, 422,
            "seed 004 contact use case, email missing: {reply}"
        );
        let all = read(&server, "res.partner", json!([]), json!(["name"])).await;
        assert_eq!(all.as_array().unwrap().len(), 1, "seed 004: {all}");
    }
}
