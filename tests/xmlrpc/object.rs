//! `object.execute_kw` and `execute` over XML-RPC: the method shapes a stock client uses, the
//! value types on the way in (dateTime.iso8601, base64, i8, nil) and out (no None), each fault
//! class with its code on `/xmlrpc/2` and its string on the legacy route, and the receive log.

use crate::support::TestServer;
use crate::{Caller, call, caller, execute_kw, fault, int_code, text_code};
use serde_json::{Value, json};
use weft_store::testing::backends;

const OBJECT: &str = "/xmlrpc/2/object";

async fn kw(
    server: &TestServer,
    who: &Caller,
    model: &str,
    method: &str,
    args: Value,
    kwargs: Value,
) -> Value {
    let answer = execute_kw(server, OBJECT, who, model, method, args, kwargs).await;
    answer.unwrap_or_else(|f| panic!("{model}.{method}: {f:?}"))
}

#[tokio::test]
async fn execute_kw_creates_searches_reads_writes_and_unlinks() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let who = caller(&server, "xml", None).await;
        let acme = kw(
            &server,
            &who,
            "res.partner",
            "create",
            json!([{"name": "ACME", "company_type": "company"}]),
            json!({}),
        )
        .await;
        assert!(acme.is_i64(), "create of a dict gives an id: {acme}");
        let many = kw(
            &server,
            &who,
            "res.partner",
            "create",
            json!([[{"name": "Bob", "parent_id": acme}, {"name": "Carol"}]]),
            json!({}),
        )
        .await;
        assert_eq!(many.as_array().map(Vec::len), Some(2), "{many}");

        let found = kw(
            &server,
            &who,
            "res.partner",
            "search",
            json!([[["name", "in", ["ACME", "Bob", "Carol"]]]]),
            json!({"order": "name"}),
        )
        .await;
        assert_eq!(found, json!([acme, many[0], many[1]]));
        let count = kw(
            &server,
            &who,
            "res.partner",
            "search_count",
            json!([[["parent_id", "=", acme]]]),
            json!({}),
        )
        .await;
        assert_eq!(count, json!(1));
        let rows = kw(
            &server,
            &who,
            "res.partner",
            "search_read",
            json!([[["name", "=", "Bob"]]]),
            json!({"fields": ["name", "parent_id", "email"]}),
        )
        .await;
        // Empty fields are false and a many2one is [id, name]: no None reaches the writer.
        assert_eq!(
            rows,
            json!([{"id": many[0], "name": "Bob", "parent_id": [acme, "ACME"], "email": false}])
        );

        let wrote = kw(
            &server,
            &who,
            "res.partner",
            "write",
            json!([[many[0]], {"email": "bob@example.com", "customer_rank": 5_000_000_000i64}]),
            json!({}),
        )
        .await;
        assert_eq!(wrote, json!(true));
        let read = kw(
            &server,
            &who,
            "res.partner",
            "read",
            json!([[many[0]], ["email", "customer_rank", "parent_id"]]),
            json!({"load": "_classic_write"}),
        )
        .await;
        assert_eq!(
            read,
            json!([{"id": many[0], "email": "bob@example.com", "customer_rank": 5_000_000_000i64, "parent_id": acme}])
        );

        // `execute`: positional arguments after the method, no kwargs.
        let params = [
            json!("weft"),
            who.uid.clone(),
            json!(who.key),
            json!("res.partner"),
            json!("search"),
            json!([["name", "=", "Carol"]]),
        ];
        assert_eq!(
            call(&server, OBJECT, "execute", &params).await.unwrap(),
            json!([many[1]])
        );

        assert_eq!(
            kw(
                &server,
                &who,
                "res.partner",
                "unlink",
                json!([[many[1]]]),
                json!({})
            )
            .await,
            json!(true)
        );
        let gone = kw(
            &server,
            &who,
            "res.partner",
            "search_count",
            json!([[["name", "=", "Carol"]]]),
            json!({}),
        )
        .await;
        assert_eq!(gone, json!(0));
        // The same calls on the legacy route.
        let legacy = execute_kw(
            &server,
            "/xmlrpc/object",
            &who,
            "res.partner",
            "search",
            json!([[["name", "=", "ACME"]]]),
            json!({}),
        )
        .await;
        assert_eq!(legacy.unwrap(), json!([acme]));
    }
}

#[tokio::test]
async fn datetime_and_nil_arguments_are_read_and_dates_come_back_as_strings() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let who = caller(&server, "xml", None).await;
        let partner = kw(
            &server,
            &who,
            "res.partner",
            "create",
            json!([{"name": "ACME"}]),
            json!({}),
        )
        .await;
        // A raw body: a dateTime.iso8601 in each form, and a <nil/> read as "no value".
        let body = |date: &str| {
            format!(
                "<?xml version='1.0'?><methodCall><methodName>execute_kw</methodName><params>\
             <param><value><string>weft</string></value></param><param><value><int>{}</int></value></param>\
             <param><value><string>{}</string></value></param><param><value><string>sale.order</string></value></param>\
             <param><value><string>create</string></value></param><param><value><array><data><value><struct>\
             <member><name>partner_id</name><value><int>{partner}</int></value></member>\
             <member><name>date_order</name><value><dateTime.iso8601>{date}</dateTime.iso8601></value></member>\
             <member><name>note</name><value><nil/></value></member>\
             </struct></value></data></array></value></param></params></methodCall>",
                who.uid, who.key
            )
        };
        let mut orders = Vec::new();
        for date in ["20240105T10:11:12", "2024-01-05T10:11:12"] {
            let created = crate::answer(&server, OBJECT, body(date)).await;
            orders.push(created.unwrap_or_else(|f| panic!("{date}: {f:?}")));
        }
        let read = kw(
            &server,
            &who,
            "sale.order",
            "read",
            json!([orders.clone(), ["date_order", "note"]]),
            json!({}),
        )
        .await;
        for row in read.as_array().unwrap() {
            assert_eq!(row["date_order"], "2024-01-05 10:11:12", "{row}");
            assert_eq!(row["note"], false, "{row}");
        }
        // A domain on the datetime in Odoo's server format.
        let domain = json!([[["date_order", ">=", "2024-01-05 00:00:00"]]]);
        let found = kw(&server, &who, "sale.order", "search", domain, json!({})).await;
        assert_eq!(found.as_array().unwrap().len(), 2);
    }
}

#[tokio::test]
async fn each_fault_class_has_its_code_and_its_legacy_string() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let who = caller(&server, "xml", None).await;
        let both = |model: &'static str, method: &'static str, args: Value| {
            let (server, who) = (&server, &who);
            async move {
                let modern = fault(
                    execute_kw(server, OBJECT, who, model, method, args.clone(), json!({})).await,
                );
                let legacy = fault(
                    execute_kw(
                        server,
                        "/xmlrpc/object",
                        who,
                        model,
                        method,
                        args,
                        json!({}),
                    )
                    .await,
                );
                (modern, legacy)
            }
        };
        // UserError: an unknown model.
        let (modern, legacy) = both("no.model", "search", json!([[]])).await;
        assert_eq!(int_code(&modern), 2, "{modern:?}");
        assert_eq!(
            text_code(&legacy),
            format!("warning -- UserError\n\n{}", modern.string)
        );
        assert_eq!(legacy.string, "");
        // ValidationError: a required field missing (a UserError to the legacy route).
        let (modern, legacy) = both("res.partner", "create", json!([{"email": "x@y"}])).await;
        assert_eq!(int_code(&modern), 2, "{modern:?}");
        assert!(modern.string.contains("name"), "{}", modern.string);
        assert_eq!(
            text_code(&legacy),
            format!("warning -- UserError\n\n{}", modern.string)
        );
        // MissingError: a record that does not exist.
        let (modern, legacy) =
            both("res.partner", "write", json!([[999_999], {"name": "x"}])).await;
        assert_eq!(int_code(&modern), 2, "{modern:?}");
        assert_eq!(
            text_code(&legacy),
            format!("warning -- MissingError\n\n{}", modern.string)
        );
        // AccessError: a private method.
        let (modern, legacy) = both("res.partner", "_private", json!([])).await;
        assert_eq!(int_code(&modern), 4, "{modern:?}");
        assert_eq!(
            text_code(&legacy),
            format!("warning -- AccessError\n\n{}", modern.string)
        );
        // AttributeError: no such method (an application error: code 1, the text as the code).
        let (modern, legacy) = both("res.partner", "no_such_method", json!([])).await;
        assert_eq!(int_code(&modern), 1, "{modern:?}");
        assert_eq!(
            (text_code(&legacy), legacy.string.as_str()),
            (modern.string.as_str(), "")
        );
        // AccessDenied: a wrong key, checked before anything else.
        let stranger = Caller {
            uid: who.uid.clone(),
            key: "weft_wrong".into(),
        };
        let modern = fault(
            execute_kw(
                &server,
                OBJECT,
                &stranger,
                "res.partner",
                "search",
                json!([[]]),
                json!({}),
            )
            .await,
        );
        assert_eq!(int_code(&modern), 3, "{modern:?}");
        let legacy = fault(
            execute_kw(
                &server,
                "/xmlrpc/object",
                &stranger,
                "res.partner",
                "search",
                json!([[]]),
                json!({}),
            )
            .await,
        );
        assert_eq!(
            (text_code(&legacy), legacy.string.as_str()),
            ("AccessDenied", modern.string.as_str())
        );
        // A key limited to other models: an AccessError on this one.
        let limited = caller(&server, "limited", Some(&["sale.order"])).await;
        let refused = fault(
            execute_kw(
                &server,
                OBJECT,
                &limited,
                "res.partner",
                "search",
                json!([[]]),
                json!({}),
            )
            .await,
        );
        assert_eq!(int_code(&refused), 4, "{refused:?}");
    }
}

#[tokio::test]
async fn calls_leave_a_receive_log_without_the_key() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let who = caller(&server, "xml", None).await;
        let id = kw(
            &server,
            &who,
            "res.partner",
            "create",
            json!([{"name": "Logged"}]),
            json!({}),
        )
        .await;
        let (_, logs) = server
            .admin("GET", "/api/v1/logs?log_type=receive", None)
            .await;
        let text = logs.to_string();
        assert!(!text.contains(&who.key), "the key is masked: {text}");
        let entry = logs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["res_id"] == id);
        let entry = entry.unwrap_or_else(|| panic!("a log of the create: {logs}"));
        assert!(entry.to_string().contains("/xmlrpc/2/object"), "{entry}");
    }
}

/// A schema with a binary field: base64 arrives as its text and leaves as a string.
const DOCUMENTS: &str = r#"
[models."x.document"]
description = "Document"
[models."x.document".fields]
name = { type = "char", required = true }
datas = { type = "binary" }
"#;

#[tokio::test]
async fn base64_arguments_are_stored_as_their_text() {
    for backend in backends() {
        let schema = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(schema.path(), DOCUMENTS).unwrap();
        let path = schema.path().to_str().unwrap();
        let server = TestServer::start_with(backend, &[("WEFT_SCHEMA", path)]).await;
        let who = caller(&server, "xml", None).await;
        // Python's xmlrpc.client.Binary(b"hello world") wraps its base64 in lines.
        let body = format!(
            "<?xml version='1.0'?><methodCall><methodName>execute_kw</methodName><params>\
             <param><value><string>weft</string></value></param><param><value><int>{}</int></value></param>\
             <param><value><string>{}</string></value></param><param><value><string>x.document</string></value></param>\
             <param><value><string>create</string></value></param><param><value><array><data><value><struct>\
             <member><name>name</name><value>a.txt</value></member>\
             <member><name>datas</name><value><base64>\naGVsbG8g\nd29ybGQ=\n</base64></value></member>\
             </struct></value></data></array></value></param></params></methodCall>",
            who.uid, who.key
        );
        let id = crate::answer(&server, OBJECT, body).await.expect("created");
        let read = kw(
            &server,
            &who,
            "x.document",
            "read",
            json!([[id], ["datas"]]),
            json!({}),
        )
        .await;
        assert_eq!(read[0]["datas"], "aGVsbG8gd29ybGQ=", "{read}");
        // A 400 KB attachment (decoded off the async workers), wrapped at 76 characters.
        let big: String = "QUJD".repeat(100_000);
        let wrapped = big
            .as_bytes()
            .chunks(76)
            .map(|l| std::str::from_utf8(l).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let id = crate::answer(&server, OBJECT, body_with_base64(&who, &wrapped))
            .await
            .expect("created");
        let read = kw(
            &server,
            &who,
            "x.document",
            "read",
            json!([[id], ["datas"]]),
            json!({}),
        )
        .await;
        assert_eq!(read[0]["datas"], big);
        let broken = body_with_base64(&who, "aGVsbG8");
        let refused = fault(crate::answer(&server, OBJECT, broken).await);
        assert_eq!(int_code(&refused), 1);
        assert!(
            refused.string.contains("invalid base64"),
            "{}",
            refused.string
        );
    }
}

fn body_with_base64(who: &Caller, data: &str) -> String {
    let call = weft_xmlrpc::encode_call(
        "execute_kw",
        &[
            json!("weft"),
            who.uid.clone(),
            json!(who.key),
            json!("x.document"),
            json!("create"),
            json!([{"name": "b"}]),
        ],
    )
    .unwrap();
    call.replace("<value><string>b</string></value>", &format!("<value><string>b</string></value>\n</member>\n<member>\n<name>datas</name>\n<value><base64>{data}</base64></value>"))
}
