//! The XML-RPC transport: faults for bodies that are not XML-RPC (with the position), hostile
//! bodies (a DOCTYPE, deep nesting, an oversized body), unknown services and HTTP methods, and the
//! fault shapes of both endpoints for a method no service has.

use crate::support::TestServer;
use crate::{answer, call, fault, int_code, post, text_code};
use weft_store::testing::backends;

#[tokio::test]
async fn malformed_bodies_are_faults_naming_the_position_on_both_endpoints() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let broken = "<?xml version=\"1.0\"?>\n<methodCall>\n<methodName>version</methodName>\n<params><param><value><int>x</int>";
        let modern = fault(answer(&server, "/xmlrpc/2/common", broken).await);
        assert_eq!(int_code(&modern), 1, "{modern:?}");
        assert_eq!(
            modern.string,
            "malformed XML-RPC at line 4, column 23: 'x' is not an integer"
        );
        // Legacy: the message is the code, the faultString empty (Odoo puts a traceback there).
        let legacy = fault(answer(&server, "/xmlrpc/common", broken).await);
        assert_eq!(text_code(&legacy), modern.string);
        assert_eq!(legacy.string, "");

        for (body, reason) in [
            ("", "no <methodCall> element"),
            (
                "not xml at all",
                "text 'not xml at all' inside the document",
            ),
            (
                "{\"jsonrpc\": \"2.0\"}",
                "text '{\"jsonrpc\": \"2.0\"}' inside the document",
            ),
            (
                "<methodCall><methodName>x</methodName>",
                "the document ends inside <methodCall>",
            ),
            (
                "<methodCall><methodName>x</methodName><params><param><value><boolean>2</boolean></value></param></params></methodCall>",
                "bad boolean value '2' (0 or 1)",
            ),
            (
                "<methodResponse/>",
                "the root is <methodResponse>, not <methodCall>",
            ),
        ] {
            let refused = fault(answer(&server, "/xmlrpc/2/object", body).await);
            assert_eq!(int_code(&refused), 1);
            assert!(
                refused.string.starts_with("malformed XML-RPC at line "),
                "{}",
                refused.string
            );
            assert!(
                refused.string.ends_with(reason),
                "{body}: {}",
                refused.string
            );
        }
    }
}

#[tokio::test]
async fn hostile_bodies_are_refused_without_expanding_or_recursing() {
    for backend in backends() {
        let server = TestServer::start_with(backend, &[("WEFT_MAX_BODY", "65536")]).await;
        let bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n\
            <methodCall><methodName>&b;</methodName></methodCall>";
        let refused = fault(answer(&server, "/xmlrpc/2/common", bomb).await);
        assert_eq!(
            refused.string,
            "malformed XML-RPC at line 2, column 1: a DOCTYPE is refused (XML-RPC has none; no entity is ever expanded)"
        );
        // 3,000 nested arrays within the body limit: refused at the 65th.
        let deep = format!(
            "<methodCall><methodName>version</methodName><params><param>{}",
            "<value><array><data>".repeat(3000)
        );
        assert!(deep.len() < 65536);
        let refused = fault(answer(&server, "/xmlrpc/2/common", deep).await);
        assert!(
            refused
                .string
                .ends_with("arrays and structs nest deeper than 64"),
            "{}",
            refused.string
        );
        // Over the limit: the body limit's 413 before anything parses it.
        let huge = format!(
            "<methodCall><methodName>version</methodName><params><param><value><string>{}</string></value></param></params></methodCall>",
            "a".repeat(70_000)
        );
        assert_eq!(post(&server, "/xmlrpc/2/common", huge).await.status, 413);
        // Many values within the limit are read and reach the service.
        let wide = vec![serde_json::json!(1); 2_000];
        let answered = call(
            &server,
            "/xmlrpc/2/common",
            "no_such_method",
            &[serde_json::Value::Array(wide)],
        )
        .await;
        assert!(fault(answered).string.contains("no_such_method"));
    }
}

#[tokio::test]
async fn unknown_services_are_404_and_other_methods_405() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let body = weft_xmlrpc::encode_call("version", &[]).unwrap();
        for path in ["/xmlrpc/2/report", "/xmlrpc/report", "/xmlrpc/2"] {
            let raw = post(&server, path, body.clone()).await;
            assert_eq!(raw.status, 404, "{path}");
        }
        for path in ["/xmlrpc/2/common", "/xmlrpc/object"] {
            let got = server
                .client
                .get(format!("{}{path}", server.url))
                .send()
                .await
                .unwrap();
            assert_eq!(got.status(), 405, "{path}");
        }
    }
}

#[tokio::test]
async fn a_method_no_service_has_is_a_name_error_fault_on_both_endpoints() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        for service in ["common", "object", "db"] {
            let modern = fault(
                call(
                    &server,
                    &format!("/xmlrpc/2/{service}"),
                    "no_such_method",
                    &[],
                )
                .await,
            );
            assert_eq!(int_code(&modern), 1, "{modern:?}");
            assert!(
                modern.string.contains("no_such_method"),
                "{}",
                modern.string
            );
            let legacy = fault(
                call(
                    &server,
                    &format!("/xmlrpc/{service}"),
                    "no_such_method",
                    &[],
                )
                .await,
            );
            assert_eq!(text_code(&legacy), modern.string);
            assert_eq!(legacy.string, "");
        }
    }
}
