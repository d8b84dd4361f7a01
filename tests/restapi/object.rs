//! `/restapi/1.0/object` (research/synconics-restapi-oauth.md §5) against the real binary on every
//! backend: each form of §5's table (search_read, by id and by `ids`, create 201, write, unlink,
//! the swapped PUT/POST, the named-parameter methods, a declared method with the path id), Python
//! literal and JSON parameters from the query or a body, XML bodies, JSON and XML replies, and the
//! refusals (401, 403 with the fault's message, 404 Record not found, 400 for an unread body).
//! The guards (allowed_models, companies, one transaction, metrics, rate limit) are in
//! `object_guards.rs`.

use super::raw;
use crate::support::{ADMIN_KEY, TestServer};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// One object call with `key`: status and JSON body (asserting the JSON Content-Type).
pub(crate) async fn call(
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
pub(crate) async fn expect(
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
pub(crate) fn fault(value: &Value) -> &str {
    assert_eq!(value["error"]["code"], json!(403), "{value}");
    value["error"]["message"].as_str().expect("a message")
}

pub(crate) fn not_found(value: &Value) {
    assert_eq!(value, &json!({"code": 404, "message": "Record not found"}));
}

/// Create a partner through the resource: its id.
pub(crate) async fn partner(server: &TestServer, vals: &str) -> i64 {
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
        // A body that is not JSON, a literal or a form (XML, the client not asking for XML): 400,
        // nothing created.
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
        // XML input when the client asks for XML: `<vals>`, `<args>`; another root is a 400.
        let vals = "<vals><name>Dora &amp; Co</name><ref type=\"str\">007</ref></vals>";
        let query = [("fields", "['name','ref']")];
        let (status, _, body) = raw(
            &server,
            "POST",
            "/object/res.partner",
            &query,
            &xml,
            Some(vals.into()),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        assert!(
            body.contains("<name>Dora &amp; Co</name><ref>007</ref></res.partner>"),
            "{body}"
        );
        let args = "<args><item><ref>B</ref></item></args>".to_string();
        let path = format!("/object/res.partner/{id}/write");
        let (status, _, body) = raw(&server, "POST", &path, &[], &xml, Some(args)).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.ends_with("<res.partner>true</res.partner>"), "{body}");
        let path = format!("/res.partner/{id}");
        let one = expect(&server, 200, "GET", &path, &[("fields", "['ref']")], None).await;
        assert_eq!(one["res.partner"]["ref"], json!("B"));
        let other = "<values><name>X</name></values>".to_string();
        let (status, _, body) = raw(
            &server,
            "POST",
            "/object/res.partner",
            &[],
            &xml,
            Some(other),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("<message>Bad Request</message>"), "{body}");
    }
}
