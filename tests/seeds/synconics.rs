//! Seed 000 (Synconics "Odoo Webhooks 1.0" documentation): the §4.1.2 webhook table, the §4.2
//! property examples (with `condition: [('type', '=', 'product')]`), and every §4.3 request as
//! written, query values in the seed's own quoting (reqwest URL-encodes them, as a client would).
//! The seed's ids (3, 7, 12) are replaced by the ids the server gave the same webhooks.

use crate::support::receiver::Receiver;
use crate::support::{ADMIN_KEY, TestServer};
use crate::{create, server};
use serde_json::{Value, json};
use std::time::Duration;
use weft_store::testing::backends;

const BIN: &str = "https://requestbin.net/152eq511";
const WAIT: Duration = Duration::from_secs(10);

/// One `/restapi/1.0` call with the admin key: status and JSON body.
async fn rest(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let response = server
        .client
        .request(method, format!("{}/restapi/1.0{path}", server.url))
        .query(query)
        .header("x-api-key", ADMIN_KEY)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A call the seed documents as `200 OK`: its body.
async fn rest_ok(
    server: &TestServer,
    example: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
) -> Value {
    let (status, body) = rest(server, method, path, query).await;
    assert_eq!(
        status, 200,
        "seed 000 {example}: {method} {path} {query:?}: {body}"
    );
    body
}

fn names(example: &str, reply: &Value) -> Vec<String> {
    let list = reply["webhook"]
        .as_array()
        .unwrap_or_else(|| panic!("seed 000 {example}: {reply}"));
    list.iter()
        .map(|w| w["name"].as_str().unwrap().to_string())
        .collect()
}

fn keys(webhook: &Value) -> Vec<String> {
    let mut keys: Vec<String> = webhook.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

const SIX_AND_ID: [&str; 7] = [
    "address", "format", "id", "kind", "language", "model", "name",
];

/// Seed 000 §4.1.2's table of webhooks, created through `POST ?vals=`: their ids in table order.
async fn table_webhooks(server: &TestServer) -> [i64; 5] {
    let rows = [
        ("Product Creation", "product.product", "json", "on_create"),
        ("Product Update", "product.product", "json", "on_write"),
        ("Product Deletion", "product.product", "json", "on_unlink"),
        ("Order Status Update", "sale.order", "xml", "on_write"),
        ("Delivery Status Update", "stock.picking", "xml", "on_write"),
    ];
    let mut ids = [0; 5];
    for (i, (name, model, format, kind)) in rows.into_iter().enumerate() {
        let vals = format!(
            "{{'name': '{name}', 'model': '{model}', 'kind': '{kind}', 'address': '{BIN}', 'format': '{format}', 'language': 'en_US'}}"
        );
        let reply = rest_ok(
            server,
            "§4.1.2 table",
            "POST",
            "/webhooks",
            &[("vals", &vals)],
        )
        .await;
        assert_eq!(
            reply["webhook"]["name"], *name,
            "seed 000 §4.1.2 table: {reply}"
        );
        ids[i] = reply["webhook"]["id"].as_i64().unwrap();
    }
    ids
}

#[tokio::test]
async fn seed_000_section_4_2_properties_condition_on_storable_products_fires_only_for_them() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        // Every §4.2 example value, the address being the local receiver.
        let vals = format!(
            "{{'name': 'Product Creation', 'model': 'product.product', 'kind': 'on_create', 'language': 'en_US', 'address': '{}/payload', 'format': 'json', 'fields': ['name', 'default_code', 'list_price', 'qty_available'], 'condition': [('type', '=', 'product')]}}",
            receiver.url
        );
        let created = rest_ok(
            &server,
            "§4.2 properties",
            "POST",
            "/webhooks",
            &[("vals", &vals)],
        )
        .await;
        let webhook = &created["webhook"];
        assert_eq!(
            webhook["fields"],
            json!(["name", "default_code", "list_price", "qty_available"]),
            "seed 000 §4.2 fields: {created}"
        );
        assert!(
            webhook["condition"].to_string().contains("product"),
            "seed 000 §4.2 condition stored: {created}"
        );
        for key in ["create_date", "write_date"] {
            assert!(webhook[key].is_string(), "seed 000 §4.2 {key}: {created}");
        }

        // A service does not match the condition; a storable product ('product', Odoo 14) does.
        create(
            &server,
            "product.product",
            json!({"name": "Consulting", "type": "service"}),
        )
        .await;
        create(
            &server,
            "product.product",
            json!({"name": "Chair", "default_code": "CH-1", "list_price": 25.0, "type": "product"}),
        )
        .await;
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].path, "/payload");
        assert!(
            got[0].body.contains("Chair") && got[0].body.contains("CH-1"),
            "seed 000 §4.2: {}",
            got[0].body
        );
        assert!(
            !got[0].body.contains("Consulting"),
            "seed 000 §4.2: {}",
            got[0].body
        );
        let all = receiver.settle(Duration::from_millis(500)).await;
        assert_eq!(
            all.len(),
            1,
            "seed 000 §4.2: only the storable product: {all:#?}"
        );
    }
}

#[tokio::test]
async fn seed_000_section_4_3_every_get_request_as_written() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, deletion, _, _] = table_webhooks(&server).await;
        let (update, three_twelve) = (update.to_string(), format!("{creation},{deletion}"));

        let all = rest_ok(
            &server,
            "§4.3 Get a list of all webhooks",
            "GET",
            "/webhooks",
            &[],
        )
        .await;
        assert_eq!(names("§4.3 list", &all).len(), 5, "{all}");
        assert_eq!(all["webhook"][1]["fields"], json!([]), "{all}");

        let six = "['name','model','kind','address','format','language']";
        let picked = rest_ok(
            &server,
            "§4.3 list, six fields",
            "GET",
            "/webhooks",
            &[("fields", six)],
        )
        .await;
        for webhook in picked["webhook"].as_array().unwrap() {
            assert_eq!(
                keys(webhook),
                SIX_AND_ID,
                "seed 000 §4.3 six fields and id: {picked}"
            );
        }

        let one_path = format!("/webhooks/{update}");
        let one = rest_ok(
            &server,
            "§4.3 Get a single webhook by its id",
            "GET",
            &one_path,
            &[],
        )
        .await;
        assert_eq!(one["webhook"]["name"], "Product Update", "{one}");
        assert_eq!(one["webhook"]["kind"], "on_write", "{one}");
        let one = rest_ok(
            &server,
            "§4.3 single webhook, six fields",
            "GET",
            &one_path,
            &[("fields", six)],
        )
        .await;
        assert_eq!(keys(&one["webhook"]), SIX_AND_ID, "{one}");

        let two = rest_ok(
            &server,
            "§4.3 ids=3,12",
            "GET",
            "/webhooks",
            &[("ids", &three_twelve)],
        )
        .await;
        assert_eq!(
            names("§4.3 ids", &two),
            ["Product Creation", "Product Deletion"]
        );
        let six_spaced = "['name', 'model', 'kind', 'address', 'format', 'language']";
        let two = rest_ok(
            &server,
            "§4.3 ids=3,12 with six fields",
            "GET",
            "/webhooks",
            &[("ids", &three_twelve), ("fields", six_spaced)],
        )
        .await;
        assert_eq!(
            names("§4.3 ids, fields", &two),
            ["Product Creation", "Product Deletion"]
        );
        assert_eq!(keys(&two["webhook"][0]), SIX_AND_ID, "{two}");

        let found = rest_ok(
            &server,
            "§4.3 domain with two-element terms",
            "GET",
            "/webhooks",
            &[(
                "domain",
                "[('model','product.product'),('kind','on_write')]",
            )],
        )
        .await;
        assert_eq!(names("§4.3 domain", &found), ["Product Update"]);
        let found = rest_ok(
            &server,
            "§4.3 domain, fields and limit",
            "GET",
            "/webhooks",
            &[
                (
                    "domain",
                    "[('model','=', 'product.product'), ('kind', '=', 'on_write')]",
                ),
                ("fields", six_spaced),
                ("limit", "5"),
            ],
        )
        .await;
        assert_eq!(
            names("§4.3 domain, fields, limit", &found),
            ["Product Update"]
        );
        assert_eq!(keys(&found["webhook"][0]), SIX_AND_ID, "{found}");

        let count = rest_ok(
            &server,
            "§4.3 Get a count of Webhooks",
            "GET",
            "/webhooks/count",
            &[("domain", "[('model', '=', 'product.product')]")],
        )
        .await;
        assert_eq!(count, json!({"count": 3}), "seed 000 §4.3 count");
    }
}

#[tokio::test]
async fn seed_000_section_4_3_create_update_and_delete_requests_as_written() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, deletion, _, _] = table_webhooks(&server).await;

        let vals = "{'name':'Delivery Order Updation','model':'stock.picking','kind':'on_write','address':'https://requestbin.net/152eq511','format':'json','language':'en_US','condition':[('state','=', 'done'), ('picking_type_id.code', '=', 'outgoing')]}";
        let created = rest_ok(
            &server,
            "§4.3 Create a new Webhook",
            "POST",
            "/webhooks",
            &[("vals", vals)],
        )
        .await;
        let id = created["webhook"]["id"].as_i64().unwrap();
        let stored = rest_ok(
            &server,
            "§4.3 created webhook read back",
            "GET",
            &format!("/webhooks/{id}"),
            &[],
        )
        .await;
        assert_eq!(
            stored["webhook"]["name"], "Delivery Order Updation",
            "{stored}"
        );
        assert_eq!(stored["webhook"]["model"], "stock.picking", "{stored}");
        assert_eq!(
            stored["webhook"]["condition"], created["webhook"]["condition"],
            "{stored}"
        );
        assert!(
            stored["webhook"]["condition"]
                .to_string()
                .contains("picking_type_id.code"),
            "{stored}"
        );

        let new_address = "{'address': 'https://requestbin.net/152eq511'}";
        let path = format!("/webhooks/{update}");
        let updated = rest_ok(
            &server,
            "§4.3 Update a single webhook",
            "PUT",
            &path,
            &[("vals", new_address)],
        )
        .await;
        assert_eq!(updated["webhook"]["address"], BIN, "{updated}");
        assert_eq!(updated["webhook"]["name"], "Product Update", "{updated}");

        let ids = format!("{update},{deletion}");
        let updated = rest_ok(
            &server,
            "§4.3 Update a list of webhooks",
            "PUT",
            "/webhooks",
            &[
                ("ids", &ids),
                ("vals", "{'address':'https://requestbin.net/152eq511'}"),
            ],
        )
        .await;
        assert_eq!(
            names("§4.3 update ids", &updated),
            ["Product Update", "Product Deletion"]
        );

        let gone = rest_ok(
            &server,
            "§4.3 Delete a single webhook",
            "DELETE",
            &path,
            &[],
        )
        .await;
        assert_eq!(gone, json!({}), "seed 000 §4.3 delete one");
        let (status, _) = rest(&server, "GET", &path, &[]).await;
        assert_eq!(status, 404, "seed 000 §4.3: the deleted webhook is gone");

        let ids = format!("{creation},{deletion}");
        let gone = rest_ok(
            &server,
            "§4.3 Delete a list of webhooks",
            "DELETE",
            "/webhooks",
            &[("ids", &ids)],
        )
        .await;
        assert_eq!(gone, json!({}), "seed 000 §4.3 delete by ids");
        let count = rest_ok(
            &server,
            "§4.3 count after deletes",
            "GET",
            "/webhooks/count",
            &[],
        )
        .await;
        assert_eq!(
            count,
            json!({"count": 3}),
            "two table rows and the delivery webhook are left"
        );
    }
}

#[tokio::test]
async fn seed_000_section_4_3_delivery_condition_notifies_when_an_outgoing_transfer_is_done() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let vals = format!(
            "{{'name':'Delivery Order Updation','model':'stock.picking','kind':'on_write','address':'{}/delivery','format':'json','language':'en_US','condition':[('state','=', 'done'), ('picking_type_id.code', '=', 'outgoing')]}}",
            receiver.url
        );
        rest_ok(
            &server,
            "§4.3 Create a new Webhook (delivery)",
            "POST",
            "/webhooks",
            &[("vals", &vals)],
        )
        .await;
        let receipt = create(
            &server,
            "stock.picking",
            json!({"origin": "IN-1", "picking_type_id": {"code": "incoming"}}),
        )
        .await;
        let delivery = create(
            &server,
            "stock.picking",
            json!({"origin": "OUT-1", "picking_type_id": {"code": "outgoing"}}),
        )
        .await;
        for id in [receipt, delivery] {
            let reply = server
                .call(
                    "/api/update_data",
                    "stock.picking",
                    json!({"search_key": {"id": id}, "payload": {"state": "done"}}),
                )
                .await;
            crate::support::ok(&reply);
        }
        let got = receiver.wait_for(1, WAIT).await;
        assert!(
            got[0].body.contains("OUT-1"),
            "seed 000 §4.3 delivery condition: {}",
            got[0].body
        );
        let all = receiver.settle(Duration::from_millis(500)).await;
        assert_eq!(
            all.len(),
            1,
            "seed 000 §4.3: the receipt does not match: {all:#?}"
        );
    }
}
