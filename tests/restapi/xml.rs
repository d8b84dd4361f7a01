//! Replies and errors as XML when `Accept` prefers it.

use super::*;

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
