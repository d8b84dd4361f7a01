//! The test notification and real events reaching a receiver at the webhook's address.

use super::*;

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
