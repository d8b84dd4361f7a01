//! `/restapi/1.0/object` (research/synconics-restapi-oauth.md §5) against the real binary on every
//! backend: each form of §5's table (search_read, by id and by `ids`, create 201, write, unlink,
//! the swapped PUT/POST, the named-parameter methods, a declared method with the path id), Python
//! literal and JSON parameters from the query or a body, JSON and XML replies, and the refusals
//! (401, 403 with the fault's message, 404 Record not found, 400 for an XML body) — including a
//! key limited to `res.partner` and a user of another company, where nothing changes.

use super::raw;
use crate::support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// One object call with `key`: status and JSON body (asserting the JSON Content-Type).
async fn call(
    server: &TestServer,
    key: &str,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> (u16, Value) {
    let path = format!("/object{path}");
    let headers = [("x-api-key", key)];
    let body = body.map(|b| b.to_string());
    let (status, content_type, text) = raw(server, method, &path, query, &headers, body).await;
    assert!(
        content_type.starts_with("application/json"),
        "{method} {path}: {content_type} {text}"
    );
    let value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON: {text}"));
    (status, value)
}

/// An admin call that must answer `status`; its body.
async fn expect(
    server: &TestServer,
    status: u16,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Value {
    let (got, value) = call(server, ADMIN_KEY, method, path, query, body).await;
    assert_eq!(got, status, "{method} {path} {query:?}: {value}");
    value
}

/// A 403 fault: its message.
fn fault(value: &Value) -> &str {
    assert_eq!(value["error"]["code"], json!(403), "{value}");
    value["error"]["message"].as_str().expect("a message")
}

fn not_found(value: &Value) {
    assert_eq!(value, &json!({"code": 404, "message": "Record not found"}));
}

/// Create a partner through the resource: its id.
async fn partner(server: &TestServer, vals: &str) -> i64 {
    let reply = expect(server, 201, "POST", "/res.partner", &[("vals", vals)], None).await;
    reply["res.partner"]["id"].as_i64().expect("an id")
}

#[tokio::test]
async fn object_verbs_search_create_write_unlink() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        // POST create from a Python-literal `vals`: 201 and the record re-read (all fields).
        let created = expect(
            &server,
            201,
            "POST",
            "/res.partner",
            &[(
                "vals",
                "{'name': 'Peter Mitchell', 'company_type': 'company', 'ref': 'P1'}",
            )],
            None,
        )
        .await;
        let peter = &created["res.partner"];
        assert_eq!(peter["name"], json!("Peter Mitchell"));
        assert_eq!(peter["company_type"], json!("company"));
        assert!(peter.get("email").is_some(), "all fields: {peter}");
        let peter = peter["id"].as_i64().unwrap();
        // From a JSON body's `vals`, and PUT without ids creates (the whole body is the vals).
        let body = json!({"vals": {"name": "Azure Interior", "company_type": "company"}});
        let azure = expect(&server, 201, "POST", "/res.partner/", &[], Some(body)).await;
        let azure = azure["res.partner"]["id"].as_i64().unwrap();
        let body = json!({"name": "Brandon Freeman", "ref": "B1"});
        let brandon = expect(&server, 201, "PUT", "/res.partner", &[], Some(body)).await;
        let brandon = brandon["res.partner"]["id"].as_i64().unwrap();
        // A list payload: only its first element is created.
        let args = "[{'name': 'First'}, {'name': 'Second'}]";
        let first = expect(
            &server,
            201,
            "POST",
            "/res.partner",
            &[("args", args)],
            None,
        )
        .await;
        assert_eq!(first["res.partner"]["name"], json!("First"));

        // GET: search_read with a Python-literal domain, fields, order and limit.
        let query = [
            ("domain", "[('company_type','=','company')]"),
            ("fields", "['name','ref']"),
            ("order", "name asc"),
            ("limit", "5"),
        ];
        let list = expect(&server, 200, "GET", "/res.partner", &query, None).await;
        assert_eq!(
            list,
            json!({"res.partner": [
                {"id": azure, "name": "Azure Interior", "ref": false},
                {"id": peter, "name": "Peter Mitchell", "ref": "P1"},
            ]})
        );
        // JSON parameters; one hit comes back as an object, not a list.
        let query = [
            ("domain", r#"[["ref","=","B1"]]"#),
            ("fields", r#"["name"]"#),
        ];
        let one = expect(&server, 200, "GET", "/res.partner", &query, None).await;
        assert_eq!(
            one,
            json!({"res.partner": {"id": brandon, "name": "Brandon Freeman"}})
        );
        // The parameters from a JSON body; offset.
        let body =
            json!({"domain": [["company_type", "=", "company"]], "fields": ["name"], "offset": 1});
        let paged = expect(&server, 200, "GET", "/res.partner", &[], Some(body)).await;
        assert_eq!(paged["res.partner"]["id"], json!(peter));
        // By path id, and by `ids` (and with a trailing slash).
        let path = format!("/res.partner/{peter}");
        let by_id = expect(&server, 200, "GET", &path, &[("fields", "['name']")], None).await;
        assert_eq!(
            by_id,
            json!({"res.partner": {"id": peter, "name": "Peter Mitchell"}})
        );
        let ids = format!("{peter},{brandon}");
        let query = [("ids", ids.as_str()), ("fields", "['ref']")];
        let by_ids = expect(&server, 200, "GET", "/res.partner/", &query, None).await;
        assert_eq!(
            by_ids["res.partner"].as_array().unwrap().len(),
            2,
            "{by_ids}"
        );

        // PUT by path id: write, then the record re-read.
        let path = format!("/res.partner/{peter}/");
        let vals = [("vals", "{'email': 'peter@example.com'}")];
        let written = expect(&server, 200, "PUT", &path, &vals, None).await;
        assert_eq!(written["res.partner"]["email"], json!("peter@example.com"));
        // PUT ?ids=: a list back; POST with an id writes.
        let query = [("ids", ids.as_str()), ("vals", "{'phone': '555'}")];
        let written = expect(&server, 200, "PUT", "/res.partner", &query, None).await;
        let phones: Vec<&Value> = written["res.partner"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| &p["phone"])
            .collect();
        assert_eq!(phones, [&json!("555"), &json!("555")]);
        let path = format!("/res.partner/{brandon}");
        let body = json!({"vals": {"ref": "B2"}});
        let posted = expect(&server, 200, "POST", &path, &[], Some(body)).await;
        assert_eq!(posted["res.partner"]["ref"], json!("B2"));

        // DELETE by path id and by ids, in v15's shapes; then the records are gone.
        let path = format!("/res.partner/{peter}");
        let deleted = expect(&server, 200, "DELETE", &path, &[], None).await;
        assert_eq!(deleted, json!({"id": peter}));
        not_found(&expect(&server, 404, "GET", &path, &[], None).await);
        let ids = format!("{azure},{brandon}");
        let query = [("ids", ids.as_str())];
        let deleted = expect(&server, 200, "DELETE", "/res.partner", &query, None).await;
        assert_eq!(deleted, json!({"ids": ids}));
        not_found(&expect(&server, 404, "GET", "/res.partner", &query, None).await);
        // Deleting what no longer exists is the ORM's MissingError: 403.
        let path = format!("/res.partner/{peter}");
        let (status, gone) = call(&server, ADMIN_KEY, "DELETE", &path, &[], None).await;
        assert_eq!(status, 403, "{gone}");
    }
}

#[tokio::test]
async fn object_named_and_declared_methods() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let acme = partner(
            &server,
            "{'name': 'ACME', 'company_type': 'company', 'ref': 'A'}",
        )
        .await;
        let bolt = partner(
            &server,
            "{'name': 'Bolt', 'company_type': 'company', 'ref': 'B'}",
        )
        .await;
        let carl = partner(&server, "{'name': 'Carl', 'ref': 'C'}").await;
        let companies = [("domain", "[('company_type','=','company')]")];

        // search: ids, in order; a single hit stays a list (its item is an int).
        let query = [companies[0], ("order", "name desc"), ("limit", "5")];
        let ids = expect(&server, 200, "GET", "/res.partner/search", &query, None).await;
        assert_eq!(ids, json!({"res.partner": [bolt, acme]}));
        let query = [companies[0], ("offset", "1")];
        let ids = expect(&server, 200, "GET", "/res.partner/search", &query, None).await;
        assert_eq!(ids, json!({"res.partner": [bolt]}));
        // search_count, 0 allowed.
        let count = expect(
            &server,
            200,
            "GET",
            "/res.partner/search_count",
            &companies,
            None,
        )
        .await;
        assert_eq!(count, json!({"count": 2}));
        let none = [("domain", "[('ref','=','nobody')]")];
        let count = expect(
            &server,
            200,
            "GET",
            "/res.partner/search_count",
            &none,
            None,
        )
        .await;
        assert_eq!(count, json!({"count": 0}));
        // fields_get with attributes.
        let query = [("attributes", "['string','type']")];
        let fields = expect(&server, 200, "GET", "/res.partner/fields_get", &query, None).await;
        assert_eq!(
            fields["res.partner"]["ref"],
            json!({"string": "Reference", "type": "char"})
        );
        // check_access_rights -> {"return": true}.
        let query = [("operation", "read"), ("raise_exception", "False")];
        let path = "/res.partner/check_access_rights";
        let allowed = expect(&server, 200, "GET", path, &query, None).await;
        assert_eq!(allowed, json!({"return": true}));
        // name_search: one hit is `[id, name]`; name_create; default_get.
        let query = [("name", "Car")];
        let hit = expect(
            &server,
            200,
            "GET",
            "/res.partner/name_search",
            &query,
            None,
        )
        .await;
        assert_eq!(hit, json!({"res.partner": [carl, "Carl"]}));
        let query = [("name", "Dora")];
        let made = expect(
            &server,
            200,
            "POST",
            "/res.partner/name_create",
            &query,
            None,
        )
        .await;
        assert_eq!(made["res.partner"][1], json!("Dora"));
        let query = [("fields_list", "['company_type','active']")];
        let defaults = expect(
            &server,
            200,
            "GET",
            "/res.partner/default_get",
            &query,
            None,
        )
        .await;
        assert_eq!(
            defaults,
            json!({"res.partner": {"company_type": "person", "active": true}})
        );
        // Record methods take the path id first: read, copy.
        let path = format!("/res.partner/{acme}/read");
        let read = expect(&server, 200, "GET", &path, &[("fields", "['name']")], None).await;
        assert_eq!(read, json!({"res.partner": {"id": acme, "name": "ACME"}}));
        let path = format!("/res.partner/{acme}/copy");
        let query = [("default", "{'name': 'ACME (copy)'}")];
        let copy = expect(&server, 200, "POST", &path, &query, None).await;
        let copy = copy["res.partner"].as_i64().expect("the copy's id");
        assert_ne!(copy, acme);
        // read_group.
        let query = [
            ("domain", "[]"),
            ("fields", "['company_type']"),
            ("groupby", "['company_type']"),
        ];
        let groups = expect(&server, 200, "GET", "/res.partner/read_group", &query, None).await;
        assert_eq!(
            groups["res.partner"].as_array().unwrap().len(),
            2,
            "{groups}"
        );
        // Any other method: args and kwargs, ids first when the path has one.
        let query = [("args", format!("[[{carl}], {{'ref': 'C2'}}]"))];
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let wrote = expect(&server, 200, "POST", "/res.partner/write", &query, None).await;
        assert_eq!(wrote, json!({"res.partner": true}));
        let order = json!({"vals": {"partner_id": carl}});
        let order = expect(&server, 201, "POST", "/sale.order", &[], Some(order)).await;
        assert_eq!(order["sale.order"]["state"], json!("draft"));
        let order = order["sale.order"]["id"].as_i64().unwrap();
        let path = format!("/sale.order/{order}/action_confirm");
        let confirmed = expect(&server, 200, "POST", &path, &[], None).await;
        assert_eq!(confirmed, json!({"sale.order": true}));
        // Confirming twice breaks the method's rule: 403 with its message.
        let (status, again) = call(&server, ADMIN_KEY, "POST", &path, &[], None).await;
        assert_eq!(status, 403, "{again}");
        assert!(!fault(&again).is_empty());
    }
}

#[tokio::test]
async fn object_refusals() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let id = partner(&server, "{'name': 'ACME'}").await;
        // No credentials, or wrong ones: 401 in Synconics' words.
        for headers in [vec![], vec![("x-api-key", "weft_wrong")]] {
            let (status, content_type, body) =
                raw(&server, "GET", "/object/res.partner", &[], &headers, None).await;
            assert_eq!(status, 401);
            assert!(content_type.starts_with("application/json"));
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                body,
                json!({"code": 401, "message": "Authentication required"})
            );
        }
        // An unknown model, method, a bad domain, a bad id list, a write with no values: 403.
        let (status, body) = call(&server, ADMIN_KEY, "GET", "/no.such.model", &[], None).await;
        assert_eq!(status, 403, "{body}");
        assert!(fault(&body).contains("no.such.model"), "{body}");
        let (status, body) = call(
            &server,
            ADMIN_KEY,
            "GET",
            "/res.partner/frobnicate",
            &[],
            None,
        )
        .await;
        assert_eq!(status, 403, "{body}");
        assert!(fault(&body).contains("frobnicate"), "{body}");
        let bad = [("domain", "[('nope','=',1)]")];
        let (status, body) = call(&server, ADMIN_KEY, "GET", "/res.partner", &bad, None).await;
        assert_eq!(status, 403, "{body}");
        assert!(fault(&body).contains("nope"), "{body}");
        let bad = [("domain", "[('name',")];
        let (status, body) = call(&server, ADMIN_KEY, "GET", "/res.partner", &bad, None).await;
        assert_eq!(status, 403, "{body}");
        let bad = [("ids", "1,x")];
        let (status, body) = call(&server, ADMIN_KEY, "GET", "/res.partner", &bad, None).await;
        assert_eq!(status, 403, "{body}");
        let (status, body) = call(&server, ADMIN_KEY, "POST", "/res.partner", &[], None).await;
        assert_eq!(status, 403, "{body}");
        let bad = [("vals", "{'name': False}")];
        let (status, body) = call(&server, ADMIN_KEY, "POST", "/res.partner", &bad, None).await;
        assert_eq!(status, 403, "{body}");
        // A falsy result: 404 Record not found.
        let none = [("domain", "[('name','=','nobody')]")];
        not_found(&expect(&server, 404, "GET", "/res.partner", &none, None).await);
        not_found(&expect(&server, 404, "GET", "/res.partner/999999", &[], None).await);
        not_found(&expect(&server, 404, "GET", "/res.partner/abc/read", &[], None).await);
        // A body that is not JSON, a literal or a form (XML): 400, nothing created.
        let xml = "<vals><name>X</name></vals>".to_string();
        let headers = [("x-api-key", ADMIN_KEY), ("accept", "application/json")];
        let (status, _, body) = raw(
            &server,
            "POST",
            "/object/res.partner",
            &[],
            &headers,
            Some(xml),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            body,
            json!({"error": {"code": 400, "message": "Bad Request"}})
        );
        let count = expect(&server, 200, "GET", "/res.partner/search_count", &[], None).await;
        assert_eq!(count, json!({"count": 1}));
        // The record is still there, untouched.
        let path = format!("/res.partner/{id}");
        let one = expect(&server, 200, "GET", &path, &[("fields", "['name']")], None).await;
        assert_eq!(one["res.partner"]["name"], json!("ACME"));
    }
}

#[tokio::test]
async fn object_xml_replies() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let id = partner(&server, "{'name': 'ACME & Sons', 'ref': 'A'}").await;
        let xml = [("x-api-key", ADMIN_KEY), ("accept", "application/xml")];
        let path = format!("/object/res.partner/{id}");
        let query = [("fields", "['name','ref']")];
        let (status, content_type, body) = raw(&server, "GET", &path, &query, &xml, None).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            content_type.starts_with("application/xml"),
            "{content_type}"
        );
        assert_eq!(
            body,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<res.partner><id>{id}</id><name>ACME &amp; Sons</name><ref>A</ref></res.partner>"
            )
        );
        let text_xml = [("x-api-key", ADMIN_KEY), ("accept", "text/xml")];
        let path = "/object/res.partner/search_count";
        let (status, content_type, body) = raw(&server, "GET", path, &[], &text_xml, None).await;
        assert_eq!(status, 200);
        assert!(content_type.starts_with("text/xml"), "{content_type}");
        assert!(
            body.ends_with("<result><count>1</count></result>"),
            "{body}"
        );
        let none = [("domain", "[('name','=','nobody')]")];
        let (status, _, body) = raw(&server, "GET", "/object/res.partner", &none, &xml, None).await;
        assert_eq!(status, 404);
        assert!(
            body.ends_with("<result><code>404</code><message>Record not found</message></result>"),
            "{body}"
        );
        // XML input is not read: 400.
        let vals = "<vals><name>X</name></vals>".to_string();
        let (status, _, body) = raw(
            &server,
            "POST",
            "/object/res.partner",
            &[],
            &xml,
            Some(vals),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("<message>Bad Request</message>"), "{body}");
    }
}

/// A new company: its id.
async fn company(server: &TestServer, name: &str) -> i64 {
    let body = json!({"name": name});
    let (status, created) = server.admin("POST", "/api/v1/companies", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created["id"].as_i64().unwrap()
}

/// An integration user of `company` only, and a key of theirs.
async fn company_key(server: &TestServer, login: &str, company: i64) -> String {
    let user = json!({"login": login, "role": "integration", "company_id": company, "company_ids": [company]});
    let (status, user) = server.admin("POST", "/api/v1/users", Some(user)).await;
    assert_eq!(status, 201, "{user}");
    let key = json!({"user_id": user["id"], "name": login});
    let (status, key) = server.admin("POST", "/api/v1/api-keys", Some(key)).await;
    assert_eq!(status, 201, "{key}");
    key["key"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn object_keeps_allowed_models_and_companies() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let customer = partner(&server, "{'name': 'Customer'}").await;
        // A key limited to res.partner reaches no sale.order, by any form; nothing changes.
        let partners_only = server
            .integration_key("partners-only", Some(&["res.partner"]))
            .await;
        let vals = json!({"vals": {"partner_id": customer}});
        let attempts: [(&str, &str, Option<Value>); 4] = [
            ("POST", "/sale.order", Some(vals.clone())),
            ("PUT", "/sale.order", Some(vals)),
            ("GET", "/sale.order", None),
            ("GET", "/sale.order/search_count", None),
        ];
        for (method, path, body) in attempts {
            let (status, reply) = call(&server, &partners_only, method, path, &[], body).await;
            assert_eq!(status, 403, "{method} {path}: {reply}");
            assert!(fault(&reply).contains("sale.order"), "{reply}");
        }
        let count = expect(&server, 200, "GET", "/sale.order/search_count", &[], None).await;
        assert_eq!(count, json!({"count": 0}));
        // ... and can use res.partner.
        let (status, _) = call(&server, &partners_only, "GET", "/res.partner", &[], None).await;
        assert_eq!(status, 200);

        // Company B's partner is out of reach for a user of company A, by path id and by ids.
        let a = company(&server, "Company A").await;
        let b = company(&server, "Company B").await;
        let key_a = company_key(&server, "user-a", a).await;
        let key_b = company_key(&server, "user-b", b).await;
        let body = json!({"vals": {"name": "B's secret", "ref": "B"}});
        let (status, theirs) = call(&server, &key_b, "POST", "/res.partner", &[], Some(body)).await;
        assert_eq!(status, 201, "{theirs}");
        assert_eq!(theirs["res.partner"]["company_id"][0], json!(b), "{theirs}");
        let theirs = theirs["res.partner"]["id"].as_i64().unwrap();
        let path = format!("/res.partner/{theirs}");
        let (status, reply) = call(&server, &key_a, "GET", &path, &[], None).await;
        assert_eq!(status, 404, "{reply}");
        not_found(&reply);
        let path_read = format!("/res.partner/{theirs}/read");
        let (status, reply) = call(&server, &key_a, "GET", &path_read, &[], None).await;
        assert_ne!(status, 200, "{reply}");
        let vals = [("vals", "{'name': 'Taken'}")];
        let (status, reply) = call(&server, &key_a, "PUT", &path, &vals, None).await;
        assert_eq!(status, 403, "{reply}");
        fault(&reply);
        let (status, reply) = call(&server, &key_a, "DELETE", &path, &[], None).await;
        assert_eq!(status, 403, "{reply}");
        // B still sees its partner, unchanged.
        let (status, mine) = call(
            &server,
            &key_b,
            "GET",
            &path,
            &[("fields", "['name']")],
            None,
        )
        .await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine["res.partner"]["name"], json!("B's secret"));
    }
}

#[tokio::test]
async fn object_calls_are_atomic_counted_and_rate_limited() {
    for backend in backends() {
        let server = TestServer::start_with(backend, &[("WEFT_RATE_LIMIT", "5")]).await;
        let acme = partner(&server, "{'name': 'ACME', 'ref': 'A'}").await;
        // A write naming a missing record fails whole: the existing one keeps its values.
        let ids = format!("{acme},999999");
        let query = [("ids", ids.as_str()), ("vals", "{'ref': 'changed'}")];
        let (status, reply) = call(&server, ADMIN_KEY, "PUT", "/res.partner", &query, None).await;
        assert_eq!(status, 403, "{reply}");
        fault(&reply);
        let path = format!("/res.partner/{acme}");
        let one = expect(&server, 200, "GET", &path, &[("fields", "['ref']")], None).await;
        assert_eq!(one["res.partner"]["ref"], json!("A"));
        // A form body's fields are parameters too.
        let response = server
            .client
            .post(format!(
                "{}/restapi/1.0/object/res.partner/search_count",
                server.url
            ))
            .header("x-api-key", ADMIN_KEY)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("domain=%5B%28%27ref%27%2C%27%3D%27%2C%27A%27%29%5D")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"count": 1}));
        // Every call is counted under the `restapi` wire.
        let metrics = server
            .client
            .get(format!("{}/metrics", server.url))
            .send()
            .await;
        let text = metrics.unwrap().text().await.unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("weft_rpc_calls_total{")
                && l.contains("wire=\"restapi\"")
                && l.contains("method=\"search_count\"")),
            "{text}"
        );
        // A burst past WEFT_RATE_LIMIT: 429 with Retry-After.
        let mut refused = None;
        for _ in 0..12 {
            let response = server
                .client
                .get(format!("{}/restapi/1.0/object/res.partner", server.url))
                .header("x-api-key", ADMIN_KEY)
                .send()
                .await
                .unwrap();
            if response.status().as_u16() == 429 {
                let retry = response.headers().get("retry-after").cloned();
                refused = Some((retry, response.json::<Value>().await.unwrap()));
                break;
            }
        }
        let (retry, body) = refused.expect("a 429 within the burst");
        assert!(retry.is_some());
        assert_eq!(body["error"]["code"], json!(429), "{body}");
    }
}
