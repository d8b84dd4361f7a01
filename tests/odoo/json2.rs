//! Odoo 19's JSON-2 (`/json/2/{model}/{method}`) and `/doc-bearer/{model}.json`: a bearer key or
//! 401, `X-Odoo-Database` checked, Odoo 19's statuses and error bodies.

use crate::support::{ADMIN_KEY, TestServer};
use crate::{post, user};
use serde_json::{Value, json};
use weft_store::testing::backends;

/// Odoo 19's body for a werkzeug HTTP exception.
fn http_error(class: &str, message: &str, status: u16) -> Value {
    json!({"name": format!("werkzeug.exceptions.{class}"), "message": message,
           "arguments": [message, status], "context": {}, "debug": ""})
}

#[tokio::test]
async fn without_a_right_bearer_key_json2_answers_401() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let (_, jane_key) = user(&server, "jane").await;
        let missing = "User not authenticated, use the \"Authorization\" header";
        for headers in [
            vec![],
            vec![("x-api-key", ADMIN_KEY)], // not JSON-2's way
            vec![("authorization", "Basic YWRtaW46YWRtaW4=")],
            vec![("authorization", "Bearer")],
        ] {
            let (status, response_headers, body) =
                post(&server, "/json/2/res.partner/search", "{}", &headers).await;
            assert_eq!(status, 401, "{headers:?}");
            assert_eq!(body, http_error("Unauthorized", missing, 401));
            assert_eq!(response_headers["www-authenticate"], "Bearer");
        }
        for token in [
            "Bearer nope",
            "Bearer weft_0123456789ab_wrong",
            "bearer  jane-password",
        ] {
            let (status, _, body) = post(
                &server,
                "/json/2/res.partner/search",
                "{}",
                &[("authorization", token)],
            )
            .await;
            assert_eq!(
                (status, body),
                (401, http_error("Unauthorized", "Invalid apikey", 401))
            );
        }
        let (status, _, body) = server_get(&server, "/doc-bearer/res.partner.json", None).await;
        assert_eq!(
            (status, body),
            (401, http_error("Unauthorized", missing, 401))
        );
        // Right: past authentication (the database header, when sent, must be this one's).
        let bearer = format!("Bearer {jane_key}");
        let headers = [
            ("authorization", bearer.as_str()),
            ("x-odoo-database", "prod"),
        ];
        let (status, _, body) = post(&server, "/json/2/res.partner/search", "{}", &headers).await;
        assert_eq!(
            (status, body),
            (
                404,
                http_error("NotFound", "database 'prod' not found", 404)
            )
        );
    }
}

#[tokio::test]
async fn json2_errors_have_odoo_19s_statuses_and_bodies() {
    for backend in backends() {
        let server = TestServer::start(backend).await;
        let bearer = format!("Bearer {ADMIN_KEY}");
        let auth = [
            ("authorization", bearer.as_str()),
            ("x-odoo-database", "weft"),
        ];
        for (body, message) in [
            (
                "[1, 2]",
                "could not parse the body, expecting a json object",
            ),
            (
                "\"text\"",
                "could not parse the body, expecting a json object",
            ),
        ] {
            let (status, _, reply) = post(&server, "/json/2/res.partner/search", body, &auth).await;
            assert_eq!(
                (status, reply),
                (400, http_error("BadRequest", message, 400))
            );
        }
        let (status, _, reply) = post(&server, "/json/2/res.partner/search", "{oops", &auth).await;
        assert_eq!(status, 400);
        assert!(
            reply["message"]
                .as_str()
                .unwrap()
                .starts_with("could not parse the body as json"),
            "{reply}"
        );
        let (status, _, reply) = post(&server, "/json/2/no.such.model/search", "{}", &auth).await;
        assert_eq!(
            (status, reply),
            (
                404,
                http_error("NotFound", "the model 'no.such.model' does not exist", 404)
            )
        );
        let (status, _, reply) =
            server_get(&server, "/doc-bearer/no.such.model.json", Some(&bearer)).await;
        assert_eq!(
            (status, reply),
            (
                404,
                http_error("NotFound", "the model 'no.such.model' does not exist", 404)
            )
        );
        let (status, _, reply) =
            server_get(&server, "/doc-bearer/res.partner.json", Some(&bearer)).await;
        assert_eq!(status, 200);
        assert_eq!(reply["model"], json!("res.partner"));
        assert!(reply["methods"].is_object(), "{reply}");
    }
}

async fn server_get(server: &TestServer, path: &str, bearer: Option<&str>) -> (u16, (), Value) {
    let mut request = server.client.get(format!("{}{path}", server.url));
    if let Some(bearer) = bearer {
        request = request.header("authorization", bearer);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, (), response.json().await.unwrap_or(Value::Null))
}
