//! The status codes: 401 without a valid admin key, 404 for a missing webhook, 403 naming the bad
//! parameter.

use super::*;

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
