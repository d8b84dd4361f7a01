//! `/restapi/1.0/webhooks` (seed 000 §4.3) against the real binary, on every test backend: every
//! call form the seed documents (list, by id, `ids`, `domain` with two- and three-element terms,
//! `fields`, `offset`, `limit`, `order`, `count`, `/count`, create with `vals`, update one and by
//! `ids`, delete one and by `ids`), the trailing slash, XML by `Accept`, the status codes, and the
//! test notification reaching a real receiver. Query values are URL-encoded, as a client would.

mod support;

use serde_json::{Value, json};
use std::time::Duration;
use support::receiver::Receiver;
use support::{ADMIN_KEY, TestServer, ok};
use weft_store::testing::{Backend, backends};

const WAIT: Duration = Duration::from_secs(10);
const BIN: &str = "https://requestbin.net/152eq511";
const SIX: &str = "['name','model','kind','address','format','language']";

async fn server(backend: Backend) -> TestServer {
    TestServer::start_with(backend, &[("WEFT_ALLOWED_TARGETS", "127.0.0.0/8")]).await
}

/// One call: status, Content-Type and body text.
async fn raw(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (u16, String, String) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let url = format!("{}/restapi/1.0{path}", server.url);
    let mut request = server.client.request(method, url).query(query);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, content_type, response.text().await.unwrap())
}

/// A call with the admin key: status and JSON body.
async fn rest(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let (status, content_type, body) = raw(
        server,
        method,
        path,
        query,
        &[("x-api-key", ADMIN_KEY)],
        None,
    )
    .await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    (
        status,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("JSON: {body}")),
    )
}

/// A call with the admin key that must succeed.
async fn rest_ok(server: &TestServer, method: &str, path: &str, query: &[(&str, &str)]) -> Value {
    let (status, body) = rest(server, method, path, query).await;
    assert_eq!(status, 200, "{method} {path} {query:?}: {body}");
    body
}

/// A call that must fail with `status`; the error message.
async fn refused(
    server: &TestServer,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    status: u16,
) -> String {
    let (got, body) = rest(server, method, path, query).await;
    assert_eq!(got, status, "{method} {path} {query:?}: {body}");
    assert!(body["error"]["code"].is_string(), "{body}");
    body["error"]["message"].as_str().unwrap().to_string()
}

/// Create a webhook from Python-literal `vals`; its view.
async fn create(server: &TestServer, vals: &str) -> Value {
    rest_ok(server, "POST", "/webhooks", &[("vals", vals)]).await["webhook"].clone()
}

/// The seed's four webhooks (three on products, one on orders); their ids.
async fn seed_webhooks(server: &TestServer) -> [i64; 4] {
    let mut ids = [0; 4];
    let specs = [
        ("Product Creation", "product.product", "on_create", "json"),
        ("Product Update", "product.product", "on_write", "json"),
        ("Product Deletion", "product.product", "on_unlink", "json"),
        ("Order Status Update", "sale.order", "on_write", "xml"),
    ];
    for (i, (name, model, kind, format)) in specs.into_iter().enumerate() {
        let vals = format!(
            "{{'name': '{name}', 'model': '{model}', 'kind': '{kind}', 'address': '{BIN}', 'format': '{format}', 'language': 'en_US'}}"
        );
        ids[i] = create(server, &vals).await["id"].as_i64().unwrap();
    }
    ids
}

fn names(reply: &Value) -> Vec<&str> {
    reply["webhook"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect()
}

fn keys(webhook: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = webhook
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    keys
}

/// Query parameters, as `reqwest` takes them.
type Query<'a> = &'a [(&'a str, &'a str)];

const SIX_AND_ID: [&str; 7] = [
    "address", "format", "id", "kind", "language", "model", "name",
];

#[tokio::test]
async fn the_seed_calls_list_read_filter_and_count_webhooks() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, deletion, order] = seed_webhooks(&server).await;

        // All of them, every documented property, no secret.
        let all = rest_ok(&server, "GET", "/webhooks", &[]).await;
        assert_eq!(
            names(&all),
            [
                "Product Creation",
                "Product Update",
                "Product Deletion",
                "Order Status Update"
            ]
        );
        let first = &all["webhook"][0];
        assert_eq!(first["id"], creation);
        assert_eq!(first["model"], "product.product");
        assert_eq!(first["kind"], "on_create");
        assert_eq!(first["address"], BIN);
        assert_eq!(
            (first["format"].as_str(), first["language"].as_str()),
            (Some("json"), Some("en_US"))
        );
        assert_eq!(first["fields"], json!([]));
        assert!(
            first["create_date"].as_str().unwrap().len() == 19 && first["write_date"].is_string(),
            "{first}"
        );
        assert!(
            first.get("secret").is_none(),
            "the secret only comes with the creation"
        );
        let six = rest_ok(&server, "GET", "/webhooks", &[("fields", SIX)]).await;
        assert_eq!(
            keys(&six["webhook"][3]),
            SIX_AND_ID,
            "id is always returned"
        );

        // One by id, whole and with six fields.
        let one = rest_ok(&server, "GET", &format!("/webhooks/{update}"), &[]).await;
        assert_eq!(one["webhook"]["name"], "Product Update");
        assert_eq!(one["webhook"]["kind"], "on_write");
        let one = rest_ok(
            &server,
            "GET",
            &format!("/webhooks/{update}"),
            &[("fields", SIX)],
        )
        .await;
        assert_eq!(keys(&one["webhook"]), SIX_AND_ID);

        // ids=3,12, with and without fields.
        let ids = format!("{creation},{deletion}");
        let two = rest_ok(&server, "GET", "/webhooks", &[("ids", &ids)]).await;
        assert_eq!(names(&two), ["Product Creation", "Product Deletion"]);
        assert_eq!(two["webhook"][1]["kind"], "on_unlink");
        let two = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[
                ("ids", &ids),
                (
                    "fields",
                    "['name', 'model', 'kind', 'address', 'format', 'language']",
                ),
            ],
        )
        .await;
        assert_eq!(keys(&two["webhook"][0]), SIX_AND_ID);
        let listed = format!("[{deletion}, {creation}, {creation}]");
        let two = rest_ok(&server, "GET", "/webhooks", &[("ids", &listed)]).await;
        assert_eq!(names(&two), ["Product Creation", "Product Deletion"]);

        // domain: the seed's two-element form (read as '='), its three-element form with fields
        // and limit, JSON, through the trailing slash.
        let seed_domain = "[('model','product.product'),('kind','on_write')]";
        let found = rest_ok(&server, "GET", "/webhooks", &[("domain", seed_domain)]).await;
        assert_eq!(names(&found), ["Product Update"]);
        assert_eq!(found["webhook"][0]["id"], update);
        let three = "[('model','=', 'product.product'), ('kind', '=', 'on_write')]";
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks/",
            &[
                ("domain", three),
                (
                    "fields",
                    "['name', 'model', 'kind', 'address', 'format', 'language']",
                ),
                ("limit", "5"),
            ],
        )
        .await;
        assert_eq!(names(&found), ["Product Update"]);
        assert_eq!(keys(&found["webhook"][0]), SIX_AND_ID);
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks/",
            &[("domain", r#"[["model", "=", "sale.order"]]"#)],
        )
        .await;
        assert_eq!(found["webhook"][0]["id"], order);
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[(
                "domain",
                "['|', ('format', '=', 'xml'), ('name', 'ilike', 'deletion')]",
            )],
        )
        .await;
        assert_eq!(names(&found), ["Product Deletion", "Order Status Update"]);
        let found = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[("domain", "[]"), ("fields", r#"["name"]"#)],
        )
        .await;
        assert_eq!(found["webhook"].as_array().unwrap().len(), 4);
        assert_eq!(keys(&found["webhook"][0]), ["id", "name"]);

        // order, offset, limit.
        let products = "[('model', '=', 'product.product')]";
        let page = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[
                ("domain", products),
                ("order", "name desc, id"),
                ("offset", "1"),
                ("limit", "2"),
            ],
        )
        .await;
        assert_eq!(names(&page), ["Product Deletion", "Product Creation"]);
        let sorted = rest_ok(&server, "GET", "/webhooks", &[("order", "kind, name desc")]).await;
        assert_eq!(
            names(&sorted),
            [
                "Product Creation",
                "Product Deletion",
                "Product Update",
                "Order Status Update"
            ]
        );
        let tail = rest_ok(&server, "GET", "/webhooks", &[("offset", "3")]).await;
        assert_eq!(names(&tail), ["Order Status Update"]);
        let none = rest_ok(
            &server,
            "GET",
            "/webhooks",
            &[("domain", "[('model', '=', 'res.partner')]")],
        )
        .await;
        assert_eq!(none, json!({"webhook": []}));

        // count, and /count.
        for yes in ["True", "true", "1"] {
            let counted = rest_ok(
                &server,
                "GET",
                "/webhooks",
                &[("domain", products), ("count", yes), ("limit", "1")],
            )
            .await;
            assert_eq!(counted, json!({"count": 3}));
        }
        let listed = rest_ok(&server, "GET", "/webhooks", &[("count", "False")]).await;
        assert_eq!(names(&listed).len(), 4);
        let counted = rest_ok(
            &server,
            "GET",
            "/webhooks/count",
            &[("domain", "[('model', '=', 'product.product')]")],
        )
        .await;
        assert_eq!(counted, json!({"count": 3}));
        assert_eq!(
            rest_ok(&server, "GET", "/webhooks/count", &[]).await,
            json!({"count": 4})
        );
    }
}

#[tokio::test]
async fn the_seed_calls_create_update_and_delete_webhooks() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, deletion, _] = seed_webhooks(&server).await;

        // The seed's example, verbatim (the demo schema has stock.picking and its operation type).
        let vals = "{'name':'Delivery Order Updation','model':'stock.picking','kind':'on_write','address':'https://requestbin.net/152eq511','format':'json','language':'en_US','condition':[('state','=', 'done'), ('picking_type_id.code', '=', 'outgoing')]}";
        let delivery = create(&server, vals).await;
        assert_eq!(delivery["name"], "Delivery Order Updation");
        assert_eq!(delivery["model"], "stock.picking");
        assert_eq!(delivery["fields"], json!([]));
        assert_eq!(
            delivery["condition"],
            json!([
                "&",
                ["state", "=", "done"],
                ["picking_type_id.code", "=", "outgoing"]
            ])
        );
        assert!(
            delivery["secret"].as_str().unwrap().starts_with("whsec_"),
            "{delivery}"
        );
        assert_eq!(delivery["create_date"], delivery["write_date"]);
        let id = delivery["id"].as_i64().unwrap();
        let stored = rest_ok(&server, "GET", &format!("/webhooks/{id}"), &[]).await;
        assert_eq!(stored["webhook"]["condition"], delivery["condition"]);
        assert!(stored["webhook"].get("secret").is_none());

        // vals as a JSON body; fields as a Python list inside the vals.
        let body = json!({"name": "Partners", "model": "res.partner", "kind": "on_create", "address": BIN, "fields": "['name', 'email']"});
        let (status, _, reply) = raw(
            &server,
            "POST",
            "/webhooks",
            &[],
            &[("x-api-key", ADMIN_KEY)],
            Some(body.to_string()),
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        let partners: Value = serde_json::from_str(&reply).unwrap();
        assert_eq!(partners["webhook"]["fields"], json!(["name", "email"]));
        assert_eq!(partners["webhook"]["format"], "json", "the default");

        // Update one: the reply is the updated webhook.
        let moved = "https://requestbin.net/moved";
        let put = rest_ok(
            &server,
            "PUT",
            &format!("/webhooks/{update}"),
            &[("vals", &format!("{{'address': '{moved}'}}"))],
        )
        .await;
        assert_eq!(put["webhook"]["id"], update);
        assert_eq!(put["webhook"]["address"], moved);
        assert_eq!(put["webhook"]["name"], "Product Update");
        let put = rest_ok(
            &server,
            "PUT",
            &format!("/webhooks/{update}/"),
            &[(
                "vals",
                "{'active': False, 'fields': ['name', 'list_price']}",
            )],
        )
        .await;
        assert_eq!(put["webhook"]["active"], false);
        assert_eq!(put["webhook"]["fields"], json!(["name", "list_price"]));
        assert_eq!(put["webhook"]["address"], moved, "unchanged fields stay");

        // Update by ids: every one gets the same values.
        let ids = format!("{update},{deletion}");
        let put = rest_ok(
            &server,
            "PUT",
            "/webhooks",
            &[
                ("ids", &ids),
                ("vals", &format!("{{'address':'{BIN}/both'}}")),
            ],
        )
        .await;
        assert_eq!(names(&put), ["Product Update", "Product Deletion"]);
        assert!(
            put["webhook"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| w["address"] == format!("{BIN}/both"))
        );

        // vals as a JSON body.
        let body = json!({"name": "Product Update (JSON)"}).to_string();
        let path = format!("/webhooks/{update}");
        let (status, _, reply) = raw(
            &server,
            "PUT",
            &path,
            &[],
            &[("x-api-key", ADMIN_KEY)],
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(
            serde_json::from_str::<Value>(&reply).unwrap()["webhook"]["name"],
            "Product Update (JSON)"
        );

        // One refused: nothing changes (the first, already written, is put back).
        let mixed = format!("{id},{creation}");
        let message = refused(
            &server,
            "PUT",
            "/webhooks",
            &[
                ("ids", &mixed),
                (
                    "vals",
                    "{'fields': ['origin'], 'address': 'https://example.com/x'}",
                ),
            ],
            403,
        )
        .await;
        assert!(
            message.contains("origin") && message.contains("product.product"),
            "{message}"
        );
        let after = rest_ok(&server, "GET", &format!("/webhooks/{id}"), &[]).await;
        assert_eq!(after["webhook"]["fields"], json!([]));
        assert_eq!(after["webhook"]["address"], BIN);
        assert_eq!(after["webhook"]["condition"], delivery["condition"]);

        // The model cannot change.
        let message = refused(
            &server,
            "PUT",
            &format!("/webhooks/{id}"),
            &[("vals", "{'model': 'sale.order'}")],
            403,
        )
        .await;
        assert!(message.starts_with("model:"), "{message}");

        // Delete one; delete by ids (all or nothing: an unknown id is Synconics' 403).
        assert_eq!(
            rest_ok(&server, "DELETE", &format!("/webhooks/{id}"), &[]).await,
            json!({})
        );
        refused(&server, "GET", &format!("/webhooks/{id}"), &[], 404).await;
        refused(&server, "DELETE", &format!("/webhooks/{id}"), &[], 404).await;
        let with_unknown = format!("{creation},{id}");
        refused(
            &server,
            "DELETE",
            "/webhooks",
            &[("ids", &with_unknown)],
            403,
        )
        .await;
        rest_ok(&server, "GET", &format!("/webhooks/{creation}"), &[]).await;
        let both = format!("{creation},{deletion}");
        assert_eq!(
            rest_ok(&server, "DELETE", "/webhooks/", &[("ids", &both)]).await,
            json!({})
        );
        let left = rest_ok(&server, "GET", "/webhooks", &[]).await;
        assert_eq!(
            names(&left),
            ["Product Update (JSON)", "Order Status Update", "Partners"]
        );
    }
}

#[tokio::test]
async fn errors_are_401_404_or_403_naming_the_parameter() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, ..] = seed_webhooks(&server).await;

        // 401: no key, a wrong key (JSON by default).
        for headers in [
            vec![],
            vec![("x-api-key", "weft_000000000000_wrong")],
            vec![("authorization", "Bearer nope")],
        ] {
            let (status, content_type, body) =
                raw(&server, "GET", "/webhooks", &[], &headers, None).await;
            assert_eq!(status, 401, "{body}");
            assert!(content_type.starts_with("application/json"));
            assert!(serde_json::from_str::<Value>(&body).unwrap()["error"]["message"].is_string());
        }
        let (status, ..) = raw(
            &server,
            "POST",
            "/webhooks",
            &[("vals", "{'name': 'x'}")],
            &[],
            None,
        )
        .await;
        assert_eq!(status, 401);
        let (status, ..) = raw(
            &server,
            "GET",
            "/webhooks",
            &[],
            &[("authorization", &format!("Bearer {ADMIN_KEY}"))],
            None,
        )
        .await;
        assert_eq!(status, 200, "a bearer admin key is accepted");

        // 404: unknown ids, everywhere.
        for (method, path) in [
            ("GET", "/webhooks/999999"),
            ("GET", "/webhooks/abc"),
            ("PUT", "/webhooks/999999"),
            ("DELETE", "/webhooks/999999"),
            ("POST", "/webhooks/999999/test"),
        ] {
            let message = refused(&server, method, path, &[("vals", "{'name': 'x'}")], 404).await;
            assert!(
                message.contains("999999") || message.contains("abc"),
                "{message}"
            );
        }
        refused(&server, "GET", "/webhooks", &[("ids", "999999")], 404).await;
        refused(
            &server,
            "PUT",
            "/webhooks",
            &[
                ("ids", &format!("{creation},999999")),
                ("vals", "{'name': 'x'}"),
            ],
            403,
        )
        .await;

        // 403: every malformed parameter, naming it.
        let bad: [(&str, Query, &str); 14] = [
            (
                "GET",
                &[("domain", "[('model', '=' 'x')]")],
                "domain: syntax error at position 15",
            ),
            (
                "GET",
                &[("domain", "[('colour', '=', 'red')]")],
                "domain: unknown field 'colour'",
            ),
            ("GET", &[("domain", "42")], "domain:"),
            (
                "GET",
                &[("domain", "[('model', 'near', 'x')]"), ("count", "1")],
                "domain:",
            ),
            (
                "GET",
                &[("fields", "['name', 'colour']")],
                "fields: 'colour' is not a webhook field",
            ),
            ("GET", &[("fields", "['name'")], "fields: syntax error"),
            ("GET", &[("ids", "3,x")], "ids: 'x' is not an id"),
            ("GET", &[("limit", "-1")], "limit:"),
            ("GET", &[("offset", "many")], "offset:"),
            ("GET", &[("count", "maybe")], "count:"),
            ("GET", &[("order", "name sideways")], "order:"),
            (
                "GET",
                &[("order", "colour")],
                "order: 'colour' is not a webhook field",
            ),
            ("PUT", &[("vals", "{'name': 'x'}")], "ids: is required"),
            ("DELETE", &[("ids", "[1, 2")], "ids:"),
        ];
        for (method, query, expected) in bad {
            let message = refused(&server, method, "/webhooks", query, 403).await;
            assert!(message.starts_with(expected), "{query:?}: {message}");
        }
        let count = refused(&server, "GET", "/webhooks/count", &[("domain", "[(")], 403).await;
        assert!(count.starts_with("domain:"), "{count}");

        // 403: vals that do not parse, are not a dictionary, or are refused by the subscriptions.
        let vals: [(&str, &str); 8] = [
            ("{'name': }", "vals: syntax error"),
            ("['name']", "vals: expected a dictionary"),
            (
                "{'name': 'x', 'model': 'product.product', 'kind': 'on_create'}",
                "address: is required",
            ),
            (
                "{'name': 'x', 'model': 'no.such', 'kind': 'on_create', 'address': 'https://example.com'}",
                "model:",
            ),
            (
                "{'name': 'x', 'model': 'product.product', 'kind': 'sometimes', 'address': 'https://example.com'}",
                "kind:",
            ),
            (
                "{'name': 'x', 'model': 'product.product', 'kind': 'on_create', 'address': 'https://example.com', 'colour': 'red'}",
                "unknown field 'colour'",
            ),
            (
                "{'name': 'x', 'model': 'product.product', 'kind': 'on_create', 'address': 'https://example.com', 'condition': [('nope', '=', 1)]}",
                "condition:",
            ),
            (
                "{'name': 'x', 'model': 'product.product', 'kind': 'on_create', 'address': 'http://10.1.2.3/hook'}",
                "address:",
            ),
        ];
        for (text, expected) in vals {
            let message = refused(&server, "POST", "/webhooks", &[("vals", text)], 403).await;
            assert!(
                message.starts_with(expected) || message.contains(expected),
                "{text}: {message}"
            );
        }
        let missing = refused(&server, "POST", "/webhooks", &[], 403).await;
        assert!(missing.starts_with("vals: is required"), "{missing}");
        let model = refused(
            &server,
            "PUT",
            &format!("/webhooks/{creation}"),
            &[("vals", "{'model': 'sale.order'}")],
            403,
        )
        .await;
        assert!(model.contains("cannot be changed"), "{model}");
        assert_eq!(
            rest_ok(&server, "GET", "/webhooks/count", &[]).await,
            json!({"count": 4}),
            "nothing was created"
        );

        // 403: a key without the admin role.
        let api = |p: &str| format!("{}/api/v1{p}", server.url);
        let user: Value = server
            .client
            .post(api("/users"))
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({"login": "erp", "name": "ERP"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let key: Value = server
            .client
            .post(api("/api-keys"))
            .header("x-api-key", ADMIN_KEY)
            .json(&json!({"user_id": user["id"], "name": "erp key"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let key = key["key"].as_str().expect("a key");
        let (status, _, body) = raw(
            &server,
            "GET",
            "/webhooks",
            &[],
            &[("x-api-key", key)],
            None,
        )
        .await;
        assert_eq!(status, 403, "{body}");
    }
}

#[tokio::test]
async fn replies_are_xml_when_accept_prefers_it() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, ..] = seed_webhooks(&server).await;
        let vals = "{'name': 'Tom & Jerry <3>', 'model': 'sale.order', 'kind': 'on_write', 'address': 'https://example.com/a?b=1&c=2', 'fields': ['name', 'state'], 'condition': [('state', '=', 'sale')]}";
        let odd = create(&server, vals).await["id"].as_i64().unwrap();
        let xml = |accept: &'static str| [("x-api-key", ADMIN_KEY), ("accept", accept)];

        let (status, content_type, body) = raw(
            &server,
            "GET",
            "/webhooks",
            &[("ids", &format!("{creation},{odd}"))],
            &xml("application/xml"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            content_type.starts_with("application/xml"),
            "{content_type}"
        );
        assert!(
            body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<webhooks><webhook id="),
            "{body}"
        );
        assert!(body.contains(&format!(r#"<webhook id="{creation}"><name>Product Creation</name><model>product.product</model><kind>on_create</kind>"#)), "{body}");
        assert!(body.contains("<fields></fields><condition empty=\"true\"/><active>true</active><timeout_s empty=\"true\"/>"), "{body}");
        assert!(
            body.contains(&format!(
                r#"<webhook id="{odd}"><name>Tom &amp; Jerry &lt;3&gt;</name>"#
            )),
            "{body}"
        );
        assert!(
            body.contains("<address>https://example.com/a?b=1&amp;c=2</address>"),
            "{body}"
        );
        assert!(body.contains("<fields><field>name</field><field>state</field></fields><condition>[('state', '=', 'sale')]</condition>"), "{body}");
        assert!(body.ends_with("</webhook></webhooks>"), "{body}");

        let (_, content_type, body) = raw(
            &server,
            "GET",
            &format!("/webhooks/{update}"),
            &[("fields", "['name']")],
            &xml("text/xml"),
            None,
        )
        .await;
        assert!(content_type.starts_with("text/xml"), "{content_type}");
        assert!(
            body.ends_with(&format!(
                r#"<webhook id="{update}"><name>Product Update</name></webhook>"#
            )),
            "{body}"
        );
        let (_, _, body) = raw(
            &server,
            "GET",
            "/webhooks/count",
            &[("domain", "[('model','product.product')]")],
            &xml("text/html, application/xml;q=0.9, */*;q=0.8"),
            None,
        )
        .await;
        assert!(body.ends_with("<count>3</count>"), "{body}");
        let (_, content_type, body) = raw(
            &server,
            "GET",
            "/webhooks/count",
            &[],
            &xml("application/json, application/xml;q=0.5"),
            None,
        )
        .await;
        assert!(
            content_type.starts_with("application/json"),
            "{content_type}"
        );
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"count": 5})
        );

        let (status, _, body) = raw(
            &server,
            "PUT",
            &format!("/webhooks/{update}"),
            &[("vals", "{'name': 'Renamed'}")],
            &xml("application/xml"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert!(
            body.contains(&format!(r#"<webhook id="{update}"><name>Renamed</name>"#)),
            "{body}"
        );
        let (status, _, body) = raw(
            &server,
            "DELETE",
            &format!("/webhooks/{odd}"),
            &[],
            &xml("application/xml"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.ends_with("<result/>"), "{body}");

        // Errors too: 404, 403, 401.
        let (status, content_type, body) = raw(
            &server,
            "GET",
            &format!("/webhooks/{odd}"),
            &[],
            &xml("application/xml"),
            None,
        )
        .await;
        assert_eq!(status, 404);
        assert!(content_type.starts_with("application/xml"));
        assert!(
            body.ends_with(&format!(
                r#"<error code="not_found">webhook {odd} does not exist</error>"#
            )),
            "{body}"
        );
        let (status, _, body) = raw(
            &server,
            "GET",
            "/webhooks",
            &[("domain", "[('name', '=', '<x>'")],
            &xml("application/xml"),
            None,
        )
        .await;
        assert_eq!(status, 403);
        assert!(
            body.contains(r#"<error code="invalid_value">domain: syntax error"#),
            "{body}"
        );
        let (status, _, body) = raw(
            &server,
            "GET",
            "/webhooks",
            &[],
            &[("accept", "application/xml")],
            None,
        )
        .await;
        assert_eq!(status, 401);
        assert!(body.contains("<error code=\"unauthorized\">"), "{body}");
    }
}

#[tokio::test]
async fn the_test_notification_and_real_events_reach_the_address() {
    for backend in backends() {
        let server = server(backend).await;
        let receiver = Receiver::start().await;
        let vals = format!(
            "{{'name': 'Partners', 'model': 'res.partner', 'kind': 'on_create', 'address': '{}/first', 'fields': ['name']}}",
            receiver.url
        );
        let webhook = create(&server, &vals).await;
        let id = webhook["id"].as_i64().unwrap();

        // The test notification: no partner yet, so `{"id": 0}`.
        let tested = rest_ok(&server, "POST", &format!("/webhooks/{id}/test"), &[]).await;
        assert_eq!(tested["webhook"]["id"], id);
        assert_eq!(tested["webhook"]["name"], "Partners");
        let delivery = tested["delivery_id"].as_i64().expect("a delivery id");
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].path, "/first");
        let body = got[0].json();
        assert_eq!(body["webhook"], json!({"id": id, "name": "Partners"}));
        assert_eq!(body["data"], json!({"id": 0}));
        let (status, one) = server
            .admin("GET", &format!("/api/v1/deliveries/{delivery}"), None)
            .await;
        assert_eq!(status, 200, "{one}");
        assert_eq!(one["source"], format!("subscription:{id}"));

        // A created partner is told (the catalog took the new webhook at once).
        let reply = server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "ACME"}}),
            )
            .await;
        let acme = ok(&reply)["id"].as_i64().unwrap();
        let got = receiver.wait_for(2, WAIT).await;
        let body = got[1].json();
        assert_eq!(body["event"], "on_create");
        assert_eq!(body["data"], json!({"id": acme, "name": "ACME"}));

        // An update moves it at once; the test notification now shows the newest partner.
        let moved = format!("{{'address': '{}/moved'}}", receiver.url);
        rest_ok(
            &server,
            "PUT",
            &format!("/webhooks/{id}"),
            &[("vals", &moved)],
        )
        .await;
        let (status, _, body) = raw(
            &server,
            "POST",
            &format!("/webhooks/{id}/test"),
            &[],
            &[("x-api-key", ADMIN_KEY), ("accept", "application/xml")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains(&format!(
                r#"<result><webhook id="{id}"><name>Partners</name>"#
            )) && body.contains("</webhook><delivery_id>"),
            "{body}"
        );
        let got = receiver.wait_for(3, WAIT).await;
        assert_eq!(got[2].path, "/moved");
        assert_eq!(got[2].json()["data"], json!({"id": acme, "name": "ACME"}));

        // Deleted: no more notifications, and no test for it.
        rest_ok(&server, "DELETE", &format!("/webhooks/{id}"), &[]).await;
        refused(&server, "POST", &format!("/webhooks/{id}/test"), &[], 404).await;
        server
            .call(
                "/api/create_data",
                "res.partner",
                json!({"payload": {"name": "Later"}}),
            )
            .await;
        assert_eq!(receiver.settle(Duration::from_millis(600)).await.len(), 3);
    }
}

/// `?ids=` as Synconics reads it: GET is `search_read` with `('id', 'in', ids)`, so the webhooks
/// that exist come back and only an empty answer is a 404; PUT and DELETE run `write`/`unlink`
/// on `browse(ids)`, where a missing id raises Odoo's MissingError: 403, and nothing changes.
#[tokio::test]
async fn ids_answer_the_webhooks_that_exist_and_a_missing_one_changes_nothing() {
    for backend in backends() {
        let server = server(backend).await;
        let [creation, update, ..] = seed_webhooks(&server).await;
        let some = format!("{creation},999999");

        // GET: the one that exists; a list form, the trailing slash and `fields` alike.
        let reply = rest_ok(&server, "GET", "/webhooks", &[("ids", &some)]).await;
        assert_eq!(names(&reply), ["Product Creation"]);
        let listed = format!("[999999, {update}, {creation}]");
        let query: Query = &[("ids", &listed), ("fields", "['name']")];
        let reply = rest_ok(&server, "GET", "/webhooks/", query).await;
        assert_eq!(names(&reply), ["Product Creation", "Product Update"]);
        assert_eq!(keys(&reply["webhook"][0]), ["id", "name"]);
        let query: Query = &[("ids", &some), ("count", "True")];
        assert_eq!(
            rest_ok(&server, "GET", "/webhooks", query).await,
            json!({"count": 1})
        );

        // None of them exists, or none matches the domain: 404.
        let message = refused(
            &server,
            "GET",
            "/webhooks",
            &[("ids", "999999,999998")],
            404,
        )
        .await;
        assert!(message.contains("999999,999998"), "{message}");
        let query: Query = &[("ids", &some), ("domain", "[('model', 'sale.order')]")];
        refused(&server, "GET", "/webhooks", query, 404).await;

        // PUT with one missing id, first or last, or with every id missing: 403, nothing renamed.
        for ids in [some.clone(), format!("999999,{creation}"), "999999".into()] {
            let query: Query = &[("ids", &ids), ("vals", "{'name': 'Renamed'}")];
            let (status, body) = rest(&server, "PUT", "/webhooks", query).await;
            assert_eq!(status, 403, "{ids}: {body}");
            assert_eq!(body["error"]["code"], "missing_record", "{body}");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(message.starts_with("ids: webhook 999999"), "{message}");
        }
        let both = format!("{creation},{update}");
        let reply = rest_ok(&server, "GET", "/webhooks", &[("ids", &both)]).await;
        assert_eq!(names(&reply), ["Product Creation", "Product Update"]);

        // DELETE with one missing id: 403, nothing deleted.
        for ids in [some.clone(), format!("{update},999999")] {
            let (status, body) = rest(&server, "DELETE", "/webhooks", &[("ids", &ids)]).await;
            assert_eq!(status, 403, "{ids}: {body}");
            assert_eq!(body["error"]["code"], "missing_record", "{body}");
        }
        let reply = rest_ok(&server, "GET", "/webhooks", &[("ids", &both)]).await;
        assert_eq!(names(&reply), ["Product Creation", "Product Update"]);

        // Every id exists: deleted; then none of them exists.
        assert_eq!(
            rest_ok(&server, "DELETE", "/webhooks", &[("ids", &both)]).await,
            json!({})
        );
        refused(&server, "GET", "/webhooks", &[("ids", &both)], 404).await;
    }
}
